"""Covariance estimators and the inference step of :func:`~jbp_analysis.estimate.impact`.

Everything that turns a least-squares fit into standard errors, p-values and confidence intervals
lives here, behind one registry (:data:`INFERENCE_METHODS`): a method is one function from an
:class:`InferenceInput` to a :class:`ContrastInference` plus one registry entry.

Estimators
----------
HC1 (White 1980 with the MacKinnon & White 1985 small-sample factor)::

    V = n / (n - K) * (X'X)^-1 (sum_i x_i x_i' e_i^2) (X'X)^-1,     t with n - K df

CR1 (Liang & Zeger 1986; Stata's small-sample factor, see Cameron & Miller 2015, section II.C)::

    V = G / (G - 1) * (n - 1) / (n - K) * (X'X)^-1 (sum_g s_g s_g') (X'X)^-1,   s_g = X_g' e_g

with t inference on G - 1 degrees of freedom, as Stata's ``regress, vce(cluster)`` does.
``K`` counts the estimated coefficients plus the absorbed fixed effects that are *not* nested in
the clusters (Cameron & Miller 2015, section III.B).

Few-cluster methods (engines in :mod:`jbp_analysis.inference`, wired in
:mod:`~jbp_analysis.estimate.few_clusters`):

- ``"wild"``: restricted wild cluster bootstrap-t, one bootstrap per contrast (Cameron, Gelbach &
  Miller 2008; Roodman, MacKinnon, Nielsen & Webb 2019). The standard error stays CR1; the
  p-value and the confidence interval (test inversion) come from the bootstrap.
- ``"cr2"``: Bell & McCaffrey (2002) CR2 covariance with the Satterthwaite degrees of freedom of
  each contrast (Pustejovsky & Tipton 2018).
- ``"ri"``: randomisation inference, re-randomising the groups' arms within strata (Fisher 1935;
  Athey & Imbens 2017); p-values only (the interval is NaN), standard error CR1.

``"auto"`` (:func:`resolve_inference` with ``auto_wild_below``) is the rule of
:func:`jbp_analysis.inference.choose_inference`: the wild bootstrap below
:data:`~jbp_analysis.inference.AUTO_WILD_BELOW_CLUSTERS` clusters, CR1 at or above.

References
----------
Bell, R. M., & McCaffrey, D. F. (2002). Bias reduction in standard errors for linear regression
with multi-stage samples. *Survey Methodology*, 28(2), 169-181.
Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based improvements for
inference with clustered errors. *Review of Economics and Statistics*, 90(3), 414-427.
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources*, 50(2), 317-372.
MacKinnon, J. G., & White, H. (1985). Some heteroskedasticity-consistent covariance matrix
estimators with improved finite sample properties. *Journal of Econometrics*, 29(3), 305-325.
Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for cluster-robust variance
estimation and hypothesis testing in fixed effects models. *Journal of Business & Economic
Statistics*, 36(4), 672-683.
Roodman, D., MacKinnon, J. G., Nielsen, M. Ø., & Webb, M. D. (2019). Fast and wild: bootstrap
inference in Stata using boottest. *Stata Journal*, 19(1), 4-60.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import stats

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.estimate import few_clusters
from jbp_analysis.estimate.few_clusters import InferenceInput, InferenceOptions
from jbp_analysis.inference import AUTO_WILD_BELOW_CLUSTERS, choose_inference
from jbp_analysis.inference.joint import JointTest

__all__ = [
    "cluster_sums",
    "hc1",
    "cr1",
    "wald_test",
    "WaldTest",
    "InferenceInput",
    "InferenceOptions",
    "ContrastInference",
    "INFERENCE_METHODS",
    "AUTO_WILD_BELOW_CLUSTERS",
    "resolve_inference",
    "replication_count",
    "inference_label",
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
class ContrastInference:
    """Per-contrast inference: arrays of length ``m`` plus the parameter covariance.

    ``df`` is the denominator degrees of freedom for joint Wald tests with ``cov`` (G - 1 for
    the clustered methods, n - K for HC1); ``contrast_df`` holds each contrast's own degrees of
    freedom (equal to ``df`` for CR1/HC1, Satterthwaite for CR2, NaN for the wild bootstrap and
    randomisation inference, whose p-values use no t distribution). ``t_boot``/``t_draws`` are the
    observed wild bootstrap t-statistics (``m``) and their ``B x m`` draws under the null, kept
    for Romano-Wolf, with the sorted cluster labels ``cluster_ids`` whose draws they are.
    ``joint`` is the few-cluster joint test (a :class:`~jbp_analysis.inference.joint.JointTest`)
    that every treated arm equals control: the wild bootstrap Wald for ``"wild"`` and ``"cr2"``,
    the randomisation Wald for ``"ri"``; None for CR1/HC1 (whose F-test is exact enough).
    """

    name: str
    estimate: np.ndarray
    std_error: np.ndarray
    p_value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    df: float
    cov: np.ndarray
    contrast_df: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    t_boot: np.ndarray | None = None
    t_draws: np.ndarray | None = None
    cluster_ids: np.ndarray | None = None
    joint: Any = None

    def __post_init__(self) -> None:
        if self.contrast_df is None:
            object.__setattr__(self, "contrast_df", np.full(len(self.estimate), float(self.df)))


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


def _cr1_plain(inp: InferenceInput) -> ContrastInference:
    if inp.clusters is None or inp.n_clusters is None:
        raise ConfigError("inference='cr1' needs a cluster column (cluster=...)")
    fit = inp.fit
    cov = cr1(fit.X, fit.resid, fit.bread, inp.clusters, inp.n_clusters, n_absorbed=inp.n_absorbed)
    return _t_inference("cr1", inp, cov, inp.n_clusters - 1)


def _hc1_plain(inp: InferenceInput) -> ContrastInference:
    fit = inp.fit
    cov = hc1(fit.X, fit.resid, fit.bread, n_absorbed=inp.n_absorbed)
    return _t_inference("hc1", inp, cov, fit.n_obs - fit.k - inp.n_absorbed)


def _robust_base(name: str, inp: InferenceInput) -> ContrastInference:
    """CR1 (HC1 without a cluster column) estimates, SEs and covariance, labelled ``name``."""
    base = _cr1_plain(inp) if inp.clusters is not None else _hc1_plain(inp)
    return replace(base, name=name)


def _with_draws(inf: ContrastInference, inp: InferenceInput) -> ContrastInference:
    """Attach wild bootstrap draws (p-values only, no interval) when the options ask for them."""
    if not inp.options.return_draws or inp.design is None:
        return inf
    boot = few_clusters.wild_contrasts(inp, ci=False, std_error=inf.std_error)
    return replace(inf, t_boot=boot.t_stat, t_draws=boot.t_draws, cluster_ids=boot.cluster_ids)


def _cr1_inference(inp: InferenceInput) -> ContrastInference:
    return _with_draws(_cr1_plain(inp), inp)


def _hc1_inference(inp: InferenceInput) -> ContrastInference:
    return _with_draws(_hc1_plain(inp), inp)


def _joint_rows(inp: InferenceInput) -> np.ndarray | None:
    """Rows of ``inp.L`` for every treated arm against control (the default joint test)."""
    d = inp.design
    if d is None or not getattr(d, "treated", ()):
        return None
    return inp.L[: len(d.treated)]


def _wild_joint(inp: InferenceInput) -> Any:
    rows = _joint_rows(inp)
    if rows is None:
        return None
    try:
        return few_clusters.wild_joint_test(inp, rows)
    except ConfigError:  # e.g. a zero standard error: no joint test, as CR1 gives none
        return None


def _wild_inference(inp: InferenceInput) -> ContrastInference:
    base = _robust_base("wild", inp)
    boot = few_clusters.wild_contrasts(inp, ci=True, std_error=base.std_error)
    return replace(
        base,
        joint=_wild_joint(inp),
        p_value=boot.p_value,
        ci_low=boot.ci_low,
        ci_high=boot.ci_high,
        contrast_df=np.full(len(base.estimate), np.nan),
        notes=boot.notes,
        t_boot=boot.t_stat if inp.options.return_draws else None,
        t_draws=boot.t_draws if inp.options.return_draws else None,
        cluster_ids=boot.cluster_ids if inp.options.return_draws else None,
    )


def _cr2_inference(inp: InferenceInput) -> ContrastInference:
    boot = _with_draws(_robust_base("cr2", inp), inp)
    res = few_clusters.cr2_contrasts(inp)
    est = inp.L @ inp.fit.params
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", inp.L, res.cov, inp.L), 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = est / se
    p = 2.0 * stats.t.sf(np.abs(tstat), res.df)
    crit = stats.t.ppf(0.5 + inp.level / 2.0, res.df)
    return replace(
        boot,
        std_error=se,
        p_value=p,
        ci_low=est - crit * se,
        ci_high=est + crit * se,
        cov=res.cov,
        contrast_df=res.df,
        notes=res.notes,
        joint=_wild_joint(inp),
    )


def _ri_inference(inp: InferenceInput) -> ContrastInference:
    base = _with_draws(_robust_base("ri", inp), inp)
    res = few_clusters.ri_contrasts(inp)
    nan = np.full(len(base.estimate), np.nan)
    joint = None
    if np.isfinite(res.joint_p_value):
        joint = JointTest(
            statistic=res.joint_statistic,
            df_num=len(inp.design.treated),
            df_denom=float("nan"),
            p_value=res.joint_p_value,
            method="ri",
            draws=res.n_permutations,
            enumerated=res.enumerated,
        )
    return replace(
        base,
        joint=joint,
        p_value=res.p_value,
        ci_low=nan,
        ci_high=nan.copy(),
        contrast_df=nan.copy(),
        notes=res.notes,
    )


#: Inference methods by name. Each takes an :class:`InferenceInput` and returns a
#: :class:`ContrastInference`. Register new methods here.
INFERENCE_METHODS: dict[str, Callable[[InferenceInput], ContrastInference]] = {
    "cr1": _cr1_inference,
    "hc1": _hc1_inference,
    "cr2": _cr2_inference,
    "wild": _wild_inference,
    "ri": _ri_inference,
}


def resolve_inference(
    requested: str | None,
    *,
    n_clusters: int | None,
    auto_wild_below: int = AUTO_WILD_BELOW_CLUSTERS,
) -> str:
    """Turn the ``inference`` option into a registered method name.

    This is the one place that says what ``inference="auto"`` means, for every function of the
    package: with a cluster column, the rule of :func:`jbp_analysis.inference.choose_inference`
    (the wild bootstrap below ``auto_wild_below`` clusters, default
    :data:`AUTO_WILD_BELOW_CLUSTERS` = 50, CR1 at or above); HC1 without one. ``None`` is CR1
    with a cluster column and HC1 otherwise (the conventional default). ``"wild"``, ``"cr2"``
    and ``"ri"`` without a cluster column treat every row as its own cluster (the
    heteroskedasticity-robust versions).

    ``auto_wild_below`` is what the analysis functions call ``few_cluster_threshold`` (the
    plan's ``models.few_cluster_threshold``).

    Raises
    ------
    ConfigError
        Unknown name, ``"cr1"`` without a cluster column, or ``auto_wild_below`` not a positive
        whole number.

    Examples
    --------
    >>> resolve_inference("auto", n_clusters=40), resolve_inference("auto", n_clusters=None)
    ('wild', 'hc1')
    >>> resolve_inference("auto", n_clusters=144), resolve_inference(None, n_clusters=12)
    ('cr1', 'cr1')
    >>> resolve_inference("auto", n_clusters=12, auto_wild_below=10)
    'cr1'
    """
    if (
        isinstance(auto_wild_below, bool)
        or not isinstance(auto_wild_below, int | np.integer)
        or auto_wild_below < 1
    ):
        raise ConfigError(
            f"few_cluster_threshold must be a positive whole number of clusters, not "
            f"{auto_wild_below!r}"
        )
    if requested is None or requested == "auto":
        if n_clusters is None:
            return "hc1"
        if requested == "auto":
            return choose_inference(n_clusters, threshold=auto_wild_below)
        return "cr1"
    if not isinstance(requested, str) or requested not in INFERENCE_METHODS:
        choices = ", ".join(["auto", *INFERENCE_METHODS])
        raise ConfigError(f"unknown inference {requested!r}; choose one of: {choices}")
    if requested == "cr1" and n_clusters is None:
        raise ConfigError("inference='cr1' needs a cluster column (cluster=...)")
    return requested


def replication_count(draws: int, **deprecated: int | None) -> int:
    """The number of bootstrap draws or re-randomisations: ``draws``, or an old keyword's value.

    Replication counts are called ``draws`` everywhere. The old names (``bootstrap_draws``,
    ``ri_permutations``, ``n_permutations``...) still work when given, with a
    :class:`DeprecationWarning`.

    Examples
    --------
    >>> replication_count(999, bootstrap_draws=None)
    999
    """
    import warnings

    value = draws
    for name, old in deprecated.items():
        if old is not None:
            warnings.warn(
                f"{name}= is deprecated; use draws= (replication counts have one name)",
                DeprecationWarning,
                stacklevel=3,
            )
            value = old
    return value


def inference_label(
    requested: str | None,
    chosen: str,
    *,
    n_clusters: int | None,
    auto_wild_below: int = AUTO_WILD_BELOW_CLUSTERS,
) -> str:
    """What the ``inference`` column shows: the method, and why when ``"auto"`` chose it.

    Examples
    --------
    >>> inference_label("auto", "wild", n_clusters=12)
    'wild (auto: 12 clusters < 50)'
    >>> inference_label("auto", "cr1", n_clusters=144), inference_label("cr2", "cr2", n_clusters=8)
    ('cr1 (auto: 144 clusters >= 50)', 'cr2')
    """
    if requested != "auto":
        return chosen
    if n_clusters is None:
        return f"{chosen} (auto: no cluster column)"
    sign = "<" if n_clusters < auto_wild_below else ">="
    return f"{chosen} (auto: {n_clusters} clusters {sign} {auto_wild_below})"


def run_inference(name: str, inp: InferenceInput) -> ContrastInference:
    """Run the registered inference method ``name`` (see :func:`resolve_inference`)."""
    return INFERENCE_METHODS[name](inp)
