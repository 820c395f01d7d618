from __future__ import annotations

import pandas as pd
import pytest

from jbp_analysis.clean.normalise import decode_codes, normalise, parse_dates, parse_numbers
from jbp_analysis.study.codebook import load_codebook

CB = load_codebook()


def V(name: str, module: str = "respondent"):
    return CB.variable(module, name)


def test_codes_labels_and_value_names_decode_to_processed_categories() -> None:
    vals, rule = decode_codes(
        pd.Series(["4", "SMA/SMK/sederajat", "sma/smk/sederajat ", "Senior secondary", "9", None]),
        V("education"),
    )
    assert vals.tolist()[:4] == ["senior_secondary"] * 4
    assert pd.isna(vals.iloc[4]) and pd.isna(vals.iloc[5])
    assert vals.dtype == pd.CategoricalDtype(
        ["none", "primary", "junior_secondary", "senior_secondary", "tertiary"], ordered=True
    )
    assert rule.isna().tolist() == [True, False, False, False, False, True]
    assert rule.iloc[1:5].tolist() == ["label_to_code"] * 3 + ["out_of_range"]


def test_yes_no_and_likert_types() -> None:
    yn, _ = decode_codes(pd.Series(["1", "2", "Ya", "tidak", "Yes"]), V("worked_last_week"))
    assert str(yn.dtype) == "boolean" and yn.tolist() == [True, False, True, False, True]
    lk, rule = decode_codes(pd.Series(["1", "5", "7", "Setuju"]), V("ca01_know_dana_desa"))
    assert str(lk.dtype) == "Int8" and lk.tolist() == [1, 5, pd.NA, 4]
    assert rule.iloc[2] == "out_of_range" and rule.iloc[3] == "label_to_code"


def test_missing_codes_only_where_the_codebook_allows_them() -> None:
    frame = pd.DataFrame(
        {
            "age": ["-99", "-98", "25"],
            "sex": ["-98", "-99", "2"],
            "duration_min": ["-99", "35,5", "40"],
        },
        dtype="string",
    )
    res = normalise(frame, [V("age"), V("sex"), V("duration_min")])
    assert res.frame["age"].isna().tolist() == [True, True, False]
    assert res.frame["sex"].isna().tolist() == [True, True, False]
    log = res.log.set_index(["pos", "column"])["rule"]
    assert log[(0, "age")] == "missing_code" and log[(1, "age")] == "missing_code"
    assert log[(0, "sex")] == "missing_code"  # -98 is a missing code for sex
    assert log[(1, "sex")] == "out_of_range"  # -99 is not
    # duration has no missing codes: -99 stays a number (ranges are validate's job)
    assert res.frame["duration_min"].tolist() == [-99.0, 35.5, 40.0]
    assert (0, "duration_min") not in log.index


def test_numbers_accept_decimal_commas_and_flag_text() -> None:
    v, bad = parse_numbers(pd.Series(["35,5", "40", "abc", None, "25.5"]), integer=False)
    assert v.tolist() == [35.5, 40.0, pd.NA, pd.NA, 25.5] and bad.tolist() == [
        False,
        False,
        True,
        False,
        False,
    ]
    i, bad = parse_numbers(pd.Series(["25", "25.5", "x"]), integer=True)
    assert i.tolist() == [25, pd.NA, pd.NA] and bad.tolist() == [False, True, True]


def test_dates_iso_day_first_and_garbage() -> None:
    v, rule = parse_dates(
        pd.Series(
            [
                "2026-01-15",
                "2026-01-15T09:30:00",
                "2026-01-15T09:30:00+07:00",
                "15/01/2026",
                "31-12-2026",
                "later",
                None,
            ]
        )
    )
    assert str(v.dtype) == "datetime64[ns]"
    assert v.iloc[0] == pd.Timestamp("2026-01-15")
    assert v.iloc[1] == pd.Timestamp("2026-01-15 09:30")
    assert v.iloc[2] == pd.Timestamp("2026-01-15 02:30")  # converted to UTC
    assert v.iloc[3] == pd.Timestamp("2026-01-15") and v.iloc[4] == pd.Timestamp("2026-12-31")
    assert pd.isna(v.iloc[5]) and pd.isna(v.iloc[6])
    assert rule.tolist()[3:6] == ["date_format", "date_format", "unparseable"]
    assert rule.iloc[:3].isna().all()


def test_rupiah_and_district_columns_are_logged_with_their_rules() -> None:
    frame = pd.DataFrame(
        {
            "household_income": ["1500000", "Rp 2.000.000", "dua juta", "-99"],
            "district": ["Kab. Semarang", "KAB SEMARANG", "Jakarta", "Semarang"],
        },
        dtype="string",
    )
    hint = pd.Series(["3322", "3322", "3322", "3374"])
    res = normalise(frame, [V("household_income"), V("district")], district_hint=hint)
    assert res.frame["household_income"].tolist() == [1_500_000, 2_000_000, pd.NA, pd.NA]
    assert res.frame["district"].tolist() == ["3322", "3322", pd.NA, "3374"]
    rules = res.log.groupby("column")["rule"].apply(list).to_dict()
    assert sorted(rules["household_income"]) == ["missing_code", "rupiah_parse", "unparseable"]
    assert rules["district"] == ["district_fuzzy_match", "district_fuzzy_match"]
    assert res.reject.isna().tolist() == [True, True, False, True]
    assert res.reject.iloc[2] == "district_unmatched"
    assert "did you mean" in res.reject_detail.iloc[2]


@pytest.mark.parametrize("module", ["respondent", "group", "assignment", "cost"])
def test_every_codebook_variable_normalises_to_its_processed_dtype(module) -> None:
    from jbp_analysis.study.codebook import processed_dtype

    vs = CB.module(module)
    frame = pd.DataFrame({v.name: pd.array([None, None], dtype="string") for v in vs})
    res = normalise(frame, vs)
    for v in vs:
        want = processed_dtype(v, CB)
        if v.type == "district":
            assert str(res.frame[v.name].dtype) == "string"
        else:
            assert res.frame[v.name].dtype == want, v.name


# ---------------------------------------------------------------- field-tool spellings (issue 9)
def test_choice_names_labels_in_either_language_any_case_decode_alike() -> None:
    spellings = ["laki_laki", "Laki-laki", "LAKI LAKI", "laki - laki", "Male", "male", "1"]
    vals, _ = decode_codes(pd.Series(spellings + ["perempuan", "Female", "2"]), V("sex"))
    assert vals.tolist() == ["male"] * len(spellings) + ["female"] * 3
    lk, _ = decode_codes(pd.Series(["sangat_setuju", "Strongly agree", "ragu_ragu"]), V("ca01_know_dana_desa"))  # fmt: skip
    assert lk.tolist() == [5, 5, 3]


def test_yes_no_as_one_zero_and_missing_code_choices() -> None:
    vals, rule = decode_codes(
        pd.Series(["1", "0", "0", "menolak", "Refused", "tidak_tahu"]), V("worked_last_week")
    )
    # worked_last_week allows -98 (menolak) only: "tidak_tahu" (-99) is not an answer here
    assert vals.tolist()[:3] == [True, False, False] and vals.isna().tolist()[3:] == [True] * 3
    assert rule.tolist()[3:] == ["missing_code", "missing_code", "unreadable"]


def test_the_columns_own_spelling_is_read_as_is_others_are_logged() -> None:
    # a KoboToolbox "XML values" column: choice names are the plain reading and the one label
    # is logged; a code is the codebook's own value and always read as is
    text = pd.Series(["laki_laki"] * 5 + ["perempuan"] * 4 + ["Perempuan", "1"], dtype="string")
    res = normalise(pd.DataFrame({"sex": text}), [V("sex")], codebook=CB)
    assert res.frame["sex"].tolist() == ["male"] * 5 + ["female"] * 5 + ["male"]
    assert res.log[["pos", "old", "rule"]].values.tolist() == [[9, "Perempuan", "label_to_code"]]


def test_unreadable_accounting_per_column() -> None:
    frame = pd.DataFrame(
        {
            "sex": ["1", "pria", "pria", "-98", None, "2", "wanita", "7"],
            "age": ["20", "dua puluh", "-99", "61", "", "21.5", "x", "22"],
        },
        dtype="string",
    )
    res = normalise(frame, [V("sex"), V("age")], codebook=CB)
    u = res.unreadable.set_index("column")
    # sex: 6 non-blank values other than missing codes; "pria" x2 and "wanita" unreadable, "7"
    # is a number that is no code (out of range, not unreadable)
    assert u.loc["sex", ["non_blank", "unreadable"]].tolist() == [6, 3]
    assert u.loc["sex", "values"] == [("pria", 2), ("wanita", 1)]
    # age: "61" (out of range) and "21.5" (not whole) are read as numbers; text is unreadable
    assert u.loc["age", ["non_blank", "unreadable"]].tolist() == [6, 2]
    assert sorted(v for v, _ in u.loc["age", "values"]) == ["dua puluh", "x"]
