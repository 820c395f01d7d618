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
>>> ARM_COLORS["pendampingan"], arm_color("pendampingan")
('#0072B2', '#0072B2')
>>> arm_color("treat_a", arms=("ctrl", "treat_a")), arm_marker("treat_a", arms=("ctrl", "treat_a"))
('#D55E00', 'D')
>>> with theme_context():
...     import matplotlib.pyplot as plt
...     fig, ax = plt.subplots()
>>> plt.close(fig)
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator, Sequence

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
    "arm_color",
    "arm_marker",
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
#: Colours and markers for arms ARM_COLORS does not name (another study's), by arm order.
FALLBACK_COLORS: tuple[str, ...] = tuple(
    OKABE_ITO[c]
    for c in ("bluish_green", "vermillion", "reddish_purple", "sky_blue", "yellow", "black")
)
FALLBACK_MARKERS: tuple[str, ...] = ("o", "D", "s", "^", "v", "P", "X")


def _position(arm: str, arms: Sequence[str] | None) -> int:
    order = tuple(ARM_ORDER if arms is None else arms)
    if arm in order:
        return order.index(arm)
    return zlib.crc32(str(arm).encode()) % 997  # stable across runs, unlike hash()


def arm_color(arm: str, *, arms: Sequence[str] | None = None) -> str:
    """The arm's colour: :data:`ARM_COLORS` for the JBP arms, else a colour-blind-safe colour
    chosen by the arm's position in ``arms`` (default: the codebook's arm order).

    Examples
    --------
    >>> arm_color("kontrol"), arm_color("ctrl", arms=["ctrl", "treat"])
    ('#7A7A7A', '#009E73')
    """
    if arm in ARM_COLORS:
        return ARM_COLORS[arm]
    return FALLBACK_COLORS[_position(arm, arms) % len(FALLBACK_COLORS)]


def arm_marker(arm: str, *, arms: Sequence[str] | None = None) -> str:
    """The arm's marker: :data:`ARM_MARKERS` for the JBP arms, else one chosen by the arm's
    position in ``arms`` (default: the codebook's arm order), as :func:`arm_color`.

    Examples
    --------
    >>> arm_marker("karitatif"), arm_marker("treat", arms=["ctrl", "treat"])
    ('s', 'D')
    """
    if arm in ARM_MARKERS:
        return ARM_MARKERS[arm]
    return FALLBACK_MARKERS[_position(arm, arms) % len(FALLBACK_MARKERS)]


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
    "axes.prop_cycle": mpl.cycler(color=[arm_color(a) for a in ARM_ORDER]),
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
