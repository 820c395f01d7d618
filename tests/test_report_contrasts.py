"""The report's contrasts come from the plan: another study's arm names select the right rows."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

import jbp_analysis.i18n as i18n
from jbp_analysis.report import contrasts, narrative, poverty, tables
from jbp_analysis.study.plan import default_plan


def _plan(contrast_pairs):
    """The shipped plan with another study's arms: ctrl, treat_a, treat_b."""
    plan = default_plan()
    design = replace(plan.design, arms=("ctrl", "treat_a", "treat_b"), control="ctrl")
    return replace(plan, design=design, contrasts=tuple(contrast_pairs))


THREE = [("treat_a", "ctrl"), ("treat_b", "ctrl"), ("treat_b", "treat_a")]


@pytest.fixture()
def other_study(monkeypatch):
    """Make the default plan (and the contrast parser) another study's, with three contrasts."""
    plan = _plan(THREE)
    monkeypatch.setattr(contrasts, "default_plan", lambda: plan)
    monkeypatch.setattr(i18n, "_ARMS", plan.design.arms)
    return plan


def _tidy() -> pd.DataFrame:
    """One row per contrast with a distinct estimate, so a wrong row shows."""
    labels = ["treat_a - ctrl", "treat_b - ctrl", "treat_b - treat_a"]
    return pd.DataFrame(
        {
            "outcome": "openly_unemployed",
            "wave": "endline",
            "contrast": labels,
            "estimate": [0.01, 0.02, 0.03],
            "ci_low": [-0.01, 0.0, 0.01],
            "ci_high": [0.03, 0.04, 0.05],
            "p_value": [0.3, 0.04, 0.01],
            "std_error": 0.01,
            "n_obs": 300,
            "n_clusters": 24,
            "district_code": "3322",
        }
    )


def test_shipped_plan_keeps_the_jbp_contrasts() -> None:
    assert contrasts.headline_contrast() == ("pendampingan", "kontrol")
    assert contrasts.between_treatments() == ("pendampingan", "karitatif")
    assert contrasts.control_arm() == "kontrol"


def test_roles_follow_the_plan_order() -> None:
    plan = _plan(THREE)
    assert contrasts.headline_contrast(plan) == ("treat_b", "ctrl")
    assert contrasts.between_treatments(plan) == ("treat_b", "treat_a")
    reordered = _plan([("treat_b", "ctrl"), ("treat_a", "treat_b"), ("treat_a", "ctrl")])
    assert contrasts.headline_contrast(reordered) == ("treat_a", "ctrl")
    assert contrasts.between_treatments(reordered) == ("treat_a", "treat_b")
    only_control = _plan([("treat_a", "ctrl")])
    assert contrasts.headline_contrast(only_control) == ("treat_a", "ctrl")
    assert contrasts.between_treatments(only_control) is None
    # keywords override either half; a comparison without contrasts takes the last other arm
    assert contrasts.headline_contrast(plan, arm="treat_a") == ("treat_a", "ctrl")
    assert contrasts.headline_contrast(plan, comparison="treat_a") == ("treat_b", "treat_a")
    assert contrasts.control_arm(plan) == "ctrl"
    assert contrasts.control_arm(plan, control="treat_a") == "treat_a"


def test_narrative_selects_the_plans_rows(other_study) -> None:
    tidy = _tidy()
    head = narrative.headline(tidy, outcomes=["openly_unemployed"])
    assert head["openly_unemployed.endline"]["estimate"] == pytest.approx(0.02)
    head_a = narrative.headline(tidy, outcomes=["openly_unemployed"], arm="treat_a")
    assert head_a["openly_unemployed.endline"]["estimate"] == pytest.approx(0.01)
    pooled = narrative.pooled_lines(tidy, n_districts=3, lang="en")
    assert len(pooled) == 1 and "+2.0 pp" in pooled[0]
    between = narrative.mentoring_vs_charitable_lines(tidy, lang="en")
    assert len(between) == 1 and "+3.0 pp" in between[0]


def test_between_treatments_section_says_when_the_plan_has_none(monkeypatch) -> None:
    plan = _plan([("treat_a", "ctrl"), ("treat_b", "ctrl")])
    monkeypatch.setattr(contrasts, "default_plan", lambda: plan)
    monkeypatch.setattr(i18n, "_ARMS", plan.design.arms)
    assert narrative.mentoring_vs_charitable_lines(_tidy(), lang="en") == [
        i18n.t("narr.mvc_not_in_plan", "en")
    ]
    assert narrative.mentoring_vs_charitable_lines(_tidy(), lang="id") == [
        i18n.t("narr.mvc_not_in_plan", "id")
    ]


def test_ranking_reader_ranks_the_headline_contrast(other_study) -> None:
    by_district = _tidy()
    rt = tables.ranking_reader(by_district, outcome="openly_unemployed", wave="endline")
    assert rt.data["estimate"].tolist() == [0.02]
    rt = tables.ranking_reader(
        by_district, outcome="openly_unemployed", wave="endline", comparison="treat_a"
    )
    assert rt.data["estimate"].tolist() == [0.03]


def test_attrition_reader_tests_against_the_given_control() -> None:
    rates = pd.DataFrame(
        {
            "wave": "endline",
            "arm": ["kontrol", "karitatif", "pendampingan"],
            "n": 100,
            "responded": [90, 80, 70],
            "rate": [0.9, 0.8, 0.7],
        }
    )
    tests = pd.DataFrame(
        {
            "wave": "endline",
            "contrast": [
                "karitatif - kontrol",
                "pendampingan - kontrol",
                "pendampingan - karitatif",
            ],
            "p_value": [0.5, 0.04, 0.2],
        }
    )
    default = tables.attrition_reader(tests, rates, lang="en").data
    p_cols = [c for c in default.columns if c.startswith("p-value")]
    assert sorted(default[p_cols].iloc[0].tolist()) == [0.04, 0.5]
    other = tables.attrition_reader(tests, rates, lang="en", control="karitatif").data
    p_cols = [c for c in other.columns if c.startswith("p-value")]
    assert other[p_cols].iloc[0].tolist() == [0.2]


def test_poverty_answer_lines_use_the_plans_control(monkeypatch) -> None:
    tidy = pd.DataFrame(
        {
            "comparison": ["pendampingan vs kontrol"] * 2 + ["pendampingan vs karitatif"] * 2,
            "metric": ["poverty_effect", "lifted_per_100m_rp"] * 2,
            "estimate": [-0.12, 6.0, -0.05, 3.0],
            "ci_low": [-0.2, 2.0, -0.1, 1.0],
            "ci_high": [-0.04, 10.0, 0.0, 5.0],
        }
    )
    assert len(poverty.answer_lines(tidy, lang="en")) == 1
    assert "−12.0 pp" in poverty.answer_lines(tidy, lang="en")[0]
    other = replace(default_plan(), design=replace(default_plan().design, control="karitatif"))
    monkeypatch.setattr(contrasts, "default_plan", lambda: other)
    assert "−5.0 pp" in poverty.answer_lines(tidy, lang="en")[0]
