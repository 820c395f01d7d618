"""Immutable results of the observational estimators: :class:`ATTResult` and
:class:`OverlapResult`, each with ``tidy()`` and a notebook rendering."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jbp_analysis.core.results import Result
from jbp_analysis.estimate.results import frozen_array

__all__ = ["ATTResult", "OverlapResult", "TIDY_COLUMNS", "METHOD_LABELS"]

#: Columns of :meth:`ATTResult.tidy`, in order.
TIDY_COLUMNS: tuple[str, ...] = (
    "outcome",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "n_treated",
    "n_control",
    "n_trimmed",
    "method",
    "inference",
)

#: Plain-language names of the methods, for tables and reports.
METHOD_LABELS: dict[str, str] = {
    "ipw": "inverse probability weighting (normalised)",
    "aipw": "doubly robust (augmented IPW)",
    "matching": "nearest-neighbour matching, bias-corrected",
    "entropy": "entropy balancing",
    "drdid": "doubly robust difference-in-differences",
    "ipwdid": "IPW difference-in-differences",
}


@dataclass(frozen=True, eq=False)
class ATTResult(Result):
    """An estimated average effect of the treatment on the treated, from observational data.

    Built by :func:`~jbp_analysis.observational.att` and
    :func:`~jbp_analysis.observational.drdid`; immutable. The comparison is not randomised:
    the estimate is causal only under selection on observables (or, for DiD, parallel trends
    conditional on the covariates).

    Attributes
    ----------
    outcome, method, inference, level
        What was estimated, how, with which standard errors, and the CI level.
    estimate, std_error, ci_low, ci_high, p_value
        The ATT and its inference.
    n_treated, n_control, n_trimmed, n_dropped
        Rows in each group after trimming, rows trimmed, rows dropped as incomplete.
    n_clusters
        Clusters of the standard error (``None`` without clustering).
    alpha
        Trimming threshold used (0 without trimming).
    covariates
        The design columns of the propensity score.
    notes
        What a reader should know (trimming, warnings raised, the bootstrap used...).
    influence
        Influence function of the estimate (``None`` for matching).
    ps
        Fitted propensity scores of the rows used (``None`` for entropy balancing).
    treated_mask
        Which rows of ``ps``/``weights`` are treated.
    weights
        Normalised weights of the rows used: the treated rows' sum to 1 and so do the
        comparison rows' (the IPW, entropy or matching weights).
    index
        Index labels in ``data`` of the rows used.
    """

    outcome: str
    method: str
    inference: str
    level: float
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    n_treated: int
    n_control: int
    n_trimmed: int
    n_dropped: int
    n_clusters: int | None
    alpha: float
    covariates: tuple[str, ...]
    notes: tuple[str, ...] = ()
    influence: np.ndarray | None = field(default=None, repr=False)
    ps: np.ndarray | None = field(default=None, repr=False)
    treated_mask: np.ndarray | None = field(default=None, repr=False)
    weights: np.ndarray | None = field(default=None, repr=False)
    index: pd.Index | None = field(default=None, repr=False)

    html_drop = ("outcome",)

    def __post_init__(self) -> None:
        for name in ("influence", "ps", "weights"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, frozen_array(getattr(self, name)))
        if self.treated_mask is not None:
            m = np.array(self.treated_mask, dtype=bool, copy=True)
            m.flags.writeable = False
            object.__setattr__(self, "treated_mask", m)

    @property
    def effective_sample_size(self) -> float:
        """Kish's effective number of comparison units, :math:`1 / \\sum_j \\omega_j^2`."""
        if self.weights is None or self.treated_mask is None:
            return float("nan")
        return float(1.0 / np.sum(self.weights[~self.treated_mask] ** 2))

    def tidy(self) -> pd.DataFrame:
        """One row; columns :data:`TIDY_COLUMNS`.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from jbp_analysis.observational import att
        >>> rng = np.random.default_rng(0); x = rng.normal(size=400)
        >>> d = (rng.uniform(size=400) < 1 / (1 + np.exp(-x))).astype(int)
        >>> df = pd.DataFrame({"x": x, "d": d, "y": x + 2 * d + rng.normal(size=400)})
        >>> att(df, outcome="y", treatment="d", covariates=["x"]).tidy().columns.tolist()[:4]
        ['outcome', 'estimate', 'std_error', 'ci_low']
        """
        row = {
            "outcome": self.outcome,
            "estimate": self.estimate,
            "std_error": self.std_error,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "n_treated": self.n_treated,
            "n_control": self.n_control,
            "n_trimmed": self.n_trimmed,
            "method": self.method,
            "inference": self.inference,
        }
        return pd.DataFrame([row], columns=list(TIDY_COLUMNS))

    def __repr__(self) -> str:
        head = f"ATTResult({self.outcome!r}, method={self.method!r}, inference={self.inference!r})"
        return head + "\n" + self.tidy().drop(columns=["outcome"]).to_string(index=False)

    def _html_caption(self) -> str:
        label = METHOD_LABELS.get(self.method, self.method)
        return (
            f"Effect on the treated (observational comparison, not an experiment) on "
            f"<b>{html.escape(self.outcome)}</b>: {html.escape(label)}, "
            f"{html.escape(self.inference)} standard errors, {self.level:.0%} CI"
        )


@dataclass(frozen=True, eq=False)
class OverlapResult(Result):
    """Propensity scores by group and the trimming of :func:`~jbp_analysis.observational.overlap`.

    Attributes
    ----------
    ps
        Fitted scores of the complete rows.
    treated_mask
        True for treated rows.
    keep
        Rows kept by the trimming rule.
    alpha
        Trimming threshold (Crump et al. 2009 with ``trim="crump"``).
    index
        Index labels in ``data`` of the rows in ``ps``.
    notes
        Overlap warnings, in words.
    """

    ps: np.ndarray = field(repr=False)
    treated_mask: np.ndarray = field(repr=False)
    keep: np.ndarray = field(repr=False)
    alpha: float
    index: pd.Index = field(repr=False)
    notes: tuple[str, ...] = ()

    # a description of the propensity scores, not an estimate
    tidy_statistics = ()
    html_float_format = "{:.3g}"

    @property
    def n_trimmed(self) -> int:
        return int((~self.keep).sum())

    def tidy(self) -> pd.DataFrame:
        """Score distribution by group: ``group, n, min, p05, median, p95, max, n_trimmed``."""
        rows = []
        for label, m in (("treated", self.treated_mask), ("control", ~self.treated_mask)):
            p = self.ps[m]
            q = np.quantile(p, [0.0, 0.05, 0.5, 0.95, 1.0])
            rows.append(
                {
                    "group": label,
                    "n": int(m.sum()),
                    "min": q[0],
                    "p05": q[1],
                    "median": q[2],
                    "p95": q[3],
                    "max": q[4],
                    "n_trimmed": int((~self.keep[m]).sum()),
                }
            )
        return pd.DataFrame(rows)

    def plot(self, *, ax=None, bins: int = 40):
        """Histograms of the score by group; see :func:`~jbp_analysis.observational.plot_overlap`."""
        from jbp_analysis.observational.overlap_plot import plot_overlap

        return plot_overlap(self, ax=ax, bins=bins)

    def _html_caption(self) -> str:
        return (
            f"Propensity-score overlap; trimming threshold {self.alpha:.3g}, "
            f"{self.n_trimmed} rows trimmed"
        )
