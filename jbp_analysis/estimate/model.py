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
(Cameron & Miller 2015); see :mod:`jbp_analysis.estimate.covariance`.

References
----------
McKenzie, D. (2012). Beyond baseline and follow-up: the case for more T in experiments.
*Journal of Development Economics*, 99(2), 210-221.
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources*, 50(2), 317-372.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from jbp_analysis.errors import ConfigError, JBPInputError
from jbp_analysis.estimate.covariance import InferenceInput, resolve_inference, run_inference
from jbp_analysis.estimate.design import Design, ModelSpec, as_tuple, build_design
from jbp_analysis.estimate.ols import fit_ols
from jbp_analysis.estimate.results import ImpactResult

__all__ = ["impact", "contrast_labels", "Inference"]

Inference = Literal["auto", "cr1", "hc1"]


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
    inference: Inference | str = "auto",
    unit: str | None = None,
    time: str | None = None,
) -> ImpactResult:
    """Estimate the impact of every treated arm against control, and between treated arms.

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
        :func:`jbp_analysis.outcomes.attach_baseline`.
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
        ``"auto"`` (CR1 if ``cluster`` else HC1), ``"cr1"`` or ``"hc1"``.
    unit, time
        Panel identifiers for ``did``; ``time`` must have exactly two values (the earlier, in
        category or sorted order, is the pre period).

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
        Unknown method or inference, bad level.

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
    """
    if not (0.0 < float(level) < 1.0):
        raise ConfigError(f"level must lie strictly between 0 and 1, not {level!r}")
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
    )
    design = build_design(data, spec)
    chosen = resolve_inference(inference, n_clusters=design.n_clusters)
    fit = fit_ols(design.X, design.y, names=design.names)
    labels, L = _contrast_matrix(design, fit.names)
    notes = list(design.notes)
    if fit.dropped:
        notes.append(f"dropped (collinear): {', '.join(fit.dropped)}")
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
        ),
    )
    return ImpactResult(
        outcome=outcome,
        method=method,
        inference=inf.name,
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
    )
