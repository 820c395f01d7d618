"""Build the regression design of an impact estimate from any DataFrame.

:func:`build_design` validates the columns, drops incomplete rows (and counts them), codes the arm
as dummies against the control category, adds the baseline outcome with a missing-baseline dummy
(McKenzie 2012), expands text covariates into dummies, and partials out the absorbed fixed effects
(strata, or units for difference-in-differences) by a weighted within transformation
(Frisch-Waugh-Lovell), so the returned arrays go straight into :func:`~.ols.fit_ols`.

References
----------
McKenzie, D. (2012). Beyond baseline and follow-up: the case for more T in experiments.
*Journal of Development Economics*, 99(2), 210-221.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import ConfigError, JBPInputError

__all__ = [
    "Method",
    "METHODS",
    "ModelSpec",
    "Design",
    "build_design",
    "arm_levels",
    "numeric",
    "demean",
    "as_tuple",
    "time_levels",
]

Method = Literal["ancova", "diff_in_means", "did"]
METHODS: tuple[str, ...] = ("ancova", "diff_in_means", "did")

#: A demeaned column whose norm falls below this share of its raw norm is collinear with the
#: absorbed fixed effects.
_FE_COLLINEAR = 1e-9


@dataclass(frozen=True)
class ModelSpec:
    """The specification of one impact regression (column names and options)."""

    outcome: str
    arm: str
    control: Any
    baseline: str | None = None
    covariates: tuple[str, ...] = ()
    strata: str | None = None
    cluster: str | None = None
    method: str = "ancova"
    weights: str | None = None
    unit: str | None = None
    time: str | None = None
    time_order: tuple[Any, ...] | None = None


@dataclass(frozen=True, eq=False)
class Design:
    """Arrays ready for least squares, with what was done to get them.

    ``y`` and ``X`` are weighted (multiplied by the square root of the weights) and have the
    absorbed fixed effects partialled out. The first ``len(arm_levels) - 1`` columns of ``X`` are
    the treatment columns, one per treated arm, in the order of ``arm_levels[1:]``.

    The few-cluster inference methods rebuild the full regression from: ``roles`` (one per
    column of ``X``: ``"arm"``, ``"period"``, ``"period_strata"``, ``"baseline"``,
    ``"baseline_missing"`` or ``"covariate"``), ``cluster_levels`` (the label of each cluster
    code), ``absorb_codes``/``n_absorb_levels`` (the absorbed effects: strata, units, or one level
    for the intercept) and whether they are nested in the clusters (``absorbed_nested``),
    ``sqrt_weights`` (``None`` without weights), ``post`` (``did``: 1 in the later period) and
    ``rows`` (positions of the estimation rows in the data).
    """

    spec: ModelSpec
    y: np.ndarray
    X: np.ndarray
    names: tuple[str, ...]
    arm_levels: tuple[Any, ...]
    clusters: np.ndarray | None
    n_clusters: int | None
    n_absorbed: int
    absorbed: str
    n_obs: int
    n_dropped: int
    missing: dict[str, int] = field(default_factory=dict)
    control_mean: float = float("nan")
    control_sd: float = float("nan")
    arm_codes: np.ndarray | None = None
    strata_codes: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    cluster_levels: np.ndarray | None = None
    absorb_codes: np.ndarray | None = None
    n_absorb_levels: int = 0
    absorbed_nested: bool = False
    sqrt_weights: np.ndarray | None = None
    post: np.ndarray | None = None
    rows: np.ndarray | None = None

    @property
    def treated(self) -> tuple[Any, ...]:
        """The treated arms (every arm but the control), in order."""
        return self.arm_levels[1:]


def _columns_hint(data: pd.DataFrame) -> str:
    cols = [str(c) for c in data.columns]
    shown = ", ".join(cols[:25]) + (", ..." if len(cols) > 25 else "")
    return f"The data have these columns: {shown}."


def present_levels(series: pd.Series) -> list[Any]:
    """Values present in ``series``, in category order (categoricals) or sorted order."""
    present = pd.unique(series.dropna())
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [c for c in series.cat.categories if c in set(present)]
    try:
        return sorted(present.tolist())
    except TypeError:
        return sorted(present.tolist(), key=str)


def require_columns(data: pd.DataFrame, roles: Sequence[tuple[str, str | None]]) -> None:
    """Raise :class:`JBPInputError` naming the first ``(role, column)`` not in ``data``.

    Shared by :func:`~jbp_analysis.estimate.impact`, :mod:`jbp_analysis.analyses.heterogeneity` and
    :mod:`jbp_analysis.analyses.dynamics`, so every estimator words a missing column the same way.
    ``None`` columns (options not used) are skipped.
    """
    for role, col in roles:
        if col is not None and col not in data.columns:
            raise JBPInputError(
                f"unknown column {col!r} (given as {role})", column=col, hint=_columns_hint(data)
            )


def _check_columns(data: pd.DataFrame, spec: ModelSpec) -> None:
    wanted: list[tuple[str, str | None]] = [
        ("outcome", spec.outcome),
        ("arm", spec.arm),
        ("baseline", spec.baseline),
        ("strata", spec.strata),
        ("cluster", spec.cluster),
        ("weights", spec.weights),
        ("unit", spec.unit),
        ("time", spec.time),
    ]
    wanted += [("covariates", c) for c in spec.covariates]
    require_columns(data, wanted)


def _check_method(spec: ModelSpec) -> None:
    if spec.method not in METHODS:
        raise ConfigError(f"unknown method {spec.method!r}; choose one of: {', '.join(METHODS)}")
    if spec.method == "diff_in_means" and (spec.baseline is not None or spec.covariates):
        raise ConfigError(
            "method='diff_in_means' takes no baseline and no covariates; "
            "use method='ancova' to adjust for them"
        )
    if spec.method == "did":
        if spec.unit is None or spec.time is None:
            raise ConfigError("method='did' needs the panel's unit and time columns (unit=, time=)")
        if spec.baseline is not None:
            raise ConfigError(
                "method='did' uses the baseline rows of the panel itself; do not pass baseline="
            )
    elif spec.unit is not None or spec.time is not None:
        raise ConfigError(f"unit= and time= are for method='did', not method={spec.method!r}")


def numeric(series: pd.Series, *, role: str) -> np.ndarray:
    """A numeric or boolean column as float64 with NaN for missing; anything else is an error.

    Examples
    --------
    >>> numeric(pd.Series([True, None, False], dtype="boolean"), role="outcome").tolist()
    [1.0, nan, 0.0]
    """
    s = series
    if isinstance(s.dtype, pd.CategoricalDtype):
        raise JBPInputError(
            f"{role} column is categorical ({s.dtype}); it must be numeric or boolean",
            column=str(series.name),
        )
    if s.dtype == object:  # numbers or booleans stored as Python objects
        try:
            s = s.astype("Float64")
        except (TypeError, ValueError):
            pass
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        out = s.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(out).any():
            raise JBPInputError(f"{role} column holds infinite values", column=str(series.name))
        return out
    raise JBPInputError(
        f"{role} column has type {s.dtype}; it must be numeric or boolean",
        column=str(series.name),
    )


def arm_levels(series: pd.Series, control: Any) -> tuple[Any, ...]:
    """The arm categories present, control first, then the others in category (or sorted) order.

    Raises
    ------
    JBPInputError
        If the arm has fewer than two categories or ``control`` is not among them.

    Examples
    --------
    >>> arm_levels(pd.Series(["b", "a", "c", "a"]), "c")
    ('c', 'a', 'b')
    """
    present = pd.unique(series.dropna())
    if isinstance(series.dtype, pd.CategoricalDtype):
        order = [c for c in series.cat.categories if c in set(present)]
    else:
        try:
            order = sorted(present.tolist())
        except TypeError:
            order = sorted(present.tolist(), key=str)
    col = str(series.name)
    if len(order) < 2:
        only = f" ({order[0]!r})" if order else ""
        raise JBPInputError(
            f"arm column has {len(order)} category{only}; an impact estimate needs at least two",
            column=col,
        )
    if control not in order:
        raise JBPInputError(
            f"control category {control!r} is not among the arm values "
            f"({', '.join(repr(v) for v in order)})",
            column=col,
        )
    return (control, *[v for v in order if v != control])


def _covariate_block(data: pd.DataFrame, col: str) -> tuple[np.ndarray, list[str]]:
    s = data[col]
    if pd.api.types.is_bool_dtype(s.dtype) or (
        pd.api.types.is_numeric_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype)
    ):
        return numeric(s, role="covariate")[:, None], [col]
    # text or categorical: one dummy per level but the first (missing stays missing)
    codes, levels = pd.factorize(s, sort=True)
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, levels = s.cat.codes.to_numpy(), s.cat.categories
    levels = list(levels)
    block = np.zeros((len(s), max(len(levels) - 1, 0)))
    for j in range(1, len(levels)):
        block[:, j - 1] = codes == j
    block[codes < 0, :] = np.nan
    if block.shape[1] == 0:  # a single level: one all-ones column, dropped later as collinear
        block = np.where(codes[:, None] < 0, np.nan, 1.0)
        return block, [f"{col}[{levels[0]}]" if levels else col]
    return block, [f"{col}[{lev}]" for lev in levels[1:]]


def _level_codes(series: pd.Series, levels: Sequence[Any]) -> np.ndarray:
    """Codes ``0..len(levels)-1`` of ``series`` in the order of ``levels`` (-1 elsewhere)."""
    codes, uniques = pd.factorize(series, sort=False)
    lookup = np.full(len(uniques) + 1, -1, dtype=np.int64)
    position = {v: j for j, v in enumerate(levels)}
    for u, v in enumerate(uniques):  # loop over the few distinct arm values
        lookup[u] = position.get(v, -1)
    return lookup[codes]


def _codes(series: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(series, sort=False)
    return codes


def _codes_and_levels(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes in order of appearance and the label of each code (as a numpy array)."""
    codes, uniques = pd.factorize(series, sort=False)
    return codes, np.asarray(uniques)


def demean(M: np.ndarray, groups: np.ndarray, n_groups: int, w: np.ndarray | None) -> np.ndarray:
    """Subtract (weighted) group means from every column of ``M`` (the within transformation).

    Examples
    --------
    >>> demean(np.array([[1.0], [3.0], [10.0]]), np.array([0, 0, 1]), 2, None).ravel().tolist()
    [-1.0, 1.0, 0.0]
    """
    wsum = np.bincount(groups, weights=w, minlength=n_groups)
    wsum = np.where(wsum > 0, wsum, 1.0)
    out = np.empty(M.shape, order="F")
    for j in range(M.shape[1]):  # loop over columns, not groups
        col = M[:, j]
        sums = np.bincount(groups, weights=col if w is None else col * w, minlength=n_groups)
        out[:, j] = col - (sums / wsum)[groups]
    return out


def _weighted_mean_sd(y: np.ndarray, w: np.ndarray | None) -> tuple[float, float]:
    n = y.size
    if n == 0:
        return float("nan"), float("nan")
    if w is None:
        return float(y.mean()), float(y.std(ddof=1)) if n > 1 else float("nan")
    total = w.sum()
    if total <= 0:
        return float("nan"), float("nan")
    m = float((w * y).sum() / total)
    var = float((w * (y - m) ** 2).sum() / total) * (n / (n - 1)) if n > 1 else float("nan")
    return m, float(np.sqrt(var))


def build_design(data: pd.DataFrame, spec: ModelSpec) -> Design:
    """Validate ``data`` against ``spec`` and build the arrays of the regression.

    Regressors, in order: one dummy per treated arm (``arm_levels[1:]``; for ``did`` the dummy
    times the post period, then the post dummy and, with strata, post x stratum dummies), the
    baseline outcome with missing values set to 0
    plus a missing-baseline dummy when any is missing (McKenzie 2012), then the covariates.
    Absorbed: strata fixed effects (or the intercept) for ``ancova``/``diff_in_means``, unit fixed
    effects for ``did``.

    Rows missing the outcome, arm, a covariate, strata, cluster, weight, unit or time are dropped
    and counted (``n_dropped``; per column in ``missing``).

    Length: checks and builds every block of the regression (arms, fixed effects, covariates,
    weights, baseline) over one row mask; the order of the checks is the order of the error
    messages.

    Examples
    --------
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4, None], "t": ["c", "c", "t", "t", "t"]})
    >>> d = build_design(df, ModelSpec(outcome="y", arm="t", control="c", method="diff_in_means"))
    >>> d.names, d.n_obs, d.n_dropped, d.control_mean
    (('t',), 4, 1, 1.5)
    """
    if not isinstance(data, pd.DataFrame):
        raise JBPInputError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    _check_method(spec)
    _check_columns(data, spec)
    n_all = len(data)
    y = numeric(data[spec.outcome], role="outcome")
    if n_all == 0 or np.isnan(y).all():
        raise JBPInputError("outcome is missing in every row", column=spec.outcome)
    arm = data[spec.arm]
    levels = arm_levels(arm, spec.control)

    blocks: list[tuple[np.ndarray, list[str]]] = []
    for col in spec.covariates:
        blocks.append(_covariate_block(data, col))
    w = None
    if spec.weights is not None:
        w = numeric(data[spec.weights], role="weights")
        if (w < 0).any():
            raise JBPInputError("weights must not be negative", column=spec.weights)

    missing: dict[str, int] = {}
    ok = np.ones(n_all, dtype=bool)

    def require(col: str, valid: np.ndarray) -> None:
        nonlocal ok
        missing[col] = missing.get(col, 0) + int((~valid).sum())
        ok &= valid

    require(spec.outcome, ~np.isnan(y))
    require(spec.arm, arm.notna().to_numpy())
    for col, (block, _) in zip(spec.covariates, blocks, strict=True):
        require(col, ~np.isnan(block).any(axis=1))
    for col in (spec.strata, spec.cluster, spec.unit, spec.time):
        if col is not None:
            require(col, data[col].notna().to_numpy())
    if w is not None:
        require(spec.weights, ~np.isnan(w))
    missing = {k: v for k, v in missing.items() if v}

    notes: list[str] = []
    if spec.method == "did":
        ok, did_notes = _did_rows(data, spec, ok)
        notes += did_notes
    n_obs = int(ok.sum())
    if n_obs == 0:
        raise JBPInputError(
            "no row has all the variables the model needs "
            f"(missing values per column: {missing or 'none'})",
            column=spec.outcome,
        )
    idx = np.flatnonzero(ok)
    full = n_obs == n_all

    def col_of(name: str) -> pd.Series:
        return data[name] if full else data[name].iloc[idx]

    y = y[idx]
    w = None if w is None else w[idx]
    arm_codes = _level_codes(col_of(spec.arm), levels)
    counts = np.bincount(arm_codes, minlength=len(levels))
    if counts[0] == 0:
        raise JBPInputError(
            f"no complete row in the control arm {spec.control!r} after dropping missing values",
            column=spec.arm,
        )
    empty = [levels[j] for j in range(1, len(levels)) if counts[j] == 0]
    if empty:
        raise JBPInputError(
            f"arm(s) {', '.join(map(repr, empty))} have no complete row after dropping missing "
            "values",
            column=spec.arm,
        )

    strata_codes = None if spec.strata is None else _codes(col_of(spec.strata))
    cols: list[np.ndarray] = []
    names: list[str] = []
    roles: list[str] = []
    post = None
    if spec.method == "did":
        t_codes, t_levels = time_levels(col_of(spec.time), order=spec.time_order)
        post = (t_codes == 1).astype(np.float64)
        for j, lev in enumerate(levels[1:], start=1):
            cols.append((arm_codes == j) * post)
            names.append(f"{lev} x {t_levels[1]}")
            roles.append("arm")
        cols.append(post)
        names.append(str(t_levels[1]))
        roles.append("period")
        if spec.strata is not None:  # strata-specific trends: period effects by stratum
            s_codes, s_levels = pd.factorize(col_of(spec.strata), sort=True)
            for j in range(1, len(s_levels)):
                cols.append((s_codes == j) * post)
                names.append(f"{t_levels[1]} x {spec.strata}[{s_levels[j]}]")
                roles.append("period_strata")
    else:
        for j, lev in enumerate(levels[1:], start=1):
            cols.append((arm_codes == j).astype(np.float64))
            names.append(str(lev))
            roles.append("arm")
    if spec.baseline is not None:
        b = numeric(data[spec.baseline], role="baseline")
        b = b if full else b[idx]
        miss = np.isnan(b)
        cols.append(np.where(miss, 0.0, b))
        names.append(spec.baseline)
        roles.append("baseline")
        if miss.any():
            cols.append(miss.astype(np.float64))
            names.append(f"{spec.baseline} missing")
            roles.append("baseline_missing")
            notes.append(f"baseline missing for {int(miss.sum())} rows: set to 0, with a dummy")
    for block, bnames in blocks:
        cols.extend((block if full else block[idx]).T)
        names.extend(bnames)
        roles.extend(["covariate"] * len(bnames))
    X = np.empty((n_obs, len(cols)), order="F")  # column-major: every step works by column
    for j, c in enumerate(cols):
        X[:, j] = c

    clusters = n_clusters = cluster_levels = None
    if spec.cluster is not None:
        clusters, cluster_levels = _codes_and_levels(col_of(spec.cluster))
        n_clusters = int(clusters.max()) + 1
        if n_clusters < 2:
            raise JBPInputError(
                f"cluster column has a single cluster ({col_of(spec.cluster).iloc[0]!r}) in the "
                "estimation sample; cluster-robust inference needs at least two",
                column=spec.cluster,
            )

    nested = False
    if spec.method == "did":
        groups, unit_levels = _codes_and_levels(col_of(spec.unit))
        n_groups = int(groups.max()) + 1
        absorbed = f"unit fixed effects ({spec.unit})"
        if clusters is None:
            clusters, n_clusters, cluster_levels = groups, n_groups, unit_levels
            notes.append(f"no cluster given: clustered by unit ({spec.unit})")
        nested = _nested(groups, n_groups, clusters)
        n_absorbed = 0 if nested else n_groups
    elif strata_codes is not None:
        groups = strata_codes
        n_groups = int(groups.max()) + 1
        absorbed = f"strata fixed effects ({spec.strata})"
        n_absorbed = n_groups
    else:
        groups, n_groups = np.zeros(n_obs, dtype=np.int64), 1
        absorbed = "intercept"
        n_absorbed = 1

    raw_norm = np.sqrt((X**2).sum(axis=0)) if X.size else np.zeros(0)
    yt = demean(y[:, None], groups, n_groups, w)[:, 0]
    Xt = demean(X, groups, n_groups, w)
    if w is not None:
        sw = np.sqrt(w)
        yt = yt * sw
        Xt *= sw[:, None]
    new_norm = np.sqrt((Xt**2).sum(axis=0)) if X.size else np.zeros(0)
    if w is not None:
        raw_norm = np.sqrt(((X * np.sqrt(w)[:, None]) ** 2).sum(axis=0))
    gone = new_norm <= _FE_COLLINEAR * np.where(raw_norm > 0, raw_norm, 1.0)
    n_arm_cols = len(levels) - 1
    if gone[:n_arm_cols].any():
        bad = [names[j] for j in range(n_arm_cols) if gone[j]]
        raise JBPInputError(
            f"treatment column(s) {', '.join(bad)} are collinear with the {absorbed}: "
            "the arm does not vary within them",
            column=spec.arm,
        )
    if gone.any():
        dropped = [names[j] for j in np.flatnonzero(gone)]
        notes.append(f"dropped (collinear with the {absorbed}): {', '.join(dropped)}")
        keep = np.flatnonzero(~gone)
        Xt = Xt[:, keep]
        names = [names[j] for j in keep]
        roles = [roles[j] for j in keep]

    control_rows = arm_codes == 0
    if post is not None:
        control_rows &= post == 1
    cm, csd = _weighted_mean_sd(y[control_rows], None if w is None else w[control_rows])
    return Design(
        spec=spec,
        y=yt,
        X=Xt,
        names=tuple(names),
        arm_levels=levels,
        clusters=clusters,
        n_clusters=n_clusters,
        n_absorbed=n_absorbed,
        absorbed=absorbed,
        n_obs=n_obs,
        n_dropped=n_all - n_obs,
        missing=missing,
        control_mean=cm,
        control_sd=csd,
        arm_codes=arm_codes,
        strata_codes=strata_codes,
        notes=tuple(notes),
        roles=tuple(roles),
        cluster_levels=cluster_levels,
        absorb_codes=groups,
        n_absorb_levels=n_groups,
        absorbed_nested=nested,
        sqrt_weights=None if w is None else np.sqrt(w),
        post=post,
        rows=idx,
    )


def _order_from(series: pd.Series, present: list[Any], order: Sequence[Any] | None) -> list[Any]:
    """The time order of the ``present`` values, or a JBPInputError naming the ambiguity."""
    column = str(series.name)
    if order is not None:
        order = list(order)
        unknown = [v for v in present if v not in order]
        if unknown:
            raise JBPInputError(
                f"time value(s) {', '.join(map(repr, unknown))} are not in the given order "
                f"waves={order!r}",
                column=column,
                hint="List every period of the time column in waves=, earliest first.",
            )
        return [v for v in order if v in set(present)]
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) and dtype.ordered:
        return [c for c in dtype.categories if c in set(present)]
    values = pd.Series(present, dtype=object)
    numeric_like = pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(
        dtype
    )
    if isinstance(dtype, pd.CategoricalDtype):
        numeric_like = pd.api.types.is_numeric_dtype(dtype.categories.dtype)
    if numeric_like:
        return sorted(present)
    text = sorted(map(str, values))
    raise JBPInputError(
        f"the time column holds text labels ({', '.join(map(repr, text))}) whose order is not "
        f"known: sorted as text, {text[0]!r} would come before {text[-1]!r}, which is wrong for "
        "labels such as 'pre'/'post' and would flip the sign of the estimate",
        column=column,
        hint=(
            f"Say which comes first: waves=[{text[0]!r}, {text[-1]!r}] or waves=[{text[-1]!r}, "
            f"{text[0]!r}] (earliest first, as the study plan lists its waves), an ordered "
            "categorical (pd.Categorical(..., categories=[...], ordered=True)) or numbers."
        ),
    )


def time_levels(
    series: pd.Series, *, order: Sequence[Any] | None = None
) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Codes 0 (pre) / 1 (post) of a two-period time column, and the two periods in order.

    The order comes from ``order`` (e.g. the plan's waves) when given, else from an ordered
    categorical, else from numbers or dates. Text (or an unordered categorical, whose categories
    are sorted as text) has no known order: ``"post"`` sorts before ``"pre"``. That is an error
    naming both labels, never a silent guess.

    Raises
    ------
    JBPInputError
        Not exactly two periods; text labels without an order; a value missing from ``order``.

    Examples
    --------
    >>> time_levels(pd.Series(["endline", "baseline"], dtype=pd.CategoricalDtype(
    ...     ["baseline", "endline", "followup"], ordered=True)))
    (array([1, 0]), ('baseline', 'endline'))
    >>> time_levels(pd.Series(["post", "pre"]), order=["pre", "post"])
    (array([1, 0]), ('pre', 'post'))
    >>> time_levels(pd.Series([2010, 2008]))
    (array([1, 0]), (2008, 2010))
    """
    present = pd.unique(series.dropna()).tolist()
    if len(present) != 2:
        try:
            shown = _order_from(series, present, order) if len(present) else present
        except JBPInputError:
            shown = sorted(present, key=str)
        raise JBPInputError(
            f"method='did' needs exactly two periods; the time column has {len(present)} "
            f"({', '.join(map(repr, shown))}). Keep the baseline and one follow-up wave.",
            column=str(series.name),
        )
    ordered = _order_from(series, present, order)
    codes = np.where((series == ordered[1]).to_numpy(), 1, 0)
    return codes, tuple(ordered)


def _did_rows(data: pd.DataFrame, spec: ModelSpec, ok: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Check the panel (two periods, one row per unit and period) and drop singleton units."""
    assert spec.unit is not None and spec.time is not None
    sub = data.loc[ok, [spec.unit, spec.time]]
    time_levels(sub[spec.time], order=spec.time_order)
    dup = sub.duplicated(keep=False)
    if dup.any():
        first = sub[dup].iloc[0]
        raise JBPInputError(
            f"unit {first[spec.unit]!r} has more than one row in period {first[spec.time]!r}; "
            "the panel needs one row per unit and period",
            column=spec.unit,
        )
    sizes = sub.groupby(spec.unit, sort=False, observed=True)[spec.time].transform("size")
    single = (sizes == 1).to_numpy()
    notes = []
    if single.any():
        ok = ok.copy()
        ok[np.flatnonzero(ok)[single]] = False
        notes.append(
            f"dropped {int(single.sum())} singleton units (observed in one period only; they "
            "carry no information with unit fixed effects)"
        )
    return ok, notes


def _nested(groups: np.ndarray, n_groups: int, clusters: np.ndarray) -> bool:
    """Whether every group lies inside a single cluster."""
    pairs = groups.astype(np.int64) * (int(clusters.max()) + 1) + clusters
    return bool(np.unique(pairs).size == n_groups)


def as_tuple(values: str | Sequence[str] | None) -> tuple[str, ...]:
    """Covariates given as one name or a sequence, as a tuple."""
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(values)
