"""The report's analysis calls with few groups: checked against direct fits and exact counts."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from jbp_analysis.analyses.balance import balance_table
from jbp_analysis.estimate import impact, impact_table
from jbp_analysis.report.estimable import (
    balance_view,
    covariate_columns,
    estimate_impacts,
    joint_test_estimable,
)

VARS = ["age", "size", "female", "income"]


def _groups(n_groups: int, *, seed: int = 0, members: int = 12, strata: int = 1) -> pd.DataFrame:
    """``n_groups`` per stratum, arms assigned in turn (so equal numbers per arm)."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_groups * strata), members)
    arms = np.array(["kontrol", "karitatif", "pendampingan"])
    n = g.size
    return pd.DataFrame(
        {
            "group_id": g,
            "stratum": g // n_groups,
            "arm": pd.Categorical(arms[(g % n_groups) % 3], categories=list(arms)),
            "age": rng.normal(22, 3, n) + rng.normal(0, 1, n_groups * strata)[g],
            "size": rng.poisson(4, n).astype(float),
            "female": rng.random(n) < 0.5,
            "income": rng.lognormal(14.5, 0.4, n),
        }
    )


def test_rank_rule() -> None:
    assert not joint_test_estimable(4, 1, 4) and joint_test_estimable(5, 1, 4)
    assert not joint_test_estimable(12, 6, 8) and joint_test_estimable(12, 4, 8)


def test_two_groups_per_arm_degrades_instead_of_failing() -> None:
    df = _groups(6, seed=1)  # 2 groups per arm: 4 per pair, 3 = G - 1 < 4 variables
    try:  # what the reports used to hit: an error, or F statistics of order 1e15, even < 0
        f = balance_table(
            df, variables=VARS, arm="arm", control="kontrol", cluster="group_id"
        ).ftest()["f_statistic"]
        assert (f.abs() > 1e10).all()
    except np.linalg.LinAlgError:
        pass
    view = balance_view(df, variables=VARS)
    assert not view.ftest["estimable"].any() and view.ftest["p_value"].isna().all()
    assert view.ftest["n_clusters"].tolist() == [4, 4, 4]
    # per-variable rows equal a direct clustered fit (statsmodels, CR1), pair by pair
    for (a, b), rows in view.tidy.groupby(
        view.tidy["contrast"].str.split(" - ").map(lambda x: (x[1], x[0]))
    ):
        pair = df[df["arm"].isin([a, b])]
        pair = pair.assign(d=(pair["arm"] == b).astype(float))
        for r in rows.itertuples():
            y = pair[r.variable].astype(float)
            fit = smf.ols("y ~ d", data=pair.assign(y=y)).fit(
                cov_type="cluster", cov_kwds={"groups": pair["group_id"]}
            )
            assert r.difference == pytest.approx(fit.params["d"], rel=1e-9)
            assert r.std_error == pytest.approx(fit.bse["d"], rel=1e-6)
    assert len(view.by_arm) == len(VARS) * 3


def test_joint_statistic_reproduces_balance_table_exactly() -> None:
    df = _groups(6, seed=2, strata=3)  # 18 groups: 12 per pair, 3 strata
    bt = balance_table(
        df, variables=VARS, arm="arm", control="kontrol", cluster="group_id", strata="stratum"
    )
    view = balance_view(df, variables=VARS, strata="stratum", n_perm=199, seed=5)
    assert view.ftest["estimable"].all()
    np.testing.assert_allclose(view.ftest["f_statistic"], bt.ftest()["f_statistic"], rtol=1e-8)
    np.testing.assert_allclose(view.ftest["p_value_f"], bt.ftest()["p_value"], rtol=1e-12)
    assert (view.ftest["n_perm"] == 199).all()
    again = balance_view(df, variables=VARS, strata="stratum", n_perm=199, seed=5)
    pd.testing.assert_frame_equal(view.ftest, again.ftest)  # deterministic given the seed


def test_randomization_p_value_matches_full_enumeration() -> None:
    """2 + 2 groups: 6 possible assignments; the exact p-value is a count over them."""
    df = _groups(6, seed=4)
    pair = df[df["arm"].isin(["kontrol", "pendampingan"])].copy()
    groups = sorted(pair["group_id"].unique())
    observed = set(pair.loc[pair["arm"] == "pendampingan", "group_id"])
    stats = []
    for treated in itertools.combinations(groups, 2):  # every assignment, the slow direct way
        relab = pair.assign(arm=np.where(pair["group_id"].isin(treated), "pendampingan", "kontrol"))
        f = (
            balance_table(
                relab, variables=["age"], arm="arm", control="kontrol", cluster="group_id"
            )
            .ftest()["f_statistic"]
            .iloc[0]
        )
        stats.append((set(treated) == observed, f))
    f_obs = next(f for is_obs, f in stats if is_obs)
    exact = np.mean([f >= f_obs * (1 - 1e-10) for _, f in stats])
    ri = balance_view(pair, variables=["age"], n_perm=6000, seed=1).ftest.iloc[0]
    assert ri["estimable"] and ri["n_perm"] == 6000
    assert ri["f_statistic"] == pytest.approx(f_obs, rel=1e-8)
    assert ri["p_value"] == pytest.approx(exact, abs=0.02)  # Monte Carlo error ~0.006
    assert ri["p_value"] != exact  # drawn, not enumerated: the reports' p-values never were


def test_report_p_values_are_the_inference_test_with_sequential_draws() -> None:
    """The report's joint test is inference.joint's, on the pair's complete rows, with the
    reports' draws: one stream shuffling each stratum's groups (strata and groups in the order
    the rows show them); p = (1 + #{F* >= F}) / (n_perm + 1)."""
    from jbp_analysis.inference.joint import randomization_balance_test

    df = _groups(6, seed=2, strata=3).sample(frac=1.0, random_state=3)  # rows in no order
    df.loc[df.index[:7], "age"] = np.nan
    view = balance_view(df, variables=VARS, strata="stratum", n_perm=39, seed=5)
    row = view.ftest.set_index("contrast").loc["pendampingan - karitatif"]
    pair = df[df["arm"].isin(["karitatif", "pendampingan"])].dropna(subset=VARS)
    X = pair[VARS].astype(float).to_numpy()
    treated = (pair["arm"] == "pendampingan").to_numpy(float)
    args = {"group": pair["group_id"].to_numpy(), "strata": pair["stratum"].to_numpy()}
    test = randomization_balance_test(
        X, treated, **args, draws=39, seed=5, enumerate=False, sampler="sequential"
    )
    assert row["p_value"] == test.p_value and row["n_obs"] == len(pair)
    assert row["f_statistic"] == pytest.approx(test.statistic, rel=1e-12)
    # the draws by hand: groups in order of first appearance, one generator, stratum by stratum
    first = pair.drop_duplicates("group_id")
    g_arm = (first["arm"] == "pendampingan").to_numpy(int)
    g_st = first["stratum"].to_numpy()
    rng = np.random.default_rng(5)
    perms = np.repeat(g_arm[None, :], 39, axis=0)
    for s in dict.fromkeys(g_st):
        idx = np.flatnonzero(g_st == s)
        perms[:, idx] = g_arm[idx][np.argsort(rng.random((39, idx.size)), axis=1)]
    stats = []
    for arms in perms:  # each re-randomisation's F from balance_table, the slow direct way
        relab = pair.assign(
            arm=pair["group_id"].map(dict(zip(first["group_id"], arms, strict=True)))
        )
        relab["arm"] = np.where(relab["arm"] == 1, "pendampingan", "karitatif")
        bt = balance_table(
            relab,
            variables=VARS,
            arm="arm",
            control="karitatif",
            cluster="group_id",
            strata="stratum",
        )
        stats.append(bt.ftest()["f_statistic"].iloc[0])
    hits = int(np.sum(np.asarray(stats) >= row["f_statistic"] * (1 - 1e-9)))
    assert row["p_value"] == (1 + hits) / 40


def test_estimate_impacts_matches_impact_table_and_flags_missing_arms() -> None:
    rng = np.random.default_rng(3)
    df = _groups(9, seed=3).assign(wave="endline")
    df["y"] = rng.normal(0, 1, len(df)) + 0.5 * (df["arm"] == "pendampingan")
    df["y_bl"] = rng.normal(0, 1, len(df))
    df["sex"] = np.where(rng.random(len(df)) < 0.5, "male", "female")
    df.loc[(df["sex"] == "female") & (df["arm"] == "kontrol"), "sex"] = "male"  # no women
    out = estimate_impacts(df, outcomes={"f": ["y"]}, waves=["endline"], covariates=())
    ref = impact_table(
        df,
        outcomes={"f": ["y"]},
        baseline="{outcome}_bl",
        arm="arm",
        control="kontrol",
        cluster="group_id",
        inference="auto",
        seed=0,
    )
    assert out["inference"].str.startswith("wild").all()  # 9 groups: the bootstrap
    np.testing.assert_allclose(out["estimate"], ref["estimate"], rtol=1e-12)
    np.testing.assert_allclose(out["p_value"], ref["p_value"], rtol=1e-12)
    np.testing.assert_allclose(out["std_error"], ref["std_error"], rtol=1e-12)
    assert out["estimable"].all() and (out["wave"] == "endline").all()
    by = estimate_impacts(
        df,
        outcomes={"f": ["y"]},
        waves=["endline"],
        by="sex",
        levels=["male", "female"],
        covariates=(),
    )
    men, women = by[by["subgroup"] == "male"], by[by["subgroup"] == "female"]
    assert men["estimable"].all() and men["estimate"].notna().all()
    assert len(women) == 3 and not women["estimable"].any() and women["estimate"].isna().all()
    # an absent treated arm only drops its contrasts
    two = estimate_impacts(
        df[df["arm"] != "karitatif"], outcomes={"f": ["y"]}, waves=["endline"], covariates=()
    )
    assert two["contrast"].tolist() == ["pendampingan - kontrol"] and two["estimable"].all()


def test_two_groups_per_arm_keep_the_estimate_but_no_interval() -> None:
    from jbp_analysis.i18n import t
    from jbp_analysis.inference import FewTreatedClustersWarning
    from jbp_analysis.report import narrative, tables

    rng = np.random.default_rng(5)
    df = _groups(6, seed=5).assign(wave="endline")  # 2 groups per arm
    df["y"] = rng.normal(0, 1, len(df))
    df["y_bl"] = rng.normal(0, 1, len(df))
    out = estimate_impacts(df, outcomes={"f": ["y"]}, waves=["endline"], covariates=())
    with pytest.warns(FewTreatedClustersWarning):  # the estimator's own warning, handled above
        ref = impact_table(
            df,
            outcomes={"f": ["y"]},
            baseline="{outcome}_bl",
            arm="arm",
            control="kontrol",
            cluster="group_id",
            inference="auto",
        )
    np.testing.assert_allclose(out["estimate"], ref["estimate"], rtol=1e-12)
    assert (out["min_arm_groups"] == 2).all() and not out["inference_ok"].any()
    assert out[["ci_low", "ci_high", "p_value"]].isna().all().all()
    rt = tables.impact_reader(out, lang="en")
    assert rt.shown[t("col.ci_level", "en", level=95)].eq("not estimable").all()
    assert rt.shown[t("col.estimate", "en")].str.match(r"^[+\u2212]\d").all()
    assert t("note.few_groups_ci", "en") in rt.footnotes
    lines = narrative.impact_lines(out.assign(n_obs=100), lang="en")
    assert len(lines) == 3 and all("no confidence interval: too few groups" in x for x in lines)


def test_families_span_waves_and_covariates_enter_the_ancova() -> None:
    """q-values and Romano-Wolf p-values adjust over every outcome, wave and contrast of a
    family; the baseline covariates enter the regression (mean-filled with a missing dummy)."""
    from jbp_analysis.inference import sharpened_qvalues

    rng = np.random.default_rng(11)
    one = _groups(12, seed=11)
    df = pd.concat([one.assign(wave="endline"), one.assign(wave="followup")], ignore_index=True)
    df["y"] = rng.normal(0, 1, len(df)) + 0.4 * (df["arm"] == "pendampingan")
    df["z"] = rng.normal(0, 1, len(df))
    df["y_bl"] = rng.normal(0, 1, len(df))
    df["z_bl"] = rng.normal(0, 1, len(df))
    df["age_bl"] = rng.normal(22, 3, len(df)).round()
    df.loc[df.index[:7], "age_bl"] = np.nan
    out = estimate_impacts(
        df, outcomes={"f": ["y", "z"]}, waves=["endline", "followup"], covariates=["age"]
    )
    assert len(out) == 2 * 2 * 3 and out["family"].eq("f").all()
    np.testing.assert_allclose(
        out["q_value"], sharpened_qvalues(out["p_value"].to_numpy()), rtol=1e-12
    )
    assert out["p_romano_wolf"].notna().all()
    assert (out["p_romano_wolf"] >= out["p_value"] - 1e-12).all()
    # each row is the impact() of that wave's rows with the mean-filled covariate and its dummy
    cov, names = covariate_columns(df, ["age"])
    assert names == ["age_bl", "age_bl_missing"]
    end = cov[cov["wave"] == "endline"]
    ref = impact(
        end,
        outcome="z",
        baseline="z_bl",
        covariates=names,
        arm="arm",
        control="kontrol",
        cluster="group_id",
        inference="auto",
        seed=0,
    ).tidy()
    got = out[(out["wave"] == "endline") & (out["outcome"] == "z")]
    np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=1e-10)
    np.testing.assert_allclose(got["p_value"], ref["p_value"], rtol=1e-10)
    assert out["covariates"].eq("age").all()
    # the robustness version without covariates differs
    bare = estimate_impacts(
        df, outcomes={"f": ["y", "z"]}, waves=["endline", "followup"], covariates=()
    )
    assert not np.allclose(bare["estimate"], out["estimate"])
    assert bare["covariates"].eq("").all()


def test_heterogeneity_uses_the_interacted_model_and_adjusts_its_tests() -> None:
    from jbp_analysis.analyses.heterogeneity import heterogeneity
    from jbp_analysis.inference import sharpened_qvalues
    from jbp_analysis.report import narrative, tables
    from jbp_analysis.report.estimable import estimate_heterogeneity

    rng = np.random.default_rng(21)
    df = _groups(12, seed=21).assign(wave="endline")
    df["sex"] = np.where(df["female"], "female", "male")
    df["y"] = rng.normal(0, 1, len(df)) + 0.5 * (df["arm"] == "pendampingan") * df["female"]
    df["y_bl"] = rng.normal(0, 1, len(df))
    df["w"] = rng.normal(0, 1, len(df))
    df["w_bl"] = rng.normal(0, 1, len(df))
    out = estimate_heterogeneity(
        df, outcomes=["y", "w"], waves=["endline"], by="sex", covariates=()
    )
    ref = heterogeneity(
        df,
        outcome="y",
        arm="arm",
        control="kontrol",
        by="sex",
        baseline="y_bl",
        cluster="group_id",
        inference="auto",
    ).tidy()
    got = out[out["outcome"] == "y"].reset_index(drop=True)
    np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=1e-10)
    np.testing.assert_allclose(got["interaction_p"], ref["interaction_p"], rtol=1e-10)
    assert got["interaction_test"].str.startswith("wild").all()  # 12 groups: few-cluster test
    # q-values over the 2 outcomes x 2 contrasts against control
    tests = out[out["contrast"].str.endswith(" - kontrol")].drop_duplicates(["outcome", "contrast"])
    np.testing.assert_allclose(
        tests["interaction_q"], sharpened_qvalues(tests["interaction_p"].to_numpy()), rtol=1e-12
    )
    assert out.loc[~out["contrast"].str.endswith(" - kontrol"), "interaction_q"].isna().all()
    lines = narrative.heterogeneity_lines(out, lang="en", min_cell=1)
    assert len(lines) == 2 and all("interaction test" in s for s in lines)
    assert not any("significant" in s for s in lines)  # no per-subgroup verdicts
    rt = tables.heterogeneity_reader(out, lang="en", min_cell=1)
    assert "q-value (adjusted)" in rt.shown.columns and len(rt.shown) == 2


def test_attrition_view_bounds_primary_outcomes_where_attrition_differs() -> None:
    from jbp_analysis.report import tables
    from jbp_analysis.report.estimable import attrition_view

    rng = np.random.default_rng(8)
    one = _groups(12, seed=8)
    df = pd.concat([one.assign(wave="endline"), one.assign(wave="followup")], ignore_index=True)
    rate = np.where(df["wave"] == "endline", 0.9, df["arm"].map({"kontrol": 0.7}).fillna(0.9))
    df["responded"] = rng.random(len(df)) < rate
    df["y"] = rng.normal(0, 1, len(df))
    df["y"] = df["y"].where(df["responded"])
    view = attrition_view(df, outcomes=["y"], waves=["endline", "followup"], draws=50)
    spread = view.differential.set_index("wave")["max_difference"]
    assert spread["followup"] > view.threshold
    flagged = set(spread[spread > view.threshold].index)
    assert set(view.lee["wave"]) == flagged and "followup" in flagged
    assert view.lee["ci_low"].le(view.lee["lower"]).all()
    assert view.tests["inference"].str.startswith("wild").all()
    rt = tables.lee_reader(view, lang="en", min_cell=1)
    assert len(rt.shown) == len(view.lee)


def test_unemployment_levels_by_hand() -> None:
    from jbp_analysis.report import narrative

    T, F, N = True, False, None
    # control: 10 youths, 3 BPS unemployed (2 ILO), 4 employed, 3 outside the labour force
    bps = [T, T, T, F, F, F, F, F, F, F]
    ilo = [T, T, F, F, F, F, F, F, F, F]
    tpt = [T, T, T, F, F, F, F, N, N, N]  # unemployed / labour force = 3 / 7
    d = pd.DataFrame(
        {
            "wave": "followup",
            "arm": ["kontrol"] * 10,
            "unemployed_bps": pd.array(bps, dtype="boolean"),
            "unemployed_ilo": pd.array(ilo, dtype="boolean"),
            "unemployed": pd.array(tpt, dtype="boolean"),
        }
    )
    text = narrative.unemployment_levels(d, wave="followup", lang="en", min_cell=5)
    assert "30.0% of young people in the control arm" in text
    assert "TPT, among the labour force: 42.9%" in text and "ILO definition 20.0%" in text
    assert "×" in narrative.unemployment_levels(d, wave="followup", lang="en", min_cell=11)


def test_cost_per_participant_view_is_the_analyses_cost_per_participant() -> None:
    """The chart's table is analyses.cost_effectiveness.cost_per_participant on the baseline
    roster of each group, for the arms with cost records, in the study's arm order."""
    from fixtures.processed import make_processed

    from jbp_analysis.analyses.cost_effectiveness import cost_per_participant
    from jbp_analysis.report.estimable import cost_per_participant_view, roster_by_group

    f = make_processed(seed=3)
    view = cost_per_participant_view(f.costs, f.panel)
    ref = cost_per_participant(f.costs, roster_by_group(f.panel)).set_index("arm")
    assert view["arm"].tolist() == ["karitatif", "pendampingan"]  # kontrol: no cost records
    assert "kontrol" in ref.index and ref.loc["kontrol", "cost_per_participant_rp"] == 0
    ref = ref.loc[view["arm"]]
    np.testing.assert_array_equal(view["value"], ref["cost_per_participant_rp"])
    np.testing.assert_array_equal(view["n"], ref["participants"])
    np.testing.assert_array_equal(view["n_groups"], ref["groups"])
    # the denominator is the baseline roster: members interviewed later or not
    base = f.panel[f.panel["wave"].astype(str) == "baseline"]
    roster = base.groupby(base["arm"].astype(str))["respondent_id"].nunique()
    assert view.set_index("arm")["n"].to_dict() == roster[view["arm"]].to_dict()
    totals = f.costs.groupby(f.costs["arm"].astype(str))["cost_rp"].sum()
    np.testing.assert_allclose(view["value"], totals[view["arm"]].to_numpy() / view["n"])


def test_report_estimates_follow_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Level, inference, few-cluster threshold and draws are the plan's: a plan whose
    threshold is 10, level 0.90 and draws 99 turns 13 groups into CR1 rows with 90% intervals,
    in the impacts, the heterogeneity tests and the attrition tests; keywords still win."""
    import dataclasses

    from jbp_analysis.analyses.attrition import attrition
    from jbp_analysis.report import estimable
    from jbp_analysis.report.estimable import attrition_view, estimate_heterogeneity

    rng = np.random.default_rng(21)
    df = _groups(13, seed=21).assign(wave="endline")
    df["sex"] = np.where(df["female"], "female", "male")
    df["y"] = rng.normal(0, 1, len(df)) + 0.5 * (df["arm"] == "pendampingan")
    df["y_bl"] = rng.normal(0, 1, len(df))
    df["responded"] = rng.random(len(df)) < 0.9
    one = dict(outcomes={"f": ["y"]}, waves=["endline"], covariates=())
    shipped = estimate_impacts(df, **one)
    assert shipped["inference"].eq("wild (auto: 13 clusters < 50)").all()
    plan = dataclasses.replace(estimable.PLAN, few_cluster_threshold=10, level=0.9, draws=99)
    monkeypatch.setattr(estimable, "PLAN", plan)
    edited = estimate_impacts(df, **one)
    assert edited["inference"].eq("cr1 (auto: 13 clusters >= 10)").all()
    opts = dict(arm="arm", control="kontrol", cluster="group_id", seed=0)
    ref = impact_table(
        df, outcomes={"f": ["y"]}, baseline="{outcome}_bl", inference="cr1", level=0.9, **opts
    )
    for col in ("ci_low", "ci_high", "p_value"):
        np.testing.assert_array_equal(edited[col], ref[col])
    # the plan's draws reach the Romano-Wolf draws (13 groups: drawn, not all 2**13 enumerated)
    rw = impact_table(
        df, outcomes={"f": ["y"]}, baseline="{outcome}_bl", inference="cr1", level=0.9, draws=99,
        **opts,
    )  # fmt: skip
    np.testing.assert_array_equal(edited["p_romano_wolf"], rw["p_romano_wolf"])
    cr1_95 = impact_table(df, outcomes={"f": ["y"]}, baseline="{outcome}_bl", inference="cr1",
                          p_adjust="q", **opts)  # fmt: skip
    assert ((edited["ci_high"] - edited["ci_low"]) < (cr1_95["ci_high"] - cr1_95["ci_low"])).all()
    # explicit keywords override the plan: the shipped numbers again
    back = estimate_impacts(df, **one, level=0.95, few_cluster_threshold=50, draws=9999)
    pd.testing.assert_frame_equal(back, shipped)
    assert estimate_impacts(df, **one, inference="cr2")["inference"].eq("cr2").all()
    # heterogeneity: CR1 subgroup effects and F interaction tests at the plan's level
    het = estimate_heterogeneity(df, outcomes=["y"], waves=["endline"], by="sex", covariates=())
    assert het["inference"].eq("cr1 (auto: 13 clusters >= 10)").all()
    assert not het["interaction_test"].str.startswith("wild").any()
    from jbp_analysis.analyses.heterogeneity import heterogeneity

    het_ref = heterogeneity(df, outcome="y", by="sex", baseline="y_bl", inference="cr1",
                            level=0.9, **opts).tidy()  # fmt: skip
    np.testing.assert_array_equal(het["ci_low"], het_ref["ci_low"])
    # attrition: the differential-attrition tests too
    view = attrition_view(df, outcomes=["y"], waves=["endline"], threshold=1.0)
    assert view.tests["inference"].eq("cr1 (auto: 13 clusters >= 10)").all()
    direct = attrition(df, arm="arm", control="kontrol", cluster="group_id", inference="cr1",
                       level=0.9)  # fmt: skip
    np.testing.assert_array_equal(view.tests["ci_low"], direct.tests()["ci_low"])
