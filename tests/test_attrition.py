"""Tests of jbp_analysis.analyses.attrition: rates, clustered tests (vs statsmodels), Lee bounds by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from fixtures.trial import clustered_trial

from jbp_analysis.analyses.attrition import (
    attrition,
    imbens_manski_interval,
    lee_bounds,
    response_rates,
    trimmed_mean,
)
from jbp_analysis.core.errors import JBPInputError

RTOL = 1e-6


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    end = clustered_trial(seed=8, n_clusters=45, cluster_size=8, response_rate=(0.75, 0.85, 0.9))
    base = end.assign(responded=True, wave="baseline")
    return pd.concat([base, end.assign(wave="endline")], ignore_index=True)


def test_response_rates(panel: pd.DataFrame) -> None:
    r = response_rates(panel).set_index(["arm", "wave"])
    for (a, w), grp in panel.groupby(["arm", "wave"], observed=True):
        assert r.loc[(a, w), "n"] == len(grp)
        assert r.loc[(a, w), "rate"] == pytest.approx(grp["responded"].mean())
    assert (r.xs("baseline", level="wave")["rate"] == 1.0).all()


def test_differential_attrition_matches_statsmodels(panel: pd.DataFrame) -> None:
    rep = attrition(
        panel, arm="arm", control="kontrol", cluster="cluster", strata="stratum", inference="cr1"
    )
    end = panel[panel["wave"] == "endline"]
    # reference: LPM of responded on arm dummies + stratum dummies, CR1 at the cluster
    X = pd.DataFrame({"const": 1.0}, index=end.index)
    for a in ("karitatif", "pendampingan"):
        X[a] = (end["arm"] == a).astype(float)
    X = X.join(pd.get_dummies(end["stratum"], prefix="s", drop_first=True, dtype=float))
    ref = sm.OLS(end["responded"].astype(float), X).fit(
        cov_type="cluster", cov_kwds={"groups": end["cluster"]}, use_t=True
    )
    tests = rep.tests()
    assert tests["wave"].unique().tolist() == ["endline"]  # no attrition at baseline: no test
    t = tests.set_index("contrast")
    assert t.loc["karitatif - kontrol", "estimate"] == pytest.approx(
        ref.params["karitatif"], rel=RTOL
    )
    assert t.loc["pendampingan - kontrol", "std_error"] == pytest.approx(
        ref.bse["pendampingan"], rel=RTOL
    )
    assert t.loc["karitatif - kontrol", "p_value"] == pytest.approx(
        ref.pvalues["karitatif"], rel=RTOL
    )
    ft = ref.f_test("karitatif = 0, pendampingan = 0")
    j = rep.joint().iloc[0]
    assert j["f_statistic"] == pytest.approx(float(np.squeeze(ft.fvalue)), rel=RTOL)
    assert j["p_value"] == pytest.approx(float(ft.pvalue), rel=RTOL)
    assert (j["df_num"], j["df_denom"], j["n_clusters"]) == (2, 44.0, 45)


def test_trimmed_mean_by_hand() -> None:
    x = np.array([9.0, 1, 7, 3, 5, 2, 8, 4, 6])
    # keep 9 - 7/3 = 20/3 observations from the bottom: 1..6 fully and 2/3 of the 7
    # sum = 21 + 14/3 = 77/3, mean = 77/20
    assert trimmed_mean(x, 7 / 27, side="top") == pytest.approx(77 / 20, rel=1e-12)
    # from the top: 9..4 fully (sum 39) and 2/3 of the 3 (2): mean = 41 / (20/3) = 6.15
    assert trimmed_mean(x, 7 / 27, side="bottom") == pytest.approx(41 * 3 / 20, rel=1e-12)
    assert trimmed_mean(x, 0.0, side="top") == pytest.approx(5.0)


def test_lee_bounds_by_hand() -> None:
    # treated: 12 randomised, 10 observed (1..10); control: 12 randomised, 8 observed
    # (2,2,3,3,4,4,5,5; mean 3.5). q_t = 10/12, q_c = 8/12, p = (2/12)/(10/12) = 0.2:
    # trim 2 of the 10 treated values. Lower: drop 9, 10 -> mean(1..8) = 4.5 -> 1.0.
    # Upper: drop 1, 2 -> mean(3..10) = 6.5 -> 3.0. Naive: 5.5 - 3.5 = 2.0.
    t = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, np.nan, np.nan]
    c = [2.0, 2, 3, 3, 4, 4, 5, 5, np.nan, np.nan, np.nan, np.nan]
    df = pd.DataFrame({"arm": ["t"] * 12 + ["c"] * 12, "y": t + c})
    df["responded"] = df["y"].notna()
    row = lee_bounds(df, outcome="y", arm="arm", control="c").tidy().iloc[0]
    assert row["contrast"] == "t - c" and row["trimmed_arm"] == "t"
    assert row["trim_share"] == pytest.approx(0.2)
    assert (row["lower"], row["upper"], row["naive"]) == pytest.approx((1.0, 3.0, 2.0))


def test_lee_bounds_trim_the_control_when_it_responds_more() -> None:
    # treated: 10 randomised, 6 observed (values 4, 4, 5, 5, 6, 6; mean 5);
    # control: 10 randomised, 8 observed (1..8). q_c = .8 > q_t = .6: p = .2/.8 = 1/4 of the
    # 8 control values = 2. Lower bound trims the bottom of control: mean(3..8) = 5.5 -> -0.5.
    # Upper bound trims the top: mean(1..6) = 3.5 -> 1.5.
    t = [4.0, 4, 5, 5, 6, 6] + [np.nan] * 4
    c = [1.0, 2, 3, 4, 5, 6, 7, 8] + [np.nan] * 2
    df = pd.DataFrame({"arm": ["t"] * 10 + ["c"] * 10, "y": t + c, "responded": True})
    row = lee_bounds(df, outcome="y", arm="arm", control="c").tidy().iloc[0]
    assert row["trimmed_arm"] == "c" and row["trim_share"] == pytest.approx(0.25)
    assert (row["lower"], row["upper"]) == pytest.approx((-0.5, 1.5))


def test_lee_bounds_cover_every_contrast_and_bracket_the_naive(panel: pd.DataFrame) -> None:
    end = panel[panel["wave"] == "endline"].copy()
    end.loc[~end["responded"], "y"] = np.nan  # as the processed panel has it
    lb = lee_bounds(end, outcome="y", arm="arm", control="kontrol").tidy()
    assert lb["contrast"].tolist() == [
        "karitatif - kontrol",
        "pendampingan - kontrol",
        "pendampingan - karitatif",
    ]
    assert (lb["lower"] <= lb["naive"]).all() and (lb["naive"] <= lb["upper"]).all()
    rep = attrition(
        panel.assign(y=panel["y"].where(panel["responded"])),
        arm="arm",
        control="kontrol",
        cluster="cluster",
        outcomes="y",
        draws=0,
    )
    np.testing.assert_allclose(rep.lee()["lower"], lb["lower"])
    assert "Lee (2009)" in rep._repr_html_()


def test_bad_input(panel: pd.DataFrame) -> None:
    with pytest.raises(JBPInputError, match="unknown column") as info:
        attrition(panel, arm="arm", control="kontrol", cluster="grp")
    assert info.value.column == "grp"
    with pytest.raises(JBPInputError, match="missing values"):
        response_rates(panel.assign(responded=pd.array([None] * len(panel), dtype="boolean")))
    with pytest.raises(JBPInputError, match="control category 'x'"):
        lee_bounds(panel, outcome="y", arm="arm", control="x")
    with pytest.raises(JBPInputError, match="single cluster"):
        attrition(panel.assign(one=1), arm="arm", control="kontrol", cluster="one")


def test_differential_attrition_uses_few_cluster_inference_by_default(panel: pd.DataFrame) -> None:
    """45 clusters: inference="auto" gives the wild cluster bootstrap, as impact() does."""
    rep = attrition(panel, arm="arm", control="kontrol", cluster="cluster", strata="stratum")
    assert rep.tests()["inference"].str.startswith("wild").all()
    assert rep.joint()["method"].str.contains("wild bootstrap Wald").all()
    assert np.isnan(rep.joint()["df_denom"]).all()


def test_few_cluster_threshold_moves_the_auto_rule(panel: pd.DataFrame) -> None:
    """45 groups at threshold 40: the differential-attrition tests are CR1's, F joint test
    included."""
    opts = dict(arm="arm", control="kontrol", cluster="cluster", strata="stratum")
    low = attrition(panel, **opts, few_cluster_threshold=40)
    cr1 = attrition(panel, **opts, inference="cr1")
    assert low.tests()["inference"].eq("cr1 (auto: 45 clusters >= 40)").all()
    np.testing.assert_array_equal(low.tests()["p_value"], cr1.tests()["p_value"])
    np.testing.assert_array_equal(low.joint()["df_denom"], [44.0])


def _two_strata() -> pd.DataFrame:
    """Stratum A: treated 1..10 all observed; control 5 of 10 observed, all 3.
    Stratum B: treated 11..20 all observed; control 10 of 10 observed, all 10."""
    t_a, c_a = np.arange(1.0, 11), [3.0] * 5 + [np.nan] * 5
    t_b, c_b = np.arange(11.0, 21), [10.0] * 10
    return pd.DataFrame(
        {
            "arm": ["t"] * 10 + ["c"] * 10 + ["t"] * 10 + ["c"] * 10,
            "stratum": ["A"] * 20 + ["B"] * 20,
            "y": [*t_a, *c_a, *t_b, *c_b],
        }
    ).assign(responded=lambda d: d["y"].notna())


def test_lee_bounds_within_strata_worked_example() -> None:
    # A: q_t = 1, q_c = .5, p = .5. Lower keeps 1..5 (mean 3) - 3 = 0; upper keeps 6..10
    #    (mean 8) - 3 = 5. B: q_t = q_c = 1, p = 0: both bounds 15.5 - 10 = 5.5.
    # Weights = observed controls (the always-observed): A 5, B 10 -> 1/3, 2/3.
    # Lower = 2/3 * 5.5 = 11/3; upper = 5/3 + 11/3 = 16/3; trim share = 1/3 * .5 = 1/6.
    df = _two_strata()
    row = lee_bounds(df, outcome="y", arm="arm", control="c", strata="stratum", draws=0)
    row = row.tidy().iloc[0]
    assert (row["lower"], row["upper"]) == pytest.approx((11 / 3, 16 / 3), rel=1e-12)
    assert row["trim_share"] == pytest.approx(1 / 6) and row["n_strata"] == 2
    # Pooled: q_t = 1, q_c = 15/20, p = 1/4: trim 5 of 1..20. Control mean 115/15.
    # Lower: mean(1..15) = 8 - 115/15 = 1/3; upper: mean(6..20) = 13 - 115/15 = 16/3.
    pooled = lee_bounds(df, outcome="y", arm="arm", control="c", draws=0).tidy().iloc[0]
    assert (pooled["lower"], pooled["upper"]) == pytest.approx((1 / 3, 16 / 3), rel=1e-12)
    assert np.isnan(row["ci_low"]) and row["draws"] == 0


def test_lee_bounds_weights_equal_duplicated_rows() -> None:
    df = _two_strata()
    rng = np.random.default_rng(3)
    df["w"] = rng.integers(1, 4, len(df)).astype(float)
    dup = df.loc[df.index.repeat(df["w"].astype(int))].reset_index(drop=True)
    for strata in (None, "stratum"):
        opts = {"outcome": "y", "arm": "arm", "control": "c", "strata": strata, "draws": 0}
        a = lee_bounds(df, weights="w", **opts).tidy().iloc[0]
        b = lee_bounds(dup, **opts).tidy().iloc[0]
        for col in ("lower", "upper", "naive", "trim_share"):
            assert a[col] == pytest.approx(b[col], rel=1e-12), (strata, col)


def test_imbens_manski_by_hand() -> None:
    # set: L - 1.959964 sL, U + 1.959964 sU
    lo, hi = imbens_manski_interval(1.0, 3.0, 0.5, 0.25, level=0.95)
    assert (lo, hi) == pytest.approx((1 - 1.959964 * 0.5, 3 + 1.959964 * 0.25), rel=1e-6)
    # effect: c solves Phi(c + 2 / 0.5) - Phi(-c) = .95; c = 1.6449 (Phi(5.64) ~ 1)
    lo, hi = imbens_manski_interval(1.0, 3.0, 0.5, 0.25, level=0.95, cover="effect")
    assert lo == pytest.approx(1 - 1.644854 * 0.5, rel=1e-5)
    # point identified: the effect interval is the usual two-sided one
    lo, hi = imbens_manski_interval(2.0, 2.0, 0.5, 0.5, cover="effect")
    assert (lo, hi) == pytest.approx((2 - 1.959964 * 0.5, 2 + 1.959964 * 0.5), rel=1e-6)


def test_lee_bounds_cluster_bootstrap_matches_resampled_data() -> None:
    """The weighted bootstrap equals physically resampling the clusters within strata
    (Rao & Wu 1988 rescaling: n_h - 1 draws per stratum)."""
    end = clustered_trial(seed=8, n_clusters=45, cluster_size=8, response_rate=(0.6, 0.8, 0.97))
    end = end.assign(y=end["y"].where(end["responded"]))
    opts = {"outcome": "y", "arm": "arm", "control": "kontrol", "strata": "stratum"}
    draws = 30
    res = lee_bounds(end, cluster="cluster", draws=draws, seed=5, **opts).tidy()
    # independent path: rebuild each bootstrap sample as rows, estimate without draws
    rng = np.random.default_rng(5)
    cl, _ = pd.factorize(end["cluster"])
    st, _ = pd.factorize(end["stratum"])
    g_st = np.zeros(cl.max() + 1, dtype=int)
    g_st[cl] = st
    # Rao-Wu: n_h - 1 clusters drawn per stratum, each weighing n_h / (n_h - 1); with equal
    # strata that weight is one constant, which no bound depends on, so integer counts do
    sizes = np.bincount(g_st)
    assert (sizes == sizes[0]).all() and sizes[0] > 2
    counts = np.zeros((draws, cl.max() + 1), dtype=int)
    for s_ in np.unique(g_st):
        members = np.flatnonzero(g_st == s_)
        pick = rng.integers(0, members.size, size=(draws, members.size - 1))
        for b in range(draws):
            for g in members[pick[b]]:
                counts[b, g] += 1
    lows, ups, same = [], [], []
    trimmed = res.set_index("contrast")["trimmed_arm"]
    for b in range(draws):
        sample = end.loc[end.index.repeat(counts[b, cl])]
        tb = lee_bounds(sample, draws=0, **opts).tidy().set_index("contrast")
        same.append(tb["trimmed_arm"] == trimmed[tb.index])
        lows.append(tb["lower"])
        ups.append(tb["upper"])
    # the bootstrap keeps the estimate's trimmed arm; compare the contrasts where every
    # resample trims that arm too (pairs of arms whose response rates differ clearly)
    stable = pd.concat(same, axis=1).all(axis=1)
    keep = stable[stable].index
    assert len(keep) >= 2, stable
    se_l = pd.concat(lows, axis=1).std(axis=1, ddof=1)[keep]
    se_u = pd.concat(ups, axis=1).std(axis=1, ddof=1)[keep]
    r = res.set_index("contrast")
    np.testing.assert_allclose(r.loc[keep, "se_lower"], se_l, rtol=1e-9)
    np.testing.assert_allclose(r.loc[keep, "se_upper"], se_u, rtol=1e-9)
    # the set interval is L - z sL, U + z sU
    np.testing.assert_allclose(r["ci_low"], r["lower"] - 1.959964 * r["se_lower"], rtol=1e-6)
    assert (r["effect_ci_low"] >= r["ci_low"]).all() and (r["ci_high"] >= r["upper"]).all()
