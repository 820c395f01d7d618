"""The Makefile is a chain of files: `make report` redoes only the steps whose inputs changed.

Each test copies the Makefile into an empty project with a fake ``.venv/bin/jbp`` that logs its
arguments and writes the file each step is known by (``data/raw/SIMULATED.json``,
``data/processed/manifest.json``, ``reports/index.html``), so make's decisions are tested in
well under a second, without running the pipeline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")

FAKE_JBP = """#!/usr/bin/env bash
echo "$1" >> jbp.log
case "$1" in
  simulate) echo a > data/raw/responden_baseline.csv; echo '{}' > data/raw/SIMULATED.json ;;
  clean) echo '{}' > data/processed/manifest.json ;;
  report) echo index > reports/index.html; if [ -f FAIL ]; then exit 3; fi ;;
esac
"""

T0 = 1_700_000_000  # every file starts at this time; edits move one file later


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(MAKEFILE, tmp_path / "Makefile")
    files = {
        "pyproject.toml": "",
        "requirements.lock": "",
        "data/raw/README.md": "raw exports go here\n",
        "data/raw/.gitkeep": "",
        "data/processed/.gitkeep": "",
        "reports/.gitkeep": "",
        "study/codebook.yaml": "",
        "jbp_analysis/clean/run.py": "",
        "jbp_analysis/report/tables.py": "",
        "notebooks/district_report.ipynb": "{}",
        ".venv/.installed": "",
        ".venv/bin/jbp": FAKE_JBP,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / ".venv/bin/jbp").chmod(0o755)
    for p in tmp_path.rglob("*"):
        os.utime(p, (T0, T0))
    return tmp_path


def make(project: Path, *targets: str, ok: bool = True) -> tuple[list[str], str]:
    """Run make; return the jbp steps it ran (in order) and its output."""
    log = project / "jbp.log"
    log.unlink(missing_ok=True)
    run = subprocess.run(
        ["make", "--no-print-directory", *targets], cwd=project, capture_output=True, text=True
    )
    assert (run.returncode == 0) == ok, run.stdout + run.stderr
    steps = log.read_text().split() if log.exists() else []
    return steps, run.stdout


def edit(project: Path, name: str) -> None:
    """Change one file: every file is dated T0 again, the changed one 10 s later."""
    for p in project.rglob("*"):
        os.utime(p, (T0, T0))
    path = project / name
    path.write_text(path.read_text() + "\n")
    os.utime(path, (T0 + 10, T0 + 10))


def test_help_is_the_default_goal(project: Path) -> None:
    steps, out = make(project)
    assert steps == [] and "report" in out and "clean" in out and "processed" in out


def test_report_builds_the_chain_once_then_does_nothing(project: Path) -> None:
    assert make(project, "report")[0] == ["simulate", "clean", "report"]
    steps, out = make(project, "report")
    assert steps == [] and "Nothing to be done" in out


def test_only_the_steps_downstream_of_a_change_run(project: Path) -> None:
    make(project, "report")
    edit(project, "jbp_analysis/report/tables.py")
    assert make(project, "report")[0] == ["report"]
    edit(project, "jbp_analysis/clean/run.py")
    assert make(project, "report")[0] == ["clean", "report"]
    edit(project, "study/codebook.yaml")
    assert make(project, "report")[0] == ["clean", "report"]
    edit(project, "data/raw/responden_baseline.csv")
    assert make(project, "report")[0] == ["clean", "report"]
    assert make(project, "processed")[0] == []


def test_real_exports_are_never_replaced_by_a_simulation(project: Path) -> None:
    (project / "data/raw/responden_baseline.csv").write_text("real\n")
    assert make(project, "report")[0] == ["clean", "report"]
    assert (project / "data/raw/responden_baseline.csv").read_text() == "real\n"


def test_a_failed_report_is_retried_by_the_next_make(project: Path) -> None:
    (project / "FAIL").write_text("")
    make(project, "report", ok=False)
    index = project / "reports/index.html"
    assert index.read_text() == "index\n"  # the index stays (it shows the failure) ...
    assert index.stat().st_mtime == 0  # ... but dated 1970, so it is out of date
    (project / "FAIL").unlink()
    assert make(project, "report")[0] == ["report"]
    assert make(project, "report")[0] == []


def test_clean_removes_outputs_and_never_raw_data(project: Path) -> None:
    make(project, "report")
    (project / "reports/3322-kab-semarang").mkdir()
    (project / "reports/3322-kab-semarang/report.html").write_text("x")
    raw_before = sorted(p.name for p in (project / "data/raw").iterdir())
    make(project, "clean")
    assert sorted(p.name for p in (project / "data/processed").iterdir()) == [".gitkeep"]
    assert sorted(p.name for p in (project / "reports").iterdir()) == [".gitkeep"]
    assert sorted(p.name for p in (project / "data/raw").iterdir()) == raw_before
    assert make(project, "report")[0] == ["clean", "report"]


def _distclean(project: Path, *, ok: bool = True) -> str:
    # the real interpreter reads SIMULATED.json; the fake .venv is what distclean removes
    run = subprocess.run(
        ["make", "--no-print-directory", "distclean", f"BIN={Path(sys.executable).parent}"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert (run.returncode == 0) == ok, run.stdout + run.stderr
    return run.stdout + run.stderr


def test_distclean_removes_an_untouched_simulated_sample(project: Path) -> None:
    from jbp_analysis.core.simulated import write_marker

    raw = project / "data/raw"
    (raw / "_truth").mkdir()
    for name in ("responden_baseline.csv", "_truth/panel.parquet"):
        (raw / name).write_text("x\n")
    write_marker(raw, {"simulated": True}, ["responden_baseline.csv", "_truth/panel.parquet"])
    out = _distclean(project)
    assert "removed the simulated sample" in out
    assert sorted(p.name for p in raw.iterdir()) == [".gitkeep", "README.md"]
    assert not (project / ".venv").exists()


def test_distclean_keeps_raw_data_that_jbp_simulate_did_not_write(project: Path) -> None:
    from jbp_analysis.core.simulated import write_marker

    raw = project / "data/raw"
    (raw / "responden_baseline.csv").write_text("x\n")
    write_marker(raw, {"simulated": True}, ["responden_baseline.csv"])
    (raw / "responden_endline.csv").write_text("real\n")  # added by hand: real data
    out = _distclean(project, ok=False)
    assert "is not exactly the simulated sample" in out and "responden_endline.csv" in out
    assert (raw / "responden_endline.csv").read_text() == "real\n"
    assert (raw / "responden_baseline.csv").exists() and (raw / "SIMULATED.json").exists()
