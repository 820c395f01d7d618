"""Tests of jbp_analysis.outcomes.build: definitions checked case by case and against hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.outcomes.build import (
    OUTCOME_FAMILIES,
    anderson_weights,
    attach_baseline,
    awareness_scale,
    build_group_outcomes,
    build_outcomes,
    cronbach_alpha,
    deflate,
    employment_status,
    tpt_rate,
    winsorise,
)
from jbp_analysis.study.codebook import load_codebook

REASONS = ("hopeless", "job_accepted", "business_not_started", "in_school", "housework", "other")
WAVES = pd.CategoricalDtype(["baseline", "endline", "followup"], ordered=True)
ARM = pd.CategoricalDtype(["kontrol", "karitatif", "pendampingan"])


def make_panel(seed: int = 0, n_units: int = 120) -> pd.DataFrame:
    """A small processed panel with the codebook's dtypes and the Sakernas skip logic."""
    rng = np.random.default_rng(seed)
    cb = load_codebook()
    n = n_units * 3
    unit = np.repeat(np.arange(n_units), 3)
    worked = rng.uniform(size=n) < 0.5
    absent = np.where(worked, np.nan, rng.uniform(size=n) < 0.1)
    asked = ~worked & (absent == 0)
    looking = np.where(asked, rng.uniform(size=n) < 0.4, np.nan)
    own = np.where(worked | (absent == 1), rng.uniform(size=n) < 0.3, np.nan)
    profit = np.where(own == 1, rng.integers(-5, 50, n) * 100_000, np.nan)
    df = pd.DataFrame(
        {
            "respondent_key": [f"k{u:04d}" for u in unit],
            "wave": pd.Categorical(np.tile(WAVES.categories, n_units), dtype=WAVES),
            "arm": pd.Categorical(np.array(ARM.categories)[unit % 3], dtype=ARM),
            "group_id": [f"G{u // 5:02d}" for u in unit],
            "responded": rng.uniform(size=n) < 0.9,
            "worked_last_week": pd.array(worked, dtype="boolean"),
            "temp_absent": pd.array(absent, dtype="boolean"),
            "looking_for_work": pd.array(looking, dtype="boolean"),
            "preparing_business": pd.array(np.where(asked, False, np.nan), dtype="boolean"),
            "available_for_work": pd.array(
                np.where(asked, rng.uniform(size=n) < 0.3, np.nan), dtype="boolean"
            ),
            "reason_not_seeking": pd.Categorical(
                np.where(
                    asked & (looking == 0),
                    rng.choice(["hopeless", "job_accepted", "in_school", "housework"], n),
                    None,
                ),
                categories=list(REASONS),
            ),
            "own_business": pd.array(own, dtype="boolean"),
            "household_income": pd.array(rng.integers(5, 80, n) * 100_000, dtype="Int64"),
            "household_size": pd.array(rng.integers(1, 8, n), dtype="Int64"),
            "business_profit": pd.array(profit, dtype="Int64"),
            "interview_date": pd.to_datetime("2017-04-15")
            + pd.to_timedelta(np.tile([0, 120, 365], n_units), unit="D"),
        }
    )
    for v in cb.awareness_items():
        df[v.name] = pd.array(rng.integers(1, 6, n), dtype="Int8")
    return df


# --------------------------------------------------------------------------- employment
_LABOUR_COLS = [
    "worked_last_week",
    "temp_absent",
    "looking_for_work",
    "preparing_business",
    "reason_not_seeking",
    "available_for_work",
    "own_business",
]


def _status_frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame([r[0] for r in rows], columns=_LABOUR_COLS)
    for c in _LABOUR_COLS:
        if c != "reason_not_seeking":
            df[c] = df[c].astype("boolean")
    return df


def _listed(s: pd.Series) -> list:
    return s.astype(object).where(s.notna(), None).tolist()


def test_employment_status_follows_sakernas_with_missing_answers() -> None:
    """BPS and ILO unemployment worked through by hand, following the Sakernas skip pattern."""
    T, F, N = True, False, None
    # (worked, absent, looking, preparing, reason, available, own) -> BPS status, ILO, business
    rows = [
        ((T, N, N, N, N, N, T), "employed", F, T),
        ((T, N, N, N, N, N, F), "employed", F, F),
        ((F, T, N, N, N, N, F), "employed", F, F),
        ((F, F, T, F, N, T, N), "unemployed", T, F),  # looks, available: both definitions
        ((F, F, T, F, N, F, N), "unemployed", F, F),  # looks, not available: BPS only
        ((F, F, F, T, N, T, N), "unemployed", T, F),  # prepares a business, available
        ((F, F, F, F, "hopeless", T, N), "unemployed", F, F),  # discouraged (putus asa): BPS
        ((F, F, F, F, "job_accepted", T, N), "unemployed", F, F),  # future starter: BPS
        ((F, F, F, F, "business_not_started", F, N), "unemployed", F, F),
        # available but not seeking: unemployed under neither definition
        ((F, F, F, F, "in_school", T, N), "outside_labour_force", F, F),
        ((F, F, F, F, "housework", F, N), "outside_labour_force", F, F),
        ((F, F, F, F, "other", T, N), "outside_labour_force", F, F),
        ((N, N, N, N, N, N, N), N, N, N),  # refused the first question
        ((F, N, N, N, N, N, N), N, N, N),  # refused temp_absent: status unknown
        ((T, N, N, N, N, N, N), "employed", F, N),  # employed, business unknown
        ((F, F, T, N, N, N, N), "unemployed", N, F),  # looks: BPS decided; ILO needs r5
        ((F, F, F, F, N, T, N), N, F, F),  # refused the reason: BPS unknown; ILO not seeking
        ((F, F, N, F, N, T, N), N, N, F),  # refused looking: unknown under both
    ]
    out = employment_status(_status_frame(rows))
    assert _listed(out["lf_status"]) == [r[1] for r in rows]
    bps = [None if r[1] is None else r[1] == "unemployed" for r in rows]
    assert _listed(out["unemployed_bps"]) == bps
    assert _listed(out["openly_unemployed"]) == bps
    assert _listed(out["unemployed_ilo"]) == [r[2] for r in rows]
    # unemployed: True for the unemployed, False for the employed, missing outside the LF
    expected_u = {"employed": False, "unemployed": True, "outside_labour_force": None, None: None}
    assert _listed(out["unemployed"]) == [expected_u[r[1]] for r in rows]
    assert _listed(out["runs_business"]) == [r[3] for r in rows]
    assert _listed(out["in_labour_force"]) == [
        None if r[1] is None else r[1] != "outside_labour_force" for r in rows
    ]


def test_ilo_unemployed_are_bps_unemployed() -> None:
    """Every ILO unemployed person is BPS unemployed (seeking implies BPS), never the reverse."""
    panel = make_panel(seed=3)
    out = employment_status(panel)
    ilo, bps = out["unemployed_ilo"].fillna(False), out["unemployed_bps"]
    assert not (ilo & ~bps.fillna(True)).any()
    assert (bps.fillna(False) & ~out["unemployed_ilo"].fillna(True)).any()


def test_employment_status_names_the_missing_reason_question() -> None:
    df = _status_frame([((False, False, False, False, "hopeless", True, None), None, None, None)])
    with pytest.raises(JBPInputError, match="reason_not_seeking"):
        employment_status(df.drop(columns="reason_not_seeking"))


def test_tpt_rate_is_unemployed_over_labour_force() -> None:
    df = pd.DataFrame(
        {
            "wave": ["b"] * 5 + ["e"] * 3,
            "arm": ["k"] * 8,
            "unemployed": pd.array([True, False, False, False, None, True, True, None]),
        }
    )
    out = tpt_rate(df, by=["wave", "arm"])
    assert out["labour_force"].tolist() == [4.0, 2.0]
    assert out["tpt"].tolist() == [25.0, 100.0]


# --------------------------------------------------------------------------- money
def test_winsorise_within_wave_on_reference_rows() -> None:
    x = np.array([1.0, 2, 3, 4, 1000, 10, 20, 30, 40, 50, np.nan])
    wave = np.array(["b"] * 5 + ["e"] * 6)
    ref = np.array([True, True, True, True, True, True, True, True, True, False, True])
    out = winsorise(x, groups=wave, upper=0.75, reference=ref)
    # wave b: 75th percentile of 1,2,3,4,1000 (linear) = 4; wave e: of 10,20,30,40 -> 32.5
    assert out.tolist()[:5] == [1.0, 2.0, 3.0, 4.0, 4.0]
    assert out.tolist()[5:10] == [10.0, 20.0, 30.0, 32.5, 32.5]
    assert np.isnan(out[10])
    low = winsorise(np.array([-100.0, 1, 2, 3, 4]), upper=0.75, lower=0.25)
    assert low.tolist() == [1.0, 1.0, 2.0, 3.0, 3.0]
    with pytest.raises(ConfigError):
        winsorise(x, upper=1.5)


def test_deflate_by_wave_and_by_month() -> None:
    d = pd.DataFrame(
        {
            "wave": ["baseline", "endline", "followup"],
            "interview_date": pd.to_datetime(["2017-04-03", "2017-08-20", None]),
        }
    )
    v = np.array([1000.0, 1000.0, np.nan])
    by_wave = pd.DataFrame({"wave": ["baseline", "endline", "followup"], "cpi": [100, 125, 150]})
    np.testing.assert_allclose(deflate(d, v, by_wave), [1000.0, 800.0, np.nan])
    by_month = pd.DataFrame({"period": ["2017-04", "2017-08"], "cpi": [125.0, 200.0]})
    np.testing.assert_allclose(deflate(d, v, by_month, base=125.0), [1000.0, 625.0, np.nan])
    short = pd.DataFrame({"period": ["2017-04"], "cpi": [125.0]})
    with pytest.raises(JBPInputError, match="no index for period 2017-08"):
        deflate(d, v, short)


def test_income_and_profit_outcomes() -> None:
    p = make_panel(1)
    out = build_outcomes(p, winsor=None)
    inc = p["household_income"].astype(float)
    np.testing.assert_allclose(out["income_household"], inc)
    np.testing.assert_allclose(out["income_per_capita"], inc / p["household_size"].astype(float))
    np.testing.assert_allclose(out["income_household_ihs"], np.arcsinh(inc))
    no_business = out["runs_business"].eq(False).fillna(False).to_numpy(dtype=bool)
    assert (out.loc[no_business, "profit"] == 0).all()
    owner = out["runs_business"].fillna(False).to_numpy(dtype=bool)
    np.testing.assert_allclose(
        out.loc[owner, "profit"], p.loc[owner, "business_profit"].astype(float)
    )
    # winsorised at the 99th percentile of interviewed rows within each wave
    w = build_outcomes(p)
    for wave in WAVES.categories:
        rows = (p["wave"] == wave).to_numpy()
        cap = np.quantile(inc[rows & p["responded"].to_numpy()], 0.99)
        assert w.loc[rows, "income_household"].max() == pytest.approx(cap)
    assert list(p.columns) == list(make_panel(1).columns)  # the input is not changed


def test_build_outcomes_deflates_before_winsorising() -> None:
    p = make_panel(2)
    cpi = pd.DataFrame({"wave": ["baseline", "endline", "followup"], "cpi": [100.0, 110.0, 125.0]})
    out = build_outcomes(p, cpi=cpi, winsor=None)
    factor = p["wave"].map({"baseline": 1.0, "endline": 100 / 110, "followup": 0.8}).astype(float)
    np.testing.assert_allclose(
        out["income_household"], p["household_income"].astype(float) * factor
    )


def test_build_outcomes_adds_every_family_column() -> None:
    out = build_outcomes(make_panel(3))
    for fam, cols in OUTCOME_FAMILIES.items():
        for c in cols:
            assert c in out.columns, (fam, c)
    assert out["lf_status"].cat.categories.tolist() == [
        "employed",
        "unemployed",
        "outside_labour_force",
    ]
    with pytest.raises(JBPInputError, match="household_size"):
        build_outcomes(make_panel(3).drop(columns="household_size"))


# --------------------------------------------------------------------------- awareness
def test_anderson_weights_by_hand() -> None:
    # S = [[1, .8, 0], [.8, 1, 0], [0, 0, 1]]: the 2x2 block inverts to [[1, -.8], [-.8, 1]]/.36,
    # so the row sums are .2/.36 = 5/9, 5/9 and 1; over their total 19/9 the weights are
    # 5/19, 5/19, 9/19.
    S = np.array([[1, 0.8, 0], [0.8, 1, 0], [0, 0, 1]])
    np.testing.assert_allclose(anderson_weights(S), [5 / 19, 5 / 19, 9 / 19], rtol=1e-12)
    with pytest.raises(ConfigError, match="singular"):
        anderson_weights(np.ones((2, 2)))


def test_cronbach_alpha_by_hand() -> None:
    # items 1,2,3,4 / 1,3,2,4 / 2,1,1,2: variances 5/3, 5/3, 1/3 (sum 11/3); totals 4,6,6,10 with
    # variance 19/3; alpha = 3/2 * (1 - (11/3)/(19/3)) = 12/19
    x = np.array([[1, 1, 2], [2, 3, 1], [3, 2, 1], [4, 4, 2]])
    assert cronbach_alpha(x) == pytest.approx(12 / 19, rel=1e-12)


def test_awareness_indices_by_hand() -> None:
    # Reference: control at baseline, four rows. q3 is negatively worded: stored as 6 - [2,1,1,2].
    df = pd.DataFrame(
        {
            "arm": ["kontrol"] * 4 + ["karitatif", "kontrol", "kontrol"],
            "wave": ["baseline"] * 5 + ["endline", "endline"],
            "q1": [1, 2, 3, 4, 5, 4, 2],
            "q2": [1, 3, 2, 4, 5, None, 2],
            "q3": [4, 5, 5, 4, 4, 4, 5],
        }
    )
    scale = awareness_scale(df, items=["q1", "q2", "q3"], reverse=["q3"])
    # reverse-coded q3 = 2,1,1,2; means 2.5, 2.5, 1.5; SDs sqrt(5/3), sqrt(5/3), sqrt(1/3)
    np.testing.assert_allclose(scale.item_mean, [2.5, 2.5, 1.5])
    np.testing.assert_allclose(scale.item_sd, np.sqrt([5 / 3, 5 / 3, 1 / 3]))
    # z-score correlations: r12 = (2.25 - .25 - .25 + 2.25)/3 / (5/3) = .8, r13 = r23 = 0
    np.testing.assert_allclose(scale.weights, [5 / 19, 5 / 19, 9 / 19], rtol=1e-10)
    assert scale.alpha == pytest.approx(12 / 19)
    s53, s13 = np.sqrt(5 / 3), np.sqrt(1 / 3)
    z1 = np.array([-1.5, -0.5, 0.5, 1.5]) / s53
    z2 = np.array([-1.5, 0.5, -0.5, 1.5]) / s53
    z3 = np.array([0.5, -0.5, -0.5, 0.5]) / s13
    raw_a = (5 * z1 + 5 * z2 + 9 * z3) / 19  # mean 0 in the reference
    raw_k = (z1 + z2 + z3) / 3
    sd_a, sd_k = raw_a.std(ddof=1), raw_k.std(ddof=1)
    out = scale.transform(df)
    np.testing.assert_allclose(out["awareness_anderson"][:4], raw_a / sd_a, rtol=1e-10)
    np.testing.assert_allclose(out["awareness_klk"][:4], raw_k / sd_k, rtol=1e-10)
    # a treated row (5, 5, reversed 2) uses the reference constants
    t1 = (5 - 2.5) / s53
    t3 = (2 - 1.5) / s13
    assert out["awareness_anderson"][4] == pytest.approx((5 * t1 * 2 + 9 * t3) / 19 / sd_a)
    # missing q2: Anderson averages the answered items with their weights
    e1, e3 = (4 - 2.5) / s53, (2 - 1.5) / s13
    assert out["awareness_anderson"][5] == pytest.approx((5 * e1 + 9 * e3) / 14 / sd_a)
    assert out["awareness_klk"][5] == pytest.approx((e1 + e3) / 2 / sd_k)
    assert scale.tidy()["reversed"].tolist() == [False, False, True]


def test_awareness_uses_the_codebook_items_and_reference_rows() -> None:
    p = make_panel(4)
    scale = awareness_scale(p)
    cb = load_codebook()
    assert scale.items == tuple(v.name for v in cb.awareness_items())
    assert set(scale.reversed_items) == {v.name for v in cb.awareness_items() if v.reverse}
    ref = ((p["arm"] == "kontrol") & (p["wave"] == "baseline") & p["responded"]).to_numpy()
    assert scale.n_reference == ref.sum()
    out = build_outcomes(p)
    assert out.loc[ref, "awareness_anderson"].mean() == pytest.approx(0.0, abs=1e-12)
    assert out.loc[ref, "awareness_anderson"].std() == pytest.approx(1.0)
    assert out.loc[ref, "awareness_klk"].std() == pytest.approx(1.0)
    with pytest.raises(JBPInputError, match="no interviewed row"):
        awareness_scale(p, control="placebo")


# --------------------------------------------------------------------------- groups and baseline
def test_group_outcomes() -> None:
    g = pd.DataFrame(
        {
            "wave": ["baseline"] * 4,
            "business_operating": pd.array([True, False, None, True]),
            "monthly_revenue": pd.array([1_000_000, None, None, 3_000_000], dtype="Int64"),
            "legal_pirt": pd.array([False, False, None, True]),
            "legal_halal": pd.array([True, False, False, None]),
            "legal_sni": pd.array([False, False, False, False]),
        }
    )
    out = build_group_outcomes(g, winsor=None)
    assert out["revenue"].tolist()[:2] == [1_000_000.0, 0.0] and np.isnan(out["revenue"][2])
    assert out["legalised"].tolist() == [True, False, pd.NA, True]
    assert out["revenue_ihs"][0] == pytest.approx(np.arcsinh(1e6))


def test_attach_baseline() -> None:
    p = make_panel(5, n_units=6)
    p = p[~((p["respondent_key"] == "k0002") & (p["wave"] == "baseline"))]  # no baseline row
    out = attach_baseline(p, ["household_income", "worked_last_week"])
    k1 = out[out["respondent_key"] == "k0001"]
    base = p.loc[(p["respondent_key"] == "k0001") & (p["wave"] == "baseline")]
    assert (k1["household_income_bl"] == base["household_income"].iloc[0]).all()
    assert out.loc[out["respondent_key"] == "k0002", "household_income_bl"].isna().all()
    assert out["household_income_bl"].dtype == "Int64"
    assert out["worked_last_week_bl"].dtype == "boolean"
    assert out.index.equals(p.index)
    dup = pd.concat([p, p[p["wave"] == "baseline"].iloc[[0]]])
    with pytest.raises(JBPInputError, match="more than one 'baseline' row"):
        attach_baseline(dup, "household_income")
