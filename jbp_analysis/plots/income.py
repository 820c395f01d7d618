"""Income distribution by arm: quantile boxes (10-25-50-75-90th percentiles) for each wave.

Whisker-and-box summaries are drawn from quantiles only: no individual incomes (outlier
points) are plotted, and a box rests on at least ``min_cell`` respondents.

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
>>> len(ax.patches)  # 3 waves x 3 arms
9
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle

from jbp_analysis.i18n import arm_label, t, wave_label
from jbp_analysis.plots._base import (
    add_caption,
    caption_text,
    get_ax,
    mark_suppressed,
    no_data,
    rp_formatter,
)
from jbp_analysis.plots._data import WAVE_ORDER, answered, cell_quantiles
from jbp_analysis.plots.theme import ARM_ORDER, arm_color, theme_context
from jbp_analysis.report.disclosure import MIN_CELL, is_small

__all__ = ["plot", "summarise"]


def summarise(
    data: pd.DataFrame, *, y: str = "household_income", min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Quantiles of ``y`` per wave and arm, with ``n``; small cells blanked and flagged."""
    out = cell_quantiles(data, y, by=("wave", "arm"))
    out["suppressed"] = is_small(out["n"].to_numpy(), min_cell)
    qcols = [c for c in out.columns if c.startswith("q")]
    out.loc[out["suppressed"], qcols] = float("nan")
    return out


def plot(
    data: pd.DataFrame,
    *,
    y: str = "household_income",
    waves: Sequence[str] | None = None,
    lang: str = "id",
    min_cell: int = MIN_CELL,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal quantile boxes of monthly household income, one per arm, grouped by wave."""
    summ = summarise(data, y=y, min_cell=min_cell)
    if waves is not None:
        summ = summ[summ["wave"].isin(waves)]
    wlist = [w for w in WAVE_ORDER if w in set(summ["wave"])]
    arms = [a for a in ARM_ORDER if a in set(summ["arm"])]
    with theme_context():
        ax = get_ax(ax, figsize=(8.0, 1.2 + 1.3 * max(len(wlist), 1)))
        if summ.empty:
            no_data(ax, lang)
        h = 0.8 / max(len(arms), 1)
        yticks = []
        for i, w in enumerate(wlist):
            base = len(wlist) - 1 - i
            yticks.append(base)
            for j, arm in enumerate(arms):
                row = summ[(summ["wave"] == w) & (summ["arm"] == arm)]
                yc = base + 0.4 - h * (j + 0.5)
                if row.empty:
                    continue
                r = row.iloc[0]
                color = arm_color(arm)
                if r["suppressed"]:
                    mark_suppressed(ax, 0.03, yc, transform=ax.get_yaxis_transform(), color=color)
                    continue
                ax.add_patch(
                    Rectangle(
                        (r["q25"], yc - h * 0.38),
                        r["q75"] - r["q25"],
                        h * 0.76,
                        facecolor=color,
                        alpha=0.35,
                        edgecolor=color,
                        lw=1.2,
                    )
                )
                ax.plot([r["q10"], r["q25"]], [yc, yc], color=color, lw=1.2)
                ax.plot([r["q75"], r["q90"]], [yc, yc], color=color, lw=1.2)
                ax.plot([r["q50"], r["q50"]], [yc - h * 0.38, yc + h * 0.38], color=color, lw=2.4)
        ax.set_yticks(yticks, [wave_label(w, lang) for w in wlist])
        ax.set_ylim(-0.55, len(wlist) - 0.45)
        ax.grid(axis="y", visible=False)
        ax.autoscale_view(scalex=True, scaley=False)
        if not summ[["q10", "q90"]].isna().all().all():
            lo, hi = summ["q10"].min(), summ["q90"].max()
            pad = (hi - lo) * 0.05
            ax.set_xlim(max(lo - pad, 0) if lo >= 0 else lo - pad, hi + pad)
        ax.xaxis.set_major_formatter(rp_formatter(lang))
        ax.set_xlabel(t("chart.income.xlabel", lang))
        ax.set_title(t("chart.income.title", lang))
        handles = [Patch(facecolor=arm_color(a), alpha=0.6, label=arm_label(a, lang)) for a in arms]
        if handles:
            ax.legend(
                handles=handles,
                title=t("legend.arm", lang),
                loc="upper left",
                bbox_to_anchor=(1.0, 1.0),
            )
        n = (
            int(answered(data, y, columns=("respondent_id",))["respondent_id"].nunique())
            if "respondent_id" in data
            else len(data)
        )
        cap = caption_text(
            t("caption.source", lang, n=n),
            lang=lang,
            min_cell=min_cell,
            suppressed=bool(summ["suppressed"].any()),
            extra=t("chart.income.legend", lang),
        )
        add_caption(ax, cap)
    return ax
