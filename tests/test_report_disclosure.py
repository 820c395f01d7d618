"""Disclosure control: cells from fewer than ``min_cell`` respondents are suppressed, with the
marker and a footnote, in tables (both the Excel data and the reader's formatted table) and in
charts (nothing drawn for the cell, the marker drawn instead, the footnote in the caption)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from fixtures.processed import make_processed

from jbp_analysis import plots
from jbp_analysis.core.errors import ConfigError
from jbp_analysis.i18n import t
from jbp_analysis.report import tables
from jbp_analysis.report.disclosure import MARKER, footnote, is_small, suppress
from jbp_analysis.report.estimable import BalanceView, cost_per_participant_view

FOOT_EN = "× = suppressed: fewer than 10 respondents."


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def tiny() -> pd.DataFrame:
    """One district, one group of 6 per arm: every cell is below 10 respondents."""
    return make_processed(seed=3, districts=("3373",), groups_per_district=3, members=6)


def _suppressed_marks(ax) -> int:
    return sum(x.get_gid() == "suppressed" for x in ax.texts)


def _caption(ax) -> str:
    return next(x.get_text() for x in ax.texts if x.get_gid() == "caption")


# ----------------------------------------------------------------------------- the rule


def test_suppress_blanks_small_rows_and_their_counts() -> None:
    tab = pd.DataFrame({"arm": ["a", "b", "c"], "n": [9, 10, 40], "mean": [0.1, 0.2, 0.3]})
    out = suppress(tab, count="n", min_cell=10, lang="en")
    assert out.table["mean"].tolist() == [MARKER, 0.2, 0.3]
    assert out.table["n"].tolist() == [MARKER, 10, 40]
    assert out.n_suppressed == 1 and out.footnote == FOOT_EN
    assert suppress(tab, count="n", min_cell=5).n_suppressed == 0
    assert suppress(tab, count="n", min_cell=5).footnote is None


def test_missing_counts_are_small_and_the_threshold_is_validated() -> None:
    assert is_small([np.nan, 3, 12], 10).tolist() == [True, True, False]
    for bad in (0, -1, 2.5, True, "10"):
        with pytest.raises(ConfigError, match="min_cell"):
            is_small([5], bad)
    assert footnote("id", min_cell=25) == "× = disembunyikan: kurang dari 25 responden."


# ----------------------------------------------------------------------------- tables


def _impacts(n_small: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "wave": ["endline", "endline"],
            "outcome": ["openly_unemployed", "income_household"],
            "contrast": ["pendampingan - kontrol"] * 2,
            "estimate": [-0.06, 400_000.0],
            "std_error": [0.02, 90_000.0],
            "ci_low": [-0.1, 220_000.0],
            "ci_high": [-0.02, 580_000.0],
            "p_value": [0.004, 0.001],
            "n_obs": [n_small, 300],
            "n_clusters": [4, 24],
        }
    )


def test_impact_table_suppresses_in_excel_data_and_reader_table() -> None:
    rt = tables.impact_reader(_impacts(n_small=9), lang="en")
    shown = rt.shown.iloc[0]
    assert shown["Impact"] == shown["95% confidence interval"] == shown["p-value"] == MARKER
    assert shown["Respondents"] == MARKER
    assert rt.shown.iloc[1]["Impact"] == "+Rp 400k"
    assert rt.shown.iloc[1]["95% confidence interval"] == "+Rp 220k to +Rp 580k"
    assert (
        rt.data.loc[0, ["estimate", "ci_low", "ci_high", "p_value", "n_obs"]].tolist()
        == [MARKER] * 5
    )
    assert rt.data.loc[1, "estimate"] == 400_000.0
    assert rt.footnotes == (FOOT_EN,)
    assert tables.impact_reader(_impacts(n_small=10), lang="en").footnotes == ()


def test_sample_and_balance_tables_suppress_small_arms() -> None:
    panel = make_processed(seed=1, districts=("3373",), groups_per_district=3, members=8).panel
    st = tables.sample_table(panel, min_cell=9, lang="en")
    assert st.shown["Respondents"].tolist() == [MARKER] * 3
    assert st.shown["Groups"].tolist() == [MARKER] * 3 and st.footnotes
    view = BalanceView(
        variables=("age",),
        by_arm=pd.DataFrame(
            {
                "variable": ["age"] * 3,
                "arm": ["kontrol", "karitatif", "pendampingan"],
                "n": [40, 7, 40],
                "mean": [21.5, 22.0, 23.25],
                "sd": [3.0, 3.0, 3.0],
            }
        ),
        tidy=pd.DataFrame(
            {
                "variable": ["age", "age"],
                "contrast": ["karitatif - kontrol", "pendampingan - kontrol"],
                "p_value": [0.5, 0.04],
            }
        ),
        ftest=pd.DataFrame(
            {
                "contrast": ["karitatif - kontrol", "pendampingan - kontrol"],
                "p_value": [np.nan, np.nan],
                "n_perm": [np.nan, np.nan],
                "n_clusters": [4, 4],
                "estimable": [False, False],
            }
        ),
    )
    bt = tables.balance_reader(view, lang="en")
    row = bt.shown.iloc[0]
    assert (row["Control"], row["Charitable"], row["Mentoring"]) == ("21.5", MARKER, "23.2")
    assert bt.data.iloc[0]["Mean: Charitable"] == MARKER
    assert FOOT_EN in bt.footnotes
    last = bt.shown.iloc[-1]
    assert last["Variable"] == t("col.ftest", "en")
    assert last["p-value: Mentoring vs Control"] == t("table.not_estimable", "en")


def test_ranking_puts_small_districts_last_unranked() -> None:
    d = pd.DataFrame(
        {
            "district_code": ["3301", "3322", "3373"],
            "outcome": "openly_unemployed",
            "contrast": "pendampingan - kontrol",
            "wave": "followup",
            "estimate": [-0.30, -0.05, -0.10],
            "ci_low": [-0.5, -0.1, -0.2],
            "ci_high": [-0.1, 0.0, 0.0],
            "p_value": [0.01, 0.05, 0.04],
            "n_obs": [8, 200, 200],
            "n_clusters": [3, 12, 12],
        }
    )
    rt = tables.ranking_reader(d, outcome="openly_unemployed", wave="followup", better=-1)
    assert rt.shown[t("col.district")].tolist() == [
        "Kota Salatiga",
        "Kab. Semarang",
        "Kab. Cilacap",
    ]
    assert rt.shown[t("col.rank")].tolist() == ["1", "2", ""]
    assert rt.shown.iloc[-1][t("col.estimate")] == MARKER and rt.footnotes


# ----------------------------------------------------------------------------- charts


def test_trajectory_chart_draws_no_small_cell(tiny) -> None:
    ax = plots.trajectories.plot(tiny.panel, y="household_income", min_cell=10, lang="en")
    summ = plots.trajectories.summarise(tiny.panel, y="household_income", min_cell=10)
    assert summ["suppressed"].all()
    drawn = np.concatenate([np.asarray(ln.get_ydata(), float) for ln in ax.lines])
    assert not np.isfinite(drawn).any()
    assert _suppressed_marks(ax) == len(summ)
    assert FOOT_EN in _caption(ax).replace("\n", " ")


def test_income_chart_draws_no_small_box(tiny) -> None:
    ax = plots.income.plot(tiny.panel, y="household_income", min_cell=10, lang="en")
    assert len(ax.patches) == 0 and _suppressed_marks(ax) == 9
    assert FOOT_EN in _caption(ax).replace("\n", " ")
    ax = plots.income.plot(tiny.panel, y="household_income", min_cell=5, lang="en")
    assert 0 < len(ax.patches) and _suppressed_marks(ax) + len(ax.patches) == 9


def test_awareness_chart_draws_no_small_item(tiny) -> None:
    ax = plots.awareness.plot(tiny.panel, wave="endline", min_cell=10, lang="en")
    assert sum(len(c.get_offsets()) for c in ax.collections) == 0
    assert _suppressed_marks(ax) == 30  # 10 items x 3 arms
    assert FOOT_EN in _caption(ax).replace("\n", " ")


def test_attrition_chart_draws_no_small_bar(tiny) -> None:
    ax = plots.attrition.plot(tiny.panel, min_cell=10, lang="en")
    heights = np.array([p.get_height() for p in ax.patches], dtype=float)
    assert len(heights) == 6 and (np.nan_to_num(heights) == 0).all()  # no bar has a height
    assert _suppressed_marks(ax) == 6 and FOOT_EN in _caption(ax).replace("\n", " ")


def test_cost_chart_draws_no_small_arm(tiny) -> None:
    tab = cost_per_participant_view(tiny.costs, tiny.panel)
    ax = plots.cost_effectiveness.plot(tab, min_cell=10, lang="en")
    assert len(ax.patches) == 0 and _suppressed_marks(ax) == 2
    assert FOOT_EN in _caption(ax).replace("\n", " ")


def test_forest_chart_draws_no_small_district() -> None:
    d = pd.DataFrame(
        {
            "district_code": ["3301", "3322"],
            "estimate": [0.1, -0.2],
            "ci_low": [0.0, -0.3],
            "ci_high": [0.2, -0.1],
            "n_obs": [6, 60],
        }
    )
    ax = plots.forest.plot(d, outcome="openly_unemployed", lang="en", min_cell=10)
    points = [ln for ln in ax.lines if ln.get_marker() == "o"]
    assert [float(p.get_xdata()[0]) for p in points] == [-0.2]
    assert _suppressed_marks(ax) == 1 and FOOT_EN in _caption(ax).replace("\n", " ")
