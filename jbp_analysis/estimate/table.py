"""``impact_table``: many outcomes, one tidy frame, with a ``family`` column."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from jbp_analysis.errors import ConfigError
from jbp_analysis.estimate.model import impact
from jbp_analysis.estimate.results import TIDY_COLUMNS

__all__ = ["impact_table"]


def _baseline_for(baseline: str | Mapping[str, str] | None, outcome: str) -> str | None:
    if baseline is None:
        return None
    if isinstance(baseline, Mapping):
        return baseline.get(outcome)
    if "{outcome}" in baseline:
        return baseline.format(outcome=outcome)
    raise ConfigError(
        "baseline for impact_table must be a mapping {outcome: column} or a pattern such as "
        "'{outcome}_bl'"
    )


def impact_table(
    data: pd.DataFrame,
    *,
    outcomes: Sequence[str] | Mapping[str, Sequence[str]],
    family: str | None = None,
    baseline: str | Mapping[str, str] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Estimate :func:`~jbp_analysis.estimate.impact` for several outcomes and stack the results.

    Parameters
    ----------
    data
        Any DataFrame.
    outcomes
        Outcome columns, or a mapping ``{family: [outcomes]}``.
    family
        Family name for every outcome when ``outcomes`` is a list (default: ``"all"``). Families
        group outcomes for the multiple-testing adjustment.
    baseline
        Baseline column per outcome: a mapping, or a pattern with ``{outcome}`` (e.g.
        ``"{outcome}_bl"``, the names :func:`jbp_analysis.outcomes.attach_baseline` writes).
    **options
        Passed to :func:`impact` (``arm``, ``control``, ``strata``, ``cluster``, ``method``...).

    Returns
    -------
    pandas.DataFrame
        ``family`` then the columns of :meth:`ImpactResult.tidy`, one row per outcome and
        contrast, in the order given.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0, 2, 4, 5], "b": [0.0, 1, 1, 1], "t": [0, 0, 1, 1]})
    >>> impact_table(df, outcomes={"x": ["a", "b"]}, arm="t", control=0,
    ...              method="diff_in_means")[["family", "outcome", "estimate"]]
      family outcome  estimate
    0      x       a       3.0
    1      x       b       0.5
    """
    if isinstance(outcomes, Mapping):
        if family is not None:
            raise ConfigError("give families either as the keys of outcomes or as family=")
        pairs = [(fam, o) for fam, outs in outcomes.items() for o in _as_list(outs)]
    else:
        pairs = [(family or "all", o) for o in _as_list(outcomes)]
    if not pairs:
        raise ConfigError("impact_table needs at least one outcome")
    frames = []
    for fam, outcome in pairs:
        res = impact(data, outcome=outcome, baseline=_baseline_for(baseline, outcome), **options)
        frames.append(res.tidy().assign(family=fam))
    out = pd.concat(frames, ignore_index=True)
    return out[["family", *TIDY_COLUMNS]]


def _as_list(values: str | Sequence[str]) -> list[str]:
    return [values] if isinstance(values, str) else list(values)
