"""The report's analysis calls, made safe for small districts: what cannot be estimated says so.

A district report rests on few groups (kelompok): 12 in the sample, 6 in a small district, so
2 per arm. Some statistics do not exist with so few clusters, and the report must then say "not
estimable with this few groups" instead of failing or printing nonsense:

* The joint F-test of orthogonality in a balance table (Bruhn & McKenzie 2009) regresses the arm
  dummy on ``k`` baseline variables and tests all ``k`` coefficients with a cluster-robust (CR1)
  covariance. That covariance is a sum over the ``G`` clusters' score vectors, which sum to zero
  within each of the ``S`` strata once the intercept / strata effects are absorbed, so its rank
  is at most ``G - S`` (Cameron & Miller 2015, section VI.A). With ``G - S < k`` the Wald matrix is
  singular: the test does not exist (NumPy either raises ``LinAlgError`` or returns a meaningless
  F of order 1e15). :func:`balance_view` checks the rank condition first and then reports the
  per-variable differences (each a test of one coefficient, which needs only ``G - S >= 1``) and
  marks the joint test as not estimable. Where the test exists, its F(k, G - 1) p-value still
  over-rejects badly when ``k`` is close to ``G`` (Pustejovsky & Tipton 2018): in the sample's
  districts (8 groups per pair, 6 variables) it gave p < 0.001 where re-randomising the groups
  gives p = 0.06. The report therefore shows the randomisation p-value of
  :func:`jbp_analysis.inference.joint.randomization_balance_test` (Fisher 1935; Young 2019).
* An impact regression fails when a subgroup lacks an arm or an outcome is missing everywhere;
  :func:`estimate_impacts` turns those failures into rows flagged ``estimable = False``.

References
----------
Bruhn, M., & McKenzie, D. (2009). In pursuit of balance: randomization in practice in development
field experiments. *AEJ: Applied Economics*, 1(4), 200-232.
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources*, 50(2), 317-372.
Fisher, R. A. (1935). *The Design of Experiments*. Oliver & Boyd.
MacKinnon, J. G., & Webb, M. D. (2017). Wild bootstrap inference for wildly different cluster
sizes. *Journal of Applied Econometrics*, 32(2), 233-254.
Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for cluster-robust variance
estimation and hypothesis testing in fixed effects models. *JBES*, 36(4), 672-683.
Young, A. (2019). Channeling Fisher: randomization tests and the statistical insignificance of
seemingly significant experimental results. *QJE*, 134(2), 557-598.

Examples
--------
>>> import numpy as np
>>> g = np.repeat(np.arange(6), 10)  # 6 groups: 2 per arm
>>> rng = np.random.default_rng(1)
>>> df = pd.DataFrame({"arm": np.array(["kontrol", "karitatif", "pendampingan"])[g % 3],
...                    "group_id": g, "age": rng.normal(22, 3, 60), "size": rng.poisson(4, 60),
...                    "female": rng.random(60) < .5, "income": rng.normal(2e6, 5e5, 60)})
>>> view = balance_view(df, variables=["age", "size", "female", "income"], arm="arm",
...                     control="kontrol", cluster="group_id", n_perm=99)
>>> view.ftest[["contrast", "n_clusters", "estimable"]].values.tolist()[0]
['karitatif - kontrol', 4, False]
>>> len(view.tidy)  # every per-variable difference is still there
12
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.report.contrasts import control_arm
from jbp_analysis.study.codebook import load_codebook
from jbp_analysis.study.plan import default_plan

__all__ = [
    "PLAN",
    "REPORT_OUTCOMES",
    "BALANCE_VARIABLES",
    "BalanceView",
    "balance_view",
    "joint_test_estimable",
    "estimate_impacts",
    "estimate_heterogeneity",
    "attrition_view",
    "AttritionView",
    "roster_by_group",
    "cost_per_participant_view",
    "covariate_columns",
    "PRIMARY_OUTCOMES",
    "COVARIATES",
    "HETEROGENEITY",
    "ATTRITION_THRESHOLD",
    "LEE_DRAWS",
]

#: The study's analysis plan (``study/analysis_plan.yaml``, or ``$JBP_STUDY``), read when the
#: report starts: the plan, not this module, says what every report estimates.
PLAN = default_plan()

#: The outcomes every report estimates, by family (from the plan's ``outcomes`` section).
REPORT_OUTCOMES: dict[str, list[str]] = PLAN.report_outcomes

#: Baseline characteristics in the balance table (the plan's ``balance.variables``).
BALANCE_VARIABLES: tuple[str, ...] = PLAN.balance_variables

#: The primary outcomes (Lee bounds are reported for each of them).
PRIMARY_OUTCOMES: tuple[str, ...] = tuple(o.name for o in PLAN.outcomes if o.primary)

#: Pre-specified baseline covariates of the primary ANCOVA (the plan's ``models.covariates``),
#: entered at their baseline values (``{name}_bl``); every impact table has a robustness
#: version without them.
COVARIATES: tuple[str, ...] = PLAN.covariates

#: Subgroup dimensions for heterogeneity (the plan's ``heterogeneity.dimensions``).
HETEROGENEITY: tuple[str, ...] = PLAN.heterogeneity

#: Differential attrition (largest difference in response rates between two arms, in a wave)
#: above which a report shows Lee bounds for every primary outcome at that wave (the plan's
#: ``attrition.differential_threshold``).
ATTRITION_THRESHOLD: float = PLAN.attrition_threshold

#: Bootstrap replications of the clustered Lee-bound intervals in reports.
LEE_DRAWS: int = 499


def _plan_options(**given: Any) -> dict[str, Any]:
    """The named model options, each the caller's value or, when ``None``, the plan's.

    Reads :data:`PLAN` at call time, so a report follows the plan it was started with.

    Examples
    --------
    >>> _plan_options(level=None, draws=999) == {"level": PLAN.level, "draws": 999}
    True
    """
    return {k: getattr(PLAN, k) if v is None else v for k, v in given.items()}


_FTEST_COLUMNS = [
    "contrast",
    "f_statistic",
    "df_num",
    "df_denom",
    "p_value",
    "p_value_f",
    "n_perm",
    "n_obs",
    "n_clusters",
    "n_strata",
    "estimable",
]


def joint_test_estimable(n_clusters: int, n_strata: int, n_variables: int) -> bool:
    """Whether a clustered joint test of ``n_variables`` coefficients exists: ``G - S >= k``.

    Examples
    --------
    >>> joint_test_estimable(4, 1, 6), joint_test_estimable(8, 1, 6)
    (False, True)
    """
    return int(n_clusters) - int(n_strata) >= int(n_variables)


@dataclass(frozen=True)
class BalanceView:
    """A balance table for a report: means by arm, pairwise differences, joint tests.

    ``ftest`` has one row per pair of arms with ``estimable``; where it is ``False`` the F
    statistic and p-value are missing (the test does not exist with this few groups).
    """

    variables: tuple[str, ...]
    by_arm: pd.DataFrame
    tidy: pd.DataFrame
    ftest: pd.DataFrame

    @property
    def all_estimable(self) -> bool:
        return bool(self.ftest["estimable"].all())

    def _repr_html_(self) -> str:
        return self.tidy.to_html(index=False) + self.ftest.to_html(index=False)


def _pair_counts(
    data: pd.DataFrame, *, arm: str, levels: Sequence[Any], cluster: str, strata: str | None
) -> dict[tuple[Any, Any], tuple[int, int]]:
    out = {}
    for i, a in enumerate(levels):
        for b in levels[i + 1 :]:
            sub = data[data[arm].isin([a, b]).to_numpy(dtype=bool)]
            g = int(sub[cluster].nunique())
            s = int(sub[strata].nunique()) if strata is not None else 1
            out[(a, b)] = (g, s)
    return out


def _joint_test_row(
    data: pd.DataFrame,
    *,
    variables: Sequence[str],
    arm: str,
    a: Any,
    b: Any,
    cluster: str,
    strata: str | None,
    n_perm: int,
    seed: int,
) -> dict[str, Any]:
    """The ``ftest`` columns of the joint orthogonality test of arms ``a`` vs ``b``.

    The rows of the two arms with every variable, a group and a stratum go to
    :func:`jbp_analysis.inference.joint.randomization_balance_test` (the CR1 Wald F of the arm
    dummy on the variables, strata absorbed, against ``n_perm`` re-randomisations of the
    groups' arms within strata). The reports draw with ``sampler="sequential"`` and never
    enumerate, as they always have, so their p-values do not change:
    ``p = (1 + #{F_perm >= F}) / (n_perm + 1)``.
    """
    from jbp_analysis.estimate.design import numeric
    from jbp_analysis.inference.joint import randomization_balance_test

    sub = data.loc[data[arm].isin([a, b]).to_numpy(dtype=bool)]
    X = np.column_stack([numeric(sub[v], role="balance variable") for v in variables])
    ok = ~np.isnan(X).any(axis=1) & sub[cluster].notna().to_numpy()
    if strata is not None:
        ok &= sub[strata].notna().to_numpy()
    sub, X = sub.loc[ok], X[ok]
    test = randomization_balance_test(
        X,
        (sub[arm] == b).to_numpy(dtype=float),
        group=pd.factorize(sub[cluster])[0],
        strata=None if strata is None else pd.factorize(sub[strata])[0],
        draws=n_perm,
        seed=seed,
        enumerate=False,
        sampler="sequential",
    )
    return {
        "f_statistic": test.statistic,
        "p_value": test.p_value,
        "n_perm": int(n_perm),
        "n_obs": int(len(sub)),
    }


def balance_view(
    data: pd.DataFrame,
    *,
    variables: Sequence[str],
    arm: str = "arm",
    control: Any = None,
    cluster: str = "group_id",
    strata: str | None = None,
    n_perm: int = 999,
    seed: int = 0,
) -> BalanceView:
    """A balance table whose joint tests exist and are honest with few groups.

    Means by arm and per-variable differences come from
    :func:`jbp_analysis.analyses.balance.balance_table`. The joint orthogonality test of each pair of
    arms is reported only where it exists (:func:`joint_test_estimable`), with the p-value of
    :func:`jbp_analysis.inference.joint.randomization_balance_test` (``p_value``) next to the
    F-distribution one
    (``p_value_f``). With too few groups for the joint test, ``balance_table`` is called once per
    variable (a one-coefficient test, which exists) and the pair gets ``estimable = False``.
    ``control`` is the plan's control arm (``design.control``) unless given.
    """
    from jbp_analysis.analyses.balance import balance_table
    from jbp_analysis.estimate.design import arm_levels

    variables = tuple(variables)
    control = control_arm(control=control)
    opts = {"arm": arm, "cluster": cluster, "strata": strata}
    levels = arm_levels(data[arm], control)
    counts = _pair_counts(data, arm=arm, levels=levels, cluster=cluster, strata=strata)
    ok = {p: joint_test_estimable(g, s, len(variables)) for p, (g, s) in counts.items()}
    parts = None
    if all(ok.values()):
        try:
            parts = [balance_table(data, variables=list(variables), control=control, **opts)]
        except np.linalg.LinAlgError:  # numerically singular although the rank rule passed
            parts = None
    if parts is None:
        parts = [balance_table(data, variables=[v], control=control, **opts) for v in variables]
    by_arm = pd.concat([p.by_arm() for p in parts], ignore_index=True)
    tidy = pd.concat([p.tidy() for p in parts], ignore_index=True)
    f_table = parts[0].ftest().set_index("contrast") if len(parts) == 1 else None
    rows = []
    for (a, b), (g, s) in counts.items():
        label = f"{b} - {a}"
        row: dict[str, Any] = {"contrast": label, "n_clusters": g, "n_strata": s}
        if ok[(a, b)]:
            ri = _joint_test_row(
                data, variables=variables, a=a, b=b, n_perm=n_perm, seed=seed, **opts
            )
            row.update(ri, n_clusters=g, estimable=True, df_num=len(variables), df_denom=g - 1)
            if f_table is not None and label in f_table.index:
                row["p_value_f"] = float(f_table.loc[label, "p_value"])
        else:
            row["estimable"] = False
        rows.append(row)
    ftest = pd.DataFrame(rows).reindex(columns=_FTEST_COLUMNS)
    ftest["estimable"] = ftest["estimable"].astype(bool)
    ftest["n_clusters"] = ftest["n_clusters"].astype("Int64")
    return BalanceView(variables, by_arm, tidy, ftest)


def _flag_few_groups(
    tab: pd.DataFrame, sub: pd.DataFrame, *, outcome: str, arm: str, cluster: str
) -> pd.DataFrame:
    """``inference_ok``: both arms of the contrast have more than
    :data:`~jbp_analysis.inference.FEW_TREATED_CLUSTERS` groups with the outcome observed.

    With fewer, no cluster-robust interval is reliable (the wild bootstrap has too few distinct
    draws and its test-inversion interval can be absurdly wide; MacKinnon & Webb 2017): the
    point estimate is kept, its interval and p-value are set to missing.
    """
    from jbp_analysis.inference import FEW_TREATED_CLUSTERS

    have = sub[sub[outcome].notna()] if outcome in sub else sub.iloc[:0]
    groups = have.groupby(arm, observed=True, sort=False)[cluster].nunique()
    groups.index = groups.index.astype(str)  # arms as text (each arm's value, not each row's)
    pairs = tab["contrast"].str.split(" - ")
    fewest = [min(int(groups.get(p[0], 0)), int(groups.get(p[1], 0))) for p in pairs]
    ok = np.array(fewest) > FEW_TREATED_CLUSTERS
    out = tab.assign(min_arm_groups=fewest, inference_ok=ok & tab["estimable"].to_numpy(bool))
    for c in ("ci_low", "ci_high", "p_value"):
        out[c] = out[c].where(ok)
    return out


def covariate_columns(
    data: pd.DataFrame, covariates: Sequence[str], *, suffix: str = "_bl"
) -> tuple[pd.DataFrame, list[str]]:
    """Baseline covariates ready for a regression, with missing values handled as in ANCOVA.

    Each covariate is taken at baseline (``{name}{suffix}`` when the column exists, else the
    column itself). A numeric covariate with missing values is set to its mean there and gets a
    ``{column}_missing`` dummy; a categorical one gets a ``"missing"`` level (McKenzie 2012;
    the same rule :func:`~jbp_analysis.estimate.impact` applies to the baseline outcome), so no
    respondent is dropped for a missing covariate.

    Examples
    --------
    >>> d = pd.DataFrame({"age_bl": [20.0, None, 24.0], "education_bl": ["primary", None, "x"]})
    >>> out, names = covariate_columns(d, ["age", "education"])
    >>> names, out["age_bl"].tolist(), out["education_bl"].tolist()
    (['age_bl', 'age_bl_missing', 'education_bl'], [20.0, 22.0, 24.0], ['primary', 'missing', 'x'])
    """
    from jbp_analysis.estimate.design import numeric

    out, names = data.copy(), []
    for cov in covariates:
        col = f"{cov}{suffix}" if f"{cov}{suffix}" in data.columns else cov
        if col not in data.columns:
            raise JBPInputError(f"covariate {cov!r} is not in the data", column=col)
        s_ = data[col]
        if (
            isinstance(s_.dtype, pd.CategoricalDtype)
            or s_.dtype == object
            or (pd.api.types.is_string_dtype(s_.dtype) and not pd.api.types.is_bool_dtype(s_.dtype))
        ):
            out[col] = s_.astype(object).where(s_.notna(), "missing").astype(str)
            names.append(col)
            continue
        x = numeric(s_, role="covariate")
        miss = np.isnan(x)
        if miss.all():
            raise JBPInputError(f"covariate {cov!r} is missing for everyone", column=col)
        out[col] = np.where(miss, np.nanmean(x), x)
        names.append(col)
        if miss.any():
            out[f"{col}_missing"] = miss.astype(np.float64)
            names.append(f"{col}_missing")
    return out, names


def _wave_outcomes(sub: pd.DataFrame, outs: Sequence[str], waves: Sequence[str]) -> tuple:
    """One column per outcome and wave (``outcome@wave``: the outcome in that wave, else NaN)."""
    wave = sub["wave"].astype(str)
    cols, base = {}, {}
    for o in outs:
        for w in waves:
            name = f"{o}@{w}"
            if o in sub.columns:
                cols[name] = sub[o].astype("Float64").where(wave.eq(w).to_numpy())
            base[name] = f"{o}_bl"
    return pd.DataFrame(cols, index=sub.index), base


def _failed_rows(names, family, outcome, sub) -> pd.DataFrame:
    from jbp_analysis.estimate import TIDY_COLUMNS, contrast_labels

    labels = [c[0] for c in contrast_labels(names)]
    tab = pd.DataFrame({c: [np.nan] * len(labels) for c in TIDY_COLUMNS})
    return tab.assign(
        family=family,
        outcome=outcome,
        contrast=labels,
        n_obs=int(sub[outcome].notna().sum()) if outcome in sub else 0,
        estimable=False,
        q_value=np.nan,
        p_romano_wolf=np.nan,
    )


def _family_table(
    both: pd.DataFrame,
    *,
    family: str,
    cols: list[str],
    base: Any,
    names: list[str],
    opts: Mapping[str, Any],
) -> pd.DataFrame:
    """One family's :func:`~jbp_analysis.estimate.impact_table` (``estimable = True``); when
    the family cannot be estimated jointly, each outcome alone (a failed one gets
    :func:`_failed_rows`), with q-values over the estimated ones and no Romano-Wolf p-values."""
    from jbp_analysis.estimate import impact_table
    from jbp_analysis.inference import FewTreatedClustersWarning, sharpened_qvalues

    with warnings.catch_warnings():  # handled: _flag_few_groups drops the CI
        warnings.simplefilter("ignore", FewTreatedClustersWarning)
        try:
            return impact_table(both, outcomes={family: cols}, baseline=base, **opts).assign(
                estimable=True
            )
        except (JBPInputError, np.linalg.LinAlgError):
            parts = []
            for col in cols:
                try:
                    parts.append(
                        impact_table(
                            both, outcomes={family: [col]}, baseline=base, p_adjust=None, **opts
                        ).assign(estimable=True)
                    )
                except (JBPInputError, np.linalg.LinAlgError):
                    parts.append(_failed_rows(names, family, col, both))
    tab = pd.concat(parts, ignore_index=True)
    ok = tab["p_value"].notna().to_numpy()
    q = np.full(len(tab), np.nan)
    if ok.any():
        q[ok] = sharpened_qvalues(tab.loc[ok, "p_value"].to_numpy(dtype=float))
    tab["q_value"] = q
    tab["p_romano_wolf"] = np.nan
    return tab


def estimate_impacts(
    data: pd.DataFrame,
    *,
    outcomes: Mapping[str, Sequence[str]],
    waves: Sequence[str],
    by: str | None = None,
    levels: Sequence[str] | None = None,
    baseline: str = "{outcome}_bl",
    covariates: Sequence[str] | None = None,
    arm: str = "arm",
    control: str | None = None,
    cluster: str = "group_id",
    strata: str | None = None,
    level: float | None = None,
    inference: str | None = None,
    few_cluster_threshold: int | None = None,
    draws: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """ANCOVA impacts (:func:`jbp_analysis.estimate.impact_table`) per wave (and subgroup).

    The specification is defined here once for every report: the outcome on the arm dummies,
    the outcome's baseline value and the pre-specified baseline covariates (:data:`COVARIATES`
    by default; ``covariates=()`` gives the robustness version without them, see
    :func:`covariate_columns`), strata fixed effects when given, errors clustered by group.
    Inference, confidence level and bootstrap draws are the plan's (``models.inference``,
    ``level``, ``draws``; :data:`PLAN`) unless given. Inference ``"auto"`` is the estimator's
    documented rule: a wild cluster bootstrap below the plan's ``few_cluster_threshold`` (50)
    groups (a district), where CR1 over-rejects (Cameron, Gelbach & Miller 2008), CR1 at or
    above (the province); the ``inference`` column says which.

    Multiple testing: a family is an outcome domain (``outcomes``' keys) across ``waves``: every
    outcome, wave and contrast of the family is one hypothesis of its sharpened q-values
    (``q_value``, Anderson 2008) and Romano-Wolf p-values (``p_romano_wolf``, from wild
    bootstrap draws that are joint across outcomes and waves: the same group weights).

    Parameters
    ----------
    data
        Follow-up rows (interviewed respondents) with a ``wave`` column and the baseline columns.
    outcomes
        ``{family: [outcome, ...]}``.
    waves
        Waves to estimate, each separately.
    by, levels
        Optional subgroup column and the values to estimate separately (``subgroup`` column).
    control
        The comparison arm; ``None`` (default): the plan's ``design.control``.
    level, inference, few_cluster_threshold, draws
        As in :func:`~jbp_analysis.estimate.impact`; ``None`` (default): the plan's
        ``models.level``, ``models.inference``, ``models.few_cluster_threshold`` and
        ``models.draws`` (wild bootstrap and Romano-Wolf draws).

    Returns
    -------
    pandas.DataFrame
        The ``impact_table`` columns plus ``wave`` (and ``subgroup``), ``covariates`` (the
        baseline covariates used, comma-separated), ``estimable``, ``min_arm_groups`` and
        ``inference_ok``. An outcome that cannot be estimated in a cell (an arm is absent, the
        outcome is never observed, the design is singular) gets one row per contrast with
        missing numbers and ``estimable = False``; the family's other outcomes are then
        estimated one by one, with q-values over them and no Romano-Wolf p-values. A contrast
        with an arm in at most two groups keeps its estimate but gets a missing interval,
        p-value and adjusted p-values and ``inference_ok = False`` (see
        :func:`_flag_few_groups`).
    """
    covs = COVARIATES if covariates is None else tuple(covariates)
    data, cov_names = covariate_columns(data, covs) if covs else (data, [])
    subsets: list[Any] = [None]
    if by is not None:
        subsets = list(levels or sorted(data[by].dropna().unique()))
    names = list(load_codebook().arms)
    if isinstance(data[arm].dtype, pd.CategoricalDtype):
        names = [str(c) for c in data[arm].cat.categories]
    control = control_arm(control=control)
    names = [control, *[n for n in names if n != control]]
    opts = {
        "arm": arm,
        "control": control,
        "cluster": cluster,
        "strata": strata,
        **_plan_options(
            level=level,
            inference=inference,
            few_cluster_threshold=few_cluster_threshold,
            draws=draws,
        ),
        "seed": seed,
        "covariates": cov_names,
    }
    frames = []
    for s_ in subsets:
        keep = data["wave"].astype(str).isin(list(waves))
        if by is not None:
            keep &= data[by].eq(s_).fillna(False).astype(bool)
        sub = data.loc[keep.to_numpy(dtype=bool)]
        sub_wave = sub["wave"].astype(str).to_numpy()
        for family, outs in outcomes.items():
            wide, base = _wave_outcomes(sub, outs, waves)
            both = pd.concat([sub, wide], axis=1)
            cols = list(wide.columns)
            tab = _family_table(both, family=family, cols=cols, base=base, names=names, opts=opts)
            split = tab["outcome"].str.rsplit("@", n=1)
            tab = tab.assign(outcome=split.str[0], wave=split.str[1])
            flagged = []
            for (o, w), t_ in tab.groupby(["outcome", "wave"], sort=False):
                cols = [c for c in dict.fromkeys((o, arm, cluster)) if c in sub.columns]
                sub_w = sub.loc[sub_wave == w, cols]  # the columns _flag_few_groups reads
                flagged.append(_flag_few_groups(t_, sub_w, outcome=o, arm=arm, cluster=cluster))
            tab = pd.concat(flagged)
            for c in ("q_value", "p_romano_wolf"):
                tab[c] = tab[c].where(tab["inference_ok"])
            tab = tab.assign(covariates=", ".join(covs))
            if by is not None:
                tab = tab.assign(subgroup=s_)
            frames.append(tab)
    out = pd.concat(frames, ignore_index=True)
    order = {w: i for i, w in enumerate(waves)}
    out = out.iloc[np.argsort(out["wave"].map(order).to_numpy(), kind="stable")]
    return out.reset_index(drop=True)


def estimate_heterogeneity(
    data: pd.DataFrame,
    *,
    outcomes: Sequence[str],
    waves: Sequence[str],
    by: str,
    baseline: str = "{outcome}_bl",
    covariates: Sequence[str] | None = None,
    arm: str = "arm",
    control: str | None = None,
    cluster: str = "group_id",
    strata: str | None = None,
    level: float | None = None,
    inference: str | None = None,
    few_cluster_threshold: int | None = None,
    draws: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Effects by subgroup from one interacted model per outcome and wave, with the test that
    the effect is the same in every subgroup, adjusted for multiple testing.

    Calls :func:`jbp_analysis.analyses.heterogeneity.heterogeneity_table` (arm dummies fully
    interacted with ``by``; the interaction test is the wild bootstrap Wald test below the
    plan's ``few_cluster_threshold``, 50 groups) with the primary specification's baseline outcome, covariates (less ``by`` itself)
    and strata. ``interaction_q`` holds the sharpened q-values (Anderson 2008) of the interaction
    p-values of every outcome, wave and contrast against control: the report reads the
    interaction test, never "significant in one subgroup, not in the other" (Gelman & Stern
    2006). An outcome whose interacted model cannot be estimated in a wave is left out.
    ``level``, ``inference``, ``few_cluster_threshold`` and ``draws`` are the plan's unless
    given, as in :func:`estimate_impacts`, and so is ``control`` (``design.control``).

    Returns
    -------
    pandas.DataFrame
        The :data:`~jbp_analysis.analyses.heterogeneity.HETEROGENEITY_COLUMNS` plus ``wave``
        and ``interaction_q``.
    """
    from jbp_analysis.analyses.heterogeneity import heterogeneity_table
    from jbp_analysis.inference import FewTreatedClustersWarning, sharpened_qvalues

    control = control_arm(control=control)
    covs = [c for c in (COVARIATES if covariates is None else covariates) if c != by]
    if by == "sex":
        covs = [c for c in covs if c != "female"]
    data, cov_names = covariate_columns(data, covs) if covs else (data, [])
    frames = []
    for w in waves:
        sub = data[data["wave"].astype(str).eq(w).to_numpy()]
        for o in outcomes:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", FewTreatedClustersWarning)
                    tab = heterogeneity_table(
                        sub,
                        outcomes=[o],
                        by=by,
                        baseline=baseline,
                        arm=arm,
                        control=control,
                        cluster=cluster,
                        strata=strata,
                        covariates=cov_names,
                        **_plan_options(
                            level=level,
                            inference=inference,
                            few_cluster_threshold=few_cluster_threshold,
                            draws=draws,
                        ),
                        seed=seed,
                    )
            except (JBPInputError, np.linalg.LinAlgError, ValueError):
                continue
            frames.append(tab.assign(wave=w))
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    vs_control = out["contrast"].str.endswith(f" - {control}").to_numpy()
    tests = out[vs_control].drop_duplicates(["outcome", "wave", "contrast"])
    ok = tests["interaction_p"].notna()
    q = pd.Series(np.nan, index=tests.index)
    if ok.any():
        q[ok] = sharpened_qvalues(tests.loc[ok, "interaction_p"].to_numpy(dtype=float))
    key = tests[["outcome", "wave", "contrast"]].assign(interaction_q=q.to_numpy())
    return out.merge(key, on=["outcome", "wave", "contrast"], how="left")


@dataclass(frozen=True)
class AttritionView:
    """Attrition for a report: tests of differential attrition and Lee bounds where it matters.

    ``differential`` has per wave the largest difference in response rates between two arms;
    ``lee`` the Lee bounds of every primary outcome at each wave where it exceeds
    ``threshold`` (:data:`ATTRITION_THRESHOLD`).
    """

    tests: pd.DataFrame
    joint: pd.DataFrame
    differential: pd.DataFrame
    lee: pd.DataFrame
    threshold: float


def attrition_view(
    data: pd.DataFrame,
    *,
    outcomes: Sequence[str],
    waves: Sequence[str],
    threshold: float | None = None,
    arm: str = "arm",
    control: str | None = None,
    cluster: str = "group_id",
    strata: str | None = None,
    level: float | None = None,
    inference: str | None = None,
    few_cluster_threshold: int | None = None,
    draws: int | None = None,
    seed: int = 0,
) -> AttritionView:
    """Differential attrition with few-cluster inference, and Lee bounds where it exceeds the
    threshold.

    :func:`jbp_analysis.analyses.attrition.attrition` on the ``waves`` rows (every randomised
    respondent, interviewed or not): response-rate differences by contrast with the plan's
    ``level``, ``inference`` and ``few_cluster_threshold`` unless given (``"auto"``: the wild
    bootstrap below 50 groups), and, at each wave whose largest difference in response rates between
    two arms exceeds ``threshold``, Lee (2009) bounds for every outcome in ``outcomes``,
    trimmed within strata, with clustered Imbens-Manski (2004) intervals (``draws``
    replications, :data:`LEE_DRAWS` by default). ``draws`` counts the Lee bounds' bootstrap;
    the tests' wild bootstrap uses :func:`~jbp_analysis.estimate.impact`'s default, 9999
    draws (:func:`~jbp_analysis.analyses.attrition.attrition` has no keyword for them).
    ``control`` is the plan's control arm (``design.control``) unless given.
    """
    from jbp_analysis.analyses.attrition import attrition, response_rates

    threshold = ATTRITION_THRESHOLD if threshold is None else float(threshold)
    rows = data[data["wave"].astype(str).isin(list(waves)).to_numpy()]
    rates = response_rates(rows, arm=arm)
    spread = rates.groupby(rates["wave"].astype(str), observed=True)["rate"].agg(
        lambda r: float(r.max() - r.min())
    )
    differential = spread.rename("max_difference").reset_index()
    flagged = [w for w in waves if spread.get(w, 0.0) > threshold]
    control = control_arm(control=control)
    opts = {"arm": arm, "control": control, "cluster": cluster, "strata": strata}
    plan = _plan_options(
        level=level, inference=inference, few_cluster_threshold=few_cluster_threshold
    )
    level = plan["level"]
    rep = attrition(rows, seed=seed, **plan, **opts)
    lee = pd.DataFrame()
    if flagged:
        sub = rows[rows["wave"].astype(str).isin(flagged).to_numpy()]
        bounded = attrition(
            sub,
            outcomes=[o for o in outcomes if o in sub.columns],
            level=level,
            draws=LEE_DRAWS if draws is None else draws,
            seed=seed,
            inference=None,
            **opts,
        )
        lee = bounded.lee()
    return AttritionView(rep.tests(), rep.joint(), differential, lee, threshold)


def roster_by_group(panel: pd.DataFrame) -> pd.DataFrame:
    """Participants of each group: its baseline roster (``group_id, arm, participants``).

    Costs are spent on every enrolled member, interviewed later or not, so cost per participant
    divides by the roster, not by later respondents. This is the ``participants`` table of
    :mod:`jbp_analysis.analyses.cost_effectiveness`.

    Examples
    --------
    >>> panel = pd.DataFrame({"respondent_id": [1, 2, 3, 1], "group_id": ["g1", "g1", "g2", "g1"],
    ...                       "arm": ["kontrol", "kontrol", "karitatif", "kontrol"],
    ...                       "wave": ["baseline", "baseline", "baseline", "endline"]})
    >>> roster_by_group(panel).values.tolist()
    [['g1', 'kontrol', 2], ['g2', 'karitatif', 1]]
    """
    base = panel[panel["wave"].astype(str) == "baseline"]
    g = base.groupby(base["group_id"].astype(str), observed=True)
    out = pd.DataFrame(
        {"arm": g["arm"].first().astype(str), "participants": g["respondent_id"].nunique()}
    )
    return out.reset_index(names="group_id")


def cost_per_participant_view(costs: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Cost per participant of each arm with recorded costs, for the cost chart and its sentence.

    :func:`jbp_analysis.analyses.cost_effectiveness.cost_per_participant` (total cost of the
    arm's groups / their baseline roster, :func:`roster_by_group`), keeping the arms that have
    cost records (an arm without any is not drawn), in the study's arm order, with the chart's
    column names: ``arm, total_cost, n_groups, n`` (participants) and ``value`` (rupiah per
    participant).

    Examples
    --------
    >>> panel = pd.DataFrame({"respondent_id": range(90), "group_id": [i // 10 for i in range(90)],
    ...                       "arm": ["kontrol"] * 30 + ["karitatif"] * 30 + ["pendampingan"] * 30,
    ...                       "wave": "baseline"})
    >>> costs = pd.DataFrame({"group_id": [3, 6], "arm": ["karitatif", "pendampingan"],
    ...                       "cost_rp": [45e6, 90e6]})
    >>> tab = cost_per_participant_view(costs, panel)
    >>> tab[["arm", "n_groups", "n", "value"]].values.tolist()
    [['karitatif', 3, 30, 1500000.0], ['pendampingan', 3, 30, 3000000.0]]
    """
    from jbp_analysis.analyses.cost_effectiveness import cost_per_participant

    per_arm = cost_per_participant(
        costs.assign(group_id=costs["group_id"].astype(str)), roster_by_group(panel)
    )
    per_arm = per_arm[per_arm["arm"].isin(set(costs["arm"].astype(str)))]
    out = pd.DataFrame(
        {
            "arm": per_arm["arm"].astype(str),
            "total_cost": per_arm["total_cost_rp"].astype(float),
            "n_groups": per_arm["groups"].astype(int),
            "n": per_arm["participants"].astype(int),
            "value": per_arm["cost_per_participant_rp"].astype(float),
        }
    )
    order = {a: i for i, a in enumerate(load_codebook().arms)}
    out = out.iloc[np.argsort(out["arm"].map(order).to_numpy(), kind="stable")]
    return out.reset_index(drop=True)
