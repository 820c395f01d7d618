"""Consumption poverty: FGT by hand and by numpy, consumption aggregation, simulated module, recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.outcomes import build_outcomes
from jbp_analysis.outcomes.poverty import (
    consumption_items,
    fgt,
    household_fgt,
    impute_items,
    monthly_consumption,
    poverty_outcomes,
)
from jbp_analysis.simulate import SimConfig, simulate
from jbp_analysis.study.poverty_lines import poverty_line


@pytest.fixture(scope="module")
def sim():
    return simulate(SimConfig(seed=11))


def test_fgt_hand_worked_example():
    # Five people, line 100: consumption 40, 70, 90, 100, 150.
    # poor: 40, 70, 90 (100 is not below the line) -> P0 = 3/5 = 0.6
    # gaps: 0.6, 0.3, 0.1 -> P1 = 1.0/5 = 0.2; squared: 0.36, 0.09, 0.01 -> P2 = 0.46/5 = 0.092
    y = [40, 70, 90, 100, 150]
    assert fgt(y, 100) == pytest.approx(0.6)
    assert fgt(y, 100, alpha=1) == pytest.approx(0.2)
    assert fgt(y, 100, alpha=2) == pytest.approx(0.092)
    # person weights (household sizes 1, 2, 1, 3, 3): poor persons 4 of 10; gap (0.6+0.6+0.1)/10
    w = [1, 2, 1, 3, 3]
    assert fgt(y, 100, weights=w) == pytest.approx(0.4)
    assert fgt(y, 100, alpha=1, weights=w) == pytest.approx(0.13)
    # the household terms average to the same indices
    t = household_fgt(np.array(y, float), np.full(5, 100.0))
    assert t.poor.tolist() == [True, True, True, False, False]
    np.testing.assert_allclose(t.poverty_gap, [0.6, 0.3, 0.1, 0, 0])
    np.testing.assert_allclose(t.poverty_gap_sq, [0.36, 0.09, 0.01, 0, 0])


def test_fgt_missing_and_bad_input():
    assert fgt([np.nan, 50, 150], 100) == pytest.approx(0.5)
    t = household_fgt(np.array([np.nan]), np.array([100.0]))
    assert t.poor.isna().all() and t.poverty_gap.isna().all()
    with pytest.raises(JBPInputError, match="positive"):
        household_fgt(np.array([1.0]), np.array([0.0]))
    with pytest.raises(ValueError):
        fgt([1], 2, alpha=-1)


def test_monthly_consumption_recall_conversion():
    items = consumption_items()
    assert sum(f == pytest.approx(30 / 7) for f in items.values()) == 6
    assert sum(f == 1 / 12 for f in items.values()) == 3
    d = pd.DataFrame({k: [0] for k in items})
    d["food_cereals_week"] = 70_000  # 300,000 a month
    d["nonfood_housing_month"] = 200_000
    d["nonfood_education_year"] = 1_200_000  # 100,000 a month
    assert monthly_consumption(d)[0] == pytest.approx(600_000)
    d.loc[0, "nonfood_clothing_year"] = np.nan  # any missing item: no consumption
    assert np.isnan(monthly_consumption(d)[0])
    d.loc[0, "nonfood_clothing_year"] = -5
    with pytest.raises(JBPInputError, match="negative") as err:
        monthly_consumption(d)
    assert err.value.column == "nonfood_clothing_year"
    with pytest.raises(JBPInputError, match="food_tobacco_week"):
        monthly_consumption(d.drop(columns="food_tobacco_week"))


def test_poverty_outcomes_against_direct_numpy(sim):
    p = sim.truth.panel
    out = poverty_outcomes(p)
    items = consumption_items()
    x = np.column_stack([p[k].to_numpy(dtype=float, na_value=np.nan) for k in items])
    factor = np.array(list(items.values()))
    cons = (x * factor).sum(axis=1) / p.household_size.to_numpy(dtype=float)
    np.testing.assert_allclose(out.consumption_per_capita, cons, rtol=1e-12)
    z = out.poverty_line.to_numpy()
    ok = ~np.isnan(cons) & ~np.isnan(z)
    assert ok.sum() > 1000
    c, z = cons[ok], z[ok]
    np.testing.assert_array_equal(out.poor.to_numpy(dtype=float)[ok], (c < z).astype(float))
    gap = np.where(c < z, (z - c) / z, 0.0)
    np.testing.assert_allclose(out.poverty_gap.to_numpy()[ok], gap, rtol=1e-12)
    np.testing.assert_allclose(out.poverty_gap_sq.to_numpy()[ok], gap**2, rtol=1e-12)
    # FGT over the sample equals the mean of the household terms
    assert fgt(c, z, alpha=1) == pytest.approx(gap.mean())
    assert fgt(c, z, alpha=2) == pytest.approx((gap**2).mean())
    # every line is the looked-up line of the district, class and month
    r = p.loc[ok].iloc[7]
    assert z[7] == poverty_line(r.district_code, r.urban_rural, r.interview_date).line
    # income poverty is the proxy on the same line
    inc = p.household_income.to_numpy(dtype=float)[ok] / p.household_size.to_numpy(dtype=float)[ok]
    np.testing.assert_array_equal(
        out.income_poor.to_numpy(dtype=float)[ok], (inc < z).astype(float)
    )


def test_build_outcomes_adds_poverty_when_the_module_is_there(sim):
    p = sim.truth.panel
    out = build_outcomes(p)
    for col in ("consumption_per_capita", "poverty_line", "poor", "poverty_gap", "income_poor"):
        assert col in out.columns
    share = out.loc[out.wave == "baseline", "poor"].mean()
    assert 0.05 < share < 0.4  # a plausible poverty rate for the JBP population
    legacy = build_outcomes(p.drop(columns=list(consumption_items())))
    assert "poor" not in legacy.columns


def test_simulated_effects_consistent_with_income(sim):
    fx = sim.truth.effects
    a = fx[(fx.subgroup == "all") & (fx.arm == "pendampingan") & (fx.wave == "followup")]
    income = a.loc[a.outcome == "household_income", "effect"].item()
    cons = a.loc[a.outcome == "consumption_household", "effect"].item()
    assert abs(cons - 0.6 * income) <= 10_000  # MPC x income effect, to the rupiah precision
    assert a.loc[a.outcome == "poor", "effect"].item() < 0
    assert a.loc[a.outcome == "poverty_gap", "effect"].item() < 0
    base = fx[(fx.wave == "baseline") & fx.outcome.isin(["poor", "poverty_gap"])]
    assert (base.effect == 0).all()


def test_realised_poverty_effects_are_the_potential_outcome_contrast(sim):
    """The truth's effect on P0 is the roster mean of poor(a) - poor(kontrol): recompute it."""
    p = sim.truth.panel
    out = poverty_outcomes(p)
    # in the roster, the mean of poor by arm differs from kontrol by about the realised effect
    fx = sim.truth.effects
    eff = fx[(fx.outcome == "poor") & (fx.subgroup == "all") & (fx.wave == "followup")]
    d = pd.DataFrame({"arm": p.arm.to_numpy(), "wave": p.wave.to_numpy(), "poor": out.poor})
    fu = d[d.wave == "followup"].groupby("arm", observed=True)["poor"].mean()
    diff = fu["pendampingan"] - fu["kontrol"]
    planted = eff.loc[eff.arm == "pendampingan", "effect"].item()
    assert (
        abs(diff - planted) < 0.08
    )  # one sample of clusters: loose, the slow benchmark checks coverage


def test_urban_rural_is_per_group(sim):
    p = sim.truth.panel
    per_group = p.groupby("group_id", observed=True)["urban_rural"].nunique()
    assert (per_group == 1).all()
    kota = p.district_code.astype(str).str[2:].astype(int) >= 71
    urban = p.urban_rural.astype(str) == "urban"
    assert urban[kota].mean() > urban[~kota].mean()


def _diff_in_means(y, arm, cluster, treated):
    means = pd.Series(y).groupby([arm.astype(str).to_numpy(), cluster.to_numpy()]).mean()
    t, c = means.loc[treated], means.loc["kontrol"]
    return t.mean() - c.mean(), np.sqrt(t.var(ddof=1) / len(t) + c.var(ddof=1) / len(c))


def test_planted_poverty_effects_recovered_on_the_roster():
    """Difference in means on the full roster, cluster SE from group means (Neyman 1923)."""
    tr = simulate(SimConfig(seed=5, groups_per_district=24)).truth
    p = tr.panel
    out = poverty_outcomes(
        p.assign(
            interview_date=p.interview_date.fillna(
                p.groupby("group_id", observed=True).interview_date.transform("first")
            )
        )
    )
    fx = tr.effects[(tr.effects.subgroup == "all") & (tr.effects.wave != "baseline")]
    checked = 0
    for row in fx[fx.outcome.isin(["poor", "poverty_gap", "consumption_household"])].itertuples():
        y = out[row.outcome].astype(float)
        keep = (p.wave == row.wave) & p.arm.isin([row.arm, "kontrol"])
        est, se = _diff_in_means(y[keep], p.arm[keep], p.group_id[keep], row.arm)
        assert abs(est - row.effect) <= 3 * se, (
            row.outcome,
            row.arm,
            row.wave,
            est,
            row.effect,
            se,
        )
        checked += 1
    assert checked == 3 * 2 * 2


def test_item_imputation_by_cell_median_and_count():
    items = {"a": 1.0, "b": 1.0, "c": 1.0}
    d = pd.DataFrame(
        {
            "district_code": ["3373"] * 4 + ["3322"] * 2,
            "wave": "followup",
            "a": [10.0, 20.0, 40.0, np.nan, 100.0, 200.0],
            "b": [1.0, np.nan, 3.0, np.nan, 5.0, 7.0],
            "c": [0.0, 0.0, 0.0, np.nan, 9.0, np.nan],
        }
    )
    filled, n = impute_items(d, items=items, max_missing=2)
    # row 1: b from the 3373 cell (median of 1 and 3); row 5: c from the 3322 cell (9)
    assert filled.loc[1, "b"] == 2.0 and filled.loc[5, "c"] == 9.0
    # row 3 misses all three items (> 2): left missing
    assert filled.loc[3].isna().all()
    assert n.tolist() == [0, 1, 0, 0, 0, 1]
    none, n0 = impute_items(d, items=items, max_missing=0)
    assert none.isna().sum().sum() == d[list(items)].isna().sum().sum() and n0.sum() == 0


def test_poverty_outcomes_report_imputed_items(sim):
    p = sim.truth.panel.copy()
    first = p.index[p.responded.astype(bool)][:3]
    p.loc[first[0], "food_tobacco_week"] = np.nan  # one item: imputed
    p.loc[first[1], ["food_tobacco_week", "nonfood_clothing_year", "food_cereals_week"]] = np.nan
    out = poverty_outcomes(p)
    assert out.loc[first[0], "consumption_imputed_items"] == 1
    assert not np.isnan(out.loc[first[0], "consumption_per_capita"])
    assert pd.isna(out.loc[first[1], "consumption_imputed_items"])  # three missing: no consumption
    assert np.isnan(out.loc[first[1], "consumption_per_capita"])
    assert out.loc[first[2], "consumption_imputed_items"] == 0
