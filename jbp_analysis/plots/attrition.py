"""Attrition by arm: the share of the baseline roster interviewed again at each later wave.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> panel = pd.DataFrame({  # 20 respondents per arm, each in three waves
...     "respondent_id": np.repeat(np.arange(60), 3),
...     "arm": np.repeat(["kontrol", "karitatif", "pendampingan"], 60),
...     "wave": np.tile(["baseline", "endline", "followup"], 60),
...     "responded": rng.random(180) < 0.9,
...     "household_income": rng.integers(5, 40, 180) * 100_000,
... })
>>> ax = plot(panel, lang="en")
>>> len(ax.patches)  # 2 follow-up waves x 3 arms
6
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jbp_analysis.analyses.attrition import response_rates
from jbp_analysis.i18n import arm_label, fmt_pct, t, wave_label
from jbp_analysis.plots._base import (
    add_caption,
    caption_text,
    get_ax,
    mark_suppressed,
    no_data,
    pct_formatter,
)
from jbp_analysis.plots._data import _ordered
from jbp_analysis.plots.theme import ARM_ORDER, arm_color, theme_context
from jbp_analysis.report.disclosure import MIN_CELL, is_small

__all__ = ["plot", "summarise"]


def summarise(
    data: pd.DataFrame,
    *,
    waves: Sequence[str] = ("endline", "followup"),
    min_cell: int = MIN_CELL,
) -> pd.DataFrame:
    """Response rate per wave and arm: ``wave, arm, n`` (roster), ``responded, rate, suppressed``.

    The counts are :func:`jbp_analysis.analyses.attrition.response_rates`'; the denominator
    ``n`` is the arm's baseline roster (its rows at baseline), so a wave's ``rate`` is the
    share of the roster interviewed (the same as the analyses' rate on a processed panel, which
    has a row per roster member in every wave).
    """
    counts = response_rates(data).astype({"arm": str, "wave": str})
    base = counts[counts["wave"] == "baseline"]
    roster = pd.Series(base["n"].to_numpy(), index=base["arm"].to_numpy())
    out = counts[["wave", "arm", "responded"]].copy()
    out.insert(2, "n", out["arm"].map(roster).fillna(0).astype(int))
    n = out["n"]
    out["rate"] = np.where(n > 0, out["responded"] / n.where(n > 0), np.nan)
    out = _ordered(out, ("wave", "arm"))
    out = out[out["wave"].isin(waves)].reset_index(drop=True)
    out["suppressed"] = is_small(out["n"].to_numpy(), min_cell)
    out.loc[out["suppressed"], ["rate"]] = np.nan
    out["responded"] = out["responded"].astype(float).where(~out["suppressed"])
    return out


def plot(
    data: pd.DataFrame,
    *,
    waves: Sequence[str] = ("endline", "followup"),
    lang: str = "id",
    min_cell: int = MIN_CELL,
    ax: Axes | None = None,
) -> Axes:
    """Grouped bars: response rate (% of baseline roster) for each arm at each later wave."""
    summ = summarise(data, waves=waves, min_cell=min_cell)
    wlist = [w for w in waves if w in set(summ["wave"])]
    arms = [a for a in ARM_ORDER if a in set(summ["arm"])]
    width = 0.8 / max(len(arms), 1)
    with theme_context():
        ax = get_ax(ax, figsize=(7.0, 4.5))
        if summ.empty:
            no_data(ax, lang)
        for j, arm in enumerate(arms):
            s = summ[summ["arm"] == arm].set_index("wave").reindex(wlist)
            xs = np.arange(len(wlist)) + (j - (len(arms) - 1) / 2) * width
            heights = s["rate"].to_numpy(dtype=float) * 100
            bars = ax.bar(
                xs,
                np.nan_to_num(heights),
                width * 0.92,
                color=arm_color(arm),
                label=arm_label(arm, lang),
            )
            for b, hgt, sup in zip(bars, heights, s["suppressed"].fillna(True), strict=True):
                if sup:
                    b.set_visible(False)
                    mark_suppressed(ax, b.get_x() + b.get_width() / 2, 4, color=arm_color(arm))
                else:
                    ax.annotate(
                        fmt_pct(hgt / 100, lang, decimals=0),
                        (b.get_x() + b.get_width() / 2, hgt),
                        xytext=(0, 2),
                        textcoords="offset points",
                        ha="center",
                        va="bottom",
                        fontsize=8,
                    )
        ax.set_xticks(range(len(wlist)), [wave_label(w, lang) for w in wlist])
        ax.set_ylim(0, 109)
        ax.yaxis.set_major_formatter(pct_formatter(lang))
        ax.grid(axis="x", visible=False)
        ax.set_ylabel(t("chart.attrition.ylabel", lang))
        ax.set_xlabel(t("chart.traj.xlabel", lang))
        ax.set_title(t("chart.attrition.title", lang))
        if arms:
            ax.legend(title=t("legend.arm", lang), loc="upper left", bbox_to_anchor=(1.0, 1.0))
        n = int(summ.groupby("wave")["n"].sum().max()) if not summ.empty else 0
        cap = caption_text(
            t("caption.source", lang, n=n),
            lang=lang,
            min_cell=min_cell,
            suppressed=bool(summ["suppressed"].any()),
        )
        add_caption(ax, cap)
    return ax
