from __future__ import annotations

import pandas as pd
import pytest

from jbp_analysis.clean.inputs import discover, header_keys, map_headers
from jbp_analysis.clean.readers import read_table
from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.study.codebook import load_codebook

CB = load_codebook()


def _touch(raw, *names) -> None:
    for n in names:
        (raw / n).write_text("a,b\n1,2\n")


def test_discover_skips_truth_marker_readme_and_orders_files(tmp_path) -> None:
    (tmp_path / "_truth").mkdir()
    (tmp_path / "_truth" / "panel.parquet").write_bytes(b"x")
    _touch(
        tmp_path,
        "responden_endline.xlsx",
        "penugasan_kelompok.csv",
        "responden_baseline.csv",
        "biaya_program.csv",
        "README.md",
        "SIMULATED.json",
        ".gitkeep",
        "notes.md",
    )
    files = discover(tmp_path, CB)
    assert [f.name for f in files] == [
        "responden_baseline.csv",
        "responden_endline.xlsx",
        "penugasan_kelompok.csv",
        "biaya_program.csv",
    ]
    assert [(f.module, f.wave) for f in files][:2] == [
        ("respondent", "baseline"),
        ("respondent", "endline"),
    ]
    assert all(len(f.sha256) == 64 for f in files)


@pytest.mark.parametrize(
    ("names", "needle"),
    [
        (
            ["penugasan_kelompok.csv", "responden_baseline.csv", "survei_lain.csv"],
            "not a survey export of this study",
        ),
        (
            ["penugasan_kelompok.csv", "responden_baseline.csv", "responden_baseline.xlsx"],
            "two exports",
        ),
        (["responden_baseline.csv"], "penugasan_kelompok"),
        (["penugasan_kelompok.csv"], "responden_baseline"),
        ([], "no survey exports"),
        (
            ["penugasan_kelompok.csv", "responden_baseline.csv", "kelompok_endline.xls"],
            "unsupported",
        ),
    ],
)
def test_discover_errors(tmp_path, names, needle) -> None:
    _touch(tmp_path, *names)
    with pytest.raises(JBPInputError, match=needle):
        discover(tmp_path, CB)


def test_header_keys_include_full_and_joined_paths_and_labels_but_not_short_names() -> None:
    keys = header_keys(CB, "respondent")
    assert keys["latar/umur"] == keys["latar_umur"] == keys["umur (tahun)"] == "age"
    assert keys["age (years)"] == "age"
    assert keys["_uuid"] == "submission_id"
    assert "umur" not in keys and "pendidikan" not in keys


@pytest.mark.parametrize(
    "variant", ["latar-umur", "latar.umur", "LATAR_UMUR", " Latar/Umur ", "Umur (tahun)"]
)
def test_map_headers_accepts_kobo_group_separators(tmp_path, variant) -> None:
    headers = [variant if h == "latar/umur" else h for h in _all_headers()]
    m = _mapped(tmp_path, headers)
    assert m.headers["age"] == variant.strip()
    assert m.unknown == ()


def _mapped(tmp_path, headers: list[str], module="respondent", wave="baseline"):
    from jbp_analysis.clean.inputs import InputFile

    p = tmp_path / "responden_baseline.csv"
    pd.DataFrame({h: ["1"] for h in headers}).to_csv(p, index=False)
    src = InputFile(path=p, module=module, wave=wave, sha256="0")
    return map_headers(read_table(p), src, CB)


def _all_headers(module="respondent", wave="baseline", transform=lambda h: h) -> list[str]:
    return [transform(v.header) for v in CB.module(module) if wave in v.waves]


def test_headers_without_group_paths_are_refused_all_in_one_message(tmp_path) -> None:
    # the short name alone is not a full path: every such column is named, with its alias fix
    headers = _all_headers(transform=lambda h: h.split("/")[-1])
    with pytest.raises(JBPInputError) as info:
        _mapped(tmp_path, headers)
    msg = str(info.value)
    grouped = [v for v in CB.module("respondent") if "/" in v.header and v.required]
    assert f"required column missing, {len(grouped)} of them" in msg
    for v in grouped:
        assert repr(v.header) in msg
    assert "'umur'" in msg and "aliases.yaml" in msg


def test_tool_columns_are_known_and_unknown_columns_reported(tmp_path) -> None:
    headers = _all_headers() + ["_index", "deviceid", "__version__", "grp_x/foo"]
    m = _mapped(tmp_path, headers)
    assert m.unknown == ("grp_x/foo",)
    assert m.tool_columns == ("_index", "deviceid", "__version__")


def test_select_multiple_dummy_is_never_taken_for_a_question(tmp_path) -> None:
    headers = [h for h in _all_headers() if h != "latar/pendidikan"]
    headers += ["grp_x/bantuan_diterima", "grp_x/bantuan_diterima/pendidikan"]
    with pytest.raises(JBPInputError, match="latar/pendidikan"):
        _mapped(tmp_path, headers)
    m = _mapped(tmp_path, _all_headers() + ["grp_x/bantuan_diterima/pendidikan"])
    assert m.headers["education"] == "latar/pendidikan"
    assert "grp_x/bantuan_diterima/pendidikan" in m.unknown


def test_odk_meta_columns_give_the_submission_fields(tmp_path) -> None:
    headers = [h for h in _all_headers() if h not in ("_uuid", "_submission_time")]
    headers = [h.replace("/", "-") for h in headers] + ["SubmissionDate", "meta-instanceID", "KEY"]
    from jbp_analysis.clean.inputs import InputFile

    p = tmp_path / "jbp_responden_baseline.csv"
    df = pd.DataFrame({h: ["1"] for h in headers})
    df["meta-instanceID"] = "uuid:abc-123"
    df.to_csv(p, index=False)
    m = map_headers(read_table(p), InputFile(p, "respondent", "baseline", "0"), CB)
    assert m.headers["submission_id"] == "meta-instanceID"
    assert m.frame["submission_id"].tolist() == ["abc-123"]
    assert m.headers["worked_last_week"] == "kerja-r1_bekerja_seminggu"
    assert m.tool_columns == ("KEY",) and m.unknown == ()


def test_education_outside_baseline_is_reported_not_mapped(tmp_path) -> None:
    headers = _all_headers(wave="endline") + ["latar/pendidikan"]
    m = _mapped(tmp_path, headers, wave="endline")
    assert "education" not in m.frame.columns and "latar/pendidikan" in m.unknown


def test_missing_required_column_names_file_and_column(tmp_path) -> None:
    headers = [h for h in _all_headers() if h != "latar/umur"]
    with pytest.raises(JBPInputError) as info:
        _mapped(tmp_path, headers)
    assert "responden_baseline.csv" in str(info.value) and "latar/umur" in str(info.value)


def test_optional_column_may_be_absent(tmp_path) -> None:
    m = _mapped(tmp_path, [h for h in _all_headers() if h != "identitas/no_hp"])
    assert m.frame["phone"].isna().all()


def test_other_survey_and_doubled_columns(tmp_path) -> None:
    with pytest.raises(JBPInputError, match="another survey"):
        _mapped(tmp_path, ["q1", "q2", "hhid"])
    with pytest.raises(JBPInputError, match="both hold"):
        _mapped(tmp_path, _all_headers() + ["latar-umur"])
