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
            "not a JBP survey export",
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


def test_header_keys_include_full_short_and_joined_forms() -> None:
    keys = header_keys(CB, "respondent")
    assert keys["latar/umur"] == keys["umur"] == keys["latar_umur"] == "age"
    assert keys["_uuid"] == "submission_id"


@pytest.mark.parametrize(
    "variant", ["latar-umur", "latar.umur", "LATAR_UMUR", " Latar/Umur ", "umur"]
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


def test_map_headers_without_group_paths_and_reports_unknown_columns(tmp_path) -> None:
    headers = _all_headers(transform=lambda h: h.split("/")[-1]) + ["_index", "deviceid"]
    m = _mapped(tmp_path, headers)
    assert set(m.frame.columns) == {v.name for v in CB.module("respondent")}
    assert m.unknown == ("_index", "deviceid")
    assert m.headers["age"] == "umur"


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
        _mapped(tmp_path, _all_headers() + ["umur"])
