"""``impact_table``: many outcomes, one tidy frame, with multiple-testing adjustments by family.

Within each ``family`` of outcomes (e.g. the labour-market outcomes), every contrast of every
outcome is one hypothesis. Two adjustments are added as columns:

- ``q_value``: Anderson (2008) sharpened false-discovery-rate q-values (the two-stage procedure
  of Benjamini, Krieger & Yekutieli 2006) of the family's ``p_value`` column, whatever inference
  produced it;
- ``p_romano_wolf``: Romano & Wolf (2005, 2016) step-down p-values controlling the family-wise
  error rate, from the restricted wild cluster bootstrap t-statistics of every contrast and
  outcome. Every outcome is bootstrapped with the same seed and its clusters in sorted label
  order, so the draws are joint across outcomes: draw ``b`` gives every cluster the same weight
  in every outcome (Clarke, Romano & Wolf 2020). When the outcomes of a family are observed in
  different sets of clusters, the Romano-Wolf draws are recomputed for every outcome on the
  clusters common to all of them (noted in ``DataFrame.attrs["notes"]``).

References
----------
Anderson, M. L. (2008). Multiple inference and gender differences in the effects of early
intervention. *Journal of the American Statistical Association*, 103(484), 1481-1495.
Benjamini, Y., Krieger, A. M., & Yekutieli, D. (2006). Adaptive linear step-up procedures that
control the false discovery rate. *Biometrika*, 93(3), 491-507.
Clarke, D., Romano, J. P., & Wolf, M. (2020). The Romano-Wolf multiple-hypothesis correction in
Stata. *Stata Journal*, 20(4), 812-843.
Romano, J. P., & Wolf, M. (2005). Stepwise multiple testing as formalized data snooping.
*Econometrica*, 73(4), 1237-1282.
Romano, J. P., & Wolf, M. (2016). Efficient computation of adjusted p-values for resampling-based
stepdown multiple testing. *Statistics & Probability Letters*, 113, 38-40.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.estimate.model import impact
from jbp_analysis.estimate.results import TIDY_COLUMNS, ImpactResult
from jbp_analysis.inference import romano_wolf, sharpened_qvalues
from jbp_analysis.study.design import uses_design

__all__ = ["impact_table", "P_ADJUST", "ADJUSTED_COLUMNS"]

#: The multiple-testing adjustments :func:`impact_table` offers (all by default).
P_ADJUST: tuple[str, ...] = ("q", "romano_wolf")
#: The columns they fill (NaN when not requested).
ADJUSTED_COLUMNS: tuple[str, ...] = ("q_value", "p_romano_wolf")


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


def _check_p_adjust(p_adjust: str | Sequence[str] | None) -> tuple[str, ...]:
    if p_adjust is None:
        return ()
    chosen = (p_adjust,) if isinstance(p_adjust, str) else tuple(p_adjust)
    bad = [a for a in chosen if a not in P_ADJUST]
    if bad:
        raise ConfigError(
            f"unknown p_adjust {', '.join(map(repr, bad))}; choose from: {', '.join(P_ADJUST)}"
        )
    return chosen


@uses_design
def impact_table(
    data: pd.DataFrame,
    *,
    outcomes: Sequence[str] | Mapping[str, Sequence[str]],
    family: str | None = None,
    baseline: str | Mapping[str, str] | None = None,
    inference: str | None = "auto",
    p_adjust: str | Sequence[str] | None = P_ADJUST,
    **options: Any,
) -> pd.DataFrame:
    """Estimate :func:`~jbp_analysis.estimate.impact` for several outcomes, stack the results and
    adjust the p-values for multiple testing within each family.

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
        ``"{outcome}_bl"``, the names :func:`jbp_analysis.outcomes.build.attach_baseline` writes).
    inference
        As in :func:`impact`; default ``"auto"``: the wild cluster bootstrap below 50 clusters,
        CR1 at or above (the ``inference`` column says which and why).
    p_adjust
        Adjustments to add within each family: ``"q"`` (``q_value``, Anderson 2008 sharpened
        q-values of the ``p_value`` column) and ``"romano_wolf"`` (``p_romano_wolf``, Romano-Wolf
        step-down p-values from joint wild bootstrap draws; see the module docstring). Both by
        default; ``None`` or ``()`` for none. Columns not requested are NaN.
    **options
        Passed to :func:`impact` (``arm``, ``control``, ``strata``, ``cluster``, ``method``,
        ``draws``, ``seed``...). The Romano-Wolf draws use ``draws``,
        ``bootstrap_weights`` and ``seed`` whatever the inference.

    Returns
    -------
    pandas.DataFrame
        ``family``, the columns of :meth:`ImpactResult.tidy`, then ``q_value`` and
        ``p_romano_wolf``: one row per outcome and contrast, in the order given.
        ``attrs["notes"]`` lists what a reader should know about the adjustments.

    Raises
    ------
    ConfigError
        Unknown ``p_adjust``, families given twice, no outcome, and every option :func:`impact`
        rejects.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0, 2, 4, 5], "b": [0.0, 1, 1, 1], "t": [0, 0, 1, 1]})
    >>> impact_table(df, outcomes={"x": ["a", "b"]}, arm="t", control=0,
    ...              method="diff_in_means", p_adjust="q")[["family", "outcome", "estimate"]]
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
    adjust = _check_p_adjust(p_adjust)
    if "return_draws" in options:
        raise ConfigError("impact_table sets return_draws itself (see p_adjust)")
    rw = "romano_wolf" in adjust
    results: list[tuple[str, str, ImpactResult]] = []
    for fam, outcome in pairs:
        res = impact(
            data,
            outcome=outcome,
            baseline=_baseline_for(baseline, outcome),
            inference=inference,
            return_draws=rw,
            **options,
        )
        results.append((fam, outcome, res))
    out = pd.concat([r.tidy().assign(family=f) for f, _, r in results], ignore_index=True)
    out = out[["family", *TIDY_COLUMNS]]
    q = np.full(len(out), np.nan)
    p_rw = np.full(len(out), np.nan)
    notes: list[str] = []
    sizes = np.array([len(r.contrasts) for _, _, r in results])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for fam in dict.fromkeys(f for f, _, _ in results):  # loop over the few families
        members = [i for i, (f, _, _) in enumerate(results) if f == fam]
        rows = np.concatenate([np.arange(starts[i], starts[i] + sizes[i]) for i in members])
        if "q" in adjust:
            q[rows] = sharpened_qvalues(out["p_value"].to_numpy(dtype=float)[rows])
        if rw:
            p, note = _romano_wolf_family(
                [results[i] for i in members], data, baseline=baseline, options=options
            )
            p_rw[rows] = p
            if note:
                notes.append(f"family {fam!r}: {note}")
    out["q_value"] = q
    out["p_romano_wolf"] = p_rw
    out.attrs["notes"] = notes
    return out


def _joint_draws(results: Sequence[ImpactResult]) -> tuple[np.ndarray, np.ndarray] | None:
    """Observed t and the ``B x S`` draws of a family, if the outcomes share their clusters.

    An outcome without draws (every contrast has a zero standard error) contributes NaN.
    """
    first = results[0].cluster_ids
    n_draws = {r.t_draws.shape[0] for r in results if r.t_draws is not None}
    for r in results:
        if r.cluster_ids is None or r.t_boot is None:
            return None
        if r.cluster_ids.shape != first.shape or not np.array_equal(r.cluster_ids, first):
            return None
    if len(n_draws) > 1:
        return None
    B = n_draws.pop() if n_draws else 0
    t = np.concatenate([r.t_boot for r in results])
    draws = np.hstack(
        [
            r.t_draws if r.t_draws is not None else np.full((B, len(r.contrasts)), np.nan)
            for r in results
        ]
    )
    return t, draws


def _romano_wolf_family(
    members: Sequence[tuple[str, str, ImpactResult]],
    data: pd.DataFrame,
    *,
    baseline: str | Mapping[str, str] | None,
    options: Mapping[str, Any],
) -> tuple[np.ndarray, str]:
    """Romano-Wolf p-values of every contrast of every outcome of one family, and a note."""
    results = [r for _, _, r in members]
    n_rows = sum(len(r.contrasts) for r in results)
    joint = _joint_draws(results)
    note = ""
    if joint is None:
        common = _common_clusters(results)
        if common is None or len(common) < 2:
            return np.full(n_rows, np.nan), (
                "no Romano-Wolf p-values: the outcomes share fewer than two clusters"
            )
        keep = _rows_in_clusters(data, common, options)
        sub = data.loc[keep]
        try:
            again = [
                impact(
                    sub,
                    outcome=outcome,
                    baseline=_baseline_for(baseline, outcome),
                    inference=None,
                    return_draws=True,
                    **options,
                )
                for _, outcome, _ in members
            ]
        except (JBPInputError, ConfigError) as err:
            return np.full(n_rows, np.nan), f"no Romano-Wolf p-values on the common clusters: {err}"
        joint = _joint_draws(again)
        if joint is None:
            return np.full(n_rows, np.nan), (
                "no Romano-Wolf p-values: the outcomes do not share their clusters"
            )
        note = (
            f"the outcomes are observed in different clusters, so the Romano-Wolf p-values use "
            f"the {len(common)} clusters common to all of them"
        )
    t, draws = joint
    # a draw with a zero bootstrap variance has t* = +-inf (as extreme as any) or NaN (0/0)
    draws = np.nan_to_num(draws, nan=0.0, posinf=np.finfo(float).max, neginf=-np.finfo(float).max)
    ok = np.isfinite(t)  # contrasts with a zero standard error are left out (NaN)
    p = np.full(t.shape[0], np.nan)
    if ok.any() and draws.shape[0]:
        p[ok] = romano_wolf(t[ok], draws[:, ok])
    return p, note


def _common_clusters(results: Sequence[ImpactResult]) -> np.ndarray | None:
    ids = [r.cluster_ids for r in results]
    if any(i is None for i in ids):
        return None
    common = set(ids[0].tolist())
    for i in ids[1:]:
        common &= set(i.tolist())
    return np.array([c for c in ids[0].tolist() if c in common], dtype=ids[0].dtype)


def _rows_in_clusters(
    data: pd.DataFrame, common: np.ndarray, options: Mapping[str, Any]
) -> np.ndarray:
    """Rows of ``data`` in the given clusters (rows are clusters without a cluster column)."""
    col = options.get("cluster")
    if col is None and options.get("method") == "did":
        col = options.get("unit")
    if col is not None:
        return data[col].isin(common.tolist()).to_numpy(dtype=bool)
    return np.isin(np.arange(len(data)), common)


def _as_list(values: str | Sequence[str]) -> list[str]:
    return [values] if isinstance(values, str) else list(values)
