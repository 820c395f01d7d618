"""Covariance estimators and the inference step of :func:`~jbp_analysis.estimate.impact`.

Everything that turns a least-squares fit into standard errors, p-values and confidence intervals
lives here, behind one registry (:data:`INFERENCE_METHODS`), so that a new method (CR2, wild
cluster bootstrap, randomisation inference) is one function plus one registry entry.

Estimators
----------
HC1 (White 1980 with the MacKinnon & White 1985 small-sample factor)::

    V = n / (n - K) * (X'X)^-1 (sum_i x_i x_i' e_i^2) (X'X)^-1,     t with n - K df

CR1 (Liang & Zeger 1986; Stata's small-sample factor, see Cameron & Miller 2015, section II.C)::

    V = G / (G - 1) * (n - 1) / (n - K) * (X'X)^-1 (sum_g s_g s_g') (X'X)^-1,   s_g = X_g' e_g

with t inference on G - 1 degrees of freedom, as Stata's ``regress, vce(cluster)`` does.
``K`` counts the estimated coefficients plus the absorbed fixed effects that are *not* nested in
the clusters (Cameron & Miller 2015, section III.B).

References
----------
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources*, 50(2), 317-372.
MacKinnon, J. G., & White, H. (1985). Some heteroskedasticity-consistent covariance matrix
estimators with improved finite sample properties. *Journal of Econometrics*, 29(3), 305-325.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from jbp_analysis.errors import ConfigError
from jbp_analysis.estimate.ols import OLSFit

__all__ = [
    "cluster_sums",
    "hc1",
    "cr1",
    "wald_test",
    "WaldTest",
    "InferenceInput",
    "ContrastInference",
    "INFERENCE_METHODS",
    "resolve_inference",
    "run_inference",
]


def cluster_sums(scores: np.ndarray, clusters: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sum the rows of ``scores`` within clusters (no Python loop over clusters).

    Parameters
    ----------
    scores
        Shape ``(n, k)``.
    clusters
        Integer codes ``0..G-1``, shape ``(n,)``.
    n_clusters
        ``G``.

    Returns
    -------
    numpy.ndarray
        Shape ``(G, k)``.

    Examples
    --------
    >>> cluster_sums(np.array([[1.0], [2.0], [4.0]]), np.array([0, 1, 0]), 2).ravel().tolist()
    [5.0, 2.0]
    """
    out = np.empty((n_clusters, scores.shape[1]))
    for j in range(scores.shape[1]):  # loop over columns, not clusters
        out[:, j] = np.bincount(clusters, weights=scores[:, j], minlength=n_clusters)
    return out


def hc1(X: np.ndarray, resid: np.ndarray, bread: np.ndarray, *, n_absorbed: int = 0) -> np.ndarray:
    """Heteroskedasticity-robust HC1 covariance (MacKinnon & White 1985).

    ``n_absorbed`` fixed-effect levels partialled out of ``X`` count in ``K``.

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0.0, 1, 0, 1]])
    >>> e = np.array([1.0, -1, -1, 1])
    >>> hc1(X, e, np.linalg.inv(X.T @ X)).round(6).tolist()
    [[1.0, -1.0], [-1.0, 2.0]]
    """
    n, k = X.shape
    scores = X * resid[:, None]
    meat = scores.T @ scores
    dof = n - k - n_absorbed
    if dof <= 0:
        raise ConfigError(
            f"no residual degrees of freedom: {n} rows for {k + n_absorbed} parameters"
        )
    cov = (n / dof) * (bread @ meat @ bread)
    return (cov + cov.T) / 2.0


def cr1(
    X: np.ndarray,
    resid: np.ndarray,
    bread: np.ndarray,
    clusters: np.ndarray,
    n_clusters: int,
    *,
    n_absorbed: int = 0,
) -> np.ndarray:
    """Cluster-robust CR1 covariance with Stata's small-sample factor (Cameron & Miller 2015).

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0.0, 0, 1, 1]])
    >>> e = np.array([1.0, -1, 2, -2])
    >>> cr1(X, e, np.linalg.inv(X.T @ X), np.array([0, 0, 1, 1]), 2).round(6).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    n, k = X.shape
    dof = n - k - n_absorbed
    if dof <= 0:
        raise ConfigError(
            f"no residual degrees of freedom: {n} rows for {k + n_absorbed} parameters"
        )
    if n_clusters < 2:
        raise ConfigError("cluster-robust inference needs at least two clusters")
    sums = cluster_sums(X * resid[:, None], clusters, n_clusters)
    meat = sums.T @ sums
    factor = n_clusters / (n_clusters - 1) * (n - 1) / dof
    cov = factor * (bread @ meat @ bread)
    return (cov + cov.T) / 2.0


@dataclass(frozen=True)
class WaldTest:
    """A joint Wald F-test of ``L b = 0``.

    ``statistic`` is ``(Lb)' (L V L')^-1 (Lb) / q``, referred to ``F(q, df_denom)``.
    """

    statistic: float
    df_num: int
    df_denom: float
    p_value: float


def wald_test(params: np.ndarray, cov: np.ndarray, L: np.ndarray, *, df_denom: float) -> WaldTest:
    """Joint F-test that ``L @ params == 0``, using the (robust) covariance ``cov``.

    Examples
    --------
    >>> w = wald_test(np.array([1.0, 2.0]), np.eye(2), np.eye(2), df_denom=np.inf)
    >>> round(w.statistic, 6), w.df_num
    (2.5, 2)
    """
    L = np.atleast_2d(L)
    r = L @ params
    middle = L @ cov @ L.T
    q = L.shape[0]
    stat = float(r @ np.linalg.solve(middle, r)) / q
    if np.isinf(df_denom):
        p = float(stats.chi2.sf(stat * q, q))
    else:
        p = float(stats.f.sf(stat, q, df_denom))
    return WaldTest(statistic=stat, df_num=q, df_denom=float(df_denom), p_value=p)


@dataclass(frozen=True, eq=False)
class InferenceInput:
    """Everything an inference method may use.

    Attributes
    ----------
    fit
        The least-squares fit.
    L
        Contrast matrix over ``fit.params``, shape ``(m, k)``: one row per reported contrast.
    clusters, n_clusters
        Cluster codes ``0..G-1`` and ``G`` (``None`` without clustering).
    n_absorbed
        Absorbed fixed-effect levels that count in the residual degrees of freedom.
    level
        Confidence level of the intervals.
    design
        The :class:`~jbp_analysis.estimate.design.Design` (arms, strata...), for methods that
        re-randomise or re-estimate.
    """

    fit: OLSFit
    L: np.ndarray
    clusters: np.ndarray | None
    n_clusters: int | None
    n_absorbed: int
    level: float
    design: Any = None


@dataclass(frozen=True, eq=False)
class ContrastInference:
    """Per-contrast inference: arrays of length ``m`` plus the parameter covariance."""

    name: str
    estimate: np.ndarray
    std_error: np.ndarray
    p_value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    df: float
    cov: np.ndarray


def _t_inference(name: str, inp: InferenceInput, cov: np.ndarray, df: float) -> ContrastInference:
    est = inp.L @ inp.fit.params
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", inp.L, cov, inp.L), 0.0, None))
    dist = stats.norm if np.isinf(df) else stats.t(df)
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = est / se
    p = 2.0 * dist.sf(np.abs(tstat))
    crit = dist.ppf(0.5 + inp.level / 2.0)
    return ContrastInference(
        name=name,
        estimate=est,
        std_error=se,
        p_value=p,
        ci_low=est - crit * se,
        ci_high=est + crit * se,
        df=float(df),
        cov=cov,
    )


def _cr1_inference(inp: InferenceInput) -> ContrastInference:
    if inp.clusters is None or inp.n_clusters is None:
        raise ConfigError("inference='cr1' needs a cluster column (cluster=...)")
    fit = inp.fit
    cov = cr1(fit.X, fit.resid, fit.bread, inp.clusters, inp.n_clusters, n_absorbed=inp.n_absorbed)
    return _t_inference("cr1", inp, cov, inp.n_clusters - 1)


def _hc1_inference(inp: InferenceInput) -> ContrastInference:
    fit = inp.fit
    cov = hc1(fit.X, fit.resid, fit.bread, n_absorbed=inp.n_absorbed)
    return _t_inference("hc1", inp, cov, fit.n_obs - fit.k - inp.n_absorbed)


#: Inference methods by name. Each takes an :class:`InferenceInput` and returns a
#: :class:`ContrastInference`. Register new methods here.
INFERENCE_METHODS: dict[str, Callable[[InferenceInput], ContrastInference]] = {
    "cr1": _cr1_inference,
    "hc1": _hc1_inference,
}


def resolve_inference(requested: str, *, n_clusters: int | None) -> str:
    """Turn the ``inference`` option into a registered method name.

    ``"auto"`` is CR1 when there is a cluster column and HC1 otherwise.

    Examples
    --------
    >>> resolve_inference("auto", n_clusters=40), resolve_inference("auto", n_clusters=None)
    ('cr1', 'hc1')
    """
    if requested == "auto":
        return "cr1" if n_clusters is not None else "hc1"
    if requested not in INFERENCE_METHODS:
        choices = ", ".join(["auto", *INFERENCE_METHODS])
        raise ConfigError(f"unknown inference {requested!r}; choose one of: {choices}")
    if requested == "cr1" and n_clusters is None:
        raise ConfigError("inference='cr1' needs a cluster column (cluster=...)")
    return requested


def run_inference(name: str, inp: InferenceInput) -> ContrastInference:
    """Run the registered inference method ``name`` (see :func:`resolve_inference`)."""
    return INFERENCE_METHODS[name](inp)
