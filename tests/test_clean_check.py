"""`jbp check`: every problem of a raw folder in one run, nothing written."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from jbp_analysis.clean.check import check_raw
from jbp_analysis.cli import main
from jbp_analysis.simulate import simulate
from jbp_analysis.study.folder import resolve_study

SMALL = {"seed": 5, "districts": ("3373",), "groups_per_district": 3, "n_cohorts": 1,
         "file_format": "csv", "mess": 0.0}  # fmt: skip


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("JBP_STUDY", str(resolve_study()))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    raw = tmp_path_factory.mktemp("check") / "raw"
    simulate(**SMALL).write(raw)
    return raw


def _listing(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_clean_sample_has_no_problems(sample, capsys) -> None:
    report = check_raw(sample)
    assert report.ok and report.waves == ("baseline", "endline", "followup")
    capsys.readouterr()
    assert main(["check", "--raw", str(sample)]) == 0
    assert "No problems" in capsys.readouterr().out


def test_five_problems_are_listed_in_one_run_and_nothing_is_written(sample, tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(sample, raw)
    # 1. a file the file map does not place
    (raw / "survei_lain.csv").write_text("a,b\n1,2\n")
    # 2. a missing required column (a renamed group path) and 3. an unknown header
    p = raw / "responden_baseline.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df["pekerjaan/r1_bekerja_seminggu"] = df.pop("kerja/r1_bekerja_seminggu")
    # 4. unreadable values in a column
    df["latar/jenis_kelamin"] = df["latar/jenis_kelamin"].map({"1": "pria", "2": "wanita"})
    df.to_csv(p, index=False)
    # 5. a wave without respondents before a later wave
    (raw / "responden_endline.csv").unlink()
    before = _listing(raw)
    capsys.readouterr()
    rc = main(["check", "--raw", str(raw)])
    out = capsys.readouterr().out
    assert rc == 2
    report = check_raw(raw)
    kinds = {p.kind for p in report.problems}
    assert {"unplaced", "missing_column", "unknown_column", "unreadable_values", "wave"} <= kinds
    assert "survei_lain.csv" in out
    assert "kerja/r1_bekerja_seminggu" in out and "pekerjaan/r1_bekerja_seminggu" in out
    assert "'pria'" in out and "latar/jenis_kelamin" in out
    assert "'endline' has no respondents" in out
    assert _listing(raw) == before  # read only
    assert not (tmp_path / "processed").exists()


def test_wave_column_that_says_no_wave_is_a_problem(tmp_path) -> None:
    raw = tmp_path / "raw"
    simulate(flavour="odk", **SMALL).write(raw)
    p = raw / "jbp_responden.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df.loc[:4, "gelombang"] = "9"
    df.to_csv(p, index=False)
    report = check_raw(raw)
    assert [p.kind for p in report.problems] == ["wave"]
    assert "gelombang" in report.problems[0].message


def test_unreadable_values_are_counted_on_the_rows_clean_counts(sample, tmp_path, monkeypatch):
    """Exact and near duplicates are dropped before counting, by `jbp check` as by `jbp clean`:
    the same counts in the check report and in ``quality.json``."""
    from jbp_analysis.clean import run

    raw = tmp_path / "raw"
    shutil.copytree(sample, raw)
    p = raw / "responden_baseline.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df.loc[:3, "latar/jenis_kelamin"] = "pria"  # 4 unreadable cells (below 10%)...
    exact = df.iloc[[0]]  # ...plus an exact duplicate of one of them
    near = df.iloc[[1]].assign(_uuid="near-" + df.loc[1, "_uuid"])  # and a near duplicate
    pd.concat([df, exact, near], ignore_index=True).to_csv(p, index=False)
    monkeypatch.setenv("JBP_SECRET", "check-counts-like-clean-0123456789")
    report = check_raw(raw, unreadable_threshold=0.1)
    run(raw, tmp_path / "out", unreadable_threshold=0.1)
    quality = json.loads((tmp_path / "out" / "quality.json").read_text())
    cleaned = {(u["file"], u["column"]): (u["non_blank"], u["unreadable"])
               for u in quality["unreadable"]}  # fmt: skip
    checked = {(r.file, r.column): (r.non_blank, r.unreadable)
               for r in report.unreadable.itertuples()}  # fmt: skip
    assert checked[("responden_baseline.csv", "sex")][1] == 4
    assert checked == cleaned
    note = next(n for n in report.notes if "latar/jenis_kelamin" in n)
    assert "4 of" in note and "'pria' (4)" in note
