"""A plan with design: observational switches jbp report to the observational notebook."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fixtures.processed import make_processed, write_processed

from jbp_analysis.core.paths import STUDY_DIR
from jbp_analysis.i18n import t
from jbp_analysis.report.runner import (
    DISTRICT_NOTEBOOK,
    OBSERVATIONAL_NOTEBOOK,
    district_job,
    notebook_for,
    run_jobs,
)

pytestmark = pytest.mark.notebook


@pytest.fixture()
def observational_study(tmp_path, monkeypatch) -> Path:
    study = tmp_path / "study"
    shutil.copytree(STUDY_DIR, study)
    plan = study / "analysis_plan.yaml"
    text = plan.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  type: randomised.*$", "  type: observational", text)
    plan.write_text(text, encoding="utf-8")
    monkeypatch.setenv("JBP_STUDY", str(study))
    from jbp_analysis.study import plan as plan_module

    plan_module.default_design.cache_clear()
    yield study
    plan_module.default_design.cache_clear()


def test_the_plan_chooses_the_notebook(observational_study) -> None:
    assert notebook_for("district") == OBSERVATIONAL_NOTEBOOK


def test_randomised_plan_keeps_the_district_report() -> None:
    assert notebook_for("district") == DISTRICT_NOTEBOOK


def test_observational_report_never_calls_it_an_experiment(observational_study, tmp_path) -> None:
    processed = write_processed(tmp_path / "processed", make_processed(seed=4, districts=("3373",)))
    job = district_job("3373", processed_dir=processed, root=tmp_path / "reports", lang="id")
    assert job.notebook == OBSERVATIONAL_NOTEBOOK
    (res,) = run_jobs([job], workers=1, progress=False)
    assert res.ok, res.error
    html = (job.out_dir / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))
    assert t("obs.intro", "id")[:60] in text
    assert "bukan eksperimen" in text and "nilai-E" in text
    est = pd.read_csv(job.out_dir / "tables" / "observational_estimates.csv")
    assert len(est) >= 5  # IPW, AIPW, entropy, matching and DR-DiD for an outcome at least
    assert (job.out_dir / "figures" / "overlap.png").is_file()
    assert (job.out_dir / "figures" / "balance_love.png").is_file()
