"""Poverty section pieces: households lifted per Rp 100 million, shares by arm and wave, lines note."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.analyses.poverty import households_lifted, households_lifted_bootstrap
from jbp_analysis.report import poverty as pov


@pytest.fixture()
def trial():
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(30), 20)
    arm = np.array(["kontrol", "karitatif", "pendampingan"])[g % 3]
    p = np.where(arm == "pendampingan", 0.1, 0.3)
    data = pd.DataFrame({"group_id": g, "arm": arm, "poor": rng.random(len(g)) < p})
    costs = pd.DataFrame(
        {
            "group_id": np.arange(30),
            "arm": arm[::20],
            "cost_rp": np.select(
                [arm[::20] == "kontrol", arm[::20] == "karitatif"], [0, 20e6], 50e6
            ),
        }
    )
    return data, costs


def test_households_lifted_by_hand(trial):
    data, costs = trial
    out = households_lifted_bootstrap(costs, data, strata=None, draws=99, seed=1).set_index(
        ["comparison", "metric"]
    )
    share = data.groupby("arm")["poor"].mean()
    d_p0 = share["pendampingan"] - share["kontrol"]
    row = out.loc[("pendampingan vs kontrol", "poverty_effect")]
    assert row.estimate == pytest.approx(d_p0)
    assert row.ci_low <= row.estimate <= row.ci_high
    cost_pp = 50e6 / 20  # per participant; control costs nothing
    lifted = out.loc[("pendampingan vs kontrol", "lifted_per_100m_rp"), "estimate"]
    assert lifted == pytest.approx(-d_p0 / cost_pp * 1e8)
    cost_per = out.loc[("pendampingan vs kontrol", "cost_per_household_lifted_rp"), "estimate"]
    assert cost_per == pytest.approx(cost_pp / -d_p0)
    # mentoring against charity: incremental cost 1.5M per participant
    inc = out.loc[("pendampingan vs karitatif", "lifted_per_100m_rp"), "estimate"]
    d2 = share["pendampingan"] - share["karitatif"]
    assert inc == pytest.approx(-d2 / (30e6 / 20) * 1e8)


def test_households_lifted_needs_the_indicator(trial):
    data, costs = trial
    with pytest.raises(Exception, match="poor"):
        households_lifted_bootstrap(costs, data.drop(columns="poor"), strata=None, draws=9)


def test_share_table_suppresses_small_cells_and_ignores_non_respondents():
    panel = pd.DataFrame(
        {
            "arm": ["kontrol"] * 14 + ["pendampingan"] * 5,
            "wave": ["followup"] * 19,
            "responded": [True] * 12 + [False] * 2 + [True] * 5,
            "poor": [True] * 4 + [False] * 8 + [True, True] + [False] * 5,
        }
    )
    tab = pov.share_table(panel, min_cell=10).set_index("arm")
    assert tab.loc["kontrol", "n"] == 12 and tab.loc["kontrol", "share"] == pytest.approx(4 / 12)
    assert bool(tab.loc["pendampingan", "suppressed"]) and np.isnan(
        tab.loc["pendampingan", "share"]
    )
    shown = pov.share_reader(panel, lang="id", min_cell=10)
    assert shown.footnotes and "10" in shown.footnotes[0]
    proxy = pov.share_reader(panel.assign(income_poor=panel.poor), y="income_poor", lang="en")
    assert any("proxy" in f for f in proxy.footnotes)


def test_lines_note_lists_sources_in_both_languages():
    panel = pd.DataFrame(
        {
            "district_code": ["3373", "3322"],
            "urban_rural": ["urban", "rural"],
            "interview_date": pd.to_datetime(["2018-03-10", "2017-11-02"]),
            "poverty_line": [1.0, 1.0],
        }
    )
    en = pov.lines_note(panel, lang="en")
    idn = pov.lines_note(panel, lang="id")
    assert "Pos Jateng" in en and "derived" in en and "2018-03" in en
    assert "turunan" in idn and "perdesaan" in idn
    assert pov.lines_note(panel.assign(poverty_line=np.nan)) == ""


def test_lifted_reader_formats_every_comparison(trial):
    data, costs = trial
    out = households_lifted_bootstrap(costs, data, strata=None, draws=49)
    r = pov.lifted_reader(out, lang="en")
    assert r.shown.shape == (3, 4)
    assert "per Rp 100 million" in " ".join(r.shown.iloc[:, 0])


def test_households_lifted_from_the_impact_table_by_hand():
    costs = pd.DataFrame(
        {"group_id": ["k", "c", "m"], "arm": ["kontrol", "karitatif", "pendampingan"],
         "cost_rp": [0, 10_000_000, 40_000_000]}
    )  # fmt: skip
    people = costs[["group_id", "arm"]].assign(participants=20)
    imp = pd.DataFrame(
        {
            "contrast": [
                "karitatif - kontrol",
                "pendampingan - kontrol",
                "pendampingan - karitatif",
            ],
            "outcome": "poor",
            "estimate": [-0.05, -0.12, -0.07],
            "ci_low": [-0.15, -0.20, -0.16],
            "ci_high": [0.05, -0.04, 0.02],
            "inference": "wild",
        }
    )
    out = households_lifted(costs, imp, participants=people).set_index(["comparison", "metric"])
    # mentoring vs control: 2M per participant; 0.12 / 2M * 1e8 = 6 households per Rp 100M
    m = out.loc["pendampingan vs kontrol"]
    assert m.loc["poverty_effect", ["estimate", "ci_low", "ci_high"]].tolist() == pytest.approx(
        [-0.12, -0.20, -0.04]
    )
    assert m.loc["lifted_per_100m_rp", ["estimate", "ci_low", "ci_high"]].tolist() == pytest.approx(
        [6.0, 2.0, 10.0]
    )
    assert m.loc["cost_per_household_lifted_rp", ["estimate", "ci_low", "ci_high"]].tolist() == (
        pytest.approx([2e6 / 0.12, 2e6 / 0.20, 2e6 / 0.04])
    )
    # charitable vs control: the P0 interval includes 0 -> unbounded cost per household lifted
    c = out.loc["karitatif vs kontrol"]
    assert np.isinf(c.loc["cost_per_household_lifted_rp", "ci_high"])
    r = pov.lifted_reader(out.reset_index(), lang="en")
    assert "wild" in r.footnotes[0] and "∞" in r.shown.to_string()
    # the footnote speaks of households lifted, not of the employment table's youth
    assert "household lifted" in r.footnotes[0] and "youth" not in r.footnotes[0]
