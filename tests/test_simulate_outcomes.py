"""The outcome model: planted effects recovered, skip logic, ICC, heterogeneity and attrition.

Recovery is checked with a plain difference in means on the full roster (responders and
non-responders) and a cluster standard error from group means (all groups have 25 members, so
the difference of group means equals the difference of member means): every planted effect must
lie within 3 SE (Neyman 1923; the group-level variance estimator is conservative for the
finite-population effect). With 60 comparisons, about one seed in seven has one beyond 3 SE by
chance (the z-scores are calibrated: SD 1.05 over 360 group-level comparisons); the seed is fixed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.simulate import SimConfig, simulate
from jbp_analysis.simulate.skiplogic import relevant_mask
from jbp_analysis.study.codebook import load_codebook

CB = load_codebook()
_CONSUMPTION = (
    "consumption_household",
    "consumption_per_capita",
    "poor",
    "poverty_gap",
    "poverty_gap_sq",
)
BIG = SimConfig(seed=11, groups_per_district=48)  # 288 groups, 7,200 respondents


@pytest.fixture(scope="module")
def truth():
    return simulate(BIG).truth


def respondent_outcomes(panel: pd.DataFrame) -> pd.DataFrame:
    """The outcomes as the analysis defines them, from the processed columns alone."""
    f = lambda c: panel[c].fillna(False).astype(bool)  # noqa: E731
    employed = f("worked_last_week") | f("temp_absent")
    items = CB.awareness_items()
    oriented = [
        (6 - panel[v.name].astype(float)) if v.reverse else panel[v.name].astype(float)
        for v in items
    ]
    x = np.column_stack(oriented)
    ref = ((panel["arm"] == "kontrol") & (panel["wave"] == "baseline")).to_numpy()
    z = (x - x[ref].mean(axis=0)) / x[ref].std(axis=0, ddof=1)
    w = np.linalg.inv(np.cov(z[ref], rowvar=False)).sum(axis=1)
    klk, anderson = z.mean(axis=1), z @ (w / w.sum())
    return pd.DataFrame(
        {
            "employed": employed,
            # BPS open unemployment: looking, preparing, discouraged or a future starter
            "unemployed": ~employed
            & (
                f("looking_for_work")
                | f("preparing_business")
                | panel["reason_not_seeking"].isin(
                    ["hopeless", "job_accepted", "business_not_started"]
                )
            ),
            "own_business": f("own_business"),
            "household_income": panel["household_income"].astype(float),
            "business_profit": panel["business_profit"].fillna(0).astype(float),
            "awareness_latent": panel["awareness_latent"],
            "awareness_index": sum(oriented) / len(items),
            "awareness_klk": (klk - klk[ref].mean()) / klk[ref].std(ddof=1),
            "awareness_anderson": (anderson - anderson[ref].mean()) / anderson[ref].std(ddof=1),
        }
    ).astype(float)


def group_outcomes(groups: pd.DataFrame) -> pd.DataFrame:
    legal = groups[["legal_pirt", "legal_halal", "legal_sni"]].fillna(False).any(axis=1)
    return pd.DataFrame(
        {
            "business_operating": groups["business_operating"].fillna(False).astype(float),
            "monthly_revenue": groups["monthly_revenue"].fillna(0).astype(float),
            "legalised": legal.astype(float),
        }
    )


def diff_in_means(
    y: pd.Series, arm: pd.Series, cluster: pd.Series, treated: str
) -> tuple[float, float]:
    """Difference in means (treated - kontrol) and its cluster SE from cluster means."""
    means = y.groupby([arm.astype(str), cluster], observed=True).mean()
    t, c = means.loc[treated], means.loc["kontrol"]
    return t.mean() - c.mean(), np.sqrt(t.var(ddof=1) / len(t) + c.var(ddof=1) / len(c))


def test_planted_effects_are_recovered_by_a_difference_in_means(truth) -> None:
    panel, groups = truth.panel, truth.groups
    y_resp, y_grp = respondent_outcomes(panel), group_outcomes(groups)
    fx = truth.effects[truth.effects.subgroup == "all"]
    checked = 0
    for row in fx.itertuples():
        if row.outcome in _CONSUMPTION:  # recovered in tests/test_poverty.py
            continue
        if row.level == "respondent":
            data, y = panel, y_resp[row.outcome]
        else:
            data, y = groups, y_grp[row.outcome]
        at = (data["wave"] == row.wave).to_numpy()
        keep = at & data["arm"].isin([row.arm, "kontrol"]).to_numpy()
        est, se = diff_in_means(y[keep], data["arm"][keep], data["group_id"][keep], row.arm)
        assert abs(est - row.effect) <= 3 * se, (
            row.outcome,
            row.arm,
            row.wave,
            est,
            row.effect,
            se,
        )
        checked += 1
    assert checked == 12 * 2 * 3


def test_realised_effects_match_the_planted_parameters(truth) -> None:
    fx = truth.effects.dropna(subset=["planted"])
    fx = fx[fx.wave != "baseline"]
    for row in fx.itertuples():
        if row.scale.startswith("proportion"):
            # per-unit effects are -1, 0 or 1 and correlated within groups: 0.25 bounds
            # P(effect != 0) x design effect for these planted sizes
            tol = 4 * np.sqrt(0.25 / row.n)
        elif row.subgroup == "all":  # money and latent: only the sex mix of the roster varies
            tol = 0.05 * abs(row.planted) + 1e-9
        else:  # within one sex the shift is the same for everyone: exact
            tol = 1e-6 * max(1.0, abs(row.planted))
        assert abs(row.effect - row.planted) <= tol, row
    base = truth.effects[truth.effects.wave == "baseline"]
    assert (base.effect == 0).all() and (base.planted.fillna(0) == 0).all()
    assert (truth.effects.clipped == 0).all()


def test_effects_differ_by_sex_as_configured(truth) -> None:
    fx = truth.effects.set_index(["outcome", "arm", "wave", "subgroup"])["planted"]
    for outcome, ratio in (("employed", 1.5), ("awareness_latent", 1.25)):
        m = fx[(outcome, "pendampingan", "endline", "male")]
        f = fx[(outcome, "pendampingan", "endline", "female")]
        assert f == pytest.approx(ratio * m)
    inc = fx[("household_income", "pendampingan", "followup", "female")]
    assert inc < fx[("household_income", "pendampingan", "followup", "male")]


def test_clean_truth_never_violates_the_skip_logic(truth) -> None:
    panel = truth.panel
    codes = {}
    for v in CB.module("respondent"):
        if v.codes == "yes_no":
            codes[v.name] = panel[v.name].map({True: 1, False: 2}).fillna(0).astype(int).to_numpy()
    for v in CB.module("respondent"):
        if not v.relevant:
            continue
        asked = relevant_mask(v.relevant, codes)
        answered = panel[v.name].notna().to_numpy()
        assert (answered == asked).all(), v.name  # asked questions answered, others blank
    g = truth.groups
    operating = g["business_operating"].fillna(False).to_numpy(bool)
    assert (g["monthly_revenue"].notna().to_numpy() == operating).all()
    legal = g[["legal_pirt", "legal_halal", "legal_sni"]].fillna(False).any(axis=1).to_numpy()
    assert not (legal & ~operating).any()  # only operating businesses hold licences


def test_values_stay_in_the_codebook_ranges(truth) -> None:
    panel = truth.panel
    for v in CB.module("respondent"):
        if v.range is not None and v.name in panel and v.name != "wave_code":
            x = panel[v.name].dropna().astype(float)
            assert x.between(*v.range).all(), v.name
        if v.codes == "likert5":
            assert panel[v.name].dropna().between(1, 5).all()
    assert (truth.panel.household_income % 10_000 == 0).all()
    assert (truth.panel.business_profit.dropna() % 10_000 == 0).all()


def test_awareness_items_load_on_one_factor_and_reverse_items_run_backwards(truth) -> None:
    base = truth.panel[truth.panel.wave == "baseline"]
    for v in CB.awareness_items():
        r = np.corrcoef(base[v.name].astype(float), base["awareness_latent"])[0, 1]
        assert (r < -0.3) if v.reverse else (r > 0.3), (v.name, r)


def test_group_icc_is_in_the_documented_range(truth) -> None:
    base = truth.panel[truth.panel.wave == "baseline"]
    y, g = base["awareness_latent"], base["group_id"]
    k = 25
    msb = k * y.groupby(g).mean().var(ddof=1)
    msw = y.groupby(g).var(ddof=1).mean()
    icc = (msb - msw) / (msb + (k - 1) * msw)  # one-way ANOVA estimator
    assert 0.05 <= icc <= 0.17, icc


def test_baseline_covariates_predict_outcomes(truth) -> None:
    base = truth.panel[truth.panel.wave == "baseline"]
    y = respondent_outcomes(base)
    edu = base["education"].cat.codes
    assert np.corrcoef(edu, y["awareness_latent"])[0, 1] > 0.1
    assert np.corrcoef(edu, np.log(y["household_income"]))[0, 1] > 0.05
    male = base["sex"] == "male"
    assert y.loc[male, "employed"].mean() - y.loc[~male, "employed"].mean() > 0.1


def test_attrition_by_arm_matches_the_configuration() -> None:
    attrition = {"kontrol": (0.25, 0.35), "karitatif": (0.10, 0.20), "pendampingan": (0.05, 0.08)}
    panel = simulate(SimConfig(seed=8, groups_per_district=36, attrition=attrition)).truth.panel
    lost = 1 - panel.groupby(["arm", "wave"], observed=True)["responded"].mean().unstack()
    n = panel[panel.wave == "baseline"].groupby("arm", observed=True).size()
    assert (lost["baseline"] == 0).all()
    for arm, (end, fol) in attrition.items():
        for wave, p in (("endline", end), ("followup", fol)):
            tol = 4 * np.sqrt(p * (1 - p) / n[arm] * 1.5)  # design effect of the group latent
            assert abs(lost.loc[arm, wave] - p) <= tol, (arm, wave, lost.loc[arm, wave], p)
    assert lost.loc["kontrol", "followup"] > lost.loc["pendampingan", "followup"]


def test_attriters_are_more_often_employed(truth) -> None:
    panel = truth.panel
    fol = (panel.wave == "followup").to_numpy()
    employed = respondent_outcomes(panel)["employed"].to_numpy()[fol]
    responded = panel.responded.to_numpy()[fol]
    assert employed[~responded].mean() > employed[responded].mean()
