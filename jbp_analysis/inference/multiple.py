"""Multiple-testing adjustments within an outcome family.

- :func:`sharpened_qvalues`: Anderson (2008) "sharpened" false-discovery-rate q-values, the
  two-stage adaptive step-up procedure of Benjamini, Krieger & Yekutieli (2006), computed exactly
  as Anderson's published Stata code ``fdr_sharpened_qvalues.do`` does: for q = 1.000, 0.999, ...,
  0.001, run the step-up at ``q' = q / (1 + q)``, estimate the number of true nulls
  ``m0 = m - R1`` from the ``R1`` first-stage rejections, run the step-up again at
  ``q' m / m0``, and give each hypothesis the smallest q at which it is rejected (1 if never).
- :func:`romano_wolf`: Romano & Wolf (2005a, *Econometrica* 73(4); 2005b, *JASA* 100(469);
  2016, *Statistics & Probability Letters* 113) step-down p-values controlling the family-wise
  error rate, from a bootstrap (or randomisation) distribution of the t-statistics drawn jointly
  across hypotheses, as Clarke, Romano & Wolf (2020, *Stata Journal* 20(4), ``rwolf``) and
  pyfixest's ``rwolf`` compute them.
"""

from __future__ import annotations

import numpy as np

from jbp_analysis.core.errors import ConfigError

__all__ = ["sharpened_qvalues", "romano_wolf"]


def sharpened_qvalues(p_values: np.ndarray | list[float], *, step: float = 0.001) -> np.ndarray:
    """Anderson (2008) sharpened q-values (Benjamini, Krieger & Yekutieli 2006).

    A transcription of Anderson's Stata code, vectorised over the grid of q levels. Missing
    p-values (NaN) are ignored and get NaN q-values; ``M`` is the number of non-missing ones.
    Ties are ranked in input order (Stata's ``sort`` leaves them in an arbitrary order, which
    does not change the result because tied p-values pass or fail the step-up together).

    Parameters
    ----------
    p_values
        Unadjusted p-values of one family of hypotheses.
    step
        Grid step of the q levels (Anderson: 0.001).

    Returns
    -------
    numpy.ndarray
        q-values, in the input order, on the grid ``step, 2 step, ..., 1``.

    Examples
    --------
    >>> sharpened_qvalues([0.001, 0.01, 0.02, 0.04, 0.3]).tolist()
    [0.006, 0.021, 0.026, 0.031, 0.064]
    """
    p = np.asarray(p_values, dtype=np.float64).reshape(-1)
    if not 0 < step < 1:
        raise ConfigError(f"step must be in (0, 1), got {step}")
    ok = ~np.isnan(p)
    if ((p[ok] < 0) | (p[ok] > 1)).any():
        raise ConfigError("p-values must lie in [0, 1]")
    out = np.full(p.shape, np.nan)
    m = int(ok.sum())
    if m == 0:
        return out
    pv = p[ok]
    order = np.argsort(pv, kind="stable")
    sorted_p = pv[order]
    rank = np.arange(1, m + 1, dtype=np.float64)
    n_steps = int(round(1.0 / step))
    q = np.round(1.0 - step * np.arange(n_steps), 12)  # 1.000, 0.999, ..., step
    q_adj = q / (1.0 + q)
    # first stage: largest rank r with p_(r) <= q' r / M
    pass1 = (q_adj[:, None] * rank[None, :] / m) >= sorted_p[None, :]
    r1 = np.where(pass1.any(axis=1), m - np.argmax(pass1[:, ::-1], axis=1), 0)
    # second stage at q' M / m0 (Stata: missing, i.e. +infinity, when every hypothesis is rejected)
    with np.errstate(divide="ignore"):
        q2 = np.where(r1 < m, q_adj * m / np.maximum(m - r1, 1), np.inf)
    pass2 = (q2[:, None] * rank[None, :] / m) >= sorted_p[None, :]
    r2 = np.where(pass2.any(axis=1), m - np.argmax(pass2[:, ::-1], axis=1), 0)
    # each q level rejects ranks 1..r2; the loop runs downwards so the smallest such q wins
    rejected = rank[None, :] <= r2[:, None]  # (levels x M), levels in decreasing q
    last = np.where(rejected.any(axis=0), n_steps - 1 - np.argmax(rejected[::-1], axis=0), -1)
    qv = np.where(last >= 0, q[np.clip(last, 0, None)], 1.0)
    res = np.empty(m)
    res[order] = np.round(qv, 3 if step == 0.001 else 12)
    out[ok] = res
    return out


def romano_wolf(t_stats: np.ndarray | list[float], boot_t: np.ndarray) -> np.ndarray:
    """Romano-Wolf step-down adjusted p-values from joint bootstrap t-statistics.

    Romano & Wolf (2005, 2016) with the two-sided statistic ``|t|``: order the hypotheses by
    ``|t_s|`` (largest first); at step ``j`` the p-value is the share of draws whose maximum of
    ``|t*|`` over the hypotheses not yet stepped past is at least ``|t_(j)|``, counted as
    ``(1 + #) / (1 + B)`` (Clarke, Romano & Wolf 2020; pyfixest ``rwolf``); monotonicity is then
    enforced by a running maximum.

    Parameters
    ----------
    t_stats
        Observed t-statistics, one per hypothesis (``S``).
    boot_t
        ``B x S`` t-statistics drawn jointly (the same draws for every hypothesis) from a
        distribution that satisfies the null: the restricted wild bootstrap's ``t_draws``
        (:func:`~jbp_analysis.inference.wild.wild_cluster_bootstrap` with the same seed and
        clusters), randomisation draws, or unrestricted bootstrap draws centred on the estimate,
        ``(b*_b - b) / se*_b`` (Romano & Wolf 2016, algorithm 4.1).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values (length ``S``), in the input order.

    Examples
    --------
    >>> t = np.array([3.0, 0.8])
    >>> boot = np.array([[0.5, 0.2], [2.5, 1.5], [-3.5, 0.1], [0.3, -0.9]])
    >>> # step 1: max|t*| = .5, 2.5, 3.5, .9 reaches 3.0 once -> (1 + 1) / (4 + 1)
    >>> # step 2: |t2*| = .2, 1.5, .1, .9 reaches 0.8 twice -> (1 + 2) / (4 + 1)
    >>> romano_wolf(t, boot).tolist()
    [0.4, 0.6]
    """
    t = np.abs(np.asarray(t_stats, dtype=np.float64).reshape(-1))
    bt = np.asarray(boot_t, dtype=np.float64)
    if bt.ndim != 2 or bt.shape[1] != t.shape[0]:
        raise ConfigError(f"boot_t must be B x {t.shape[0]}, got shape {bt.shape}")
    if not (np.isfinite(t).all() and np.isfinite(bt).all()):
        raise ConfigError("t-statistics must be finite")
    abs_bt = np.abs(bt)
    B = abs_bt.shape[0]
    order = np.argsort(-t, kind="stable")
    # running max over the hypotheses from the smallest |t| up: max over {order[j:]}
    tail_max = np.maximum.accumulate(abs_bt[:, order[::-1]], axis=1)[:, ::-1]
    counts = (tail_max >= t[order][None, :]).sum(axis=0)
    p_step = np.minimum(1.0, (counts + 1.0) / (B + 1.0))
    p_adj = np.maximum.accumulate(p_step)
    out = np.empty_like(p_adj)
    out[order] = p_adj
    return out
