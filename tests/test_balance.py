"""Tests of jbp_analysis.analyses.balance against direct statsmodels fits."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from fixtures.trial import ARMS, clustered_trial

from jbp_analysis.analyses.balance import balance_table
from jbp_analysis.core.errors import JBPInputError

RTOL = 1e-6
VARS = ["y0", "x1", "female"]
PAIRS = [("kontrol", "karitatif"), ("kontrol", "pendampingan"), ("karitatif", "pendampingan")]
LABELS = ["karitatif - kontrol", "pendampingan - kontrol", "pendampingan - karitatif"]


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    df = clustered_trial(seed=5, n_clusters=36, cluster_size=6, n_covariates=2)
    df["female"] = (df["x2"] > 0).astype("boolean")
    df.loc[[3, 17], "x1"] = np.nan  # item missing: dropped from that variable only
    return df


@pytest.fixture(scope="module")
def table(base: pd.DataFrame):
    return balance_table(
        base, variables=VARS, arm="arm", control="kontrol", cluster="cluster", strata="stratum"
    )


def test_means_sds_and_n_by_arm(base: pd.DataFrame, table) -> None:
    got = table.by_arm().set_index(["variable", "arm"])
    for v in VARS:
        x = base[v].astype(float)
        for a in ARMS:
            xa = x[base["arm"] == a].dropna()
            assert got.loc[(v, a), "n"] == len(xa)
            assert got.loc[(v, a), "mean"] == pytest.approx(xa.mean(), rel=1e-12)
            assert got.loc[(v, a), "sd"] == pytest.approx(xa.std(ddof=1), rel=1e-12)


def test_pairwise_differences_match_statsmodels(base: pd.DataFrame, table) -> None:
    got = table.tidy().set_index(["variable", "contrast"])
    for (a, b), label in zip(PAIRS, LABELS, strict=True):
        for v in VARS:
            sub = base[base["arm"].isin([a, b])].dropna(subset=[v])
            # reference: v on const + 1[arm == b] + stratum dummies, CR1 at the cluster
            X = pd.DataFrame({"const": 1.0, "d": (sub["arm"] == b).astype(float)})
            X = X.join(pd.get_dummies(sub["stratum"], prefix="s", drop_first=True, dtype=float))
            ref = sm.OLS(sub[v].astype(float), X).fit(
                cov_type="cluster", cov_kwds={"groups": sub["cluster"]}, use_t=True
            )
            row = got.loc[(v, label)]
            assert row["difference"] == pytest.approx(ref.params["d"], rel=RTOL)
            assert row["std_error"] == pytest.approx(ref.bse["d"], rel=RTOL)
            assert row["p_value"] == pytest.approx(ref.pvalues["d"], rel=RTOL)
            assert row["n_obs"] == len(sub) and row["n_clusters"] == sub["cluster"].nunique()
            # normalised difference (Imbens & Rubin 2015): (mean_b - mean_a) / sqrt((s2a+s2b)/2)
            xa = base.loc[base["arm"] == a, v].astype(float).dropna()
            xb = base.loc[base["arm"] == b, v].astype(float).dropna()
            nd = (xb.mean() - xa.mean()) / np.sqrt((xa.var() + xb.var()) / 2)
            assert row["normalized_difference"] == pytest.approx(nd, rel=1e-12)


def test_joint_f_test_matches_statsmodels(base: pd.DataFrame, table) -> None:
    got = table.ftest().set_index("contrast")
    for (a, b), label in zip(PAIRS, LABELS, strict=True):
        sub = base[base["arm"].isin([a, b])].dropna(subset=VARS)
        # reference: 1[arm == b] on const + all variables + stratum dummies; clustered Wald F
        X = pd.DataFrame({"const": 1.0}, index=sub.index).join(sub[VARS].astype(float))
        X = X.join(pd.get_dummies(sub["stratum"], prefix="s", drop_first=True, dtype=float))
        ref = sm.OLS((sub["arm"] == b).astype(float), X).fit(
            cov_type="cluster", cov_kwds={"groups": sub["cluster"]}, use_t=True
        )
        ft = ref.f_test(", ".join(f"{v} = 0" for v in VARS))
        row = got.loc[label]
        assert row["f_statistic"] == pytest.approx(float(np.squeeze(ft.fvalue)), rel=RTOL)
        assert row["p_value"] == pytest.approx(float(ft.pvalue), rel=RTOL)
        assert (row["df_num"], row["df_denom"]) == (3, sub["cluster"].nunique() - 1)
        assert row["n_obs"] == len(sub)


def test_hc1_without_cluster(base: pd.DataFrame) -> None:
    bt = balance_table(base, variables=["y0"], arm="arm", control="kontrol")
    sub = base[base["arm"].isin(["kontrol", "karitatif"])]
    X = sm.add_constant((sub["arm"] == "karitatif").astype(float).rename("d"))
    ref = sm.OLS(sub["y0"], X).fit(cov_type="HC1", use_t=True)
    row = bt.tidy().iloc[0]
    assert row["std_error"] == pytest.approx(ref.bse["d"], rel=RTOL)
    assert bt.inference == "hc1" and pd.isna(row["n_clusters"])
    # joint test: 1[arm == karitatif] on const + y0, HC1 Wald F with n - 2 df
    Xf = sm.add_constant(sub[["y0"]])
    ref_f = sm.OLS((sub["arm"] == "karitatif").astype(float), Xf).fit(cov_type="HC1", use_t=True)
    ft = ref_f.f_test("y0 = 0")
    row_f = bt.ftest().iloc[0]
    assert row_f["f_statistic"] == pytest.approx(float(np.squeeze(ft.fvalue)), rel=RTOL)
    assert row_f["p_value"] == pytest.approx(float(ft.pvalue), rel=RTOL)
    assert row_f["df_denom"] == len(sub) - 2


def test_wide_layout_and_exports(table, tmp_path) -> None:
    wide = table.wide()
    assert wide["variable"].tolist()[:3] == VARS
    assert wide["variable"].iloc[-3] == "F-test of joint orthogonality: p-value"
    assert wide["variable"].iloc[-2] == "F-test of joint orthogonality: test"
    assert "pendampingan - karitatif diff" in wide.columns and "kontrol SD" in wide.columns
    p1 = table.to_csv(tmp_path / "a.csv")
    p2 = table.to_csv(tmp_path / "b.csv")
    assert p1.read_bytes() == p2.read_bytes()
    back = pd.read_csv(p1)
    assert back["kontrol mean"].iloc[0] == pytest.approx(wide["kontrol mean"].iloc[0])
    x1 = table.to_excel(tmp_path / "a.xlsx")
    time.sleep(1.1)  # the save time must not leak into the file
    x2 = table.to_excel(tmp_path / "b.xlsx")
    assert x1.read_bytes() == x2.read_bytes()  # byte-identical
    sheets = pd.read_excel(x1, sheet_name=None)
    assert list(sheets) == ["balance", "by arm", "differences", "F-tests"]
    assert sheets["differences"]["p_value"].to_numpy() == pytest.approx(
        table.tidy()["p_value"].to_numpy()
    )
    assert "F-test" in table._repr_html_()


def test_default_control_is_first_category(base: pd.DataFrame) -> None:
    bt = balance_table(base, variables="y0", arm="arm")
    assert bt.arm_levels == ARMS and bt.contrasts == tuple(LABELS)


def test_bad_input(base: pd.DataFrame) -> None:
    with pytest.raises(JBPInputError, match="unknown column") as info:
        balance_table(base, variables=["nope"], arm="arm")
    assert info.value.column == "nope"
    with pytest.raises(JBPInputError, match="1 category"):
        balance_table(base.assign(arm="kontrol"), variables=["y0"], arm="arm")
    with pytest.raises(JBPInputError, match="must be numeric"):
        balance_table(base.assign(t="a"), variables=["t"], arm="arm")


def test_few_clusters_auto_gives_a_randomisation_joint_test() -> None:
    """12 groups: ``inference="auto"`` bootstraps the per-variable p-values and replaces the
    over-rejecting F-test by the randomisation test of the same Wald statistic; the default
    keeps the CR1 numbers and says that its F-test over-rejects."""
    df = clustered_trial(seed=8, n_clusters=12, cluster_size=10, n_strata=2, n_covariates=2)
    opts = dict(variables=["y0", "x1", "x2"], arm="arm", control="kontrol", cluster="cluster")
    cr1 = balance_table(df, **opts, strata="stratum")
    auto = balance_table(df, **opts, strata="stratum", inference="auto", draws=999)
    f_cr1, f_auto = cr1.ftest(), auto.ftest()
    assert f_cr1["test"].str.startswith("F(3, ").all()
    assert f_cr1["note"].str.contains("over-rejects").all()
    assert f_auto["test"].str.startswith("randomisation Wald").all()
    # same statistic, another reference distribution
    np.testing.assert_allclose(f_auto["f_statistic"], f_cr1["f_statistic"], rtol=1e-9)
    assert f_auto["df_denom"].isna().all()
    assert auto.inference.startswith("wild (auto: ")
    np.testing.assert_allclose(auto.tidy()["difference"], cr1.tidy()["difference"])
    assert "over-rejects" in cr1._repr_html_()
    # a very unbalanced draw is flagged by the randomisation test too
    bad = df.copy()
    bad["x1"] = (bad["arm"] == "pendampingan") * 3.0 + 0.1 * bad["x1"]
    p = balance_table(bad, **opts, inference="auto").ftest().set_index("contrast")["p_value"]
    assert p["pendampingan - kontrol"] <= 0.05


def test_few_cluster_threshold_moves_the_auto_rule() -> None:
    """12 groups, 8 in each pair of arms, at threshold 8: "auto" gives CR1 p-values and the
    F-test, without the over-rejection note (which follows the threshold too)."""
    df = clustered_trial(seed=8, n_clusters=12, cluster_size=10, n_strata=2, n_covariates=2)
    opts = dict(variables=["y0", "x1"], arm="arm", control="kontrol", cluster="cluster")
    low = balance_table(df, **opts, inference="auto", few_cluster_threshold=8)
    cr1 = balance_table(df, **opts)
    assert low.inference == "cr1 (auto: 8 clusters >= 8)"
    auto = balance_table(df, **opts, inference="auto", draws=99)
    assert auto.inference == "wild (auto: 8 clusters < 50)"
    np.testing.assert_array_equal(low.tidy()["p_value"], cr1.tidy()["p_value"])
    assert low.ftest()["test"].str.startswith("F(2, ").all()
    np.testing.assert_array_equal(low.ftest()["p_value"], cr1.ftest()["p_value"])
    assert cr1.ftest()["note"].str.contains("over-rejects").all()
    assert low.ftest()["note"].eq("").all()
    quiet = balance_table(df, **opts, few_cluster_threshold=8)  # CR1 by request: no note
    assert quiet.ftest()["note"].eq("").all()


@pytest.mark.filterwarnings("ignore::jbp_analysis.inference.FewTreatedClustersWarning")
def test_randomisation_test_says_when_it_cannot_reject() -> None:
    """Six groups in two strata: 4 assignments per pair, so p >= 0.25 whatever the data."""
    df = clustered_trial(seed=8, n_clusters=6, cluster_size=10, n_strata=2, n_covariates=2)
    ft = balance_table(
        df, variables=["y0", "x1"], arm="arm", control="kontrol", cluster="cluster",
        strata="stratum", inference="auto",
    ).ftest()  # fmt: skip
    assert (ft["p_value"] >= 0.25).all()
    assert ft["note"].str.contains("smallest attainable p-value is 0.250").all()
