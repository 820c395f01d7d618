"""Cost-effectiveness comparison: one horizontal bar per treated arm, with an optional CI.

The chart draws whatever cost measure it is given (cost per participant from
:func:`jbp_analysis.report.estimable.cost_per_participant_view`, i.e.
:func:`jbp_analysis.analyses.cost_effectiveness.cost_per_participant`, or rupiah per unit of
impact from :mod:`jbp_analysis.analyses.cost_effectiveness`); it computes nothing.

Examples
--------
>>> tab = pd.DataFrame({"arm": ["karitatif", "pendampingan"], "n_groups": [3, 3], "n": [30, 30],
...                     "value": [1_500_000.0, 3_000_000.0]})
>>> ax = plot(tab, lang="en")
>>> len(ax.patches)  # karitatif and pendampingan
2
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jbp_analysis.i18n import arm_label, fmt_rp, t
from jbp_analysis.plots._base import (
    add_caption,
    caption_text,
    get_ax,
    mark_suppressed,
    no_data,
    rp_formatter,
)
from jbp_analysis.plots.theme import ARM_ORDER, arm_color, theme_context
from jbp_analysis.report.disclosure import MIN_CELL, is_small

__all__ = ["plot"]


def plot(
    data: pd.DataFrame,
    *,
    value: str = "value",
    ci_low: str | None = None,
    ci_high: str | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    lang: str = "id",
    min_cell: int = MIN_CELL,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of a rupiah cost measure per arm (``arm``, ``value``, ``n`` columns).

    Non-positive or missing values (e.g. a cost per unit of impact where the impact is not
    positive) are labelled "not estimable" instead of drawn.
    """
    df = data[data["arm"].astype(str).isin(ARM_ORDER)].copy()
    df["arm"] = df["arm"].astype(str)
    df["_o"] = df["arm"].map({a: i for i, a in enumerate(ARM_ORDER)})
    df = df.sort_values("_o").reset_index(drop=True)
    df["suppressed"] = is_small(df["n"].to_numpy(), min_cell)
    vals = pd.to_numeric(df[value], errors="coerce").astype(float)
    with theme_context():
        ax = get_ax(ax, figsize=(7.0, 1.6 + 0.7 * max(len(df), 1)))
        if df.empty:
            no_data(ax, lang)
        ys = np.arange(len(df))[::-1]
        for y, (_, r), v in zip(ys, df.iterrows(), vals, strict=True):
            color = arm_color(r["arm"])
            if r["suppressed"]:
                mark_suppressed(ax, 0.03, y, transform=ax.get_yaxis_transform(), color=color)
                continue
            if not np.isfinite(v) or v <= 0:
                ax.text(
                    0.01,
                    y,
                    t("chart.ce.not_estimable", lang),
                    transform=ax.get_yaxis_transform(),
                    va="center",
                    ha="left",
                    fontsize=9,
                    color="#555555",
                ).set_gid("not_estimable")
                continue
            ax.barh(y, v, 0.6, color=color)
            right = v
            if ci_low and ci_high and np.isfinite(r[ci_low]) and np.isfinite(r[ci_high]):
                ax.plot([r[ci_low], r[ci_high]], [y, y], color="#222222", lw=1.2)
                right = max(v, float(r[ci_high]))
            ax.annotate(
                fmt_rp(v, lang),
                (right, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
            )
        ax.set_yticks(ys, [arm_label(a, lang) for a in df["arm"]])
        ax.set_ylim(-0.6, len(df) - 0.4)
        ax.grid(axis="y", visible=False)
        finite = vals[np.isfinite(vals) & (vals > 0) & ~df["suppressed"].to_numpy()]
        if len(finite):
            top = float(finite.max())
            if ci_high:
                top = max(top, float(pd.to_numeric(df[ci_high], errors="coerce").max()))
            ax.set_xlim(0, top * 1.22)
        ax.xaxis.set_major_formatter(rp_formatter(lang))
        ax.set_xlabel(xlabel or t("chart.ce.xlabel_cost", lang))
        ax.set_title(title or t("chart.ce.cost_title", lang))
        n = int(pd.to_numeric(df["n"], errors="coerce").sum()) if len(df) else 0
        groups = int(df["n_groups"].sum()) if "n_groups" in df else 0
        base = (
            t("caption.source_groups", lang, groups=groups, n=n)
            if groups
            else t("caption.source", lang, n=n)
        )
        add_caption(
            ax,
            caption_text(
                base, lang=lang, min_cell=min_cell, suppressed=bool(df["suppressed"].any())
            ),
        )
    return ax
