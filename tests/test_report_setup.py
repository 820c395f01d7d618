"""report.setup.start_report: the disclosure threshold comes from the analysis plan unless the
notebook passes one (``min_cell: int = 0`` in both report notebooks: 0 = the plan's)."""

from __future__ import annotations

import shutil

import pytest
import yaml
from fixtures.processed import make_processed, write_processed

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.core.paths import STUDY_DIR
from jbp_analysis.report import tables
from jbp_analysis.report.disclosure import MARKER
from jbp_analysis.report.runner import district_job, overview_job
from jbp_analysis.report.setup import start_report
from jbp_analysis.study.plan import default_plan


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    """One group per arm of 15 members: 15 baseline respondents per arm, between 10 and 20."""
    base = tmp_path_factory.mktemp("setup")
    data = make_processed(seed=3, districts=("3322",), groups_per_district=3, members=15)
    return write_processed(base / "processed", data), base


def _plan_with_min_cell(tmp_path, monkeypatch, min_cell: int) -> None:
    study = tmp_path / "study"
    shutil.copytree(STUDY_DIR, study)
    plan_file = study / "analysis_plan.yaml"
    raw = yaml.safe_load(plan_file.read_text(encoding="utf-8"))
    raw["disclosure"]["min_cell"] = min_cell
    plan_file.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), "utf-8")
    monkeypatch.setenv("JBP_STUDY", str(study))


def _start(processed, **kw):
    pdir, base = processed
    return start_report(
        district="3322", processed_dir=pdir, reports_root=base / "r", lang="en", **kw
    )


def test_the_default_threshold_is_the_plans(processed) -> None:
    rep = _start(processed)
    assert rep.min_cell == default_plan().min_cell == 10
    assert rep.parameters["min_cell"] == 10  # summary.json records the value used
    assert _start(processed, min_cell=None).min_cell == 10


def test_a_plan_with_min_cell_20_suppresses_more(processed, tmp_path, monkeypatch) -> None:
    """15 respondents per arm are published under the plan's 10 and hidden under a plan's 20,
    with no notebook parameter changed."""
    rep = _start(processed)
    assert MARKER not in tables.sample_table(rep.panel, min_cell=rep.min_cell).shown.to_numpy()
    _plan_with_min_cell(tmp_path, monkeypatch, 20)
    rep = _start(processed)
    assert rep.plan.min_cell == 20 and rep.min_cell == 20 and rep.parameters["min_cell"] == 20
    shown = tables.sample_table(rep.panel, min_cell=rep.min_cell, lang="en").shown
    assert (shown.iloc[:, 1:] == MARKER).all().all()  # groups and respondents of every arm


def test_a_passed_threshold_overrides_the_plan(processed, tmp_path, monkeypatch) -> None:
    _plan_with_min_cell(tmp_path, monkeypatch, 20)
    assert _start(processed, min_cell=5).min_cell == 5
    for bad in (-1, 2.5, True):
        with pytest.raises(ConfigError, match="min_cell"):
            _start(processed, min_cell=bad)


def test_jbp_report_jobs_leave_the_threshold_to_the_plan(tmp_path) -> None:
    """`jbp report` passes no min_cell (the notebooks' 0 then means the plan's), unless asked."""
    kw = {"processed_dir": tmp_path, "root": tmp_path / "r"}
    assert "min_cell" not in district_job("3322", **kw).parameters
    assert "min_cell" not in overview_job(**kw).parameters
    assert district_job("3322", **kw, min_cell=25).parameters["min_cell"] == 25
