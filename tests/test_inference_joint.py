"""Joint tests with few clusters: wild bootstrap Wald and randomisation Wald.

References: the single-restriction wild bootstrap engine (itself checked against wildboottest),
statsmodels' cluster-robust Wald test, and a brute-force loop over every assignment.
"""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.inference import joint
from jbp_analysis.inference.joint import randomization_balance_test, wild_wald_test
from jbp_analysis.inference.wild import wild_cluster_bootstrap


def _data(G: int, seed: int):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(G), 12)
    n = g.size
    X = np.column_stack([np.ones(n), g % 2, rng.normal(size=n), rng.uniform(size=n) < 0.5])
    y = 0.2 * X[:, 1] + rng.normal(size=G)[g] + rng.normal(size=n)
    return X.astype(float), y, g


@pytest.mark.parametrize(("G", "draws"), [(8, 999), (20, 499)])
def test_one_restriction_is_the_wild_bootstrap_t(G: int, draws: int) -> None:
    X, y, g = _data(G, seed=G)
    R = np.array([[0.0, 1.0, 0.0, 0.0]])
    joint_ = wild_wald_test(X, y, g, R=R, draws=draws, seed=3)
    single = wild_cluster_bootstrap(X, y, g, restriction=1, draws=draws, seed=3, ci=False)
    assert joint_.p_value == pytest.approx(single.p_value, abs=1e-12)
    assert joint_.statistic == pytest.approx(single.t_stat**2, rel=1e-9)
    assert joint_.enumerated == (G <= 12)


def test_observed_statistic_is_statsmodels_cluster_wald() -> None:
    X, y, g = _data(14, seed=1)
    R = np.eye(4)[1:]
    res = wild_wald_test(X, y, g, R=R, draws=199)
    ref = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g})
    f = ref.f_test(R)
    assert res.statistic == pytest.approx(float(np.squeeze(f.fvalue)), rel=1e-9)
    assert res.df_num == 3 and np.isnan(res.df_denom) and res.rank == 3


def test_same_seed_same_p_and_nulls_are_not_rejected_too_often() -> None:
    X, y, g = _data(16, seed=2)
    R = np.eye(4)[[1, 3]]
    a = wild_wald_test(X, y, g, R=R, draws=299, seed=5)
    b = wild_wald_test(X, y, g, R=R, draws=299, seed=5)
    assert (a.statistic, a.p_value, a.draws) == (b.statistic, b.p_value, b.draws)
    rng = np.random.default_rng(0)
    rejections = 0
    for _ in range(60):
        X, y, g = _data(10, seed=int(rng.integers(1 << 30)))
        y = y - 0.2 * X[:, 1]  # the null holds for both restrictions
        rejections += wild_wald_test(X, y, g, R=R).p_value < 0.05
    assert rejections <= 9  # 5% of 60 = 3; a badly oversized test rejects far more often


def test_bad_inputs() -> None:
    X, y, g = _data(6, seed=1)
    with pytest.raises(ConfigError, match="columns"):
        wild_wald_test(X, y, g, R=np.eye(3))
    with pytest.raises(ConfigError, match="draws"):
        wild_wald_test(X, y, g, R=np.eye(4)[1:], draws=0)
    with pytest.raises(ConfigError, match="varies within a group"):
        randomization_balance_test(X[:, 2:], np.arange(X.shape[0]) % 2, group=g)


def _balance_wald(X: np.ndarray, d: np.ndarray, g: np.ndarray, s: np.ndarray) -> float:
    """CR1 Wald F of the regression of d on X with strata dummies (statsmodels)."""
    S = pd.get_dummies(s).to_numpy(float)
    Z = np.column_stack([X, S])
    fit = sm.OLS(d, Z).fit(cov_type="cluster", cov_kwds={"groups": g})
    R = np.eye(Z.shape[1])[: X.shape[1]]
    return float(np.squeeze(fit.f_test(R).fvalue))


def test_randomisation_balance_test_is_brute_force_over_assignments() -> None:
    rng = np.random.default_rng(4)
    G = 8
    g = np.repeat(np.arange(G), rng.integers(3, 7, G))
    s = (g >= 4).astype(int)  # two strata of four groups, two treated in each
    g_arm = np.array([0, 1, 0, 1, 1, 0, 0, 1])
    d = g_arm[g].astype(float)
    X = np.column_stack([rng.normal(size=g.size), rng.uniform(size=g.size) < 0.4])
    X = X.astype(float)
    res = randomization_balance_test(X, d, group=g, strata=s)
    observed = _balance_wald(X, d, g, s)
    assert res.statistic == pytest.approx(observed, rel=1e-8)
    draws = []
    for a in itertools.combinations(range(4), 2):
        for b in itertools.combinations(range(4, 8), 2):
            arm = np.zeros(G)
            arm[list(a + b)] = 1.0
            draws.append(_balance_wald(X, arm[g], g, s))
    expected = np.mean(np.asarray(draws) >= observed * (1 - 1e-9))
    assert res.enumerated and res.draws == 36
    assert res.p_value == pytest.approx(expected, abs=1e-12)


def test_docstring_examples() -> None:
    result = doctest.testmod(joint)
    assert result.failed == 0 and result.attempted >= 2


def test_replication_counts_are_draws_and_old_names_still_work() -> None:
    from jbp_analysis.inference import randomization_test

    X, y, g = _data(8, seed=3)
    new = wild_cluster_bootstrap(X, y, g, restriction=1, draws=99, seed=1, enumerate=False)
    with pytest.warns(DeprecationWarning, match="draws="):
        old = wild_cluster_bootstrap(X, y, g, restriction=1, B=99, seed=1, enumerate=False)
    assert (new.p_value, new.B) == (old.p_value, old.B) == (new.p_value, 99)
    arm = np.where(g % 2 == 0, "c", "t")
    a = randomization_test(y, arm=arm, group=g, draws=30, seed=2, enumerate=False)
    with pytest.warns(DeprecationWarning, match="draws="):
        b = randomization_test(y, arm=arm, group=g, n_permutations=30, seed=2, enumerate=False)
    assert np.array_equal(a.p_value, b.p_value) and a.n_permutations == 30
    # the randomisation engine's joint Wald p-value exists and is a valid p-value
    assert 0.0 < a.joint_p_value <= 1.0 and a.joint_statistic > 0


def test_randomisation_balance_test_does_not_depend_on_the_variables_units() -> None:
    """Income in rupiah beside shares: the statistic, rank and p-value are those of the same
    variables in comparable units (an unscaled covariance once dropped the rupiah variable)."""
    rng = np.random.default_rng(6)
    G = 12
    g = np.repeat(np.arange(G), rng.integers(5, 12, G))
    s = (g >= 6).astype(int)
    d = np.array([0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0])[g].astype(float)
    X = np.column_stack(
        [rng.normal(size=g.size), rng.random(g.size) < 0.4, rng.lognormal(14.5, 0.4, g.size)]
    ).astype(float)
    in_millions = X / np.array([1.0, 1.0, 1e6])
    res = randomization_balance_test(X, d, group=g, strata=s, draws=99, seed=2)
    ref = randomization_balance_test(in_millions, d, group=g, strata=s, draws=99, seed=2)
    assert res.rank == ref.rank == 3
    assert res.statistic == pytest.approx(_balance_wald(X, d, g, s), rel=1e-8)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert res.p_value == ref.p_value


def test_weighted_balance_statistic_is_statsmodels_wls_cluster_wald() -> None:
    rng = np.random.default_rng(8)
    G = 10
    g = np.repeat(np.arange(G), rng.integers(4, 9, G))
    s = (g % 2).astype(int)
    d = (np.arange(G) // 2 % 2)[g].astype(float)
    X = np.column_stack([rng.normal(size=g.size), rng.poisson(3, g.size)]).astype(float)
    w = rng.uniform(0.5, 2.0, g.size)
    res = randomization_balance_test(X, d, group=g, strata=s, weights=w, draws=49, seed=1)
    Z = np.column_stack([X, pd.get_dummies(s).to_numpy(float)])
    fit = sm.WLS(d, Z, weights=w).fit(cov_type="cluster", cov_kwds={"groups": g})
    expected = float(np.squeeze(fit.f_test(np.eye(Z.shape[1])[:2]).fvalue))
    assert res.statistic == pytest.approx(expected, rel=1e-8)


def test_sequential_sampler_draws_one_stream_stratum_by_stratum() -> None:
    """``sampler="sequential"``: groups in the order the rows show them, one generator that
    shuffles each stratum's groups for all draws; p = (1 + #{W* >= W}) / (draws + 1)."""
    rng = np.random.default_rng(9)
    G = 10
    labels = rng.permutation(G)  # group labels in no order
    g = np.repeat(labels, 6)
    s = np.repeat(np.arange(G) % 2, 6)
    arms = np.repeat(np.array([0, 1, 1, 0, 0, 1, 1, 0, 0, 1]), 6).astype(float)
    X = rng.normal(size=(g.size, 2))
    res = randomization_balance_test(
        X, arms, group=g, strata=s, draws=30, seed=4, enumerate=False, sampler="sequential"
    )
    g_arm = arms[::6].astype(int)
    g_st = s[::6]
    gen = np.random.default_rng(4)
    rows = np.repeat(g_arm[None, :], 30, axis=0)
    for st in (0, 1):
        idx = np.flatnonzero(g_st == st)
        rows[:, idx] = g_arm[idx][np.argsort(gen.random((30, idx.size)), axis=1)]
    stats = []
    for r in rows:  # each draw's Wald statistic, the slow direct way
        arm_of = dict(zip(labels, r, strict=True))
        stats.append(_balance_wald(X, np.array([arm_of[x] for x in g], dtype=float), g, s))
    hits = int(np.sum(np.asarray(stats) >= res.statistic * (1 - 1e-9)))
    assert not res.enumerated and res.draws == 30
    assert res.p_value == (1 + hits) / 31
    with pytest.raises(ConfigError, match="sampler"):
        randomization_balance_test(X, arms, group=g, sampler="shuffled")
