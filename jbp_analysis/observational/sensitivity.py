"""Sensitivity to unmeasured confounding: the E-value (VanderWeele & Ding 2017).

The E-value is the minimum strength of association, on the risk-ratio scale, that an unmeasured
confounder would need with both the treatment and the outcome, conditional on the measured
covariates, to explain away the estimate. For a continuous outcome the standardised difference
:math:`d = \\hat\\tau / \\sigma` is first converted to an approximate risk ratio
:math:`RR \\approx \\exp(0.91 d)` (VanderWeele & Ding 2017, sec. 4; Chinn 2000), and

.. math:: E = RR + \\sqrt{RR (RR - 1)} \\quad (RR \\ge 1; \\text{ use } 1/RR \\text{ below 1}).

The E-value of the confidence interval uses the limit closer to the null, and is 1 when the
interval contains it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.observational.results import ATTResult

__all__ = ["evalue", "evalue_rr"]


def evalue_rr(rr: float) -> float:
    """E-value of a risk ratio.

    Examples
    --------
    >>> round(evalue_rr(2.0), 6)  # 2 + sqrt(2)
    3.414214
    >>> evalue_rr(0.5) == evalue_rr(2.0), evalue_rr(1.0)
    (True, 1.0)
    """
    if not rr > 0:
        raise JBPInputError(f"a risk ratio must be positive, got {rr}")
    rr = 1 / rr if rr < 1 else rr
    return float(rr + np.sqrt(rr * (rr - 1)))


def evalue(result: ATTResult, *, sd: float) -> pd.DataFrame:
    """E-values of an ATT on a continuous outcome with standard deviation ``sd``.

    Parameters
    ----------
    result
        From :func:`~jbp_analysis.observational.att` or
        :func:`~jbp_analysis.observational.drdid`.
    sd
        Standard deviation of the outcome (usually in the comparison group).

    Returns
    -------
    DataFrame
        One row: ``std_diff`` (d), ``risk_ratio`` (exp(0.91 d)), ``evalue`` (estimate) and
        ``evalue_ci`` (the confidence limit closer to the null; 1 when the CI contains 0).

    Examples
    --------
    >>> import math
    >>> from types import SimpleNamespace
    >>> r = SimpleNamespace(estimate=math.log(2) / 0.91, ci_low=-0.1, ci_high=1.5)
    >>> evalue(r, sd=1.0).round(4).to_dict("records")
    [{'std_diff': 0.7617, 'risk_ratio': 2.0, 'evalue': 3.4142, 'evalue_ci': 1.0}]
    """
    if not (np.isfinite(sd) and sd > 0):
        raise JBPInputError(f"the outcome's standard deviation must be positive, got {sd}")
    d = result.estimate / sd
    rr = float(np.exp(0.91 * d))
    lo, hi = result.ci_low / sd, result.ci_high / sd
    if lo <= 0 <= hi:
        e_ci = 1.0
    else:
        near = lo if d > 0 else hi
        e_ci = evalue_rr(float(np.exp(0.91 * near)))
    return pd.DataFrame(
        [{"std_diff": d, "risk_ratio": rr, "evalue": evalue_rr(rr), "evalue_ci": e_ci}]
    )
