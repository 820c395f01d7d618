from __future__ import annotations

import numpy as np
import pandas as pd

from jbp_analysis.clean.validate import apply_ranges, apply_skip_logic, outlier_flags, relevance
from jbp_analysis.study.codebook import load_codebook

CB = load_codebook()
RESP = CB.module("respondent")
BY_NAME = {v.name: v for v in RESP}
LABOUR = [v for v in RESP if v.name in (
    "worked_last_week", "temp_absent", "looking_for_work", "preparing_business",
    "available_for_work", "hours_worked", "own_business", "business_profit")]  # fmt: skip


def _frame(**cols) -> pd.DataFrame:
    out = {}
    for name, values in cols.items():
        v = BY_NAME[name]
        dtype = "boolean" if v.codes == "yes_no" else "Int64"
        out[name] = pd.array(values, dtype=dtype)
    return pd.DataFrame(out)


def test_ranges_blank_and_log_only_values_outside() -> None:
    f = _frame(age=[9, 16, 30, 61, None], household_size=[1, 20, 45, 3, 2])
    fixed, log = apply_ranges(f, [BY_NAME["age"], BY_NAME["household_size"]])
    assert fixed["age"].isna().tolist() == [True, False, False, True, True]
    assert fixed["household_size"].isna().tolist() == [False, False, True, False, False]
    assert sorted(zip(log["column"], log["old"], strict=True)) == [
        ("age", "61"),
        ("age", "9"),
        ("household_size", "45"),
    ]
    assert set(log["rule"]) == {"out_of_range"}


def test_skip_logic_blanks_answers_the_form_would_have_hidden() -> None:
    f = _frame(
        worked_last_week=[True, True, False, False, None],
        temp_absent=[True, None, False, False, None],  # row 0 answered although working
        looking_for_work=[True, None, True, None, None],  # row 0 should be blank
        preparing_business=[None, None, False, None, None],
        available_for_work=[None, None, True, None, None],
        hours_worked=[40, 35, 20, None, 10],  # row 2: hours by someone who did not work
        own_business=[False, True, True, None, None],  # row 2: should be blank
        business_profit=[100, 500, 300, None, 700],  # row 0 (no business), row 2 (chained)
    )
    fixed, log = apply_skip_logic(f, LABOUR)
    got = sorted(zip(log["pos"], log["column"], strict=True))
    assert got == [
        (0, "business_profit"), (0, "looking_for_work"), (0, "temp_absent"),
        (2, "business_profit"), (2, "hours_worked"), (2, "own_business"),
    ]  # fmt: skip
    assert set(log["rule"]) == {"skip_logic"}
    # unknown relevance (worked_last_week missing, row 4): nothing is blanked
    assert fixed.loc[4, "hours_worked"] == 10 and fixed.loc[4, "business_profit"] == 700
    assert fixed.loc[1, "business_profit"] == 500


def test_relevance_uses_kleene_logic_and_skips_as_false() -> None:
    f = _frame(worked_last_week=[False, False, None], temp_absent=[True, None, None])
    rel = relevance("worked_last_week == 1 or temp_absent == 1", f, variables=BY_NAME)
    assert rel.tolist() == [True, pd.NA, pd.NA]
    skipped = {"temp_absent": pd.Series([False, True, False])}
    rel = relevance(
        "worked_last_week == 1 or temp_absent == 1", f, variables=BY_NAME, skipped=skipped
    )
    assert rel.tolist() == [True, False, pd.NA]


def test_outliers_are_flagged_per_wave_without_changing_values() -> None:
    rng = np.random.default_rng(1)
    dur = np.r_[rng.normal(40, 5, 50), [400.0], rng.normal(80, 5, 50), [40.0]]
    f = pd.DataFrame({"wave": ["baseline"] * 51 + ["endline"] * 51, "duration_min": dur})
    flags = outlier_flags(f, [BY_NAME["duration_min"]])
    assert sorted(flags["pos"].tolist()) == [50, 101]  # 40 min is an outlier only in endline
    assert f["duration_min"].iloc[50] == 400.0
    income = pd.DataFrame(
        {"wave": ["b"] * 40, "household_income": np.r_[rng.lognormal(15, 0.5, 39).round(), [5e9]]}
    )
    flags = outlier_flags(income, [BY_NAME["household_income"]])
    assert flags["pos"].tolist() == [39]


def test_group_median_is_groupby_median_bit_for_bit():
    """Outlier scores use per-wave medians from numpy; they equal pandas' grouped medians
    exactly (even and odd groups, missing values, rows without a group)."""
    import numpy as np

    from jbp_analysis.clean.validate import _group_median

    rng = np.random.default_rng(0)
    for trial in range(200):
        n = int(rng.integers(1, 300))
        x = rng.standard_normal(n) * 10.0 ** rng.integers(-3, 12)
        x[rng.random(n) < 0.2] = np.nan
        x = np.arcsinh(x) if trial % 2 else np.round(x)
        grp = rng.integers(0, 3, n).astype(float)
        grp[rng.random(n) < 0.05] = np.nan
        want = pd.Series(x).groupby(grp, observed=True).transform("median").to_numpy()
        members = [np.flatnonzero(grp == g) for g in pd.unique(grp[~np.isnan(grp)])]
        assert np.array_equal(_group_median(x, members), want, equal_nan=True)
