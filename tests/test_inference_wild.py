"""Wild cluster bootstrap: agreement with wildboottest/pyfixest, a direct refit, Stata CR1."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.inference.wild import (
    FewTreatedClustersWarning,
    draw_wild_weights,
    wild_cluster_bootstrap,
)


def _data(seed: int, G: int, per: int = 30, effect: float = 0.0):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, G, G * per)
    n = g.shape[0]
    treat = (g % 2).astype(float)
    X = np.column_stack([np.ones(n), rng.normal(size=n), treat])
    y = X @ np.array([1.0, 0.3, effect]) + rng.normal(size=G)[g] + rng.normal(size=n)
    return X, y, g


def _wildboottest(X, y, g, j, B=9999, weights="rademacher", seed=1):
    from wildboottest.wildboottest import WildboottestCL

    R = np.zeros(X.shape[1])
    R[j] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = WildboottestCL(X=X, Y=y, cluster=g, R=R, B=B, seed=seed, parallel=False)
        wb.get_scores(bootstrap_type="11", impose_null=True)
        wb.get_weights(weights)
        wb.get_numer()
        wb.get_denom()
        wb.get_tboot()
        wb.get_vcov()
        wb.get_tstat()
        wb.get_pvalue()
    return float(np.ravel(wb.t_stat)[0]), np.asarray(wb.t_boot).ravel(), float(wb.pvalue)


@pytest.mark.parametrize(("seed", "G", "j"), [(0, 8, 1), (1, 9, 1), (5, 10, 2), (3, 11, 2)])
def test_full_enumeration_equals_wildboottest(seed: int, G: int, j: int) -> None:
    """Same WCR-11 bootstrap, same 2^G draws: same t, same t*, and with ties="exclude" (their
    convention, p = mean(|t*| > |t|)) the same p-value.

    The two draws v = +1 and v = -1 reproduce the observed |t| exactly (in exact arithmetic), so
    under that convention they never count. wildboottest computes them by another floating-point
    path and counts them, or not, by rounding (|t*| - |t| ~ 1e-15), so its raw p-value can exceed
    the exact one by exactly 2 / 2^G. The default ties="include" counts every tie.
    """
    X, y, g = _data(seed, G)
    t_ref, tboot_ref, p_ref = _wildboottest(X, y, g, j)
    res = wild_cluster_bootstrap(
        X, y, g, restriction=j, ci=False, return_draws=True, ties="exclude"
    )
    assert res.enumerated and res.B == 2**G == tboot_ref.shape[0]
    np.testing.assert_allclose(res.t_stat, t_ref, rtol=1e-12)
    np.testing.assert_allclose(np.sort(res.t_draws), np.sort(tboot_ref), rtol=1e-10, atol=1e-12)
    exact_ref = np.mean(np.abs(tboot_ref) > abs(t_ref) * (1 + 1e-9))
    assert res.p_value == exact_ref
    assert p_ref - res.p_value in (0.0, 2.0 / 2**G)
    included = wild_cluster_bootstrap(X, y, g, restriction=j, ci=False)
    assert included.p_value == np.mean(np.abs(tboot_ref) >= abs(t_ref) * (1 - 1e-9))
    assert included.p_value - res.p_value == pytest.approx(2.0 / 2**G)


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_agrees_with_pyfixest_within_monte_carlo_error() -> None:
    import pyfixest as pf

    X, y, g = _data(11, 30, per=20, effect=0.35)
    df = pd.DataFrame({"y": y, "x1": X[:, 1], "d": X[:, 2], "g": g})
    fit = pf.feols("y ~ x1 + d", data=df, vcov={"CRV1": "g"})
    for weights in ("rademacher", "webb"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peer = fit.wildboottest(param="d", reps=1999, seed=7, weights_type=weights)
        res = wild_cluster_bootstrap(X, y, g, restriction=2, weights=weights, draws=9999, seed=3)
        p_peer = float(peer["Pr(>|t|)"])
        np.testing.assert_allclose(res.t_stat, float(peer["t value"]), rtol=1e-8)
        assert 0.01 < res.p_value < 0.5  # an informative example
        mc_se = np.sqrt(res.p_value * (1 - res.p_value) * (1 / 1999 + 1 / 9999))
        assert abs(res.p_value - p_peer) < 4 * mc_se, (weights, res.p_value, p_peer)


def test_cr1_matches_stata_published_numbers() -> None:
    """Stata `reg y x, cluster(clusters)` on the dfadjust package's test data (Kolesár)."""
    y = np.r_[np.cos(np.arange(0, 10)), np.tan(np.arange(1, 11))]
    x = np.r_[np.sin(np.arange(1, 11)), np.sin(np.arange(2, 12))]
    cl = np.array([2, 1, 3, 2, 2, 3, 3, 1, 1, 2] * 2)
    X = np.column_stack([np.ones(20), x])
    for j, (b, se) in enumerate([(-0.4456202905, 0.4827602183), (0.3241183110, 0.1814501834)]):
        res = wild_cluster_bootstrap(X, y, cl, restriction=j, ci=False)
        assert res.estimate == pytest.approx(b, abs=1e-9)
        assert res.std_error == pytest.approx(se, abs=1e-9)


def test_draws_equal_a_direct_refit_per_draw() -> None:
    """The fast algebra reproduces, draw by draw, the textbook WCR bootstrap (refit per draw)."""
    X, y, g = _data(4, 14, per=12, effect=0.2)
    R = np.array([0.0, 1.0, -1.0])  # a linear combination
    r = 0.1
    codes = np.unique(g, return_inverse=True)[1]
    G = codes.max() + 1
    for weights in ("rademacher", "webb"):
        res = wild_cluster_bootstrap(
            X, y, g, restriction=R, r=r, draws=40, weights=weights, seed=9, enumerate=False,
            ci=False, return_draws=True,
        )  # fmt: skip
        V = draw_wild_weights(40, G, weights=weights, seed=9)
        XtXi = np.linalg.inv(X.T @ X)
        beta = XtXi @ X.T @ y
        beta_r = beta - XtXi @ R * (R @ beta - r) / (R @ XtXi @ R)
        u_r = y - X @ beta_r
        n, k = X.shape
        ssc = G / (G - 1) * (n - 1) / (n - k)
        direct = []
        for v in V:
            ystar = X @ beta_r + u_r * v[codes]
            bstar = XtXi @ X.T @ ystar
            ustar = ystar - X @ bstar
            scores = np.array([X[codes == c].T @ ustar[codes == c] for c in range(G)])
            var = ssc * R @ XtXi @ scores.T @ scores @ XtXi @ R
            direct.append((R @ bstar - r) / np.sqrt(var))
        np.testing.assert_allclose(res.t_draws, direct, rtol=1e-9)


def test_confidence_interval_inverts_the_test() -> None:
    X, y, g = _data(2, 16, effect=0.5)
    for p_type in ("symmetric", "equal-tailed"):
        res = wild_cluster_bootstrap(X, y, g, restriction=2, draws=999, seed=5, p_type=p_type)
        assert res.ci_low < res.estimate < res.ci_high
        width = res.ci_high - res.ci_low
        for bound, outward in ((res.ci_low, -1), (res.ci_high, 1)):
            kw = dict(restriction=2, draws=999, seed=5, p_type=p_type, ci=False)
            inside = wild_cluster_bootstrap(X, y, g, r=bound - outward * 1e-6 * width, **kw)
            outside = wild_cluster_bootstrap(X, y, g, r=bound + outward * 1e-6 * width, **kw)
            assert inside.p_value >= 0.05 > outside.p_value


def test_p_value_is_the_same_with_and_without_ci() -> None:
    X, y, g = _data(3, 40)
    a = wild_cluster_bootstrap(X, y, g, restriction=1, draws=3000, seed=2, return_draws=True)
    b = wild_cluster_bootstrap(
        X, y, g, restriction=1, draws=3000, seed=2, ci=False, return_draws=True
    )
    assert not a.enumerated and a.B == 3000
    assert a.p_value == b.p_value
    np.testing.assert_allclose(a.t_draws, b.t_draws, rtol=1e-10)
    other = wild_cluster_bootstrap(X, y, g, restriction=1, draws=3000, seed=3, return_draws=True)
    assert not np.allclose(np.sort(a.t_draws), np.sort(other.t_draws))


def test_few_clusters_give_an_unbounded_interval() -> None:
    """With 5 clusters the two tied draws alone give p >= 2/32 > 5%: no value is rejected."""
    X, y, g = _data(6, 5, effect=2.0)
    res = wild_cluster_bootstrap(X, y, g, restriction=1)
    assert res.enumerated and res.B == 32
    assert res.ci_low == -np.inf and res.ci_high == np.inf
    strict = wild_cluster_bootstrap(X, y, g, restriction=1, ties="exclude")
    assert np.isfinite(strict.ci_low) and np.isfinite(strict.ci_high)


def test_contrast_equals_reparametrised_coefficient() -> None:
    """R = e_pend - e_karit tests the same hypothesis as pend in a model with karitatif as base."""
    rng = np.random.default_rng(8)
    G = 30
    garm = np.tile([0, 1, 2], G // 3)
    g = np.repeat(np.arange(G), 15)
    arm = garm[g]
    y = 0.4 * (arm == 2) + 0.1 * (arm == 1) + rng.normal(size=G)[g] + rng.normal(size=g.size)
    ones = np.ones(g.size)
    X_ctrl = np.column_stack([ones, arm == 1, arm == 2]).astype(float)
    X_kar = np.column_stack([ones, arm == 0, arm == 2]).astype(float)
    a = wild_cluster_bootstrap(X_ctrl, y, g, restriction=[0, -1, 1], draws=1999, seed=4)
    b = wild_cluster_bootstrap(X_kar, y, g, restriction=2, draws=1999, seed=4)
    assert a.estimate == pytest.approx(b.estimate, rel=1e-10)
    assert a.t_stat == pytest.approx(b.t_stat, rel=1e-10)
    assert a.p_value == b.p_value
    assert a.ci_low == pytest.approx(b.ci_low, rel=1e-8)
    assert a.treated_clusters == (10, 10)


def test_few_treated_clusters_warns() -> None:
    X, y, g = _data(0, 12)
    X[:, 2] = (g == 3).astype(float)  # one treated cluster
    with pytest.warns(FewTreatedClustersWarning, match="only 1 treated"):
        res = wild_cluster_bootstrap(X, y, g, restriction=2, ci=False)
    assert res.treated_clusters == (1, 11)
    X[:, 2] = (g % 2).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewTreatedClustersWarning)
        wild_cluster_bootstrap(X, y, g, restriction=2, ci=False)


def test_weights_are_deterministic_and_have_the_right_support() -> None:
    a = draw_wild_weights(600, 7, seed=3)
    assert np.array_equal(a, draw_wild_weights(600, 7, seed=3))
    assert set(np.unique(a)) == {-1.0, 1.0}
    assert abs(a.mean()) < 0.05
    w = draw_wild_weights(3000, 5, weights="webb", seed=1)
    assert np.allclose(sorted(set(np.round(w.ravel() ** 2, 12))), [0.5, 1.0, 1.5])
    assert abs(w.mean()) < 0.05 and abs((w**2).mean() - 1) < 0.03
    full = draw_wild_weights(0, 3, enumerate=True)
    assert full.shape == (8, 3) and len({tuple(r) for r in full}) == 8


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"restriction": 5}, "out of range"),
        ({"restriction": [0, 1]}, "length 2"),
        ({"restriction": 1, "weights": "mammen"}, "rademacher"),
        ({"restriction": 1, "weights": "webb", "enumerate": True}, "Rademacher"),
        ({"restriction": 1, "level": 1.5}, "level"),
        ({"restriction": 1, "seed": -1}, "seed"),
        ({"restriction": 1, "p_type": "upper"}, "p_type"),
        ({"restriction": 1, "ties": "half"}, "ties"),
    ],
)
def test_bad_options_raise(kwargs: dict, match: str) -> None:
    X, y, g = _data(0, 6)
    with pytest.raises(ConfigError, match=match):
        wild_cluster_bootstrap(X, y, g, **kwargs)


def test_bad_data_raise() -> None:
    X, y, g = _data(0, 6)
    with pytest.raises(ConfigError, match="rows but y"):
        wild_cluster_bootstrap(X, y[:-1], g, restriction=1)
    y2 = y.copy()
    y2[3] = np.nan
    with pytest.raises(ConfigError, match="missing"):
        wild_cluster_bootstrap(X, y2, g, restriction=1)
    with pytest.raises(ConfigError, match="at least 2 clusters"):
        wild_cluster_bootstrap(X, y, np.zeros(y.size), restriction=1)
    with pytest.raises(ConfigError, match="rank deficient"):
        wild_cluster_bootstrap(np.column_stack([X, X[:, 1]]), y, g, restriction=1)


@pytest.mark.slow
def test_size_with_few_clusters_is_near_nominal() -> None:
    """Monte Carlo size of the 5% test, 6 and 12 clusters, half treated (benchmarks/size.py)."""
    from jbp_analysis.inference.cr2 import cr2

    for G in (6, 12):
        rng = np.random.default_rng(G)
        wild, cr2_rej = [], []
        for _ in range(600):
            g = np.repeat(np.arange(G), 25)
            treated = (np.arange(G) < G // 2)[g].astype(float)
            y = np.sqrt(0.1) * rng.normal(size=G)[g] + np.sqrt(0.9) * rng.normal(size=g.size)
            X = np.column_stack([np.ones(g.size), treated])
            wild.append(wild_cluster_bootstrap(X, y, g, restriction=1, ci=False).p_value < 0.05)
            cr2_rej.append(cr2(X, y, g, contrasts=1).p_value[0] < 0.05)
        assert 0.025 <= np.mean(wild) <= 0.075, (G, np.mean(wild))
        assert 0.025 <= np.mean(cr2_rej) <= 0.075, (G, np.mean(cr2_rej))


def test_sample_weights_match_statsmodels_wls_cluster() -> None:
    import statsmodels.api as sm

    X, y, g = _data(5, 15, effect=0.3)
    w = np.random.default_rng(2).uniform(0.5, 3.0, y.size)
    res = wild_cluster_bootstrap(X, y, g, restriction=2, sample_weights=w, draws=999, ci=False)
    fit = sm.WLS(y, X, weights=w).fit(cov_type="cluster", cov_kwds={"groups": g})
    assert res.estimate == pytest.approx(fit.params[2], rel=1e-10)
    assert res.std_error == pytest.approx(fit.bse[2], rel=1e-10)


def test_absorbing_fixed_effects_is_exact_only_when_nested_in_clusters() -> None:
    """Integration rule for impact(): unit effects nested in clusters may be partialled out
    (same bootstrap); district strata spanning clusters must stay as columns of X."""
    rng = np.random.default_rng(4)
    G, units, waves = 12, 3, 2
    cl = np.repeat(np.arange(G), units * waves)
    unit = np.repeat(np.arange(G * units), waves)
    x = rng.normal(size=cl.size)
    y = (
        0.2 * x
        + rng.normal(size=G)[cl]
        + rng.normal(size=G * units)[unit]
        + rng.normal(size=cl.size)
    )
    U = (unit[:, None] == np.arange(G * units)).astype(float)
    full = wild_cluster_bootstrap(
        np.column_stack([x, U]), y, cl, restriction=0, ci=False, return_draws=True
    )

    def demean(v, codes):
        return v - (np.bincount(codes, weights=v) / np.bincount(codes))[codes]

    within = wild_cluster_bootstrap(
        demean(x, unit)[:, None], demean(y, unit), cl, restriction=0, ci=False,
        return_draws=True, n_absorbed=G * units,
    )  # fmt: skip
    assert within.t_stat == pytest.approx(full.t_stat, rel=1e-9)
    np.testing.assert_allclose(within.t_draws, full.t_draws, rtol=1e-8)
    # strata of 4 clusters each: partialling them out changes the bootstrap distribution
    stratum = cl // 4
    S = (stratum[:, None] == np.arange(3)).astype(float)
    full = wild_cluster_bootstrap(
        np.column_stack([x, S]), y, cl, restriction=0, ci=False, return_draws=True
    )
    within = wild_cluster_bootstrap(
        demean(x, stratum)[:, None], demean(y, stratum), cl, restriction=0, ci=False,
        return_draws=True, n_absorbed=3,
    )  # fmt: skip
    assert within.t_stat == pytest.approx(full.t_stat, rel=1e-9)
    assert not np.allclose(within.t_draws, full.t_draws, rtol=1e-3)
