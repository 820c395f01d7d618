"""Households lifted above the poverty line per Rp 100 million spent.

Each JBP participant comes from a different household, so the number of households lifted above
the BPS poverty line by an arm is :math:`-\\Delta P_0 \\times` participants, and per Rp 100
million of incremental programme cost it is :math:`-\\Delta P_0 / \\Delta c \\times 10^8`, with
:math:`\\Delta c` the incremental cost per participant (Dhaliwal, Duflo, Glennerster & Tulloch
2013; Foster, Greer & Thorbecke 1984 for P0).

:func:`households_lifted` takes :math:`\\Delta P_0` and its interval from the report's impact table
(the same ANCOVA, few-cluster inference and level as every other outcome) and treats costs as
known, so the interval of households lifted per Rp 100 million is the P0 interval scaled, and the
cost per household lifted has Fieller's (1954) interval
(:func:`~jbp_analysis.analyses.cost_effectiveness.ratio_interval`; unbounded when the P0 interval
includes zero). :func:`households_lifted_bootstrap` gives the same metrics from differences in
means with a cluster bootstrap (groups resampled within arm x stratum cells; Efron & Tibshirani
1993), as a check.

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
>>> out = households_lifted_bootstrap(costs, data, strata=None, draws=99)
>>> out.metric.unique().tolist()
['poverty_effect', 'lifted_per_100m_rp', 'cost_per_household_lifted_rp']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jbp_analysis.analyses.cost_effectiveness import cost_effectiveness, cost_per_improvement
from jbp_analysis.core.errors import JBPInputError

__all__ = ["households_lifted", "households_lifted_bootstrap", "LIFTED_METRICS"]

LIFTED_METRICS: tuple[str, ...] = (
    "poverty_effect",
    "lifted_per_100m_rp",
    "cost_per_household_lifted_rp",
)

_RENAME = {
    "employed_per_100m_rp": "lifted_per_100m_rp",
    "cost_per_additional_employed_rp": "cost_per_household_lifted_rp",
}


def households_lifted_bootstrap(
    costs: pd.DataFrame, data: pd.DataFrame, *, poor: str = "poor", **options: object
) -> pd.DataFrame:
    """The same three metrics from differences in means with a cluster bootstrap (a check).

    Parameters
    ----------
    costs, data
        As for :func:`~jbp_analysis.analyses.cost_effectiveness.cost_effectiveness`; ``data``
        holds one row per participant (e.g. the follow-up wave) with the ``poor`` indicator.
    poor
        The P0 indicator column (boolean; missing values are ignored).
    **options
        Passed on to ``cost_effectiveness`` (``strata``, ``participants``, ``draws``, ``seed``,
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


def households_lifted(
    costs: pd.DataFrame,
    impacts: pd.DataFrame,
    *,
    participants: pd.DataFrame,
    poor: str = "poor",
    group: str = "group_id",
    arm: str = "arm",
    cost: str = "cost_rp",
    level: float = 0.95,
) -> pd.DataFrame:
    """Effect on P0, households lifted per Rp 100 million and cost per household lifted.

    Parameters
    ----------
    costs
        One row per group x cost component: ``group``, ``arm``, ``cost`` (rupiah).
    impacts
        One wave's rows of an impact table (``contrast, outcome, estimate, ci_low, ci_high``,
        optionally ``inference``), e.g. from :func:`jbp_analysis.report.estimable.estimate_impacts`.
    participants
        One row per group: ``group``, ``arm``, ``participants`` (the roster).
    poor
        The P0 outcome's name in ``impacts``.

    Returns
    -------
    pandas.DataFrame
        ``comparison, metric, estimate, ci_low, ci_high, level, inference``; ``poverty_effect``
        is the difference in P0 (negative = fewer poor households).

    Examples
    --------
    >>> costs = pd.DataFrame({"group_id": ["k", "t"], "arm": ["kontrol", "pendampingan"],
    ...                       "cost_rp": [0, 25_000_000]})
    >>> people = pd.DataFrame({"group_id": ["k", "t"], "arm": ["kontrol", "pendampingan"],
    ...                        "participants": [25, 25]})
    >>> imp = pd.DataFrame({"contrast": ["pendampingan - kontrol"], "outcome": ["poor"],
    ...     "estimate": [-0.1], "ci_low": [-0.2], "ci_high": [0.02], "inference": "wild"})
    >>> t = households_lifted(costs, imp, participants=people).set_index("metric")
    >>> t.loc["lifted_per_100m_rp", ["estimate", "ci_low", "ci_high"]].round(1).tolist()
    [10.0, -2.0, 20.0]
    >>> t.loc["cost_per_household_lifted_rp", ["estimate", "ci_high"]].tolist()
    [10000000.0, inf]
    """
    per = cost_per_improvement(
        costs, impacts, participants=participants, outcome=poor, better=-1,
        group=group, arm=arm, cost=cost,
    )  # fmt: skip
    rows = []
    for r in per.itertuples(index=False):
        d_cost = float(r.incremental_cost_rp)
        pos = d_cost > 0
        lifted = [v / d_cost * 1e8 if pos else np.nan for v in
                  (r.improvement, r.improvement_ci_low, r.improvement_ci_high)]  # fmt: skip
        values = {
            "poverty_effect": (-r.improvement, -r.improvement_ci_high, -r.improvement_ci_low),
            "lifted_per_100m_rp": tuple(lifted),
            "cost_per_household_lifted_rp": (r.estimate, r.ci_low, r.ci_high),
        }
        for metric in LIFTED_METRICS:
            est, lo, hi = values[metric]
            rows.append((r.comparison, metric, float(est), float(lo), float(hi), r.inference))
    out = pd.DataFrame(
        rows, columns=["comparison", "metric", "estimate", "ci_low", "ci_high", "inference"]
    )
    return out.assign(level=level)
