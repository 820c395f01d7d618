"""From :func:`~jbp_analysis.estimate.impact`'s design to the few-cluster engines, and back.

The engines of :mod:`jbp_analysis.inference` take plain arrays. This module rebuilds, from the
partialled-out design of :func:`~jbp_analysis.estimate.design.build_design`, the regression each
engine needs, so that their answers are those of the full model:

- **Fixed effects.** Partialling out leaves the wild bootstrap and CR2 unchanged only for
  effects nested in the clusters (Roodman et al. 2019, section 3.4; Pustejovsky & Tipton 2018,
  section 3): the bootstrap residuals of the full model are ``M_X M_D (u * v)``, which is
  ``M_X (u * v)`` only when ``v`` is constant within each effect level. So strata fixed effects
  (districts span many groups) and the intercept go back in as columns of ``X`` (with the weights
  applied), while DiD unit effects, nested in the groups, stay partialled out. The partialled-out
  columns plus the strata dummies span the same space as the raw columns plus the dummies, so
  the coefficients, residuals and every bootstrap draw are those of the raw regression.
- **Scale.** Columns that no contrast involves (baseline outcome in rupiah, covariates) are
  rescaled to unit root mean square before they reach the engines' rank checks; the contrasts,
  their t-statistics, CR2 degrees of freedom and p-values do not depend on that scale, and the
  CR2 covariance is scaled back.
- **Clusters.** Cluster codes follow the sorted order of the cluster labels, the column order of
  :func:`jbp_analysis.inference.draw_wild_weights`: with the same seed, two outcomes estimated on
  the same clusters get the same bootstrap weights for every cluster (needed for Romano-Wolf).
  Without a cluster column every row is its own cluster (the heteroskedasticity-robust wild
  bootstrap of Wu 1986 and Liu 1988; HC2 for CR2).
- **Randomisation inference** regresses the outcome on the arms, the strata and the covariates
  (the engine adds the intercept and strata dummies itself); for ``method="did"`` on two periods
  that regression is the first difference ``y_post - y_pre`` on the arms, period effects by
  stratum and the differenced covariates, which has exactly the DiD estimates.

References
----------
Liu, R. Y. (1988). Bootstrap procedures under some non-i.i.d. models. *Annals of Statistics*,
16(4), 1696-1708.
Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for cluster-robust variance
estimation and hypothesis testing in fixed effects models. *Journal of Business & Economic
Statistics*, 36(4), 672-683.
Roodman, D., MacKinnon, J. G., Nielsen, M. Ø., & Webb, M. D. (2019). Fast and wild: bootstrap
inference in Stata using boottest. *Stata Journal*, 19(1), 4-60.
Wu, C. F. J. (1986). Jackknife, bootstrap and other resampling methods in regression analysis.
*Annals of Statistics*, 14(4), 1261-1295.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.estimate.ols import OLSFit
from jbp_analysis.inference import cr2, randomization_test
from jbp_analysis.inference.joint import JointTest, wild_wald_test
from jbp_analysis.inference.wild import wild_cluster_bootstraps

if TYPE_CHECKING:  # pragma: no cover
    from jbp_analysis.estimate.design import Design

__all__ = [
    "InferenceInput",
    "InferenceOptions",
    "EngineArrays",
    "engine_arrays",
    "sorted_cluster_codes",
    "WildContrasts",
    "wild_contrasts",
    "CR2Contrasts",
    "cr2_contrasts",
    "RIContrasts",
    "ri_contrasts",
    "wild_joint_test",
]


@dataclass(frozen=True)
class InferenceOptions:
    """Options of the resampling methods (``"wild"``, ``"ri"``; also Romano-Wolf draws).

    Attributes
    ----------
    bootstrap_draws
        Wild bootstrap draws ``B`` (all ``2**G`` sign vectors are used instead when ``G <= 12``
        or ``2**G <= B``, with Rademacher weights).
    bootstrap_weights
        ``"rademacher"`` or ``"webb"`` (Webb 2014 six-point).
    seed
        Non-negative integer seed of the wild bootstrap and the re-randomisations.
    ri_permutations
        Re-randomisations for ``"ri"`` (every distinct assignment when there are fewer).
    return_draws
        Keep the wild bootstrap t-statistics of every contrast (for Romano-Wolf), whatever the
        inference method.

    Raises
    ------
    ConfigError
        On a bad value.

    Examples
    --------
    >>> InferenceOptions(bootstrap_draws=999).bootstrap_draws
    999
    """

    bootstrap_draws: int = 9999
    bootstrap_weights: str = "rademacher"
    seed: int = 0
    ri_permutations: int = 9999
    return_draws: bool = False

    def __post_init__(self) -> None:
        for name in ("bootstrap_draws", "ri_permutations"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ConfigError(f"draws must be a positive integer, not {value!r} ({name})")
        if self.bootstrap_weights not in ("rademacher", "webb"):
            raise ConfigError(
                f"bootstrap_weights must be 'rademacher' or 'webb', not {self.bootstrap_weights!r}"
            )
        seed = self.seed
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, not {seed!r}")


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
        re-randomise or re-estimate (``"wild"``, ``"cr2"``, ``"ri"`` need it).
    options
        :class:`InferenceOptions` of the resampling methods.
    labels
        Names of the contrasts (rows of ``L``), for notes.
    """

    fit: OLSFit
    L: np.ndarray
    clusters: np.ndarray | None
    n_clusters: int | None
    n_absorbed: int
    level: float
    design: Any = None
    options: InferenceOptions = field(default_factory=InferenceOptions)
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class EngineArrays:
    """The full regression handed to the wild bootstrap and CR2 engines.

    ``X`` holds the fit's columns (those outside the contrasts rescaled by ``scale``) followed by
    the absorbed effects that are not nested in the clusters (weighted dummies); ``R`` has one
    contrast per row over the columns of ``X``; ``clusters`` are integer codes in the sorted
    order of ``cluster_ids``; ``n_absorbed`` counts the partialled-out levels the CR1 factor
    counts (as :func:`~jbp_analysis.estimate.covariance.cr1` does for the same fit).
    """

    X: np.ndarray
    y: np.ndarray
    clusters: np.ndarray
    cluster_ids: np.ndarray
    R: np.ndarray
    scale: np.ndarray
    n_absorbed: int

    @property
    def k_fit(self) -> int:
        """Number of the fit's own columns (the first columns of ``X``)."""
        return int(self.scale.shape[0])


def sorted_cluster_codes(design: Design) -> tuple[np.ndarray, np.ndarray]:
    """Cluster codes ``0..G-1`` in sorted label order, and the sorted labels.

    Without clusters, every row is its own cluster, labelled by its position in the data.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> d = SimpleNamespace(clusters=np.array([0, 1, 0, 2]),
    ...                     cluster_levels=np.array(["g3", "g1", "g2"], dtype=object))
    >>> codes, ids = sorted_cluster_codes(d)
    >>> codes.tolist(), ids.tolist()
    ([2, 0, 2, 1], ['g1', 'g2', 'g3'])
    """
    if design.clusters is None:
        rows = np.asarray(design.rows)
        return np.arange(rows.shape[0], dtype=np.int64), rows.copy()
    levels = np.asarray(design.cluster_levels)
    try:
        order = np.argsort(levels, kind="stable")
    except TypeError:  # labels of mixed types: order by their text
        order = np.argsort(levels.astype(str), kind="stable")
    rank = np.empty(levels.shape[0], dtype=np.int64)
    rank[order] = np.arange(levels.shape[0])
    return rank[design.clusters], levels[order]


def engine_arrays(inp: InferenceInput, *, method: str) -> EngineArrays:
    """Build the full regression of ``inp`` for the wild bootstrap or CR2 (see the module doc).

    Raises
    ------
    ConfigError
        Without a design, or for ``did`` when the units are not nested in the clusters.
    """
    d = inp.design
    if d is None:
        raise ConfigError(f"inference={method!r} needs the design; call it through impact()")
    X = inp.fit.X
    k = X.shape[1]
    support = np.any(inp.L != 0, axis=0)
    rms = np.sqrt(np.einsum("ij,ij->j", X, X) / max(X.shape[0], 1))
    scale = np.where(~support & (rms > 0), 1.0 / np.where(rms > 0, rms, 1.0), 1.0)
    n_absorbed = inp.n_absorbed
    blocks = [X * scale]
    if not d.absorbed_nested:
        if d.spec.method == "did":
            raise ConfigError(
                f"inference={method!r} with method='did' needs every unit inside one cluster: "
                "unit fixed effects that cut across clusters cannot be partialled out of a "
                "wild bootstrap or CR2 fit (cluster by a level that contains the units)"
            )
        D = np.zeros((X.shape[0], d.n_absorb_levels))
        D[np.arange(X.shape[0]), d.absorb_codes] = 1.0
        if d.sqrt_weights is not None:
            D *= d.sqrt_weights[:, None]
        blocks.append(D)
        n_absorbed -= d.n_absorb_levels
    Xe = np.hstack(blocks) if len(blocks) > 1 else blocks[0]
    R = np.zeros((inp.L.shape[0], Xe.shape[1]))
    R[:, :k] = inp.L  # scale is 1 on every column a contrast involves
    codes, ids = sorted_cluster_codes(d)
    return EngineArrays(
        X=Xe, y=d.y, clusters=codes, cluster_ids=ids, R=R, scale=scale, n_absorbed=n_absorbed
    )


@dataclass(frozen=True, eq=False)
class WildContrasts:
    """Wild bootstrap p-values and intervals of every contrast (one bootstrap per contrast)."""

    p_value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    t_stat: np.ndarray
    t_draws: np.ndarray | None
    cluster_ids: np.ndarray
    B: int
    enumerated: bool
    notes: tuple[str, ...]


def wild_contrasts(
    inp: InferenceInput, *, ci: bool, std_error: np.ndarray | None = None
) -> WildContrasts:
    """Restricted wild cluster bootstrap-t of every row of ``inp.L`` (null: contrast = 0).

    Every contrast uses the same seed, hence the same bootstrap weights, so the draws are joint
    across contrasts (and across outcomes estimated on the same clusters). A contrast whose CR1
    ``std_error`` is zero or not finite (an outcome constant in the sample) gets NaN, as CR1
    gives it, instead of a bootstrap.
    """
    ea = engine_arrays(inp, method="wild")
    o = inp.options
    m = ea.R.shape[0]
    p, lo, hi, t = (np.full(m, np.nan) for _ in range(4))
    testable = np.ones(m, dtype=bool) if std_error is None else np.asarray(std_error) > 0
    draws: list[np.ndarray] = []
    res = None
    tested = np.flatnonzero(testable)
    if tested.size:  # one bootstrap per contrast, sharing the design and every draw
        results = wild_cluster_bootstraps(
            ea.X,
            ea.y,
            ea.clusters,
            restrictions=[ea.R[i] for i in tested],
            draws=int(o.bootstrap_draws),
            weights=o.bootstrap_weights,
            seed=int(o.seed),
            level=inp.level,
            ci=ci,
            n_absorbed=ea.n_absorbed,
            return_draws=o.return_draws,
            warn_few_treated=False,
        )
        for i, res in zip(tested, results, strict=True):
            p[i], lo[i], hi[i], t[i] = res.p_value, res.ci_low, res.ci_high, res.t_stat
            if o.return_draws:
                draws.append(res.t_draws)
    labels = _labels(inp, m)
    if res is None:  # nothing to test: every standard error is zero
        return WildContrasts(
            p_value=p,
            ci_low=lo,
            ci_high=hi,
            t_stat=t,
            t_draws=None,
            cluster_ids=ea.cluster_ids,
            B=0,
            enumerated=False,
            notes=("no wild bootstrap: every contrast has a zero standard error",),
        )
    if o.return_draws and not testable.all():  # NaN columns keep draws aligned with contrasts
        full = np.full((res.B, m), np.nan)
        full[:, testable] = np.column_stack(draws)
        draws = [full[:, i] for i in range(m)]
    how = f"all {res.B} sign vectors" if res.enumerated else f"{res.B} draws, seed {o.seed}"
    notes = [
        f"wild cluster bootstrap-t (restricted, {res.weights} weights, {how}): p-values"
        + (" and intervals (test inversion)" if ci else "")
        + " from the bootstrap; std_error is CR1"
    ]
    if not testable.all():
        skipped = ", ".join(labels[i] for i in range(m) if not testable[i])
        notes.append(f"no bootstrap for {skipped}: zero standard error")
    if ci:
        unbounded = [
            labels[i]
            for i in range(m)
            if testable[i] and not (np.isfinite(lo[i]) and np.isfinite(hi[i]))
        ]
        if unbounded:
            notes.append(
                f"unbounded bootstrap interval for {', '.join(unbounded)}: too few clusters to "
                "reject any value at this level"
            )
    return WildContrasts(
        p_value=p,
        ci_low=lo,
        ci_high=hi,
        t_stat=t,
        t_draws=np.column_stack(draws) if draws else None,
        cluster_ids=ea.cluster_ids,
        B=int(res.B),
        enumerated=bool(res.enumerated),
        notes=tuple(notes),
    )


@dataclass(frozen=True, eq=False)
class CR2Contrasts:
    """CR2 covariance of the fit's coefficients and the Satterthwaite df of every contrast."""

    cov: np.ndarray
    df: np.ndarray
    notes: tuple[str, ...]


def cr2_contrasts(inp: InferenceInput) -> CR2Contrasts:
    """CR2 (Bell & McCaffrey 2002) with Bell-McCaffrey/Satterthwaite df per contrast."""
    ea = engine_arrays(inp, method="cr2")
    res = cr2(ea.X, ea.y, ea.clusters, contrasts=ea.R, df="bm", level=inp.level)
    k = ea.k_fit
    cov = res.vcov[:k, :k] * np.outer(ea.scale, ea.scale)
    labels = _labels(inp, ea.R.shape[0])
    dfs = ", ".join(f"{lab} {d:.1f}" for lab, d in zip(labels, res.df_bm, strict=True))
    note = (
        "CR2 (Bell & McCaffrey 2002) standard errors with the Satterthwaite degrees of freedom "
        f"of each contrast (Pustejovsky & Tipton 2018): {dfs}"
    )
    return CR2Contrasts(cov=(cov + cov.T) / 2.0, df=np.asarray(res.df_bm, float), notes=(note,))


@dataclass(frozen=True, eq=False)
class RIContrasts:
    """Randomisation p-values of every contrast."""

    p_value: np.ndarray
    n_permutations: int
    enumerated: bool
    notes: tuple[str, ...]
    joint_statistic: float = float("nan")
    joint_p_value: float = float("nan")


def _kept_roles(d: Design, names: tuple[str, ...]) -> list[str]:
    """Roles of the fit's columns (a subsequence of the design's columns, in order)."""
    out, j = [], 0
    for name, role in zip(d.names, d.roles, strict=True):
        if j < len(names) and names[j] == name:
            out.append(role)
            j += 1
    if len(out) != len(names):  # pragma: no cover - fit columns always come from the design
        raise RuntimeError("internal error: the fit's columns are not the design's")
    return out


def ri_contrasts(inp: InferenceInput) -> RIContrasts:
    """Randomisation test of every contrast, re-randomising group arms within strata.

    The statistic is each contrast's cluster-robust t-statistic (Wu & Ding 2021); see
    :func:`jbp_analysis.inference.randomization_test`.

    Raises
    ------
    ConfigError
        With weights, or arms/strata that vary within a group.
    """
    d = inp.design
    if d is None:
        raise ConfigError("inference='ri' needs the design; call it through impact()")
    if d.sqrt_weights is not None:
        raise ConfigError(
            "inference='ri' does not take weights: the randomisation test re-randomises an "
            "unweighted regression; drop weights= or choose inference='wild'"
        )
    arm_names = [str(a) for a in d.arm_levels]
    if len(set(arm_names)) < len(arm_names):
        raise ConfigError(f"arm categories {arm_names} are not distinct as text")
    codes, _ = sorted_cluster_codes(d)
    roles = _kept_roles(d, inp.fit.names)
    X = inp.fit.X
    if d.spec.method == "did":
        rows = d.post == 1  # post rows of the unit-demeaned panel: half the first differences
        y = 2.0 * d.y[rows]
        cols = [j for j, r in enumerate(roles) if r not in ("arm", "period", "period_strata")]
        Z = 2.0 * X[np.ix_(rows, cols)]
    else:
        rows = np.ones(X.shape[0], dtype=bool)
        y = d.y
        cols = [j for j, r in enumerate(roles) if r != "arm"]
        Z = X[:, cols]
    if Z.shape[1]:
        rms = np.sqrt(np.einsum("ij,ij->j", Z, Z) / Z.shape[0])
        Z = Z / np.where(rms > 0, rms, 1.0)
    o = inp.options
    res = randomization_test(
        y,
        arm=np.asarray(arm_names, dtype=object)[d.arm_codes[rows]],
        group=codes[rows],
        strata=None if d.strata_codes is None else d.strata_codes[rows],
        covariates=Z if Z.shape[1] else None,
        arms=arm_names,
        control=arm_names[0],
        statistic="t",
        draws=int(o.ri_permutations),
        seed=int(o.seed),
    )
    labels = _labels(inp, inp.L.shape[0])
    if set(labels) <= set(res.labels):
        p = np.array([res.p_value[res.labels.index(lab)] for lab in labels])
    else:  # pragma: no cover - both list the contrasts in the same order
        p = np.asarray(res.p_value)[: len(labels)]
    how = (
        f"all {res.n_permutations} assignments"
        if res.enumerated
        else f"{res.n_permutations} random assignments, seed {o.seed}"
    )
    note = (
        f"randomisation inference (groups' arms re-randomised within strata, {how}; "
        "studentised statistic): p-values only, no confidence interval; std_error is CR1"
    )
    return RIContrasts(
        p_value=p.astype(float),
        n_permutations=int(res.n_permutations),
        enumerated=bool(res.enumerated),
        notes=(note,),
        joint_statistic=float(res.joint_statistic),
        joint_p_value=float(res.joint_p_value),
    )


def wild_joint_test(inp: InferenceInput, rows: np.ndarray) -> JointTest:
    """Restricted wild bootstrap Wald test that ``rows @ params == 0`` (all rows jointly).

    ``rows`` is ``q x k`` over the fit's coefficients (like ``inp.L``); the full regression is
    that of :func:`engine_arrays` (absorbed effects not nested in the clusters back in as
    columns), so the test is that of the raw regression (Cameron, Gelbach & Miller 2008). Uses
    the options' draws, weights and seed.
    """
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    ea = engine_arrays(replace(inp, L=rows), method="wild")
    o = inp.options
    return wild_wald_test(
        ea.X,
        ea.y,
        ea.clusters,
        R=ea.R,
        draws=int(o.bootstrap_draws),
        weights=o.bootstrap_weights,
        seed=int(o.seed),
        n_absorbed=ea.n_absorbed,
    )


def _labels(inp: InferenceInput, m: int) -> list[str]:
    labels = list(getattr(inp, "labels", ()) or ())
    return labels if len(labels) == m else [f"contrast {i + 1}" for i in range(m)]
