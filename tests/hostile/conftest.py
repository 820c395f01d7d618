"""Shared fixtures of the hostile-input corpus: one small simulated raw sample per session.

``sample_raw`` is built once (the simulator, 2 districts x 2 groups) and never modified: a test
that plants a hostile input works on ``raw_copy`` (a fresh copy). ``baseline_out`` is the clean
output of the untouched sample, also built once; ``prev_out`` is a fresh copy of it that a
failing run must leave byte-identical.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # hostile_support
from hostile_support import simulate  # noqa: E402


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
