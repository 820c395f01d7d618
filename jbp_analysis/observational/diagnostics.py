"""Diagnostics of an observational comparison: covariate balance before and after adjustment
(Austin 2009) and checks of the weights and of the overlap of the propensity scores.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.observational.results import ATTResult
from jbp_analysis.observational.sample import formula_columns, treatment_indicator

__all__ = [
    "balance",
    "BALANCE_COLUMNS",
    "OverlapWarning",
    "ExtremeWeightsWarning",
    "check_weights",
    "check_overlap",
    "MIN_EFFECTIVE_N",
    "BALANCE_THRESHOLD",
]

#: Columns of :func:`balance`.
BALANCE_COLUMNS = (
    "variable",
    "mean_treated",
    "mean_control_before",
    "mean_control_after",
    "std_diff_before",
    "std_diff_after",
    "var_ratio_before",
    "var_ratio_after",
)
#: Austin's (2009) rule: an absolute standardised difference below 0.1 is negligible.
BALANCE_THRESHOLD = 0.1
#: Fewer effective comparison units than this is an error: the weights rest on a handful of rows.
MIN_EFFECTIVE_N = 5.0
#: Warn when one comparison unit carries more than this share of the comparison weight...
MAX_WEIGHT_SHARE = 0.10
#: ... or when the effective comparison sample is below this share of the treated sample.
MIN_EFFECTIVE_SHARE = 0.10


class OverlapWarning(UserWarning):
    """The propensity scores of the two groups overlap poorly."""


class ExtremeWeightsWarning(UserWarning):
    """A few comparison units carry much of the weight."""


def check_weights(control_weights: np.ndarray, *, n_treated: int, method: str) -> list[str]:
    """Warn (and return the notes) when the comparison weights are extreme; raise when they
    rest on fewer than :data:`MIN_EFFECTIVE_N` effective units.

    Examples
    --------
    >>> check_weights(np.full(100, 0.01), n_treated=50, method="ipw")
    []
    """
    wc = control_weights[control_weights > 0]
    wc = wc / wc.sum()
    ess = 1.0 / np.sum(wc**2)
    top = float(wc.max())
    if ess < MIN_EFFECTIVE_N:
        raise JBPInputError(
            f"the {method} weights put (almost) all the comparison weight on a few units: "
            f"the effective number of comparison units is {ess:.1f} (largest weight share "
            f"{top:.0%})",
            hint="Overlap is too poor for this comparison: trim the sample (trim='crump'), "
            "simplify the propensity-score specification, or find comparison units like the "
            "treated.",
        )
    notes = []
    if top > MAX_WEIGHT_SHARE or ess < MIN_EFFECTIVE_SHARE * n_treated:
        notes.append(
            f"Extreme weights: one comparison unit carries {top:.0%} of the comparison weight; "
            f"the effective number of comparison units is {ess:.0f} for {n_treated} treated."
        )
        warnings.warn(notes[-1], ExtremeWeightsWarning, stacklevel=3)
    return notes


def check_overlap(ps: np.ndarray, d: np.ndarray) -> list[str]:
    """Warn (and return the notes) when treated units lie outside the comparison units' scores.

    Poor overlap: more than 10% of treated units have a score above the largest comparison
    score, or more than 5% a score above 0.95 (cf. Imbens & Rubin 2015, ch. 14).

    Examples
    --------
    >>> check_overlap(np.array([0.2, 0.6, 0.3, 0.5]), np.array([0.0, 0, 1, 1]))
    []
    """
    pt, pc = ps[d == 1], ps[d == 0]
    above = float(np.mean(pt > pc.max()))
    high = float(np.mean(pt > 0.95))
    notes = []
    if above > 0.10 or high > 0.05:
        notes.append(
            f"Poor overlap: {above:.0%} of treated units have a propensity score above every "
            f"comparison unit's and {high:.0%} above 0.95; the estimate extrapolates."
        )
        warnings.warn(notes[-1], OverlapWarning, stacklevel=3)
    return notes


def _moments(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    w = w / w.sum()
    m = float(w @ x)
    v = float(w @ (x - m) ** 2)
    return m, v


def balance(
    data: pd.DataFrame,
    *,
    treatment: str,
    variables: str | Sequence[str],
    result: ATTResult | None = None,
    control: object = None,
    treated: object = None,
) -> pd.DataFrame:
    """Covariate balance before and after adjustment.

    The standardised difference is :math:`(\\bar x_1 - \\bar x_0) / \\sqrt{(s_1^2 + s_0^2)/2}`
    and the variance ratio :math:`s_1^2 / s_0^2` (Austin 2009). The denominator of the
    standardised difference is the unadjusted one in both columns, so that before and after
    are on the same scale (as in cobalt); after adjustment the comparison mean and variance are
    weighted by the estimator's weights (``result.weights``: IPW, entropy or matching weights)
    over the rows the estimator used.

    Parameters
    ----------
    data
        The data the estimator was run on.
    treatment, control, treated
        As in :func:`~jbp_analysis.observational.att`.
    variables
        Column names, or a formula right-hand side (``"age + I(age**2)"``): each design column
        except the intercept becomes a row.
    result
        An :class:`ATTResult`; without it the ``_after`` columns are NaN.

    Returns
    -------
    DataFrame
        Columns :data:`BALANCE_COLUMNS`, one row per variable. ``mean_treated`` is the
        treated mean over the rows the estimator used (all complete rows without ``result``).

    Examples
    --------
    >>> df = pd.DataFrame({"d": [1, 1, 0, 0, 0], "x": [2.0, 3.0, 0.0, 1.0, 2.0]})
    >>> balance(df, treatment="d", variables=["x"])[["variable", "std_diff_before"]]
      variable  std_diff_before
    0        x         1.732051
    """
    from jbp_analysis.observational.sample import design_matrix

    d_all = treatment_indicator(data[treatment], control=control, treated=treated, column=treatment)
    cols = formula_columns(variables, data)
    ok = ~np.isnan(d_all)
    for c in cols:
        ok &= data[c].notna().to_numpy()
    frame = data.loc[ok]
    d = d_all[ok]
    X, names = design_matrix(variables, frame)
    X, names = X[:, 1:], names[1:]
    if result is not None:
        if result.weights is None or result.index is None:
            raise JBPInputError(f"a {result.method} result carries no weights to check balance")
        pos = frame.index.get_indexer(result.index)
        if (pos < 0).any():
            raise JBPInputError(
                "the result's rows are not all in data with complete balance variables",
                hint="Pass the same data frame the estimator was run on.",
            )
        Xa, da, wa = X[pos], result.treated_mask, result.weights
    rows = []
    for j, name in enumerate(names):
        x1, x0 = X[d == 1, j], X[d == 0, j]
        m1, v1 = float(x1.mean()), float(x1.var(ddof=1))
        m0, v0 = float(x0.mean()), float(x0.var(ddof=1))
        sd = np.sqrt((v1 + v0) / 2)
        row = {
            "variable": name,
            "mean_treated": m1,
            "mean_control_before": m0,
            "mean_control_after": np.nan,
            "std_diff_before": (m1 - m0) / sd if sd > 0 else np.nan,
            "std_diff_after": np.nan,
            "var_ratio_before": v1 / v0 if v0 > 0 else np.nan,
            "var_ratio_after": np.nan,
        }
        if result is not None:
            m1a, v1a = _moments(Xa[da, j], wa[da])
            m0a, v0a = _moments(Xa[~da, j], wa[~da])
            row["mean_treated"] = m1a
            row["mean_control_after"] = m0a
            row["std_diff_after"] = (m1a - m0a) / sd if sd > 0 else np.nan
            row["var_ratio_after"] = v1a / v0a if v0a > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=list(BALANCE_COLUMNS))
