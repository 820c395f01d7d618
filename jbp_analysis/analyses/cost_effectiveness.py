"""Cost-effectiveness of the JBP arms, with group (cluster) bootstrap confidence intervals.

For every treated arm against control, and for mentoring against the charitable model
(Dhaliwal, Duflo, Glennerster & Tulloch 2013, "Comparative cost-effectiveness analysis to inform
policy in developing countries", J-PAL):

- ``cost_per_participant_rp``: programme cost of the arm's groups / their participants;
- ``incremental_cost_per_participant_rp``: the same minus the comparison arm's;
- ``employment_effect``: difference in the share employed (proportion);
- ``employed_per_100m_rp``: additional employed young people per Rp 100 million spent,
  ``employment_effect / incremental cost per participant * 1e8`` (well defined when the effect is
  zero or negative, so its interval is reliable);
- ``cost_per_additional_employed_rp``: incremental cost per participant / employment effect, i.e.
  incremental cost / (impact x participants). Its interval is the reciprocal of the interval of
  ``employed_per_100m_rp`` (the map is monotone on positive values); the upper bound is infinite
  when that interval reaches zero, and the estimate is NaN when the effect is not positive;
  intervals are NaN for a metric that is undefined in some replicate (no extra cost);
- ``income_effect_rp``: difference in monthly household income (rupiah);
- ``income_gain_per_rp``: ``income_effect * months / incremental cost per participant``, the
  income gained over ``months`` months per rupiah spent.

Effects default to differences in means of the respondent-level outcomes (the panel rows the
caller passes, e.g. endline respondents); any estimator can be supplied as a callable.

Reports use :func:`cost_effectiveness_from_impacts` instead: the effect is the report's own
ANCOVA estimate of the reported outcome (the row of its impact table) and the interval of a
cost ratio comes from that estimate's interval (same inference: the wild cluster bootstrap with
few groups). Programme costs are accounting totals, known without sampling error, so Fieller's
(1954) interval for ``cost / effect`` is the set of ``cost / tau`` over the effect's interval
(:func:`ratio_interval`): when that interval includes 0 the cost per unit has no upper bound
(shown as unbounded), and when it lies below 0 no cost buys a gain.

Confidence intervals: percentile intervals of a cluster bootstrap that resamples groups with
replacement within each arm x stratum cell, recomputing costs and effects together (Efron &
Tibshirani 1993, *An Introduction to the Bootstrap*, ch. 13; Davison & Hinkley 1997, section 3.8
on stratified and clustered data; Briggs, Wonderling & Mooney 1997 on bootstrap intervals for
cost-effectiveness ratios). With the default effects the resampling is vectorised: each
replicate is a row of multinomial counts over the groups of a cell, and every arm total is a
matrix product of those counts with group-level sums.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jbp_analysis.core.deprecation import renamed_keywords
from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.core.results import Result
from jbp_analysis.study.design import uses_design

__all__ = [
    "CEResult",
    "cost_effectiveness",
    "cost_effectiveness_from_impacts",
    "cost_per_improvement",
    "ratio_interval",
    "IMPACT_METRICS",
    "costs_by_group",
    "cost_per_participant",
    "METRICS",
]

METRICS: tuple[str, ...] = (
    "cost_per_participant_rp",
    "incremental_cost_per_participant_rp",
    "employment_effect",
    "employed_per_100m_rp",
    "cost_per_additional_employed_rp",
    "income_effect_rp",
    "income_gain_per_rp",
)

EffectFn = Callable[[pd.DataFrame], Mapping[tuple[str, str], float]]


def costs_by_group(
    costs: pd.DataFrame,
    *,
    group: str = "group_id",
    arm: str = "arm",
    cost: str = "cost_rp",
) -> pd.DataFrame:
    """Total cost of each group (summing components), with its arm.

    Raises
    ------
    JBPInputError
        Missing columns, missing or negative costs, or a group listed under two arms.

    Examples
    --------
    >>> c = pd.DataFrame({"group_id": ["g1", "g1", "g2"], "arm": ["a", "a", "b"],
    ...                   "cost_rp": [100, 50, 30]})
    >>> costs_by_group(c).to_dict("list")
    {'group_id': ['g1', 'g2'], 'arm': ['a', 'b'], 'cost_rp': [150.0, 30.0]}
    """
    missing = [c for c in (group, arm, cost) if c not in costs.columns]
    if missing:
        raise JBPInputError(f"the costs table has no column(s) {missing}", file="costs")
    values = pd.to_numeric(costs[cost], errors="coerce").astype("Float64")
    bad = np.flatnonzero(values.isna().to_numpy() | (values.fillna(0) < 0).to_numpy())
    if bad.size:
        i = int(bad[0])
        value = costs[cost].iloc[i]
        value = value.item() if isinstance(value, np.generic) else value
        raise JBPInputError(
            f"cost {value!r} is missing or negative",
            file="costs",
            row=i + 1,
            column=cost,
        )
    arms = costs.groupby(group, sort=True, observed=True)[arm].nunique()
    if (arms > 1).any():
        g = arms.index[np.argmax(arms.to_numpy() > 1)]
        raise JBPInputError(f"group {g!r} is listed under more than one arm", file="costs")
    out = (
        costs.assign(**{cost: values.astype(float)})
        .groupby(group, sort=True, observed=True)
        .agg(**{arm: (arm, "first"), cost: (cost, "sum")})
        .reset_index()
    )
    out[arm] = out[arm].astype(str)
    return out


def cost_per_participant(
    costs: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    group: str = "group_id",
    arm: str = "arm",
    cost: str = "cost_rp",
    count: str = "participants",
) -> pd.DataFrame:
    """Cost per participant by arm: total cost of the arm's groups / their participants.

    ``participants`` has one row per group (``group``, ``arm``, ``count``); groups without a
    cost row cost nothing.

    Examples
    --------
    >>> c = pd.DataFrame({"group_id": ["g1", "g2"], "arm": ["a", "a"], "cost_rp": [100, 300]})
    >>> p = pd.DataFrame({"group_id": ["g1", "g2", "g3"], "arm": ["a", "a", "b"],
    ...                   "participants": [2, 2, 5]})
    >>> cost_per_participant(c, p)[["arm", "cost_per_participant_rp"]].to_dict("list")
    {'arm': ['a', 'b'], 'cost_per_participant_rp': [100.0, 0.0]}
    """
    per_group = _merge_costs(costs, participants, group=group, arm=arm, cost=cost, count=count)
    out = (
        per_group.groupby(arm, sort=False, observed=True)
        .agg(groups=(group, "size"), participants=(count, "sum"), total_cost_rp=(cost, "sum"))
        .reset_index()
    )
    out["cost_per_participant_rp"] = out["total_cost_rp"] / out["participants"]
    return out


def _merge_costs(costs, participants, *, group, arm, cost, count) -> pd.DataFrame:
    per_cost = costs_by_group(costs, group=group, arm=arm, cost=cost)
    part = participants[[group, arm, count]].copy()
    part[arm] = part[arm].astype(str)
    extra = sorted(set(per_cost[group]) - set(part[group]))
    if extra:
        raise JBPInputError(
            f"costs are listed for group(s) {extra[:5]} that have no participants in the data",
            file="costs",
            column=group,
        )
    merged = part.merge(per_cost, on=group, how="left", suffixes=("", "_cost"))
    clash = merged[f"{arm}_cost"].notna() & (merged[f"{arm}_cost"] != merged[arm])
    if clash.any():
        row = merged[clash].iloc[0]
        raise JBPInputError(
            f"group {row[group]!r} is {row[f'{arm}_cost']!r} in the costs but {row[arm]!r} in "
            "the data",
            file="costs",
            column=arm,
        )
    merged[cost] = merged[cost].fillna(0.0)
    return merged.drop(columns=[f"{arm}_cost"])


@dataclass(frozen=True, eq=False)
class CEResult(Result):
    """Cost-effectiveness estimates with cluster-bootstrap percentile intervals.

    ``table`` has one row per comparison x metric: ``comparison`` (e.g.
    ``"pendampingan vs kontrol"``), ``metric`` (see :data:`METRICS`), ``estimate``, ``ci_low``,
    ``ci_high``; ``replicates`` keeps the bootstrap draws of every metric; ``draws`` is their
    number (0 when the intervals come from the impact estimates' own inference).
    """

    table: pd.DataFrame
    draws: int
    level: float
    income_months: float
    replicates: pd.DataFrame = field(repr=False)

    # percentile intervals of cost ratios: no standard error or p-value
    tidy_statistics = ("estimate", "ci_low", "ci_high")
    html_float_format = "{:,.4g}"

    def tidy(self) -> pd.DataFrame:
        """The table, with ``n_boot`` (the number of bootstrap draws) and ``level``.

        The ``n_boot`` column keeps its name while the report tables read it by that name.
        """
        return self.table.assign(n_boot=self.draws, level=self.level)

    @property
    def n_boot(self) -> int:
        """Deprecated name of :attr:`draws`."""
        warnings.warn(
            "CEResult.n_boot is deprecated; use CEResult.draws", DeprecationWarning, stacklevel=2
        )
        return self.draws

    def _html_caption(self) -> str:
        how = f"{self.draws} cluster-bootstrap draws" if self.draws else "the impact estimates' CIs"
        return html.escape(f"Cost-effectiveness: {self.level:.0%} intervals from {how}")

    def _html_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("", self.table)]


@renamed_keywords(n_boot="draws")
@uses_design
def cost_effectiveness(
    costs: pd.DataFrame,
    data: pd.DataFrame,
    *,
    employment: str = "employed",
    income: str = "household_income",
    control: str = "kontrol",
    treated: Sequence[str] = ("karitatif", "pendampingan"),
    group: str = "group_id",
    arm: str = "arm",
    strata: str | None = "district_code",
    cost: str = "cost_rp",
    participants: pd.DataFrame | None = None,
    arm_means: EffectFn | None = None,
    income_months: float = 12.0,
    draws: int = 999,
    seed: int = 0,
    level: float = 0.95,
) -> CEResult:
    """Cost per participant, cost per additional employed youth and income gain per rupiah.

    Length: checks, group-level sums and one stratified bootstrap whose draws every comparison and
    metric share (kept local so that all metrics use the same draws).

    Parameters
    ----------
    costs
        One row per group x cost component: ``group``, ``arm``, ``cost`` (rupiah).
    data
        Respondent-level rows used for the effects (e.g. endline respondents), with ``group``,
        ``arm``, ``strata`` and the outcome columns (``employment`` 0/1 or boolean, ``income``
        rupiah); missing outcome values are ignored.
    employment, income
        Outcome columns.
    control, treated
        Comparison arm and treated arms; comparisons are each treated arm vs control, then every
        later treated arm vs every earlier one (``pendampingan vs karitatif``).
    group, arm, strata
        Columns; resampling is within ``arm x strata`` cells (``strata=None``: within arms).
    cost
        Cost column of ``costs``.
    participants
        One row per group: ``group``, ``arm``, ``participants`` (default: rows of ``data`` per
        group, e.g. the roster when ``data`` has every member).
    arm_means
        Optional estimator ``data -> {(outcome, arm): adjusted mean}`` (e.g. regression-adjusted
        means); called on every bootstrap sample, whose groups get unique new ids. Default:
        plain means (vectorised).
    income_months
        Months over which the income gain is counted.
    draws, seed, level
        Bootstrap replicates, seed and interval level. ``n_boot=`` is the deprecated name of
        ``draws=`` (accepted with a :class:`DeprecationWarning` for one release).

    Returns
    -------
    CEResult

    Examples
    --------
    >>> costs = pd.DataFrame({"group_id": ["k1", "k2", "t1", "t2"],
    ...                       "arm": ["kontrol", "kontrol", "pendampingan", "pendampingan"],
    ...                       "cost_rp": [0, 0, 2_000_000, 2_000_000]})
    >>> data = pd.DataFrame({"group_id": ["k1", "k1", "k2", "k2", "t1", "t1", "t2", "t2"],
    ...                      "arm": ["kontrol"] * 4 + ["pendampingan"] * 4,
    ...                      "employed": [0, 0, 1, 0, 1, 0, 1, 1],
    ...                      "household_income": [1e6] * 4 + [1.2e6] * 4})
    >>> res = cost_effectiveness(costs, data, treated=["pendampingan"], strata=None, draws=50)
    >>> t = res.table.set_index("metric")["estimate"]
    >>> metrics = ["cost_per_participant_rp", "employment_effect", "cost_per_additional_employed_rp"]
    >>> t[metrics].tolist()
    [1000000.0, 0.5, 2000000.0]
    """
    if draws < 2:
        raise ConfigError("draws must be at least 2")
    if not 0 < level < 1:
        raise ConfigError(f"level must be between 0 and 1, got {level}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    need = [group, arm, employment, income] + ([strata] if strata else [])
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise JBPInputError(f"the data have no column(s) {missing}")
    arms_all = [control, *treated]
    present = set(data[arm].astype(str))
    absent = [a for a in arms_all if a not in present]
    if absent:
        raise ConfigError(f"arm(s) {absent} have no rows in the data")
    data = data[data[arm].astype(str).isin(arms_all)]
    if participants is None:
        participants = (
            data.groupby(group, sort=True, observed=True)
            .agg(**{arm: (arm, "first"), "participants": (arm, "size")})
            .reset_index()
        )
    costs = costs[costs[arm].astype(str).isin(arms_all)] if arm in costs.columns else costs
    participants = participants[participants[arm].astype(str).isin(arms_all)]
    per_group = _merge_costs(
        costs, participants, group=group, arm=arm, cost=cost, count="participants"
    )
    per_group = per_group[per_group[arm].isin(arms_all)].reset_index(drop=True)
    # group-level sums of the outcomes (missing values ignored)
    codes = pd.Index(per_group[group]).get_indexer(data[group])
    if (codes < 0).any():
        g = data[group].iloc[int(np.argmax(codes < 0))]
        raise JBPInputError(f"group {g!r} of the data has no participants row", column=group)
    G = len(per_group)
    sums = {}
    for name in (employment, income):
        y = pd.to_numeric(data[name].astype("Float64"), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        ok = np.isfinite(y)
        sums[name] = (
            np.bincount(codes[ok], weights=y[ok], minlength=G),
            np.bincount(codes[ok], minlength=G).astype(np.float64),
        )
    g_arm = per_group[arm].to_numpy()
    if strata:
        g_strata = (
            data.groupby(group, observed=True)[strata].first().reindex(per_group[group]).to_numpy()
        )
    else:
        g_strata = np.zeros(G)
    cells = pd.Series(list(zip(g_arm, g_strata, strict=True))).factorize()[0]

    counts = _bootstrap_counts(cells, draws, int(seed))  # (draws + 1) x G; row 0 = data
    cost_g = per_group[cost].to_numpy(dtype=np.float64)
    part_g = per_group["participants"].to_numpy(dtype=np.float64)

    def arm_totals(values: np.ndarray, a: str) -> np.ndarray:
        mask = g_arm == a
        return counts[:, mask] @ values[mask]

    cpp = {a: arm_totals(cost_g, a) / arm_totals(part_g, a) for a in arms_all}
    if arm_means is None:
        means = {
            (name, a): arm_totals(s, a) / arm_totals(n, a)
            for name, (s, n) in sums.items()
            for a in arms_all
        }
    else:
        means = _callable_means(arm_means, data, per_group, counts, group=group)

    comparisons = [(t, control) for t in treated]
    comparisons += [(treated[j], treated[i]) for j in range(len(treated)) for i in range(j)]
    rows, reps = [], {}
    alpha = 1 - level
    for a, b in comparisons:
        d_cost = cpp[a] - cpp[b]
        d_emp = means[(employment, a)] - means[(employment, b)]
        d_inc = means[(income, a)] - means[(income, b)]
        with np.errstate(divide="ignore", invalid="ignore"):
            per_100m = np.where(d_cost > 0, d_emp / d_cost * 1e8, np.nan)
            cost_per_emp = np.where((d_emp > 0) & (d_cost > 0), d_cost / d_emp, np.nan)
            gain = np.where(d_cost > 0, d_inc * income_months / d_cost, np.nan)
        values = {
            "cost_per_participant_rp": cpp[a],
            "incremental_cost_per_participant_rp": d_cost,
            "employment_effect": d_emp,
            "employed_per_100m_rp": per_100m,
            "cost_per_additional_employed_rp": cost_per_emp,
            "income_effect_rp": d_inc,
            "income_gain_per_rp": gain,
        }
        intervals = {m: _percentile(v[1:], alpha) for m, v in values.items()}
        lo100, hi100 = intervals["employed_per_100m_rp"]
        intervals["cost_per_additional_employed_rp"] = (
            1e8 / hi100 if hi100 > 0 else np.inf,
            1e8 / lo100 if lo100 > 0 else np.inf,
        ) if np.isfinite(lo100) else (np.nan, np.nan)  # fmt: skip
        label = f"{a} vs {b}"
        for metric in METRICS:
            lo, hi = intervals[metric]
            rows.append((label, metric, float(values[metric][0]), float(lo), float(hi)))
            reps[f"{label}|{metric}"] = values[metric][1:]
    table = pd.DataFrame(rows, columns=["comparison", "metric", "estimate", "ci_low", "ci_high"])
    replicates = pd.DataFrame(reps)
    return CEResult(
        table=table,
        draws=int(draws),
        level=level,
        income_months=income_months,
        replicates=replicates,
    )


def _bootstrap_counts(cells: np.ndarray, draws: int, seed: int) -> np.ndarray:
    """Row 0: every group once; rows 1..draws: multinomial resampling counts within cells."""
    rng = np.random.default_rng(seed)
    G = cells.shape[0]
    counts = np.zeros((draws + 1, G))
    counts[0] = 1.0
    for c in range(int(cells.max()) + 1):  # loop over arm x stratum cells
        idx = np.flatnonzero(cells == c)
        counts[1:, idx] = rng.multinomial(idx.size, np.full(idx.size, 1.0 / idx.size), draws)
    return counts


def _callable_means(fn: EffectFn, data, per_group, counts, *, group) -> dict:
    """Evaluate a user estimator on the data and on every bootstrap sample of groups."""
    groups = per_group[group].to_numpy()
    by_group = {g: d for g, d in data.groupby(group, sort=False, observed=True)}
    out: dict[tuple[str, str], np.ndarray] = {}
    for r in range(counts.shape[0]):
        parts = []
        for j in np.flatnonzero(counts[r]):  # loop over groups of one replicate
            d = by_group.get(groups[j])
            if d is None:
                continue
            for k in range(int(counts[r, j])):
                parts.append(d.assign(**{group: f"{groups[j]}#{k}"}))
        sample = pd.concat(parts, ignore_index=True) if r else data
        for key, value in fn(sample).items():
            out.setdefault(key, np.full(counts.shape[0], np.nan))[r] = value
    return out


def _percentile(values: np.ndarray, alpha: float) -> tuple[float, float]:
    """Percentile interval; NaN when the metric is undefined in any replicate."""
    if not np.isfinite(values).all():
        return float("nan"), float("nan")
    lo, hi = np.quantile(values, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


#: Metrics of :func:`cost_effectiveness_from_impacts`, in order.
IMPACT_METRICS: tuple[str, ...] = (
    "cost_per_participant_rp",
    "incremental_cost_per_participant_rp",
    "unemployment_reduction",
    "out_of_unemployment_per_100m_rp",
    "cost_per_youth_out_of_unemployment_rp",
    "income_effect_rp",
    "income_gain_per_rp",
)


def ratio_interval(
    cost: float, effect: float, ci_low: float, ci_high: float
) -> tuple[float, float, float]:
    """Cost per unit of effect, ``cost / effect``, and its interval from the effect's interval.

    With a known ``cost > 0`` (accounting totals), Fieller's (1954) interval for the ratio is
    ``{cost / tau : tau in [ci_low, ci_high]}`` for the positive ``tau``:
    ``[cost / ci_high, cost / ci_low]`` when ``ci_low > 0``; ``[cost / ci_high, inf]``
    (unbounded: the data do not rule out that the programme achieves nothing) when the interval
    includes 0; NaN when ``ci_high <= 0`` (no gain at any cost). The estimate is NaN unless
    ``effect > 0``. Its coverage is the effect interval's.

    Examples
    --------
    >>> ratio_interval(1e6, 0.1, 0.05, 0.2)
    (10000000.0, 5000000.0, 20000000.0)
    >>> ratio_interval(1e6, 0.1, -0.05, 0.2)
    (10000000.0, 5000000.0, inf)
    """
    if not (np.isfinite(cost) and cost > 0) or not np.isfinite(ci_high) or ci_high <= 0:
        return (np.nan, np.nan, np.nan)
    est = cost / effect if np.isfinite(effect) and effect > 0 else np.nan
    hi = cost / ci_low if np.isfinite(ci_low) and ci_low > 0 else np.inf
    return (float(est), float(cost / ci_high), float(hi))


def _cost_per_participant(
    costs: pd.DataFrame, participants: pd.DataFrame, *, group: str, arm: str, cost: str
) -> dict[str, float]:
    """Programme cost per participant of each arm (arm totals / roster)."""
    per_group = _merge_costs(
        costs, participants, group=group, arm=arm, cost=cost, count="participants"
    )
    totals = per_group.groupby(per_group[arm].astype(str), observed=True)[
        [cost, "participants"]
    ].sum()
    return (totals[cost] / totals["participants"]).to_dict()


def cost_per_improvement(
    costs: pd.DataFrame,
    impacts: pd.DataFrame,
    *,
    participants: pd.DataFrame,
    outcome: str,
    better: int = 1,
    group: str = "group_id",
    arm: str = "arm",
    cost: str = "cost_rp",
) -> pd.DataFrame:
    """Incremental cost per unit of improvement in any outcome, from an impact table's rows.

    For each contrast ``"a - b"`` of ``outcome`` in ``impacts`` (``estimate, ci_low,
    ci_high``): the improvement is ``better * estimate`` (``better=-1`` when lower is better,
    e.g. poverty or unemployment) and the cost per unit is ``(cost per participant of a - of b) /
    improvement`` with the interval of :func:`ratio_interval` (the impact's own interval,
    Fieller 1954 with known costs; ``unbounded`` when it includes 0).

    Returns
    -------
    pandas.DataFrame
        ``comparison, outcome, incremental_cost_rp, improvement, improvement_ci_low,
        improvement_ci_high, estimate, ci_low, ci_high, unbounded, inference``.

    Examples
    --------
    >>> costs = pd.DataFrame({"group_id": ["k", "t"], "arm": ["kontrol", "pendampingan"],
    ...                       "cost_rp": [0, 10_000_000]})
    >>> people = pd.DataFrame({"group_id": ["k", "t"], "arm": ["kontrol", "pendampingan"],
    ...                        "participants": [10, 10]})
    >>> imp = pd.DataFrame({"contrast": ["pendampingan - kontrol"], "outcome": ["poor"],
    ...                     "estimate": [-0.05], "ci_low": [-0.08], "ci_high": [-0.02]})
    >>> r = cost_per_improvement(costs, imp, participants=people, outcome="poor", better=-1)
    >>> r[["estimate", "ci_low", "ci_high"]].round(0).values.tolist()
    [[20000000.0, 12500000.0, 50000000.0]]
    """
    need = ["contrast", "outcome", "estimate", "ci_low", "ci_high"]
    missing = [c for c in need if c not in impacts.columns]
    if missing:
        raise JBPInputError(f"the impact table has no column(s) {missing}")
    if better not in (1, -1):
        raise ConfigError(f"better must be 1 or -1, got {better!r}")
    cpp = _cost_per_participant(costs, participants, group=group, arm=arm, cost=cost)
    rows = []
    for r in impacts[impacts["outcome"] == outcome].itertuples():
        a, b = (x.strip() for x in str(r.contrast).split(" - ", 1))
        if a not in cpp or b not in cpp:
            continue
        d_cost = cpp[a] - cpp[b]
        lo, hi = sorted((better * float(r.ci_low), better * float(r.ci_high)))
        gain = better * float(r.estimate)
        est, c_lo, c_hi = ratio_interval(d_cost, gain, lo, hi)
        rows.append(
            {
                "comparison": f"{a} vs {b}",
                "outcome": outcome,
                "incremental_cost_rp": d_cost,
                "improvement": gain,
                "improvement_ci_low": lo,
                "improvement_ci_high": hi,
                "estimate": est,
                "ci_low": c_lo,
                "ci_high": c_hi,
                "unbounded": bool(np.isinf(c_hi)),
                "inference": str(getattr(r, "inference", "")),
            }
        )
    return pd.DataFrame(rows)


def _oriented_effect(rows: pd.DataFrame, name: str, sign: float) -> tuple[float, float, float]:
    """``(estimate, ci_low, ci_high)`` of outcome ``name`` times ``sign`` (NaN if absent)."""
    if name not in rows.index:
        return (np.nan, np.nan, np.nan)
    r = rows.loc[name]
    lo, hi = sign * float(r["ci_low"]), sign * float(r["ci_high"])
    return (sign * float(r["estimate"]), min(lo, hi), max(lo, hi))


def cost_effectiveness_from_impacts(
    costs: pd.DataFrame,
    impacts: pd.DataFrame,
    *,
    participants: pd.DataFrame,
    unemployment: str = "unemployed_bps",
    income: str = "income_household",
    control: str = "kontrol",
    group: str = "group_id",
    arm: str = "arm",
    cost: str = "cost_rp",
    income_months: float = 12.0,
    level: float = 0.95,
) -> CEResult:
    """Cost-effectiveness from the report's own impact estimates (same model, same inference).

    ``impacts`` holds one wave's rows of an impact table (``contrast, outcome, estimate,
    ci_low, ci_high, inference``; e.g. :func:`jbp_analysis.report.estimable.estimate_impacts`):
    its ANCOVA estimate of ``unemployment`` (lower is better) and ``income`` for each contrast
    ``"a - b"``. Per comparison ``a vs b``:

    - ``cost_per_participant_rp`` (arm ``a``) and ``incremental_cost_per_participant_rp``
      (``a`` minus ``b``), from ``costs`` and ``participants`` (known: no interval);
    - ``unemployment_reduction``: minus the unemployment effect, with its interval;
    - ``out_of_unemployment_per_100m_rp``: young people out of open unemployment per Rp 100
      million, ``reduction / incremental cost x 1e8`` (interval scaled alike);
    - ``cost_per_youth_out_of_unemployment_rp``: incremental cost / reduction, with the interval
      of :func:`ratio_interval` (``ci_high = inf``: unbounded);
    - ``income_effect_rp`` and ``income_gain_per_rp`` (``effect x income_months / incremental
      cost``).

    Ratios are NaN where the incremental cost is not positive.

    Examples
    --------
    >>> costs = pd.DataFrame({"group_id": ["k", "t"], "arm": ["kontrol", "pendampingan"],
    ...                       "cost_rp": [0, 25_000_000]})
    >>> people = pd.DataFrame({"group_id": ["k", "t"], "arm": ["kontrol", "pendampingan"],
    ...                        "participants": [25, 25]})
    >>> imp = pd.DataFrame({"contrast": ["pendampingan - kontrol"] * 2,
    ...     "outcome": ["unemployed_bps", "income_household"], "estimate": [-0.1, 2e5],
    ...     "ci_low": [-0.2, -1e5], "ci_high": [0.05, 5e5], "inference": "wild"})
    >>> t = cost_effectiveness_from_impacts(costs, imp, participants=people).table
    >>> t.set_index("metric").loc["cost_per_youth_out_of_unemployment_rp",
    ...                           ["estimate", "ci_low", "ci_high"]].tolist()
    [10000000.0, 5000000.0, inf]
    """
    need = ["contrast", "outcome", "estimate", "ci_low", "ci_high"]
    missing = [c for c in need if c not in impacts.columns]
    if missing:
        raise JBPInputError(f"the impact table has no column(s) {missing}")
    cpp = _cost_per_participant(costs, participants, group=group, arm=arm, cost=cost)
    rows = []
    inference = ""
    for contrast in dict.fromkeys(impacts["contrast"]):
        a, b = (x.strip() for x in str(contrast).split(" - ", 1))
        if a not in cpp or b not in cpp:
            continue
        d_cost = cpp[a] - cpp[b]
        pos = d_cost > 0
        sub = impacts[impacts["contrast"] == contrast].set_index("outcome")

        if "inference" in sub.columns and len(sub):
            inference = str(sub["inference"].iloc[0])
        red = _oriented_effect(sub, unemployment, -1.0)
        inc = _oriented_effect(sub, income, 1.0)
        per_100m = tuple(v / d_cost * 1e8 if pos else np.nan for v in red)
        gain = tuple(v * income_months / d_cost if pos else np.nan for v in inc)
        values = {
            "cost_per_participant_rp": (cpp[a], np.nan, np.nan),
            "incremental_cost_per_participant_rp": (d_cost, np.nan, np.nan),
            "unemployment_reduction": red,
            "out_of_unemployment_per_100m_rp": per_100m,
            "cost_per_youth_out_of_unemployment_rp": ratio_interval(d_cost, *red),
            "income_effect_rp": inc,
            "income_gain_per_rp": gain,
        }
        for metric in IMPACT_METRICS:
            est, lo, hi = values[metric]
            rows.append((f"{a} vs {b}", metric, float(est), float(lo), float(hi)))
    table = pd.DataFrame(rows, columns=["comparison", "metric", "estimate", "ci_low", "ci_high"])
    table["unbounded"] = np.isinf(table["ci_high"].to_numpy(dtype=float))
    table["inference"] = inference
    return CEResult(
        table=table,
        draws=0,
        level=level,
        income_months=income_months,
        replicates=pd.DataFrame(),
    )
