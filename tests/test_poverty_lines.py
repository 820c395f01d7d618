"""Poverty-line lookup: district, urban/rural and month edge cases, interpolation, bad tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.core.paths import PROJECT_ROOT
from jbp_analysis.study.poverty_lines import (
    lines_used,
    load_poverty_lines,
    lookup_lines,
    poverty_line,
)

SEP17, MAR18, SEP18 = 338815.0, 350875.0, 357600.0  # published Jawa Tengah totals (see CSV)


def _table(extra: list[dict]) -> pd.DataFrame:
    """The shipped table plus hand-made district rows (read through the same validator)."""
    base = load_poverty_lines()
    rows = pd.DataFrame(extra)
    rows["line"] = rows["rp_per_capita_per_month"].astype(float)
    per = pd.PeriodIndex(rows["period"], freq="M")
    rows["month"] = per.year * 12 + per.month - 1
    for col in ("area", "method", "source", "status"):
        rows[col] = rows.get(col, "test")
    rows["status"] = "published"
    out = pd.concat([base, rows], ignore_index=True)
    return out.sort_values(["bps_code", "urban_rural", "month"]).reset_index(drop=True)


def test_every_row_has_a_source_and_a_status():
    t = load_poverty_lines()
    assert (t["source"].str.len() > 10).all()
    assert set(t["status"]) == {"published", "derived"}
    assert (t.loc[t.status == "derived", "method"].str.len() > 0).all()


def test_shared_reference_rows_are_copied_unchanged():
    shared = PROJECT_ROOT.parent / "shared" / "reference" / "poverty_lines.csv"
    if not shared.exists():
        pytest.skip("shared reference folder not present")
    s = pd.read_csv(shared, dtype={"bps_code": str})
    t = load_poverty_lines()
    merged = s.merge(t, on=["bps_code", "period", "urban_rural"], suffixes=("_s", "_t"))
    assert len(merged) == len(s)
    np.testing.assert_array_equal(merged.rp_per_capita_per_month_s, merged.line)


def test_publication_month_gets_the_published_line():
    lk = poverty_line("3373", None, "2018-03-01")
    assert (lk.line, lk.status, lk.scope, lk.anchors) == (
        MAR18,
        "published",
        "province",
        ("2018-03",),
    )


def test_month_boundaries():
    # last day of the publication month: that line; first day of the next month: interpolated
    assert poverty_line("3322", None, "2017-09-30").line == SEP17
    oct1 = poverty_line("3322", None, "2017-10-01")
    assert oct1.status == "interpolated" and SEP17 < oct1.line < MAR18
    assert oct1.line == pytest.approx(SEP17 * (MAR18 / SEP17) ** (1 / 6))
    # the day of the month never matters
    assert poverty_line("3322", None, "2017-10-31").line == oct1.line


def test_geometric_interpolation_by_hand():
    mid = poverty_line("3374", None, "2017-12-15").line
    assert mid == pytest.approx(np.sqrt(SEP17 * MAR18), rel=1e-12)
    # geometric, not linear: below the arithmetic mean
    assert mid < (SEP17 + MAR18) / 2


def test_urban_rural_and_aliases():
    urban = poverty_line("3373", "urban", "2018-09")
    rural = poverty_line("3373", "rural", "2018-09")
    assert urban.line == 355257.0 and rural.line == 359673.0
    assert urban.status == rural.status == "derived"
    assert poverty_line("3373", "perkotaan", "2018-09").line == urban.line
    assert poverty_line("3373", "Perdesaan", "2018-09").line == rural.line
    assert poverty_line("3373", None, "2018-09").line == SEP18
    with pytest.raises(JBPInputError, match="urban/rural"):
        poverty_line("3373", "suburban", "2018-09")


def test_district_rows_are_used_when_they_cover_the_month():
    t = _table(
        [
            {
                "bps_code": "3373",
                "period": "2017-03",
                "urban_rural": "urban",
                "rp_per_capita_per_month": 400000,
            },
            {
                "bps_code": "3373",
                "period": "2018-03",
                "urban_rural": "urban",
                "rp_per_capita_per_month": 440000,
            },
            {
                "bps_code": "3322",
                "period": "2017-03",
                "urban_rural": "urban",
                "rp_per_capita_per_month": 300000,
            },
        ]
    )
    own = poverty_line("3373", "urban", "2017-09", table=t)
    assert own.scope == "district" and own.area_code == "3373"
    assert own.line == pytest.approx(400000 * 1.1**0.5)
    # Kab. Semarang (3322) and Kota Semarang (3374) share a name, not a line
    assert poverty_line("3322", "urban", "2017-03", table=t).line == 300000.0
    kota = poverty_line("3374", "urban", "2017-03", table=t)
    assert kota.scope == "province" and kota.line == 332736.0
    # 3322's single row does not cover September 2017: the province line is used
    fallback = poverty_line("3322", "urban", "2017-09", table=t)
    assert fallback.scope == "province" and fallback.line == 336595.0
    # a district row of another class does not leak into the rural lookup
    assert poverty_line("3373", "rural", "2017-09", table=t).scope == "province"


def test_extrapolation_is_bounded():
    # the urban lines end in September 2018 (the total line goes on to 2021 and is interpolated)
    dec = poverty_line("3373", "urban", "2018-12")
    assert dec.status == "extrapolated" and dec.anchors == ("2018-03", "2018-09")
    assert dec.line == pytest.approx(355257 * (355257 / 348576) ** 0.5)
    assert poverty_line("3373", None, "2018-12").status == "interpolated"
    with pytest.raises(JBPInputError, match="no poverty line within 6 months"):
        poverty_line("3373", "urban", "2019-06")
    with pytest.raises(JBPInputError, match="covers"):
        poverty_line("3373", "urban", "2012-01", max_extrapolation=1)


def test_bad_district():
    with pytest.raises(JBPInputError, match="four-digit"):
        poverty_line("Salatiga", None, "2018-03")
    with pytest.raises(JBPInputError, match="no poverty line for district 3501"):
        poverty_line("3501", None, "2018-03")


def test_vectorised_lookup_matches_scalar_and_keeps_missing():
    d = pd.DataFrame(
        {
            "district_code": ["3373", "3322", "3374", "3373"],
            "urban_rural": pd.Categorical(["urban", "rural", None, "urban"]),
            "interview_date": pd.to_datetime(["2017-04-03", "2017-11-20", "2018-07-01", None]),
        }
    )
    out = lookup_lines(d)
    for i in range(3):
        r = d.iloc[i]
        ur = None if pd.isna(r.urban_rural) else r.urban_rural
        assert out.poverty_line.iloc[i] == poverty_line(r.district_code, ur, r.interview_date).line
    assert np.isnan(out.poverty_line.iloc[3]) and pd.isna(out.poverty_line_status.iloc[3])
    assert out.poverty_line_scope.iloc[0] == "province"


def test_lines_used_lists_the_anchors_with_sources():
    d = pd.DataFrame(
        {"district_code": ["3373", "3373"], "urban_rural": ["rural", "rural"],
         "interview_date": pd.to_datetime(["2017-09-10", "2017-12-01"])}
    )  # fmt: skip
    used = lines_used(d)
    assert used.period.tolist() == ["2017-09", "2018-03"]
    assert (used.urban_rural == "rural").all() and used.source.str.contains("Pos Jateng").all()


def test_bad_tables(tmp_path):
    good = pd.read_csv(PROJECT_ROOT / "study" / "reference" / "poverty_lines.csv", dtype=str)
    bad = tmp_path / "no_source.csv"
    good.assign(source=[""] + good.source.tolist()[1:]).to_csv(bad, index=False)
    with pytest.raises(JBPInputError, match="source") as err:
        load_poverty_lines(bad)
    assert err.value.row == 1
    dup = tmp_path / "dup.csv"
    pd.concat([good.iloc[:1], good]).to_csv(dup, index=False)
    with pytest.raises(JBPInputError, match="same area"):
        load_poverty_lines(dup)
    with pytest.raises(JBPInputError, match="not found"):
        load_poverty_lines(tmp_path / "nope.csv")
