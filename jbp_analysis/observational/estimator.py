"""``att()`` and ``overlap()``: the public entry points of the observational mode.

When groups were not randomised, the effect on the treated is identified under selection on
observables (unconfoundedness and overlap; Rosenbaum & Rubin 1983; Imbens & Rubin 2015, part
III). These functions estimate it with a propensity score the user specifies, and report the
diagnostics a reader needs to judge it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.inference import AUTO_WILD_BELOW_CLUSTERS
from jbp_analysis.observational.aipw import aipw_att
from jbp_analysis.observational.diagnostics import check_overlap, check_weights
from jbp_analysis.observational.inference import (
    bootstrap_se,
    few_cluster_df,
    few_cluster_note,
    influence_se,
    interval,
    multiplier_bootstrap,
)
from jbp_analysis.observational.matching import match_att
from jbp_analysis.observational.propensity import fit_propensity
from jbp_analysis.observational.results import ATTResult, OverlapResult
from jbp_analysis.observational.sample import Sample, prepare
from jbp_analysis.observational.trimming import trim_mask
from jbp_analysis.observational.weighting import entropy_att, ipw_att

__all__ = ["att", "overlap", "METHODS"]

METHODS: tuple[str, ...] = ("aipw", "ipw", "matching", "entropy")
#: Comparison units with a score at or above this get no weight (R DRDID's ``trim.level``).
CONTROL_SCORE_CAP = 0.995


def _design_defaults(design: Any, treatment: str | None, control: Any, cluster: str | None):
    if design is None:
        return treatment, control, cluster
    from jbp_analysis.study.design import StudyDesign

    if not isinstance(design, StudyDesign):
        raise ConfigError(f"design= must be a StudyDesign, not {type(design).__name__}")
    kw = design.keywords()
    return (
        treatment if treatment is not None else kw["arm"],
        control if control is not None else kw["control"],
        cluster if cluster is not None else kw["cluster"],
    )


def _check_options(method: str, inference: str, cluster: str | None, weights: str | None) -> None:
    if method not in METHODS:
        raise ConfigError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if inference not in ("auto", "influence", "bootstrap"):
        raise ConfigError(
            f"inference must be 'auto', 'influence' or 'bootstrap'; got {inference!r}"
        )
    if method == "matching" and (cluster or weights or inference == "bootstrap"):
        raise ConfigError(
            "method='matching' supports neither cluster=, weights= nor inference='bootstrap' "
            "(the bootstrap is invalid for matching: Abadie & Imbens 2008)",
        )


def _trimmed_sample(sample: Sample, trim: float | str | None) -> tuple[Sample, int, float, Any]:
    """Fit the score, trim (Crump et al. 2009) and refit on the kept rows."""
    fit = fit_propensity(sample.d, sample.X, w=sample.w, names=sample.names)
    keep, alpha = trim_mask(fit.ps, trim)
    if keep.all():
        return sample, 0, alpha, fit
    kept = sample.subset(keep)
    prepare_check = kept.n_treated > 0 and kept.n_control > 0
    if not prepare_check:
        from jbp_analysis.core.errors import JBPInputError

        raise JBPInputError(
            f"trimming at alpha = {alpha:.3g} leaves {kept.n_treated} treated and "
            f"{kept.n_control} comparison units",
            hint="The groups do not overlap: use a lower trim or different comparison units.",
        )
    refit = fit_propensity(kept.d, kept.X, w=kept.w, names=kept.names)
    return kept, int((~keep).sum()), alpha, refit


def att(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str | None = None,
    covariates: str | Sequence[str],
    method: Literal["aipw", "ipw", "matching", "entropy"] = "aipw",
    trim: float | Literal["crump"] | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    level: float = 0.95,
    design: Any = None,
    control: Any = None,
    treated: Any = None,
    inference: Literal["auto", "influence", "bootstrap"] = "auto",
    draws: int = 999,
    seed: int = 0,
    neighbours: int = 1,
    few_cluster_threshold: int = AUTO_WILD_BELOW_CLUSTERS,
) -> ATTResult:
    """Average effect of the treatment on the treated from a non-randomised comparison.

    Length: checks shared by the four estimators, then one short branch per ``method``.

    Parameters
    ----------
    data
        One row per unit (respondent), treated and comparison.
    outcome
        Outcome column.
    treatment
        A 0/1 (or boolean) column, or an arm column with ``control`` (and ``treated`` when it
        has several other arms). With ``design`` it defaults to ``"arm"``.
    covariates
        The propensity-score specification: column names (linear terms) or a formula right-hand
        side, e.g. ``"age + I(age**2) + educ + C(district_code)"``. The same design enters the
        outcome regression of ``aipw``, the moments balanced by ``entropy`` and the matching
        metric (without the intercept) of ``matching``.
    method
        ``"aipw"`` (doubly robust; Robins, Rotnitzky & Zhao 1994; Sant'Anna & Zhao 2020),
        ``"ipw"`` (normalised IPW; Hirano, Imbens & Ridder 2003), ``"matching"``
        (nearest-neighbour with replacement, bias-corrected; Abadie & Imbens 2006, 2011) or
        ``"entropy"`` (entropy balancing; Hainmueller 2012).
    trim
        ``None``, a threshold ``alpha`` (keep ``alpha <= e(x) <= 1 - alpha``) or ``"crump"``
        (Crump, Hotz, Imbens & Mitnik 2009). Trimming changes the estimand to the effect on the
        treated inside the region of overlap; the score is refitted on the kept rows. For
        ``ipw``/``aipw`` comparison units with a score of 0.995 or more always get no weight
        (as in R's DRDID), and count as trimmed.
    cluster
        Cluster column (the unit of assignment, e.g. ``group_id``): influence-function SEs are
        clustered (Liang & Zeger 1986) and bootstrap multipliers are drawn per cluster.
    weights
        Sampling-weight column.
    level
        Confidence level.
    design
        A :class:`~jbp_analysis.study.design.StudyDesign`: fills ``treatment`` ("arm"),
        ``control`` and ``cluster`` when they are not given.
    inference
        ``"auto"`` (default) or ``"influence"``: analytic SE from the influence function;
        ``"bootstrap"``: multiplier bootstrap of the influence function (``draws`` draws; the SE
        is the draws' interquartile range over the normal one's). Matching always uses the
        Abadie-Imbens SE. **Few clusters:** whichever is chosen, with ``cluster`` and fewer than
        ``few_cluster_threshold`` clusters G (the suite's ``inference="auto"`` rule,
        :func:`~jbp_analysis.estimate.covariance.resolve_inference`) the interval and p-value
        use Student's t with G - 1 degrees of freedom on the CR1-scaled variance (Cameron &
        Miller 2015, section VI.C; Bester, Conley & Hansen 2011) and the bootstrap draws Webb
        (2014) weights; otherwise the normal reference and Rademacher weights. The ``inference``
        column of :meth:`ATTResult.tidy` names the method, e.g. ``"influence function,
        clustered by group_id (7), t(6) (auto: 7 clusters < 50)"``. With fewer than six
        treated or comparison clusters the result gets a note (MacKinnon & Webb 2017).
    neighbours
        Matches per treated unit for ``matching``.
    few_cluster_threshold
        Fewest clusters for the normal reference (the plan's ``models.few_cluster_threshold``;
        default :data:`~jbp_analysis.inference.AUTO_WILD_BELOW_CLUSTERS` = 50).

    Returns
    -------
    ATTResult

    Raises
    ------
    JBPInputError
        Missing columns, a non-binary treatment, no treated or no comparison units, a perfectly
        separating covariate, or weights that rest on fewer than 5 effective comparison units.

    Warns
    -----
    OverlapWarning, ExtremeWeightsWarning
        When more than 5% of treated units lie outside the comparison scores, or one comparison
        unit carries over 10% of the weight.

    Examples
    --------
    >>> rng = np.random.default_rng(0); n = 2000; x = rng.normal(size=n)
    >>> d = (rng.uniform(size=n) < 1 / (1 + np.exp(-x))).astype(int)
    >>> df = pd.DataFrame({"x": x, "d": d, "y": 1 + x + 0.5 * d + rng.normal(size=n)})
    >>> r = att(df, outcome="y", treatment="d", covariates=["x"], method="ipw")
    >>> bool(r.ci_low < 0.5 < r.ci_high), r.n_treated + r.n_control
    (True, 2000)
    """
    treatment, control, cluster = _design_defaults(design, treatment, control, cluster)
    if treatment is None:
        raise ConfigError("att() needs treatment= (or design=)")
    _check_options(method, inference, cluster, weights)
    sample = prepare(
        data,
        treatment=treatment,
        covariates=covariates,
        outcome=outcome,
        control=control,
        treated=treated,
        cluster=cluster,
        weights=weights,
    )
    notes: list[str] = []
    n_trimmed, alpha, fit = 0, 0.0, None
    if method in ("ipw", "aipw") or trim is not None:
        sample, n_trimmed, alpha, fit = _trimmed_sample(sample, trim)
        if n_trimmed:
            notes.append(
                f"Trimmed {n_trimmed} rows with a propensity score outside "
                f"[{alpha:.3g}, {1 - alpha:.3g}] (Crump et al. 2009); the estimand is the effect "
                "on the treated in the region of overlap."
            )
    y, d, X, w = sample.y, sample.d, sample.X, sample.w
    ps = None
    influence = None
    if method in ("ipw", "aipw"):
        ps = fit.ps
        active = np.where((d == 0) & (ps >= CONTROL_SCORE_CAP), 0.0, 1.0)
        capped = int((active == 0).sum())
        if capped:
            n_trimmed += capped
            notes.append(
                f"{capped} comparison rows with a score >= {CONTROL_SCORE_CAP} get no weight."
            )
        notes += check_overlap(ps, d)
        kernel = aipw_att if method == "aipw" else ipw_att
        est, influence, wc = kernel(y, d, X, ps, fit.asy_lin_rep, w=w, active=active)
        notes += check_weights(wc[d == 0], n_treated=sample.n_treated, method=method)
        wt = active * w * d
    elif method == "entropy":
        est, influence, wc = entropy_att(y, d, X[:, 1:], w=w)
        notes += check_weights(wc[d == 0], n_treated=sample.n_treated, method=method)
        wt = w * d
        ps = None if fit is None else fit.ps
    else:
        m = match_att(y, d, X[:, 1:], neighbours=neighbours)
        est, se = m.estimate, m.std_error
        wc = np.zeros(len(d))
        wc[d == 0] = m.control_weights
        notes += check_weights(wc[d == 0], n_treated=sample.n_treated, method=method)
        wt = d.copy()
        ps = None if fit is None else fit.ps
    n_clusters = None if sample.cluster is None else int(sample.cluster.max() + 1)
    df = None
    if influence is not None:
        df = few_cluster_df(n_clusters, few_cluster_threshold=few_cluster_threshold)
        if inference == "bootstrap":
            dev = multiplier_bootstrap(
                influence,
                cluster=sample.cluster,
                draws=draws,
                seed=seed,
                weights="rademacher" if df is None else "webb",
            )
            se = bootstrap_se(dev)
            label = f"multiplier bootstrap ({draws} draws{'' if df is None else ', Webb weights'})"
        else:
            se = influence_se(influence, cluster=sample.cluster)
            label = "influence function"
        if n_clusters is not None:
            label += f", clustered by {cluster} ({n_clusters})"
        if df is not None:
            label += f", t({df}) (auto: {n_clusters} clusters < {few_cluster_threshold})"
            note = few_cluster_note(sample.cluster, d == 1, name=str(cluster), df=df)
            if note:
                notes.append(note)
    else:
        label = f"Abadie-Imbens (M={neighbours})"
    lo, hi, p = interval(est, se, level=level, df=df)
    unit_w = np.where(d == 1, wt / wt.sum(), wc)
    return ATTResult(
        outcome=outcome,
        method=method,
        inference=label,
        level=level,
        estimate=float(est),
        std_error=float(se),
        ci_low=lo,
        ci_high=hi,
        p_value=p,
        n_treated=sample.n_treated,
        n_control=sample.n_control,
        n_trimmed=n_trimmed,
        n_dropped=sample.n_dropped,
        n_clusters=n_clusters,
        alpha=alpha,
        covariates=sample.names,
        notes=tuple(notes),
        influence=influence,
        ps=ps,
        treated_mask=d == 1,
        weights=unit_w,
        index=sample.index,
    )


def overlap(
    data: pd.DataFrame,
    *,
    treatment: str | None = None,
    covariates: str | Sequence[str],
    trim: float | Literal["crump"] | None = "crump",
    control: Any = None,
    treated: Any = None,
    weights: str | None = None,
    design: Any = None,
) -> OverlapResult:
    """Propensity scores by group, and the rows a trimming rule keeps.

    Parameters
    ----------
    data, treatment, covariates, control, treated, weights, design
        As in :func:`att`.
    trim
        ``"crump"`` (default: the optimal threshold of Crump, Hotz, Imbens & Mitnik 2009), a
        threshold ``alpha``, or ``None``.

    Returns
    -------
    OverlapResult
        ``tidy()`` summarises the score by group; ``plot(ax=)`` draws the histograms.

    Examples
    --------
    >>> rng = np.random.default_rng(0); x = rng.normal(size=500)
    >>> df = pd.DataFrame({"x": x, "d": (rng.uniform(size=500) < 1 / (1 + np.exp(-x))).astype(int)})
    >>> ov = overlap(df, treatment="d", covariates=["x"])
    >>> ov.tidy()["group"].tolist(), bool(0 <= ov.alpha < 0.5)
    (['treated', 'control'], True)
    """
    treatment, control, _ = _design_defaults(design, treatment, control, None)
    if treatment is None:
        raise ConfigError("overlap() needs treatment= (or design=)")
    sample = prepare(
        data,
        treatment=treatment,
        covariates=covariates,
        control=control,
        treated=treated,
        weights=weights,
    )
    fit = fit_propensity(sample.d, sample.X, w=sample.w, names=sample.names)
    keep, alpha = trim_mask(fit.ps, trim)
    notes = check_overlap(fit.ps, sample.d)
    return OverlapResult(
        ps=fit.ps,
        treated_mask=sample.d == 1,
        keep=keep,
        alpha=alpha,
        index=sample.index,
        notes=tuple(notes),
    )
