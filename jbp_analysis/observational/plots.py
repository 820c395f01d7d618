"""Charts of the observational diagnostics: the love plot (Ahmed et al. 2007; Austin 2009) and the
propensity-score overlap histogram (:mod:`~jbp_analysis.observational.overlap_plot`, which
:meth:`OverlapResult.plot <jbp_analysis.observational.OverlapResult.plot>` also draws with). Each
draws on ``ax=`` and returns it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jbp_analysis.observational.diagnostics import BALANCE_THRESHOLD
from jbp_analysis.observational.overlap_plot import plot_overlap
from jbp_analysis.plots._base import get_ax
from jbp_analysis.plots.theme import OKABE_ITO, theme_context

__all__ = ["plot_love", "plot_overlap"]


def plot_love(
    table: pd.DataFrame,
    *,
    absolute: bool = True,
    threshold: float = BALANCE_THRESHOLD,
    ax: Axes | None = None,
) -> Axes:
    """Love plot: the standardised difference of each variable before and after adjustment.

    Parameters
    ----------
    table
        The frame of :func:`~jbp_analysis.observational.balance`.
    absolute
        Plot absolute differences (the usual love plot).
    threshold
        Draw dashed lines at this value (Austin's 0.1).
    ax
        Axes to draw on; a new figure when ``None``.

    Examples
    --------
    >>> t = pd.DataFrame({"variable": ["x", "z"], "std_diff_before": [0.8, -0.3],
    ...                   "std_diff_after": [0.02, 0.05]})
    >>> ax = plot_love(t)
    >>> [tick.get_text() for tick in ax.get_yticklabels()]
    ['z', 'x']
    """
    with theme_context():
        ax = get_ax(ax, figsize=(6.4, 0.3 * len(table) + 1.5))
        t = table.copy()
        f = np.abs if absolute else (lambda v: v)
        t["_order"] = np.abs(t["std_diff_before"])
        t = t.sort_values("_order")
        pos = np.arange(len(t))
        ax.scatter(
            f(t["std_diff_before"]),
            pos,
            color=OKABE_ITO["vermillion"],
            marker="o",
            label="before",
            zorder=3,
        )
        if t["std_diff_after"].notna().any():
            ax.scatter(
                f(t["std_diff_after"]),
                pos,
                color=OKABE_ITO["blue"],
                marker="D",
                label="after",
                zorder=3,
            )
        ax.set_yticks(pos, labels=list(t["variable"]))
        for v in (threshold,) if absolute else (-threshold, threshold):
            ax.axvline(v, color="0.4", linestyle="--", linewidth=0.8)
        ax.axvline(0, color="0.2", linewidth=0.8)
        ax.set_xlabel("absolute standardised difference" if absolute else "standardised difference")
        ax.legend(loc="lower right", frameon=False)
    return ax
