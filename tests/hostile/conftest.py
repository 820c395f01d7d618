"""Shared fixtures of the hostile-input corpus: one small simulated raw sample per session.

``sample_raw`` is built once (the simulator, 2 districts x 2 groups) and never modified: a test
that plants a hostile input works on ``raw_copy`` (a fresh copy). ``baseline_out`` is the clean
output of the untouched sample, also built once; ``prev_out`` is a fresh copy of it that a
failing run must leave byte-identical.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ (clean_fixture)

PII_COLUMNS = ("nama", "nik", "no_hp")


def simulate(out: Path, *, seed: int = 20170401, districts: str = "3322,3373") -> Path:
    from jbp_analysis.cli import main

    rc = main(
        ["simulate", "--out", str(out), "--seed", str(seed), "--districts", districts,
         "--groups-per-district", "2"]
    )  # fmt: skip
    assert rc == 0
    return out


def tree_hash(folder: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``folder`` (following no links)."""
    out = {}
    for p in sorted(Path(folder).rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="session")
def sample_raw(tmp_path_factory) -> Path:
    raw = simulate(tmp_path_factory.mktemp("sample") / "raw")
    for p in raw.rglob("*"):
        if p.is_file():
            os.chmod(p, 0o444)  # a test that modifies the sample by mistake fails loudly
    return raw


@pytest.fixture(scope="session")
def baseline_out(sample_raw, tmp_path_factory) -> Path:
    from jbp_analysis.clean import run

    out = tmp_path_factory.mktemp("baseline") / "processed"
    run(sample_raw, out)
    return out


@pytest.fixture
def raw_copy(sample_raw, tmp_path) -> Path:
    dest = tmp_path / "raw"
    shutil.copytree(sample_raw, dest)
    for p in dest.rglob("*"):
        if p.is_file():
            os.chmod(p, 0o644)
    return dest


@pytest.fixture
def prev_out(baseline_out, tmp_path) -> Path:
    dest = tmp_path / "processed"
    shutil.copytree(baseline_out, dest)
    return dest


@pytest.fixture
def people(sample_raw) -> dict[str, set[str]]:
    """Names, NIKs and phone numbers in the sample (to check no output holds them)."""
    import pandas as pd

    truth = {"name": set(), "nik": set(), "phone": set()}
    for p in sample_raw.glob("responden_baseline.csv"):
        df = pd.read_csv(p, dtype=str)
        for col, key in zip(PII_COLUMNS, truth, strict=True):
            hits = [c for c in df.columns if c.split("/")[-1].startswith(col)]
            for c in hits:
                truth[key] |= set(df[c].dropna().str.strip())
    return truth
