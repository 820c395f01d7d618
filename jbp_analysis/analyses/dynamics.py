"""Dynamics: effects by wave, and cohort-by-wave effects aggregated across staggered cohorts.

:func:`wave_effects` answers "does the effect last?": one :func:`~jbp_analysis.estimate.impact`
per wave (endline, follow-up), stacked into one table, with a test that every wave's effect is
the same. The test comes from the pooled stacked regression in which every coefficient (arm
effects, baseline slope, covariates, strata fixed effects) is wave-specific, clustered by group
across waves: its point estimates are exactly the per-wave estimates, and the clustering picks up
the correlation between the waves' estimates that comes from following the same people (the
approach of Stata's ``suest``; Weesie 1999; Cameron & Miller 2015). With few clusters
(``inference="auto"`` below 50) the equality test is the restricted wild cluster bootstrap Wald
test on that stacked regression (Cameron, Gelbach & Miller 2008).

:func:`cohort_effects` answers "does it work for every cohort, and on average?" with the
group-time average treatment effects of Callaway & Sant'Anna (2021): ATT(g, e) for cohort g at
event time e, and their event-study aggregation ATT(e) across cohorts. See :func:`cohort_effects`
for how that framework maps onto JBP's within-cohort randomisation.

References
----------
Callaway, B., & Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time periods.
*Journal of Econometrics*, 225(2), 200-230.
Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based improvements for
inference with clustered errors. *Review of Economics and Statistics*, 90(3), 414-427.
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources*, 50(2), 317-372.
Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
*Journal of Econometrics*, 225(2), 254-277.
McKenzie, D. (2012). Beyond baseline and follow-up: the case for more T in experiments.
*Journal of Development Economics*, 99(2), 210-221.
Weesie, J. (1999). Seemingly unrelated estimation and the cluster-adjusted sandwich estimator.
*Stata Technical Bulletin*, 52, sg121.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.core.results import Result
from jbp_analysis.estimate import ImpactResult, contrast_labels, impact
from jbp_analysis.estimate.covariance import (
    WaldTest,
    cr1,
    replication_count,
    resolve_inference,
    wald_test,
)
from jbp_analysis.estimate.design import (
    ModelSpec,
    as_tuple,
    build_design,
    present_levels,
    require_columns,
)
from jbp_analysis.estimate.ols import OLSFit, fit_ols
from jbp_analysis.inference import AUTO_WILD_BELOW_CLUSTERS, wild_cluster_bootstrap
from jbp_analysis.inference.joint import JointTest, wild_wald_test
from jbp_analysis.study.design import uses_design

__all__ = [
    "wave_effects",
    "WaveEffectsResult",
    "WAVE_COLUMNS",
    "cohort_effects",
    "stack_cohorts",
    "CohortEffectsResult",
    "COHORT_COLUMNS",
]

#: Columns of :meth:`WaveEffectsResult.tidy`, in order.
WAVE_COLUMNS: tuple[str, ...] = (
    "outcome",
    "wave",
    "contrast",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "n_obs",
    "n_clusters",
    "control_mean",
    "control_sd",
    "equality_F",
    "equality_df",
    "equality_p",
    "equality_test",
    "method",
    "inference",
)

#: Columns of :meth:`CohortEffectsResult.tidy`, in order.
COHORT_COLUMNS: tuple[str, ...] = (
    "outcome",
    "estimand",
    "cohort",
    "wave",
    "contrast",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "n_obs",
    "n_clusters",
    "control_mean",
    "weight",
    "n_cohorts",
    "method",
    "inference",
)


# --------------------------------------------------------------------------- shared helpers
def _waves(
    data: pd.DataFrame, wave: str, waves: Sequence[Any] | None, baseline_wave: Any
) -> list[Any]:
    """The post-treatment waves to analyse, in order."""
    present = present_levels(data[wave])
    if waves is None:
        return [w for w in present if w != baseline_wave]
    chosen = list(waves)
    absent = [w for w in chosen if w not in present]
    if absent:
        raise JBPInputError(
            f"wave(s) {', '.join(map(repr, absent))} do not occur in the wave column "
            f"(it holds {', '.join(map(repr, present))})",
            column=wave,
        )
    return chosen


#: Inference methods whose joint tests use the wild bootstrap Wald (few clusters).
_FEW_CLUSTER: tuple[str, ...] = ("cr2", "wild", "ri")


def _check_inference(
    inference: str | None, cluster: str | None, few_cluster_threshold: int
) -> None:
    """Fail early on an unknown method or threshold (``resolve_inference`` applies the rule per
    cell)."""
    resolve_inference(
        inference,
        n_clusters=None if cluster is None else 0,
        auto_wild_below=few_cluster_threshold,
    )


def _in_cell(context: str, call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``call``; a JBPInputError is re-raised naming the cell (wave, cohort) it concerns."""
    try:
        return call(*args, **kwargs)
    except JBPInputError as err:
        raise JBPInputError(
            f"{context}: {err.problem}",
            file=err.file,
            row=err.row,
            column=err.column,
            hint=err.hint,
        ) from err


def _contrast_cov(res: ImpactResult) -> np.ndarray:
    """Covariance of the contrast estimates of one impact result, ``L V L'``."""
    L = res.contrast_matrix
    return L @ res.cov_array @ L.T


# --------------------------------------------------------------------------- wave effects
@dataclass(frozen=True, eq=False)
class WaveEffectsResult(Result):
    """Per-wave impacts and the test that they are equal across waves.

    Built by :func:`wave_effects`; immutable.

    Attributes
    ----------
    outcome, waves, contrasts
        What was estimated, for which waves (in order), and the contrast labels.
    per_wave
        One :class:`~jbp_analysis.estimate.ImpactResult` per wave.
    stacked_names, stacked_params, stacked_cov
        Coefficients of the stacked wave-interacted regression (``"{wave}: {name}"``) and their
        cluster-robust (CR1) covariance across waves.
    stacked_L
        Contrast vectors over ``stacked_params``, contrast-major (row ``c * W + w``).
    df
        Denominator degrees of freedom of the CR1 equality tests (G - 1).
    joint_tests
        With few-cluster inference: the wild bootstrap Wald equality test of every contrast
        (keyed by its label) and of all treated arms (key ``"all"``).
    """

    outcome: str
    waves: tuple[Any, ...]
    contrasts: tuple[str, ...]
    per_wave: tuple[ImpactResult, ...]
    stacked_names: tuple[str, ...]
    stacked_params: np.ndarray = field(repr=False)
    stacked_cov: np.ndarray = field(repr=False)
    stacked_L: np.ndarray = field(repr=False)
    df: float = float("nan")
    n_clusters: int = 0
    notes: tuple[str, ...] = ()
    joint_tests: Mapping[str, JointTest] = field(default_factory=dict, repr=False)

    html_drop = ("outcome", "method", "inference")

    def __post_init__(self) -> None:
        for name in ("stacked_params", "stacked_cov", "stacked_L"):
            a = np.array(getattr(self, name), dtype=np.float64, copy=True)
            a.flags.writeable = False
            object.__setattr__(self, name, a)

    def equality_test(self, contrasts: Sequence[str] | None = None) -> WaldTest | JointTest:
        """Joint test that the named contrasts have the same effect in every wave.

        Default: every treated arm against control, ``(K - 1)(W - 1)`` restrictions. With
        few-cluster inference (``"auto"`` below 50 clusters, ``"wild"``, ``"cr2"``, ``"ri"``)
        the test of one contrast and the default test are restricted wild cluster bootstrap
        Wald tests on the stacked regression (Cameron, Gelbach & Miller 2008); otherwise, and
        for other sets of contrasts, the Wald F with G - 1 denominator degrees of freedom from
        the stacked regression clustered by group.
        """
        n_treated = len(self.per_wave[0].treated)
        names = list(contrasts) if contrasts is not None else list(self.contrasts[:n_treated])
        unknown = [n for n in names if n not in self.contrasts]
        if unknown:
            raise KeyError(f"no contrast {unknown[0]!r}; have {', '.join(self.contrasts)}")
        key = "all" if contrasts is None else (names[0] if len(names) == 1 else None)
        if key is not None and key in self.joint_tests:
            return self.joint_tests[key]
        rows = _equality_rows(self.stacked_L, self.contrasts, len(self.waves), names)
        return wald_test(self.stacked_params, self.stacked_cov, rows, df_denom=self.df)

    def tidy(self) -> pd.DataFrame:
        """One row per wave and contrast; columns :data:`WAVE_COLUMNS`.

        The per-wave columns are those of :meth:`ImpactResult.tidy`;
        ``equality_F``/``equality_df``/``equality_p`` repeat, on every wave row of a contrast,
        the test that the contrast's effect is the same in every wave.
        """
        tests = {c: self.equality_test([c]) for c in self.contrasts}
        frames = [
            res.tidy().assign(wave=str(w)) for w, res in zip(self.waves, self.per_wave, strict=True)
        ]
        out = pd.concat(frames, ignore_index=True)
        out["equality_F"] = out["contrast"].map({c: t.statistic for c, t in tests.items()})
        out["equality_df"] = out["contrast"].map({c: t.df_num for c, t in tests.items()})
        out["equality_p"] = out["contrast"].map({c: t.p_value for c, t in tests.items()})
        out["equality_test"] = out["contrast"].map(
            {
                c: (t.label if isinstance(t, JointTest) else f"F({t.df_num}, {t.df_denom:g})")
                for c, t in tests.items()
            }
        )
        out = out.astype({"equality_F": float, "equality_df": np.int64, "equality_p": float})
        return out[list(WAVE_COLUMNS)]

    def __repr__(self) -> str:
        head = f"WaveEffectsResult({self.outcome!r}, waves={list(map(str, self.waves))})"
        body = self.tidy().drop(columns=["outcome", "method", "inference"])
        return head + "\n" + body.to_string(index=False)

    def _html_caption(self) -> str:
        first = self.per_wave[0]
        return (
            f"Impact on <b>{html.escape(self.outcome)}</b> by wave: "
            f"{html.escape(first.method)}, {html.escape(first.inference)}, {first.level:.0%} CI; "
            f"equality p: same effect in every wave (stacked regression, {self.n_clusters} "
            "clusters)"
        )


@uses_design
def wave_effects(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: Any,
    cluster: str,
    wave: str = "wave",
    waves: Sequence[Any] | None = None,
    baseline_wave: Any = "baseline",
    baseline: str | None = None,
    covariates: str | Sequence[str] = (),
    strata: str | None = None,
    weights: str | None = None,
    method: Literal["ancova", "diff_in_means"] = "ancova",
    level: float = 0.95,
    inference: Literal["auto", "cr1", "hc1", "cr2", "wild", "ri"] | None = "auto",
    few_cluster_threshold: int = AUTO_WILD_BELOW_CLUSTERS,
    draws: int = 9999,
    seed: int = 0,
) -> WaveEffectsResult:
    """Impacts at each post-treatment wave, and a test that they are equal across waves.

    Each wave's rows are :func:`~jbp_analysis.estimate.impact` on that wave's data (ANCOVA with
    the baseline outcome, McKenzie 2012, or difference in means). The equality test is the Wald
    F-test of ``tau_c(w) = tau_c(w_1)`` for every later wave w, from the pooled regression of the
    stacked waves with wave-specific arm effects, baseline slope, covariates and strata fixed
    effects, clustered by ``cluster`` across waves, so the covariance between the waves'
    estimates (same people, same groups) is accounted for (Weesie 1999; Cameron & Miller 2015);
    F(W - 1, G - 1). Its point estimates equal the per-wave ones exactly.

    Length: per-wave impacts, then the stacked regression and its joint tests on the same
    complete-case rows; kept together so the rows stay aligned.

    Parameters
    ----------
    data
        Long panel: one row per unit and wave. Baseline rows may stay (they are not used);
        attach the baseline outcome with :func:`jbp_analysis.outcomes.build.attach_baseline`.
    outcome, arm, control, baseline, covariates, strata, weights, level
        As in :func:`~jbp_analysis.estimate.impact`.
    cluster
        Unit of randomisation (required: the waves' estimates are correlated within it).
    wave
        The wave column. In JBP, waves are months since each cohort's start (0, 4, 12), i.e.
        event time.
    waves
        Waves to analyse, in order (default: every wave present except ``baseline_wave``).
    baseline_wave
        The pre-treatment wave, left out by default.
    method
        ``"ancova"`` or ``"diff_in_means"``.
    inference
        Passed to each wave's :func:`~jbp_analysis.estimate.impact`: ``"auto"`` (default: the
        package's one rule, the wild cluster bootstrap below 50 clusters, CR1 at or above),
        ``None``/``"cr1"`` (CR1, t with G - 1 df), ``"hc1"``, ``"cr2"``, ``"wild"`` or ``"ri"``.
        With few-cluster inference the equality tests are wild bootstrap Wald tests on the
        stacked regression; with CR1 they are F(q, G - 1).
    few_cluster_threshold
        Fewest clusters for CR1 under ``inference="auto"``, passed to each wave's
        :func:`~jbp_analysis.estimate.impact` (the plan's ``models.few_cluster_threshold``).
    draws, seed
        Bootstrap draws / re-randomisations and their seed (per wave and for the equality test).

    Returns
    -------
    WaveEffectsResult
        ``tidy()``: one row per wave and contrast, with the equality test.

    Raises
    ------
    JBPInputError
        Unknown column, a requested wave that does not occur, fewer than two waves, and every
        per-wave problem :func:`~jbp_analysis.estimate.impact` rejects (named with its wave).
    ConfigError
        ``method="did"``, bad level or inference.

    Examples
    --------
    >>> rng = np.random.default_rng(1)  # 60 groups of 10, randomised to three arms
    >>> a = pd.DataFrame({"cluster": np.repeat(np.arange(60), 10), "y0": rng.normal(size=600)})
    >>> a["arm"] = np.array(["kontrol", "karitatif", "pendampingan"])[a["cluster"] % 3]
    >>> effect = a["arm"].map({"kontrol": 0.0, "karitatif": 0.2, "pendampingan": 0.6})
    >>> shock = rng.normal(0, 0.5, 60)[a["cluster"]]  # a shock per group
    >>> a["y"] = effect + 0.6 * a["y0"] + shock + rng.normal(size=600)
    >>> noise = rng.normal(0, 0.3, len(a))
    >>> b = a.assign(y=a["y"] - 0.5 * (a["arm"] == "pendampingan") + noise)
    >>> panel = pd.concat([a.assign(wave="endline"), b.assign(wave="followup")])
    >>> res = wave_effects(panel, outcome="y", arm="arm", control="kontrol", baseline="y0",
    ...                    cluster="cluster")
    >>> t = res.tidy().set_index(["contrast", "wave"])
    >>> t.loc["pendampingan - kontrol", ["estimate", "equality_p"]].round(4).values.tolist()
    [[0.5915, 0.0], [0.0699, 0.0]]
    """
    covariates = as_tuple(covariates)
    require_columns(
        data,
        [
            ("wave", wave),
            ("outcome", outcome),
            ("arm", arm),
            ("cluster", cluster),
            ("baseline", baseline),
            ("strata", strata),
            ("weights", weights),
            *[("covariates", c) for c in covariates],
        ],
    )
    if method not in ("ancova", "diff_in_means"):
        raise ConfigError(
            f"wave_effects supports method='ancova' or 'diff_in_means', not {method!r}; for "
            "difference-in-differences by wave use cohort_effects(..., method='did')"
        )
    if not (0.0 < float(level) < 1.0):
        raise ConfigError(f"level must lie strictly between 0 and 1, not {level!r}")
    _check_inference(inference, cluster, few_cluster_threshold)
    draws = replication_count(draws)
    levels = _waves(data, wave, waves, baseline_wave)
    if len(levels) < 2:
        raise JBPInputError(
            f"wave_effects compares waves but only {len(levels)} post-baseline wave is given "
            f"({', '.join(map(repr, levels))}); use impact() for a single wave",
            column=wave,
        )
    options: dict[str, Any] = dict(
        outcome=outcome,
        arm=arm,
        control=control,
        baseline=baseline,
        covariates=covariates,
        strata=strata,
        cluster=cluster,
        weights=weights,
    )
    # complete cases, so that each wave's design drops nothing and its rows stay aligned with
    # their cluster labels
    needed = list(
        dict.fromkeys(c for c in (outcome, arm, *covariates, strata, cluster, weights) if c)
    )
    complete = data[needed].notna().all(axis=1).to_numpy()
    spec = ModelSpec(method="ancova", **options)
    per_wave: list[ImpactResult] = []
    absorbed: list[Any] = []
    blocks: list[tuple[np.ndarray, np.ndarray, list[str], np.ndarray, int]] = []
    for w in levels:  # loop over the few waves
        rows = (data[wave] == w).to_numpy(dtype=bool)
        res = _in_cell(
            f"wave {w!r}",
            impact,
            data.loc[rows],
            method=method,
            level=level,
            inference=inference,
            few_cluster_threshold=few_cluster_threshold,
            draws=draws,
            seed=seed,
            **options,
        )
        per_wave.append(res)
        kept = data.loc[rows & complete].reset_index(drop=True)
        design = _in_cell(f"wave {w!r}", build_design, kept, spec)
        if design.n_dropped:  # pragma: no cover - ruled out by the complete-case filter
            raise RuntimeError("internal error: the design dropped rows after the filter")
        names = [f"{w}: {n}" for n in design.names]
        blocks.append((design.X, design.y, names, kept[cluster].to_numpy(), design.n_absorbed))
        absorbed.append(design)
    labels = list(per_wave[0].contrasts)
    for w, res in zip(levels, per_wave, strict=True):
        if list(res.contrasts) != labels:
            raise JBPInputError(
                f"wave {w!r} has arms {list(map(str, res.arm_levels))}, unlike wave "
                f"{levels[0]!r} ({list(map(str, per_wave[0].arm_levels))}); every wave needs the "
                "same arms",
                column=arm,
            )
    fit, clusters, n_clusters, n_absorbed = _stack(blocks)
    cov = cr1(fit.X, fit.resid, fit.bread, clusters, n_clusters, n_absorbed=n_absorbed)
    position = {n: j for j, n in enumerate(fit.names)}
    treated = per_wave[0].treated
    W = len(levels)
    L = np.zeros((len(labels) * W, fit.k))
    for c, (_, plus, minus) in enumerate(contrast_labels(per_wave[0].arm_levels)):
        for k, w in enumerate(levels):
            L[c * W + k, position[f"{w}: {treated[plus]}"]] = 1.0
            if minus >= 0:
                L[c * W + k, position[f"{w}: {treated[minus]}"]] = -1.0
    notes = [f"{w}: {n}" for w, res in zip(levels, per_wave, strict=True) for n in res.notes]
    joint: dict[str, JointTest] = {}
    if per_wave[0].inference_method in _FEW_CLUSTER:
        X_full, R_of = _with_absorbed(fit.X, absorbed)
        y_stacked = np.concatenate([b[1] for b in blocks])
        for name in labels:
            R = R_of(_equality_rows(L, labels, W, [name]))
            joint[name] = wild_wald_test(X_full, y_stacked, clusters, R=R, draws=draws, seed=seed)
        R = R_of(_equality_rows(L, labels, W, labels[: len(treated)]))
        joint["all"] = wild_wald_test(X_full, y_stacked, clusters, R=R, draws=draws, seed=seed)
        notes.append(
            "equality tests: restricted wild cluster bootstrap Wald on the stacked regression "
            f"(Cameron, Gelbach & Miller 2008), {joint['all'].label}"
        )
    return WaveEffectsResult(
        outcome=outcome,
        waves=tuple(levels),
        contrasts=tuple(labels),
        per_wave=tuple(per_wave),
        stacked_names=fit.names,
        stacked_params=fit.params,
        stacked_cov=cov,
        stacked_L=L,
        df=float(n_clusters - 1),
        n_clusters=n_clusters,
        notes=tuple(notes),
        joint_tests=joint,
    )


def _equality_rows(
    L: np.ndarray, contrasts: Sequence[str], n_waves: int, names: Sequence[str]
) -> np.ndarray:
    """Rows ``tau_c(w) - tau_c(w_1) = 0`` (w = 2..W) for the named contrasts."""
    rows = []
    for name in names:
        c = list(contrasts).index(name)
        first = L[c * n_waves]
        rows += [L[c * n_waves + w] - first for w in range(1, n_waves)]
    return np.array(rows)


def _with_absorbed(X: np.ndarray, designs: Sequence[Any]) -> tuple[np.ndarray, Any]:
    """The stacked regression with each block's absorbed effects back in as dummy columns.

    The wild bootstrap needs every fixed effect that is not nested in the clusters as a column
    (see :mod:`jbp_analysis.estimate.few_clusters`); the blocks' strata (or intercepts) are
    wave-specific. Returns the full matrix and a function padding restriction rows with zeros.
    """
    n = X.shape[0]
    width = sum(d.n_absorb_levels for d in designs)
    D = np.zeros((n, width))
    r = c = 0
    for d in designs:  # loop over the few waves
        rows = np.arange(r, r + d.y.shape[0])
        D[rows, c + d.absorb_codes] = 1.0 if d.sqrt_weights is None else d.sqrt_weights
        r += d.y.shape[0]
        c += d.n_absorb_levels
    k = X.shape[1]

    def pad(R: np.ndarray) -> np.ndarray:
        out = np.zeros((R.shape[0], k + width))
        out[:, :k] = R
        return out

    return np.hstack([X, D]), pad


def _stack(
    blocks: Sequence[tuple[np.ndarray, np.ndarray, list[str], np.ndarray, int]],
) -> tuple[OLSFit, np.ndarray, int, int]:
    """Block-diagonal least squares of several designs whose rows carry shared cluster labels."""
    n = sum(b[0].shape[0] for b in blocks)
    k = sum(b[0].shape[1] for b in blocks)
    X = np.zeros((n, k), order="F")
    r = c = 0
    for Xb, *_ in blocks:  # loop over the few blocks
        X[r : r + Xb.shape[0], c : c + Xb.shape[1]] = Xb
        r += Xb.shape[0]
        c += Xb.shape[1]
    y = np.concatenate([b[1] for b in blocks])
    names = [name for b in blocks for name in b[2]]
    clusters, uniques = pd.factorize(pd.Series(np.concatenate([b[3] for b in blocks])))
    fit = fit_ols(X, y, names=names)
    return fit, clusters.astype(np.int64), len(uniques), sum(b[4] for b in blocks)


# --------------------------------------------------------------------------- cohorts
@dataclass(frozen=True, eq=False)
class CohortEffectsResult(Result):
    """Group-time effects ATT(g, e) and their aggregation ATT(e) across cohorts.

    Built by :func:`cohort_effects`; immutable.

    Attributes
    ----------
    outcome, cohorts, waves, contrasts
        What was estimated: cohorts and event-time waves in order, and the contrast labels.
    cells
        ``{(cohort, wave): ImpactResult}`` for every cohort observed at that wave.
    weights
        ``{wave: {cohort: weight}}`` of the aggregation (weights sum to 1 per wave).
    aggregated
        ``{wave: (estimate, cov, df)}``: the ATT(e) contrast estimates, their covariance and
        t degrees of freedom (empty without aggregation).
    """

    outcome: str
    cohorts: tuple[Any, ...]
    waves: tuple[Any, ...]
    contrasts: tuple[str, ...]
    cells: Mapping[tuple[Any, Any], ImpactResult] = field(repr=False)
    weights: Mapping[Any, Mapping[Any, float]] = field(repr=False)
    aggregated: Mapping[Any, tuple[np.ndarray, np.ndarray, float]] = field(repr=False)
    aggregate_wild: Mapping[Any, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False
    )
    method: str = "ancova"
    inference: str = "cr1"
    level: float = 0.95
    notes: tuple[str, ...] = ()

    html_drop = ("outcome", "method", "inference")
    html_na_rep = ""

    def cell(self, cohort: Any, wave: Any) -> ImpactResult:
        """The :class:`~jbp_analysis.estimate.ImpactResult` of one cohort at one wave."""
        if (cohort, wave) not in self.cells:
            raise KeyError(f"no estimate for cohort {cohort!r} at wave {wave!r}")
        return self.cells[(cohort, wave)]

    def aggregate_cov(self, wave: Any) -> pd.DataFrame:
        """Covariance of the aggregated ATT(e) contrasts at ``wave`` (``w' V w``)."""
        if wave not in self.aggregated:
            raise KeyError(f"no aggregate at wave {wave!r}")
        cov = self.aggregated[wave][1].copy()
        return pd.DataFrame(cov, index=list(self.contrasts), columns=list(self.contrasts))

    def tidy(self) -> pd.DataFrame:
        """Rows ATT(g, e) for every cohort and wave, then ATT(e) (``cohort == "all"``) per wave.

        Columns :data:`COHORT_COLUMNS`. ``weight`` is the cohort's weight in its wave's
        aggregate (missing on aggregate rows); ``n_cohorts`` counts the cohorts combined;
        ``control_mean`` of an aggregate row is the same weighted average of the cohorts'.
        """
        frames = []
        for (g, w), res in self.cells.items():
            wt = self.weights.get(w, {}).get(g, np.nan)
            frames.append(
                res.tidy().assign(
                    estimand="ATT(g,e)", cohort=str(g), wave=str(w), weight=wt, n_cohorts=1
                )
            )
        for w, (est, cov, df) in self.aggregated.items():
            frames.append(self._aggregate_frame(w, est, cov, df))
        out = pd.concat(frames, ignore_index=True)
        out = out.astype({"n_cohorts": np.int64, "weight": float})
        return out[list(COHORT_COLUMNS)]

    def _aggregate_frame(self, w: Any, est: np.ndarray, cov: np.ndarray, df: float) -> pd.DataFrame:
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
        dist = stats.t(df)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2.0 * dist.sf(np.abs(est / se))
        crit = dist.ppf(0.5 + self.level / 2.0)
        lo, hi = est - crit * se, est + crit * se
        how = "stacked influence functions, t(G - 1)"
        if w in self.aggregate_wild:  # few clusters: the wild bootstrap's p-value and interval
            p, lo, hi = (np.asarray(a, float) for a in self.aggregate_wild[w])
            how = f"wild (stacked cells, weights fixed; {int(df) + 1} clusters); SE: stacked IF"
        pairs = [(g, self.cells[(g, w)]) for g in self.weights[w]]
        m = len(self.contrasts)
        n_cl = [r.n_clusters for _, r in pairs]
        control_mean = sum(self.weights[w][g] * r.control_mean for g, r in pairs)
        return pd.DataFrame(
            {
                "outcome": [self.outcome] * m,
                "estimand": ["ATT(e)"] * m,
                "cohort": ["all"] * m,
                "wave": [str(w)] * m,
                "contrast": list(self.contrasts),
                "estimate": est,
                "std_error": se,
                "ci_low": lo,
                "ci_high": hi,
                "p_value": p,
                "n_obs": [sum(r.n_obs for _, r in pairs)] * m,
                "n_clusters": pd.array(
                    [None if None in n_cl else int(df) + 1] * m,  # type: ignore[arg-type]
                    dtype="Int64",
                ),
                "control_mean": [control_mean] * m,
                "weight": [np.nan] * m,
                "n_cohorts": [len(pairs)] * m,
                "method": [self.method] * m,
                "inference": [how] * m,
            }
        )

    def __repr__(self) -> str:
        head = (
            f"CohortEffectsResult({self.outcome!r}, cohorts={list(map(str, self.cohorts))}, "
            f"waves={list(map(str, self.waves))})"
        )
        body = self.tidy().drop(columns=["outcome", "method", "inference"])
        return head + "\n" + body.to_string(index=False)

    def _html_caption(self) -> str:
        return (
            f"Impact on <b>{html.escape(self.outcome)}</b> by cohort and wave (ATT(g,e)) and "
            f"aggregated across cohorts (ATT(e), Callaway &amp; Sant'Anna 2021): "
            f"{html.escape(self.method)}, {html.escape(self.inference)}, {self.level:.0%} CI"
        )


def _cohort_weights(
    how: str | Mapping[Any, float],
    present: Sequence[tuple[Any, ImpactResult]],
    influence: Sequence[_Influence],
) -> dict[Any, float]:
    if isinstance(how, Mapping):
        absent = [g for g, _ in present if g not in how]
        if absent:
            raise ConfigError(f"cohort_weights has no weight for cohort(s) {absent}")
        raw = np.array([float(how[g]) for g, _ in present])
    elif how == "size":
        raw = np.array([float(inf.treated_clusters.shape[0]) for inf in influence])
    elif how == "equal":
        raw = np.ones(len(present))
    else:
        raise ConfigError(
            f"cohort_weights must be 'size', 'equal' or a mapping {{cohort: weight}}, not {how!r}"
        )
    if not np.all(np.isfinite(raw)) or (raw < 0).any() or raw.sum() <= 0:
        raise ConfigError(f"cohort weights must be non-negative and not all zero, got {raw}")
    return {g: float(v) for (g, _), v in zip(present, raw / raw.sum(), strict=True)}


@uses_design
def cohort_effects(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: Any,
    cohort: str = "cohort",
    wave: str = "wave",
    waves: Sequence[Any] | None = None,
    baseline_wave: Any = "baseline",
    baseline: str | None = None,
    covariates: str | Sequence[str] = (),
    strata: str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    method: Literal["ancova", "diff_in_means", "did"] = "ancova",
    unit: str | None = None,
    level: float = 0.95,
    inference: Literal["auto", "cr1", "hc1", "cr2", "wild", "ri"] | None = "auto",
    few_cluster_threshold: int = AUTO_WILD_BELOW_CLUSTERS,
    aggregate: bool = True,
    cohort_weights: Literal["size", "equal"] | Mapping[Any, float] = "size",
    draws: int = 9999,
    seed: int = 0,
) -> CohortEffectsResult:
    """Cohort-by-wave effects ATT(g, e) and their aggregation ATT(e), after Callaway & Sant'Anna.

    **Mapping to Callaway & Sant'Anna (2021).** CS2021 define the group-time average treatment
    effect ATT(g, t) of the units first treated in period g ("group" g, here a *cohort*) at
    period t, identify it by comparing group g's change since its last untreated period g - 1
    with the change of a comparison group that is *never treated* or *not yet treated* by t, and
    aggregate the ATT(g, t) into summaries such as the event-study parameter
    ``theta_es(e) = sum_g 1{g + e <= T} P(G = g | G + e <= T) ATT(g, g + e)``. In JBP every
    cohort is its own randomised experiment: its groups are assigned to pendampingan, karitatif
    or the wait-list kontrol, and its waves are fielded at months 0, 4 and 12 after *its own*
    start, so the ``wave`` column already is event time e (the baseline is e = 0, the last
    untreated period). Hence:

    * ATT(g, e) is the impact estimate at wave e from cohort g's rows only: its treated groups
      against its own kontrol groups, measured at the same time. Randomisation within the cohort
      identifies it without a parallel-trends assumption; ANCOVA on the baseline (McKenzie 2012)
      is the efficient estimator, and ``method="did"`` gives CS2021's unconditional 2x2 DiD
      with base period e = 0 exactly (cohort g against its own controls, baseline to wave e).
    * The never-treated vs not-yet-treated choice of CS2021 is moot. It arises because the
      comparison units there come from *other* cohorts, whose treatment timing differs, and
      using already-treated cohorts as controls is the "forbidden comparison" that biases
      two-way fixed-effects regressions under staggered adoption (Goodman-Bacon 2021). Here no
      comparison crosses cohorts: each cohort's wait-list controls are untreated until after
      their cohort's follow-up, i.e. never treated within the evaluation window and also not yet
      treated, so both CS2021 choices select the same clean, randomised controls.
    * ATT(e) aggregates the cohorts observed at e with weights proportional to their *treated*
      units, as CS2021's event-study aggregation weights by P(G = g | G + e <= T):
      ``cohort_weights="size"`` uses each cohort's number of treated rows (units in a treated
      arm; with ``method="did"``, at wave e) in its estimation sample. Control units do not
      count: a cohort compared with many shared controls does not weigh more. The same weights
      serve every contrast, which keeps the aggregated contrasts coherent (ATT(e) of
      pendampingan - karitatif = the difference of the two arms' ATT(e)). A cohort not yet
      observed at e drops out of that e's aggregate, as the indicator ``1{g + e <= T}`` does.
    * Inference: each ATT(g, e) is :func:`~jbp_analysis.estimate.impact`'s, with its
      ``inference`` (``"auto"``: the wild bootstrap below 50 clusters, CR1 at or above). The
      covariance of ATT(e) comes from the stacked influence functions of CS2021 (section 4):
      the influence of cluster c on ATT(e) is ``sum_g w_g psi_g(c)`` with
      ``psi_g(c) = L (X_g'X_g)^-1 X_gc' u_gc`` its score in cell g, plus, for ``"size"``
      weights, the influence of estimating the weights (CS2021's ``wif``:
      ``(ATT(g, e) - ATT(e)) / N_treated`` for each treated unit of cohort g), and
      ``V = G / (G - 1) sum_c IF_c IF_c'`` over the G clusters in the aggregate, with t(G - 1).
      Cohorts that share controls or clusters (staggered adoption with never-treated
      comparison units, as in :func:`stack_cohorts`) are covered by the cross-cohort terms;
      with distinct clusters those terms vanish.

    Length: the cohort-by-wave cells and their aggregation share the influence functions and weights
    collected in one loop.

    Parameters
    ----------
    data
        Long panel, one row per unit and wave (any DataFrame).
    outcome, arm, control, baseline, covariates, strata, cluster, weights, level
        As in :func:`~jbp_analysis.estimate.impact` (``strata`` may be the district; the cohort
        is fixed within a cell).
    cohort
        The cohort column.
    wave
        The wave column, as event time relative to each cohort's start.
    waves
        Post-treatment waves to estimate (default: every wave present except ``baseline_wave``).
    baseline_wave
        The pre-treatment wave (used by ``method="did"``).
    method
        ``"ancova"``, ``"diff_in_means"`` or ``"did"`` (needs ``unit``; uses the baseline rows).
    unit
        The unit (respondent) column for ``method="did"``.
    inference
        Passed to each cell's :func:`~jbp_analysis.estimate.impact` (``"auto"``: the package's
        rule; ``None``, ``"cr1"``, ``"hc1"``, ``"cr2"``, ``"wild"``, ``"ri"``). The ATT(e)
        standard error is always the stacked influence functions' (see above); with a
        few-cluster inference (``"auto"`` below 50 clusters) the ATT(e) p-value and interval
        come from the restricted wild cluster bootstrap of the stacked cells' regression
        (weights held fixed; shared groups keep one bootstrap weight).
    few_cluster_threshold
        Fewest clusters for CR1 under ``inference="auto"``, passed to each cell's
        :func:`~jbp_analysis.estimate.impact` (the plan's ``models.few_cluster_threshold``).
    aggregate
        Whether to add the ATT(e) rows (needs at least two cohorts).
    cohort_weights
        ``"size"`` (default: treated units), ``"equal"``, or a mapping ``{cohort: weight}``
        (normalised over the cohorts observed at each wave; fixed, so no weight influence).
    draws, seed
        Bootstrap draws / re-randomisations of the cells' inference, and their seed.

    Returns
    -------
    CohortEffectsResult
        ``tidy()``: ATT(g, e) rows, then ATT(e) rows with ``cohort == "all"``.

    Raises
    ------
    JBPInputError
        Unknown column; a single cohort with ``aggregate=True``; a cohort-wave cell without
        control or treated groups (named by cohort and wave), and every other problem
        :func:`~jbp_analysis.estimate.impact` rejects.
    ConfigError
        Bad inference, level or cohort weights; ``method="did"`` without ``unit``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)  # two cohorts of 45 groups of 10, three arms each
    >>> df = pd.DataFrame({"cluster": np.repeat(np.arange(90), 10), "y0": rng.normal(size=900)})
    >>> df["cohort"] = np.where(df["cluster"] < 45, 1, 2)  # groups are distinct across cohorts
    >>> df["arm"] = np.array(["kontrol", "karitatif", "pendampingan"])[df["cluster"] % 3]
    >>> effect = df["arm"].map({"kontrol": 0.0, "karitatif": 0.2, "pendampingan": 0.5})
    >>> shock = rng.normal(0, 0.5, 90)[df["cluster"]]  # a shock per group
    >>> df["y"] = effect + 0.6 * df["y0"] + shock + rng.normal(size=900)
    >>> df["wave"] = "endline"
    >>> res = cohort_effects(df, outcome="y", arm="arm", control="kontrol", baseline="y0",
    ...                      cluster="cluster")
    >>> t = res.tidy()
    >>> t[t.contrast == "pendampingan - kontrol"][["estimand", "cohort", "weight"]]
       estimand cohort  weight
    1  ATT(g,e)      1     0.5
    4  ATT(g,e)      2     0.5
    7    ATT(e)    all     NaN
    """
    covariates = as_tuple(covariates)
    require_columns(
        data,
        [
            ("cohort", cohort),
            ("wave", wave),
            ("outcome", outcome),
            ("arm", arm),
            ("baseline", baseline),
            ("strata", strata),
            ("cluster", cluster),
            ("weights", weights),
            ("unit", unit),
            *[("covariates", c) for c in covariates],
        ],
    )
    if not (0.0 < float(level) < 1.0):
        raise ConfigError(f"level must lie strictly between 0 and 1, not {level!r}")
    _check_inference(inference, cluster, few_cluster_threshold)
    draws = replication_count(draws)
    if method == "did" and unit is None:
        raise ConfigError("method='did' needs the unit column (unit=...)")
    cohorts = present_levels(data[cohort])
    if not cohorts:
        raise JBPInputError("the cohort column is missing in every row", column=cohort)
    if aggregate and len(cohorts) < 2:
        raise JBPInputError(
            f"only one cohort ({cohorts[0]!r}) in the data: aggregating across cohorts needs at "
            "least two",
            column=cohort,
            hint="Use aggregate=False, or wave_effects() for a single cohort.",
        )
    levels = _waves(data, wave, waves, baseline_wave)
    if not levels:
        raise JBPInputError(
            f"no post-baseline wave in the wave column (baseline_wave={baseline_wave!r})",
            column=wave,
        )
    options: dict[str, Any] = dict(
        outcome=outcome,
        arm=arm,
        control=control,
        baseline=baseline,
        covariates=covariates,
        strata=strata,
        cluster=cluster,
        weights=weights,
        method=method,
        level=level,
    )
    cell_options = dict(
        options,
        inference=inference,
        few_cluster_threshold=few_cluster_threshold,
        draws=draws,
        seed=seed,
    )
    if method == "did":
        options.update(unit=unit, time=wave)
        cell_options.update(unit=unit, time=wave)
    cohort_values = data[cohort].to_numpy()
    is_baseline = (data[wave] == baseline_wave).to_numpy(dtype=bool)
    cells: dict[tuple[Any, Any], ImpactResult] = {}
    influence: dict[tuple[Any, Any], _Influence] = {}
    notes: list[str] = []
    n_missing_cohort = int(data[cohort].isna().sum())
    if n_missing_cohort:
        notes.append(f"{n_missing_cohort} rows without a cohort are not used")
    for g in cohorts:  # loop over the few cohorts and waves
        in_g = cohort_values == g
        for w in levels:
            rows = (data[wave] == w).to_numpy(dtype=bool) & in_g
            if not rows.any():
                notes.append(f"cohort {g} is not observed at wave {w}")
                continue
            order: dict[str, Any] = {}
            if method == "did":
                rows = rows | (is_baseline & in_g)
                order = {"waves": (baseline_wave, w)}  # the baseline is the pre period
            cells[(g, w)] = _in_cell(
                f"cohort {g!r}, wave {w!r}", impact, data.loc[rows], **cell_options, **order
            )
            influence[(g, w)] = _cell_influence(
                data.loc[rows], {**options, **order}, cells[(g, w)], g
            )
    if not cells:
        raise JBPInputError("no cohort is observed at any requested wave", column=wave)
    first = next(iter(cells.values()))
    for (g, w), res in cells.items():
        if res.contrasts != first.contrasts:
            raise JBPInputError(
                f"cohort {g!r}, wave {w!r} has arms {list(map(str, res.arm_levels))}; every "
                f"cohort needs the same arms ({list(map(str, first.arm_levels))})",
                column=arm,
            )
    weights_by_wave: dict[Any, dict[Any, float]] = {}
    aggregated: dict[Any, tuple[np.ndarray, np.ndarray, float]] = {}
    aggregate_wild: dict[Any, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    if aggregate:
        for w in levels:
            present = [(g, cells[(g, w)]) for g in cohorts if (g, w) in cells]
            if not present:
                continue
            inf = [influence[(g, w)] for g, _ in present]
            weights_by_wave[w] = _cohort_weights(cohort_weights, present, inf)
            aggregated[w] = _aggregate(
                present, inf, weights_by_wave[w], with_wif=cohort_weights == "size"
            )
            if first.inference_method in _FEW_CLUSTER and len(present) > 1:
                wv = np.array([weights_by_wave[w][g] for g, _ in present])
                p, lo, hi, B = _aggregate_wild(inf, wv, level=level, draws=draws, seed=seed)
                aggregate_wild[w] = (p, lo, hi)
            if len(present) == 1:
                notes.append(
                    f"wave {w}: only cohort {present[0][0]} is observed; ATT(e) is its ATT"
                )
    return CohortEffectsResult(
        outcome=outcome,
        cohorts=tuple(cohorts),
        waves=tuple(levels),
        contrasts=tuple(first.contrasts),
        cells=cells,
        weights=weights_by_wave,
        aggregated=aggregated,
        aggregate_wild=aggregate_wild,
        method=method,
        inference=first.inference,
        level=float(level),
        notes=tuple(notes),
    )


@dataclass(frozen=True, eq=False)
class _Influence:
    """One cell's influence on its contrasts, by cluster.

    ``labels`` (G_g cluster labels) and ``psi`` (G_g x m): ``L (X'X)^-1 X_c' u_c`` for each
    cluster c of the cell's regression (no small-sample factor); ``treated_clusters`` holds the
    cluster label of each treated unit (row) of the cell (at the post wave for DiD).
    """

    labels: np.ndarray
    psi: np.ndarray
    treated_clusters: np.ndarray
    design: Any = None
    fit: Any = None
    L: Any = None


def _cell_influence(
    cell: pd.DataFrame, options: Mapping[str, Any], res: ImpactResult, cohort: Any
) -> _Influence:
    """Rebuild the cell's regression (the one :func:`impact` fitted) and its cluster scores."""
    spec = ModelSpec(
        **{
            k: options.get(k)
            for k in ("outcome", "arm", "control", "baseline", "strata", "cluster", "weights")
        },
        covariates=tuple(options.get("covariates", ())),
        method=options["method"],
        unit=options.get("unit"),
        time=options.get("time"),
        time_order=options.get("waves"),
    )
    design = build_design(cell, spec)
    fit = fit_ols(design.X, design.y, names=design.names)
    if tuple(fit.names) != tuple(res.coef_names):  # pragma: no cover - same data, same fit
        raise RuntimeError("internal error: the cell's regression differs from impact's")
    if design.clusters is None:  # every row its own cluster, distinct across cells
        labels = np.array([(cohort, int(r)) for r in design.rows] + [None], dtype=object)[:-1]
        codes = np.arange(design.n_obs)
    else:
        labels = np.asarray(design.cluster_levels, dtype=object)
        codes = design.clusters
    n_groups = labels.shape[0]
    scores = np.zeros((n_groups, fit.k))
    np.add.at(scores, codes, fit.X * fit.resid[:, None])
    psi = scores @ fit.bread @ res.contrast_matrix.T
    treated = design.arm_codes != 0
    if design.post is not None:
        treated &= design.post == 1
    return _Influence(
        labels=labels,
        psi=psi,
        treated_clusters=labels[codes[treated]],
        design=design,
        fit=fit,
        L=res.contrast_matrix,
    )


def _aggregate_wild(
    influence: Sequence[_Influence],
    w: np.ndarray,
    *,
    level: float,
    draws: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Wild cluster bootstrap p-values and intervals of ATT(e) (weights held fixed).

    ATT(e) = sum_g w_g L_g b_g is one linear restriction on the block-diagonal regression that
    stacks the cohorts' cells, clustered by group across cells (shared groups keep one bootstrap
    weight), with every absorbed effect that is not nested in the clusters back in as dummies
    (Cameron, Gelbach & Miller 2008; see :mod:`jbp_analysis.estimate.few_clusters`).
    """
    n = sum(inf.fit.X.shape[0] for inf in influence)
    widths = [inf.fit.X.shape[1] for inf in influence]
    extra = [0 if inf.design.absorbed_nested else inf.design.n_absorb_levels for inf in influence]
    X = np.zeros((n, sum(widths) + sum(extra)))
    R = np.zeros((influence[0].L.shape[0], X.shape[1]))
    labels = []
    r, c, c_extra = 0, 0, sum(widths)
    for wg, inf, k, e in zip(w, influence, widths, extra, strict=True):  # few cohorts
        rows = inf.fit.X.shape[0]
        X[r : r + rows, c : c + k] = inf.fit.X
        R[:, c : c + k] = wg * inf.L
        if e:
            d = inf.design
            X[r + np.arange(rows), c_extra + d.absorb_codes] = (
                1.0 if d.sqrt_weights is None else d.sqrt_weights
            )
            c_extra += e
        codes = np.arange(rows) if inf.design.clusters is None else inf.design.clusters
        labels.append(inf.labels[codes])
        r += rows
        c += k
    y = np.concatenate([inf.design.y for inf in influence])
    groups, _ = pd.factorize(pd.Series(np.concatenate(labels), dtype=object))
    out = np.full((3, R.shape[0]), np.nan)
    B = 0
    for i, row in enumerate(R):  # loop over the few contrasts
        wb = wild_cluster_bootstrap(
            X, y, groups, restriction=row, draws=draws, seed=seed, level=level,
            warn_few_treated=False,
        )  # fmt: skip
        out[:, i] = (wb.p_value, wb.ci_low, wb.ci_high)
        B = wb.B
    return out[0], out[1], out[2], B


def _aggregate(
    present: Sequence[tuple[Any, ImpactResult]],
    influence: Sequence[_Influence],
    wts: Mapping[Any, float],
    *,
    with_wif: bool,
) -> tuple[np.ndarray, np.ndarray, float]:
    """ATT(e) = sum_g w_g ATT(g, e), its covariance from the stacked influence functions (CS2021,
    with the influence of estimated "size" weights), and t df G - 1 (module doc)."""
    thetas = np.array([res.estimate for _, res in present])  # cohorts x m
    w = np.array([wts[g] for g, _ in present])
    est = w @ thetas
    all_labels = np.concatenate([inf.labels for inf in influence])
    keys = pd.Index(pd.unique(pd.Series(all_labels, dtype=object)))
    total = np.zeros((len(keys), thetas.shape[1]))
    for wg, inf in zip(w, influence, strict=True):  # loop over the few cohorts
        total[keys.get_indexer(pd.Series(inf.labels, dtype=object))] += wg * inf.psi
    if with_wif:
        n_treated = sum(inf.treated_clusters.shape[0] for inf in influence)
        for theta_g, inf in zip(thetas, influence, strict=True):
            idx = keys.get_indexer(pd.Series(inf.treated_clusters, dtype=object))
            np.add.at(total, idx, (theta_g - est)[None, :] / n_treated)
    G = len(keys)
    cov = G / (G - 1) * (total.T @ total) if G > 1 else np.full((est.size, est.size), np.nan)
    return np.asarray(est, dtype=float), (cov + cov.T) / 2.0, float(G - 1)


def stack_cohorts(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    first_treated: str,
    never_treated: Any = 0,
    cohort: str = "cohort",
    event_time: str = "event_time",
    arm: str = "arm",
) -> pd.DataFrame:
    """Reshape a staggered-adoption panel into one experiment per cohort for :func:`cohort_effects`.

    For every cohort g (units first treated in period g), the stack holds the rows of its units
    (``arm == "treated"``) and of the never-treated units (``arm == "control"``), with
    ``event_time = time - g``. Then ``cohort_effects(stacked, method="did", unit=unit,
    cohort=cohort, wave=event_time, baseline_wave=-1, control="control", cluster=unit)`` gives
    Callaway & Sant'Anna's (2021) ATT(g, g + e) with never-treated controls and base period
    g - 1 (their default for e >= 0), and ATT(e) with their event-study weights; the
    never-treated units enter every stack, and the stacked influence functions account for it.
    ``time`` must be numeric (periods one apart, e.g. years).

    Raises
    ------
    JBPInputError
        Unknown column, non-numeric time, no never-treated unit or no cohort.

    Examples
    --------
    >>> d = pd.DataFrame({"id": [1, 1, 2, 2, 3, 3], "year": [1, 2] * 3, "g": [2, 2, 0, 0, 2, 2]})
    >>> s = stack_cohorts(d, unit="id", time="year", first_treated="g")
    >>> s[["id", "cohort", "event_time", "arm"]].values.tolist()[:2]
    [[1, 2, -1, 'treated'], [1, 2, 0, 'treated']]
    """
    require_columns(data, [("unit", unit), ("time", time), ("first_treated", first_treated)])
    if not pd.api.types.is_numeric_dtype(data[time]):
        raise JBPInputError(
            "stack_cohorts needs a numeric time column (periods such as years)", column=time
        )
    g = data[first_treated]
    never = g.isna() | (g == never_treated) if never_treated is not None else g.isna()
    if not never.any():
        raise JBPInputError(
            "no never-treated unit: the stacked comparison needs units that are never treated",
            column=first_treated,
        )
    cohorts = sorted(pd.unique(g[~never]).tolist())
    if not cohorts:
        raise JBPInputError("no treated cohort in the data", column=first_treated)
    controls = data.loc[never.to_numpy()]
    frames = []
    for c in cohorts:  # loop over the few cohorts
        own = data.loc[(g == c).to_numpy() & ~never.to_numpy()]
        part = pd.concat([own.assign(**{arm: "treated"}), controls.assign(**{arm: "control"})])
        part[cohort] = c
        part[event_time] = part[time] - c
        frames.append(part)
    return pd.concat(frames, ignore_index=True)
