"""Outcome trajectories: the mean of an outcome by arm across the survey waves.

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
>>> ax = plot(panel, y="household_income", lang="en")
>>> len(ax.lines)  # one line per arm
3
"""

from __future__ import annotations

import re

import pandas as pd
from matplotlib.axes import Axes

from jbp_analysis.i18n import arm_label, outcome_label, t, wave_label
from jbp_analysis.plots._base import (
    add_caption,
    caption_text,
    get_ax,
    mark_suppressed,
    no_data,
    number_formatter,
    pct_formatter,
    rp_formatter,
)
from jbp_analysis.plots._data import WAVE_ORDER, answered, cell_means, is_rupiah, is_share
from jbp_analysis.plots.theme import ARM_ORDER, arm_color, arm_marker, theme_context
from jbp_analysis.report.disclosure import MIN_CELL, is_small

__all__ = ["plot", "summarise"]


def summarise(data: pd.DataFrame, *, y: str, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Mean of ``y`` per wave and arm with ``n`` and a ``suppressed`` flag (mean blanked)."""
    out = cell_means(data, y, by=("wave", "arm"))
    out["suppressed"] = is_small(out["n"].to_numpy(), min_cell)
    out.loc[out["suppressed"], "mean"] = float("nan")
    return out


def plot(
    data: pd.DataFrame,
    *,
    y: str,
    label: str | None = None,
    lang: str = "id",
    min_cell: int = MIN_CELL,
    ax: Axes | None = None,
) -> Axes:
    """Draw the mean of ``y`` for each arm at each wave (respondents interviewed in that wave).

    Parameters
    ----------
    data
        Respondent x wave rows with ``arm``, ``wave``, ``responded`` and ``y``.
    y
        Outcome column; yes/no outcomes are shown in percent, rupiah outcomes as ``Rp 1,5 jt``.
    label
        Axis label (default: the translation table's label of ``y``).
    """
    summ = summarise(data, y=y, min_cell=min_cell)
    share = is_share(answered(data, y, columns=())[y])
    rupiah = is_rupiah(y)
    waves = [w for w in WAVE_ORDER if w in set(summ["wave"])]
    xpos = {w: i for i, w in enumerate(waves)}
    with theme_context():
        ax = get_ax(ax, figsize=(7.0, 4.5))
        if summ.empty:
            no_data(ax, lang)
        for arm in ARM_ORDER:
            s = summ[summ["arm"] == arm]
            if s.empty:
                continue
            xs = s["wave"].map(xpos).to_numpy()
            ys = s["mean"].to_numpy(dtype=float) * (100 if share else 1)
            ax.plot(
                xs, ys, color=arm_color(arm), marker=arm_marker(arm), label=arm_label(arm, lang)
            )
            for xv in xs[s["suppressed"].to_numpy()]:
                mark_suppressed(
                    ax, xv, 0.04, transform=ax.get_xaxis_transform(), color=arm_color(arm)
                )
        ax.set_xticks(range(len(waves)), [wave_label(w, lang) for w in waves])
        ax.set_xlim(-0.3, max(len(waves) - 1, 0) + 0.3)
        ax.set_xlabel(t("chart.traj.xlabel", lang))
        name = label or outcome_label(y, lang)
        ax.set_ylabel(name)
        if share:
            ax.yaxis.set_major_formatter(pct_formatter(lang))
        elif rupiah:
            ax.yaxis.set_major_formatter(rp_formatter(lang))
        else:
            ax.yaxis.set_major_formatter(number_formatter(lang))
        short = re.sub(r"\s*\([^)]*\)\s*$", "", name)
        ax.set_title(t("chart.traj.title", lang, outcome=short))
        if not summ.empty:
            # outside the axes, right of the plot: a legend inside ("best") sat on the lines
            ax.legend(title=t("legend.arm", lang), loc="upper left", bbox_to_anchor=(1.0, 1.0))
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
        )
        add_caption(ax, cap)
    return ax
