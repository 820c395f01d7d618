"""Charts of the observational diagnostics: the love plot (Ahmed et al. 2007; Austin 2009) and the
propensity-score overlap histogram. Each draws on ``ax=`` and returns it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jbp_analysis.observational.diagnostics import BALANCE_THRESHOLD
from jbp_analysis.observational.results import OverlapResult
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


def plot_overlap(
    result: OverlapResult, *, bins: int = 40, log: bool | None = None, ax: Axes | None = None
) -> Axes:
    """Histograms of the propensity score, treated above the axis and comparison below.

    The trimming thresholds are drawn as dashed lines when the rule trimmed anything. With
    ``log=True`` (the default when one group's tallest bar is over five times the other's, as with
    LaLonde's CPS comparison sample) the density axis is symmetric-logarithmic so that both
    groups stay visible.

    Examples
    --------
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
