"""The researcher API: top-level imports, and design= giving the same numbers as keywords."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

import jbp_analysis
from jbp_analysis.study.design import StudyDesign

API = [
    "load",
    "build_outcomes",
    "impact",
    "impact_table",
    "balance_table",
    "attrition",
    "lee_bounds",
    "heterogeneity",
    "wave_effects",
    "cohort_effects",
    "did_table",
    "cost_effectiveness",
    "power_table",
]

DESIGN = StudyDesign(
    arms=("pendampingan", "karitatif", "kontrol"), control="kontrol", cluster="group_id"
)


def test_top_level_imports() -> None:
    ns: dict = {}
    exec(f"from jbp_analysis import {', '.join(API)}", ns)
    assert all(callable(ns[name]) for name in API)


@pytest.mark.parametrize("name", [n for n in API if n != "load"])
def test_every_analysis_function_accepts_design(name: str) -> None:
    assert "design" in inspect.signature(getattr(jbp_analysis, name)).parameters


@pytest.fixture(scope="module")
def trial() -> pd.DataFrame:
    """18 groups of 8, 3 arms within 3 strata, two waves; hand-made (not the simulator)."""
    rng = np.random.default_rng(7)
    g = np.repeat(np.arange(18), 8)
    arm = np.array(["kontrol", "karitatif", "pendampingan"])[(np.arange(18) // 3) % 3][g]
    stratum = (np.arange(18) % 3)[g]
    y_bl = rng.normal(size=g.size) + rng.normal(size=18)[g]
    effect = pd.Series(arm).map({"kontrol": 0.0, "karitatif": 0.2, "pendampingan": 0.5})
    y = effect.to_numpy() + 0.5 * y_bl + rng.normal(size=g.size) + rng.normal(size=18)[g]
    return pd.DataFrame(
        {
            "group_id": g,
            "arm": arm,
            "stratum": stratum,
            "y": y,
            "y_bl": y_bl,
            "female": rng.random(g.size) < 0.5,
            "age": rng.integers(16, 30, g.size).astype(float),
            "responded": rng.random(g.size) < np.where(arm == "kontrol", 0.75, 0.9),
        }
    )


def _same(a, b) -> None:
    a = a.tidy() if hasattr(a, "tidy") else a
    b = b.tidy() if hasattr(b, "tidy") else b
    pd.testing.assert_frame_equal(a, b)


def test_impact_with_design_equals_explicit_keywords(trial: pd.DataFrame) -> None:
    kw = dict(outcome="y", baseline="y_bl", strata="stratum", inference="cr1")
    by_design = jbp_analysis.impact(trial, design=DESIGN, **kw)
    explicit = jbp_analysis.impact(trial, arm="arm", control="kontrol", cluster="group_id", **kw)
    _same(by_design, explicit)
    # an explicit keyword overrides the design
    other = jbp_analysis.impact(trial, design=DESIGN, control="karitatif", **kw)
    assert set(other.tidy()["contrast"]) != set(explicit.tidy()["contrast"])


def test_impact_table_with_design(trial: pd.DataFrame) -> None:
    kw = dict(outcomes=["y"], strata="stratum", inference="cr1", p_adjust="q")
    _same(
        jbp_analysis.impact_table(trial, design=DESIGN, **kw),
        jbp_analysis.impact_table(trial, arm="arm", control="kontrol", cluster="group_id", **kw),
    )


def test_balance_and_heterogeneity_with_design(trial: pd.DataFrame) -> None:
    _same(
        jbp_analysis.balance_table(trial, variables=["age", "y_bl"], design=DESIGN),
        jbp_analysis.balance_table(
            trial,
            variables=["age", "y_bl"],
            arm="arm",
            control="kontrol",
            cluster="group_id",
            strata="stratum",
        ),
    )
    kw = dict(outcome="y", by="female", baseline="y_bl")
    _same(
        jbp_analysis.heterogeneity(trial, design=DESIGN, **kw),
        jbp_analysis.heterogeneity(
            trial, arm="arm", control="kontrol", cluster="group_id", strata="stratum", **kw
        ),
    )


def test_lee_bounds_with_design(trial: pd.DataFrame) -> None:
    kw = dict(outcome="y", responded="responded")
    a = jbp_analysis.lee_bounds(trial, design=DESIGN, **kw)
    b = jbp_analysis.lee_bounds(
        trial, arm="arm", control="kontrol", cluster="group_id", strata="stratum", **kw
    )
    _same(a, b)


def test_design_must_be_a_study_design(trial: pd.DataFrame) -> None:
    from jbp_analysis.core.errors import ConfigError

    with pytest.raises(ConfigError, match="StudyDesign"):
        jbp_analysis.impact(trial, outcome="y", design={"control": "kontrol"})
