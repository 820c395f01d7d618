"""Changing the analysis plan changes the reports, with no code edit (issue: plan as a file)."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import yaml
from fixtures.processed import make_processed, write_processed

from jbp_analysis.core.paths import STUDY_DIR
from jbp_analysis.i18n import outcome_label, t
from jbp_analysis.report.runner import district_job, run_jobs
from jbp_analysis.study.plan import load_plan

pytestmark = pytest.mark.notebook


def test_dropping_a_family_and_adding_a_covariate_changes_the_report(tmp_path, monkeypatch):
    study = tmp_path / "study"
    shutil.copytree(STUDY_DIR, study)
    plan_file = study / "analysis_plan.yaml"
    raw = yaml.safe_load(plan_file.read_text(encoding="utf-8"))
    del raw["outcomes"]["awareness"]
    raw["models"]["covariates"] = [*raw["models"]["covariates"], "marital_status"]
    plan_file.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), "utf-8")
    monkeypatch.setenv("JBP_STUDY", str(study))  # the report kernels read the same study
    plan = load_plan(study)
    assert "awareness" not in plan.report_outcomes

    processed = write_processed(tmp_path / "processed", make_processed(seed=2, districts=("3322",)))
    job = district_job("3322", processed_dir=processed, root=tmp_path / "reports", lang="en")
    (res,) = run_jobs([job], workers=1, progress=False)
    assert res.ok, res.error

    impacts = pd.read_csv(job.out_dir / "tables" / "impacts.csv")
    shown = set(impacts[t("col.outcome", "en")])
    assert outcome_label("awareness_anderson", "en") not in shown  # the family is gone
    assert outcome_label("income_household", "en") in shown
    notes = json.loads((job.out_dir / "summary.json").read_text())["provenance"]["analysis_plan"]
    assert notes["plan_sha256"] == plan.sha256 and notes["deviations_from_registered"] == 2
    deviations = pd.read_csv(job.out_dir / "tables" / "deviations.csv")
    # the shared deviations section: headers and kinds in the report's language
    listed = dict(
        zip(deviations[t("dev.item", "en")], deviations[t("dev.kind", "en")], strict=False)
    )
    assert listed["family awareness"] == t("dev.kind.dropped", "en")
    assert listed["covariate marital_status"] == t("dev.kind.added", "en")
    html = (job.out_dir / "report.html").read_text(encoding="utf-8")
    assert t("dev.section", "en") in html
    # the added covariate entered the primary ANCOVA (the model names its covariates)
    covariates = impacts.filter(like="ovariate").iloc[:, 0].dropna().astype(str)
    assert len(covariates) and covariates.str.contains("marital_status").all()
