"""Doubly robust DiD (Sant'Anna & Zhao 2020) against the ``drdid`` package, a port of R's DRDID
1.4.0 (``drdid_panel``, ``std_ipw_did_panel``): the ATT and the influence function (hence the
standard error, ``sd(psi) / sqrt(n)``) agree to 1e-6.

Also: the cross-sectional AIPW/IPW ATT is the panel estimator with a zero baseline outcome, so the
same reference checks :func:`jbp_analysis.observational.att` on LaLonde's data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.observational import att, drdid

drdid_ref = pytest.importorskip("drdid.drdid")
ipw_ref = pytest.importorskip("drdid.ipwd_did")


def _panel(n=2500, seed=0, effect=1.0, weights=False):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.binomial(1, 0.5, n).astype(float)
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(-(-0.3 + 0.9 * x1 - 0.5 * x2)))).astype(int)
    y0 = 2 + x1 + x2 + rng.normal(size=n)
    # Trends depend on x1 (conditional parallel trends only).
    y1 = y0 + 1 + 0.8 * x1 + effect * d + rng.normal(size=n)
    ids = np.arange(n)
    long = pd.DataFrame(
        {
            "id": np.r_[ids, ids],
            "wave": np.repeat(["baseline", "endline"], n),
            "y": np.r_[y0, y1],
            "x1": np.r_[x1, x1],
            "x2": np.r_[x2, x2],
            "d": np.r_[d, d],
            "w": np.r_[np.ones(n), np.ones(n)],
            "g": np.r_[ids // 10, ids // 10],
        }
    )
    if weights:
        wv = rng.uniform(0.5, 2.0, n)
        long["w"] = np.r_[wv, wv]
    X = np.column_stack([np.ones(n), x1, x2])
    return long, (y1, y0, d.astype(float), X, long["w"].to_numpy()[:n])


@pytest.mark.parametrize("weights", [False, True])
def test_drdid_matches_reference_package(weights):
    long, (y1, y0, d, X, w) = _panel(weights=weights)
    r = drdid(
        long,
        outcome="y",
        treatment="d",
        covariates=["x1", "x2"],
        unit="id",
        pre="baseline",
        post="endline",
        weights="w" if weights else None,
    )
    ref_att, ref_if = drdid_ref.drdid_panel(y1, y0, d, X, i_weights=w if weights else None)
    assert r.estimate == pytest.approx(ref_att, rel=1e-6, abs=1e-9)
    np.testing.assert_allclose(r.influence, ref_if, rtol=1e-6, atol=1e-9)
    assert r.std_error == pytest.approx(np.std(ref_if, ddof=1) / np.sqrt(len(d)), rel=1e-6)
    assert r.method == "drdid" and r.outcome == "y"


@pytest.mark.parametrize("weights", [False, True])
def test_ipw_did_matches_reference_package(weights):
    long, (y1, y0, d, X, w) = _panel(seed=1, weights=weights)
    r = drdid(
        long,
        outcome="y",
        treatment="d",
        covariates=["x1", "x2"],
        unit="id",
        pre="baseline",
        post="endline",
        method="ipw",
        weights="w" if weights else None,
    )
    ref_att, ref_if = ipw_ref.std_ipw_did_panel(y1, y0, d, X, i_weights=w if weights else None)
    assert r.estimate == pytest.approx(ref_att, rel=1e-6, abs=1e-9)
    np.testing.assert_allclose(r.influence, ref_if, rtol=1e-6, atol=1e-9)
    assert r.method == "ipwdid"


def test_control_score_cap_matches_reference_trimming():
    # Strong selection: some comparison units get a score >= 0.995 and no weight (DRDID's rule).
    rng = np.random.default_rng(4)
    n = 3000
    x = rng.normal(size=n) * 2.2
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(-(-1 + 2.2 * x)))).astype(float)
    y0 = x + rng.normal(size=n)
    y1 = y0 + 0.5 * x + d + rng.normal(size=n)
    X = np.column_stack([np.ones(n), x])
    df = pd.DataFrame({"y": y1 - y0, "x": x, "d": d})
    with pytest.warns(UserWarning):
        r = att(df, outcome="y", treatment="d", covariates=["x"], method="aipw")
    ref_att, ref_if = drdid_ref.drdid_panel(y1, y0, d, X)
    assert r.n_trimmed > 0
    assert r.estimate == pytest.approx(ref_att, rel=1e-6)
    np.testing.assert_allclose(r.influence, ref_if, rtol=1e-6, atol=1e-9)


def test_lalonde_cross_section_matches_reference(request):
    causaldata = pytest.importorskip("causaldata")
    import statsmodels.formula.api as smf

    nsw = causaldata.nsw_mixtape.load_pandas().data
    cps = causaldata.cps_mixtape.load_pandas().data
    df = pd.concat([nsw[nsw.treat == 1], cps], ignore_index=True).astype(
        {"age": float, "educ": float, "re74": float, "re75": float, "re78": float}
    )
    df["u74"] = (df.re74 == 0).astype(float)
    df["u75"] = (df.re75 == 0).astype(float)
    spec = "age + I(age**2) + educ + marr + nodegree + black + hisp + re74 + re75 + u74 + u75"
    X = smf.ols(f"re78 ~ {spec}", df).exog
    y, d = df["re78"].to_numpy(), df["treat"].to_numpy(float)
    for method, ref in (("aipw", drdid_ref.drdid_panel), ("ipw", ipw_ref.std_ipw_did_panel)):
        r = att(df, outcome="re78", treatment="treat", covariates=spec, method=method)
        ref_att, ref_if = ref(y, np.zeros_like(y), d, X)
        assert r.estimate == pytest.approx(ref_att, rel=1e-6)
        assert r.std_error == pytest.approx(np.std(ref_if, ddof=1) / np.sqrt(len(y)), rel=1e-6)


def test_drdid_recovers_effect_where_cross_section_fails():
    long, _ = _panel(n=4000, seed=2, effect=0.7)
    r = drdid(
        long,
        outcome="y",
        treatment="d",
        covariates=["x1", "x2"],
        unit="id",
        pre="baseline",
        post="endline",
        cluster="g",
    )
    assert r.ci_low < 0.7 < r.ci_high
    assert r.n_clusters == 400


def test_drdid_counts_units_missing_a_wave():
    long, _ = _panel(n=500, seed=3)
    long = long.drop(index=long.index[(long["wave"] == "endline") & (long["id"] < 7)])
    r = drdid(
        long,
        outcome="y",
        treatment="d",
        covariates=["x1", "x2"],
        unit="id",
        pre="baseline",
        post="endline",
    )
    assert r.n_dropped == 7 and r.n_treated + r.n_control == 493
    assert any("both waves" in n for n in r.notes)


def test_drdid_bad_input():
    long, _ = _panel(n=200, seed=3)
    with pytest.raises(JBPInputError, match="does not occur"):
        drdid(
            long,
            outcome="y",
            treatment="d",
            covariates=["x1"],
            unit="id",
            pre="baseline",
            post="followup",
        )
    dup = pd.concat([long, long.iloc[[0]]])
    with pytest.raises(JBPInputError, match="one row per unit"):
        drdid(
            dup,
            outcome="y",
            treatment="d",
            covariates=["x1"],
            unit="id",
            pre="baseline",
            post="endline",
        )
    with pytest.raises(ConfigError):
        drdid(long, outcome="y", treatment="d", covariates=["x1"], unit="id", post="endline")
