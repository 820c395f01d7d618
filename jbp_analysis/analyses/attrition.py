"""Attrition: response rates by arm and wave, differential attrition tests, Lee (2009) bounds.

* :func:`response_rates`: interviewed / on the roster, by arm and wave.
* :func:`attrition`: the rates, plus for each wave with any attrition a regression of the
  response indicator on the arm dummies (strata fixed effects if given) with cluster-robust
  inference (CR1, t with G - 1 df; Cameron & Miller 2015): one difference per contrast and a
  joint Wald F-test that response does not differ by arm; plus Lee bounds for the outcomes asked.
* :func:`lee_bounds`: Lee (2009) trimming bounds on each contrast. In the arm with the higher
  share of observed outcomes, the share ``p = (q_high - q_low) / q_high`` of its observed
  outcomes is trimmed from the top (lower bound) or from the bottom (upper bound), and the
  difference in means against the other arm is taken. Trimming is exact (the boundary value gets
  a fractional weight), so the bounds do not depend on how ties are broken.

References
----------
Lee, D. S. (2009). Training, wages, and sample selection: estimating sharp bounds on treatment
effects. *Review of Economic Studies*, 76(3), 1071-1102.
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources*, 50(2), 317-372.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.estimate import contrast_labels, impact
from jbp_analysis.estimate.design import arm_levels, as_tuple, numeric
from jbp_analysis.study.design import uses_design

__all__ = ["response_rates", "lee_bounds", "attrition", "AttritionReport", "trimmed_mean"]


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


def trimmed_mean(x: np.ndarray, share: float, *, side: str) -> float:
    """Mean of ``x`` after removing exactly ``share`` of its mass from the top or the bottom.

    The boundary observation keeps a fractional weight, so ``share * len(x)`` need not be whole.

    Examples
    --------
    Drop 2.5 of 5 values from the top of ``1..5``: keep 1, 2 and half of 3, mean
    ``(1 + 2 + 1.5) / 2.5 = 1.8``:

    >>> trimmed_mean(np.array([5.0, 1, 4, 2, 3]), 0.5, side="top")
    1.8
    """
    if side not in ("top", "bottom"):
        raise ValueError("side must be 'top' or 'bottom'")
    xs = np.sort(np.asarray(x, dtype=np.float64))
    if side == "top":
        xs = xs[::-1] * -1.0  # trimming the top of x = trimming the bottom of -x
    n = xs.size
    keep = (1.0 - share) * n
    start = n - keep  # drop mass `share * n` from the low end (of the flipped values)
    lo = np.arange(n, dtype=np.float64)
    w = np.clip(lo + 1.0 - start, 0.0, 1.0)
    mean = float((w * xs).sum() / w.sum())
    return -mean if side == "top" else mean


@dataclass(frozen=True, eq=False)
class LeeBounds:
    """Lee (2009) bounds for each contrast of one outcome; :meth:`tidy` gives the table."""

    outcome: str
    _table: pd.DataFrame = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """``outcome, contrast, lower, upper, naive, trimmed_arm, trim_share, observed_share_plus,
        observed_share_minus, n_observed_plus, n_observed_minus``."""
        return self._table.copy()

    def _repr_html_(self) -> str:
        return f"<p>Lee (2009) bounds: {html.escape(self.outcome)}</p>" + self.tidy().to_html(
            index=False, float_format="{:.4g}".format
        )


@uses_design
def lee_bounds(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: Any,
    responded: str | None = "responded",
) -> LeeBounds:
    """Lee (2009) sharp bounds on each contrast (every arm vs control, and treated pairs).

    ``data`` is one wave: every unit randomised, interviewed or not. An outcome is observed when
    the unit ``responded`` and the outcome is not missing. For a contrast ``plus - minus`` with
    observed shares ``q_plus``, ``q_minus``, the arm with the higher share is trimmed by
    ``p = |q_plus - q_minus| / max(q_plus, q_minus)``. Bounds ignore strata and weights.

    Examples
    --------
    >>> d = pd.DataFrame({"arm": ["c"] * 4 + ["t"] * 4, "y": [1.0, 2, None, None, 1, 2, 3, None]})
    >>> lee_bounds(d, outcome="y", arm="arm", control="c", responded=None).tidy()[
    ...     ["lower", "upper", "trim_share"]].values.round(4).tolist()
    [[0.0, 1.0, 0.3333]]
    """
    _check(data, [outcome, arm, responded])
    levels = arm_levels(data[arm], control)
    y = numeric(data[outcome], role="outcome")
    observed = ~np.isnan(y)
    if responded is not None:
        observed &= _responded(data, responded)
    codes = np.full(len(data), -1)
    for j, lev in enumerate(levels):
        codes[(data[arm] == lev).to_numpy(dtype=bool)] = j
    rows = []
    for label, plus, minus in contrast_labels(levels):
        jp, jm = plus + 1, minus + 1  # contrast_labels indexes treated arms; -1 is control
        in_p, in_m = codes == jp, codes == jm
        qp, qm = observed[in_p].mean(), observed[in_m].mean()
        yp, ym = y[in_p & observed], y[in_m & observed]
        if yp.size == 0 or ym.size == 0:
            raise JBPInputError(
                f"no observed outcome in arm {levels[jp if yp.size == 0 else jm]!r}",
                column=outcome,
            )
        naive = yp.mean() - ym.mean()
        if qp >= qm:
            share = (qp - qm) / qp
            lower = trimmed_mean(yp, share, side="top") - ym.mean()
            upper = trimmed_mean(yp, share, side="bottom") - ym.mean()
            trimmed = levels[jp]
        else:
            share = (qm - qp) / qm
            lower = yp.mean() - trimmed_mean(ym, share, side="bottom")
            upper = yp.mean() - trimmed_mean(ym, share, side="top")
            trimmed = levels[jm]
        rows.append(
            {
                "outcome": outcome,
                "contrast": label,
                "lower": lower,
                "upper": upper,
                "naive": naive,
                "trimmed_arm": trimmed,
                "trim_share": share,
                "observed_share_plus": qp,
                "observed_share_minus": qm,
                "n_observed_plus": int(yp.size),
                "n_observed_minus": int(ym.size),
            }
        )
    return LeeBounds(outcome=outcome, _table=pd.DataFrame(rows))


@dataclass(frozen=True, eq=False)
class AttritionReport:
    """Response rates, differential-attrition tests and Lee bounds; see :func:`attrition`."""

    arm_levels: tuple[Any, ...]
    inference: str
    _rates: pd.DataFrame = field(repr=False)
    _tests: pd.DataFrame = field(repr=False)
    _joint: pd.DataFrame = field(repr=False)
    _lee: pd.DataFrame = field(repr=False)

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

    def _repr_html_(self) -> str:
        parts = [
            ("Response rates", self._rates),
            ("Differential attrition", self._tests),
            ("Joint test", self._joint),
            ("Lee (2009) bounds", self._lee),
        ]
        return "".join(
            f"<h4>{t}</h4>" + df.to_html(index=False, float_format="{:.4g}".format)
            for t, df in parts
            if not df.empty
        )


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
        Outcomes for Lee bounds, computed in every wave with attrition.

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
    inference = "hc1" if cluster is None else "cr1"
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
        )
        inference = res.inference
        tests.append(res.tidy().assign(outcome=responded).assign(wave=w))
        jt = res.wald_test()
        joint.append(
            {
                "wave": w,
                "f_statistic": jt.statistic,
                "df_num": jt.df_num,
                "df_denom": jt.df_denom,
                "p_value": jt.p_value,
                "n_obs": res.n_obs,
                "n_clusters": res.n_clusters,
            }
        )
        for o in outcomes:
            lb = lee_bounds(sub, outcome=o, arm=arm, control=control, responded=responded)
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
        inference=inference,
        _rates=rates,
        _tests=stack(tests),
        _joint=joint_df,
        _lee=stack(lee),
    )
