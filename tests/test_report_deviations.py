"""Pre-specified vs exploratory rows and the "Deviations from the plan" table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import yaml

from jbp_analysis.core.paths import STUDY_DIR
from jbp_analysis.i18n import contrast_label, outcome_label, wave_label
from jbp_analysis.report.deviations import deviations_table, mark_prespecified
from jbp_analysis.study.plan import load_plan, register_plan, registered_plan


def _impacts(plan, *, drop=()) -> pd.DataFrame:
    rows = [
        {"outcome": o.name, "contrast": c, "wave": w, "estimate": 0.1}
        for o in plan.outcomes
        for c in plan.contrast_labels
        for w in plan.design.analysis_waves
        if (o.name, c, w) not in drop
    ]
    return pd.DataFrame(rows)


def test_rows_are_marked_prespecified_or_exploratory() -> None:
    plan = load_plan()
    res = pd.DataFrame(
        {
            "outcome": [
                "unemployed_bps",
                "unemployed_bps",
                "employed",
                "income_household",
            ],
            "contrast": ["pendampingan - kontrol", "kontrol - pendampingan"]
            + ["karitatif - kontrol"] * 2,
            "wave": ["followup", "followup", "endline", "baseline"],
        }
    )
    got = mark_prespecified(res, plan)["analysis"].tolist()
    assert got == ["pre-specified", "exploratory", "exploratory", "exploratory"]


def test_a_plan_followed_in_full_has_no_deviation(tmp_path: Path) -> None:
    plan = load_plan()
    table = deviations_table(plan, plan, estimates=_impacts(plan), lang="en")
    assert table.data.empty


def test_missing_results_and_unregistered_plan_are_listed() -> None:
    plan = load_plan()
    key = ("awareness_anderson", "pendampingan - kontrol", "followup")
    est = _impacts(plan, drop={key})
    table = deviations_table(plan, None, estimates=est, waves=["endline", "followup"], lang="id")
    kinds = table.data["kind"].tolist()
    assert kinds == ["not registered", "not estimated"]
    labels = (outcome_label(key[0], "id"), contrast_label(key[1], "id"), wave_label(key[2], "id"))
    assert table.data["item"].iloc[1] == ", ".join(labels)
    assert "Penyimpangan" not in table.footnote  # the footnote names the plan, not the title
    assert plan.short_hash in table.footnote


def test_waves_not_yet_collected_are_named() -> None:
    plan = load_plan()
    est = _impacts(plan)
    est = est[est["wave"] == "endline"]
    table = deviations_table(plan, plan, estimates=est, waves=["endline"], lang="en")
    n = len(plan.outcomes) * len(plan.contrasts)
    assert table.data[["item", "kind", "reason"]].values.tolist() == [
        [f"Follow-up (m 12): {n} pre-specified results", "not estimated", "not yet collected"]
    ]


def test_plan_changes_show_as_deviations(tmp_path: Path) -> None:
    study = tmp_path / "study"
    study.mkdir()
    for name in ("analysis_plan.yaml", "codebook.yaml"):
        shutil.copy(STUDY_DIR / name, study / name)
    register_plan(study)
    p = study / "analysis_plan.yaml"
    raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    del raw["outcomes"]["awareness"]
    raw["models"]["covariates"] = [*raw["models"]["covariates"], "marital_status"]
    p.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    plan = load_plan(study)
    table = deviations_table(plan, registered_plan(study), estimates=_impacts(plan), lang="en")
    items = dict(zip(table.data["item"], table.data["kind"], strict=True))
    assert items == {"family awareness": "dropped", "covariate marital_status": "added"}
    assert list(table.shown.columns) == ["Item", "Kind", "Detail"]
