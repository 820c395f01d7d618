"""The immutable result of an impact estimate."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from jbp_analysis.core.results import Result
from jbp_analysis.estimate.covariance import WaldTest, wald_test
from jbp_analysis.inference.joint import JointTest

__all__ = ["ImpactResult", "TIDY_COLUMNS"]

#: Columns of :meth:`ImpactResult.tidy`, in order.
TIDY_COLUMNS: tuple[str, ...] = (
    "outcome",
    "contrast",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "n_obs",
    "n_clusters",
    "control_mean",
    "control_sd",
    "method",
    "inference",
)


def frozen_array(a: np.ndarray) -> np.ndarray:
    """A read-only float64 copy, for the arrays held by immutable result objects."""
    a = np.array(a, dtype=np.float64, copy=True)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class ImpactResult(Result):
    """Estimated impacts of every treated arm against control, and of every pair of treated arms.

    Built by :func:`~jbp_analysis.estimate.impact`; immutable (arrays are read-only, accessors
    return copies).

    Attributes
    ----------
    outcome, method, inference
        What was estimated, how (``ancova``, ``diff_in_means``, ``did``) and with which inference:
        the ``inference`` column of :meth:`tidy`, the method name (``cr1``, ``hc1``, ``cr2``,
        ``wild``, ``ri``) followed, when ``inference="auto"`` chose it, by the reason, e.g.
        ``"wild (auto: 12 clusters < 50)"``. ``inference_method`` is the bare method name.
    level
        Confidence level of ``ci_low``/``ci_high``.
    df
        Denominator degrees of freedom of joint Wald tests with :attr:`cov` (G - 1 when
        clustered, n - K for HC1).
    contrast_df
        Degrees of freedom of each contrast's t reference: ``df`` for CR1/HC1, Satterthwaite for
        CR2 (also listed in :attr:`notes`), NaN for the wild bootstrap and randomisation
        inference, whose p-values come from their own reference distributions.
    arm_levels
        Control first, then the treated arms.
    contrasts
        Contrast labels, e.g. ``"pendampingan - kontrol"``, ``"pendampingan - karitatif"``.
    n_obs, n_clusters, n_dropped
        Rows used, clusters (``None`` without clustering) and rows dropped as incomplete.
    control_mean, control_sd
        Mean and SD of the outcome in the control arm of the estimation sample (follow-up period
        for ``did``).
    notes
        What the estimator did that a reader should know (dropped collinear covariates, the
        bootstrap used, few treated clusters, ...).
    t_boot, t_draws, cluster_ids
        With ``return_draws=True``: the wild bootstrap t-statistic of every contrast, its
        ``B x m`` bootstrap draws under the null, and the sorted cluster labels of the draws'
        columns (for Romano-Wolf adjustments across outcomes); ``None`` otherwise.
    joint
        The few-cluster joint test that every treated arm equals control
        (:class:`~jbp_analysis.inference.joint.JointTest`: wild bootstrap Wald for ``wild`` and
        ``cr2`` results, randomisation Wald for ``ri``); ``None`` for CR1/HC1 results.
    """

    outcome: str
    method: str
    inference: str
    level: float
    df: float
    arm_levels: tuple[Any, ...]
    coef_names: tuple[str, ...]
    params_array: np.ndarray = field(repr=False)
    cov_array: np.ndarray = field(repr=False)
    contrasts: tuple[str, ...]
    contrast_matrix: np.ndarray = field(repr=False)
    estimate: np.ndarray = field(repr=False)
    std_error: np.ndarray = field(repr=False)
    ci_low: np.ndarray = field(repr=False)
    ci_high: np.ndarray = field(repr=False)
    p_value: np.ndarray = field(repr=False)
    n_obs: int
    n_clusters: int | None
    n_dropped: int
    control_mean: float
    control_sd: float
    absorbed: str = ""
    missing: Mapping[str, int] = field(default_factory=dict, repr=False)
    notes: tuple[str, ...] = ()
    inference_method: str = ""
    contrast_df: np.ndarray | None = field(default=None, repr=False)
    t_boot: np.ndarray | None = field(default=None, repr=False)
    t_draws: np.ndarray | None = field(default=None, repr=False)
    cluster_ids: np.ndarray | None = field(default=None, repr=False)
    joint: Any = field(default=None, repr=False)

    html_drop = ("outcome",)

    def __post_init__(self) -> None:
        if not self.inference_method:
            object.__setattr__(self, "inference_method", self.inference.split(" ")[0])
        if self.contrast_df is None:
            object.__setattr__(self, "contrast_df", np.full(len(self.contrasts), float(self.df)))
        for name in ("t_boot", "t_draws"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, frozen_array(getattr(self, name)))
        if self.cluster_ids is not None:
            ids = np.array(self.cluster_ids, copy=True)
            ids.flags.writeable = False
            object.__setattr__(self, "cluster_ids", ids)
        for name in (
            "params_array",
            "cov_array",
            "contrast_matrix",
            "estimate",
            "std_error",
            "ci_low",
            "ci_high",
            "p_value",
            "contrast_df",
        ):
            object.__setattr__(self, name, frozen_array(getattr(self, name)))
        object.__setattr__(self, "missing", MappingProxyType(dict(self.missing)))

    @property
    def control(self) -> Any:
        """The control category."""
        return self.arm_levels[0]

    @property
    def treated(self) -> tuple[Any, ...]:
        """The treated arms."""
        return self.arm_levels[1:]

    @property
    def params(self) -> pd.Series:
        """Estimated coefficients (absorbed fixed effects are not listed)."""
        return pd.Series(self.params_array, index=list(self.coef_names), name=self.outcome)

    @property
    def cov(self) -> pd.DataFrame:
        """Covariance matrix of :attr:`params` used for inference."""
        names = list(self.coef_names)
        return pd.DataFrame(self.cov_array, index=names, columns=names)

    def tidy(self) -> pd.DataFrame:
        """One row per contrast; columns :data:`TIDY_COLUMNS`.

        Examples
        --------
        >>> from jbp_analysis.estimate import impact
        >>> df = pd.DataFrame({"y": [1.0, 2, 3, 5, 6, 9], "arm": list("ccttuu")})
        >>> impact(df, outcome="y", arm="arm", control="c", method="diff_in_means").tidy()[
        ...     ["contrast", "estimate"]]
          contrast  estimate
        0    t - c       2.5
        1    u - c       6.0
        2    u - t       3.5
        """
        m = len(self.contrasts)
        out = pd.DataFrame(
            {
                "outcome": [self.outcome] * m,
                "contrast": list(self.contrasts),
                "estimate": self.estimate.copy(),
                "std_error": self.std_error.copy(),
                "ci_low": self.ci_low.copy(),
                "ci_high": self.ci_high.copy(),
                "p_value": self.p_value.copy(),
                "n_obs": np.full(m, self.n_obs, dtype=np.int64),
                "n_clusters": pd.array([self.n_clusters] * m, dtype="Int64"),
                "control_mean": np.full(m, self.control_mean),
                "control_sd": np.full(m, self.control_sd),
                "method": [self.method] * m,
                "inference": [self.inference] * m,
            }
        )
        return out[list(TIDY_COLUMNS)]

    def contrast(self, name: str) -> pd.Series:
        """One row of :meth:`tidy` by contrast label."""
        if name not in self.contrasts:
            raise KeyError(f"no contrast {name!r}; have {', '.join(self.contrasts)}")
        return self.tidy().set_index("contrast").loc[name]

    def wald_test(self, contrasts: Sequence[str] | None = None) -> WaldTest | JointTest:
        """Joint test that the named contrasts are all zero (default: every arm vs control).

        The default test of a few-cluster result (``wild``, ``cr2``, ``ri``, including
        ``inference="auto"`` below 50 clusters) is its small-sample-valid joint test
        (:attr:`joint`: the restricted wild bootstrap Wald, Cameron, Gelbach & Miller 2008, or
        the randomisation Wald; ``method`` says which). Otherwise, and for a chosen subset of
        contrasts, an F-test with ``(q, df)`` degrees of freedom using the result's covariance,
        i.e. the clustered Wald test (Cameron & Miller 2015): CR1 for ``cr1``, ``wild`` and
        ``ri`` results, CR2 with ``G - 1`` df for ``cr2`` results.
        """
        if contrasts is None and self.joint is not None:
            return self.joint
        names = (
            list(contrasts) if contrasts is not None else list(self.contrasts[: len(self.treated)])
        )
        rows = [self.contrasts.index(n) for n in names]
        L = self.contrast_matrix[rows]
        return wald_test(self.params_array, self.cov_array, L, df_denom=self.df)

    def __repr__(self) -> str:
        head = (
            f"ImpactResult({self.outcome!r}, method={self.method!r}, inference={self.inference!r}, "
            f"n_obs={self.n_obs}, n_clusters={self.n_clusters})"
        )
        return (
            head
            + "\n"
            + self.tidy().drop(columns=["outcome", "method", "inference"]).to_string(index=False)
        )

    def _html_caption(self) -> str:
        return (
            f"Impact on <b>{html.escape(self.outcome)}</b>: {html.escape(self.method)}, "
            f"{html.escape(self.inference)}, {self.level:.0%} CI; n = {self.n_obs}"
            + (f", {self.n_clusters} clusters" if self.n_clusters is not None else "")
        )
