"""``impact``: treatment effects of every arm, from any DataFrame.

Model (ANCOVA, McKenzie 2012), for unit i in stratum s and cluster g::

    y_i = sum_k tau_k T_ki + rho y0_i + delta m_i + X_i' beta + alpha_s + e_i

where ``T_k`` are the treated-arm dummies against the control category, ``y0`` the baseline
outcome (0 where missing) with ``m`` its missing dummy, ``X`` the covariates and ``alpha_s`` the
strata fixed effects. ``diff_in_means`` drops ``y0`` and ``X``. ``did`` fits, on a two-period
panel, ``y_it = sum_k tau_k T_ki post_t + lambda_s post_t + X_it' beta + alpha_i + e_it`` with
unit fixed effects ``alpha_i`` (within transformation) and period effects ``lambda_s`` by stratum
(a single ``lambda`` without strata).

Inference is cluster-robust (CR1, t with G - 1 df) when ``cluster`` is given and HC1 otherwise
(Cameron & Miller 2015), or, on request, one of the few-cluster methods: the restricted wild
cluster bootstrap (Cameron, Gelbach & Miller 2008), CR2 with Satterthwaite degrees of freedom
(Bell & McCaffrey 2002) or randomisation inference (Fisher 1935); ``inference="auto"`` picks the
wild bootstrap below 50 clusters. See :mod:`jbp_analysis.estimate.covariance`.

References
----------
Bell, R. M., & McCaffrey, D. F. (2002). Bias reduction in standard errors for linear regression
with multi-stage samples. *Survey Methodology*, 28(2), 169-181.
Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based improvements for
inference with clustered errors. *Review of Economics and Statistics*, 90(3), 414-427.
MacKinnon, J. G., & Webb, M. D. (2017). Wild bootstrap inference for wildly different cluster
sizes. *Journal of Applied Econometrics*, 32(2), 233-254.
McKenzie, D. (2012). Beyond baseline and follow-up: the case for more T in experiments.
*Journal of Development Economics*, 99(2), 210-221.
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources*, 50(2), 317-372.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.estimate.covariance import (
    InferenceInput,
    InferenceOptions,
    inference_label,
    replication_count,
    resolve_inference,
    run_inference,
)
from jbp_analysis.estimate.design import Design, ModelSpec, as_tuple, build_design
from jbp_analysis.estimate.ols import fit_ols
from jbp_analysis.estimate.results import ImpactResult
from jbp_analysis.inference import (
    AUTO_WILD_BELOW_CLUSTERS,
    FEW_TREATED_CLUSTERS,
    FewTreatedClustersWarning,
)
from jbp_analysis.study.design import uses_design

__all__ = ["impact", "contrast_labels", "Inference", "few_treated_notes"]

Inference = Literal["auto", "cr1", "hc1", "cr2", "wild", "ri"]


def contrast_labels(arm_levels: Sequence[Any]) -> list[tuple[str, int, int]]:
    """``(label, plus, minus)`` for every arm vs control, then every pair of treated arms.

    ``plus``/``minus`` index the treated arms (0-based, ``-1`` = control). A pair of treated arms
    ``i < j`` (in arm order) is reported as ``arm_j - arm_i``.

    Examples
    --------
    >>> [c[0] for c in contrast_labels(["kontrol", "karitatif", "pendampingan"])]
    ['karitatif - kontrol', 'pendampingan - kontrol', 'pendampingan - karitatif']
    """
    control, treated = arm_levels[0], list(arm_levels[1:])
    out = [(f"{t} - {control}", k, -1) for k, t in enumerate(treated)]
    for i in range(len(treated)):
        for j in range(i + 1, len(treated)):
            out.append((f"{treated[j]} - {treated[i]}", j, i))
    return out


def _contrast_matrix(design: Design, kept: Sequence[str]) -> tuple[list[str], np.ndarray]:
    n_treated = len(design.treated)
    arm_names = design.names[:n_treated]
    missing = [n for n in arm_names if n not in kept]
    if missing:
        raise JBPInputError(
            f"treatment column(s) {', '.join(missing)} are collinear with the other regressors "
            "(a covariate duplicates the arm?)",
            column=design.spec.arm,
        )
    labels = contrast_labels(design.arm_levels)
    L = np.zeros((len(labels), len(kept)))
    for r, (_, plus, minus) in enumerate(labels):
        L[r, plus] = 1.0
        if minus >= 0:
            L[r, minus] = -1.0
    return [lab for lab, _, _ in labels], L


def few_treated_notes(design: Design) -> list[str]:
    """Contrasts whose two arms are each present in few clusters (at most
    :data:`~jbp_analysis.inference.FEW_TREATED_CLUSTERS`), as notes.

    With so few treated (or control) clusters, CR1, CR2 and the wild cluster bootstrap are all
    unreliable (MacKinnon & Webb 2017); randomisation inference stays exact.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> d = SimpleNamespace(arm_levels=("c", "t"), clusters=np.array([0, 1, 2, 3]),
    ...                     n_clusters=4, arm_codes=np.array([0, 0, 0, 1]))
    >>> few_treated_notes(d)[0].split(";")[0]
    't - c: only 1 cluster(s) with t and 3 with c'
    """
    if design.clusters is None or design.n_clusters is None:
        return []
    n_arms = len(design.arm_levels)
    present = np.zeros((design.n_clusters, n_arms), dtype=bool)
    present[design.clusters, design.arm_codes] = True
    per_arm = present.sum(axis=0)
    notes = []
    for label, plus, minus in contrast_labels(design.arm_levels):
        a, b = plus + 1, minus + 1  # arm codes (0 = control)
        if min(per_arm[a], per_arm[b]) <= FEW_TREATED_CLUSTERS:
            notes.append(
                f"{label}: only {per_arm[a]} cluster(s) with {design.arm_levels[a]} and "
                f"{per_arm[b]} with {design.arm_levels[b]}; CR1, CR2 and wild bootstrap "
                "inference are unreliable with so few (MacKinnon & Webb 2017); "
                "randomisation inference (inference='ri') stays exact"
            )
    return notes


@uses_design
def impact(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: Any,
    baseline: str | None = None,
    covariates: str | Sequence[str] = (),
    strata: str | None = None,
    cluster: str | None = None,
    method: Literal["ancova", "diff_in_means", "did"] = "ancova",
    weights: str | None = None,
    level: float = 0.95,
    inference: Inference | str | None = None,
    few_cluster_threshold: int = AUTO_WILD_BELOW_CLUSTERS,
    unit: str | None = None,
    time: str | None = None,
    draws: int = 9999,
    bootstrap_weights: Literal["rademacher", "webb"] = "rademacher",
    seed: int = 0,
    return_draws: bool = False,
    waves: Sequence[Any] | None = None,
    bootstrap_draws: int | None = None,
    ri_permutations: int | None = None,
) -> ImpactResult:
    """Estimate the impact of every treated arm against control, and between treated arms.

    Length: mostly argument handling (``design=`` defaults, deprecated names, the inference choice);
    the estimation itself is build_design -> fit_ols -> run_inference.

    Parameters
    ----------
    data
        Any DataFrame: one row per unit (``ancova``, ``diff_in_means``) or per unit and period
        (``did``).
    outcome
        Numeric or boolean outcome column.
    arm
        Column of arm categories (text or numbers; two or more).
    control
        The reference category of ``arm``.
    baseline
        Column holding the baseline value of the outcome (``ancova``); missing values are set to
        0 and flagged with a dummy (McKenzie 2012). See
        :func:`jbp_analysis.outcomes.build.attach_baseline`.
    covariates
        Covariate columns; text/categorical ones become dummies.
    strata
        Randomisation strata: absorbed as fixed effects (``ancova``, ``diff_in_means``); for
        ``did``, period effects by stratum (the unit effects already absorb the strata levels).
    cluster
        Unit of randomisation, for cluster-robust inference.
    method
        ``"ancova"`` (default), ``"diff_in_means"`` (arm dummies and strata only) or ``"did"``
        (two-period panel with unit fixed effects; needs ``unit`` and ``time``; without
        ``cluster`` it clusters by unit, as short-panel fixed-effects inference requires,
        Stock & Watson 2008).
    weights
        Analytic/sampling weights (weighted least squares).
    level
        Confidence level.
    inference
        How the standard errors, p-values and intervals are computed:

        - ``None`` (default): CR1 with ``cluster`` (t with G - 1 df), HC1 without;
        - ``"auto"``: the rule of :func:`jbp_analysis.inference.choose_inference`: the wild
          bootstrap below ``few_cluster_threshold`` (default 50) clusters, where CR1
          over-rejects (Cameron & Miller 2015, section VI), CR1 at or
          above, HC1 without ``cluster``; the ``inference`` column says which and why, e.g.
          ``"wild (auto: 12 clusters < 50)"``;
        - ``"cr1"``, ``"hc1"``;
        - ``"wild"``: restricted wild cluster bootstrap-t for each contrast (Cameron, Gelbach &
          Miller 2008), p-value and interval by test inversion; **std_error stays the CR1
          standard error** (the bootstrap gives no standard error);
        - ``"cr2"``: CR2 standard errors with each contrast's Satterthwaite degrees of freedom
          (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018; ``contrast_df`` and the notes);
        - ``"ri"``: randomisation inference, re-randomising the groups' arms within ``strata``
          as the design did (Fisher 1935); p-values only: **ci_low/ci_high are NaN**, std_error
          is CR1. Not with ``weights``.

        Strata fixed effects stay regressors (not partialled out) for ``"wild"`` and ``"cr2"``;
        only effects nested in the clusters (DiD unit effects) are partialled out (see
        :mod:`jbp_analysis.estimate.few_clusters`). Without ``cluster``, ``"wild"``, ``"cr2"``
        and ``"ri"`` treat every row as its own cluster. When an arm of a contrast is present in
        at most two clusters, the result gets a note (CR1, CR2, wild) and, for ``"wild"`` and
        ``"cr2"``, a :class:`~jbp_analysis.inference.FewTreatedClustersWarning` is raised
        (MacKinnon & Webb 2017).
    few_cluster_threshold
        Fewest clusters for CR1 under ``inference="auto"`` (the plan's
        ``models.few_cluster_threshold``; default
        :data:`~jbp_analysis.inference.AUTO_WILD_BELOW_CLUSTERS` = 50). Other inferences
        ignore it.
    unit, time
        Panel identifiers for ``did``; ``time`` must have exactly two values (the earlier, in
        category or sorted order, is the pre period).
    draws
        Replications: wild bootstrap draws (all ``2**G`` sign vectors instead when ``G <= 12``)
        and re-randomisations for ``"ri"`` (every distinct assignment when there are fewer).
    bootstrap_weights
        ``"rademacher"`` or ``"webb"`` (Webb 2014; better below about 12 clusters).
    seed
        Non-negative integer seed of the bootstrap and of the re-randomisations; the same seed
        gives the same numbers.
    return_draws
        Keep the wild bootstrap t-statistics and their draws (``t_boot``, ``t_draws``,
        ``cluster_ids``) whatever the inference, for Romano-Wolf adjustments.
    waves
        For ``did``: the time order of the periods, e.g. the plan's waves
        (``["baseline", "endline", "followup"]``) or ``["pre", "post"]``. Needed when ``time``
        holds text that is not an ordered categorical (see
        :func:`~jbp_analysis.estimate.design.time_levels`).
    bootstrap_draws, ri_permutations
        Deprecated names of ``draws`` (a :class:`DeprecationWarning`; they still work).

    Returns
    -------
    ImpactResult
        ``tidy()`` gives one row per contrast: each treated arm minus control, then each pair of
        treated arms (later arm minus earlier arm, e.g. ``"pendampingan - karitatif"``).

    Raises
    ------
    JBPInputError
        Unknown column, arm with one category, control not among the arm values, all-missing
        outcome, a single cluster, non-numeric outcome, ...
    ConfigError
        Unknown method or inference, bad level, bootstrap or permutation options;
        ``inference="ri"`` with weights; ``inference="cr1"`` without ``cluster``.

    Warns
    -----
    FewTreatedClustersWarning
        With ``"wild"`` or ``"cr2"``: a contrast's arm is present in at most two clusters.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(30), 10)
    >>> arm = np.array(["kontrol", "karitatif", "pendampingan"])[g % 3]
    >>> y0 = rng.normal(size=300)
    >>> y = 0.5 * y0 + np.where(arm == "pendampingan", 1.0, 0.0) + rng.normal(size=300)
    >>> df = pd.DataFrame({"y": y, "y0": y0, "arm": arm, "g": g})
    >>> res = impact(df, outcome="y", arm="arm", control="kontrol", baseline="y0", cluster="g")
    >>> res.tidy()[["contrast", "inference"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['karitatif - kontrol', 'cr1'], ['pendampingan - kontrol', 'cr1'],
     ['pendampingan - karitatif', 'cr1']]
    >>> wild = impact(df, outcome="y", arm="arm", control="kontrol", baseline="y0", cluster="g",
    ...               inference="auto", draws=999)
    >>> wild.tidy()["inference"].iloc[0]
    'wild (auto: 30 clusters < 50)'
    >>> bool(wild.std_error[1] == res.std_error[1]), bool(wild.p_value[1] < 0.01)
    (True, True)
    """
    if not (0.0 < float(level) < 1.0):
        raise ConfigError(f"level must lie strictly between 0 and 1, not {level!r}")
    options = InferenceOptions(
        bootstrap_draws=replication_count(draws, bootstrap_draws=bootstrap_draws),
        bootstrap_weights=bootstrap_weights,
        seed=seed,
        ri_permutations=replication_count(draws, ri_permutations=ri_permutations),
        return_draws=bool(return_draws),
    )
    spec = ModelSpec(
        outcome=outcome,
        arm=arm,
        control=control,
        baseline=baseline,
        covariates=as_tuple(covariates),
        strata=strata,
        cluster=cluster,
        method=method,
        weights=weights,
        unit=unit,
        time=time,
        time_order=None if waves is None else tuple(waves),
    )
    # unknown names and thresholds fail before any work
    resolve_inference(inference, n_clusters=0, auto_wild_below=few_cluster_threshold)
    design = build_design(data, spec)
    chosen = resolve_inference(
        inference, n_clusters=design.n_clusters, auto_wild_below=few_cluster_threshold
    )
    fit = fit_ols(design.X, design.y, names=design.names)
    labels, L = _contrast_matrix(design, fit.names)
    notes = list(design.notes)
    if fit.dropped:
        notes.append(f"dropped (collinear): {', '.join(fit.dropped)}")
    if chosen in ("cr1", "cr2", "wild"):
        for note in few_treated_notes(design):
            if chosen != "cr1":  # the engines' warning; CR1 results carry the note only
                warnings.warn(note, FewTreatedClustersWarning, stacklevel=2)
            notes.append(note)
    inf = run_inference(
        chosen,
        InferenceInput(
            fit=fit,
            L=L,
            clusters=design.clusters,
            n_clusters=design.n_clusters,
            n_absorbed=design.n_absorbed,
            level=float(level),
            design=design,
            options=options,
            labels=tuple(labels),
        ),
    )
    notes += inf.notes
    return ImpactResult(
        outcome=outcome,
        method=method,
        inference=inference_label(
            inference,
            inf.name,
            n_clusters=design.n_clusters,
            auto_wild_below=few_cluster_threshold,
        ),
        level=float(level),
        df=inf.df,
        arm_levels=design.arm_levels,
        coef_names=fit.names,
        params_array=fit.params,
        cov_array=inf.cov,
        contrasts=tuple(labels),
        contrast_matrix=L,
        estimate=inf.estimate,
        std_error=inf.std_error,
        ci_low=inf.ci_low,
        ci_high=inf.ci_high,
        p_value=inf.p_value,
        n_obs=design.n_obs,
        n_clusters=design.n_clusters,
        n_dropped=design.n_dropped,
        control_mean=design.control_mean,
        control_sd=design.control_sd,
        absorbed=design.absorbed,
        missing=design.missing,
        notes=tuple(notes),
        inference_method=inf.name,
        contrast_df=inf.contrast_df,
        t_boot=inf.t_boot,
        t_draws=inf.t_draws,
        cluster_ids=inf.cluster_ids,
        joint=inf.joint,
    )
