"""Standard errors from an influence function: analytic (optionally clustered) or by the
multiplier bootstrap.

For an asymptotically linear estimator :math:`\\hat\\tau - \\tau = n^{-1} \\sum_i \\psi_i + o_p(n^{-1/2})`
the variance is estimated by :math:`n^{-2} \\sum_i \\psi_i^2` scaled by ``n / (n - 1)`` (the
convention of R's DRDID, ``sd(psi) / sqrt(n)``), or, with clusters, by
:math:`\\frac{G}{G-1} n^{-2} \\sum_g (\\sum_{i \\in g} \\psi_i)^2` (Liang & Zeger 1986). The
multiplier bootstrap perturbs the influence function with Rademacher weights drawn per cluster
(Kline & Santos 2012; Sant'Anna & Zhao 2020, sec. 4; Callaway & Sant'Anna 2021).

**Few clusters.** Both variances are consistent as the number of clusters G grows; with few
clusters the normal reference makes intervals too narrow. Below the suite's few-cluster threshold
(:func:`jbp_analysis.estimate.covariance.resolve_inference`, ``inference="auto"``: 50 clusters
unless the plan's ``models.few_cluster_threshold`` says otherwise) intervals and p-values use
Student's t with G - 1 degrees of freedom on the CR1-scaled variance above (Cameron & Miller
2015, *J. Human Resources* 50(2), section VI.C; Bester, Conley & Hansen 2011, *J. Econometrics*
165(2)), and the multiplier bootstrap draws Webb's six-point weights, since Rademacher weights
have only 2**G distinct draws (Webb 2014). With few *treated* clusters no cluster-robust method
is reliable (MacKinnon & Webb 2017); :func:`few_cluster_note` says so.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import stats

#: Webb's (2014) six-point distribution: mean 0, variance 1.
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])

__all__ = [
    "influence_se",
    "multiplier_bootstrap",
    "bootstrap_se",
    "interval",
    "few_cluster_df",
    "few_cluster_note",
    "MIN_TREATED_CLUSTERS",
]

#: Below this many treated (or comparison) clusters the few-cluster intervals get a note: in the
#: benchmark (benchmarks/observational.py) the t(G - 1) intervals covered 81-86% with 3-5
#: treated clusters.
MIN_TREATED_CLUSTERS: int = 6


def _cluster_sums(psi: np.ndarray, cluster: np.ndarray | None) -> np.ndarray:
    if cluster is None:
        return psi
    return np.bincount(cluster, weights=psi)


def influence_se(psi: np.ndarray, *, cluster: np.ndarray | None = None) -> float:
    """Standard error of the estimator with influence function ``psi``.

    Examples
    --------
    >>> psi = np.array([1.0, -1.0, 2.0, -2.0])
    >>> round(influence_se(psi), 6)  # sd(psi) / sqrt(4)
    0.912871
    >>> round(influence_se(psi, cluster=np.array([0, 0, 1, 1])), 6)
    0.0
    """
    n = len(psi)
    s = _cluster_sums(psi, cluster)
    g = len(s)
    return float(np.sqrt(g / (g - 1) * np.sum(s**2)) / n)


def multiplier_bootstrap(
    psi: np.ndarray,
    *,
    cluster: np.ndarray | None = None,
    draws: int = 999,
    seed: int = 0,
    chunk: int = 50,
    weights: Literal["rademacher", "webb"] = "rademacher",
) -> np.ndarray:
    """``draws`` bootstrap deviations :math:`n^{-1} \\sum_g \\xi_g \\sum_{i\\in g} \\psi_i`.

    Rademacher (or, with ``weights="webb"``, Webb's six-point) :math:`\\xi_g` are drawn per
    cluster (per row without clusters). Memory stays at ``chunk x G``; the work is one
    matrix-vector product per chunk of draws.

    Examples
    --------
    >>> dev = multiplier_bootstrap(np.array([1.0, -1.0, 2.0, -2.0]), draws=4000, seed=1)
    >>> bool(abs(dev.std() - 0.79) < 0.05)
    True
    """
    n = len(psi)
    s = _cluster_sums(psi, cluster)
    rng = np.random.default_rng(seed)
    out = np.empty(draws)
    for start in range(0, draws, chunk):
        b = min(chunk, draws - start)
        if weights == "webb":
            xi = _WEBB[rng.integers(0, 6, size=(b, len(s)))]
        else:
            xi = rng.integers(0, 2, size=(b, len(s)), dtype=np.int8).astype(np.float64) * 2 - 1
        out[start : start + b] = xi @ s / n
    return out


def interval(
    estimate: float, se: float, *, level: float, df: float | None = None
) -> tuple[float, float, float]:
    """``(ci_low, ci_high, p_value)`` with a normal reference, or Student's t with ``df``.

    Examples
    --------
    >>> [round(float(v), 4) for v in interval(1.0, 0.5, level=0.95)]
    [0.02, 1.98, 0.0455]
    >>> [round(float(v), 4) for v in interval(1.0, 0.5, level=0.95, df=6)]  # 7 clusters
    [-0.2235, 2.2235, 0.0924]
    """
    ref = stats.norm if df is None else stats.t(df)
    z = ref.ppf(0.5 + level / 2)
    p = 2 * ref.sf(abs(estimate / se)) if se > 0 else np.nan
    return float(estimate - z * se), float(estimate + z * se), float(p)


def few_cluster_df(n_clusters: int | None, *, few_cluster_threshold: int) -> int | None:
    """Degrees of freedom of the reference t distribution: G - 1 below the threshold, else None.

    The rule is the suite's ``inference="auto"`` (:func:`~jbp_analysis.estimate.covariance.
    resolve_inference`): where it would choose the wild bootstrap for a regression, the
    observational estimators use t(G - 1) (Cameron & Miller 2015, section VI.C; Bester, Conley &
    Hansen 2011); without clusters or with many, the normal reference.

    Examples
    --------
    >>> few_cluster_df(7, few_cluster_threshold=50), few_cluster_df(240, few_cluster_threshold=50)
    (6, None)
    >>> few_cluster_df(None, few_cluster_threshold=50) is None
    True
    """
    from jbp_analysis.estimate.covariance import resolve_inference

    chosen = resolve_inference("auto", n_clusters=n_clusters, auto_wild_below=few_cluster_threshold)
    return None if chosen != "wild" or n_clusters is None else int(n_clusters) - 1


def few_cluster_note(cluster: np.ndarray, treated: np.ndarray, *, name: str, df: int) -> str | None:
    """A note when the treated or comparison rows span fewer than :data:`MIN_TREATED_CLUSTERS`
    clusters: the t(G - 1) intervals are then too narrow (MacKinnon & Webb 2017).

    Examples
    --------
    >>> few_cluster_note(np.array([0, 0, 1, 2]), np.array([1, 1, 0, 0]), name="g", df=2)[:40]
    'Only 1 treated and 2 comparison clusters'
    """
    n_t = len(np.unique(cluster[treated]))
    n_c = len(np.unique(cluster[~treated]))
    if min(n_t, n_c) >= MIN_TREATED_CLUSTERS:
        return None
    return (
        f"Only {n_t} treated and {n_c} comparison clusters ({name}): the t({df}) intervals are "
        "likely too narrow (MacKinnon & Webb 2017); read the estimate as descriptive."
    )


def bootstrap_se(deviations: np.ndarray) -> float:
    """Robust bootstrap SE: IQR of the deviations / IQR of the standard normal."""
    q75, q25 = np.quantile(deviations, [0.75, 0.25])
    return float((q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25)))
