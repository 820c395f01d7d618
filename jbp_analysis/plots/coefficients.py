"""Coefficient plot: the three contrasts across outcomes (and waves), with confidence intervals.

Examples
--------
>>> import pandas as pd
>>> tidy = pd.DataFrame({
...     "outcome": ["unemployed"] * 3, "contrast": ["pendampingan vs kontrol",
...     "karitatif vs kontrol", "pendampingan vs karitatif"], "estimate": [-0.1, -0.02, -0.08],
...     "ci_low": [-0.2, -0.1, -0.18], "ci_high": [0.0, 0.06, 0.02], "n_obs": [300, 300, 300],
...     "control_sd": [0.5, 0.5, 0.5]})
>>> ax = plot(tidy, lang="en")
>>> [float(round(x, 2)) for x in ax.lines[1].get_xdata()]  # point, in control SDs
[-0.2]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from jbp_analysis.i18n import contrast_arms, contrast_label, outcome_label, t, wave_label
from jbp_analysis.plots._base import add_caption, caption_text, get_ax, mark_suppressed, no_data
from jbp_analysis.plots.theme import CONTRAST_ORDER, contrast_color, theme_context
from jbp_analysis.report.disclosure import MIN_CELL, is_small

__all__ = ["plot", "prepare"]


def prepare(
    data: pd.DataFrame,
    *,
    outcomes: Sequence[str] | None = None,
    standardise: bool = True,
    min_cell: int = MIN_CELL,
) -> pd.DataFrame:
    """Rows to draw: one per outcome x (wave) x contrast, with ``x``, ``lo``, ``hi``, ``suppressed``."""
    df = data.copy()
    if outcomes is not None:
        df = df[df["outcome"].isin(outcomes)]
    pair = df["contrast"].map(contrast_arms)
    df["arm_a"] = pair.str[0]
    df["arm_b"] = pair.str[1]
    order = {p: i for i, p in enumerate(CONTRAST_ORDER)}
    df["c_order"] = [order.get((a, b), 9) for a, b in zip(df["arm_a"], df["arm_b"], strict=True)]
    scale = pd.Series(1.0, index=df.index)
    if standardise:
        sd = pd.to_numeric(df.get("control_sd"), errors="coerce")
        scale = sd.where(sd > 0)
    for src, dst in (("estimate", "x"), ("ci_low", "lo"), ("ci_high", "hi")):
        df[dst] = pd.to_numeric(df[src], errors="coerce").astype(float) / scale.astype(float)
    df["suppressed"] = is_small(df["n_obs"].to_numpy(), min_cell)
    df.loc[df["suppressed"], ["x", "lo", "hi"]] = np.nan
    out_order = {o: i for i, o in enumerate(outcomes or pd.unique(df["outcome"]))}
    df["o_order"] = df["outcome"].map(out_order)
    keys = ["o_order", "wave_code"] if "wave" in df else ["o_order"]
    if "wave" in df:
        df["wave_code"] = df["wave"].map({"baseline": 0, "endline": 1, "followup": 2})
    return df.sort_values([*keys, "c_order"]).reset_index(drop=True)


def plot(
    data: pd.DataFrame,
    *,
    outcomes: Sequence[str] | None = None,
    standardise: bool = True,
    level: float = 0.95,
    n: int | None = None,
    lang: str = "id",
    min_cell: int = MIN_CELL,
    ax: Axes | None = None,
) -> Axes:
    """Draw the impact of each contrast on each outcome (rows) as a point with its CI.

    Parameters
    ----------
    data
        Stacked ``ImpactResult.tidy()`` frames: ``outcome, contrast, estimate, ci_low, ci_high,
        n_obs, control_sd`` and optionally ``wave`` (one row per outcome x wave x contrast).
    outcomes
        Outcomes to show, in order (default: order of appearance).
    standardise
        Divide by the control group's standard deviation so outcomes share one axis.
    n
        Respondents for the caption (default: largest ``n_obs``).
    lang, min_cell, ax
        Language, disclosure threshold, axes to draw on.
    """
    df = prepare(data, outcomes=outcomes, standardise=standardise, min_cell=min_cell)
    rows = (
        df[["outcome", "wave"]].drop_duplicates()
        if "wave" in df
        else df[["outcome"]].drop_duplicates()
    )
    rows = rows.reset_index(drop=True)
    height = 1.6 + 0.75 * len(rows)
    with theme_context():
        ax = get_ax(ax, figsize=(8.0, height))
        if df.empty:
            no_data(ax, lang)
        contrasts = sorted(
            {(a, b) for a, b in zip(df["arm_a"], df["arm_b"], strict=True)},
            key=lambda p: CONTRAST_ORDER.index(p) if p in CONTRAST_ORDER else 9,
        )
        k = len(contrasts)
        offsets = {c: (i - (k - 1) / 2) * 0.22 for i, c in enumerate(contrasts)}
        ylabels = []
        for i, row in rows.iterrows():
            y0 = len(rows) - 1 - i
            label = outcome_label(row["outcome"], lang)
            if "wave" in rows:
                label += "\n" + wave_label(row["wave"], lang)
            ylabels.append((y0, label))
            sel = df["outcome"] == row["outcome"]
            if "wave" in rows:
                sel &= df["wave"] == row["wave"]
            for r in df[sel].itertuples():
                y = y0 - offsets[(r.arm_a, r.arm_b)]
                color = contrast_color(r.arm_a, r.arm_b)
                if r.suppressed:
                    mark_suppressed(ax, 0.0, y, color=color)
                    continue
                ax.plot([r.lo, r.hi], [y, y], color=color, lw=2.0, solid_capstyle="butt")
                ax.plot([r.x], [y], marker="o", ms=6.5, color=color, mec="white", mew=0.8)
        ax.axvline(0, color="#333333", lw=0.9, zorder=1)
        ax.set_yticks([y for y, _ in ylabels], [lab for _, lab in ylabels])
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.grid(axis="y", visible=False)
        pct = round(level * 100)
        ax.set_xlabel(
            t("chart.coef.xlabel_sd" if standardise else "chart.coef.xlabel", lang, level=pct)
        )
        ax.set_title(t("chart.coef.title", lang), pad=30)
        handles = [
            Line2D(
                [],
                [],
                color=contrast_color(a, b),
                marker="o",
                lw=2,
                label=contrast_label(f"{a} vs {b}", lang),
            )
            for a, b in contrasts
        ]
        if handles:
            ax.legend(
                handles=handles,
                loc="lower left",
                bbox_to_anchor=(0, 1.0),
                ncol=3,
                borderaxespad=0.2,
                handlelength=1.5,
                columnspacing=1.2,
            )
        n_cap = int(n if n is not None else pd.to_numeric(df["n_obs"], errors="coerce").max() or 0)
        extra = t("chart.coef.note_sd", lang) if standardise else None
        shown = df[~df["suppressed"].astype(bool)]
        if (shown["lo"].isna() | shown["hi"].isna()).any():  # too few groups for an interval
            extra = " ".join(x for x in (extra, t("chart.coef.no_ci", lang)) if x)
        cap = caption_text(
            t("caption.source", lang, n=n_cap) + " " + t("caption.ci", lang, level=pct),
            lang=lang,
            min_cell=min_cell,
            suppressed=bool(df["suppressed"].any()),
            extra=extra,
        )
        add_caption(ax, cap)
    return ax
