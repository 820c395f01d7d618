"""Tests of jbp_analysis.estimate: every number against a direct statsmodels/linearmodels fit.

Each reference fit is written out next to its assertion. Tolerance: 1e-6 relative (the fits agree
to ~1e-12 in practice).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from fixtures.trial import ARMS, clustered_trial, trial_panel
from linearmodels.panel import PanelOLS

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.estimate import (
    ADJUSTED_COLUMNS,
    TIDY_COLUMNS,
    ImpactResult,
    impact,
    impact_table,
)
from jbp_analysis.estimate.covariance import INFERENCE_METHODS, cluster_sums
from jbp_analysis.estimate.ols import fit_ols

RTOL = 1e-6


def close(a, b, rtol: float = RTOL) -> None:
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=0)


@pytest.fixture(scope="module")
def trial() -> pd.DataFrame:
    df = clustered_trial(seed=11, n_clusters=45, cluster_size=8, n_strata=3, n_covariates=3)
    df["district"] = np.array(["3322", "3373", "3374"])[df["stratum"]]  # text strata
    df["sex"] = np.where(np.arange(len(df)) % 3 == 0, "female", "male")  # text covariate
    return df


def sm_design(df: pd.DataFrame, *, covs=(), baseline=None, strata=None) -> pd.DataFrame:
    """The same regression written with explicit dummies for statsmodels."""
    X = pd.DataFrame({"const": 1.0}, index=df.index)
    for a in ARMS[1:]:
        X[a] = (df["arm"] == a).astype(float)
    if baseline is not None:
        X[baseline] = df[baseline]
    for c in covs:
        X[c] = df[c]
    if strata is not None:
        X = X.join(pd.get_dummies(df[strata], prefix="s", drop_first=True, dtype=float))
    return X


CONTRASTS = ["karitatif - kontrol", "pendampingan - kontrol", "pendampingan - karitatif"]
L_SM = {  # rows over the statsmodels columns [const, karitatif, pendampingan, ...]
    "karitatif - kontrol": {"karitatif": 1.0},
    "pendampingan - kontrol": {"pendampingan": 1.0},
    "pendampingan - karitatif": {"pendampingan": 1.0, "karitatif": -1.0},
}


def sm_contrasts(ref, names) -> pd.DataFrame:
    """Estimate, SE, p, CI of each contrast from a statsmodels fit via t_test."""
    rows = []
    for c in CONTRASTS:
        r = np.zeros(len(names))
        for k, v in L_SM[c].items():
            r[names.index(k)] = v
        tt = ref.t_test(r)
        ci = np.asarray(tt.conf_int()).ravel()
        rows.append([float(tt.effect[0]), float(tt.sd.ravel()[0]), float(tt.pvalue), *ci])
    return pd.DataFrame(rows, columns=["estimate", "std_error", "p_value", "ci_low", "ci_high"])


def assert_matches(res: ImpactResult, ref, names) -> None:
    expected = sm_contrasts(ref, names)
    got = res.tidy()
    assert got["contrast"].tolist() == CONTRASTS
    for col in ["estimate", "std_error", "p_value", "ci_low", "ci_high"]:
        close(got[col], expected[col])


# --------------------------------------------------------------------------- ANCOVA
def test_ancova_cr1_matches_statsmodels(trial: pd.DataFrame) -> None:
    covs = ["x1", "x2", "x3"]
    res = impact(
        trial,
        outcome="y",
        arm="arm",
        control="kontrol",
        baseline="y0",
        covariates=covs,
        strata="district",
        cluster="cluster",
    )
    # reference: OLS with explicit dummies, Stata-style CR1, t with G - 1 df
    X = sm_design(trial, covs=covs, baseline="y0", strata="district")
    ref = sm.OLS(trial["y"], X).fit(
        cov_type="cluster", cov_kwds={"groups": trial["cluster"]}, use_t=True
    )
    assert ref.df_resid_inference == 44
    assert_matches(res, ref, list(X.columns))
    close(res.params[["y0", *covs]], ref.params[["y0", *covs]])
    close(np.sqrt(np.diag(res.cov))[2:], ref.bse[["y0", *covs]])
    t = res.tidy()
    assert (t["n_obs"] == 360).all() and (t["n_clusters"] == 45).all()
    assert (t["inference"] == "cr1").all() and (t["method"] == "ancova").all()
    assert res.df == 44
    ctrl = trial.loc[trial["arm"] == "kontrol", "y"]
    close(t["control_mean"], [ctrl.mean()] * 3)
    close(t["control_sd"], [ctrl.std(ddof=1)] * 3)


def test_ancova_hc1_without_cluster_matches_statsmodels(trial: pd.DataFrame) -> None:
    res = impact(trial, outcome="y", arm="arm", control="kontrol", baseline="y0", covariates="x1")
    X = sm_design(trial, covs=["x1"], baseline="y0")
    ref = sm.OLS(trial["y"], X).fit(cov_type="HC1", use_t=True)
    assert_matches(res, ref, list(X.columns))
    assert res.inference == "hc1" and res.n_clusters is None
    assert res.df == len(trial) - X.shape[1]
    assert res.tidy()["n_clusters"].isna().all()


def test_weighted_ancova_matches_statsmodels_wls(trial: pd.DataFrame) -> None:
    res = impact(
        trial,
        outcome="y",
        arm="arm",
        control="kontrol",
        baseline="y0",
        strata="stratum",
        cluster="cluster",
        weights="w",
    )
    X = sm_design(trial, baseline="y0", strata="stratum")
    ref = sm.WLS(trial["y"], X, weights=trial["w"]).fit(
        cov_type="cluster", cov_kwds={"groups": trial["cluster"]}, use_t=True
    )
    assert_matches(res, ref, list(X.columns))
    w = trial.loc[trial["arm"] == "kontrol", "w"]
    yc = trial.loc[trial["arm"] == "kontrol", "y"]
    close(res.control_mean, np.average(yc, weights=w))


def test_missing_baseline_gets_zero_and_dummy(trial: pd.DataFrame) -> None:
    df = trial.copy()
    df.loc[df.index % 7 == 0, "y0"] = np.nan
    res = impact(df, outcome="y", arm="arm", control="kontrol", baseline="y0", cluster="cluster")
    X = sm_design(df, baseline="y0")
    X["y0"] = X["y0"].fillna(0.0)
    X["y0 missing"] = df["y0"].isna().astype(float)
    ref = sm.OLS(df["y"], X).fit(cov_type="cluster", cov_kwds={"groups": df["cluster"]}, use_t=True)
    assert_matches(res, ref, list(X.columns))
    assert "y0 missing" in res.params.index
    assert res.n_obs == len(df)  # a missing baseline does not drop the row
    assert any("baseline missing for 52 rows" in n for n in res.notes)


def test_text_covariate_and_numeric_arm(trial: pd.DataFrame) -> None:
    df = trial.assign(arm_code=trial["arm"].cat.codes.astype(int))
    res = impact(
        df, outcome="y", arm="arm_code", control=0, covariates=["sex", "x1"], cluster="cluster"
    )
    assert res.contrasts == ("1 - 0", "2 - 0", "2 - 1")
    X = sm_design(trial, covs=["x1"])
    X.insert(3, "sex[male]", (df["sex"] == "male").astype(float))
    ref = sm.OLS(df["y"], X).fit(cov_type="cluster", cov_kwds={"groups": df["cluster"]}, use_t=True)
    close(res.estimate, sm_contrasts(ref, list(X.columns))["estimate"])
    close(res.std_error, sm_contrasts(ref, list(X.columns))["std_error"])
    assert "sex[male]" in res.params.index


def test_incomplete_rows_are_dropped_and_counted(trial: pd.DataFrame) -> None:
    df = trial.copy()
    df.loc[[0, 1, 2], "y"] = np.nan
    df.loc[[2, 3], "x1"] = np.nan
    res = impact(df, outcome="y", arm="arm", control="kontrol", covariates="x1", cluster="cluster")
    assert res.n_obs == len(df) - 4 and res.n_dropped == 4
    assert dict(res.missing) == {"y": 3, "x1": 2}
    ok = df.dropna(subset=["y", "x1"])
    X = sm_design(ok, covs=["x1"])
    ref = sm.OLS(ok["y"], X).fit(cov_type="cluster", cov_kwds={"groups": ok["cluster"]}, use_t=True)
    assert_matches(res, ref, list(X.columns))


# --------------------------------------------------------------------------- difference in means
def test_diff_in_means_is_the_difference_of_arm_means(trial: pd.DataFrame) -> None:
    res = impact(
        trial, outcome="y", arm="arm", control="kontrol", cluster="cluster", method="diff_in_means"
    )
    m = trial.groupby("arm", observed=True)["y"].mean()
    close(
        res.estimate,
        [
            m["karitatif"] - m["kontrol"],
            m["pendampingan"] - m["kontrol"],
            m["pendampingan"] - m["karitatif"],
        ],
    )
    X = sm_design(trial)
    ref = sm.OLS(trial["y"], X).fit(
        cov_type="cluster", cov_kwds={"groups": trial["cluster"]}, use_t=True
    )
    assert_matches(res, ref, list(X.columns))


def test_numbers_stored_as_objects_are_accepted(trial: pd.DataFrame) -> None:
    obj = trial.assign(y=trial["y"].astype(object))
    obj.loc[0, "y"] = None
    ref = trial.assign(y=trial["y"].where(trial.index != 0))
    a = impact(obj, outcome="y", arm="arm", control="kontrol", method="diff_in_means")
    b = impact(ref, outcome="y", arm="arm", control="kontrol", method="diff_in_means")
    close(a.estimate, b.estimate)
    assert a.n_obs == len(trial) - 1


def test_boolean_outcome(trial: pd.DataFrame) -> None:
    df = trial.assign(good=pd.array(trial["y"] > 0, dtype="boolean"))
    res = impact(df, outcome="good", arm="arm", control="kontrol", method="diff_in_means")
    share = df.groupby("arm", observed=True)["good"].mean()
    close(res.estimate[0], share["karitatif"] - share["kontrol"])


# --------------------------------------------------------------------------- DiD
@pytest.fixture(scope="module")
def panel(trial: pd.DataFrame) -> pd.DataFrame:
    return trial_panel(trial)


def panel_ols(df: pd.DataFrame, *, cluster: str | None, weights: str | None = None):
    """linearmodels reference: unit FE, regressors arm x post and post, clustered."""
    d = df.set_index(["unit", "period"])
    exog = pd.DataFrame(index=d.index)
    for a in ARMS[1:]:
        exog[f"{a} x 1"] = ((d["arm"] == a) & (d.index.get_level_values("period") == 1)) * 1.0
    exog["1"] = (d.index.get_level_values("period") == 1) * 1.0
    mod = PanelOLS(
        d["y"], exog, entity_effects=True, weights=None if weights is None else d[weights]
    )
    if cluster is None:
        return mod.fit(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True)
    return mod.fit(cov_type="clustered", clusters=d[cluster], debiased=True, group_debias=True)


def test_did_matches_linearmodels_panelols(panel: pd.DataFrame) -> None:
    res = impact(
        panel,
        outcome="y",
        arm="arm",
        control="kontrol",
        cluster="cluster",
        method="did",
        unit="unit",
        time="period",
    )
    ref = panel_ols(panel, cluster="cluster")
    # Unit effects are nested in the clusters, so neither we nor linearmodels (auto_df) count
    # them in K. linearmodels' debiased=True (n/(n-k)) times group_debias=True
    # (G/(G-1) * (n-1)/n) is Stata's CR1 factor G/(G-1) * (n-1)/(n-k): the SEs are equal.
    close(res.params, ref.params)
    close(np.sqrt(np.diag(res.cov)), ref.std_errors)
    close(res.estimate[:2], ref.params.iloc[:2])
    # the pair contrast's SE from the covariance matrix
    cov = ref.cov.to_numpy()
    close(res.std_error[2], np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]))
    # p-values: t with G - 1 df (Stata); linearmodels uses its residual df n - k, so we check
    # ours by hand
    from scipy import stats

    tstat = res.estimate / res.std_error
    close(res.p_value, 2 * stats.t.sf(np.abs(tstat), 44))
    assert res.df == 44 and res.n_obs == len(panel) and res.absorbed.startswith("unit")
    assert res.control_mean == pytest.approx(
        panel.loc[(panel["arm"] == "kontrol") & (panel["period"] == 1), "y"].mean()
    )


def test_did_weighted_and_unit_clustered_match_linearmodels(panel: pd.DataFrame) -> None:
    res = impact(
        panel,
        outcome="y",
        arm="arm",
        control="kontrol",
        method="did",
        unit="unit",
        time="period",
        weights="w",
    )
    ref = panel_ols(panel, cluster=None, weights="w")  # cluster_entity=True
    close(res.params, ref.params)
    close(np.sqrt(np.diag(res.cov)), ref.std_errors)
    assert res.n_clusters == panel["unit"].nunique()
    assert any("clustered by unit" in n for n in res.notes)


def test_did_drops_singleton_units(panel: pd.DataFrame) -> None:
    df = panel.drop(index=panel.index[(panel["period"] == 1) & (panel["unit"] < 10)])
    res = impact(
        df,
        outcome="y",
        arm="arm",
        control="kontrol",
        cluster="cluster",
        method="did",
        unit="unit",
        time="period",
    )
    assert res.n_obs == len(df) - 10 and res.n_dropped == 10
    kept = df[df["unit"] >= 10]
    ref = panel_ols(kept, cluster="cluster")
    close(res.params, ref.params)
    close(np.sqrt(np.diag(res.cov)), ref.std_errors)


def test_did_equals_pooled_did_on_balanced_panel(panel: pd.DataFrame) -> None:
    res = impact(
        panel,
        outcome="y",
        arm="arm",
        control="kontrol",
        cluster="cluster",
        method="did",
        unit="unit",
        time="period",
    )
    m = panel.groupby(["arm", "period"], observed=True)["y"].mean()
    fd = {a: m[(a, 1)] - m[(a, 0)] for a in ARMS}
    close(res.estimate[:2], [fd["karitatif"] - fd["kontrol"], fd["pendampingan"] - fd["kontrol"]])


# --------------------------------------------------------------------------- results and table
def test_tidy_columns_and_immutability(trial: pd.DataFrame) -> None:
    res = impact(trial, outcome="y", arm="arm", control="kontrol", cluster="cluster")
    t = res.tidy()
    assert tuple(t.columns) == TIDY_COLUMNS
    t.loc[0, "estimate"] = 99.0  # a copy: the result does not change
    assert res.tidy().loc[0, "estimate"] != 99.0
    with pytest.raises(ValueError):
        res.estimate[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.outcome = "z"  # type: ignore[misc]
    html = res._repr_html_()
    assert "pendampingan - karitatif" in html and "cr1" in html
    assert res.contrast("pendampingan - karitatif")["estimate"] == pytest.approx(
        res.estimate[1] - res.estimate[0]
    )


def test_wald_test_matches_statsmodels(trial: pd.DataFrame) -> None:
    res = impact(
        trial, outcome="y", arm="arm", control="kontrol", cluster="cluster", method="diff_in_means"
    )
    X = sm_design(trial)
    ref = sm.OLS(trial["y"], X).fit(
        cov_type="cluster", cov_kwds={"groups": trial["cluster"]}, use_t=True
    )
    ft = ref.f_test("karitatif = 0, pendampingan = 0")
    wt = res.wald_test()
    close(wt.statistic, float(np.squeeze(ft.fvalue)))
    close(wt.p_value, float(ft.pvalue))
    assert (wt.df_num, wt.df_denom) == (2, 44.0)


def test_impact_table_stacks_outcomes_with_family(trial: pd.DataFrame) -> None:
    df = trial.assign(z=trial["y"] * 2, z_bl=trial["y0"] * 2, y_bl=trial["y0"])
    tab = impact_table(
        df,
        outcomes={"main": ["y"], "other": ["z"]},
        baseline="{outcome}_bl",
        arm="arm",
        control="kontrol",
        cluster="cluster",
    )
    assert tab.columns.tolist() == ["family", *TIDY_COLUMNS, *ADJUSTED_COLUMNS]
    assert tab["family"].tolist() == ["main"] * 3 + ["other"] * 3
    assert (tab["inference"] == "wild (auto: 45 clusters < 50)").all()  # the table's default
    one = impact(df, outcome="z", baseline="z_bl", arm="arm", control="kontrol", cluster="cluster")
    close(tab.loc[tab["outcome"] == "z", "estimate"], one.estimate)
    close(
        tab.loc[tab["outcome"] == "z", "estimate"], 2 * tab.loc[tab["outcome"] == "y", "estimate"]
    )


def test_collinear_covariate_is_dropped_with_a_note(trial: pd.DataFrame) -> None:
    df = trial.assign(x1_twice=2 * trial["x1"], const=1.0)
    res = impact(
        df,
        outcome="y",
        arm="arm",
        control="kontrol",
        covariates=["x1", "x1_twice", "const"],
        cluster="cluster",
    )
    ref = impact(
        df, outcome="y", arm="arm", control="kontrol", covariates=["x1"], cluster="cluster"
    )
    close(res.estimate, ref.estimate)
    close(res.std_error, ref.std_error)
    assert "x1_twice" not in res.params.index and "const" not in res.params.index
    assert any("x1_twice" in n for n in res.notes) and any("const" in n for n in res.notes)


def test_ols_core_against_lstsq() -> None:
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(200), rng.normal(size=200) * 1e7, rng.normal(size=200)])
    X = np.column_stack([X, X[:, 1] + X[:, 2]])  # exactly collinear fourth column
    y = rng.normal(size=200)
    fit = fit_ols(X, y, names=["c", "big", "x", "sum"])
    assert fit.dropped == ("sum",)
    expected = np.linalg.lstsq(X[:, :3], y, rcond=None)[0]
    close(fit.params, expected, rtol=1e-10)
    close(fit.bread, np.linalg.inv(X[:, :3].T @ X[:, :3]), rtol=1e-8)


def test_cluster_sums_without_loop_matches_groupby() -> None:
    rng = np.random.default_rng(4)
    s = rng.normal(size=(50, 3))
    g = rng.integers(0, 7, 50)
    expected = pd.DataFrame(s).groupby(g).sum().to_numpy()
    close(cluster_sums(s, g, 7), expected, rtol=1e-12)


def test_inference_registry_is_the_single_place() -> None:
    assert {"cr1", "hc1"} <= set(INFERENCE_METHODS)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"outcome": "nope"}, "unknown column 'nope'"),
        ({"covariates": ["x1", "missing_col"]}, "unknown column 'missing_col'"),
        ({"cluster": "clusterr"}, "unknown column 'clusterr'"),
        ({"control": "placebo"}, "control category 'placebo' is not among the arm values"),
        ({"outcome": "empty"}, "outcome is missing in every row"),
        ({"cluster": "one_cluster"}, "single cluster"),
        ({"outcome": "text"}, "must be numeric or boolean"),
    ],
)
def test_bad_input_names_the_problem(trial: pd.DataFrame, kwargs, match) -> None:
    df = trial.assign(empty=np.nan, one_cluster="g1", text="a")
    args = {"outcome": "y", "arm": "arm", "control": "kontrol", "cluster": "cluster"} | kwargs
    with pytest.raises(JBPInputError, match=match) as info:
        impact(df, **args)
    assert isinstance(info.value, ValueError)


def test_arm_with_one_category(trial: pd.DataFrame) -> None:
    df = trial.assign(arm="kontrol")
    with pytest.raises(JBPInputError, match=r"arm column has 1 category \('kontrol'\)") as info:
        impact(df, outcome="y", arm="arm", control="kontrol")
    assert info.value.column == "arm"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "ols"}, "unknown method 'ols'"),
        ({"inference": "bootstrap"}, "unknown inference 'bootstrap'"),
        ({"inference": "cr1", "cluster": None}, "needs a cluster column"),
        ({"method": "diff_in_means", "covariates": ["x1"]}, "takes no baseline"),
        ({"method": "did"}, "needs the panel's unit and time"),
        ({"level": 1.5}, "level must lie strictly between 0 and 1"),
        ({"unit": "unit"}, "unit= and time= are for method='did'"),
    ],
)
def test_bad_options(trial: pd.DataFrame, kwargs, match) -> None:
    args = {"outcome": "y", "arm": "arm", "control": "kontrol", "cluster": "cluster"} | kwargs
    with pytest.raises(ConfigError, match=match):
        impact(trial, **args)


def test_did_panel_errors(panel: pd.DataFrame) -> None:
    three = pd.concat([panel, panel[panel["period"] == 1].assign(period=2)])
    with pytest.raises(JBPInputError, match="exactly two periods"):
        impact(
            three,
            outcome="y",
            arm="arm",
            control="kontrol",
            method="did",
            unit="unit",
            time="period",
        )
    dup = pd.concat([panel, panel.iloc[[0]]])
    with pytest.raises(JBPInputError, match="more than one row in period"):
        impact(
            dup, outcome="y", arm="arm", control="kontrol", method="did", unit="unit", time="period"
        )


def test_covariate_duplicating_an_arm_is_dropped_not_the_arm(trial: pd.DataFrame) -> None:
    df = trial.assign(is_k=(trial["arm"] == "karitatif").astype(float))
    res = impact(df, outcome="y", arm="arm", control="kontrol", covariates="is_k")
    ref = impact(df, outcome="y", arm="arm", control="kontrol")
    close(res.estimate, ref.estimate)
    assert any("is_k" in n for n in res.notes)


def test_arm_collinear_with_strata_is_an_error(trial: pd.DataFrame) -> None:
    df = trial.assign(by_arm=trial["arm"].astype(str))  # each stratum holds a single arm
    with pytest.raises(JBPInputError, match="collinear with the strata fixed effects"):
        impact(df, outcome="y", arm="arm", control="kontrol", strata="by_arm")


# --------------------------------------------------------------------------- recovery
def test_planted_effects_lie_in_their_95_ci() -> None:
    effects = (0.0, 0.25, 0.6)
    # One seeded draw; benchmarks/coverage checks the 95% coverage over 200+ draws.
    df = clustered_trial(seed=1, n_clusters=240, cluster_size=15, n_strata=4, effects=effects)
    truth = {
        "karitatif - kontrol": effects[1] - effects[0],
        "pendampingan - kontrol": effects[2] - effects[0],
        "pendampingan - karitatif": effects[2] - effects[1],
    }
    for method in ("ancova", "diff_in_means"):
        res = impact(
            df,
            outcome="y",
            arm="arm",
            control="kontrol",
            baseline="y0" if method == "ancova" else None,
            covariates=["x1", "x2"] if method == "ancova" else (),
            strata="stratum",
            cluster="cluster",
            method=method,
        )
        for row in res.tidy().itertuples():
            assert row.ci_low < truth[row.contrast] < row.ci_high, (method, row.contrast)
    res = impact(
        trial_panel(df),
        outcome="y",
        arm="arm",
        control="kontrol",
        cluster="cluster",
        method="did",
        unit="unit",
        time="period",
    )
    for row in res.tidy().itertuples():
        assert row.ci_low < truth[row.contrast] < row.ci_high, ("did", row.contrast)


@pytest.mark.slow
def test_ci_coverage_is_nominal() -> None:
    """Slow: 1000 replications (MC SE 0.7 points) with 120 clusters; benchmarks/coverage
    prints the full table for 60 and 120 clusters."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "coverage" / "__main__.py"
    spec = importlib.util.spec_from_file_location("coverage_bench", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    table = mod.coverage_table(n_reps=1000, seed=1, n_clusters=120)
    assert table["coverage"].between(0.93, 0.97).all(), table


def test_recovers_the_simulators_planted_effects() -> None:
    """On the simulator's clean truth (all 3,600 roster members, 144 groups), difference in means
    by arm recovers the realised effect of every outcome, contrast and wave (81 checks).

    The 81 checks are far from independent (the same groups in every wave; a chance imbalance
    between arms at baseline persists into the later waves and into related outcomes such as
    employed / unemployed / own business), so the number of 95% intervals that miss is much more
    dispersed than Binomial(81, .05). Calibrated on simulator seeds 10-69 with this code: on
    average 3.5 misses (4.3%), 95th percentile 8, 99th 17, maximum 19; largest |z| 4.4. Seed 3
    has 11 misses (baseline imbalance in employment carried into the endline and follow-up).
    The test allows at most 16 misses and requires every estimate within 4.5 SE of the truth.
    """
    from jbp_analysis.outcomes.build import awareness_scale, build_group_outcomes, build_outcomes
    from jbp_analysis.simulate import SimConfig, simulate

    sim = simulate(SimConfig(seed=3, groups_per_district=24, mess=0.0))
    panel = sim.truth.panel
    out = build_outcomes(panel, winsor=None)
    # the simulator's awareness_index is the item mean with reverse items reversed
    out["awareness_item_mean"] = awareness_scale(panel).reverse(panel).mean(axis=1)
    groups = build_group_outcomes(sim.truth.groups, winsor=None)
    ours = {
        "employed": "employed",
        "unemployed": "openly_unemployed",
        "own_business": "runs_business",
        "household_income": "income_household",
        "business_profit": "profit",
        "awareness_index": "awareness_item_mean",
        "business_operating": "business_operating",
        "legalised": "legalised",
        "monthly_revenue": "revenue",
    }
    eff = sim.truth.effects
    eff = eff[(eff["subgroup"] == "all") & eff["outcome"].isin(list(ours))]
    z, covered = [], []
    for (outcome, wave), e in eff.groupby(["outcome", "wave"]):
        data = out if e["level"].iloc[0] == "respondent" else groups
        res = impact(
            data[data["wave"] == wave],
            outcome=ours[outcome],
            arm="arm",
            control="kontrol",
            strata="district_code",
            cluster="group_id",
            method="diff_in_means",
        )
        truth = dict(zip(e["arm"], e["effect"], strict=True))
        truth["pair"] = truth["pendampingan"] - truth["karitatif"]
        for k, key in enumerate(["karitatif", "pendampingan", "pair"]):
            z.append((res.estimate[k] - truth[key]) / res.std_error[k])
            covered.append(res.ci_low[k] <= truth[key] <= res.ci_high[k])
    assert len(covered) == 81
    assert sum(not c for c in covered) <= 16
    assert np.max(np.abs(z)) < 4.5
