"""A relative path on the command line is relative to the working directory, for every
command, and the report kernels get it absolute (their own working directory does not matter).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.processed import make_processed, write_processed

from jbp_analysis.cli import main
from jbp_analysis.core.paths import PROJECT_ROOT


@pytest.fixture
def elsewhere(tmp_path, monkeypatch) -> Path:
    """A working directory outside the project holding ``proc/`` (processed data of 3373)."""
    work = tmp_path / "work"
    write_processed(work / "proc", make_processed(seed=3, districts=("3373",)))
    monkeypatch.chdir(work)
    assert not (PROJECT_ROOT / "proc").exists()
    return work


def test_report_reads_processed_from_the_working_directory(elsewhere, capsys) -> None:
    rc = main(["report", "--district", "3322", "--processed", "proc", "--reports", "rep"])
    err = capsys.readouterr().err
    assert rc == 2, err
    # the data were found (in ./proc, not <project>/proc): the district is not in them
    assert "present: 3373" in err and str(elsewhere / "proc" / "panel.parquet") in err, err


def test_report_kernels_get_absolute_paths_under_the_working_directory(
    elsewhere, monkeypatch, capsys
) -> None:
    import jbp_analysis.cli.report as report

    seen = []
    monkeypatch.setattr(report, "_run_and_index", lambda all_jobs, **kw: seen.extend(all_jobs))
    rc = main(["report", "--district", "3373", "--processed", "proc", "--reports", "rep"])
    assert rc == 0, capsys.readouterr().err
    [job] = seen
    params = job.parameters
    assert params["processed_dir"] == str(elsewhere / "proc")
    assert params["reports_root"] == str(elsewhere / "rep")
    assert Path(params["output_dir"]).is_absolute()
    assert Path(params["output_dir"]).parent == elsewhere / "rep"


def test_jbp_all_passes_the_working_directory_paths_on(elsewhere, monkeypatch, capsys) -> None:
    """`jbp all`: clean writes ``--processed`` relative to the working directory, and the
    reports read it from there (the clean step is replaced by a recorder: ./proc exists)."""
    import jbp_analysis.cli.clean as clean
    import jbp_analysis.cli.report as report

    (elsewhere / "raw").mkdir()
    (elsewhere / "raw" / "x.csv").write_text("a\n1\n")  # not empty: no simulation
    cleaned, seen = [], []
    monkeypatch.setattr(clean, "command", lambda **kw: cleaned.append(kw))
    monkeypatch.setattr(report, "_run_and_index", lambda all_jobs, **kw: seen.extend(all_jobs))
    rc = main(["all", "--raw", "raw", "--processed", "proc", "--reports", "rep"])
    assert rc == 0, capsys.readouterr().err
    assert Path(cleaned[0]["out"]).resolve() == elsewhere / "proc"
    assert {j.parameters["processed_dir"] for j in seen} == {str(elsewhere / "proc")}
