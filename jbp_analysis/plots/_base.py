"""Shared pieces of the chart modules: axes creation, captions, number formatters."""

from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from jbp_analysis.i18n import fmt_number, fmt_pct, fmt_rp, t
from jbp_analysis.plots.theme import RC, SUPPRESSED_COLOR, theme_context
from jbp_analysis.report.disclosure import MARKER, footnote

__all__ = [
    "get_ax",
    "add_caption",
    "caption_text",
    "rp_formatter",
    "pct_formatter",
    "number_formatter",
    "mark_suppressed",
    "no_data",
]


def get_ax(ax: Axes | None, *, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax`` or a new themed single-axes figure."""
    if ax is not None:
        return ax
    with theme_context():
        fig, new = plt.subplots(figsize=figsize or RC["figure.figsize"])
    return new


def caption_text(
    base: str, *, lang: str, min_cell: int, suppressed: bool, extra: str | None = None
) -> str:
    """Join the caption parts: extra note, source line, suppression footnote."""
    parts = [p for p in (extra, base) if p]
    if suppressed:
        parts.append(footnote(lang, min_cell=min_cell))
    return " ".join(parts)


def add_caption(ax: Axes, text: str, *, width: int | None = None, fontsize: float = 8) -> None:
    """Write ``text`` under the axes (below the x-axis label), wrapped to the axes' width.

    The caption is an annotation of ``ax`` with ``gid="caption"`` so it travels with the axes
    and ``savefig(bbox_inches="tight")`` keeps it. ``width`` (characters) defaults to what fits
    under the axes plus the right margin.
    """
    if width is None:
        fig = ax.figure
        box = ax.get_position()
        inches = (1.0 - box.x0) * fig.get_figwidth() * 0.97
        width = max(40, int(inches * 72 / (fontsize * 0.56)))
    wrapped = "\n".join(textwrap.wrap(text, width))
    ann = ax.annotate(
        wrapped,
        xy=(0, 0),
        xycoords=("axes fraction", ax.xaxis.label),
        xytext=(0, -8),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=fontsize,
        color="#444444",
    )
    ann.set_gid("caption")


def _decimals_for(values: np.ndarray, scale: float) -> int:
    """Smallest number of decimals that keeps tick labels distinct."""
    vals = np.asarray(values, dtype=float) / scale
    for d in (0, 1, 2):
        r = np.round(vals, d)
        if len(np.unique(r)) == len(vals) and np.allclose(r, vals, atol=10 ** (-d - 3)):
            return d
    return 2


def rp_formatter(lang: str = "id", *, signed: bool = False) -> FuncFormatter:
    """Tick formatter for rupiah: ``Rp 1,5 jt`` (id), ``Rp 1.5m`` (en)."""

    def _fmt(x: float, pos: int | None = None) -> str:
        a = abs(x)
        scale = 1e9 if a >= 1e9 else 1e6 if a >= 1e6 else 1e3 if a >= 1e3 else 1
        frac = (a / scale) % 1
        decimals = 0 if math.isclose(frac, 0, abs_tol=1e-9) or math.isclose(frac, 1) else 1
        if decimals and not math.isclose((a / scale * 10) % 1, 0, abs_tol=1e-6):
            decimals = 2
        return fmt_rp(x, lang, decimals=decimals, signed=signed)

    return FuncFormatter(_fmt)


def pct_formatter(lang: str = "id", *, share: bool = False, decimals: int = 0) -> FuncFormatter:
    """Tick formatter for percentages (``share=True`` when values are 0..1)."""

    def _fmt(x: float, pos: int | None = None) -> str:
        return fmt_pct(x if share else x / 100, lang, decimals=decimals)

    return FuncFormatter(_fmt)


def number_formatter(lang: str = "id", *, decimals: int = 1) -> FuncFormatter:
    """Tick formatter with the reader's decimal mark."""
    return FuncFormatter(lambda x, pos=None: fmt_number(x, lang, decimals=decimals))


def mark_suppressed(ax: Axes, x: float, y: float, *, transform=None, color: str = SUPPRESSED_COLOR):
    """Draw the suppression marker at (``x``, ``y``); returns the Text (``gid="suppressed"``)."""
    txt = ax.text(
        x,
        y,
        MARKER,
        transform=transform or ax.transData,
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
        color=color,
    )
    txt.set_gid("suppressed")
    return txt


def no_data(ax: Axes, lang: str) -> None:
    """Write 'not enough data' in the middle of an empty panel."""
    txt = ax.text(
        0.5,
        0.5,
        t("chart.no_data", lang),
        transform=ax.transAxes,
        ha="center",
        va="center",
        color=SUPPRESSED_COLOR,
    )
    txt.set_gid("no_data")
