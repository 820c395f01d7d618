"""Forest plot: one outcome's impact in each district, with CIs, and the pooled estimate.

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"district_code": ["3322", "3373"], "estimate": [0.1, -0.05],
...                   "ci_low": [-0.1, -0.2], "ci_high": [0.3, 0.1], "n_obs": [200, 180]})
>>> ax = plot(d, outcome="unemployed", lang="en")
>>> [tick.get_text() for tick in ax.get_yticklabels()]
['Kota Salatiga', 'Kab. Semarang']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from jbp_analysis.i18n import outcome_label, t
from jbp_analysis.plots._base import (
    add_caption,
    caption_text,
    get_ax,
    mark_suppressed,
    no_data,
    number_formatter,
    rp_formatter,
)
from jbp_analysis.plots._data import is_rupiah
from jbp_analysis.plots.theme import OKABE_ITO, arm_color, theme_context
from jbp_analysis.report.contrasts import headline_contrast
from jbp_analysis.report.disclosure import MIN_CELL, is_small
from jbp_analysis.study.reference import district_label

__all__ = ["plot"]


def plot(
    data: pd.DataFrame,
    *,
    outcome: str,
    pooled: pd.Series | dict | None = None,
    scale: float = 1.0,
    xlabel: str | None = None,
    level: float = 0.95,
    sort: bool = True,
    lang: str = "id",
    min_cell: int = MIN_CELL,
    arm: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Rows = districts (``district_code``), point = ``estimate``, line = ``ci_low..ci_high``.

    ``pooled`` (a row with ``estimate, ci_low, ci_high``) is drawn as a diamond at the bottom
    and as a dashed reference line. ``scale`` multiplies every number (e.g. 100 for pp).
    The districts are drawn in the colour of ``arm``, the treated arm of the contrast shown
    (default: the plan's headline arm, :func:`~jbp_analysis.report.contrasts.headline_contrast`).
    """
    df = data.copy()
    for c in ("estimate", "ci_low", "ci_high"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float) * scale
    df["suppressed"] = is_small(df["n_obs"].to_numpy(), min_cell)
    df.loc[df["suppressed"], ["estimate", "ci_low", "ci_high"]] = np.nan
    if sort:
        df = df.sort_values("estimate", ascending=True, na_position="first")
    df = df.reset_index(drop=True)
    color = arm_color(headline_contrast(arm=arm)[0])
    with theme_context():
        ax = get_ax(ax, figsize=(7.5, 1.8 + 0.28 * (len(df) + 2)))
        if df.empty:
            no_data(ax, lang)
        ys = np.arange(len(df)) + (2 if pooled is not None else 0)
        for y, r in zip(ys, df.itertuples(), strict=True):
            if r.suppressed or not np.isfinite(r.estimate):
                mark_suppressed(ax, 0.0, y, color=color)
                continue
            ax.plot([r.ci_low, r.ci_high], [y, y], color=color, lw=1.4)
            ax.plot([r.estimate], [y], "o", color=color, ms=5)
        labels = [district_label(c) for c in df["district_code"].astype(str)]
        ticks = list(ys)
        if pooled is not None:
            p = {k: float(pooled[k]) * scale for k in ("estimate", "ci_low", "ci_high")}
            ax.fill(
                [p["ci_low"], p["estimate"], p["ci_high"], p["estimate"]],
                [0, 0.3, 0, -0.3],
                color=OKABE_ITO["vermillion"],
                zorder=3,
            )
            ax.axvline(p["estimate"], color=OKABE_ITO["vermillion"], lw=0.9, ls="--", zorder=1)
            ticks = [0, *ticks]
            labels = [t("chart.forest.pooled", lang), *labels]
        ax.axvline(0, color="#333333", lw=0.9, zorder=1)
        if is_rupiah(outcome):  # rupiah labels are long: fewer ticks so they never overlap
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(
            rp_formatter(lang, signed=True) if is_rupiah(outcome) else number_formatter(lang)
        )
        ax.set_yticks(ticks, labels)
        ax.set_ylim(-0.8, (ys.max() if len(ys) else 0) + 0.8)
        ax.grid(axis="y", visible=False)
        pct = round(level * 100)
        ax.set_xlabel(xlabel or t("chart.coef.xlabel", lang, level=pct))
        ax.set_title(t("chart.forest.title", lang, outcome=outcome_label(outcome, lang)))
        n = int(pd.to_numeric(df["n_obs"], errors="coerce").sum()) if len(df) else 0
        cap = caption_text(
            t("caption.source", lang, n=n) + " " + t("caption.ci", lang, level=pct),
            lang=lang,
            min_cell=min_cell,
            suppressed=bool(df["suppressed"].any()),
        )
        add_caption(ax, cap)
    return ax
