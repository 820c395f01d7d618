from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from fixtures.processed import make_processed

from jbp_analysis import plots
from jbp_analysis.analyses.attrition import response_rates
from jbp_analysis.plots._base import rp_formatter
from jbp_analysis.plots.theme import ARM_COLORS, ARM_MARKERS, FALLBACK_COLORS, arm_color, arm_marker
from jbp_analysis.report.disclosure import MARKER
from jbp_analysis.report.estimable import cost_per_participant_view


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return make_processed(seed=3).panel


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _caption(ax) -> str:
    return next(x.get_text() for x in ax.texts if x.get_gid() == "caption")


def _suppressed(ax) -> int:
    return sum(x.get_gid() == "suppressed" for x in ax.texts)


def _tidy(n_small: int = 300) -> pd.DataFrame:
    rows = []
    for outcome, sd in (("unemployed", 0.5), ("income_household", 1e6)):
        for c, e in (
            ("karitatif - kontrol", 0.1),
            ("pendampingan - kontrol", 0.3),
            ("pendampingan - karitatif", 0.2),
        ):
            rows.append(
                dict(
                    outcome=outcome,
                    contrast=c,
                    estimate=e * sd,
                    ci_low=(e - 0.1) * sd,
                    ci_high=(e + 0.1) * sd,
                    n_obs=300,
                    control_sd=sd,
                )
            )
    df = pd.DataFrame(rows)
    df.loc[5, "n_obs"] = n_small
    return df


def test_coefficient_plot_draws_standardised_points_and_suppresses(panel) -> None:
    ax = plots.coefficients.plot(_tidy(n_small=4), lang="en")
    points = [ln for ln in ax.lines if ln.get_marker() == "o"]
    xs = sorted(round(float(p.get_xdata()[0]), 6) for p in points)
    assert xs == [0.1, 0.1, 0.2, 0.3, 0.3]  # estimates in control SDs; one suppressed
    assert _suppressed(ax) == 1
    cap = _caption(ax)
    assert "n = 300" in cap and f"{MARKER} = suppressed" in cap
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Mentoring vs Control",
        "Charitable vs Control",
        "Mentoring vs Charitable",
    ]


def test_trajectories_plot_the_cell_means(panel) -> None:
    ax = plots.trajectories.plot(panel, y="household_income", lang="id")
    mentoring = next(ln for ln in ax.lines if ln.get_color() == ARM_COLORS["pendampingan"])
    resp = panel[panel.responded & (panel.arm == "pendampingan")]
    expected = resp.groupby("wave", observed=True)["household_income"].mean().to_numpy(float)
    np.testing.assert_allclose(mentoring.get_ydata(), expected)
    assert ax.yaxis.get_major_formatter()(1_500_000, 0) == "Rp 1,5 jt"
    assert "Rp" in ax.get_ylabel() and ax.get_title(loc="left")
    n = panel.loc[panel.responded, "respondent_id"].nunique()
    assert f"n = {n}" in _caption(ax)


def test_small_cells_are_not_drawn(panel) -> None:
    small = panel[panel.group_id.isin(panel.group_id.unique()[:4])]  # few respondents per arm
    summ = plots.trajectories.summarise(small, y="household_income", min_cell=40)
    assert summ["suppressed"].any() and summ.loc[summ.suppressed, "mean"].isna().all()
    ax = plots.trajectories.plot(small, y="household_income", min_cell=40, lang="en")
    drawn = np.concatenate([ln.get_ydata() for ln in ax.lines])
    assert np.isnan(drawn).sum() == summ["suppressed"].sum()
    assert _suppressed(ax) == summ["suppressed"].sum()
    assert "fewer than 40 respondents" in _caption(ax)


def test_income_boxes_span_the_quartiles(panel) -> None:
    ax = plots.income.plot(panel, lang="en")
    summ = plots.income.summarise(panel)
    widths = sorted(round(p.get_width()) for p in ax.patches)
    assert widths == sorted(round(w) for w in (summ.q75 - summ.q25))
    labels = [x.get_text() for x in ax.get_xticklabels()]
    assert all(lab.startswith("Rp") for lab in labels if lab)


def test_awareness_profile_has_every_item(panel) -> None:
    ax = plots.awareness.plot(panel, wave="endline", lang="id")
    assert len(ax.get_yticklabels()) == 10
    offsets = ax.collections[0].get_offsets()
    summ = plots.awareness.summarise(panel, wave="endline")
    np.testing.assert_allclose(
        np.sort(offsets[:, 0]), np.sort(summ.loc[summ.arm == "kontrol", "mean"].to_numpy())
    )


def test_attrition_bars_are_response_rates(panel) -> None:
    ax = plots.attrition.plot(panel, lang="en")
    heights = [p.get_height() for p in ax.patches]
    rates = plots.attrition.summarise(panel)
    expected = rates.sort_values(
        ["arm", "wave"],
        key=lambda s: s.map(
            {"kontrol": 0, "karitatif": 1, "pendampingan": 2, "endline": 0, "followup": 1}
        ),
    )["rate"]
    np.testing.assert_allclose(heights, 100 * expected.to_numpy())
    assert ax.get_ylabel() == "Respondents interviewed (% of baseline roster)"
    # the counts are the analyses' (the panel has a row per roster member in every wave)
    ref = response_rates(panel).astype({"arm": str, "wave": str}).set_index(["wave", "arm"])
    got = rates.set_index(["wave", "arm"])
    np.testing.assert_array_equal(got["rate"], ref.loc[got.index, "rate"])
    np.testing.assert_array_equal(got["n"], ref.loc[got.index, "n"])


def test_cost_bars_and_not_estimable_label() -> None:
    f = make_processed(seed=3)
    tab = cost_per_participant_view(f.costs, f.panel)
    assert set(tab.arm) == {"karitatif", "pendampingan"}
    ax = plots.cost_effectiveness.plot(tab, lang="en")
    np.testing.assert_allclose(sorted(p.get_width() for p in ax.patches), sorted(tab["value"]))
    neg = tab.assign(value=[-1.0, 5e5])
    ax2 = plots.cost_effectiveness.plot(neg, lang="en")
    assert sum(x.get_gid() == "not_estimable" for x in ax2.texts) == 1


def test_forest_plot_sorts_districts_and_marks_pooled() -> None:
    d = pd.DataFrame(
        {
            "district_code": ["3301", "3322", "3373"],
            "estimate": [0.1, -0.2, 0.0],
            "ci_low": [0, -0.3, -0.1],
            "ci_high": [0.2, -0.1, 0.1],
            "n_obs": [50, 50, 50],
        }
    )
    ax = plots.forest.plot(
        d,
        outcome="unemployed",
        pooled={"estimate": -0.05, "ci_low": -0.1, "ci_high": 0.0},
        lang="en",
    )
    labels = [x.get_text() for x in ax.get_yticklabels()]
    assert labels == ["Province (pooled)", "Kab. Semarang", "Kota Salatiga", "Kab. Cilacap"]
    # districts take the colour of the plan's headline arm, or of the arm given
    points = [ln for ln in ax.lines if ln.get_marker() == "o"]
    assert len(points) == 3 and {ln.get_color() for ln in points} == {ARM_COLORS["pendampingan"]}
    ax = plots.forest.plot(d, outcome="unemployed", arm="karitatif", lang="en")
    points = [ln for ln in ax.lines if ln.get_marker() == "o"]
    assert len(points) == 3 and {ln.get_color() for ln in points} == {ARM_COLORS["karitatif"]}
    plt.close("all")


def test_arm_colours_fall_back_by_arm_order_for_other_studies() -> None:
    for arm in ARM_COLORS:  # the JBP arms keep their fixed colours and markers
        assert arm_color(arm) == ARM_COLORS[arm] and arm_marker(arm) == ARM_MARKERS[arm]
    arms = ("ctrl", "treat_a", "treat_b")
    colours = [arm_color(a, arms=arms) for a in arms]
    assert colours == list(FALLBACK_COLORS[:3]) and len(set(colours)) == 3
    assert len({arm_marker(a, arms=arms) for a in arms}) == 3
    assert not set(colours) & set(ARM_COLORS.values())  # never mistaken for a JBP arm
    # an arm outside the order still gets a colour, the same one every time
    assert arm_color("elsewhere") == arm_color("elsewhere") in FALLBACK_COLORS


def test_rupiah_axis_is_readable() -> None:
    f = rp_formatter("id")
    assert [f(x, 0) for x in (0, 500_000, 1_250_000, 2e6)] == [
        "Rp 0",
        "Rp 500 rb",
        "Rp 1,25 jt",
        "Rp 2 jt",
    ]


def test_percentage_ticks_never_misstate_a_value() -> None:
    """27.5% read "28%" and 22.5% read "22%" (issue 11): the formatter picks the decimals that
    state every tick exactly, for the whole axis."""
    from jbp_analysis.plots._base import number_formatter, pct_formatter

    fig, ax = plt.subplots()
    ax.plot([0, 1], [21.0, 29.0])
    ax.set_yticks([20.0, 22.5, 25.0, 27.5, 30.0])
    ax.yaxis.set_major_formatter(pct_formatter("id"))
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["20,0%", "22,5%", "25,0%", "27,5%", "30,0%"]
    ax.set_yticks([20.0, 25.0, 30.0])
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["20%", "25%", "30%"]
    # steps below one unit get the decimals they need; shares too
    assert number_formatter("en").format_ticks([0.0, 0.5, 1.0]) == ["0.0", "0.5", "1.0"]
    assert pct_formatter("en", share=True).format_ticks([0.225, 0.25]) == ["22.5%", "25.0%"]
    # whatever the ticks, each label read back is the tick value
    rng = np.random.default_rng(0)
    f = pct_formatter("en")
    for _ in range(50):
        step = rng.choice([0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5])
        ticks = np.round(rng.integers(0, 40) + step * np.arange(5), 6)
        back = [float(s.rstrip("%")) for s in f.format_ticks(ticks)]
        np.testing.assert_allclose(back, ticks, atol=1e-9)


@pytest.mark.parametrize("members", [8, 25, 60])
def test_trajectory_legend_sits_outside_the_data(members: int) -> None:
    panel = make_processed(seed=3, members=members).panel
    ax = plots.trajectories.plot(panel, y="household_income", lang="en")
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    axes = ax.get_window_extent()
    assert legend.x0 >= axes.x1 - 1  # right of the plotting area: it covers no line
