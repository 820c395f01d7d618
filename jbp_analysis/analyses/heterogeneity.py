"""Heterogeneous treatment effects: effects by subgroup, with the interaction test.

:func:`heterogeneity` fits one pooled regression in which the arm dummies are fully interacted
with the subgroup dummies, for unit i in subgroup s(i), stratum r(i) and cluster g::

    y_i = sum_s sum_k tau_ks T_ki D_si + sum_{s>1} gamma_s D_si
          + rho y0_i + delta m_i + X_i' beta + alpha_r + e_i

``T_k`` are the treated-arm dummies against the control category, ``D_s`` the subgroup dummies,
``y0`` the baseline outcome (0 where missing) with ``m`` its missing dummy (ANCOVA, McKenzie
2012), ``X`` the covariates and ``alpha_r`` the strata fixed effects, all as in
:func:`jbp_analysis.estimate.impact`. ``tau_ks`` is the effect of arm k in subgroup s. The
baseline, covariate and strata coefficients are common to the subgroups (a subgroup that is
nested in the strata, such as the district when randomisation is stratified by district, has
its main effect absorbed by the strata fixed effects).

Inference is cluster-robust at the unit of assignment, with the package's one rule for
``inference="auto"``: the wild cluster bootstrap below 50 clusters (Cameron, Gelbach & Miller
2008), CR1 with Stata's small-sample factor and t with G - 1 degrees of freedom at or above
(Liang & Zeger 1986; Cameron & Miller 2015), HC1 without a cluster column. The interaction test
of each contrast is the joint test that its effect is the same in every subgroup,
``tau_c,s = tau_c,1`` for s = 2..S (S - 1 restrictions): the restricted wild cluster bootstrap
Wald test with few clusters (the CR1 F(S - 1, G - 1) rejected 9% of true nulls at 5% with 12
groups), the Wald F-test otherwise. Report it rather than the pattern of significant subgroup effects: a significant effect
in one subgroup and not in another is not evidence of a difference (Gelman & Stern 2006; Wang,
Lagakos, Ware, Hunter & Drazen 2007).

Subgroups must be defined by pre-treatment characteristics (sex, age group at baseline,
baseline employment status, district): a subgroup defined by a post-treatment variable is not
randomised and its "effects" are not causal (Gerber & Green 2012, ch. 9). :func:`age_group`
cuts ages into labelled bands; :func:`jbp_analysis.outcomes.build.attach_baseline` puts a baseline
status on every wave's row.

References
----------
Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based improvements for
inference with clustered errors. *Review of Economics and Statistics*, 90(3), 414-427.
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources*, 50(2), 317-372.
Gelman, A., & Stern, H. (2006). The difference between "significant" and "not significant" is
not itself statistically significant. *The American Statistician*, 60(4), 328-331.
Gerber, A. S., & Green, D. P. (2012). *Field Experiments: Design, Analysis, and
Interpretation*. W. W. Norton.
Liang, K.-Y., & Zeger, S. L. (1986). Longitudinal data analysis using generalized linear models.
*Biometrika*, 73(1), 13-22.
McKenzie, D. (2012). Beyond baseline and follow-up: the case for more T in experiments.
*Journal of Development Economics*, 99(2), 210-221.
Wang, R., Lagakos, S. W., Ware, J. H., Hunter, D. J., & Drazen, J. M. (2007). Statistics in
medicine: reporting of subgroup analyses in clinical trials. *New England Journal of Medicine*,
357(21), 2189-2194.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.core.results import Result
from jbp_analysis.estimate import contrast_labels
from jbp_analysis.estimate.covariance import (
    InferenceInput,
    InferenceOptions,
    WaldTest,
    inference_label,
    replication_count,
    resolve_inference,
    run_inference,
    wald_test,
)
from jbp_analysis.estimate.design import (
    ModelSpec,
    as_tuple,
    build_design,
    demean,
    numeric,
    present_levels,
    require_columns,
)
from jbp_analysis.estimate.few_clusters import wild_joint_test
from jbp_analysis.estimate.ols import fit_ols
from jbp_analysis.estimate.results import frozen_array
from jbp_analysis.inference import AUTO_WILD_BELOW_CLUSTERS
from jbp_analysis.inference.joint import JointTest
from jbp_analysis.study.design import uses_design

__all__ = [
    "heterogeneity",
    "heterogeneity_table",
    "HeterogeneityResult",
    "HETEROGENEITY_COLUMNS",
    "FEW_CELL_CLUSTERS",
    "age_group",
]

#: Columns of :meth:`HeterogeneityResult.tidy`, in order.
HETEROGENEITY_COLUMNS: tuple[str, ...] = (
    "outcome",
    "subgroup_var",
    "subgroup",
    "contrast",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "n_obs",
    "n_clusters",
    "control_mean",
    "interaction_F",
    "interaction_df",
    "interaction_p",
    "interaction_test",
    "method",
    "inference",
)

#: A demeaned column whose norm falls below this share of its raw norm is collinear with the
#: absorbed fixed effects (the threshold :func:`~jbp_analysis.estimate.design.build_design` uses).
_FE_COLLINEAR = 1e-9

#: Subgroup x arm cells with fewer clusters than this get a note: their effects rest on very
#: few randomised units.
FEW_CELL_CLUSTERS: int = 3


@dataclass(frozen=True, eq=False)
class HeterogeneityResult(Result):
    """Effects of every contrast in every subgroup, with the interaction test per contrast.

    Built by :func:`heterogeneity`; immutable.

    Attributes
    ----------
    outcome, subgroup_var
        The outcome and the column that defines the subgroups.
    subgroups
        Subgroup values, in category (or sorted) order; the first is the reference of the
        interaction test (the test does not depend on which one it is).
    contrasts
        Contrast labels (each treated arm minus control, then each pair of treated arms).
    method, inference, level, df
        ``"ancova"`` (baseline and/or covariates) or ``"diff_in_means"``; the inference label
        (e.g. ``"wild (auto: 12 clusters < 50)"``); the confidence level; the t degrees of
        freedom of the Wald F-tests (G - 1).
    joint_tests
        With few-cluster inference (``wild``, ``cr2``): the wild bootstrap Wald interaction test
        of every contrast (keyed by its label) and of all treated arms at once (key ``"all"``).
    contrast_matrix
        Rows over :attr:`params`, contrast-major: row ``c * S + s`` is contrast c in subgroup s.
    n_obs, n_clusters, n_dropped
        Rows used, clusters, and rows dropped for a missing model variable (or subgroup).
    """

    outcome: str
    subgroup_var: str
    subgroups: tuple[Any, ...]
    contrasts: tuple[str, ...]
    arm_levels: tuple[Any, ...]
    method: str
    inference: str
    level: float
    df: float
    coef_names: tuple[str, ...]
    params_array: np.ndarray = field(repr=False)
    cov_array: np.ndarray = field(repr=False)
    contrast_matrix: np.ndarray = field(repr=False)
    estimate: np.ndarray = field(repr=False)
    std_error: np.ndarray = field(repr=False)
    ci_low: np.ndarray = field(repr=False)
    ci_high: np.ndarray = field(repr=False)
    p_value: np.ndarray = field(repr=False)
    subgroup_n_obs: tuple[int, ...] = ()
    subgroup_n_clusters: tuple[int | None, ...] = ()
    subgroup_control_mean: tuple[float, ...] = ()
    n_obs: int = 0
    n_clusters: int | None = None
    n_dropped: int = 0
    absorbed: str = ""
    missing: Mapping[str, int] = field(default_factory=dict, repr=False)
    notes: tuple[str, ...] = ()
    joint_tests: Mapping[str, JointTest] = field(default_factory=dict, repr=False)

    html_drop = ("outcome", "subgroup_var", "method", "inference")

    def __post_init__(self) -> None:
        object.__setattr__(self, "joint_tests", MappingProxyType(dict(self.joint_tests)))
        for name in (
            "params_array",
            "cov_array",
            "contrast_matrix",
            "estimate",
            "std_error",
            "ci_low",
            "ci_high",
            "p_value",
        ):
            object.__setattr__(self, name, frozen_array(getattr(self, name)))
        object.__setattr__(self, "missing", MappingProxyType(dict(self.missing)))

    @property
    def n_sub(self) -> int:
        """Number of subgroups."""
        return len(self.subgroups)

    @property
    def treated(self) -> tuple[Any, ...]:
        """The treated arms."""
        return self.arm_levels[1:]

    @property
    def params(self) -> pd.Series:
        """Estimated coefficients of the interacted model (absorbed fixed effects not listed)."""
        return pd.Series(self.params_array, index=list(self.coef_names), name=self.outcome)

    @property
    def cov(self) -> pd.DataFrame:
        """Covariance matrix of :attr:`params` (CR1 or HC1)."""
        names = list(self.coef_names)
        return pd.DataFrame(self.cov_array, index=names, columns=names)

    def interaction_test(self, contrasts: Sequence[str] | None = None) -> WaldTest | JointTest:
        """Joint test that the named contrasts' effects are equal across subgroups.

        With one contrast this is the ``interaction_F``/``interaction_p`` of :meth:`tidy`; the
        default (every treated arm against control) tests ``(K - 1)(S - 1)`` restrictions at
        once: is there any heterogeneity by this subgroup at all?

        With few-cluster inference (``wild``/``cr2``, and ``"auto"`` below 50 clusters) the
        test of one contrast and the default test are the restricted wild cluster bootstrap
        Wald tests computed by :func:`heterogeneity` (``method == "wild"``); the CR1 Wald F
        with F(q, G - 1) over-rejects with few clusters (9% at 5% with 12 groups). Other sets
        of contrasts get the CR1 Wald F.

        Examples
        --------
        >>> rng = np.random.default_rng(1)  # 60 groups of 10, randomised to three arms
        >>> df = pd.DataFrame({"cluster": np.repeat(np.arange(60), 10), "y0": rng.normal(size=600)})
        >>> df["arm"] = np.array(["kontrol", "karitatif", "pendampingan"])[df["cluster"] % 3]
        >>> effect = df["arm"].map({"kontrol": 0.0, "karitatif": 0.2, "pendampingan": 0.5})
        >>> shock = rng.normal(0, 0.5, 60)[df["cluster"]]  # a shock per group
        >>> df["y"] = effect + 0.6 * df["y0"] + shock + rng.normal(size=600)
        >>> df["half"] = np.where(df.index % 2 == 0, "a", "b")
        >>> res = heterogeneity(df, outcome="y", arm="arm", control="kontrol", by="half",
        ...                     baseline="y0", cluster="cluster")
        >>> res.interaction_test().df_num
        2
        """
        names = (
            list(contrasts) if contrasts is not None else list(self.contrasts[: len(self.treated)])
        )
        unknown = [n for n in names if n not in self.contrasts]
        if unknown:
            raise KeyError(f"no contrast {unknown[0]!r}; have {', '.join(self.contrasts)}")
        key = "all" if contrasts is None else (names[0] if len(names) == 1 else None)
        if key is not None and key in self.joint_tests:
            return self.joint_tests[key]
        return wald_test(
            self.params_array, self.cov_array, interaction_rows(self, names), df_denom=self.df
        )

    def tidy(self) -> pd.DataFrame:
        """One row per contrast and subgroup; columns :data:`HETEROGENEITY_COLUMNS`.

        ``interaction_F``/``interaction_df``/``interaction_p`` repeat, on every subgroup row of
        a contrast, the test that the contrast's effect is equal in all subgroups.

        Examples
        --------
        >>> rng = np.random.default_rng(1)  # 60 groups of 10, randomised to three arms
        >>> df = pd.DataFrame({"cluster": np.repeat(np.arange(60), 10), "y0": rng.normal(size=600)})
        >>> df["arm"] = np.array(["kontrol", "karitatif", "pendampingan"])[df["cluster"] % 3]
        >>> effect = df["arm"].map({"kontrol": 0.0, "karitatif": 0.2, "pendampingan": 0.5})
        >>> shock = rng.normal(0, 0.5, 60)[df["cluster"]]  # a shock per group
        >>> df["y"] = effect + 0.6 * df["y0"] + shock + rng.normal(size=600)
        >>> df["sex"] = np.where(df.index % 2 == 0, "female", "male")
        >>> res = heterogeneity(df, outcome="y", arm="arm", control="kontrol", by="sex",
        ...                     baseline="y0", cluster="cluster")
        >>> res.tidy()[["subgroup", "contrast"]].head(2).values.tolist()
        [['female', 'karitatif - kontrol'], ['male', 'karitatif - kontrol']]
        """
        S, m = self.n_sub, len(self.contrasts)
        tests = [self.interaction_test([c]) for c in self.contrasts]
        out = pd.DataFrame(
            {
                "outcome": [self.outcome] * (m * S),
                "subgroup_var": [self.subgroup_var] * (m * S),
                "subgroup": [str(s) for s in self.subgroups] * m,
                "contrast": np.repeat(list(self.contrasts), S).tolist(),
                "estimate": self.estimate.copy(),
                "std_error": self.std_error.copy(),
                "ci_low": self.ci_low.copy(),
                "ci_high": self.ci_high.copy(),
                "p_value": self.p_value.copy(),
                "n_obs": np.tile(np.asarray(self.subgroup_n_obs, dtype=np.int64), m),
                "n_clusters": pd.array(list(self.subgroup_n_clusters) * m, dtype="Int64"),
                "control_mean": np.tile(np.asarray(self.subgroup_control_mean, float), m),
                "interaction_F": np.repeat([t.statistic for t in tests], S),
                "interaction_df": np.repeat([t.df_num for t in tests], S).astype(np.int64),
                "interaction_p": np.repeat([t.p_value for t in tests], S),
                "interaction_test": np.repeat([_test_label(t) for t in tests], S).tolist(),
                "method": [self.method] * (m * S),
                "inference": [self.inference] * (m * S),
            }
        )
        return out[list(HETEROGENEITY_COLUMNS)]

    def __repr__(self) -> str:
        head = (
            f"HeterogeneityResult({self.outcome!r} by {self.subgroup_var!r}, method="
            f"{self.method!r}, inference={self.inference!r}, n_obs={self.n_obs}, "
            f"n_clusters={self.n_clusters})"
        )
        body = self.tidy().drop(columns=["outcome", "subgroup_var", "method", "inference"])
        return head + "\n" + body.to_string(index=False)

    def _html_caption(self) -> str:
        return (
            f"Impact on <b>{html.escape(self.outcome)}</b> by "
            f"<b>{html.escape(self.subgroup_var)}</b>: {html.escape(self.method)}, "
            f"{html.escape(self.inference)}, {self.level:.0%} CI; n = {self.n_obs}"
            + (f", {self.n_clusters} clusters" if self.n_clusters is not None else "")
            + "; interaction p: equal effect in every subgroup"
        )


def interaction_rows(res: HeterogeneityResult, names: Sequence[str]) -> np.ndarray:
    """Restriction rows ``tau_c,s - tau_c,1 = 0`` (s = 2..S) for the named contrasts."""
    S = res.n_sub
    rows = []
    for name in names:
        c = res.contrasts.index(name)
        first = res.contrast_matrix[c * S]
        rows += [res.contrast_matrix[c * S + s] - first for s in range(1, S)]
    return np.array(rows)


def _test_label(test: WaldTest | JointTest) -> str:
    if isinstance(test, JointTest):
        return test.label
    return f"F({test.df_num}, {test.df_denom:g})"


def _check_cells(
    sub: pd.DataFrame,
    *,
    by: str,
    arm: str,
    cluster: str | None,
    subgroups: Sequence[Any],
    arms: Sequence[Any],
) -> list[str]:
    """Every subgroup needs clusters of every arm; return a note on thin cells."""
    keys = [by, arm]
    if cluster is None:
        counts = sub.groupby(keys, observed=True, sort=False).size()
    else:
        counts = (
            sub[[by, arm, cluster]]
            .drop_duplicates()
            .groupby(keys, observed=True, sort=False)
            .size()
        )
    full = pd.MultiIndex.from_product([list(subgroups), list(arms)], names=keys)
    n = counts.reindex(full, fill_value=0)
    unit = "rows" if cluster is None else f"clusters ({cluster})"
    for (s, a), count in n.items():  # loop over the few subgroup x arm cells
        if count == 0:
            role = "control" if a == arms[0] else "treated"
            raise JBPInputError(
                f"subgroup {s!r} has no {role} {unit} of arm {a!r} in the estimation sample, so "
                "its effects cannot be estimated",
                column=by,
                hint="Merge it with another subgroup or drop its rows.",
            )
    thin = [f"{s}/{a}: {int(c)}" for (s, a), c in n.items() if c < FEW_CELL_CLUSTERS]
    if thin and cluster is not None:
        return [
            f"subgroup x arm cells with fewer than {FEW_CELL_CLUSTERS} clusters: " + "; ".join(thin)
        ]
    return []


@uses_design
def heterogeneity(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: Any,
    by: str,
    baseline: str | None = None,
    covariates: str | Sequence[str] = (),
    strata: str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    level: float = 0.95,
    inference: Literal["auto", "cr1", "hc1", "cr2", "wild"] | None = "auto",
    few_cluster_threshold: int = AUTO_WILD_BELOW_CLUSTERS,
    draws: int = 9999,
    bootstrap_weights: Literal["rademacher", "webb"] = "rademacher",
    seed: int = 0,
) -> HeterogeneityResult:
    """Estimate every contrast's effect in every subgroup of ``by``, and test their equality.

    One pooled regression of the outcome on the arm dummies fully interacted with the subgroup
    dummies, plus the subgroup main effects, the baseline outcome and its missing dummy
    (McKenzie 2012), the covariates and the strata fixed effects (see the module docstring for
    the equation). Inference as :func:`~jbp_analysis.estimate.impact` gives it; with
    ``inference="auto"`` the same rule: the wild cluster bootstrap below ``few_cluster_threshold``
    (50) clusters, CR1 at or above (Cameron & Miller 2015). The interaction test of each contrast is the joint test that
    its effect is the same in every subgroup (Wang et al. 2007): the restricted wild cluster
    bootstrap Wald test with few-cluster inference (Cameron, Gelbach & Miller 2008), the CR1
    Wald F-test otherwise.

    Length: the interacted design (arm x subgroup columns, the within-strata transformation,
    collinearity checks) and its contrast matrix share one complete-case frame and one column
    bookkeeping.

    Parameters
    ----------
    data
        Any DataFrame, one row per unit (analyse one wave at a time).
    outcome, arm, control, baseline, covariates, strata, cluster, weights, level
        As in :func:`jbp_analysis.estimate.impact`.
    by
        The subgroup column (text, categorical, boolean or a few numeric codes), e.g. ``"sex"``,
        an :func:`age_group` column, a baseline employment status from
        :func:`jbp_analysis.outcomes.build.attach_baseline`, or ``"district_code"``. Rows where it is
        missing are dropped (and counted in ``n_dropped``).
    inference
        ``"auto"`` (default; :func:`jbp_analysis.estimate.covariance.resolve_inference`: wild
        below 50 clusters, CR1 at or above, HC1 without a cluster column), ``None`` (CR1 or
        HC1), ``"cr1"``, ``"hc1"``, ``"wild"`` (subgroup effects: wild bootstrap p-values and
        intervals, CR1 standard errors) or ``"cr2"`` (CR2 with Satterthwaite df). With ``"wild"``
        and ``"cr2"`` the interaction tests are wild bootstrap Wald tests. Randomisation
        inference is not offered: the null of equal effects across subgroups is not sharp.
    few_cluster_threshold
        Fewest clusters for CR1 under ``inference="auto"``, as in
        :func:`~jbp_analysis.estimate.impact` (the plan's ``models.few_cluster_threshold``).
    draws, bootstrap_weights, seed
        Wild bootstrap draws (all ``2**G`` sign vectors when ``G <= 12``), weights and seed, as
        in :func:`~jbp_analysis.estimate.impact`.

    Returns
    -------
    HeterogeneityResult
        ``tidy()``: one row per contrast and subgroup.

    Raises
    ------
    JBPInputError
        Unknown column (the subgroup column included); a subgroup column with fewer than two
        values; a subgroup with no control or no treated clusters of some arm; and everything
        :func:`~jbp_analysis.estimate.impact` rejects.
    ConfigError
        Bad level or inference; ``by`` equal to the outcome or the arm.

    Examples
    --------
    >>> rng = np.random.default_rng(2)  # 60 groups of 10, randomised to three arms
    >>> df = pd.DataFrame({"cluster": np.repeat(np.arange(60), 10), "y0": rng.normal(size=600)})
    >>> df["arm"] = np.array(["kontrol", "karitatif", "pendampingan"])[df["cluster"] % 3]
    >>> effect = df["arm"].map({"kontrol": 0.0, "karitatif": 0.2, "pendampingan": 0.5})
    >>> shock = rng.normal(0, 0.5, 60)[df["cluster"]]  # a shock per group
    >>> df["y"] = effect + 0.6 * df["y0"] + shock + rng.normal(size=600)
    >>> df["stratum"] = df["cluster"] % 2
    >>> df["sex"] = np.where(df.index % 2 == 0, "female", "male")
    >>> df["y"] += np.where((df["sex"] == "female") & (df["arm"] == "pendampingan"), 1.0, 0.0)
    >>> res = heterogeneity(df, outcome="y", arm="arm", control="kontrol", by="sex",
    ...                     baseline="y0", strata="stratum", cluster="cluster")
    >>> t = res.tidy().set_index(["contrast", "subgroup"])
    >>> bool(t.loc[("pendampingan - kontrol", "female"), "interaction_p"] < 0.01)
    True
    """
    if not isinstance(data, pd.DataFrame):
        raise JBPInputError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if not (0.0 < float(level) < 1.0):
        raise ConfigError(f"level must lie strictly between 0 and 1, not {level!r}")
    if inference not in (None, "auto", "cr1", "hc1", "cr2", "wild"):
        raise ConfigError(
            f"unknown inference {inference!r}; choose one of: auto, cr1, hc1, cr2, wild "
            "(randomisation inference cannot test equal effects across subgroups: that null is "
            "not sharp)"
        )
    if inference == "cr1" and cluster is None:
        raise ConfigError("inference='cr1' needs a cluster column (cluster=...)")
    options = InferenceOptions(
        bootstrap_draws=replication_count(draws),
        bootstrap_weights=bootstrap_weights,
        seed=seed,
    )
    covariates = as_tuple(covariates)
    require_columns(
        data,
        [
            ("subgroup (by)", by),
            ("outcome", outcome),
            ("arm", arm),
            ("baseline", baseline),
            ("strata", strata),
            ("cluster", cluster),
            ("weights", weights),
            *[("covariates", c) for c in covariates],
        ],
    )
    if by in (outcome, arm):
        raise ConfigError(f"the subgroup column {by!r} must differ from the outcome and the arm")

    # complete cases first, so that build_design drops nothing and rows stay aligned
    needed = list(
        dict.fromkeys(c for c in (outcome, arm, by, *covariates, strata, cluster, weights) if c)
    )
    valid = data[needed].notna()
    missing = {c: int((~valid[c]).sum()) for c in needed if (~valid[c]).any()}
    sub = data.loc[valid.all(axis=1).to_numpy()].reset_index(drop=True)
    if sub.empty:
        raise JBPInputError(
            f"no row has all the variables the model needs (missing values per column: {missing})",
            column=outcome,
        )
    method = "ancova" if (baseline is not None or covariates) else "diff_in_means"
    spec = ModelSpec(
        outcome=outcome,
        arm=arm,
        control=control,
        baseline=baseline,
        covariates=covariates,
        strata=strata,
        cluster=cluster,
        method="ancova",
        weights=weights,
    )
    design = build_design(sub, spec)
    if design.n_dropped:  # pragma: no cover - the complete-case filter above rules it out
        raise RuntimeError("internal error: the design dropped rows after the complete-case filter")

    subgroups = present_levels(sub[by])
    if len(subgroups) < 2:
        raise JBPInputError(
            f"subgroup column has {len(subgroups)} value(s) "
            f"({', '.join(map(repr, subgroups))}) in the estimation sample; heterogeneity needs "
            "at least two subgroups",
            column=by,
        )
    notes = list(design.notes)
    notes += _check_cells(
        sub, by=by, arm=arm, cluster=cluster, subgroups=subgroups, arms=design.arm_levels
    )

    # raw interaction and subgroup columns, then the same within transformation as the design
    s_codes = pd.Categorical(sub[by], categories=subgroups).codes
    a_codes = design.arm_codes
    treated = design.treated
    S, K = len(subgroups), len(treated)
    raw = np.zeros((len(sub), K * S + S - 1), order="F")
    names: list[str] = []
    for k, a in enumerate(treated, start=1):
        for s, lev in enumerate(subgroups):
            raw[:, (k - 1) * S + s] = (a_codes == k) & (s_codes == s)
            names.append(f"{a} x {by}[{lev}]")
    for s in range(1, S):
        raw[:, K * S + s - 1] = s_codes == s
        names.append(f"{by}[{subgroups[s]}]")
    w = None if weights is None else numeric(sub[weights], role="weights")
    if design.strata_codes is not None:
        groups = design.strata_codes
    else:
        groups = np.zeros(len(sub), dtype=np.int64)
    Xt = demean(raw, groups, int(groups.max()) + 1, w)
    raw_w = raw
    if w is not None:
        Xt *= np.sqrt(w)[:, None]
        raw_w = raw * np.sqrt(w)[:, None]
    raw_norm = np.sqrt((raw_w**2).sum(axis=0))
    gone = np.sqrt((Xt**2).sum(axis=0)) <= _FE_COLLINEAR * np.where(raw_norm > 0, raw_norm, 1.0)
    if gone[: K * S].any():
        bad = [names[j] for j in np.flatnonzero(gone[: K * S])]
        raise JBPInputError(
            f"treatment column(s) {', '.join(bad)} are collinear with the {design.absorbed}: "
            "the arm does not vary within them in that subgroup",
            column=by,
        )
    if gone.any():
        notes.append(
            f"subgroup main effects absorbed by the {design.absorbed}: "
            + ", ".join(names[j] for j in np.flatnonzero(gone))
        )
    keep = np.flatnonzero(~gone)
    X = np.column_stack([Xt[:, keep], design.X[:, K:]])
    fit = fit_ols(X, design.y, names=[names[j] for j in keep] + list(design.names[K:]))
    lost = [n for n in names[: K * S] if n not in fit.names]
    if lost:
        raise JBPInputError(
            f"treatment column(s) {', '.join(lost)} are collinear with the other regressors "
            "(a covariate duplicates the arm or the subgroup?)",
            column=by,
        )
    if fit.dropped:
        notes.append(f"dropped (collinear): {', '.join(fit.dropped)}")

    labels = contrast_labels(design.arm_levels)
    L = np.zeros((len(labels) * S, fit.k))
    position = {n: j for j, n in enumerate(fit.names)}
    for c, (_, plus, minus) in enumerate(labels):
        for s in range(S):
            L[c * S + s, position[names[plus * S + s]]] = 1.0
            if minus >= 0:
                L[c * S + s, position[names[minus * S + s]]] = -1.0
    chosen = resolve_inference(
        inference, n_clusters=design.n_clusters, auto_wild_below=few_cluster_threshold
    )
    inp = InferenceInput(
        fit=fit,
        L=L,
        clusters=design.clusters,
        n_clusters=design.n_clusters,
        n_absorbed=design.n_absorbed,
        level=float(level),
        design=design,
        options=options,
        labels=tuple(f"{lab} [{lev}]" for lab, _, _ in labels for lev in subgroups),
    )
    inf = run_inference(chosen, inp)
    notes += list(inf.notes)
    joint: dict[str, JointTest] = {}
    if chosen in ("wild", "cr2"):
        contrast_names = [lab for lab, _, _ in labels]
        shell = _Rows(contrast_names, S, L)
        for name in contrast_names:
            joint[name] = wild_joint_test(inp, interaction_rows(shell, [name]))
        joint["all"] = wild_joint_test(inp, interaction_rows(shell, contrast_names[:K]))
        notes.append(
            "interaction tests: restricted wild cluster bootstrap Wald (Cameron, Gelbach & "
            f"Miller 2008), {joint['all'].label}"
        )

    y_raw = numeric(sub[outcome], role="outcome")
    control_rows = a_codes == 0
    n_sub, g_sub, cm_sub = [], [], []
    for s in range(S):  # loop over the few subgroups
        rows = s_codes == s
        n_sub.append(int(rows.sum()))
        g_sub.append(None if cluster is None else int(sub.loc[rows, cluster].nunique()))
        cm_rows = rows & control_rows
        if w is None:
            cm_sub.append(float(y_raw[cm_rows].mean()))
        else:
            cm_sub.append(float(np.average(y_raw[cm_rows], weights=w[cm_rows])))
    return HeterogeneityResult(
        outcome=outcome,
        subgroup_var=by,
        subgroups=tuple(subgroups),
        contrasts=tuple(lab for lab, _, _ in labels),
        arm_levels=design.arm_levels,
        method=method,
        inference=inference_label(
            inference,
            inf.name,
            n_clusters=design.n_clusters,
            auto_wild_below=few_cluster_threshold,
        ),
        level=float(level),
        df=inf.df,
        coef_names=fit.names,
        params_array=fit.params,
        cov_array=inf.cov,
        contrast_matrix=L,
        estimate=inf.estimate,
        std_error=inf.std_error,
        ci_low=inf.ci_low,
        ci_high=inf.ci_high,
        p_value=inf.p_value,
        subgroup_n_obs=tuple(n_sub),
        subgroup_n_clusters=tuple(g_sub),
        subgroup_control_mean=tuple(cm_sub),
        n_obs=design.n_obs,
        n_clusters=design.n_clusters,
        n_dropped=len(data) - design.n_obs,
        absorbed=design.absorbed,
        missing=missing,
        notes=tuple(notes),
        joint_tests=joint,
    )


@dataclass(frozen=True)
class _Rows:
    """The attributes :func:`interaction_rows` reads, before the result exists."""

    contrasts: tuple[str, ...] | list[str]
    n_sub: int
    contrast_matrix: np.ndarray


def heterogeneity_table(
    data: pd.DataFrame,
    *,
    outcomes: str | Sequence[str],
    by: str | Sequence[str],
    baseline: str | Mapping[str, str] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Run :func:`heterogeneity` for every outcome and subgroup column and stack the tidy frames.

    Parameters
    ----------
    data
        Any DataFrame.
    outcomes
        Outcome column(s).
    by
        Subgroup column(s).
    baseline
        Baseline column per outcome: a mapping, or a pattern with ``{outcome}`` such as
        ``"{outcome}_bl"`` (the names :func:`jbp_analysis.outcomes.build.attach_baseline` writes).
    **options
        Passed to :func:`heterogeneity` (``arm``, ``control``, ``strata``, ``cluster``...).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HETEROGENEITY_COLUMNS`; outcomes, then subgroup columns, in the order
        given.

    Examples
    --------
    >>> rng = np.random.default_rng(1)  # 60 groups of 10, randomised to three arms
    >>> df = pd.DataFrame({"cluster": np.repeat(np.arange(60), 10), "y0": rng.normal(size=600)})
    >>> df["arm"] = np.array(["kontrol", "karitatif", "pendampingan"])[df["cluster"] % 3]
    >>> effect = df["arm"].map({"kontrol": 0.0, "karitatif": 0.2, "pendampingan": 0.5})
    >>> shock = rng.normal(0, 0.5, 60)[df["cluster"]]  # a shock per group
    >>> df["y"] = effect + 0.6 * df["y0"] + shock + rng.normal(size=600)
    >>> df["sex"] = np.where(df.index % 2 == 0, "female", "male")
    >>> df["old"] = rng.random(600) < 0.5
    >>> t = heterogeneity_table(df, outcomes="y", by=["sex", "old"], arm="arm",
    ...                         control="kontrol", cluster="cluster")
    >>> t.groupby("subgroup_var", sort=False).size().to_dict()
    {'sex': 6, 'old': 6}
    """
    outs = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    bys = [by] if isinstance(by, str) else list(by)
    if not outs or not bys:
        raise ConfigError("heterogeneity_table needs at least one outcome and one subgroup column")
    frames = []
    for outcome in outs:
        if baseline is None:
            base = None
        elif isinstance(baseline, Mapping):
            base = baseline.get(outcome)
        elif "{outcome}" in baseline:
            base = baseline.format(outcome=outcome)
        else:
            raise ConfigError(
                "baseline for heterogeneity_table must be a mapping {outcome: column} or a "
                "pattern such as '{outcome}_bl'"
            )
        for col in bys:
            res = heterogeneity(data, outcome=outcome, by=col, baseline=base, **options)
            frames.append(res.tidy())
    return pd.concat(frames, ignore_index=True)


def age_group(
    age: pd.Series | Sequence[float],
    *,
    edges: Sequence[int] = (16, 20, 25, 31),
) -> pd.Series:
    """Cut ages (whole years) into labelled bands ``[edges[i], edges[i+1])``, e.g. ``"16-19"``.

    The default bands (16-19, 20-24, 25-30) cover the JBP target group (16-30). Ages outside the
    bands become missing, so :func:`heterogeneity` drops (and counts) them; use baseline age so
    the subgroup is pre-treatment.

    Examples
    --------
    >>> age_group(pd.Series([16, 19, 20, 30, 31])).tolist()
    ['16-19', '16-19', '20-24', '25-30', nan]
    """
    edges = [int(e) for e in edges]
    if len(edges) < 3 or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ConfigError(
            f"age edges must be at least three increasing whole numbers, got {list(edges)}"
        )
    values = pd.Series(age)
    numeric_age = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    labels = [f"{a}-{b - 1}" for a, b in zip(edges, edges[1:], strict=False)]
    cut = pd.cut(numeric_age, bins=edges, right=False, labels=labels)
    return pd.Series(cut, index=values.index, name=f"{values.name or 'age'}_group")
