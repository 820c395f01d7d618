"""Tests of jbp_analysis.analyses.did_table against a direct statsmodels fit of the pooled DiD regression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from fixtures.trial import ARMS, clustered_trial, trial_panel

from jbp_analysis.analyses.did_table import QUANTITIES, did_table
from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.estimate import impact

RTOL = 1e-6


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return trial_panel(clustered_trial(seed=21, n_clusters=36, cluster_size=7))


def reference(df: pd.DataFrame, weights: str | None = None):
    """y on const, arm dummies, post, arm x post; CR1 at the cluster (statsmodels)."""
    X = pd.DataFrame({"const": 1.0}, index=df.index)
    for a in ARMS[1:]:
        X[a] = (df["arm"] == a).astype(float)
    X["post"] = df["period"].astype(float)
    for a in ARMS[1:]:
        X[f"{a}:post"] = X[a] * X["post"]
    model = sm.OLS(df["y"], X) if weights is None else sm.WLS(df["y"], X, weights=df[weights])
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": df["cluster"]}, use_t=True)
    return fit, list(X.columns)


def combos(names: list[str]) -> dict[tuple[str, str], np.ndarray]:
    """Each quantity as a linear combination of the reference coefficients."""
    out = {}
    for a in ARMS:

        def v(*terms: str) -> np.ndarray:
            r = np.zeros(len(names))
            for t in terms:
                r[names.index(t)] = 1.0
            return r

        arm_terms = () if a == "kontrol" else (a,)
        int_terms = () if a == "kontrol" else (f"{a}:post",)
        out[(a, "baseline_mean")] = v("const", *arm_terms)
        out[(a, "followup_mean")] = v("const", *arm_terms, "post", *int_terms)
        out[(a, "first_difference")] = v("post", *int_terms)
        if a != "kontrol":
            out[(a, "did")] = v(*int_terms)
    return out


@pytest.mark.parametrize("weights", [None, "w"])
def test_every_cell_matches_statsmodels(panel: pd.DataFrame, weights) -> None:
    tab = did_table(
        panel,
        outcome="y",
        arm="arm",
        control="kontrol",
        time="period",
        cluster="cluster",
        weights=weights,
    )
    ref, names = reference(panel, weights)
    got = tab.tidy().set_index(["arm", "quantity"])
    for key, r in combos(names).items():
        tt = ref.t_test(r)
        assert got.loc[key, "estimate"] == pytest.approx(float(tt.effect[0]), rel=RTOL), key
        assert got.loc[key, "std_error"] == pytest.approx(float(tt.sd.ravel()[0]), rel=RTOL), key
        assert got.loc[key, "p_value"] == pytest.approx(float(tt.pvalue), rel=RTOL), key
        lo, hi = np.asarray(tt.conf_int()).ravel()
        assert (got.loc[key, "ci_low"], got.loc[key, "ci_high"]) == pytest.approx(
            (lo, hi), rel=RTOL
        )
    assert len(got) == 3 * 3 + 2


def test_means_by_hand_and_layout(panel: pd.DataFrame) -> None:
    tab = did_table(
        panel, outcome="y", arm="arm", control="kontrol", time="period", cluster="cluster"
    )
    m = panel.groupby(["arm", "period"], observed=True)["y"].mean()
    t = tab.tidy().set_index(["arm", "quantity"])
    for a in ARMS:
        assert t.loc[(a, "baseline_mean"), "estimate"] == pytest.approx(m[(a, 0)])
        assert t.loc[(a, "followup_mean"), "estimate"] == pytest.approx(m[(a, 1)])
        n = int((panel["arm"] == a).sum() / 2)
        assert t.loc[(a, "baseline_mean"), "n_obs"] == n
    did_k = (m[("karitatif", 1)] - m[("karitatif", 0)]) - (m[("kontrol", 1)] - m[("kontrol", 0)])
    assert t.loc[("karitatif", "did"), "estimate"] == pytest.approx(did_k)
    assert t.loc[("karitatif", "did"), "contrast"] == "karitatif - kontrol"
    wide = tab.wide()
    assert wide["arm"].tolist() == list(ARMS)
    assert np.isnan(wide.loc[0, "DiD"]) and wide.loc[1, "DiD"] == pytest.approx(did_k)
    assert set(tab.tidy()["quantity"]) == set(QUANTITIES)
    assert tab.inference == "cr1" and tab.n_clusters == 36
    assert "Difference-in-differences" in tab._repr_html_()


def test_did_equals_unit_fixed_effects_impact_on_balanced_panel(panel: pd.DataFrame) -> None:
    tab = did_table(
        panel, outcome="y", arm="arm", control="kontrol", time="period", cluster="cluster"
    )
    fe = impact(
        panel,
        outcome="y",
        arm="arm",
        control="kontrol",
        cluster="cluster",
        method="did",
        unit="unit",
        time="period",
    )
    did = tab.tidy().query("quantity == 'did'")["estimate"].to_numpy()
    np.testing.assert_allclose(did, fe.estimate[:2], rtol=1e-10)


def test_bad_input(panel: pd.DataFrame) -> None:
    with pytest.raises(JBPInputError, match="exactly two periods"):
        did_table(
            panel.assign(period=panel["period"] + (panel["unit"] % 2) * 2),
            outcome="y",
            arm="arm",
            control="kontrol",
            time="period",
        )
    with pytest.raises(JBPInputError, match="unknown column"):
        did_table(panel, outcome="income", arm="arm", control="kontrol", time="period")
    with pytest.raises(JBPInputError, match="missing in every row"):
        did_table(panel.assign(y=np.nan), outcome="y", arm="arm", control="kontrol", time="period")
    one_period = panel[~((panel["arm"] == "karitatif") & (panel["period"] == 1))]
    with pytest.raises(JBPInputError, match="no rows in one of the periods"):
        did_table(one_period, outcome="y", arm="arm", control="kontrol", time="period")


def test_text_periods_need_an_order_and_then_keep_the_sign(panel: pd.DataFrame) -> None:
    text = panel.assign(period=np.where(panel["period"] == 1, "post", "pre"))
    opts = dict(outcome="y", arm="arm", control="kontrol", time="period", cluster="cluster")
    with pytest.raises(JBPInputError, match="'post' would come before 'pre'") as err:
        did_table(text, **opts)
    assert "waves=['post', 'pre'] or waves=['pre', 'post']" in err.value.hint
    numeric = did_table(panel, **opts).tidy()
    named = did_table(text, **opts, waves=["pre", "post"]).tidy()
    np.testing.assert_allclose(named["estimate"], numeric["estimate"], rtol=1e-12)
    assert (
        named.loc[named["quantity"] == "baseline_mean", "n_obs"].tolist()
        == numeric.loc[numeric["quantity"] == "baseline_mean", "n_obs"].tolist()
    )


def test_auto_inference_bootstraps_the_did_rows_with_few_clusters() -> None:
    """12 groups: "auto" is the wild bootstrap for the DiD rows (the engine on the table's own
    pooled regression), CR1 for the descriptive rows; the CR1 default is unchanged."""
    from jbp_analysis.inference import cr2, wild_cluster_bootstrap

    small = trial_panel(clustered_trial(seed=4, n_clusters=12, cluster_size=8))
    opts = dict(outcome="y", arm="arm", control="kontrol", time="period", cluster="cluster")
    default = did_table(small, **opts).tidy()
    auto = did_table(small, **opts, inference="auto", draws=999).tidy()
    fit, names = reference(small)
    did = auto[auto["quantity"] == "did"]
    assert did["inference"].eq("wild (auto: 12 clusters < 50)").all()
    assert auto.loc[auto["quantity"] != "did", "inference"].eq("cr1").all()
    np.testing.assert_allclose(auto["estimate"], default["estimate"], rtol=1e-12)
    np.testing.assert_allclose(auto["std_error"], default["std_error"], rtol=1e-12)
    X = fit.model.exog
    for row in did.itertuples():
        r = np.zeros(len(names))
        r[names.index(f"{row.arm}:post")] = 1.0
        wb = wild_cluster_bootstrap(X, small["y"].to_numpy(), small["cluster"].to_numpy(),
                                    restriction=r, draws=999, seed=0, warn_few_treated=False)  # fmt: skip
        assert row.p_value == pytest.approx(wb.p_value, abs=1e-12)
        assert (row.ci_low, row.ci_high) == pytest.approx((wb.ci_low, wb.ci_high), rel=1e-9)
    # CR2: standard errors, p-values and intervals of the engine
    c2 = did_table(small, **opts, inference="cr2").tidy()
    rows = np.array([[n == f"{a}:post" for n in names] for a in ARMS[1:]], dtype=float)
    ref = cr2(X, small["y"].to_numpy(), small["cluster"].to_numpy(), contrasts=rows).tidy()
    got = c2[c2["quantity"] == "did"]
    np.testing.assert_allclose(got["std_error"], ref["std_error"], rtol=1e-9)
    np.testing.assert_allclose(got["p_value"], ref["p_value"], rtol=1e-9)


def test_few_cluster_threshold_moves_the_auto_rule() -> None:
    """12 groups at threshold 10: "auto" gives the DiD rows CR1's numbers."""
    small = trial_panel(clustered_trial(seed=4, n_clusters=12, cluster_size=8))
    opts = dict(outcome="y", arm="arm", control="kontrol", time="period", cluster="cluster")
    low = did_table(small, **opts, inference="auto", few_cluster_threshold=10).tidy()
    cr1 = did_table(small, **opts).tidy()
    did = low["quantity"] == "did"
    assert low.loc[did, "inference"].eq("cr1 (auto: 12 clusters >= 10)").all()
    np.testing.assert_array_equal(low["p_value"], cr1["p_value"])
    np.testing.assert_array_equal(low["ci_low"], cr1["ci_low"])
    auto = did_table(small, **opts, inference="auto", draws=99).tidy()
    assert auto.loc[did, "inference"].eq("wild (auto: 12 clusters < 50)").all()
