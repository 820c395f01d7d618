"""The propensity-score overlap histogram, on its own so that the result it draws can draw itself.

:meth:`OverlapResult.plot <jbp_analysis.observational.OverlapResult.plot>` and
:func:`jbp_analysis.observational.plot_overlap` both call :func:`plot_overlap`. It reads only
the scores, the treated mask and the trimming threshold (the :class:`OverlapScores` protocol),
so it does not import :mod:`jbp_analysis.observational.results`: results (data) sit below this
drawing code, and the result's ``plot()`` method reaches down to it without an import cycle.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from matplotlib.axes import Axes

from jbp_analysis.plots._base import get_ax
from jbp_analysis.plots.theme import OKABE_ITO, theme_context

__all__ = ["OverlapScores", "plot_overlap"]


class OverlapScores(Protocol):
    """What :func:`plot_overlap` reads: fitted scores, which rows are treated, the threshold."""

    ps: np.ndarray
    treated_mask: np.ndarray
    alpha: float


def plot_overlap(
    result: OverlapScores, *, bins: int = 40, log: bool | None = None, ax: Axes | None = None
) -> Axes:
    """Histograms of the propensity score, treated above the axis and comparison below.

    The trimming thresholds are drawn as dashed lines when the rule trimmed anything. With
    ``log=True`` (the default when one group's tallest bar is over five times the other's, as with
    LaLonde's CPS comparison sample) the density axis is symmetric-logarithmic so that both
    groups stay visible.

    Parameters
    ----------
    result
        An :class:`~jbp_analysis.observational.OverlapResult` (anything with its ``ps``,
        ``treated_mask`` and ``alpha``).
    bins, log, ax
        Histogram bins on [0, 1], the symmetric-log density axis, and the axes to draw on.

    Examples
    --------
    >>> import pandas as pd
    >>> from jbp_analysis.observational import overlap
    >>> rng = np.random.default_rng(0); x = rng.normal(size=300)
    >>> df = pd.DataFrame({"x": x, "d": (rng.uniform(size=300) < 1 / (1 + np.exp(-x))).astype(int)})
    >>> ax = plot_overlap(overlap(df, treatment="d", covariates=["x"]))
    >>> ax.get_xlabel()
    'propensity score'
    """
    with theme_context():
        ax = get_ax(ax)
        edges = np.linspace(0, 1, bins + 1)
        t = result.treated_mask
        h1, _ = np.histogram(result.ps[t], bins=edges, density=True)
        h0, _ = np.histogram(result.ps[~t], bins=edges, density=True)
        width = np.diff(edges)
        ax.bar(edges[:-1], h1, width=width, align="edge", color=OKABE_ITO["blue"], label="treated")
        ax.bar(
            edges[:-1],
            -h0,
            width=width,
            align="edge",
            color=OKABE_ITO["orange"],
            label="comparison",
        )
        ax.axhline(0, color="0.2", linewidth=0.8)
        if log is None:
            log = max(h0.max(), h1.max()) > 5 * min(h0.max(), h1.max())
        if log:
            ax.set_yscale("symlog", linthresh=1.0)
        if result.alpha > 0:
            for v in (result.alpha, 1 - result.alpha):
                ax.axvline(v, color="0.4", linestyle="--", linewidth=0.8)
        ax.set_xlim(0, 1)
        ax.set_xlabel("propensity score")
        ax.set_ylabel("density (comparison below" + (", symlog scale)" if log else ")"))
        ax.legend(frameon=False)
    return ax
