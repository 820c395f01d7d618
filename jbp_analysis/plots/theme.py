"""One chart theme for every JBP chart: colourblind-safe (Okabe & Ito 2008), arm colours fixed.

The arm colours never change between charts, districts or languages: control is grey,
the charitable model orange, JBP mentoring blue. Contrasts take the colour of their treated
arm, and mentoring-vs-charitable is reddish purple. Markers differ by arm too, so that the
charts also read in greyscale.

References
----------
Okabe, M. and Ito, K. (2008). *Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people.* https://jfly.uni-koeln.de/color/

Examples
--------
>>> ARM_COLORS["pendampingan"]
'#0072B2'
>>> with theme_context():
...     import matplotlib.pyplot as plt
...     fig, ax = plt.subplots()
>>> plt.close(fig)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import matplotlib as mpl

from jbp_analysis.study.codebook import load_codebook

__all__ = [
    "OKABE_ITO",
    "ARM_COLORS",
    "ARM_MARKERS",
    "ARM_ORDER",
    "CONTRAST_ORDER",
    "CONTRAST_COLORS",
    "SUPPRESSED_COLOR",
    "RC",
    "theme_context",
    "apply_theme",
    "contrast_color",
]

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}

ARM_ORDER: tuple[str, ...] = tuple(load_codebook().arms)
ARM_COLORS: dict[str, str] = {
    "kontrol": "#7A7A7A",  # Okabe-Ito grey, darkened for contrast on white
    "karitatif": OKABE_ITO["orange"],
    "pendampingan": OKABE_ITO["blue"],
}
ARM_MARKERS: dict[str, str] = {"kontrol": "o", "karitatif": "s", "pendampingan": "D"}

#: Canonical contrast order: (treated arm, comparison arm).
CONTRAST_ORDER: tuple[tuple[str, str], ...] = (
    ("pendampingan", "kontrol"),
    ("karitatif", "kontrol"),
    ("pendampingan", "karitatif"),
)
CONTRAST_COLORS: dict[tuple[str, str], str] = {
    ("pendampingan", "kontrol"): OKABE_ITO["blue"],
    ("karitatif", "kontrol"): OKABE_ITO["orange"],
    ("pendampingan", "karitatif"): OKABE_ITO["reddish_purple"],
}
SUPPRESSED_COLOR = "#555555"

RC: dict[str, object] = {
    "figure.figsize": (8.0, 5.0),
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.15,
    "svg.hashsalt": "jbp",  # deterministic SVG ids
    # Text stays text in SVG (editable when pasted into a document, and 3x faster to write than
    # glyph paths); Type 3 fonts in the PDF chart pack (no fontTools subsetting at every save).
    "svg.fonttype": "none",
    "pdf.fonttype": 3,
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 10,
    "axes.labelsize": 10,
    "axes.edgecolor": "#444444",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "both",
    "axes.axisbelow": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.8,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "lines.markersize": 6,
    "axes.prop_cycle": mpl.cycler(color=[ARM_COLORS[a] for a in ARM_ORDER]),
}


@contextlib.contextmanager
def theme_context() -> Iterator[None]:
    """Temporarily apply the JBP theme (matplotlib ``rc_context``)."""
    with mpl.rc_context(RC):
        yield


def apply_theme() -> None:
    """Apply the JBP theme globally (for notebooks)."""
    mpl.rcParams.update(RC)


def contrast_color(arm: str, comparison: str) -> str:
    """Colour of the contrast ``arm`` vs ``comparison``."""
    return CONTRAST_COLORS.get((arm, comparison), OKABE_ITO["black"])
