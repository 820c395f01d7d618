"""Attrition: response rates by arm and wave, differential attrition tests, Lee (2009) bounds.

* :func:`response_rates`: interviewed / on the roster, by arm and wave.
* :func:`attrition`: the rates, plus for each wave with any attrition a regression of the
  response indicator on the arm dummies (strata fixed effects if given) with the inference of
  :func:`~jbp_analysis.estimate.impact` (``"auto"``: the wild cluster bootstrap below 50
  clusters, CR1 above): one difference per contrast and a joint test that response does not
  differ by arm (the wild bootstrap Wald with few clusters); plus Lee bounds for the outcomes
  asked.
* :func:`lee_bounds`: Lee (2009) trimming bounds on each contrast. In the arm with the higher
  share of observed outcomes, the share ``p = (q_high - q_low) / q_high`` of its observed
  outcomes is trimmed from the top (lower bound) or from the bottom (upper bound), and the
  difference in means against the other arm is taken; optionally within strata (Tauchmann 2014),
  with weights, and with clustered Imbens-Manski (2004) intervals. Trimming is exact (the
  boundary value gets a fractional weight), so the bounds do not depend on how ties are broken.

References
----------
Lee, D. S. (2009). Training, wages, and sample selection: estimating sharp bounds on treatment
effects. *Review of Economic Studies*, 76(3), 1071-1102.
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources*, 50(2), 317-372.
Imbens, G. W., & Manski, C. F. (2004). Confidence intervals for partially identified
parameters. *Econometrica*, 72(6), 1845-1857.
Tauchmann, H. (2014). Lee (2009) treatment-effect bounds for nonrandom sample selection.
*Stata Journal*, 14(4), 884-894.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.core.results import Result
from jbp_analysis.estimate import contrast_labels, impact
from jbp_analysis.estimate.design import arm_levels, as_tuple, numeric
from jbp_analysis.inference import AUTO_WILD_BELOW_CLUSTERS
from jbp_analysis.study.design import uses_design

__all__ = [
    "response_rates",
    "lee_bounds",
    "LeeBounds",
    "imbens_manski_interval",
    "attrition",
    "AttritionReport",
    "trimmed_mean",
]


def _check(data: pd.DataFrame, columns: Sequence[str | None]) -> None:
    for col in columns:
        if col is not None and col not in data.columns:
            raise JBPInputError("unknown column", column=col)


def _responded(data: pd.DataFrame, col: str) -> np.ndarray:
    s = data[col]
    if s.isna().any():
        raise JBPInputError("response indicator has missing values", column=col)
    try:
        return s.astype(bool).to_numpy(dtype=bool)
    except (TypeError, ValueError):
        raise JBPInputError("response indicator is not yes/no", column=col) from None


def response_rates(
    data: pd.DataFrame, *, arm: str = "arm", wave: str = "wave", responded: str = "responded"
) -> pd.DataFrame:
    """``arm, wave, n, responded, rate`` (rate = interviewed / rows), by arm and wave.

    Examples
    --------
    >>> d = pd.DataFrame({"arm": ["a", "a", "b", "b"], "wave": [1, 1, 1, 1],
    ...                   "responded": [True, False, True, True]})
    >>> response_rates(d)["rate"].tolist()
    [0.5, 1.0]
    """
    _check(data, [arm, wave, responded])
    frame = pd.DataFrame(
        {arm: data[arm], wave: data[wave], "responded": _responded(data, responded)}
    )
    out = (
        frame.groupby([arm, wave], observed=True, sort=True)["responded"]
        .agg(n="size", responded="sum")
        .reset_index()
    )
    out["rate"] = out["responded"] / out["n"]
    return out.rename(columns={arm: "arm", wave: "wave"})


def trimmed_mean(
    x: np.ndarray, share: float, *, side: str, weights: np.ndarray | None = None
) -> float:
    """Mean of ``x`` after removing exactly ``share`` of its mass from the top or the bottom.

    The boundary observation keeps a fractional weight, so ``share * len(x)`` need not be whole.
    With ``weights``, ``share`` is a share of the total weight.

    Examples
    --------
    Drop 2.5 of 5 values from the top of ``1..5``: keep 1, 2 and half of 3, mean
    ``(1 + 2 + 1.5) / 2.5 = 1.8``:

    >>> trimmed_mean(np.array([5.0, 1, 4, 2, 3]), 0.5, side="top")
    1.8
    """
    if side not in ("top", "bottom"):
        raise ValueError("side must be 'top' or 'bottom'")
    x = np.asarray(x, dtype=np.float64)
    w = np.ones(x.size) if weights is None else np.asarray(weights, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    return float(_trimmed_means(x[order], w[order][None, :], np.array([share]), side=side)[0])


def _trimmed_means(xs: np.ndarray, w: np.ndarray, share: np.ndarray, *, side: str) -> np.ndarray:
    """Weighted trimmed means of sorted ``xs`` for each row of weights ``w`` (``B x n``).

    ``share[b]`` of row ``b``'s weight is removed from the ``side`` end; the observation at the
    boundary keeps the fraction of its weight that lies inside.
    """
    top, bottom = _trimmed_pair(xs, w, np.cumsum(w, axis=1), share, sides=(side,))
    return top if side == "top" else bottom


def _trimmed_pair(
    xs: np.ndarray,
    w: np.ndarray,
    cum: np.ndarray,
    share: np.ndarray,
    *,
    sides: Sequence[str] = ("top", "bottom"),
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """:func:`_trimmed_means` from the top and from the bottom, sharing ``cum`` (the cumulative
    sums of ``w`` along its rows): the same arithmetic, done once for both bounds."""
    total = cum[:, -1:]
    keep = (1.0 - share[:, None]) * total
    kept = np.empty_like(cum)  # one B x n buffer (same memory layout as cum) for both sides
    out: dict[str, np.ndarray] = {}
    for side in sides:
        if side == "top":  # keep the lowest mass `keep`: clip(keep - (cum - w), 0, w)
            np.subtract(keep, np.subtract(cum, w, out=kept), out=kept)
        else:  # drop the lowest mass `share * total`: clip(cum - (total - keep), 0, w)
            np.subtract(cum, total - keep, out=kept)
        np.clip(kept, 0.0, w, out=kept)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[side] = (kept @ xs) / kept.sum(axis=1)
    return out.get("top"), out.get("bottom")


def imbens_manski_interval(
    lower: float,
    upper: float,
    se_lower: float,
    se_upper: float,
    *,
    level: float = 0.95,
    cover: str = "set",
) -> tuple[float, float]:
    """Imbens & Manski (2004) confidence interval around estimated bounds ``[lower, upper]``.

    ``cover="set"`` covers the whole identified set with probability ``level``:
    ``[lower - z se_lower, upper + z se_upper]`` with ``z`` the ``1 - (1 - level) / 2`` normal
    quantile (the default interval of Stata's ``leebounds``, Tauchmann 2014). ``cover="effect"``
    covers the true effect: ``[lower - c se_lower, upper + c se_upper]`` where ``c`` solves
    ``Phi(c + (upper - lower) / max(se)) - Phi(-c) = level`` (Imbens & Manski 2004, eq. 6), so
    ``c`` falls from ``z`` (point identification) towards the one-sided quantile for wide bounds.

    Examples
    --------
    >>> [round(v, 4) for v in imbens_manski_interval(0.0, 1.0, 0.1, 0.2)]
    [-0.196, 1.392]
    >>> [round(v, 4) for v in imbens_manski_interval(0.0, 1.0, 0.1, 0.2, cover="effect")]
    [-0.1645, 1.329]
    """
    from scipy.optimize import brentq
    from scipy.stats import norm

    if cover not in ("set", "effect"):
        raise ValueError("cover must be 'set' or 'effect'")
    if not all(np.isfinite([lower, upper, se_lower, se_upper])):
        return (np.nan, np.nan)
    z = float(norm.ppf(1.0 - (1.0 - level) / 2.0))
    c = z
    s = max(se_lower, se_upper)
    if cover == "effect" and s > 0:
        gap = max(upper - lower, 0.0) / s
        c = brentq(lambda c_: norm.cdf(c_ + gap) - norm.cdf(-c_) - level, 0.0, z + 1e-12)
    return (lower - c * se_lower, upper + c * se_upper)


@dataclass(frozen=True, eq=False)
class LeeBounds(Result):
    """Lee (2009) bounds for each contrast of one outcome; :meth:`tidy` gives the table."""

    outcome: str
    _table: pd.DataFrame = field(repr=False)

    # bounds on the effect (``lower``/``upper``), no point estimate or p-value
    tidy_statistics = ("ci_low", "ci_high")

    def tidy(self) -> pd.DataFrame:
        """``outcome, contrast, lower, upper, naive, se_lower, se_upper, ci_low, ci_high,
        effect_ci_low, effect_ci_high, level, trimmed_arm, trim_share, observed_share_plus,
        observed_share_minus, n_observed_plus, n_observed_minus, n_strata, n_clusters, draws``.

        ``ci_low``/``ci_high`` cover the identified set, ``effect_ci_*`` the effect (Imbens &
        Manski 2004); see :func:`imbens_manski_interval`."""
        return self._table.copy()

    def _html_caption(self) -> str:
        return f"Lee (2009) bounds: {html.escape(self.outcome)}"


@dataclass(frozen=True, eq=False)
class _Weights:
    """``B x n`` weights ``w_i m_{b, g(i)}`` (row weight times the cluster's multiplicity in
    draw ``b``), built a few columns at a time (:meth:`cols`) instead of as one matrix.

    Without ``counts`` it is the single row of weights ``w`` (the point estimate).
    """

    w: np.ndarray
    counts: np.ndarray | None = None
    clusters: np.ndarray | None = None

    @property
    def B(self) -> int:
        return 1 if self.counts is None else int(self.counts.shape[0])

    def cols(self, idx: np.ndarray) -> np.ndarray:
        """The columns ``idx`` (a boolean mask or positions), ``B x m``."""
        if self.counts is None:
            return self.w[None, idx]
        # the rows' multiplicities, laid out as counts[:, clusters[idx]] is (column-major):
        # the sums over rows below depend on the layout, and must not change
        draws = np.take(self._counts_t, self.clusters[idx], axis=0).T
        if self._unit:  # every row weight is 1: w m is m, exactly
            return draws
        return self.w[idx][None, :] * draws

    @functools.cached_property
    def _counts_t(self) -> np.ndarray:
        return np.ascontiguousarray(self.counts.T)

    @functools.cached_property
    def _unit(self) -> bool:
        return bool(np.all(self.w == 1.0))


def _arm_masses(
    w: _Weights, arm_rows: np.ndarray, observed: np.ndarray, cells: np.ndarray, n_cells: int
) -> tuple[np.ndarray, np.ndarray]:
    """Total and observed weight of an arm in each cell, ``B x n_cells`` each."""
    total, seen = np.empty((w.B, n_cells)), np.empty((w.B, n_cells))
    for c in range(n_cells):  # loop over the few strata
        rows = arm_rows & (cells == c)
        sub = w.cols(rows)  # a new array (never a view of the weights): used in place
        total[:, c] = sub.sum(axis=1)
        seen[:, c] = np.multiply(sub, observed[rows], out=sub).sum(axis=1)
    return total, seen


def _contrast_bounds(
    w: _Weights,
    *,
    y: np.ndarray,
    observed: np.ndarray,
    in_plus: np.ndarray,
    in_minus: np.ndarray,
    cells: np.ndarray,
    n_cells: int,
    trim_plus: bool | None,
    masses: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
) -> dict[str, np.ndarray]:
    """Lee bounds of ``plus - minus`` for each row of weights ``w`` (``B x n``), within cells.

    In each cell the arm with the higher response (fixed by ``trim_plus``, or chosen from the
    pooled shares of the first row when ``None``) is trimmed by ``p = (q_hi - q_lo) / q_hi``
    (0 where the cell's shares run the other way); the cell bounds are averaged with the weight
    of the other arm's observed units in each cell (the always-observed; Lee 2009, section 4;
    Tauchmann 2014). Cells where an arm has no observed outcome are left out. ``masses`` are
    the two arms' :func:`_arm_masses` (computed here when not given).
    """
    B = w.B
    if masses is None:
        masses = (
            _arm_masses(w, in_plus, observed, cells, n_cells),
            _arm_masses(w, in_minus, observed, cells, n_cells),
        )
    mass = {"plus": masses[0], "minus": masses[1]}
    with np.errstate(invalid="ignore", divide="ignore"):  # a resample may lose an arm
        q_plus_all = mass["plus"][1].sum(1) / mass["plus"][0].sum(1)
        q_minus_all = mass["minus"][1].sum(1) / mass["minus"][0].sum(1)
    if trim_plus is None:
        trim_plus = bool(q_plus_all[0] >= q_minus_all[0])
    hi, lo = ("plus", "minus") if trim_plus else ("minus", "plus")
    lower = np.zeros((B, n_cells))
    upper = np.zeros((B, n_cells))
    omega = np.zeros((B, n_cells))
    share_cells = np.zeros((B, n_cells))
    reversed_cells = 0
    for c in range(n_cells):  # loop over the few strata
        rows_hi = (in_plus if trim_plus else in_minus) & (cells == c) & observed
        rows_lo = (in_minus if trim_plus else in_plus) & (cells == c) & observed
        order = np.flatnonzero(rows_hi)[np.argsort(y[rows_hi], kind="stable")]
        ys = y[order]
        n_hi, o_hi = mass[hi][0][:, c], mass[hi][1][:, c]
        n_lo, o_lo = mass[lo][0][:, c], mass[lo][1][:, c]
        with np.errstate(invalid="ignore", divide="ignore"):
            q_hi, q_lo = o_hi / n_hi, o_lo / n_lo
            p = np.clip((q_hi - q_lo) / q_hi, 0.0, 1.0)
            mu_lo = (w.cols(rows_lo) @ y[rows_lo]) / o_lo
        reversed_cells += int(q_hi[0] < q_lo[0])
        ok = (o_hi > 0) & (o_lo > 0)
        if ys.size:
            wh = w.cols(order)
            top, bot = _trimmed_pair(ys, wh, np.cumsum(wh, axis=1), np.where(ok, p, 0.0))
        else:
            top = bot = np.nan
        if trim_plus:
            lower[:, c], upper[:, c] = top - mu_lo, bot - mu_lo
        else:
            lower[:, c], upper[:, c] = mu_lo - bot, mu_lo - top
        omega[:, c] = np.where(ok, o_lo, 0.0)
        share_cells[:, c] = np.where(ok, p, 0.0)
        lower[~ok, c] = 0.0
        upper[~ok, c] = 0.0
    total = omega.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        om = omega / total[:, None]
        out = {
            "lower": np.where(total > 0, (om * lower).sum(1), np.nan),
            "upper": np.where(total > 0, (om * upper).sum(1), np.nan),
            "trim_share": (om * share_cells).sum(1),
        }
    out.update(
        q_plus=q_plus_all,
        q_minus=q_minus_all,
        trim_plus=np.array([trim_plus]),
        reversed_cells=np.array([reversed_cells]),
        cells_used=(omega[:1] > 0).sum(axis=1),
    )
    return out


def _cluster_multiplicities(
    clusters: np.ndarray, strata: np.ndarray, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """``draws x G`` bootstrap multiplicities of the clusters (``[:, clusters]`` gives the
    rows'): Rao & Wu's (1988) rescaling bootstrap of clusters.

    In each stratum with ``n_h >= 2`` clusters, ``n_h - 1`` clusters are drawn with replacement
    and each draw weighs ``n_h / (n_h - 1)``: for a linear statistic this gives the unbiased
    stratified variance, where drawing ``n_h`` (the naive pairs bootstrap, Field & Welsh 2007)
    shrinks it by ``(n_h - 1) / n_h``, which matters with the few groups of a district.
    A stratum with a single cluster keeps it in every draw (it adds no variance).
    """
    G = int(clusters.max()) + 1
    g_stratum = np.zeros(G, dtype=np.int64)
    g_stratum[clusters] = strata
    counts = np.zeros((draws, G))
    for s_ in np.unique(g_stratum):  # loop over strata
        members = np.flatnonzero(g_stratum == s_)
        n_h = members.size
        if n_h < 2:
            counts[:, members] = 1.0
            continue
        pick = rng.integers(0, n_h, size=(draws, n_h - 1))
        np.add.at(counts, (np.arange(draws)[:, None], members[pick]), n_h / (n_h - 1))
    return counts


@uses_design
def lee_bounds(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: Any,
    responded: str | None = "responded",
    strata: str | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    level: float = 0.95,
    draws: int = 999,
    seed: int = 0,
) -> LeeBounds:
    """Lee (2009) sharp bounds on each contrast (every arm vs control, and treated pairs).

    ``data`` is one wave: every unit randomised, interviewed or not. An outcome is observed when
    the unit ``responded`` and the outcome is not missing. For a contrast ``plus - minus`` with
    observed shares ``q_plus``, ``q_minus``, the arm with the higher share is trimmed by
    ``p = |q_plus - q_minus| / max(q_plus, q_minus)`` of its observed outcomes, from the top
    (lower bound) or the bottom (upper bound) (monotone selection, Lee 2009).

    With ``strata``, trimming is done within each stratum and the stratum bounds are averaged
    with the weight of the less-trimmed arm's observed units, the always-observed (Lee 2009,
    section 4; Tauchmann 2014, ``leebounds ..., tight()``): the bounds are at least as tight
    when response differs across strata. The trimmed arm is the one with the higher pooled
    response; a stratum where it responds less is not trimmed. ``weights`` weight every share
    and mean (trimming removes a share of the weight).

    Standard errors come from ``draws`` bootstrap replications that resample ``cluster``
    (rows without it) within strata with Rao & Wu's (1988) rescaling (``n_h - 1`` clusters
    drawn, weighted ``n_h / (n_h - 1)``), keeping the trimmed arm fixed; the
    intervals are Imbens & Manski's (2004): ``ci_low``/``ci_high`` cover the identified set,
    ``effect_ci_low``/``effect_ci_high`` the effect (:func:`imbens_manski_interval`).
    ``draws=0`` gives the bounds without intervals.

    Length: one loop over the contrasts that share the trimming, the bootstrap draws and the
    Imbens-Manski intervals; split, these arrays would be passed around.

    References
    ----------
    Lee, D. S. (2009). *Review of Economic Studies*, 76(3), 1071-1102.
    Imbens, G. W., & Manski, C. F. (2004). Confidence intervals for partially identified
    parameters. *Econometrica*, 72(6), 1845-1857.
    Tauchmann, H. (2014). Lee (2009) treatment-effect bounds for nonrandom sample selection.
    *Stata Journal*, 14(4), 884-894.
    Field, C. A., & Welsh, A. H. (2007). Bootstrapping clustered data. *JRSS B*, 69(3), 369-390.
    Rao, J. N. K., & Wu, C. F. J. (1988). Resampling inference with complex survey data.
    *JASA*, 83(401), 231-241.

    Examples
    --------
    >>> d = pd.DataFrame({"arm": ["c"] * 4 + ["t"] * 4, "y": [1.0, 2, None, None, 1, 2, 3, None]})
    >>> lee_bounds(d, outcome="y", arm="arm", control="c", responded=None, draws=0).tidy()[
    ...     ["lower", "upper", "trim_share"]].values.round(4).tolist()
    [[0.0, 1.0, 0.3333]]
    """
    _check(data, [outcome, arm, responded, strata, weights, cluster])
    levels = arm_levels(data[arm], control)
    y = numeric(data[outcome], role="outcome")
    observed = ~np.isnan(y)
    if responded is not None:
        observed &= _responded(data, responded)
    y = np.where(observed, y, 0.0)
    w = np.ones(len(data)) if weights is None else numeric(data[weights], role="weights")
    if np.isnan(w).any() or (w < 0).any():
        raise JBPInputError("weights must be non-negative and not missing", column=weights)
    cells, cell_levels = (
        pd.factorize(data[strata]) if strata is not None else (np.zeros(len(data), int), [0])
    )
    if (cells < 0).any():
        raise JBPInputError("strata has missing values", column=strata)
    n_cells = len(cell_levels)
    codes = np.full(len(data), -1)
    for j, lev in enumerate(levels):
        codes[(data[arm] == lev).to_numpy(dtype=bool)] = j
    boot = None
    if draws > 0:
        rng = np.random.default_rng(seed)
        if cluster is not None:
            cl, _ = pd.factorize(data[cluster])
            if (cl < 0).any():
                raise JBPInputError("cluster has missing values", column=cluster)
        else:
            cl = np.arange(len(data))
        boot = _Weights(w, _cluster_multiplicities(cl, cells, draws, rng), cl)
    point = _Weights(w)
    masses: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def arm_masses(wts: _Weights, which: int, j: int) -> tuple[np.ndarray, np.ndarray]:
        """An arm's masses, computed once and shared by the contrasts it is in."""
        if (which, j) not in masses:
            masses[(which, j)] = _arm_masses(wts, codes == j, observed, cells, n_cells)
        return masses[(which, j)]

    rows = []
    for label, plus, minus in contrast_labels(levels):
        jp, jm = plus + 1, minus + 1  # contrast_labels indexes treated arms; -1 is control
        in_p, in_m = codes == jp, codes == jm
        if not (observed & in_p).any() or not (observed & in_m).any():
            empty = levels[jp if not (observed & in_p).any() else jm]
            raise JBPInputError(f"no observed outcome in arm {empty!r}", column=outcome)
        common = {
            "y": y,
            "observed": observed,
            "in_plus": in_p,
            "in_minus": in_m,
            "cells": cells,
            "n_cells": n_cells,
        }
        est = _contrast_bounds(
            point,
            trim_plus=None,
            masses=(arm_masses(point, 0, jp), arm_masses(point, 0, jm)),
            **common,
        )
        trim_plus = bool(est["trim_plus"][0])
        se_l = se_u = np.nan
        if boot is not None:
            bb = _contrast_bounds(
                boot,
                trim_plus=trim_plus,
                masses=(arm_masses(boot, 1, jp), arm_masses(boot, 1, jm)),
                **common,
            )
            se_l = float(np.nanstd(bb["lower"], ddof=1))
            se_u = float(np.nanstd(bb["upper"], ddof=1))
        lo, up = float(est["lower"][0]), float(est["upper"][0])
        ci = imbens_manski_interval(lo, up, se_l, se_u, level=level, cover="set")
        eci = imbens_manski_interval(lo, up, se_l, se_u, level=level, cover="effect")
        wp, wm = w * (observed & in_p), w * (observed & in_m)
        rows.append(
            {
                "outcome": outcome,
                "contrast": label,
                "lower": lo,
                "upper": up,
                "naive": float((wp @ y) / wp.sum() - (wm @ y) / wm.sum()),
                "se_lower": se_l,
                "se_upper": se_u,
                "ci_low": ci[0],
                "ci_high": ci[1],
                "effect_ci_low": eci[0],
                "effect_ci_high": eci[1],
                "level": level,
                "trimmed_arm": levels[jp] if trim_plus else levels[jm],
                "trim_share": float(est["trim_share"][0]),
                "observed_share_plus": float(est["q_plus"][0]),
                "observed_share_minus": float(est["q_minus"][0]),
                "n_observed_plus": int((observed & in_p).sum()),
                "n_observed_minus": int((observed & in_m).sum()),
                "n_strata": int(est["cells_used"][0]),
                "n_clusters": int(data.loc[in_p | in_m, cluster].nunique())
                if cluster is not None
                else pd.NA,
                "draws": int(draws),
            }
        )
    table = pd.DataFrame(rows)
    table["n_clusters"] = table["n_clusters"].astype("Int64")
    return LeeBounds(outcome=outcome, _table=table)


@dataclass(frozen=True, eq=False)
class AttritionReport(Result):
    """Response rates, differential-attrition tests and Lee bounds; see :func:`attrition`."""

    arm_levels: tuple[Any, ...]
    inference: str
    _rates: pd.DataFrame = field(repr=False)
    _tests: pd.DataFrame = field(repr=False)
    _joint: pd.DataFrame = field(repr=False)
    _lee: pd.DataFrame = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """The differential-attrition tests (:meth:`tests`): per wave and contrast, the
        difference in response rates with its standard error, CI and p-value.

        Examples
        --------
        >>> d = pd.DataFrame({"arm": ["c"] * 4 + ["t"] * 4, "wave": "endline",
        ...                   "responded": [1, 1, 0, 0, 1, 1, 1, 0]})
        >>> rep = attrition(d, arm="arm", control="c", inference="hc1")
        >>> rep.tidy()[["wave", "contrast", "estimate"]].values.tolist()
        [['endline', 't - c', 0.25]]
        """
        return self.tests()

    def rates(self) -> pd.DataFrame:
        """Response rates by arm and wave (:func:`response_rates`)."""
        return self._rates.copy()

    def tests(self) -> pd.DataFrame:
        """Per wave and contrast: difference in response rates with clustered SE and p-value
        (``wave`` then the columns of :meth:`ImpactResult.tidy`)."""
        return self._tests.copy()

    def joint(self) -> pd.DataFrame:
        """Per wave: joint F-test that the response rate is the same in every arm."""
        return self._joint.copy()

    def lee(self) -> pd.DataFrame:
        """Lee bounds per wave, outcome and contrast (``wave`` then :meth:`LeeBounds.tidy`)."""
        return self._lee.copy()

    def _html_caption(self) -> str:
        return (
            f"Attrition by arm ({html.escape(', '.join(map(str, self.arm_levels)))}); "
            f"p-values {html.escape(self.inference)}"
        )

    def _html_tables(self) -> list[tuple[str, pd.DataFrame]]:
        parts = [
            ("Response rates", self._rates),
            ("Differential attrition", self._tests),
            ("Joint test", self._joint),
            ("Lee (2009) bounds", self._lee),
        ]
        return [(t, df) for t, df in parts if not df.empty]


@uses_design
def attrition(
    data: pd.DataFrame,
    *,
    arm: str,
    control: Any,
    wave: str = "wave",
    responded: str = "responded",
    cluster: str | None = None,
    strata: str | None = None,
    outcomes: str | Sequence[str] = (),
    inference: str | None = "auto",
    few_cluster_threshold: int = AUTO_WILD_BELOW_CLUSTERS,
    weights: str | None = None,
    level: float = 0.95,
    draws: int = 999,
    seed: int = 0,
) -> AttritionReport:
    """Attrition by arm and wave, tested for differences across arms, with Lee bounds.

    Parameters
    ----------
    data
        The panel: one row per randomised unit and wave, interviewed or not.
    arm, control
        Arm column and its control category.
    wave, responded
        Wave column and the response indicator.
    cluster, strata
        Unit of randomisation (clustered tests; HC1 without) and strata fixed effects.
    outcomes
        Outcomes for Lee bounds, computed in every wave with attrition (within ``strata``,
        clustered Imbens-Manski intervals from ``draws`` replications; :func:`lee_bounds`).
    inference
        Inference of the differential-attrition tests, as in
        :func:`~jbp_analysis.estimate.impact` (default ``"auto"``: the wild cluster bootstrap
        below 50 clusters, CR1 above); the joint test is that result's
        :meth:`~jbp_analysis.estimate.ImpactResult.wald_test` (the wild bootstrap Wald with few
        clusters).
    few_cluster_threshold
        Fewest clusters for CR1 under ``inference="auto"``, as in
        :func:`~jbp_analysis.estimate.impact` (the plan's ``models.few_cluster_threshold``).
    weights, level, draws, seed
        Passed to :func:`lee_bounds` (and ``level``/``seed`` to the tests).

    Examples
    --------
    >>> rng = np.random.default_rng(1)  # 60 groups of 10, randomised to three arms
    >>> df = pd.DataFrame({"cluster": np.repeat(np.arange(60), 10), "y0": rng.normal(size=600)})
    >>> df["arm"] = np.array(["kontrol", "karitatif", "pendampingan"])[df["cluster"] % 3]
    >>> effect = df["arm"].map({"kontrol": 0.0, "karitatif": 0.2, "pendampingan": 0.5})
    >>> shock = rng.normal(0, 0.5, 60)[df["cluster"]]  # a shock per group
    >>> df["y"] = effect + 0.6 * df["y0"] + shock + rng.normal(size=600)
    >>> rate = df["arm"].map({"kontrol": 0.7, "karitatif": 0.8, "pendampingan": 0.9})
    >>> df = df.assign(wave="endline", responded=rng.random(600) < rate)
    >>> rep = attrition(df, arm="arm", control="kontrol", cluster="cluster", outcomes="y")
    >>> rep.joint()[["wave", "df_num", "df_denom"]].values.tolist()
    [['endline', 2, 59.0]]
    """
    outcomes = as_tuple(outcomes)
    _check(data, [arm, wave, responded, cluster, strata, *outcomes])
    levels = arm_levels(data[arm], control)
    rates = response_rates(data, arm=arm, wave=wave, responded=responded)
    resp = _responded(data, responded)
    tests, joint, lee = [], [], []
    inference_used = "hc1" if cluster is None else "cr1"
    for w in pd.unique(data[wave].dropna()):  # loop over waves
        rows = (data[wave] == w).to_numpy(dtype=bool)
        if resp[rows].all():
            continue
        sub = data.loc[rows].assign(_responded=resp[rows].astype(np.float64))
        res = impact(
            sub,
            outcome="_responded",
            arm=arm,
            control=control,
            strata=strata,
            cluster=cluster,
            method="diff_in_means",
            inference=inference if cluster is not None else None,
            few_cluster_threshold=few_cluster_threshold,
            level=level,
            seed=seed,
        )
        inference_used = res.inference
        tests.append(res.tidy().assign(outcome=responded).assign(wave=w))
        jt = res.wald_test()
        joint.append(
            {
                "wave": w,
                "f_statistic": jt.statistic,
                "df_num": jt.df_num,
                "df_denom": jt.df_denom,
                "p_value": jt.p_value,
                "method": getattr(jt, "label", "F"),
                "n_obs": res.n_obs,
                "n_clusters": res.n_clusters,
            }
        )
        for o in outcomes:
            lb = lee_bounds(
                sub,
                outcome=o,
                arm=arm,
                control=control,
                responded=responded,
                strata=strata,
                weights=weights,
                cluster=cluster,
                level=level,
                draws=draws,
                seed=seed,
            )
            lee.append(lb.tidy().assign(wave=w))

    def stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
        if not frames:
            return pd.DataFrame()
        out = pd.concat(frames, ignore_index=True)
        return out[["wave", *[c for c in out.columns if c != "wave"]]]

    joint_df = pd.DataFrame(joint)
    if not joint_df.empty:
        joint_df["n_clusters"] = joint_df["n_clusters"].astype("Int64")
    return AttritionReport(
        arm_levels=levels,
        inference=inference_used,
        _rates=rates,
        _tests=stack(tests),
        _joint=joint_df,
        _lee=stack(lee),
    )
