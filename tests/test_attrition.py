"""Tests of jbp_analysis.analyses.attrition: rates, clustered tests (vs statsmodels), Lee bounds by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from fixtures.trial import clustered_trial

from jbp_analysis.analyses.attrition import attrition, lee_bounds, response_rates, trimmed_mean
from jbp_analysis.core.errors import JBPInputError

RTOL = 1e-6


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    end = clustered_trial(seed=8, n_clusters=45, cluster_size=8, response_rate=(0.75, 0.85, 0.9))
    base = end.assign(responded=True, wave="baseline")
    return pd.concat([base, end.assign(wave="endline")], ignore_index=True)


def test_response_rates(panel: pd.DataFrame) -> None:
    r = response_rates(panel).set_index(["arm", "wave"])
    for (a, w), grp in panel.groupby(["arm", "wave"], observed=True):
        assert r.loc[(a, w), "n"] == len(grp)
        assert r.loc[(a, w), "rate"] == pytest.approx(grp["responded"].mean())
    assert (r.xs("baseline", level="wave")["rate"] == 1.0).all()


def test_differential_attrition_matches_statsmodels(panel: pd.DataFrame) -> None:
    rep = attrition(panel, arm="arm", control="kontrol", cluster="cluster", strata="stratum")
    end = panel[panel["wave"] == "endline"]
    # reference: LPM of responded on arm dummies + stratum dummies, CR1 at the cluster
    X = pd.DataFrame({"const": 1.0}, index=end.index)
    for a in ("karitatif", "pendampingan"):
        X[a] = (end["arm"] == a).astype(float)
    X = X.join(pd.get_dummies(end["stratum"], prefix="s", drop_first=True, dtype=float))
    ref = sm.OLS(end["responded"].astype(float), X).fit(
        cov_type="cluster", cov_kwds={"groups": end["cluster"]}, use_t=True
    )
    tests = rep.tests()
    assert tests["wave"].unique().tolist() == ["endline"]  # no attrition at baseline: no test
    t = tests.set_index("contrast")
    assert t.loc["karitatif - kontrol", "estimate"] == pytest.approx(
        ref.params["karitatif"], rel=RTOL
    )
    assert t.loc["pendampingan - kontrol", "std_error"] == pytest.approx(
        ref.bse["pendampingan"], rel=RTOL
    )
    assert t.loc["karitatif - kontrol", "p_value"] == pytest.approx(
        ref.pvalues["karitatif"], rel=RTOL
    )
    ft = ref.f_test("karitatif = 0, pendampingan = 0")
    j = rep.joint().iloc[0]
    assert j["f_statistic"] == pytest.approx(float(np.squeeze(ft.fvalue)), rel=RTOL)
    assert j["p_value"] == pytest.approx(float(ft.pvalue), rel=RTOL)
    assert (j["df_num"], j["df_denom"], j["n_clusters"]) == (2, 44.0, 45)


def test_trimmed_mean_by_hand() -> None:
    x = np.array([9.0, 1, 7, 3, 5, 2, 8, 4, 6])
    # keep 9 - 7/3 = 20/3 observations from the bottom: 1..6 fully and 2/3 of the 7
    # sum = 21 + 14/3 = 77/3, mean = 77/20
    assert trimmed_mean(x, 7 / 27, side="top") == pytest.approx(77 / 20, rel=1e-12)
    # from the top: 9..4 fully (sum 39) and 2/3 of the 3 (2): mean = 41 / (20/3) = 6.15
    assert trimmed_mean(x, 7 / 27, side="bottom") == pytest.approx(41 * 3 / 20, rel=1e-12)
    assert trimmed_mean(x, 0.0, side="top") == pytest.approx(5.0)


def test_lee_bounds_by_hand() -> None:
    # treated: 12 randomised, 10 observed (1..10); control: 12 randomised, 8 observed
    # (2,2,3,3,4,4,5,5; mean 3.5). q_t = 10/12, q_c = 8/12, p = (2/12)/(10/12) = 0.2:
    # trim 2 of the 10 treated values. Lower: drop 9, 10 -> mean(1..8) = 4.5 -> 1.0.
    # Upper: drop 1, 2 -> mean(3..10) = 6.5 -> 3.0. Naive: 5.5 - 3.5 = 2.0.
    t = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, np.nan, np.nan]
    c = [2.0, 2, 3, 3, 4, 4, 5, 5, np.nan, np.nan, np.nan, np.nan]
    df = pd.DataFrame({"arm": ["t"] * 12 + ["c"] * 12, "y": t + c})
    df["responded"] = df["y"].notna()
    row = lee_bounds(df, outcome="y", arm="arm", control="c").tidy().iloc[0]
    assert row["contrast"] == "t - c" and row["trimmed_arm"] == "t"
    assert row["trim_share"] == pytest.approx(0.2)
    assert (row["lower"], row["upper"], row["naive"]) == pytest.approx((1.0, 3.0, 2.0))


def test_lee_bounds_trim_the_control_when_it_responds_more() -> None:
    # treated: 10 randomised, 6 observed (values 4, 4, 5, 5, 6, 6; mean 5);
    # control: 10 randomised, 8 observed (1..8). q_c = .8 > q_t = .6: p = .2/.8 = 1/4 of the
    # 8 control values = 2. Lower bound trims the bottom of control: mean(3..8) = 5.5 -> -0.5.
    # Upper bound trims the top: mean(1..6) = 3.5 -> 1.5.
    t = [4.0, 4, 5, 5, 6, 6] + [np.nan] * 4
    c = [1.0, 2, 3, 4, 5, 6, 7, 8] + [np.nan] * 2
    df = pd.DataFrame({"arm": ["t"] * 10 + ["c"] * 10, "y": t + c, "responded": True})
    row = lee_bounds(df, outcome="y", arm="arm", control="c").tidy().iloc[0]
    assert row["trimmed_arm"] == "c" and row["trim_share"] == pytest.approx(0.25)
    assert (row["lower"], row["upper"]) == pytest.approx((-0.5, 1.5))


def test_lee_bounds_cover_every_contrast_and_bracket_the_naive(panel: pd.DataFrame) -> None:
    end = panel[panel["wave"] == "endline"].copy()
    end.loc[~end["responded"], "y"] = np.nan  # as the processed panel has it
    lb = lee_bounds(end, outcome="y", arm="arm", control="kontrol").tidy()
    assert lb["contrast"].tolist() == [
        "karitatif - kontrol",
        "pendampingan - kontrol",
        "pendampingan - karitatif",
    ]
    assert (lb["lower"] <= lb["naive"]).all() and (lb["naive"] <= lb["upper"]).all()
    rep = attrition(
        panel.assign(y=panel["y"].where(panel["responded"])),
        arm="arm",
        control="kontrol",
        cluster="cluster",
        outcomes="y",
    )
    np.testing.assert_allclose(rep.lee()["lower"], lb["lower"])
    assert "Lee (2009)" in rep._repr_html_()


def test_bad_input(panel: pd.DataFrame) -> None:
    with pytest.raises(JBPInputError, match="unknown column") as info:
        attrition(panel, arm="arm", control="kontrol", cluster="grp")
    assert info.value.column == "grp"
    with pytest.raises(JBPInputError, match="missing values"):
        response_rates(panel.assign(responded=pd.array([None] * len(panel), dtype="boolean")))
    with pytest.raises(JBPInputError, match="control category 'x'"):
        lee_bounds(panel, outcome="y", arm="arm", control="x")
    with pytest.raises(JBPInputError, match="single cluster"):
        attrition(panel.assign(one=1), arm="arm", control="kontrol", cluster="one")
