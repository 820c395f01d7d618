"""Shared pieces of the chart modules: axes creation, captions, number formatters."""

from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import Formatter, FuncFormatter

from jbp_analysis.i18n import fmt_number, fmt_pct, fmt_rp, t
from jbp_analysis.plots.theme import RC, SUPPRESSED_COLOR, theme_context
from jbp_analysis.report.disclosure import MARKER, footnote

__all__ = [
    "get_ax",
    "add_caption",
    "caption_text",
    "rp_formatter",
    "pct_formatter",
    "ExactTickFormatter",
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
    """Smallest number of decimals (0 to 3) that states every tick value exactly and distinctly.

    Examples
    --------
    >>> _decimals_for(np.array([20, 22.5, 25, 27.5]), 1), _decimals_for(np.array([0, 5, 10]), 1)
    (1, 0)
    """
    vals = np.asarray(values, dtype=float) / scale
    vals = vals[np.isfinite(vals)]
    if vals.size == 0:
        return 0
    for d in (0, 1, 2, 3):
        r = np.round(vals, d)
        if len(np.unique(r)) == len(vals) and np.allclose(r, vals, rtol=0, atol=10 ** (-d - 3)):
            return d
    return 3


class ExactTickFormatter(Formatter):
    """Tick labels with the fewest decimals that state every tick exactly (the same for all).

    ``fmt(value, decimals)`` formats one value. Matplotlib hands the formatter the tick
    locations first (:meth:`set_locs`), so the decimals are chosen for the whole axis: ticks at
    20, 22.5, 25 read "20,0", "22,5", "25,0", never "22" or "23" for 22.5 (a step below one unit,
    or a half-unit tick, gets one decimal). ``decimals`` fixes the number instead.

    Examples
    --------
    >>> f = ExactTickFormatter(lambda v, d: f"{v:.{d}f}")
    >>> f.format_ticks([20.0, 22.5, 25.0])
    ['20.0', '22.5', '25.0']
    >>> f.format_ticks([0.0, 10.0, 20.0])
    ['0', '10', '20']
    """

    def __init__(self, fmt, *, scale: float = 1.0, decimals: int | None = None) -> None:
        self.fmt = fmt
        self.scale = scale
        self.fixed = decimals
        self.decimals = 0 if decimals is None else decimals

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        if self.fixed is None:
            axis = getattr(self, "axis", None)
            shown = np.asarray(locs, dtype=float)
            if axis is not None and shown.size:
                lo, hi = sorted(axis.get_view_interval())
                pad = 1e-9 * max(abs(lo), abs(hi), 1.0)
                shown = shown[(shown >= lo - pad) & (shown <= hi + pad)]
            self.decimals = _decimals_for(shown if shown.size else np.asarray(locs), self.scale)

    def __call__(self, x: float, pos: int | None = None) -> str:
        d = self.decimals if self.fixed is not None or pos is not None else None
        if d is None:  # a lone value (cursor, annotation): exact for that value
            d = _decimals_for(np.array([x]), self.scale)
        return self.fmt(x, d)


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


def pct_formatter(
    lang: str = "id", *, share: bool = False, decimals: int | None = None
) -> ExactTickFormatter:
    """Tick formatter for percentages (``share=True`` when values are 0..1).

    By default the decimals are the fewest that state every tick exactly (27.5% reads
    "27,5%", not "28%"); ``decimals`` fixes them.

    Examples
    --------
    >>> pct_formatter("en").format_ticks([20.0, 22.5, 25.0, 27.5])
    ['20.0%', '22.5%', '25.0%', '27.5%']
    >>> pct_formatter("en", share=True).format_ticks([0.1, 0.2, 0.3])
    ['10%', '20%', '30%']
    """
    scale = 0.01 if share else 1.0
    return ExactTickFormatter(
        lambda x, d: fmt_pct(x if share else x / 100, lang, decimals=d),
        scale=scale,
        decimals=decimals,
    )


def number_formatter(lang: str = "id", *, decimals: int | None = None) -> ExactTickFormatter:
    """Tick formatter with the reader's decimal mark and the fewest exact decimals.

    Examples
    --------
    >>> number_formatter("id").format_ticks([0.0, 0.25, 0.5])
    ['0,00', '0,25', '0,50']
    """
    return ExactTickFormatter(lambda x, d: fmt_number(x, lang, decimals=d), decimals=decimals)


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
