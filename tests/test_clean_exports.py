"""Real field-tool exports clean to the same panel as the standard export; nothing is lost.

From one simulated truth, the KoboToolbox "XML values" (choice names; yes/no as names or 1/0),
"labels" (Bahasa Indonesia, English) and ODK Central exports must give the same processed
panel, groups and costs as the standard export, cell by cell (NA equal to NA). Each silent-loss
case of issue 9 is either decoded to the same panel or refused with exit 2 naming the column.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from jbp_analysis.clean import run
from jbp_analysis.cli import main
from jbp_analysis.simulate import simulate
from jbp_analysis.study.folder import resolve_study

SMALL = {"seed": 11, "districts": ("3373", "3322"), "groups_per_district": 3, "n_cohorts": 1,
         "file_format": "csv"}  # fmt: skip
OUTPUTS = ("panel.parquet", "groups.parquet", "costs.parquet")


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("JBP_SECRET", "test-secret-for-export-flavours-0123456789")
    monkeypatch.setenv("JBP_STUDY", str(resolve_study()))


def _write(tmp: Path, name: str, *, mess: float, flavour: str = "standard") -> Path:
    out = tmp / name
    simulate(flavour=flavour, mess=mess, **SMALL).write(out)
    return out


def _assert_same(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name))


@pytest.fixture(scope="module")
def standard(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("std")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JBP_SECRET", "test-secret-for-export-flavours-0123456789")
        out = {}
        for mess in (0.0, 1.0):
            raw = _write(tmp, f"raw{mess}", mess=mess)
            run(raw, tmp / f"out{mess}")
            out[mess] = (raw, tmp / f"out{mess}")
    return out


@pytest.mark.parametrize("flavour", ["kobo-xml", "kobo-xml-01", "kobo-labels", "kobo-labels-en",
                                     "odk"])  # fmt: skip
def test_every_flavour_cleans_to_the_standard_panel(standard, tmp_path, flavour) -> None:
    raw = _write(tmp_path, "raw", mess=0.0, flavour=flavour)
    names = sorted(p.name for p in raw.iterdir() if p.suffix == ".csv")
    assert not any(n.startswith("responden_") for n in names)  # named as the tool names them
    result = run(raw, tmp_path / "out")
    _assert_same(standard[0.0][1], tmp_path / "out")
    assert result.n_rejects == 0


@pytest.mark.parametrize("flavour", ["kobo-xml", "kobo-xml-01", "kobo-labels", "odk"])
def test_flavours_with_planted_mess_clean_to_the_standard_panel(standard, tmp_path, flavour):
    raw = _write(tmp_path, "raw", mess=1.0, flavour=flavour)
    run(raw, tmp_path / "out")
    _assert_same(standard[1.0][1], tmp_path / "out")


def test_kobo_export_looks_like_kobo(tmp_path) -> None:
    raw = _write(tmp_path, "raw", mess=0.0, flavour="kobo-xml")
    (resp,) = raw.glob("JBP_responden_-_all_versions_-_False_-_*.csv")
    df = pd.read_csv(resp, dtype=str)
    assert list(df.columns[:4]) == ["start", "end", "today", "deviceid"]
    assert list(df.columns[-10:]) == ["_id", "_uuid", "_submission_time", "_validation_status",
                                      "_notes", "_status", "_submitted_by", "__version__",
                                      "_tags", "_index"]  # fmt: skip
    assert "kerja/r1_bekerja_seminggu" in df.columns and "wawancara/tanggal_wawancara" in df
    assert set(df["latar/jenis_kelamin"].dropna()) <= {"laki_laki", "perempuan", "menolak"}
    assert set(df["kerja/r1_bekerja_seminggu"].dropna()) <= {"ya", "tidak", "menolak"}
    odk = _write(tmp_path, "odk", mess=0.0, flavour="odk")
    o = pd.read_csv(odk / "jbp_responden.csv", dtype=str)
    assert o.columns[0] == "SubmissionDate" and "meta-instanceID" in o.columns
    assert o["meta-instanceID"].str.startswith("uuid:").all()
    assert "kerja-r1_bekerja_seminggu" in o.columns


# ------------------------------------------------------------------ silent-loss cases
def _edit(standard, tmp_path: Path, edit) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(standard[0.0][0], raw)
    p = raw / "responden_baseline.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    edit(df)
    df.to_csv(p, index=False)
    return raw


def _clean(raw: Path, out: Path, capsys, *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    rc = main(["clean", "--raw", str(raw), "--out", str(out), *extra])
    return rc, capsys.readouterr().err


@pytest.mark.parametrize(
    ("column", "mapping"),
    [
        ("latar/jenis_kelamin", {"1": "laki_laki", "2": "perempuan"}),  # choice names
        ("kerja/r1_bekerja_seminggu", {"1": "Yes", "2": "No"}),  # English labels
        ("kerja/r1_bekerja_seminggu", {"1": "1", "2": "0"}),  # 1/0 yes/no
        ("kesadaran/ks01_tahu_dana_desa", {"5": "SANGAT-SETUJU", "1": "Strongly disagree"}),
    ],
)
def test_other_spellings_decode_to_the_same_panel(standard, tmp_path, capsys, column, mapping):
    def edit(df):
        df[column] = df[column].map(lambda x: mapping.get(x, x))

    raw = _edit(standard, tmp_path, edit)
    rc, err = _clean(raw, tmp_path / "out", capsys)
    assert rc == 0, err
    _assert_same(standard[0.0][1], tmp_path / "out")


def test_select_multiple_dummy_is_not_taken_for_a_question(standard, tmp_path, capsys) -> None:
    def edit(df):
        df["bantuan/bantuan_diterima"] = "pendidikan"
        df["bantuan/bantuan_diterima/pendidikan"] = "1"
        del df["latar/pendidikan"]

    raw = _edit(standard, tmp_path, edit)
    rc, err = _clean(raw, tmp_path / "out", capsys)
    assert rc == 2 and "latar/pendidikan" in err and "education" in err
    assert not (tmp_path / "out").exists()


def test_renamed_group_path_is_refused_then_read_with_an_alias(standard, tmp_path, capsys):
    def edit(df):
        df["pekerjaan/r1_bekerja_seminggu"] = df.pop("kerja/r1_bekerja_seminggu")

    raw = _edit(standard, tmp_path, edit)
    rc, err = _clean(raw, tmp_path / "out", capsys)
    assert rc == 2
    assert "kerja/r1_bekerja_seminggu" in err and "pekerjaan/r1_bekerja_seminggu" in err
    assert "aliases.yaml" in err and not (tmp_path / "out").exists()
    study = tmp_path / "study"
    shutil.copytree(resolve_study(), study)
    (study / "aliases.yaml").write_text(
        "headers:\n  respondent:\n    worked_last_week: ['pekerjaan/r1_bekerja_seminggu']\n"
        "answers: {}\n"
    )
    rc, err = _clean(raw, tmp_path / "out", capsys, "--study", str(study))
    assert rc == 0, err
    _assert_same(standard[0.0][1], tmp_path / "out")


def test_unreadable_answers_stop_the_run_naming_every_column(standard, tmp_path, capsys):
    def edit(df):
        df["latar/jenis_kelamin"] = df["latar/jenis_kelamin"].map({"1": "pria", "2": "wanita"})
        df["latar/umur"] = df["latar/umur"].where(df.index % 3 > 0, "dua puluh")

    raw = _edit(standard, tmp_path, edit)
    rc, err = _clean(raw, tmp_path / "out", capsys)
    assert rc == 2 and not (tmp_path / "out").exists()
    assert "'latar/jenis_kelamin' (sex)" in err and "'pria'" in err and "'wanita'" in err
    assert "'latar/umur' (age)" in err and "'dua puluh'" in err
    assert "aliases.yaml" in err and "answers: sex" in err
    study = tmp_path / "study"
    shutil.copytree(resolve_study(), study)
    (study / "aliases.yaml").write_text(
        "headers: {}\nanswers:\n  sex:\n    1: [pria]\n    2: [wanita]\n"
    )
    raw2 = _edit(standard, tmp_path / "b", lambda df: df.__setitem__(
        "latar/jenis_kelamin", df["latar/jenis_kelamin"].map({"1": "pria", "2": "wanita"})))  # fmt: skip
    rc, err = _clean(raw2, tmp_path / "out", capsys, "--study", str(study))
    assert rc == 0, err
    _assert_same(standard[0.0][1], tmp_path / "out")


def test_out_of_range_is_not_unreadable(standard, tmp_path, capsys) -> None:
    def edit(df):
        df["latar/umur"] = "61"  # every age out of range: logged, not an unreadable value

    raw = _edit(standard, tmp_path, edit)
    rc, err = _clean(raw, tmp_path / "out", capsys)
    assert rc == 0, err
    log = pd.read_csv(tmp_path / "out" / "cleaning_log.csv", dtype=str)
    assert (log.loc[log["column"] == "age", "rule"] == "out_of_range").sum() > 0


# ------------------------------------------------------------------ waves one at a time
@pytest.mark.parametrize("keep", [("baseline",), ("baseline", "endline")])
def test_waves_not_yet_collected(standard, tmp_path, capsys, keep) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(standard[1.0][0], raw)
    for p in raw.glob("*_*.csv"):
        wave = p.stem.split("_")[-1]
        if wave in ("baseline", "endline", "followup") and wave not in keep:
            p.unlink()
    rc, err = _clean(raw, tmp_path / "out", capsys)
    assert rc == 0, err
    panel = pd.read_parquet(tmp_path / "out" / "panel.parquet")
    assert sorted(panel["wave"].astype(str).unique()) == sorted(keep)
    import json

    q = json.loads((tmp_path / "out" / "quality.json").read_text())
    assert q["waves"]["collected"] == list(keep)
    assert all(a["attrition"] < 0.5 for a in q["attrition"])
    m = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert m["waves"]["not_yet_collected"] == [
        w for w in ("baseline", "endline", "followup") if w not in keep
    ]
    full = pd.read_parquet(standard[1.0][1] / "panel.parquet")
    full = full[full["wave"].astype(str).isin(keep)].reset_index(drop=True)
    pd.testing.assert_frame_equal(panel, full)


# ------------------------------------------------------------------ select_multiple
def _with_multiple():
    import dataclasses

    from jbp_analysis.study.codebook import Variable, load_codebook

    cb = load_codebook()
    v = Variable(
        name="aid_received", headers=("bantuan/bantuan_diterima",), module="respondent",
        waves=("baseline", "endline", "followup"), type="multiple", codes="education",
        missing=(-98,), required=False, label={"id": "Bantuan diterima", "en": "Aid received"},
        xlsform={"name": "bantuan_diterima", "group": "bantuan"},
    )  # fmt: skip
    return dataclasses.replace(cb, variables=(*cb.variables, v)), v


@pytest.mark.parametrize("flavour", ["kobo-xml", "kobo-labels-en", "odk"])
def test_select_multiple_is_parsed_and_its_dummies_are_known(tmp_path, flavour) -> None:
    from jbp_analysis.clean.inputs import InputFile, map_headers
    from jbp_analysis.clean.normalise import normalise
    from jbp_analysis.clean.readers import read_table
    from jbp_analysis.simulate.kobo import flavour_exports

    cb, v = _with_multiple()
    sim = simulate(mess=0.0, **SMALL)
    tables = dict(sim.tables)
    answers = ["2 4", "1", None, "-98", "3 5 2"]
    for name, t in tables.items():
        if t.module == "respondent":
            col = pa.array([answers[i % len(answers)] for i in range(t.n_rows)], pa.string())
            tables[name] = t.with_(
                variables=(*t.variables, v), columns={**t.columns, v.header: col}
            )
    files = flavour_exports(tables, flavour, codebook=cb)
    (name,) = [n for n in files if "responden" in n]
    p = tmp_path / name
    p.write_bytes(files[name])
    m = map_headers(read_table(p), InputFile(p, "respondent", None, "0", True), cb)
    assert m.unknown == ()
    norm = normalise(m.frame, [v], codebook=cb)
    got = norm.frame["aid_received"].tolist()
    want = [{"-98": None}.get(a, a) if a else None for a in answers]
    want = [None if w is None else " ".join(sorted(w.split())) for w in want]
    assert [None if pd.isna(g) else g for g in got[:5]] == want
    assert norm.unreadable.set_index("column").loc["aid_received", "unreadable"] == 0


def test_two_exports_of_one_wave_are_refused(standard, tmp_path, capsys) -> None:
    raw = _write(tmp_path, "raw", mess=0.0, flavour="kobo-xml")
    (resp,) = raw.glob("JBP_responden_-_*.csv")
    shutil.copy(resp, raw / resp.name.replace("10-00-00", "11-00-00"))
    rc, err = _clean(raw, tmp_path / "out", capsys)
    assert rc == 2 and "two exports hold the respondent data of wave baseline" in err


def test_per_wave_forms_without_a_wave_column_take_the_wave_from_the_file_map(
    standard, tmp_path, capsys
) -> None:
    # one form per wave ("JBP responden baseline"): no gelombang column; the file map's
    # `JBP_responden_{wave}_-_*` rule gives the wave
    raw = _write(tmp_path, "raw", mess=0.0, flavour="kobo-xml")
    for p in list(raw.glob("JBP_*_-_all_versions_-_*.csv")):
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        title = p.name.split("_-_")[0]
        for code, wave in (("0", "baseline"), ("1", "endline"), ("2", "followup")):
            part = df[df["gelombang"] == code].drop(columns="gelombang")
            part.to_csv(raw / p.name.replace(title, f"{title}_{wave}"), index=False)
        p.unlink()
    assert not any("gelombang" in p.read_text().split("\n")[0] for p in raw.glob("JBP_*"))
    rc, err = _clean(raw, tmp_path / "out", capsys)
    assert rc == 0, err
    _assert_same(standard[0.0][1], tmp_path / "out")


def test_the_study_sets_the_unreadable_threshold(standard, tmp_path, capsys) -> None:
    def edit(df):
        df["latar/jenis_kelamin"] = df["latar/jenis_kelamin"].where(df.index % 5 > 0, "pria")

    raw = _edit(standard, tmp_path, edit)
    rc, err = _clean(raw, tmp_path / "out", capsys)
    assert rc == 2 and "'pria'" in err
    study = tmp_path / "study"
    shutil.copytree(resolve_study(), study)
    text = (study / "study.yaml").read_text()
    (study / "study.yaml").write_text(
        text.replace("unreadable_threshold: 0.01", "unreadable_threshold: 0.5")
    )
    capsys.readouterr()
    rc = main(["clean", "--raw", str(raw), "--out", str(tmp_path / "out"), "--study", str(study)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "unread responden_baseline.csv latar/jenis_kelamin (sex)" in out and "'pria'" in out
    import json

    q = json.loads((tmp_path / "out" / "quality.json").read_text())
    (row,) = [r for r in q["unreadable"] if r["column"] == "sex" and r["unreadable"]]
    assert row["top_values"][0]["value"] == "pria" and 0.15 < row["share"] < 0.25
    panel = pd.read_parquet(tmp_path / "out" / "panel.parquet")
    assert panel.loc[panel["wave"] == "baseline", "sex"].isna().mean() > 0.15


def test_the_file_map_names_the_sheet_of_a_renamed_xlsx(standard, tmp_path, capsys) -> None:
    import openpyxl

    raw = tmp_path / "raw"
    shutil.copytree(standard[0.0][0], raw)
    p = raw / "responden_endline.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    p.unlink()
    wb = openpyxl.Workbook()
    wb.active.title = "catatan"
    wb.active.append(["notes of the field team"])
    ws = wb.create_sheet("data")
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append([None if x == "" else x for x in row])
    wb.save(raw / "survei_akhir_pemuda.xlsx")
    study = tmp_path / "study"
    shutil.copytree(resolve_study(), study)
    fm = (study / "file_map.yaml").read_text()
    rule = "  - {pattern: 'survei_akhir*.xlsx', module: respondent, wave: endline, sheet: data}\n"
    (study / "file_map.yaml").write_text(fm.replace("rules:\n", "rules:\n" + rule, 1))
    rc, err = _clean(raw, tmp_path / "out", capsys)
    assert rc == 2 and "survei_akhir_pemuda.xlsx" in err  # not placed by the shipped map
    rc, err = _clean(raw, tmp_path / "out", capsys, "--study", str(study))
    assert rc == 0, err
    _assert_same(standard[0.0][1], tmp_path / "out")


def test_one_message_names_every_column_in_every_file(standard, tmp_path, capsys) -> None:
    raw = _edit(
        standard,
        tmp_path,
        lambda df: df.__setitem__("latar/status_kawin", "lajang " + df["latar/status_kawin"]),
    )
    p = raw / "kelompok_endline.csv"
    g = pd.read_csv(p, dtype=str, keep_default_na=False)
    g["legalitas/halal"] = "sudah " + "x" * 80  # a long value is cut in the message
    g.to_csv(p, index=False)
    rc, err = _clean(raw, tmp_path / "out", capsys)
    assert rc == 2 and "2 column(s)" in err
    assert "responden_baseline.csv, column 'latar/status_kawin'" in err
    assert "kelompok_endline.csv, column 'legalitas/halal'" in err
    assert "x" * 80 not in err and "…" in err
    assert "answers: marital_status" in err and "answers: yes_no" in err
