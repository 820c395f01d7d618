"""Few-cluster inference inside impact() and impact_table(): wild bootstrap, CR2, randomisation
inference, the "auto" rule, and the multiple-testing columns.

Every engine call through :func:`impact` is checked against a direct call of the engine of
:mod:`jbp_analysis.inference` on the same regression written out by hand (arm dummies, the
baseline, covariates and one dummy per stratum as columns), so the wiring (fixed effects kept as
regressors, weights, cluster order, contrasts) is tested, not assumed.
"""

from __future__ import annotations

import doctest
import importlib
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from fixtures.trial import ARMS, clustered_trial, trial_panel

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.estimate import ADJUSTED_COLUMNS, TIDY_COLUMNS, impact, impact_table
from jbp_analysis.estimate.covariance import INFERENCE_METHODS
from jbp_analysis.inference import (
    AUTO_WILD_BELOW_CLUSTERS,
    FewTreatedClustersWarning,
    cr2,
    randomization_test,
    romano_wolf,
    sharpened_qvalues,
    wild_cluster_bootstrap,
)

CONTRASTS = ["karitatif - kontrol", "pendampingan - kontrol", "pendampingan - karitatif"]
#: Contrast rows over the hand-built design's first two columns (karitatif, pendampingan).
L2 = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 1.0]])


def close(a, b, rtol: float = 1e-12) -> None:
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=0)


@pytest.fixture(scope="module")
def trial() -> pd.DataFrame:
    """18 groups in 3 districts, 7 respondents each: the few-cluster case."""
    return clustered_trial(seed=3, n_clusters=18, cluster_size=7, n_strata=3)


def hand_design(df: pd.DataFrame, *, strata: str | None = "stratum", covs=("y0", "x1", "x2")):
    """Arm dummies, covariates, then one dummy per stratum (or a constant): the full regression."""
    cols = [(df["arm"] == a).to_numpy(float) for a in ARMS[1:]]
    cols += [df[c].to_numpy(float) for c in covs]
    if strata is None:
        cols.append(np.ones(len(df)))
    else:
        cols += [(df[strata] == s).to_numpy(float) for s in sorted(df[strata].unique())]
    X = np.column_stack(cols)
    L = np.zeros((3, X.shape[1]))
    L[:, :2] = L2
    return X, L


OPTS = dict(outcome="y", arm="arm", control="kontrol", baseline="y0", covariates=["x1", "x2"])


# --------------------------------------------------------------------------- wild bootstrap
@pytest.mark.parametrize(("strata", "weights"), [("stratum", None), ("stratum", "w"), (None, None)])
def test_wild_equals_the_engine_on_the_full_regression(trial, strata, weights) -> None:
    res = impact(
        trial,
        **OPTS,
        strata=strata,
        cluster="cluster",
        weights=weights,
        inference="wild",
        draws=999,
        seed=7,
        return_draws=True,
    )
    X, L = hand_design(trial, strata=strata)
    w = None if weights is None else trial[weights].to_numpy()
    ref = [
        wild_cluster_bootstrap(
            X, trial["y"].to_numpy(), trial["cluster"].to_numpy(), restriction=L[i], draws=999,
            seed=7, sample_weights=w, return_draws=True,
        )
        for i in range(3)
    ]  # fmt: skip
    assert res.inference == "wild" and res.inference_method == "wild"
    assert np.array_equal(res.p_value, [r.p_value for r in ref])  # same draws, same counts
    close(res.ci_low, [r.ci_low for r in ref], rtol=1e-10)  # bisection tolerance 1e-10
    close(res.ci_high, [r.ci_high for r in ref], rtol=1e-10)
    # the reported standard error is CR1 (Stata's factor), the engine's studentisation
    close(res.std_error, [r.std_error for r in ref])
    close(res.t_boot, [r.t_stat for r in ref])
    np.testing.assert_allclose(res.t_draws, np.column_stack([r.t_draws for r in ref]), atol=1e-10)
    assert res.t_draws.shape == (999, 3) and np.isnan(res.contrast_df).all()
    assert res.cluster_ids.tolist() == sorted(trial["cluster"].unique())
    assert any("std_error is CR1" in n for n in res.notes)


def test_wild_standard_error_is_statsmodels_cr1(trial) -> None:
    res = impact(trial, **OPTS, strata="stratum", cluster="cluster", inference="wild")
    X, _ = hand_design(trial)
    ref = sm.OLS(trial["y"].to_numpy(), X).fit(
        cov_type="cluster", cov_kwds={"groups": trial["cluster"].to_numpy()}
    )
    close(res.std_error[:2], ref.bse[:2], rtol=1e-9)
    cr1 = impact(trial, **OPTS, strata="stratum", cluster="cluster", inference="cr1")
    close(res.std_error, cr1.std_error)
    close(res.estimate, cr1.estimate)
    assert res.df == cr1.df == 17  # Wald tests of chosen contrasts keep CR1 with G - 1 df
    both = list(res.contrasts[:2])
    assert res.wald_test(both).p_value == pytest.approx(cr1.wald_test().p_value, rel=1e-12)
    # the default joint test of a few-cluster result is the wild bootstrap Wald
    joint = res.wald_test()
    assert joint.method == "wild" and joint.df_num == 2
    assert joint.statistic == pytest.approx(cr1.wald_test().statistic, rel=1e-9)


def test_wild_did_partials_out_nested_unit_effects_exactly(trial) -> None:
    """Unit effects are nested in the groups: the bootstrap on the within-transformed panel is
    the bootstrap with one dummy per unit (same p-values and intervals)."""
    small = trial[trial["cluster"] < 12]
    panel = trial_panel(small)
    res = impact(
        panel, outcome="y", arm="arm", control="kontrol", cluster="cluster", method="did",
        unit="unit", time="period", inference="wild",
    )  # fmt: skip
    post = panel["period"].to_numpy(float)
    units = np.sort(panel["unit"].unique())
    U = (panel["unit"].to_numpy()[:, None] == units[None, :]).astype(float)
    arms = [((panel["arm"] == a).to_numpy() * post) for a in ARMS[1:]]
    X = np.column_stack([*arms, post, U])
    L = np.zeros((3, X.shape[1]))
    L[:, :2] = L2
    for i in range(3):
        ref = wild_cluster_bootstrap(
            X, panel["y"].to_numpy(), panel["cluster"].to_numpy(), restriction=L[i]
        )
        assert ref.enumerated and ref.B == 2**12
        assert res.p_value[i] == ref.p_value
        close([res.ci_low[i], res.ci_high[i]], [ref.ci_low, ref.ci_high], rtol=1e-9)


def test_did_with_units_across_clusters_is_refused(trial) -> None:
    panel = trial_panel(trial)
    panel["block"] = np.where(panel["period"] == 0, panel["cluster"], panel["cluster"] % 5)
    with pytest.raises(ConfigError, match="every unit inside one cluster"):
        impact(
            panel, outcome="y", arm="arm", control="kontrol", cluster="block", method="did",
            unit="unit", time="period", inference="wild",
        )  # fmt: skip


def test_rupiah_scale_covariates_do_not_matter(trial) -> None:
    """Columns outside the contrasts are rescaled before the engines' rank checks."""
    big = trial.assign(x1=trial["x1"] * 1e8, y0=trial["y0"] * 1e7)
    for inference in ("wild", "cr2"):
        a = impact(trial, **OPTS, strata="stratum", cluster="cluster", inference=inference)
        b = impact(big, **OPTS, strata="stratum", cluster="cluster", inference=inference)
        close(b.p_value, a.p_value, rtol=1e-9)
        close(b.std_error, a.std_error, rtol=1e-9)


def test_draws_are_deterministic_and_follow_the_seed(trial) -> None:
    args = dict(**OPTS, strata="stratum", cluster="cluster", inference="wild")
    a = impact(trial, **args, draws=499, seed=1)
    b = impact(trial, **args, draws=499, seed=1)
    c = impact(trial, **args, draws=499, seed=2)
    assert a.tidy().equals(b.tidy())
    assert not np.array_equal(a.p_value, c.p_value)
    webb = impact(trial, **args, draws=499, bootstrap_weights="webb")
    assert any("webb weights" in n for n in webb.notes)


# --------------------------------------------------------------------------- CR2
@pytest.mark.parametrize("weights", [None, "w"])
def test_cr2_equals_the_engine_on_the_full_regression(trial, weights) -> None:
    res = impact(
        trial, **OPTS, strata="stratum", cluster="cluster", weights=weights, inference="cr2"
    )
    X, L = hand_design(trial)
    w = None if weights is None else trial[weights].to_numpy()
    ref = cr2(X, trial["y"].to_numpy(), trial["cluster"].to_numpy(), contrasts=L, weights=w)
    close(res.std_error, ref.std_error)
    close(res.contrast_df, ref.df_bm)  # one Satterthwaite df per contrast
    assert len(set(np.round(res.contrast_df, 6))) == 3
    close(res.p_value, ref.p_value, rtol=1e-10)
    close(res.ci_low, ref.ci_low, rtol=1e-10)
    close(res.ci_high, ref.ci_high, rtol=1e-10)
    close(res.cov.iloc[:2, :2], ref.vcov[:2, :2], rtol=1e-10)
    assert res.inference == "cr2" and any("Satterthwaite" in n for n in res.notes)


def test_cr2_with_one_observation_per_cluster_is_statsmodels_hc2(trial) -> None:
    X, _ = hand_design(trial)
    ref = sm.OLS(trial["y"].to_numpy(), X).fit(cov_type="HC2")
    for cluster in ("unit", None):  # singleton clusters, or no cluster column: every row alone
        res = impact(trial, **OPTS, strata="stratum", cluster=cluster, inference="cr2")
        close(res.std_error[:2], ref.bse[:2], rtol=1e-10)
        pair = np.sqrt(ref.cov_params()[0, 0] + ref.cov_params()[1, 1] - 2 * ref.cov_params()[0, 1])
        close(res.std_error[2], pair, rtol=1e-10)


# --------------------------------------------------------------------------- randomisation
def test_ri_equals_the_engine(trial) -> None:
    small = trial[trial["cluster"] < 12].copy()
    small["district"] = np.where(small["cluster"] < 6, "3322", "3373")
    res = impact(small, **OPTS, strata="district", cluster="cluster", inference="ri")
    ref = randomization_test(
        small["y"].to_numpy(),
        arm=small["arm"].astype(str).to_numpy(),
        group=small["cluster"].to_numpy(),
        strata=small["district"].to_numpy(),
        covariates=small[["y0", "x1", "x2"]].to_numpy(),
        arms=list(ARMS),
        control="kontrol",
    )
    assert ref.enumerated and ref.labels == tuple(CONTRASTS)
    assert np.array_equal(res.p_value, ref.p_value)
    close(res.estimate, ref.estimate, rtol=1e-10)
    assert np.isnan(res.ci_low).all() and np.isnan(res.ci_high).all()
    cr1 = impact(small, **OPTS, strata="district", cluster="cluster")
    close(res.std_error, cr1.std_error)
    assert res.inference == "ri" and any("no confidence interval" in n for n in res.notes)


def test_ri_for_did_is_the_first_difference_test(trial) -> None:
    small = trial[trial["cluster"] < 12].copy()
    panel = trial_panel(small)
    res = impact(
        panel, outcome="y", arm="arm", control="kontrol", cluster="cluster", strata="stratum",
        method="did", unit="unit", time="period", inference="ri", draws=999, seed=3,
    )  # fmt: skip
    ref = randomization_test(
        (small["y"] - small["y0"]).to_numpy(),
        arm=small["arm"].astype(str).to_numpy(),
        group=small["cluster"].to_numpy(),
        strata=small["stratum"].to_numpy(),
        arms=list(ARMS),
        control="kontrol",
        draws=999,
        seed=3,
    )
    assert np.array_equal(res.p_value, ref.p_value)
    close(res.estimate, ref.estimate, rtol=1e-10)


# --------------------------------------------------------------------------- auto
@pytest.mark.parametrize("G", [AUTO_WILD_BELOW_CLUSTERS - 1, AUTO_WILD_BELOW_CLUSTERS])
def test_auto_switches_at_the_documented_threshold(G: int) -> None:
    df = clustered_trial(seed=G, n_clusters=G, cluster_size=4, n_strata=1)
    args = dict(outcome="y", arm="arm", control="kontrol", cluster="cluster", draws=199)
    auto = impact(df, **args, inference="auto")
    if G < AUTO_WILD_BELOW_CLUSTERS:
        assert auto.inference == f"wild (auto: {G} clusters < 50)"
        same = impact(df, **args, inference="wild")
    else:
        assert auto.inference == f"cr1 (auto: {G} clusters >= 50)"
        same = impact(df, **args, inference="cr1")
    assert np.array_equal(auto.p_value, same.p_value)
    assert (auto.tidy()["inference"] == auto.inference).all()
    assert auto.inference_method == same.inference


def test_few_cluster_threshold_moves_the_auto_rule() -> None:
    """The plan's ``few_cluster_threshold`` replaces 50: 12 clusters are CR1 at threshold 10,
    with CR1's numbers; impact_table passes it on; other inferences ignore it."""
    df = clustered_trial(seed=4, n_clusters=12, cluster_size=5, n_strata=1)
    args = dict(outcome="y", arm="arm", control="kontrol", cluster="cluster", draws=199)
    assert impact(df, **args, inference="auto").inference == "wild (auto: 12 clusters < 50)"
    low = impact(df, **args, inference="auto", few_cluster_threshold=10)
    assert low.inference == "cr1 (auto: 12 clusters >= 10)" and low.inference_method == "cr1"
    cr1 = impact(df, **args, inference="cr1")
    assert np.array_equal(low.p_value, cr1.p_value) and np.array_equal(low.ci_low, cr1.ci_low)
    high = impact(df, **args, inference="auto", few_cluster_threshold=13)
    assert high.inference == "wild (auto: 12 clusters < 13)"
    assert impact(df, **args, inference="cr1", few_cluster_threshold=13).inference == "cr1"
    table_args = {k: v for k, v in args.items() if k != "outcome"}
    tab = impact_table(
        df, outcomes=["y"], **table_args, inference="auto", few_cluster_threshold=10, p_adjust="q"
    )
    assert tab["inference"].eq("cr1 (auto: 12 clusters >= 10)").all()
    np.testing.assert_array_equal(tab["p_value"], cr1.p_value)


@pytest.mark.parametrize("bad", [0, -5, 12.5, True, "50", None])
def test_few_cluster_threshold_must_be_a_positive_whole_number(bad: object) -> None:
    df = clustered_trial(seed=4, n_clusters=12, cluster_size=5, n_strata=1)
    with pytest.raises(ConfigError, match="few_cluster_threshold must be a positive whole"):
        impact(df, outcome="y", arm="arm", control="kontrol", cluster="cluster",
               inference="auto", few_cluster_threshold=bad)  # fmt: skip


def test_default_and_unclustered_inference() -> None:
    df = clustered_trial(seed=1, n_clusters=12, cluster_size=5)
    assert impact(df, outcome="y", arm="arm", control="kontrol", cluster="cluster").inference == (
        "cr1"
    )  # no request: CR1, as before
    auto = impact(df, outcome="y", arm="arm", control="kontrol", inference="auto")
    assert auto.inference == "hc1 (auto: no cluster column)"


def test_registry_holds_every_method() -> None:
    assert set(INFERENCE_METHODS) == {"cr1", "hc1", "cr2", "wild", "ri"}


def test_few_treated_clusters_warn_and_note() -> None:
    df = clustered_trial(seed=2, n_clusters=8, cluster_size=6, arms=("kontrol", "pendampingan"))
    treated = sorted(df.loc[df["arm"] == "pendampingan", "cluster"].unique())
    df.loc[df["cluster"].isin(treated[1:]), "arm"] = "kontrol"  # one treated group left
    args = dict(outcome="y", arm="arm", control="kontrol", cluster="cluster")
    with pytest.warns(FewTreatedClustersWarning, match="only 1 cluster"):
        res = impact(df, **args, inference="wild")
    assert any("only 1 cluster(s) with pendampingan" in n for n in res.notes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # CR1: the note only
        cr1 = impact(df, **args)
    assert any("MacKinnon & Webb" in n for n in cr1.notes)


# --------------------------------------------------------------------------- impact_table
@pytest.fixture(scope="module")
def families(trial) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return trial.assign(
        z=trial["y"] + rng.normal(size=len(trial)),
        v=trial["x1"] + 0.3 * (trial["arm"] == "pendampingan"),
        z_bl=trial["y0"],
        y_bl=trial["y0"],
        v_bl=trial["x2"],
    )


def test_table_carries_inference_q_values_and_romano_wolf(families) -> None:
    tab = impact_table(
        families,
        outcomes={"main": ["y", "z"], "other": ["v"]},
        baseline="{outcome}_bl",
        arm="arm",
        control="kontrol",
        strata="stratum",
        cluster="cluster",
        draws=999,
        seed=4,
    )
    assert tab.columns.tolist() == ["family", *TIDY_COLUMNS, *ADJUSTED_COLUMNS]
    assert (tab["inference"] == "wild (auto: 18 clusters < 50)").all()
    for fam, n_rows in (("main", 6), ("other", 3)):  # q-values within each family
        rows = tab[tab["family"] == fam]
        assert len(rows) == n_rows
        close(rows["q_value"], sharpened_qvalues(rows["p_value"].to_numpy()))
    # Romano-Wolf from the engine's draws: same seed per outcome, so joint draws
    t, draws = [], []
    for outcome in ("y", "z"):
        X, L = hand_design(families, covs=(f"{outcome}_bl",))
        for i in range(3):
            r = wild_cluster_bootstrap(
                X, families[outcome].to_numpy(), families["cluster"].to_numpy(),
                restriction=L[i], draws=999, seed=4, ci=False, return_draws=True,
            )  # fmt: skip
            t.append(r.t_stat)
            draws.append(r.t_draws)
    main = tab[tab["family"] == "main"]
    close(main["p_romano_wolf"], romano_wolf(np.array(t), np.column_stack(draws)))
    # adjusted >= unadjusted wild p; step-down monotone in |t|
    assert (tab["p_romano_wolf"] >= tab["p_value"] - 1e-12).all()
    order = np.argsort(-np.abs(t))
    assert np.all(np.diff(main["p_romano_wolf"].to_numpy()[order]) >= 0)
    assert tab.attrs["notes"] == []


def test_table_options_and_cr1_romano_wolf(families) -> None:
    args = dict(arm="arm", control="kontrol", strata="stratum", cluster="cluster")
    q_only = impact_table(
        families, outcomes=["y", "z"], inference="cr1", p_adjust="q", draws=199, **args
    )
    assert q_only["p_romano_wolf"].isna().all() and q_only["q_value"].notna().all()
    assert (q_only["inference"] == "cr1").all()
    none = impact_table(families, outcomes=["y"], inference="cr1", p_adjust=None, **args)
    assert none[list(ADJUSTED_COLUMNS)].isna().all().all()
    # with CR1 inference the Romano-Wolf p-values still come from the wild bootstrap draws
    rw_cr1 = impact_table(families, outcomes=["y", "z"], inference="cr1", **args, seed=2)
    rw_wild = impact_table(families, outcomes=["y", "z"], inference="wild", **args, seed=2)
    close(rw_cr1["p_romano_wolf"], rw_wild["p_romano_wolf"])
    assert (rw_wild["p_romano_wolf"] >= rw_wild["p_value"] - 1e-12).all()


def test_romano_wolf_uses_the_common_clusters_when_outcomes_differ(families) -> None:
    df = families.copy()
    df.loc[df["cluster"] == 4, "z"] = np.nan  # z is not observed in group 4
    args = dict(arm="arm", control="kontrol", strata="stratum", cluster="cluster", seed=1)
    tab = impact_table(df, outcomes=["y", "z"], draws=499, **args)
    assert "17 clusters common" in tab.attrs["notes"][0]
    common = impact_table(df[df["cluster"] != 4], outcomes=["y", "z"], draws=499, **args)
    close(tab["p_romano_wolf"], common["p_romano_wolf"])
    # the reported p-values use every cluster
    alone = impact(df, outcome="y", inference="auto", draws=499, **args)
    close(tab.loc[tab["outcome"] == "y", "p_value"], alone.p_value)


def test_constant_outcome_gives_nan_not_an_error() -> None:
    """An outcome constant in a cell (nothing legalised yet) has a zero CR1 standard error: the
    wild bootstrap gives NaN as CR1 does, and the family's other outcomes keep their
    adjustments."""
    df = clustered_trial(seed=1, n_clusters=12, cluster_size=5).assign(none=0.0)
    args = dict(arm="arm", control="kontrol", cluster="cluster")
    res = impact(df, outcome="none", inference="wild", **args)
    assert np.isnan(res.p_value).all() and np.isnan(res.ci_low).all()
    tab = impact_table(df, outcomes=["y", "none"], **args)
    alone = impact_table(df, outcomes=["y"], **args)
    y = tab[tab["outcome"] == "y"]
    close(y["p_romano_wolf"], alone["p_romano_wolf"])
    assert y["q_value"].notna().all() and tab.loc[tab["outcome"] == "none", "q_value"].isna().all()


# --------------------------------------------------------------------------- size
def test_wild_and_cr2_size_with_six_clusters() -> None:
    """Planted null, 6 groups (3 treated): CR1 with t(5) over-rejects a little; the wild
    bootstrap (all 64 sign vectors) and CR2 must not reject far more than 5%.
    300 draws: Monte Carlo SE 1.3 points; benchmarks/size.py has the full table."""
    rej = {"wild": 0, "cr2": 0, "cr1": 0}
    n_rep = 300
    for rep in range(n_rep):
        df = clustered_trial(
            seed=1000 + rep, n_clusters=6, cluster_size=10, n_strata=1, arms=ARMS[::2],
            effects=(0.0, 0.0), n_covariates=0,
        )  # fmt: skip
        for inference in rej:
            res = impact(
                df, outcome="y", arm="arm", control="kontrol", cluster="cluster",
                method="diff_in_means", inference=inference,
            )  # fmt: skip
            rej[inference] += bool(res.p_value[0] < 0.05)
    rate = {k: v / n_rep for k, v in rej.items()}
    assert rate["wild"] <= 0.09, rate
    assert rate["cr2"] <= 0.09, rate


# --------------------------------------------------------------------------- bad options
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"inference": "bootstrap"}, "unknown inference 'bootstrap'"),
        ({"draws": 0}, "draws must be a positive integer"),
        ({"draws": 9.5}, "draws must be a positive integer"),
        ({"bootstrap_weights": "mammen"}, "bootstrap_weights must be 'rademacher' or 'webb'"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"ri_permutations": 0}, "draws must be a positive integer"),
        ({"inference": "ri", "weights": "w"}, "does not take weights"),
    ],
)
def test_bad_options_raise_config_error(trial, kwargs, match) -> None:
    args = {"outcome": "y", "arm": "arm", "control": "kontrol", "cluster": "cluster"} | kwargs
    with pytest.raises(ConfigError, match=match):
        impact(trial, **args)


def test_bad_table_options_raise_config_error(trial) -> None:
    args = dict(outcomes=["y"], arm="arm", control="kontrol", cluster="cluster")
    with pytest.raises(ConfigError, match="unknown p_adjust 'bonferroni'"):
        impact_table(trial, p_adjust=("q", "bonferroni"), **args)
    with pytest.raises(ConfigError, match="sets return_draws itself"):
        impact_table(trial, return_draws=True, **args)
    with pytest.raises(ConfigError, match="unknown inference"):
        impact_table(trial, inference="CR1", **args)


@pytest.mark.parametrize(
    "module", ["covariance", "design", "few_clusters", "model", "ols", "results", "table"]
)
def test_docstring_examples(module: str) -> None:
    mod = importlib.import_module(f"jbp_analysis.estimate.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 1
