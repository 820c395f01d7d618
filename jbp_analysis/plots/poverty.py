"""Consumption per capita and the BPS poverty line: one distribution curve per arm.

Each curve is the quantile function of consumption per capita (percentiles 5 to 95 only, so no
individual household is drawn) for one arm in one wave: the height at a value is the share of
households that spend less. The BPS poverty line is drawn as a vertical line (the median of the
lines the households were compared with) over a band spanning the lines used (they differ by
district, urban/rural class and interview month). The legend gives each arm's share below its own
households' lines, the headcount P0 of Foster, Greer and Thorbecke (1984). An arm with fewer than
``min_cell`` households is not drawn (small-cell rule).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(2)
>>> n = 90
>>> d = pd.DataFrame({"arm": np.repeat(["kontrol", "karitatif", "pendampingan"], n // 3),
...     "wave": "followup", "consumption_per_capita": rng.lognormal(13, 0.4, n),
...     "poverty_line": 340_000.0})
>>> ax = plot(d, lang="en")
>>> len(ax.lines)  # 3 curves and the line
4
>>> int(summarise(d).set_index("arm").loc["kontrol", "n"])
30
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from jbp_analysis.i18n import arm_label, fmt_pct, fmt_rp, t
from jbp_analysis.plots._base import (
    add_caption,
    caption_text,
    get_ax,
    no_data,
    pct_formatter,
    rp_formatter,
)
from jbp_analysis.plots._data import answered
from jbp_analysis.plots.theme import ARM_ORDER, arm_color, theme_context
from jbp_analysis.report.disclosure import MIN_CELL, is_small

__all__ = ["plot", "summarise", "PERCENTILES"]

#: A band of lines narrower than this share of the axis would hide under the dashed line.
BAND_MIN_WIDTH = 0.02
PERCENTILES = np.round(np.arange(0.05, 0.951, 0.025), 3)
"""The percentiles each curve is drawn through (no tails: no single household is identifiable)."""


def summarise(
    data: pd.DataFrame,
    *,
    y: str = "consumption_per_capita",
    line: str = "poverty_line",
    wave: str | None = "followup",
    min_cell: int = MIN_CELL,
) -> pd.DataFrame:
    """Per arm: ``n``, ``share_poor`` (y below its line), line median/min/max, percentiles.

    ``wave=None`` pools every row of ``data``. Small cells have their numbers blanked.
    """
    d = answered(data, y, columns=(line, "wave", "arm"))
    d = d[d[line].notna()]
    if wave is not None and "wave" in d:
        d = d[d["wave"].astype(str) == wave]
    rows = []
    for arm in [a for a in ARM_ORDER if a in set(d["arm"].astype(str))]:
        g = d[d["arm"].astype(str) == arm]
        yv = g[y].to_numpy(dtype=float)
        zv = g[line].to_numpy(dtype=float)
        q = np.quantile(yv, PERCENTILES) if len(yv) else np.full(len(PERCENTILES), np.nan)
        rows.append(
            {
                "arm": arm,
                "n": len(g),
                "share_poor": float(np.mean(yv < zv)) if len(g) else np.nan,
                "line_median": float(np.median(zv)),
                "line_min": float(zv.min()),
                "line_max": float(zv.max()),
                **{f"p{int(round(p * 1000)):03d}": v for p, v in zip(PERCENTILES, q, strict=True)},
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["suppressed"] = is_small(out["n"].to_numpy(), min_cell)
    numeric = [c for c in out.columns if c not in ("arm", "n", "suppressed")]
    out.loc[out["suppressed"], numeric] = np.nan
    return out


def plot(
    data: pd.DataFrame,
    *,
    y: str = "consumption_per_capita",
    line: str = "poverty_line",
    wave: str | None = "followup",
    lang: str = "id",
    min_cell: int = MIN_CELL,
    ax: Axes | None = None,
) -> Axes:
    """Quantile curves of consumption per capita by arm, with the BPS poverty line."""
    summ = summarise(data, y=y, line=line, wave=wave, min_cell=min_cell)
    with theme_context():
        ax = get_ax(ax, figsize=(8.0, 4.6))
        shown = summ[~summ["suppressed"]] if not summ.empty else summ
        if shown.empty:
            no_data(ax, lang)
            return ax
        pcols = [c for c in summ.columns if c.startswith("p") and c[1:].isdigit()]
        handles = []
        for r in shown.itertuples(index=False):
            rd = r._asdict()
            color = arm_color(rd["arm"])
            ax.plot([rd[c] for c in pcols], PERCENTILES, color=color, lw=2.0)
            label = t(
                "chart.poverty.arm_share",
                lang,
                arm=arm_label(rd["arm"], lang),
                share=fmt_pct(rd["share_poor"], lang, decimals=0),
            )
            handles.append(Line2D([], [], color=color, lw=2.0, label=label))
        z_med = float(np.nanmedian(shown["line_median"]))
        z_lo, z_hi = float(shown["line_min"].min()), float(shown["line_max"].max())
        x_span = float(np.nanmax(shown[pcols].to_numpy()) - np.nanmin(shown[pcols].to_numpy()))
        line_label = t("chart.poverty.line", lang, line=fmt_rp(z_med, lang, decimals=0))
        if z_hi > z_lo and (z_hi - z_lo) >= BAND_MIN_WIDTH * max(x_span, z_hi):
            ax.axvspan(z_lo, z_hi, color="#999999", alpha=0.18, lw=0)
            handles.append(
                Line2D(
                    [], [], color="#999999", alpha=0.4, lw=8, label=t("chart.poverty.band", lang)
                )
            )
        elif z_hi > z_lo:  # a band narrower than the line itself: the range goes in its label
            line_label = t(
                "chart.poverty.line_range",
                lang,
                line=fmt_rp(z_med, lang, decimals=0),
                low=fmt_rp(z_lo, lang, decimals=0),
                high=fmt_rp(z_hi, lang, decimals=0),
            )
        ax.axvline(z_med, color="#222222", lw=1.6, ls="--")
        handles.append(Line2D([], [], color="#222222", lw=1.6, ls="--", label=line_label))
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(pct_formatter(lang, share=True))
        ax.xaxis.set_major_formatter(rp_formatter(lang))
        ax.set_xlabel(t("chart.poverty.xlabel", lang))
        ax.set_ylabel(t("chart.poverty.ylabel", lang))
        ax.set_title(t("chart.poverty.title", lang))
        ax.legend(handles=handles, loc="lower right", fontsize=8)
        n = int(summ["n"].sum())
        cap = caption_text(
            t("caption.source", lang, n=n),
            lang=lang,
            min_cell=min_cell,
            suppressed=bool(summ["suppressed"].any()),
            extra=t("chart.poverty.legend", lang),
        )
        add_caption(ax, cap)
    return ax
