"""What a user adds to the study folder, without touching code, reaches cleaning.

A hand-renamed header and a local answer spelling in a real-looking export: with the two aliases
in the copy of the study folder, `jbp clean --study` gives the same panel as the original export.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from jbp_analysis.clean.pseudonymise import SECRET_ENV
from jbp_analysis.cli import main
from jbp_analysis.core.paths import STUDY_DIR
from jbp_analysis.study.folder import STUDY_ENV

SMALL = ["--districts", "3322", "--groups-per-district", "3", "--cohorts", "1", "--mess", "0"]


@pytest.fixture
def env(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(SECRET_ENV, "a-long-enough-project-secret-for-tests")
    monkeypatch.setenv(STUDY_ENV, str(STUDY_DIR))  # restored after the test (--study sets it)


def _edit_export(path: Path) -> int:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    males = int((df["latar/jenis_kelamin"] == "1").sum())
    df["latar/jenis_kelamin"] = df["latar/jenis_kelamin"].replace({"1": "pria"})
    df = df.rename(columns={"latar/umur": "umur_responden"})
    df.to_csv(path, index=False, quoting=csv.QUOTE_ALL)
    return males


def test_user_aliases_decode_a_renamed_header_and_a_local_answer(
    env, tmp_path: Path, capsys
) -> None:
    raw = tmp_path / "raw"
    assert main(["simulate", "--out", str(raw), *SMALL, "--format", "csv"]) == 0
    assert main(["clean", "--raw", str(raw), "--out", str(tmp_path / "expected")]) == 0
    expected = pd.read_parquet(tmp_path / "expected" / "panel.parquet")

    edited = tmp_path / "edited"
    shutil.copytree(raw, edited)
    assert _edit_export(edited / "responden_baseline.csv") > 0
    study = tmp_path / "study"
    shutil.copytree(STUDY_DIR, study, ignore=shutil.ignore_patterns("registered"))
    out = tmp_path / "processed"
    # without the header alias the run is refused, naming the column, and writes nothing
    (study / "aliases.yaml").write_text(yaml.safe_dump({"answers": {"sex": {1: ["pria"]}}}))
    rc = main(["clean", "--raw", str(edited), "--out", str(out), "--study", str(study)])
    assert rc == 2 and "latar/umur" in capsys.readouterr().err
    assert not (out / "panel.parquet").exists()
    aliases = {
        "headers": {"respondent": {"age": ["umur_responden"]}},
        "answers": {"sex": {1: ["pria"]}},
    }
    (study / "aliases.yaml").write_text(yaml.safe_dump(aliases), encoding="utf-8")
    rc = main(["clean", "--raw", str(edited), "--out", str(out), "--study", str(study)])
    assert rc == 0
    panel = pd.read_parquet(out / "panel.parquet")
    pd.testing.assert_frame_equal(panel, expected)  # every cell, NA equal to NA
    assert (panel.loc[panel["wave"] == "baseline", "sex"] == "male").any()
