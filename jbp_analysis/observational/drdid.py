"""Doubly robust difference-in-differences for a panel with a baseline (Sant'Anna & Zhao 2020).

With two waves of a panel, the ATT under conditional parallel trends is the ATT of the change
:math:`\\Delta Y = Y_{post} - Y_{pre}` given baseline covariates, so the estimator is the doubly
robust ATT of :mod:`~jbp_analysis.observational.aipw` applied to :math:`\\Delta Y` (Sant'Anna &
Zhao 2020, eq. 3.1, the "traditional" DR DiD of R's ``DRDID::drdid_panel``) and the IPW DiD of
Abadie (2005) in its normalised form (``DRDID::std_ipw_did_panel``). Checked against the
``drdid`` Python port of DRDID in ``tests/test_observational_drdid.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal

import pandas as pd

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.inference import AUTO_WILD_BELOW_CLUSTERS
from jbp_analysis.observational.estimator import att
from jbp_analysis.observational.results import ATTResult
from jbp_analysis.observational.sample import _shown, formula_columns

__all__ = ["drdid", "to_wide"]


def to_wide(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    wave: str,
    pre: Any,
    post: Any,
    keep: Sequence[str],
) -> tuple[pd.DataFrame, int]:
    """One row per unit observed in both waves: baseline ``keep`` columns, ``y_pre``, ``y_post``
    and ``delta`` (post minus pre). Also returns the number of units not in both waves.

    Examples
    --------
    >>> long = pd.DataFrame({"id": [1, 1, 2, 2, 3], "t": [0, 1, 0, 1, 0],
    ...                      "y": [1.0, 3.0, 2.0, 2.5, 9.0], "x": [5, 5, 6, 6, 7]})
    >>> wide, lost = to_wide(long, outcome="y", unit="id", wave="t", pre=0, post=1, keep=["x"])
    >>> wide["delta"].tolist(), lost
    ([2.0, 0.5], 1)
    """
    for c in (outcome, unit, wave, *keep):
        if c not in data.columns:
            raise JBPInputError(f"column {c!r} not found in the data")
    waves = set(pd.unique(data[wave].dropna()))
    for label, v in (("baseline", pre), ("post", post)):
        if v not in waves:
            raise JBPInputError(
                f"the {label} wave {v!r} does not occur in column {wave!r}",
                column=wave,
                hint=f"Waves present: {', '.join(map(_shown, sorted(waves, key=str)))}.",
            )
    base = data.loc[data[wave] == pre, [unit, *keep, outcome]]
    after = data.loc[data[wave] == post, [unit, outcome]]
    for label, part in (("baseline", base), ("post", after)):
        dup = part[unit].duplicated()
        if dup.any():
            first = part.loc[dup, unit].iloc[0]
            raise JBPInputError(
                f"unit {first!r} has {int((part[unit] == first).sum())} rows in the {label} wave",
                column=unit,
                hint="A panel needs one row per unit and wave.",
            )
    wide = base.rename(columns={outcome: "y_pre"}).merge(
        after.rename(columns={outcome: "y_post"}), on=unit, how="inner", validate="1:1"
    )
    lost = base[unit].nunique() + after[unit].nunique() - 2 * len(wide)
    wide["delta"] = wide["y_post"] - wide["y_pre"]
    return wide, int(lost)


def drdid(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str | None = None,
    covariates: str | Sequence[str],
    unit: str,
    wave: str = "wave",
    pre: Any = None,
    post: Any,
    method: Literal["dr", "ipw"] = "dr",
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
    few_cluster_threshold: int = AUTO_WILD_BELOW_CLUSTERS,
) -> ATTResult:
    """Doubly robust DiD estimate of the ATT from a two-wave panel (Sant'Anna & Zhao 2020).

    .. math:: \\hat\\tau^{dr} = \\frac{\\sum w_i d_i (\\Delta y_i - \\hat m_0(x_i))}{\\sum w_i d_i}
              - \\frac{\\sum w_i (1-d_i) \\frac{e_i}{1-e_i} (\\Delta y_i - \\hat m_0(x_i))}
                      {\\sum w_i (1-d_i) \\frac{e_i}{1-e_i}}

    with :math:`\\hat m_0` the OLS of the change on baseline covariates among comparison units
    and :math:`e` the logit score; consistent if either model is right, under parallel trends
    conditional on the covariates.

    Parameters
    ----------
    data
        Long panel: one row per unit and wave.
    outcome, treatment, covariates, trim, cluster, weights, level, control, treated, inference, draws, seed, few_cluster_threshold
        As in :func:`~jbp_analysis.observational.att` (with fewer than
        ``few_cluster_threshold`` clusters G, t(G - 1) intervals; Cameron & Miller 2015,
        section VI.C); covariates and weights are read at the baseline wave.
    unit
        Panel identifier (e.g. ``respondent_id``).
    wave, pre, post
        Wave column, baseline and post-treatment values. ``design`` fills ``pre`` with its
        baseline wave (and ``treatment``, ``control``, ``cluster``).
    method
        ``"dr"`` (doubly robust) or ``"ipw"`` (normalised IPW DiD, Abadie 2005).

    Returns
    -------
    ATTResult
        ``method`` is ``"drdid"`` or ``"ipwdid"``; ``n_dropped`` counts units not observed in
        both waves plus incomplete rows.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0); n = 2000; x = rng.normal(size=n)
    >>> d = (rng.uniform(size=n) < 1 / (1 + np.exp(-x))).astype(int)
    >>> y0 = x + rng.normal(size=n); y1 = y0 + 0.5 * x + 1.0 * d + rng.normal(size=n)
    >>> long = pd.DataFrame({"id": np.r_[np.arange(n), np.arange(n)], "t": np.repeat([0, 1], n),
    ...                      "y": np.r_[y0, y1], "x": np.r_[x, x], "d": np.r_[d, d]})
    >>> r = drdid(long, outcome="y", treatment="d", covariates=["x"], unit="id", wave="t",
    ...           pre=0, post=1)
    >>> bool(r.ci_low < 1.0 < r.ci_high), r.method
    (True, 'drdid')
    """
    if design is not None:
        from jbp_analysis.study.design import StudyDesign

        if not isinstance(design, StudyDesign):
            raise ConfigError(f"design= must be a StudyDesign, not {type(design).__name__}")
        treatment = treatment if treatment is not None else "arm"
        control = control if control is not None else design.control
        cluster = cluster if cluster is not None else design.cluster
        pre = pre if pre is not None else design.baseline
    if treatment is None or pre is None:
        raise ConfigError("drdid() needs treatment= and pre= (or design=)")
    if method not in ("dr", "ipw"):
        raise ConfigError(f"method must be 'dr' or 'ipw'; got {method!r}")
    keep = [treatment, *formula_columns(covariates, data)]
    keep += [c for c in (cluster, weights) if c and c not in keep]
    keep = [c for c in dict.fromkeys(keep) if c != unit]
    wide, lost = to_wide(data, outcome=outcome, unit=unit, wave=wave, pre=pre, post=post, keep=keep)
    if wide.empty:
        raise JBPInputError(f"no unit is observed in both waves {pre!r} and {post!r}", column=unit)
    res = att(
        wide.set_index(unit),
        outcome="delta",
        treatment=treatment,
        covariates=covariates,
        method="aipw" if method == "dr" else "ipw",
        trim=trim,
        cluster=cluster,
        weights=weights,
        level=level,
        control=control,
        treated=treated,
        inference=inference,
        draws=draws,
        seed=seed,
        few_cluster_threshold=few_cluster_threshold,
    )
    notes = list(res.notes)
    if lost:
        notes.insert(0, f"{lost} units are not observed in both waves and are left out.")
    return dataclasses.replace(
        res,
        outcome=outcome,
        method="drdid" if method == "dr" else "ipwdid",
        n_dropped=res.n_dropped + lost,
        notes=tuple(notes),
    )
