"""CR2 and its degrees of freedom against a transparent N x N implementation and published numbers."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.inference.cr2 import cr2, cr2_vcov


def _slow_cr2(X, y, g, c, *, ik: bool):
    """The textbook formulas with explicit N x N matrices and a loop over clusters.

    Bell & McCaffrey (2002): A_g = (I - H_gg)^(-1/2) (Moore-Penrose), V = B sum X_g'A_g u u'A_g X_g B.
    df = tr(G'WG)^2 / tr((G'WG)^2), G_g = (I - H)_(., g) A_g X_g B c; W = I (Bell-McCaffrey) or
    the Moulton random-effects covariance fitted to the residuals (Imbens & Kolesar 2016).
    """
    n, k = X.shape
    B = np.linalg.inv(X.T @ X)
    u = y - X @ (B @ X.T @ y)
    H = X @ B @ X.T
    M = np.eye(n) - H
    levels = np.unique(g)
    meat = np.zeros((k, k))
    columns = []
    for lv in levels:
        idx = np.flatnonzero(g == lv)
        ev, vec = np.linalg.eigh(np.eye(idx.size) - H[np.ix_(idx, idx)])
        inv_sqrt = np.where(ev > 1e-9, 1 / np.sqrt(np.clip(ev, 1e-300, None)), 0.0)
        A = vec @ np.diag(inv_sqrt) @ vec.T
        score = X[idx].T @ A @ u[idx]
        meat += np.outer(score, score)
        columns.append(M[:, idx] @ A @ X[idx] @ B @ c)
    Gm = np.column_stack(columns)
    if ik:
        ssr = u @ u
        sizes = np.array([np.sum(g == lv) for lv in levels])
        rho = (sum(u[g == lv].sum() ** 2 for lv in levels) - ssr) / (np.sum(sizes**2) - n)
        sigma2 = max(ssr / n - rho, 0.0)
        E = (g[:, None] == levels[None, :]).astype(float)
        Omega = sigma2 * np.eye(n) + rho * E @ E.T
    else:
        Omega = np.eye(n)
    GG = Gm.T @ Omega @ Gm
    return B @ meat @ B, np.trace(GG) ** 2 / np.sum(GG * GG)


def _unbalanced(seed: int, G: int):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(G), rng.integers(1, 9, G))
    n = g.size
    X = np.column_stack(
        [np.ones(n), rng.normal(size=n), (g % 3 == 0).astype(float), rng.normal(size=n)]
    )
    y = rng.normal(size=G)[g] + rng.normal(size=n)
    return X, y, g


@pytest.mark.parametrize(("seed", "G"), [(3, 7), (4, 9), (5, 12)])
def test_matches_transparent_implementation(seed: int, G: int) -> None:
    X, y, g = _unbalanced(seed, G)
    contrasts = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [0, 1, -1, 0.5]], dtype=float)
    res_bm = cr2(X, y, g, contrasts=contrasts)
    res_ik = cr2(X, y, g, contrasts=contrasts, df="ik")
    for i, c in enumerate(contrasts):
        V, df_bm = _slow_cr2(X, y, g, c, ik=False)
        _, df_ik = _slow_cr2(X, y, g, c, ik=True)
        np.testing.assert_allclose(res_bm.vcov, V, rtol=1e-10, atol=1e-14)
        assert res_bm.df[i] == pytest.approx(df_bm, rel=1e-9)
        assert res_ik.df[i] == pytest.approx(df_ik, rel=1e-9)
        assert res_bm.df_ik[i] == pytest.approx(df_ik, rel=1e-9)


def test_singleton_clusters_give_hc2_of_statsmodels_and_stata() -> None:
    rng = np.random.default_rng(0)
    n = 60
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    y = X @ [1.0, 0.5, -0.2] + rng.normal(size=n) * (1 + np.abs(X[:, 1]))
    hc2 = sm.OLS(y, X).fit(cov_type="HC2").cov_params()
    np.testing.assert_allclose(cr2_vcov(X, y, np.arange(n)), hc2, rtol=1e-10, atol=1e-12)
    # Stata `reg y x, vce(hc2)` on the data of Kolesar's dfadjust tests (published values)
    y = np.r_[np.cos(np.arange(0, 10)), np.tan(np.arange(1, 11))]
    x = np.r_[np.sin(np.arange(1, 11)), np.sin(np.arange(2, 12))]
    res = cr2(np.column_stack([np.ones(20), x]), y, np.arange(20))
    np.testing.assert_allclose(res.std_error, [0.4227339762, 0.4421048122], atol=1e-9)


def test_intercept_only_matches_clubsandwich_closed_forms() -> None:
    """clubSandwich's tests: V_CR2 = sum n_j^2 (ybar_j - ybar)^2 / (1 - n_j/N) / N^2 and
    df = N^2 / (N^2 sum n_j^2/(N-n_j)^2 - 2N sum n_j^3/(N-n_j)^2 + (sum n_j^2/(N-n_j))^2)."""
    rng = np.random.default_rng(20190513)
    nj = 1 + rng.negative_binomial(2, 2 / 7, 14)
    g = np.repeat(np.arange(14), nj)
    N = nj.sum()
    y = rng.normal(size=14)[g] * np.sqrt(0.2) + rng.normal(size=N) * np.sqrt(0.8)
    ybar = np.array([y[g == j].mean() for j in range(14)])
    res = cr2(np.ones((N, 1)), y, g)
    V = np.sum(nj**2 * (ybar - y.mean()) ** 2 / (1 - nj / N)) / N**2
    df = N**2 / (
        N**2 * np.sum(nj**2 / (N - nj) ** 2)
        - 2 * N * np.sum(nj**3 / (N - nj) ** 2)
        + np.sum(nj**2 / (N - nj)) ** 2
    )
    assert res.vcov[0, 0] == pytest.approx(V, rel=1e-12)
    assert res.df_bm[0] == pytest.approx(df, rel=1e-12)


def test_balanced_cluster_treatment_is_welch_on_cluster_means() -> None:
    """Equal cluster sizes, cluster-level treatment: CR2 is the unpooled (Welch) variance of the
    difference in cluster means and the BM df is Welch's formula with equal variances."""
    rng = np.random.default_rng(2)
    garm = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    g = np.repeat(np.arange(8), 10)
    y = rng.normal(size=8)[g] + rng.normal(size=80)
    res = cr2(np.column_stack([np.ones(80), garm[g]]), y, g, contrasts=1)
    means = np.array([y[g == j].mean() for j in range(8)])
    welch = np.sqrt(means[garm == 1].var(ddof=1) / 3 + means[garm == 0].var(ddof=1) / 5)
    assert res.std_error[0] == pytest.approx(welch, rel=1e-12)
    # by hand: (1/3 + 1/5)^2 / ((1/3)^2/2 + (1/5)^2/4) = 0.284444 / 0.065556 = 4.338983
    assert res.df_bm[0] == pytest.approx(4.338983, abs=1e-6)
    assert res.p_value[0] == pytest.approx(
        2 * stats.t.sf(abs(res.t_stat[0]), res.df_bm[0]), rel=1e-12
    )


def test_cluster_fixed_effects_use_the_pseudo_inverse() -> None:
    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(6), 4)
    X = np.column_stack([(g[:, None] == np.arange(6)).astype(float), rng.normal(size=24)])
    y = rng.normal(size=24)
    c = np.r_[np.zeros(6), 1.0]
    V, df_bm = _slow_cr2(X, y, g, c, ik=False)
    _, df_ik = _slow_cr2(X, y, g, c, ik=True)
    res = cr2(X, y, g, contrasts=c)
    np.testing.assert_allclose(res.vcov, V, rtol=1e-9, atol=1e-14)
    assert res.df_bm[0] == pytest.approx(df_bm, rel=1e-9)
    assert res.df_ik[0] == pytest.approx(df_ik, rel=1e-9)


def test_tidy_and_confidence_interval() -> None:
    X, y, g = _unbalanced(1, 10)
    res = cr2(X, y, g, contrasts=[[0, 1, 0, 0]], labels=["x1"], level=0.9)
    tidy = res.tidy()
    assert list(tidy["contrast"]) == ["x1"]
    crit = stats.t.ppf(0.95, res.df[0])
    assert tidy["ci_high"][0] - tidy["estimate"][0] == pytest.approx(crit * res.std_error[0])
    assert "CR2" in tidy["inference"][0]


def test_weights_equal_transformed_ols() -> None:
    X, y, g = _unbalanced(7, 9)
    w = np.random.default_rng(1).uniform(0.5, 2.0, y.size)
    a = cr2(X, y, g, weights=w)
    b = cr2(X * np.sqrt(w)[:, None], y * np.sqrt(w), g)
    wls = sm.WLS(y, X, weights=w).fit()
    np.testing.assert_allclose(a.coef, wls.params, rtol=1e-10)
    np.testing.assert_allclose(a.vcov, b.vcov, rtol=1e-12)


def test_bad_inputs_raise() -> None:
    X, y, g = _unbalanced(0, 8)
    with pytest.raises(ConfigError, match="length 2"):
        cr2(X, y, g, contrasts=[1.0, 0.0])
    with pytest.raises(ConfigError, match="'bm' or 'ik'"):
        cr2(X, y, g, df="kr")
    with pytest.raises(ConfigError, match="labels"):
        cr2(X, y, g, contrasts=1, labels=["a", "b"])
    with pytest.raises(ConfigError, match="at least 2 clusters"):
        cr2(X, y, np.ones(y.size))
    with pytest.raises(ConfigError, match="weights"):
        cr2(X, y, g, weights=-np.ones(y.size))
