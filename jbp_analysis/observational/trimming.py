"""Trimming to the region of overlap (Crump, Hotz, Imbens & Mitnik 2009).

Crump et al. keep the units whose propensity score lies in :math:`[\\alpha, 1 - \\alpha]`, with
:math:`\\alpha` the solution of

.. math:: \\frac{1}{\\alpha (1-\\alpha)} = 2\\, E\\Big[\\frac{1}{e(X)(1-e(X))} \\,\\Big|\\,
          \\frac{1}{e(X)(1-e(X))} \\le \\frac{1}{\\alpha (1-\\alpha)}\\Big]

(and :math:`\\alpha = 0` when :math:`\\sup 1/(e(1-e)) \\le 2 E[1/(e(1-e))]`). This rule
minimises the variance of the efficient estimator of the average effect over the kept sample;
their rule of thumb is :math:`\\alpha = 0.1`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["crump_alpha", "trim_mask"]


def crump_alpha(ps: np.ndarray) -> float:
    """The optimal trimming threshold :math:`\\alpha` of Crump et al. (2009).

    Examples
    --------
    >>> crump_alpha(np.array([0.3, 0.4, 0.5, 0.6]))
    0.0
    >>> round(crump_alpha(np.r_[np.full(50, 0.5), 0.001, 0.999]), 4)
    0.1464
    """
    g = np.sort(1.0 / (ps * (1.0 - ps)))
    if g[-1] <= 2.0 * g.mean():
        return 0.0
    cmean = np.cumsum(g) / np.arange(1, len(g) + 1)
    gamma_k = 2.0 * cmean
    # gamma lies in [g_k, g_{k+1}) for the first k where this holds.
    upper = np.r_[g[1:], np.inf]
    ok = (g <= gamma_k) & (gamma_k < upper)
    gamma = float(gamma_k[np.argmax(ok)]) if ok.any() else float(gamma_k[-1])
    return float(0.5 - np.sqrt(max(0.25 - 1.0 / gamma, 0.0)))


def trim_mask(ps: np.ndarray, trim: float | str | None) -> tuple[np.ndarray, float]:
    """Rows kept by the rule ``trim`` and the threshold used.

    ``trim`` is ``None`` (keep all), a number :math:`\\alpha` in ``[0, 0.5)`` (keep
    :math:`\\alpha \\le e \\le 1 - \\alpha`) or ``"crump"`` (the optimal :math:`\\alpha`).

    Examples
    --------
    >>> keep, a = trim_mask(np.array([0.05, 0.5, 0.95]), 0.1)
    >>> keep.tolist(), a
    ([False, True, False], 0.1)
    """
    if trim is None:
        return np.ones(len(ps), dtype=bool), 0.0
    alpha = crump_alpha(ps) if trim == "crump" else float(trim)
    return (ps >= alpha) & (ps <= 1 - alpha), alpha
