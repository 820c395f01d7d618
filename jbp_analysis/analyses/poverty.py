"""Households lifted above the poverty line per Rp 100 million spent, with bootstrap intervals.

Each JBP participant comes from a different household, so the number of households lifted above
the BPS poverty line by an arm is :math:`-\\Delta P_0 \\times` participants, and per Rp 100
million of incremental programme cost it is :math:`-\\Delta P_0 / \\Delta c \\times 10^8`, with
:math:`\\Delta c` the incremental cost per participant. This is
:func:`~jbp_analysis.analyses.cost_effectiveness.cost_effectiveness` applied to the indicator
"not poor" (``1 - poor``): its ``employed_per_100m_rp`` is the number of households lifted per
Rp 100 million, with the same cluster bootstrap (groups resampled within arm x stratum cells;
Efron & Tibshirani 1993) and the same comparisons (each arm against control, mentoring against
the charitable model). See Dhaliwal, Duflo, Glennerster & Tulloch (2013) for cost-effectiveness
ratios; Foster, Greer & Thorbecke (1984) for P0.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> g = np.repeat(np.arange(12), 20)
>>> arm = np.array(["kontrol", "karitatif", "pendampingan"])[g % 3]
>>> data = pd.DataFrame({"group_id": g, "arm": arm,
...     "poor": rng.random(240) < np.where(arm == "pendampingan", 0.1, 0.3)})
>>> costs = pd.DataFrame({"group_id": range(12), "arm": arm[::20],
...     "cost_rp": np.where(arm[::20] == "kontrol", 0, 50_000_000)})
>>> out = households_lifted(costs, data, strata=None, n_boot=99)
>>> out.metric.unique().tolist()
['poverty_effect', 'lifted_per_100m_rp', 'cost_per_household_lifted_rp']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jbp_analysis.analyses.cost_effectiveness import cost_effectiveness
from jbp_analysis.core.errors import JBPInputError

__all__ = ["households_lifted", "LIFTED_METRICS"]

LIFTED_METRICS: tuple[str, ...] = (
    "poverty_effect",
    "lifted_per_100m_rp",
    "cost_per_household_lifted_rp",
)

_RENAME = {
    "employed_per_100m_rp": "lifted_per_100m_rp",
    "cost_per_additional_employed_rp": "cost_per_household_lifted_rp",
}


def households_lifted(
    costs: pd.DataFrame, data: pd.DataFrame, *, poor: str = "poor", **options: object
) -> pd.DataFrame:
    """Effect on P0, households lifted per Rp 100 million and cost per household lifted.

    Parameters
    ----------
    costs, data
        As for :func:`~jbp_analysis.analyses.cost_effectiveness.cost_effectiveness`; ``data``
        holds one row per participant (e.g. the follow-up wave) with the ``poor`` indicator.
    poor
        The P0 indicator column (boolean; missing values are ignored).
    **options
        Passed on to ``cost_effectiveness`` (``strata``, ``participants``, ``n_boot``, ``seed``,
        ``level``, ``group``, ``arm`` ...).

    Returns
    -------
    pandas.DataFrame
        ``comparison, metric, estimate, ci_low, ci_high`` (plus ``level`` and ``n_boot``):
        ``poverty_effect`` is the difference in P0 (negative = fewer poor households).
    """
    if poor not in data.columns:
        raise JBPInputError(f"households lifted needs the column {poor!r}", column=poor)
    flag = data[poor].astype("boolean")
    not_poor = (~flag).astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    d = data.assign(_not_poor=not_poor, _unused_income=0.0)
    res = cost_effectiveness(costs, d, employment="_not_poor", income="_unused_income", **options)
    tidy = res.tidy()
    keep = tidy[tidy["metric"].isin(["employment_effect", *_RENAME])].copy()
    eff = keep["metric"] == "employment_effect"
    # P0 effect = -(effect on the share not poor); the interval flips
    lo, hi = keep.loc[eff, "ci_low"].copy(), keep.loc[eff, "ci_high"].copy()
    keep.loc[eff, "estimate"] = -keep.loc[eff, "estimate"]
    keep.loc[eff, "ci_low"], keep.loc[eff, "ci_high"] = -hi, -lo
    keep["metric"] = keep["metric"].replace({"employment_effect": "poverty_effect", **_RENAME})
    comps = {c: i for i, c in enumerate(dict.fromkeys(tidy["comparison"]))}
    metrics = {m: i for i, m in enumerate(LIFTED_METRICS)}
    order = np.lexsort((keep["metric"].map(metrics), keep["comparison"].map(comps)))
    return keep.iloc[order].reset_index(drop=True)
