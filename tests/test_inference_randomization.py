"""Randomisation inference: statistics equal direct refits; re-randomisation mirrors the design."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.inference.randomization import (
    arm_contrasts,
    permute_within_strata,
    randomization_test,
)

ARMS = ["kontrol", "karitatif", "pendampingan"]
CONTRASTS = np.array([[0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, -1, 1, 0, 0]], dtype=float)


def _design(seed: int = 0, groups_per_stratum: int = 9):
    rng = np.random.default_rng(seed)
    G = 2 * groups_per_stratum
    group = np.repeat(np.arange(G), rng.integers(5, 12, G))
    g_arm = np.tile([0, 1, 2], G // 3)
    g_stratum = (np.arange(G) >= groups_per_stratum).astype(int)
    arm = np.array(ARMS)[g_arm[group]]
    district = np.where(g_stratum[group] == 1, "3373", "3322")
    x = rng.normal(size=group.size)
    y = (arm == "pendampingan") * 0.5 + 0.3 * x + rng.normal(size=G)[group]
    y = y + rng.normal(size=group.size)
    return y, arm, group, district, x, g_arm, g_stratum


def _refit_t(y, arm_codes, group, district, x):
    X = np.column_stack(
        [np.ones(y.size), arm_codes == 1, arm_codes == 2, district == "3373", x]
    ).astype(float)
    fit = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": group})
    est = CONTRASTS @ fit.params
    se = np.sqrt(np.einsum("mi,ij,mj->m", CONTRASTS, fit.cov_params(), CONTRASTS))
    return est, est / se


def test_observed_statistics_equal_statsmodels() -> None:
    y, arm, group, district, x, g_arm, _ = _design()
    res = randomization_test(
        y, arm=arm, group=group, strata=district, covariates=x, arms=ARMS, draws=99
    )
    est, t = _refit_t(y, g_arm[group], group, district, x)
    np.testing.assert_allclose(res.estimate, est, rtol=1e-10)
    np.testing.assert_allclose(res.t_stat, t, rtol=1e-10)
    assert res.labels == (
        "karitatif - kontrol",
        "pendampingan - kontrol",
        "pendampingan - karitatif",
    )


def test_every_rerandomisation_equals_a_direct_refit() -> None:
    y, arm, group, district, x, g_arm, g_stratum = _design(1)
    for statistic in ("t", "estimate"):
        res = randomization_test(
            y, arm=arm, group=group, strata=district, covariates=x, arms=ARMS,
            draws=300, seed=4, statistic=statistic, return_draws=True, chunk_size=7,
        )  # fmt: skip
        rows = permute_within_strata(g_arm, g_stratum, n_permutations=300, seed=4)
        for b in (0, 1, 150, 299):
            est, t = _refit_t(y, rows[b][group], group, district, x)
            np.testing.assert_allclose(res.draws[b], t if statistic == "t" else est, rtol=1e-9)
        observed = res.t_stat if statistic == "t" else res.estimate
        hits = (np.abs(res.draws) >= np.abs(observed) * (1 - 1e-9)).sum(axis=0)
        np.testing.assert_allclose(res.p_value, (hits + 1) / 301)


def test_rerandomisation_keeps_arm_counts_within_each_stratum() -> None:
    _, _, _, _, _, g_arm, g_stratum = _design()
    rows = permute_within_strata(g_arm, g_stratum, n_permutations=1000, seed=3)
    for s in (0, 1):
        want = np.bincount(g_arm[g_stratum == s], minlength=3)
        got = np.stack([np.bincount(r, minlength=3) for r in rows[:, g_stratum == s]])
        assert (got == want).all()
    # every group gets every arm sometimes, and rows differ from one another
    assert all(len(np.unique(rows[:, j])) == 3 for j in range(g_arm.size))
    assert len({tuple(r) for r in rows}) > 990
    assert np.array_equal(
        rows, permute_within_strata(g_arm, g_stratum, n_permutations=1000, seed=3)
    )
    tail = permute_within_strata(g_arm, g_stratum, n_permutations=10, seed=3, start=600)
    assert np.array_equal(tail, rows[600:610])


def test_exact_enumeration_matches_brute_force() -> None:
    """One stratum, 6 groups (3 treated): all 20 assignments; exact p by hand-rolled loop."""
    rng = np.random.default_rng(5)
    group = np.repeat(np.arange(6), 4)
    g_arm = np.array([1, 0, 1, 0, 1, 0])
    y = rng.normal(size=6)[group] + rng.normal(size=24) + 0.8 * g_arm[group]
    arm = np.where(g_arm[group] == 1, "t", "c")
    res = randomization_test(
        y, arm=arm, group=group, arms=["c", "t"], control="c", statistic="estimate"
    )
    assert res.enumerated and res.n_permutations == 20
    observed = y[g_arm[group] == 1].mean() - y[g_arm[group] == 0].mean()
    assert res.estimate[0] == pytest.approx(observed)
    diffs = []
    for treated in itertools.combinations(range(6), 3):
        d = np.isin(group, treated)
        diffs.append(y[d].mean() - y[~d].mean())
    exact = np.mean(np.abs(diffs) >= abs(observed) - 1e-12)
    assert res.p_value[0] == pytest.approx(exact)


def test_enumeration_count_with_strata() -> None:
    y, arm, group, district, _, _, _ = _design(2, groups_per_stratum=6)
    res = randomization_test(y, arm=arm, group=group, strata=district, arms=ARMS)
    assert res.enumerated and res.n_permutations == 90**2  # (6!/(2!2!2!))^2
    assert ((res.p_value > 0) & (res.p_value <= 1)).all()


def test_categorical_arm_order_and_contrasts() -> None:
    labels, L = arm_contrasts(ARMS, "kontrol")
    assert labels[2] == "pendampingan - karitatif"
    assert L.tolist() == [[1, 0], [0, 1], [-1, 1]]
    y, arm, group, district, _, _, _ = _design(3)
    cat = pd.Categorical(arm, categories=ARMS)
    res = randomization_test(y, arm=cat, group=group, strata=district, draws=50)
    assert res.labels[0] == "karitatif - kontrol"


def test_bad_inputs_raise() -> None:
    y, arm, group, district, _, _, _ = _design()
    bad_arm = arm.copy()
    bad_arm[0] = "pendampingan" if bad_arm[0] != "pendampingan" else "kontrol"
    with pytest.raises(
        ConfigError,
        match="arm varies within group 0: position 0 has .pendampingan., position 1 has .kontrol.",
    ):
        randomization_test(y, arm=bad_arm, group=group, arms=ARMS)
    bad_strata = district.copy()
    bad_strata[0] = "3373"
    with pytest.raises(
        ConfigError,
        match="stratum varies within group 0: position 0 has .3373., position 1 has .3322.",
    ):
        randomization_test(y, arm=arm, group=group, strata=bad_strata, arms=ARMS)
    with pytest.raises(ConfigError, match="control arm"):
        randomization_test(y, arm=arm, group=group, arms=ARMS, control="placebo")
    with pytest.raises(ConfigError, match="not in arms"):
        randomization_test(y, arm=arm, group=group, arms=ARMS[:2])
    y2 = y.copy()
    y2[0] = np.nan
    with pytest.raises(ConfigError, match="missing"):
        randomization_test(y2, arm=arm, group=group, arms=ARMS)
    with pytest.raises(ConfigError, match="statistic"):
        randomization_test(y, arm=arm, group=group, arms=ARMS, statistic="z")
