"""Observational mode (jbp_analysis.observational): LaLonde validation, hand-worked examples,
bad input.

LaLonde (1986) / Dehejia & Wahba (1999): the NSW experiment's 185 treated men against the 15,992
CPS comparison men (the Mixtape files shipped in the ``causaldata`` package, no download). The
experimental benchmark is $1,794 (NSW treated minus NSW controls) with a 95% CI of about
[$479, $3,109]; the naive treated-minus-CPS difference is -$8,498. The propensity score is Dehejia
& Wahba's (1999, Table 3 note, CPS specification): age, age^2, age^3, educ, educ^2, married,
nodegree, black, hisp, re74, re75, u74, u75, educ x re74.
"""

from __future__ import annotations

import doctest
import importlib
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.observational import (
    BALANCE_COLUMNS,
    ExtremeWeightsWarning,
    OverlapWarning,
    att,
    balance,
    overlap,
    plot_love,
    plot_overlap,
)
from jbp_analysis.observational.inference import influence_se
from jbp_analysis.observational.matching import match_att
from jbp_analysis.observational.trimming import crump_alpha
from jbp_analysis.observational.weighting import entropy_weights

matplotlib.use("Agg")

DW_SPEC = (
    "age + I(age**2) + I(age**3) + educ + I(educ**2) + marr + nodegree + black + hisp"
    " + re74 + re75 + u74 + u75 + educ:re74"
)
DW_BALANCE = (
    "age + I(age**2) + educ + I(educ**2) + marr + nodegree + black + hisp + re74 + re75"
    " + I(re74**2) + I(re75**2) + u74 + u75"
)
EXPERIMENT_CI = (479.0, 3109.0)


@pytest.fixture(scope="module")
def lalonde() -> pd.DataFrame:
    causaldata = pytest.importorskip("causaldata")
    nsw = causaldata.nsw_mixtape.load_pandas().data
    cps = causaldata.cps_mixtape.load_pandas().data
    df = pd.concat([nsw[nsw["treat"] == 1], cps], ignore_index=True)
    for v in ("age", "educ", "re74", "re75", "re78"):
        df[v] = df[v].astype("float64")
    df["u74"] = (df["re74"] == 0).astype("float64")
    df["u75"] = (df["re75"] == 0).astype("float64")
    return df


@pytest.fixture(scope="module")
def nsw_experiment() -> pd.DataFrame:
    causaldata = pytest.importorskip("causaldata")
    return causaldata.nsw_mixtape.load_pandas().data


@pytest.fixture(scope="module")
def lalonde_fits(lalonde):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # LaLonde with this specification raises no warning
        return {
            m: att(lalonde, outcome="re78", treatment="treat", covariates=DW_SPEC, method=m)
            for m in ("ipw", "aipw", "entropy", "matching")
        }


# --- the data are what the literature uses ------------------------------------------------------


def test_lalonde_files_are_the_dehejia_wahba_samples(lalonde, nsw_experiment):
    assert (nsw_experiment["treat"] == 1).sum() == 185 and (
        nsw_experiment["treat"] == 0
    ).sum() == 260
    means = nsw_experiment.groupby("treat")["re78"].mean()
    assert means[1] - means[0] == pytest.approx(1794.34, abs=0.5)
    naive = (
        lalonde.loc[lalonde.treat == 1, "re78"].mean()
        - lalonde.loc[lalonde.treat == 0, "re78"].mean()
    )
    assert naive == pytest.approx(-8497.52, abs=0.5)


def test_experimental_ci_is_the_published_one(nsw_experiment):
    fit = smf.ols("re78 ~ treat", nsw_experiment.astype({"re78": float})).fit(cov_type="HC1")
    lo, hi = fit.conf_int().loc["treat"]
    assert (lo, hi) == pytest.approx(EXPERIMENT_CI, abs=60)


# --- LaLonde: IPW and AIPW recover the experimental benchmark -----------------------------------


@pytest.mark.parametrize("method", ["ipw", "aipw", "entropy", "matching"])
def test_lalonde_att_inside_experimental_ci(lalonde_fits, method):
    r = lalonde_fits[method]
    assert EXPERIMENT_CI[0] < r.estimate < EXPERIMENT_CI[1]
    assert r.ci_low < 1794 < r.ci_high
    assert (r.n_treated, r.n_control, r.n_trimmed) == (185, 15992, 0)


def test_lalonde_ipw_balances_every_dehejia_wahba_covariate(lalonde, lalonde_fits):
    b = balance(lalonde, treatment="treat", variables=DW_BALANCE, result=lalonde_fits["ipw"])
    assert list(b.columns) == list(BALANCE_COLUMNS)
    assert len(b) == 14
    assert (b["std_diff_before"].abs() > 0.5).sum() >= 12  # badly imbalanced before
    assert (b["std_diff_after"].abs() < 0.1).all(), b


def _direct_ps(lalonde):
    """The score by statsmodels' own Logit (Newton), independent of our GLM call."""
    logit = smf.logit(f"treat ~ {DW_SPEC}", lalonde).fit(disp=0, tol=1e-12, maxiter=100)
    return logit, logit.predict(lalonde).to_numpy()


def test_lalonde_ipw_reproduced_by_statsmodels(lalonde, lalonde_fits):
    logit, ps = _direct_ps(lalonde)
    d = lalonde["treat"].to_numpy(float)
    y = lalonde["re78"].to_numpy()
    odds = ps / (1 - ps)
    att_direct = y[d == 1].mean() - np.sum(odds[d == 0] * y[d == 0]) / np.sum(odds[d == 0])
    r = lalonde_fits["ipw"]
    assert r.estimate == pytest.approx(att_direct, rel=1e-6)
    # Influence function (Sant'Anna & Zhao 2020) from statsmodels' inverse information.
    X = logit.model.exog
    n = len(y)
    lin = ((d - ps)[:, None] * X) @ (np.asarray(logit.cov_params()) * n)
    w_t, w_c = d, odds * (1 - d)
    eta_c = np.sum(w_c * y) / np.sum(w_c)
    inf_t = (w_t * y - w_t * y[d == 1].mean()) / w_t.mean()
    m2 = ((w_c * (y - eta_c))[:, None] * X).mean(axis=0)
    inf_c = (w_c * y - w_c * eta_c + lin @ m2) / w_c.mean()
    se_direct = np.std(inf_t - inf_c, ddof=1) / np.sqrt(n)
    assert r.std_error == pytest.approx(se_direct, rel=1e-6)


def test_lalonde_aipw_reproduced_by_statsmodels(lalonde, lalonde_fits):
    logit, ps = _direct_ps(lalonde)
    d = lalonde["treat"].to_numpy(float)
    ols = smf.ols(f"re78 ~ {DW_SPEC}", lalonde[lalonde.treat == 0]).fit()
    resid = lalonde["re78"].to_numpy() - ols.predict(lalonde).to_numpy()
    odds = ps / (1 - ps)
    att_direct = resid[d == 1].mean() - np.sum(odds[d == 0] * resid[d == 0]) / np.sum(odds[d == 0])
    assert lalonde_fits["aipw"].estimate == pytest.approx(att_direct, rel=1e-6)


def test_lalonde_entropy_weights_match_treated_moments(lalonde, lalonde_fits):
    r = lalonde_fits["entropy"]
    X = smf.ols(f"re78 ~ {DW_SPEC}", lalonde).exog[:, 1:]
    t = r.treated_mask
    np.testing.assert_allclose(r.weights[~t] @ X[~t], X[t].mean(axis=0), rtol=1e-6)
    y = lalonde["re78"].to_numpy()
    assert r.estimate == pytest.approx(y[t].mean() - r.weights[~t] @ y[~t], rel=1e-9)


def test_lalonde_bootstrap_agrees_with_influence_se(lalonde, lalonde_fits):
    r = att(
        lalonde,
        outcome="re78",
        treatment="treat",
        covariates=DW_SPEC,
        method="aipw",
        inference="bootstrap",
        draws=2000,
        seed=3,
    )
    assert r.estimate == lalonde_fits["aipw"].estimate
    assert r.std_error == pytest.approx(lalonde_fits["aipw"].std_error, rel=0.08)
    again = att(
        lalonde,
        outcome="re78",
        treatment="treat",
        covariates=DW_SPEC,
        method="aipw",
        inference="bootstrap",
        draws=2000,
        seed=3,
    )
    assert again.std_error == r.std_error  # deterministic given the seed


def test_lalonde_crump_trimming(lalonde):
    ov = overlap(lalonde, treatment="treat", covariates=DW_SPEC)
    assert 0 < ov.alpha < 0.5
    keep_direct = (ov.ps >= ov.alpha) & (ov.ps <= 1 - ov.alpha)
    np.testing.assert_array_equal(ov.keep, keep_direct)
    r = att(
        lalonde, outcome="re78", treatment="treat", covariates=DW_SPEC, method="aipw", trim="crump"
    )
    assert r.n_trimmed == ov.n_trimmed
    assert r.n_treated + r.n_control == int(ov.keep.sum())
    assert r.alpha == pytest.approx(ov.alpha)
    assert any("Crump" in n for n in r.notes)
    t = ov.tidy()
    assert t["n"].tolist() == [185, 15992]


# --- hand-worked examples ------------------------------------------------------------------------


def test_matching_hand_worked_bias_corrected():
    # Treated x = 1, 3; comparison x = 0, 1.2, 3.5, 4. Matches: 1 -> 1.2 (y 2), 3 -> 3.5 (y 4).
    y = np.array([5.0, 8, 1, 2, 4, 6])
    d = np.array([1.0, 1, 0, 0, 0, 0])
    C = np.array([[1.0], [3.0], [0.0], [1.2], [3.5], [4.0]])
    r = match_att(y, d, C)
    assert r.matches.ravel().tolist() == [1, 2]
    assert r.times_used.tolist() == [0, 1, 1, 0]
    # Bias correction: OLS on the matched comparison units (1.2, 2), (3.5, 4): slope 2 / 2.3.
    b = 2 / 2.3
    e1 = 5 - (2 + b * (1 - 1.2))
    e2 = 8 - (4 + b * (3 - 3.5))
    tau = (e1 + e2) / 2
    assert r.estimate == pytest.approx(tau, rel=1e-12)
    assert r.estimate == pytest.approx(3.804348, abs=1e-6)
    # No comparison unit is used twice: V = sum (e - tau)^2 / N1^2.
    assert r.std_error == pytest.approx(np.sqrt(((e1 - tau) ** 2 + (e2 - tau) ** 2) / 4), rel=1e-12)


def test_matching_hand_worked_reused_match_variance():
    # Treated x = 1, 1.4 both match comparison x = 1.2 (y 2): K = 2.
    y = np.array([5.0, 6, 1, 2, 4, 6])
    d = np.array([1.0, 1, 0, 0, 0, 0])
    C = np.array([[1.0], [1.4], [0.0], [1.2], [3.5], [4.0]])
    r = match_att(y, d, C, bias_correction=False)
    assert r.times_used.tolist() == [0, 2, 0, 0]
    assert r.estimate == pytest.approx(((5 - 2) + (6 - 2)) / 2)
    # sigma^2(x=1.2): its J=2 nearest other comparison units are x=0 (y 1) and x=3.5 (y 4):
    # 2/3 * (2 - 2.5)^2 = 1/6; term K(K-1)/M^2 = 2. V = (0.5 + 2/6) / 2^2.
    assert r.std_error == pytest.approx(np.sqrt((0.5 + 2 / 6) / 4), rel=1e-12)
    assert r.control_weights.tolist() == [0, 1, 0, 0]


def test_entropy_weights_hand_worked():
    # Weights proportional to r^c for c = 0, 1, 2 with mean 1.5: r^2 - r - 3 = 0.
    r = (1 + np.sqrt(13)) / 2
    expected = np.array([1, r, r**2]) / (1 + r + r**2)
    w, lam = entropy_weights(np.array([[0.0], [1.0], [2.0]]), np.array([1.5]))
    np.testing.assert_allclose(w, expected, rtol=1e-9)
    assert lam[0] == pytest.approx(np.log(r), rel=1e-9)


def test_entropy_weights_with_base_weights_hand_worked():
    # Base weights q = (2, 1, 1)/4 and target 1: q_i r^c_i mean = (r + 2 r^2)/(2 + r + r^2) = 1.
    w, _ = entropy_weights(
        np.array([[0.0], [1.0], [2.0]]), np.array([1.0]), base=np.array([2.0, 1, 1])
    )
    r = np.sqrt(2)  # r^2 = 2
    np.testing.assert_allclose(w, np.array([2, r, r**2]) / (2 + r + r**2), rtol=1e-9)


def test_crump_alpha_hand_worked():
    # g = 1/(e(1-e)): fifty 4s and two ~1001s; gamma = 2 * 4 = 8, alpha = 1/2 - sqrt(1/4 - 1/8).
    ps = np.r_[np.full(50, 0.5), 0.001, 0.999]
    assert crump_alpha(ps) == pytest.approx(0.5 - np.sqrt(0.125), rel=1e-12)
    assert crump_alpha(np.array([0.3, 0.5, 0.7])) == 0.0


def test_cluster_se_hand_worked():
    psi = np.array([1.0, 2.0, -1.0, -3.0, 1.0])
    cl = np.array([0, 0, 1, 1, 2])
    sums = np.array([3.0, -4.0, 1.0])
    assert influence_se(psi, cluster=cl) == pytest.approx(np.sqrt(1.5 * np.sum(sums**2)) / 5)
    assert influence_se(psi, cluster=np.arange(5)) == pytest.approx(influence_se(psi))


# --- simulated selection on observables ---------------------------------------------------------


def _selected(n=3000, seed=0, effect=1.0):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.binomial(1, 0.4, n)
    e = 1 / (1 + np.exp(-(-0.5 + 0.8 * x1 + 0.7 * x2)))
    d = (rng.uniform(size=n) < e).astype(int)
    y = 1 + 2 * x1 + 1.5 * x2 + effect * d + rng.normal(size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "d": d, "y": y, "g": rng.integers(0, 300, n)})


@pytest.mark.parametrize("method", ["ipw", "aipw", "entropy", "matching"])
def test_recovers_planted_effect(method):
    df = _selected()
    naive = df.groupby("d")["y"].mean().diff().iloc[-1]
    r = att(df, outcome="y", treatment="d", covariates=["x1", "x2"], method=method)
    assert naive > 1.8  # selection bias is large
    assert r.ci_low < 1.0 < r.ci_high
    assert abs(r.estimate - 1.0) < 4 * r.std_error


def test_entropy_influence_se_matches_nonparametric_bootstrap():
    df = _selected(n=1000, seed=5)
    r = att(df, outcome="y", treatment="d", covariates=["x1", "x2"], method="entropy")
    rng = np.random.default_rng(0)
    draws = []
    for _ in range(100):
        b = df.iloc[rng.integers(0, len(df), len(df))].reset_index(drop=True)
        draws.append(
            att(b, outcome="y", treatment="d", covariates=["x1", "x2"], method="entropy").estimate
        )
    assert r.std_error == pytest.approx(np.std(draws, ddof=1), rel=0.25)


def test_arm_column_with_control_equals_binary_coding():
    df = _selected(n=800, seed=2)
    arms = np.where(df["d"] == 1, "pendampingan", "kontrol").astype(object)
    arms[::7] = "karitatif"
    df["arm"] = arms
    sub = df[df["arm"] != "karitatif"].copy()
    a = att(
        df,
        outcome="y",
        treatment="arm",
        control="kontrol",
        treated="pendampingan",
        covariates=["x1", "x2"],
    )
    b = att(sub, outcome="y", treatment="d", covariates=["x1", "x2"])
    assert a.estimate == pytest.approx(b.estimate, rel=1e-12)
    assert a.n_dropped == int((df["arm"] == "karitatif").sum())


def test_clustered_se_uses_cluster_sums():
    df = _selected(n=1200, seed=3)
    r = att(df, outcome="y", treatment="d", covariates=["x1", "x2"], cluster="g")
    codes = pd.factorize(df["g"], sort=True)[0]
    assert r.std_error == pytest.approx(influence_se(np.asarray(r.influence), cluster=codes))
    assert r.n_clusters == df["g"].nunique()
    assert "clustered by g" in r.inference


def test_sampling_weights_equal_row_replication():
    df = _selected(n=600, seed=4)
    df["w"] = np.random.default_rng(1).integers(1, 4, len(df))
    rep = df.loc[df.index.repeat(df["w"])].reset_index(drop=True)
    for m in ("ipw", "aipw", "entropy"):
        a = att(df, outcome="y", treatment="d", covariates=["x1", "x2"], weights="w", method=m)
        b = att(rep, outcome="y", treatment="d", covariates=["x1", "x2"], method=m)
        assert a.estimate == pytest.approx(b.estimate, rel=1e-7), m


def test_incomplete_rows_are_dropped_and_counted():
    df = _selected(n=500, seed=6)
    df.loc[[3, 10, 11], "x1"] = np.nan
    df.loc[20, "y"] = np.nan
    r = att(df, outcome="y", treatment="d", covariates=["x1", "x2"], method="ipw")
    assert r.n_dropped == 4 and r.n_treated + r.n_control == 496


def test_same_inputs_same_result():
    df = _selected(n=500, seed=7)
    a = att(df, outcome="y", treatment="d", covariates=["x1", "x2"], inference="bootstrap", seed=2)
    b = att(df, outcome="y", treatment="d", covariates=["x1", "x2"], inference="bootstrap", seed=2)
    pd.testing.assert_frame_equal(a.tidy(), b.tidy())


def test_result_tidy_and_html():
    r = att(_selected(n=500, seed=8), outcome="y", treatment="d", covariates=["x1", "x2"])
    t = r.tidy()
    for c in (
        "estimate",
        "std_error",
        "ci_low",
        "ci_high",
        "p_value",
        "n_treated",
        "n_control",
        "n_trimmed",
        "method",
    ):
        assert c in t.columns
    html = r._repr_html_()
    assert "not an experiment" in html and "<table" in html
    with pytest.raises(ValueError):
        r.influence[0] = 1.0  # immutable


# --- warnings and bad input ----------------------------------------------------------------------


def _few_overlapping(n_far=2):
    rng = np.random.default_rng(0)
    xc = np.r_[rng.normal(0, 1, 400), np.full(n_far, 4.5)]
    xt = rng.normal(4.5, 0.4, 60)
    x = np.r_[xc, xt]
    d = np.r_[np.zeros(len(xc)), np.ones(60)].astype(int)
    return pd.DataFrame({"x": x, "d": d, "y": x + d + rng.normal(size=len(x))})


def test_all_weight_on_a_few_units_is_an_error():
    with pytest.raises(JBPInputError, match="a few units"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            att(_few_overlapping(), outcome="y", treatment="d", covariates=["x"], method="ipw")


def test_extreme_weights_and_poor_overlap_warn():
    rng = np.random.default_rng(1)
    n = 3000
    x = rng.normal(size=n)
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(-(-2.5 + 2.5 * x)))).astype(int)
    df = pd.DataFrame({"x": x, "d": d, "y": x + rng.normal(size=n)})
    with pytest.warns(ExtremeWeightsWarning):
        with pytest.warns(OverlapWarning):
            r = att(df, outcome="y", treatment="d", covariates=["x"], method="ipw")
    assert any("Extreme weights" in n for n in r.notes)
    assert any("Poor overlap" in n for n in r.notes)


def test_no_comparison_units():
    df = _selected(n=100)
    df["d"] = 1
    with pytest.raises(JBPInputError, match="no comparison"):
        att(df, outcome="y", treatment="d", covariates=["x1"])


def test_treatment_not_binary():
    df = _selected(n=100)
    df.loc[:5, "d"] = 2
    with pytest.raises(JBPInputError, match="not binary") as err:
        att(df, outcome="y", treatment="d", covariates=["x1"])
    assert err.value.column == "d"


def test_several_arms_need_treated():
    df = _selected(n=100)
    df["arm"] = np.array(["a", "b", "c", "a"] * 25)
    with pytest.raises(JBPInputError, match="treated="):
        att(df, outcome="y", treatment="arm", control="a", covariates=["x1"])
    with pytest.raises(JBPInputError, match="does not occur"):
        att(df, outcome="y", treatment="arm", control="z", covariates=["x1"])


def test_perfect_separation_names_the_covariate():
    df = _selected(n=300)
    df["sep"] = df["d"] * 2.0 + np.random.default_rng(0).uniform(0, 1, len(df))
    with pytest.raises(JBPInputError, match="perfectly separated") as err:
        att(df, outcome="y", treatment="d", covariates=["x1", "sep"])
    assert "'sep'" in str(err.value)


def test_perfect_prediction_by_a_dummy():
    df = _selected(n=300)
    df["only_treated"] = ((df["d"] == 1) & (df["x1"] > 0.5)).astype(float)
    with pytest.raises(JBPInputError, match="perfectly separated"):
        att(df, outcome="y", treatment="d", covariates=["x1", "only_treated"], method="ipw")


def test_bad_columns_and_options():
    df = _selected(n=100)
    with pytest.raises(JBPInputError, match="not found"):
        att(df, outcome="y", treatment="d", covariates=["nope"])
    with pytest.raises(JBPInputError, match="not found"):
        att(df, outcome="nope", treatment="d", covariates=["x1"])
    df["txt"] = "a"
    with pytest.raises(JBPInputError, match="not numeric"):
        att(df, outcome="y", treatment="d", covariates=["txt"])
    with pytest.raises(ConfigError, match="method"):
        att(df, outcome="y", treatment="d", covariates=["x1"], method="psm")
    with pytest.raises(ConfigError, match="matching"):
        att(df, outcome="y", treatment="d", covariates=["x1"], method="matching", cluster="g")
    with pytest.raises(JBPInputError, match="collinear"):
        df["x1b"] = 2 * df["x1"]
        att(df, outcome="y", treatment="d", covariates=["x1", "x1b"])


def test_entropy_cannot_reach_target_outside_range():
    # The treated mean of x lies above every comparison value: no positive weights match it.
    df = pd.DataFrame(
        {"x": [5.0, 6.0, 0.0, 1.0, 2.0, 3.0], "d": [1, 1, 0, 0, 0, 0], "y": [1.0, 2, 0, 0, 1, 1]}
    )
    with pytest.raises(JBPInputError, match="entropy balancing"):
        att(df, outcome="y", treatment="d", covariates=["x"], method="entropy")


# --- sensitivity ---------------------------------------------------------------------------------


def test_evalue_hand_worked(lalonde_fits):
    from jbp_analysis.observational import evalue

    r = lalonde_fits["aipw"]
    sd = 6000.0
    d = r.estimate / sd
    rr = np.exp(0.91 * d)
    row = evalue(r, sd=sd).iloc[0]
    assert row["evalue"] == pytest.approx(rr + np.sqrt(rr * (rr - 1)))
    rr_lo = np.exp(0.91 * r.ci_low / sd)  # CI excludes 0: the lower limit is closer to the null
    assert row["evalue_ci"] == pytest.approx(rr_lo + np.sqrt(rr_lo * (rr_lo - 1)))
    # A harmful effect of the same size has the same E-value.
    neg = type("R", (), {"estimate": -r.estimate, "ci_low": -r.ci_high, "ci_high": -r.ci_low})
    assert evalue(neg, sd=sd).iloc[0]["evalue"] == pytest.approx(row["evalue"])
    with pytest.raises(JBPInputError):
        evalue(r, sd=0.0)


# --- plots and examples ---------------------------------------------------------------------------


def test_love_plot_draws_before_and_after(lalonde, lalonde_fits):
    b = balance(lalonde, treatment="treat", variables=DW_BALANCE, result=lalonde_fits["ipw"])
    fig, ax = plt.subplots()
    out = plot_love(b, ax=ax)
    assert out is ax
    before, after = ax.collections[:2]
    order = b.assign(a=b["std_diff_before"].abs()).sort_values("a")
    np.testing.assert_allclose(before.get_offsets()[:, 0], order["std_diff_before"].abs())
    np.testing.assert_allclose(after.get_offsets()[:, 0], order["std_diff_after"].abs())
    assert [t.get_text() for t in ax.get_yticklabels()] == order["variable"].tolist()
    plt.close(fig)


def test_overlap_plot_heights_are_densities(lalonde):
    ov = overlap(lalonde, treatment="treat", covariates=DW_SPEC, trim=None)
    fig, ax = plt.subplots()
    assert plot_overlap(ov, ax=ax, bins=20) is ax
    heights = np.array([p.get_height() for p in ax.patches])
    treated, control = heights[:20], heights[20:]
    assert np.sum(treated) * 0.05 == pytest.approx(1.0)
    assert np.sum(-control) * 0.05 == pytest.approx(1.0)
    plt.close(fig)


MODULES = [
    "jbp_analysis.observational",
    "jbp_analysis.observational.aipw",
    "jbp_analysis.observational.diagnostics",
    "jbp_analysis.observational.drdid",
    "jbp_analysis.observational.estimator",
    "jbp_analysis.observational.inference",
    "jbp_analysis.observational.matching",
    "jbp_analysis.observational.overlap_plot",
    "jbp_analysis.observational.plots",
    "jbp_analysis.observational.propensity",
    "jbp_analysis.observational.report",
    "jbp_analysis.observational.results",
    "jbp_analysis.observational.sample",
    "jbp_analysis.observational.sensitivity",
    "jbp_analysis.observational.trimming",
    "jbp_analysis.observational.weighting",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    module = importlib.import_module(name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    finally:
        plt.close("all")
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.slow
@pytest.mark.notebook
def test_observational_report_notebook_runs(tmp_path):
    import sys

    import nbformat
    import papermill

    from jbp_analysis.report.runner import NOTEBOOK_DIR

    sys.path.insert(0, str(NOTEBOOK_DIR.parent / "tests"))
    from fixtures.processed import write_processed

    processed = write_processed(tmp_path / "processed", seed=4, groups_per_district=9)
    out = tmp_path / "observational_report.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK_DIR / "observational_report.ipynb"),
        str(out),
        parameters={"processed_dir": str(processed)},
        cwd=str(NOTEBOOK_DIR),
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = " ".join(str(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    assert "not an experiment" in text and "doubly robust" in text


# --- few clusters --------------------------------------------------------------------------------


def test_few_clusters_use_t_with_g_minus_1_df():
    """Below the few-cluster threshold the interval is t(G-1) on the same CR1 influence SE."""
    from scipy import stats

    df = _selected(n=1200, seed=3).assign(g=lambda f: f["g"] % 10)
    r = att(df, outcome="y", treatment="d", covariates=["x1", "x2"], cluster="g")
    codes = pd.factorize(df["g"], sort=True)[0]
    assert r.std_error == pytest.approx(influence_se(np.asarray(r.influence), cluster=codes))
    crit = stats.t.ppf(0.975, 9)
    assert r.ci_high - r.estimate == pytest.approx(crit * r.std_error, rel=1e-12)
    assert r.p_value == pytest.approx(2 * stats.t.sf(abs(r.estimate / r.std_error), 9))
    assert r.tidy()["inference"].iloc[0].endswith("t(9) (auto: 10 clusters < 50)")
    # the threshold is the plan's: at 10 clusters with a threshold of 10, the normal reference
    n = att(df, outcome="y", treatment="d", covariates=["x1", "x2"], cluster="g",
            few_cluster_threshold=10)  # fmt: skip
    assert n.std_error == r.std_error and n.estimate == r.estimate
    z = stats.norm.ppf(0.975)
    assert n.ci_high - n.estimate == pytest.approx(z * n.std_error, rel=1e-12)
    assert "t(" not in n.inference


def test_few_clusters_bootstrap_uses_webb_weights_and_t():
    from scipy import stats

    df = _selected(n=1200, seed=3).assign(g=lambda f: f["g"] % 8)
    r = att(df, outcome="y", treatment="d", covariates=["x1", "x2"], cluster="g",
            inference="bootstrap", draws=199)  # fmt: skip
    assert "Webb weights" in r.inference and "t(7)" in r.inference
    assert r.ci_high - r.estimate == pytest.approx(stats.t.ppf(0.975, 7) * r.std_error)


def test_few_treated_clusters_get_a_note():
    df = _selected(n=1200, seed=3)
    df["g"] = np.where(df["d"] == 1, df["g"] % 3, 3 + df["g"] % 9)  # 3 treated, 9 comparison
    r = att(df, outcome="y", treatment="d", covariates=["x1", "x2"], cluster="g")
    assert any(n.startswith("Only 3 treated and 9 comparison clusters") for n in r.notes)


def test_not_binary_message_shows_plain_values():
    df = pd.DataFrame({"y": np.arange(9.0), "d": [0, 1, 2] * 3, "x1": np.arange(9.0)})
    with pytest.raises(JBPInputError, match=r"values 0, 1, 2") as info:
        att(df, outcome="y", treatment="d", covariates=["x1"])
    assert "np.int64" not in str(info.value)
