"""End-to-end cleaning on the small hand-built fixture with one planted case of every mess."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from fixtures.raw import raw_exports, write_raw

from jbp_analysis.clean import OUTPUT_FILES, run
from jbp_analysis.cli import main
from jbp_analysis.core.errors import ConfigError

SEMICOLON_LATIN1 = ("latin-1", ";")


def _messy() -> dict:
    x = raw_exports()
    f = x["files"]
    b, e, fu = f["responden_baseline.csv"], f["responden_endline.csv"], f["responden_followup.csv"]
    dist = "lokasi/kabupaten_kota"
    b.loc[0, dist] = "KABUPATEN SEMARANG"
    b.loc[1, dist] = "Kab. Semarnag"
    b.loc[2, "pendapatan/pendapatan_rumah_tangga"] = (
        "Rp " + f"{int(b.loc[2, 'pendapatan/pendapatan_rumah_tangga']):,}".replace(",", ".")
    )
    b.loc[3, "latar/umur"] = "-99"
    b.loc[4, "latar/jenis_kelamin"] = "-98"
    b.loc[5, "latar/umur"] = "61"
    b.loc[6, "kesadaran/ks01_tahu_dana_desa"] = "7"
    b.loc[7, "latar/jenis_kelamin"] = "Perempuan"
    b.loc[8, "kerja/r1_bekerja_seminggu"] = {"1": "Ya", "2": "Tidak"}[
        b.loc[8, "kerja/r1_bekerja_seminggu"]
    ]
    # skip logic: hours answered by a non-worker
    nonworker = b.index[b["kerja/r1_bekerja_seminggu"] == "2"][0]
    b.loc[nonworker, "kerja/r6_jam_kerja"] = "40"
    b.loc[9, dist] = "Jakarta"  # unmatched: rejected
    b = pd.concat([b, b.iloc[[10]]], ignore_index=True)  # exact duplicate
    # endline: mis-keyed NIK (two digits swapped), near duplicate
    nik = e.loc[0, "identitas/nik"]
    e.loc[0, "identitas/nik"] = nik[:-2] + nik[-1] + nik[-2]
    near = e.iloc[[1]].copy()
    near["_uuid"] = "uuid-resent"
    near["_submission_time"] = "2018-06-30T12:00:00"
    e = pd.concat([e, near], ignore_index=True)
    # follow-up: conflicting duplicate (re-interview with a changed answer), decimal commas
    conflict = fu.iloc[[3]].copy()
    conflict["_uuid"] = "uuid-reinterview"
    conflict["latar/umur"] = str(int(conflict["latar/umur"].iloc[0]) + 1)
    fu = pd.concat([fu, conflict], ignore_index=True)
    fu["meta/durasi_menit"] = fu["meta/durasi_menit"] + ",5"
    fu.loc[5, "meta/durasi_menit"] = "900"
    fu.loc[0, "identitas/nama_responden"] = "Renée Wahyuningsih"  # not ASCII: Latin-1 bytes differ
    f["responden_baseline.csv"], f["responden_endline.csv"], f["responden_followup.csv"] = b, e, fu
    f["kelompok_endline.csv"].loc[0, "kabupaten_kota"] = "Kab Semarang "
    f["biaya_program.csv"].loc[0, "biaya_rp"] = "1,5 juta"
    f["responden_baseline.csv"]["_index"] = np.arange(len(b))  # a Kobo meta column: recognised
    f["responden_baseline.csv"]["catatan_tambahan"] = "x"  # a column the codebook does not know
    x["planted"] = {"nonworker_row": int(nonworker) + 1, "miskeyed_nik": e.loc[0, "identitas/nik"]}
    return x


def _write(raw: Path, x: dict) -> Path:
    return write_raw(
        raw,
        x["files"],
        encodings={
            "responden_followup.csv": SEMICOLON_LATIN1,
            "kelompok_baseline.csv": ("utf-8-sig", ","),
        },
    )


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean")
    x = _messy()
    raw = _write(root / "raw", x)
    before = _hashes(raw)
    lines: list[str] = []
    result = run(raw, root / "out", progress=lines.append)
    return {
        "root": root,
        "raw": raw,
        "out": root / "out",
        "x": x,
        "result": result,
        "before": before,
        "lines": lines,
    }


def _log(c) -> pd.DataFrame:
    return pd.read_csv(c["out"] / "cleaning_log.csv", dtype=str, keep_default_na=False)


def _rejects(c) -> pd.DataFrame:
    return pd.read_csv(c["out"] / "rejects.csv", dtype=str, keep_default_na=False)


def test_outputs_and_accounting_balance(cleaned) -> None:
    out = cleaned["out"]
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    acc = cleaned["result"].tidy().set_index("file")
    parts = acc[["kept", "rejected", "exact_duplicates", "near_duplicates", "decided_duplicates"]]
    assert (parts.sum(axis=1) == acc["rows_in"]).all()
    assert acc.loc["responden_baseline.csv"].tolist()[2:] == [31, 29, 1, 1, 0, 0]
    assert acc.loc["responden_endline.csv", "near_duplicates"] == 1
    rej = _rejects(cleaned).groupby(["file", "reason"]).size().to_dict()
    assert rej[("responden_followup.csv", "conflicting_duplicate")] == 2  # both submissions
    # the respondent rejected at baseline (unmatched district) cannot be linked later: each of
    # their later interviews is rejected as not on the baseline roster
    files = cleaned["x"]["files"]
    gone = files["responden_baseline.csv"].loc[9, "identitas/id_responden"]
    later = {
        f: int((files[f]["identitas/id_responden"] == gone).sum())
        for f in ("responden_endline.csv", "responden_followup.csv")
    }
    assert sum(later.values()) >= 1
    for f, n in later.items():
        assert rej.get((f, "not_on_baseline_roster"), 0) == n
    assert acc.loc["responden_followup.csv", "rejected"] == 2 + later["responden_followup.csv"]
    manifest = json.loads((out / "manifest.json").read_text())
    ins = {i["file"]: i for i in manifest["inputs"]}
    assert ins["responden_followup.csv"]["separator"] == ";"
    assert ins["responden_followup.csv"]["encoding"] == "latin-1"
    assert ins["responden_followup.csv"]["decimal"] == ","
    assert ins["responden_baseline.csv"]["unknown_columns"] == ["catatan_tambahan"]
    assert ins["responden_baseline.csv"]["sha256"] == cleaned["before"]["responden_baseline.csv"]
    assert "time" not in json.dumps(manifest).replace("submission_time", "")
    assert any("rows_in" in line or "responden_baseline.csv" in line for line in cleaned["lines"])


def test_panel_is_balanced_with_contract_columns(cleaned) -> None:
    panel = pd.read_parquet(cleaned["out"] / "panel.parquet")
    assert len(panel) == 29 * 3 and panel.groupby("respondent_key").size().eq(3).all()
    assert panel.columns[:12].tolist() == [
        "respondent_key", "respondent_id", "household_id", "wave", "wave_code", "month",
        "district_code", "group_id", "arm", "cohort", "start_month", "responded",
    ]  # fmt: skip
    assert not {"name", "nik", "phone", "district"} & set(panel.columns)
    assert panel["wave"].cat.ordered and panel["wave"].cat.categories.tolist() == [
        "baseline",
        "endline",
        "followup",
    ]
    assert panel["arm"].cat.categories.tolist() == ["kontrol", "karitatif", "pendampingan"]
    assert panel.loc[panel.wave == "baseline", "responded"].all()
    assert panel["respondent_key"].str.fullmatch(r"[0-9a-f]{64}").all()
    groups = pd.read_parquet(cleaned["out"] / "groups.parquet")
    assert len(groups) == 6 * 3 and groups["responded"].all()
    costs = pd.read_parquet(cleaned["out"] / "costs.parquet")
    assert costs["cost_rp"].iloc[0] == 1_500_000 and len(costs) == 18


def test_each_planted_mess_is_repaired_or_rejected_with_its_rule(cleaned) -> None:
    log, rej = _log(cleaned), _rejects(cleaned)
    b = log[log.file == "responden_baseline.csv"].set_index(["row", "column"])
    assert b.loc[("1", "district"), "rule"] == "district_fuzzy_match"
    assert b.loc[("2", "district"), "rule"] == "district_fuzzy_match"
    assert b.loc[("3", "household_income"), "rule"] == "rupiah_parse"
    assert b.loc[("4", "age"), "rule"] == "missing_code"
    assert b.loc[("5", "sex"), "rule"] == "missing_code"
    assert b.loc[("6", "age"), ["old", "rule"]].tolist() == ["61", "out_of_range"]
    assert b.loc[("7", "ca01_know_dana_desa"), "rule"] == "out_of_range"
    assert b.loc[("8", "sex"), ["old", "new", "rule"]].tolist() == [
        "Perempuan",
        "female",
        "label_to_code",
    ]
    assert b.loc[("9", "worked_last_week"), "rule"] == "label_to_code"
    row = str(cleaned["x"]["planted"]["nonworker_row"])
    assert b.loc[(row, "hours_worked"), ["old", "rule"]].tolist() == ["40", "skip_logic"]
    assert b.loc[("31", "*"), ["rule", "detail"]].tolist() == [
        "exact_duplicate",
        "identical to row 11",
    ]
    r = rej.set_index(["file", "row"])
    assert r.loc[("responden_baseline.csv", "10"), "reason"] == "district_unmatched"
    assert "did you mean" in r.loc[("responden_baseline.csv", "10"), "detail"]
    e = log[log.file == "responden_endline.csv"].set_index(["row", "column"])
    assert e.loc[("1", "nik"), "rule"] == "relink_miskeyed_nik"
    assert e.loc[("1", "nik"), "old"].startswith("hmac:")
    assert e.loc[("27", "*"), "rule"] == "near_duplicate"
    f = r.loc["responden_followup.csv"]
    assert sorted(f.index[f["reason"] == "conflicting_duplicate"].tolist()) == ["25", "4"]
    fu = log[log.file == "responden_followup.csv"].set_index(["row", "column"])
    assert fu.loc[("6", "duration_min"), "rule"] == "out_of_range"
    g = log[log.file == "kelompok_endline.csv"]
    assert g["rule"].tolist() == ["district_fuzzy_match"]
    report = pd.read_csv(cleaned["out"] / "duplicates_report.csv", dtype=str, keep_default_na=False)
    assert report["row"].tolist() == ["4", "25"] and report["differs_in"].str.contains("age").all()


def test_repaired_values_equal_the_clean_truth(cleaned) -> None:
    panel = pd.read_parquet(cleaned["out"] / "panel.parquet").set_index(["respondent_id", "wave"])
    truth = cleaned["x"]["truth"]["respondent_baseline"].set_index("respondent_id")
    for i in (1, 2, 7, 8):  # district typo, rupiah text, label, label
        rid = truth.index[i]
        assert (
            panel.loc[(rid, "baseline"), "household_income"] == truth.loc[rid, "household_income"]
        )
        assert (
            panel.loc[(rid, "baseline"), "sex"] == {1: "male", 2: "female"}[truth.loc[rid, "sex"]]
        )
        assert panel.loc[(rid, "baseline"), "worked_last_week"] == (
            truth.loc[rid, "worked_last_week"] == 1
        )
    fu = panel.xs("followup", level="wave")
    dur = fu["duration_min"].dropna()
    assert (dur % 1 == 0.5).all()  # decimal commas read as decimals
    # the relinked endline respondent is interviewed at endline
    e_truth = cleaned["x"]["truth"]["respondent_endline"]
    assert panel.loc[(e_truth.loc[0, "respondent_id"], "endline"), "responded"]


def test_raw_is_never_modified(cleaned) -> None:
    assert _hashes(cleaned["raw"]) == cleaned["before"]


def test_two_runs_are_byte_identical(cleaned, tmp_path) -> None:
    run(cleaned["raw"], tmp_path / "again")
    assert _hashes(tmp_path / "again") == _hashes(cleaned["out"])


def _pii_values(raw: Path) -> set[str]:
    values: set[str] = set()
    for name in ("responden_baseline.csv", "responden_endline.csv", "responden_followup.csv"):
        enc, sep = SEMICOLON_LATIN1 if "followup" in name else ("utf-8", ",")
        f = pd.read_csv(raw / name, dtype=str, sep=sep, encoding=enc)
        for col in ("identitas/nama_responden", "identitas/nik", "identitas/no_hp"):
            values |= set(f[col].dropna())
    return {v for v in values if len(v) >= 6}


def test_no_pii_anywhere_in_the_outputs(cleaned) -> None:
    pii = _pii_values(cleaned["raw"])
    assert len(pii) > 80
    blobs = {}
    for p in cleaned["out"].iterdir():
        blobs[p.name] = p.read_bytes()
        if p.suffix == ".parquet":  # compressed pages could hide a value: scan decoded cells too
            t = pq.read_table(p).to_pandas()
            blobs[p.name + ":cells"] = t.astype(str).to_csv().encode()
    nik_like = re.compile(rb"(?<![0-9a-f])\d{16}(?![0-9a-f])")
    for name, blob in blobs.items():
        text = blob.decode("utf-8", errors="ignore")
        hits = [v for v in pii if v in text]
        assert not hits, (name, hits[:3])
        assert not nik_like.search(blob), name


def test_decisions_file_and_real_data_secret(cleaned, tmp_path, monkeypatch) -> None:
    """Second run: decisions applied; and as real data (no SIMULATED.json) with a secret."""
    monkeypatch.delenv("JBP_SECRET", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    root = tmp_path / "data"
    raw = root / "raw"
    shutil.copytree(cleaned["raw"], raw)
    (raw / "SIMULATED.json").unlink()
    with pytest.raises(ConfigError, match="JBP_SECRET"):
        run(raw, root / "processed")
    assert not (root / "processed").exists()
    report = pd.read_csv(cleaned["out"] / "duplicates_report.csv", dtype=str, keep_default_na=False)
    report["decision"] = ["drop", "keep"]  # keep the re-interview
    (root / "decisions").mkdir()
    report.to_csv(root / "decisions" / "duplicates.csv", index=False)
    monkeypatch.setenv("JBP_SECRET", "a-real-project-secret-for-tests")
    result = run(raw, root / "processed")
    assert result.key_source == "env"
    acc = result.tidy().set_index("file")
    files = cleaned["x"]["files"]
    gone = files["responden_baseline.csv"].loc[9, "identitas/id_responden"]
    not_on_roster = int((files["responden_followup.csv"]["identitas/id_responden"] == gone).sum())
    assert acc.loc["responden_followup.csv", ["rejected", "decided_duplicates"]].tolist() == [
        not_on_roster,
        1,
    ]
    assert result.pending_duplicate_sets == 0
    panel = pd.read_parquet(root / "processed" / "panel.parquet")
    rid = report["id"].iloc[0]
    kept = panel[(panel.respondent_id == rid) & (panel.wave == "followup")]
    assert kept["submission_id"].tolist() == ["uuid-reinterview"]
    rep2 = pd.read_csv(
        root / "processed" / "duplicates_report.csv", dtype=str, keep_default_na=False
    )
    assert rep2["decision"].tolist() == ["drop", "keep"]
    log = pd.read_csv(root / "processed" / "cleaning_log.csv", dtype=str, keep_default_na=False)
    assert log.loc[log["rule"] == "duplicate_decision", "row"].tolist() == ["4"]
    # another key: no respondent key in common with the demo-key run
    demo = pd.read_parquet(cleaned["out"] / "panel.parquet")["respondent_key"]
    assert not set(panel["respondent_key"]) & set(demo)
    assert panel["respondent_key"].nunique() == demo.nunique()


# ------------------------------------------------------------------------------ bad input
def _break_empty(raw: Path) -> str:
    (raw / "kelompok_endline.csv").write_bytes(b"")
    return "kelompok_endline.csv"


def _break_other_survey(raw: Path) -> str:
    (raw / "responden_endline.csv").write_text("hhid,q101,q102\n1,2,3\n", encoding="utf-8")
    return "responden_endline.csv"


def _break_missing_column(raw: Path) -> str:
    p = raw / "responden_baseline.csv"
    pd.read_csv(p, dtype=str).drop(columns="latar/umur").to_csv(p, index=False)
    return "latar/umur"


def _break_corrupt_xlsx(raw: Path) -> str:
    (raw / "kelompok_followup.csv").unlink()
    (raw / "kelompok_followup.xlsx").write_bytes(b"PK\x03\x04 truncated workbook")
    return "kelompok_followup.xlsx"


def _break_encoding(raw: Path) -> str:
    p = raw / "biaya_program.csv"
    p.write_bytes(p.read_text(encoding="utf-8").encode("utf-16"))
    return "biaya_program.csv"


def _break_unreadable(raw: Path) -> str:
    p = raw / "penugasan_kelompok.csv"
    p.write_bytes(b"id_kelompok,kode_bps\n\x00\x01\x02\x03")
    return "penugasan_kelompok.csv"


@pytest.mark.parametrize(
    ("breaker", "problem"),
    [
        (_break_empty, "empty"),
        (_break_other_survey, "another survey"),
        (_break_missing_column, "required column missing"),
        (_break_corrupt_xlsx, "corrupt"),
        (_break_encoding, "wrong encoding"),
        (_break_unreadable, "binary"),
    ],
)
def test_bad_input_via_cli_is_one_paragraph_exit_2_and_writes_nothing(
    cleaned, tmp_path, capsys, monkeypatch, breaker, problem
) -> None:
    # an edited simulated sample is real data (SIMULATED.json hashes): it needs the secret
    monkeypatch.setenv("JBP_SECRET", "a-real-project-secret-for-tests")
    raw = tmp_path / "raw"
    shutil.copytree(cleaned["raw"], raw)
    out = tmp_path / "processed"
    shutil.copytree(cleaned["out"], out)  # previous outputs
    before = _hashes(out)
    needle = breaker(raw)
    capsys.readouterr()
    rc = main(["clean", "--raw", str(raw), "--out", str(out)])
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert rc == 2
    assert err.startswith("Error:") and "\n" not in err and "Traceback" not in captured.out + err
    assert needle in err and problem in err
    assert _hashes(out) == before


def test_result_object_summary_and_html(cleaned) -> None:
    r = cleaned["result"]
    text = r.summary()
    total = text.strip().splitlines()[-1].split()
    assert total[0] == "TOTAL" and int(total[1]) == int(r.tidy()["rows_in"].sum())
    html = r._repr_html_()
    assert "<table" in html and "responden_baseline.csv" in html and "kontrol" in html
    assert r.tidy() is not r.accounting and r.tidy().equals(r.accounting)


def test_decisions_file_inside_the_output_folder_is_refused(cleaned, tmp_path) -> None:
    with pytest.raises(ConfigError, match="inside the output folder"):
        run(cleaned["raw"], tmp_path / "out", decisions=tmp_path / "out" / "duplicates.csv")
    assert not (tmp_path / "out").exists()


def test_sort_rank_orders_as_the_strings_do():
    """The panel's roster order: integer ranks sort rows exactly as the id strings would."""
    import random

    import numpy as np

    from jbp_analysis.clean.run import _sort_rank

    rng = random.Random(4)
    alphabet = ["a", "B", "é", "1", "-", "Z", "à", "ß", "𝔘"]
    for dtype in (object, "str", pd.StringDtype("pyarrow")):
        ids = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(3_000)
        ]
        r = pd.Series(ids, dtype=dtype)
        g = pd.Series([rng.choice(["g1", "g2", "G3", "é4"]) for _ in range(3_000)], dtype=dtype)
        want = np.lexsort((r.to_numpy(dtype=object), g.to_numpy(dtype=object)))
        assert (np.lexsort((_sort_rank(r), _sort_rank(g))) == want).all()
