from __future__ import annotations

import json
import re

import pandas as pd

from jbp_analysis.clean.quality import (
    enumerator_flags,
    item_nonresponse,
    quality_report,
    render_html,
    to_json,
)
from jbp_analysis.study.codebook import load_codebook

CB = load_codebook()
VARS = [CB.variable("respondent", n) for n in ("worked_last_week", "hours_worked", "education")]


def _panel() -> pd.DataFrame:
    n = 12
    return pd.DataFrame(
        {
            "district_code": ["3322"] * 6 + ["3373"] * 6,
            "wave": pd.Categorical(
                ["baseline"] * 3 + ["endline"] * 3 + ["baseline"] * 6,
                categories=["baseline", "endline", "followup"],
                ordered=True,
            ),
            "responded": [True] * 11 + [False],
            "worked_last_week": pd.array(
                [True, True, False, True, None, False] + [True] * 6, dtype="boolean"
            ),
            "hours_worked": pd.array(
                [40, None, None, None, 20, None] + [40] * 5 + [None], dtype="Int64"
            ),
            "education": pd.Categorical(["primary"] * n),
        }
    )


def test_item_nonresponse_counts_only_due_answers_and_suppresses_small_cells() -> None:
    m = item_nonresponse(_panel(), VARS, codebook=CB, min_cell=3).set_index(
        ["variable", "district_code", "wave"]
    )
    # hours: due where worked (or unknown); the non-worker's blank is a legitimate skip
    assert m.loc[("hours_worked", "3322", "baseline"), ["due", "missing"]].tolist() == [2, 1]
    assert m.loc[("hours_worked", "3322", "endline"), ["due", "missing"]].tolist() == [2, 1]
    assert m.loc[("hours_worked", "3373", "baseline"), ["due", "missing", "share"]].tolist() == [
        5,
        0,
        0.0,
    ]
    # education is asked at baseline only; the non-responder is not counted
    assert ("education", "3322", "endline") not in m.index
    assert m.loc[("education", "3373", "baseline"), "due"] == 5
    assert bool(m.loc[("hours_worked", "3322", "baseline"), "suppressed"])
    assert pd.isna(m.loc[("hours_worked", "3322", "baseline"), "share"])


def test_enumerator_flags_short_outliers_duplicates() -> None:
    rows = pd.DataFrame(
        {
            "enumerator_id": ["A"] * 10 + ["B"] * 10 + ["C"] * 10 + ["C"] + ["A"],
            "duration_min": [40.0] * 8 + [5.0, 6.0] + [40.0] * 20 + [float("nan")] * 2,
            "_interview": [1] * 30 + [0, 0],
            "_outlier_cells": [0] * 10 + [3] * 10 + [0] * 12,
            "_numeric_cells": [10] * 30 + [0, 0],
            "_duplicates": [0] * 30 + [1, 1],
        }
    )
    e = enumerator_flags(rows, short_minutes=15).set_index("enumerator_id")
    assert e.loc["A", ["interviews", "short_interviews"]].tolist() == [10, 2]
    assert e[["flag_short", "flag_outliers", "flag_duplicates"]].values.tolist() == [
        [True, False, True],
        [False, True, False],
        [False, False, True],
    ]
    assert e.loc["C", "interviews"] == 10
    assert e.loc["A", "duplicate_share"] == 1 / 11  # 9% of A's submissions: flagged as well
    assert e.loc["A", "flag_duplicates"]


def test_report_is_json_and_self_contained_html() -> None:
    empty = pd.DataFrame()
    rep = quality_report(
        accounting=pd.DataFrame({"file": ["a.csv"], "rows_in": [3]}),
        missingness=item_nonresponse(_panel(), VARS, codebook=CB, min_cell=3),
        enumerators=pd.DataFrame({"enumerator_id": ["A"], "flagged": [True]}),
        attrition=pd.DataFrame(
            {
                "arm": ["kontrol"],
                "wave": ["endline"],
                "n": [2],
                "responded": [1],
                "attrition": [0.5],
            }
        ),
        duplicates=pd.DataFrame(columns=["dup_set", "resolved"]),
        outliers=pd.DataFrame(columns=["variable", "wave"]),
        unknown_columns={"a.csv": ["_index"]},
        log=pd.DataFrame({"rule": ["rupiah_parse", "rupiah_parse"]}),
        rejects=pd.DataFrame({"reason": ["district_unmatched"]}),
        codebook_version="x",
    )
    del empty
    back = json.loads(to_json(rep))
    assert back["cleaning_log_by_rule"] == {"rupiah_parse": 2}
    assert back["unknown_columns"] == {"a.csv": ["_index"]}
    page = render_html(rep)
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)
    assert "hours_worked" in page and "_index" in page and "n&lt;min" in page


def test_unreadable_values_and_waves_in_the_report() -> None:
    from jbp_analysis.clean.quality import quality_report, render_html, to_json
    from jbp_analysis.clean.unreadable import unreadable_table

    empty = pd.DataFrame()
    unread = unreadable_table(
        [
            pd.DataFrame(
                {
                    "file": ["a.csv", "a.csv"],
                    "header": ["latar/jenis_kelamin", "latar/umur"],
                    "column": ["sex", "age"],
                    "type": ["category", "integer"],
                    "codes": ["sex", None],
                    "non_blank": [100, 100],
                    "unreadable": [7, 0],
                    "share": [0.07, 0.0],
                    "values": [[("pria", 4), ("<b>x</b>", 3)], []],
                }
            )
        ]
    )
    report = quality_report(
        accounting=empty, missingness=pd.DataFrame(columns=["variable", "wave"]),
        enumerators=empty, attrition=pd.DataFrame(columns=["arm", "wave"]),
        duplicates=empty, outliers=empty, unknown_columns={}, log=empty, rejects=empty,
        codebook_version="x", unreadable=unread,
        waves={"collected": ["baseline"], "not_yet_collected": ["endline", "followup"]},
    )  # fmt: skip
    assert report["unreadable"][0]["top_values"] == [
        {"value": "pria", "cells": 4},
        {"value": "<b>x</b>", "cells": 3},
    ]
    assert report["unreadable"][0]["share"] == 0.07 and report["unreadable"][1]["unreadable"] == 0
    html = render_html(report)
    assert "not yet collected: endline, followup" in html
    assert "pria (4)" in html and "&lt;b&gt;x&lt;/b&gt; (3)" in html and "<b>x</b>" not in html
    assert "latar/umur" not in html  # columns with nothing unreadable are summarised
    assert '"not_yet_collected"' in to_json(report)
