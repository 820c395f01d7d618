"""Anderson sharpened q-values and Romano-Wolf step-down p-values."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.inference.multiple import romano_wolf, sharpened_qvalues
from jbp_analysis.inference.wild import wild_cluster_bootstrap


def _anderson_stata_loop(p: np.ndarray) -> np.ndarray:
    """Line-by-line transcription of Anderson's fdr_sharpened_qvalues.do (the reference)."""
    p = np.asarray(p, dtype=float)
    total = p.size
    order = np.argsort(p, kind="stable")
    sorted_p = p[order]
    rank = np.arange(1, total + 1)
    qvals = np.ones(total)
    qval = 1.0
    while qval > 1e-9:
        qval_adj = qval / (1 + qval)
        reject1 = [r for r in rank if qval_adj * r / total >= sorted_p[r - 1]]
        total_rejected1 = max(reject1, default=0)
        if total_rejected1 < total:
            qval_2st = qval_adj * (total / (total - total_rejected1))
        else:  # Stata: division by zero gives missing, and missing >= p is true
            qval_2st = np.inf
        reject2 = [r for r in rank if qval_2st * r / total >= sorted_p[r - 1]]
        total_rejected2 = max(reject2, default=0)
        qvals[rank <= total_rejected2] = round(qval, 3)
        qval -= 0.001
    out = np.empty(total)
    out[order] = qvals
    return out


def test_anderson_worked_example_by_hand() -> None:
    """p = (.001, .01, .02, .04, .3), M = 5; q' = q/(1+q); p_(r) rejected at stage 2 when some
    rank s >= r has p_(s) <= q2 s / 5 with q2 = q' 5 / (5 - R1), R1 the stage-1 rejections.

    - .001: needs q' >= .005 (then R1 = 1, q2 = 1.25 q')    -> q >= .005/.995 = .00503 -> .006
    - .01 : with R1 = 1, needs q2 2/5 >= .01, q' >= .02       -> q >= .02/.98  = .02041 -> .021
    - .02 : with R1 = 2 (q' >= .025), q2 = 5q'/3 >= .0333 ok  -> q >= .025/.975 = .02564 -> .026
    - .04 : with R1 = 2, needs q2 4/5 >= .04, q' >= .03       -> q >= .03/.97  = .03093 -> .031
    - .3  : with R1 = 4 (q' >= .05), q2 = 5q' >= .3, q' >= .06 -> q >= .06/.94  = .06383 -> .064
    """
    q = sharpened_qvalues([0.3, 0.001, 0.04, 0.01, 0.02])
    assert q.tolist() == [0.064, 0.006, 0.031, 0.021, 0.026]


def test_matches_transcription_of_anderson_code_on_random_families() -> None:
    rng = np.random.default_rng(0)
    for _ in range(40):
        m = int(rng.integers(1, 12))
        p = rng.uniform(0, 1, m) ** rng.uniform(1, 6)
        np.testing.assert_allclose(sharpened_qvalues(p), _anderson_stata_loop(p), atol=1e-12)
    everything = np.array([1e-5, 2e-5, 3e-5])  # every hypothesis rejected at stage 1
    np.testing.assert_allclose(sharpened_qvalues(everything), _anderson_stata_loop(everything))


def test_qvalue_properties_and_missing() -> None:
    q = sharpened_qvalues([0.5, np.nan, 0.01, 0.9])
    assert np.isnan(q[1])
    p = np.array([0.5, 0.01, 0.9])
    assert (q[[0, 2, 3]] >= np.minimum(p, 1) * 0.0).all() and (q[[0, 2, 3]] <= 1).all()
    # q-values are monotone in p
    p = np.sort(np.random.default_rng(3).uniform(0, 0.2, 10))
    assert (np.diff(sharpened_qvalues(p)) >= 0).all()
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        sharpened_qvalues([0.2, 1.5])


def test_romano_wolf_hand_example_and_pyfixest_internal() -> None:
    from pyfixest.estimation.post_estimation.multcomp import _get_rwolf_pval

    t = np.array([3.0, 0.8])
    boot = np.array([[0.5, 0.2], [2.5, 1.5], [-3.5, 0.1], [0.3, -0.9]])
    assert romano_wolf(t, boot).tolist() == [0.4, 0.6]
    rng = np.random.default_rng(1)
    for _ in range(50):
        S, B = int(rng.integers(1, 7)), int(rng.integers(5, 200))
        t, boot = rng.normal(size=S) * 2, rng.normal(size=(B, S))
        assert np.array_equal(romano_wolf(t, boot), _get_rwolf_pval(t.copy(), boot.copy()))
    with pytest.raises(ConfigError, match="B x 2"):
        romano_wolf([1.0, 2.0], np.zeros((5, 3)))


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_romano_wolf_agrees_with_pyfixest_rwolf() -> None:
    """Three correlated outcomes, 20 clusters; our wild draws (shared seed -> shared weights
    across outcomes) vs pf.rwolf, within Monte Carlo error."""
    import pyfixest as pf

    rng = np.random.default_rng(12)
    G, per = 20, 15
    g = np.repeat(np.arange(G), per)
    d = (g % 2).astype(float)
    x1 = rng.normal(size=g.size)
    common = 0.6 * rng.normal(size=G)[g]
    df = pd.DataFrame({"g": g, "d": d, "x1": x1})
    for s, effect in enumerate([1.0, 0.6, 0.0]):
        df[f"y{s}"] = effect * d + common + 0.5 * rng.normal(size=G)[g] + rng.normal(size=g.size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = [pf.feols(f"y{s} ~ d + x1", data=df, vcov={"CRV1": "g"}) for s in range(3)]
        peer = pf.rwolf(fits, "d", reps=1999, seed=5).loc["RW Pr(>|t|)"].to_numpy(dtype=float)
    X = np.column_stack([np.ones(g.size), d, x1])
    runs = [
        wild_cluster_bootstrap(X, df[f"y{s}"].to_numpy(), g, restriction=1, draws=9999, seed=8,
                               ci=False, return_draws=True)
        for s in range(3)
    ]  # fmt: skip
    mine = romano_wolf([r.t_stat for r in runs], np.column_stack([r.t_draws for r in runs]))
    assert mine.min() < 0.2 and mine.max() > 0.3  # an informative example
    mc_se = np.sqrt(mine * (1 - mine) * (1 / 1999 + 1 / 9999)) + 1e-3
    assert (np.abs(mine - peer) < 4 * mc_se).all(), (mine, peer)
