"""The consumption-and-poverty-line chart: drawn data, small cells, both languages."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from jbp_analysis.plots import poverty  # noqa: E402


@pytest.fixture()
def data():
    rng = np.random.default_rng(4)
    n = 40
    arms = np.repeat(["kontrol", "karitatif", "pendampingan"], [n, n, 6])
    return pd.DataFrame(
        {
            "arm": arms,
            "wave": "followup",
            "consumption_per_capita": rng.lognormal(13, 0.4, len(arms)),
            "poverty_line": np.where(np.arange(len(arms)) % 2, 340_000.0, 360_000.0),
        }
    )


def test_curves_are_the_quantiles_and_the_line_is_the_median_line(data):
    ax = poverty.plot(data, lang="en", min_cell=10)
    k = data[data.arm == "kontrol"]
    q = np.quantile(k.consumption_per_capita, poverty.PERCENTILES)
    curve = ax.lines[0]
    np.testing.assert_allclose(curve.get_xdata(), q)
    np.testing.assert_allclose(curve.get_ydata(), poverty.PERCENTILES)
    vline = ax.lines[-1]
    assert vline.get_xdata()[0] == pytest.approx(350_000)
    plt.close(ax.figure)


def test_small_arm_is_not_drawn_and_shares_are_per_household(data):
    summ = poverty.summarise(data, min_cell=10)
    row = summ.set_index("arm")
    assert bool(row.loc["pendampingan", "suppressed"]) and np.isnan(
        row.loc["pendampingan", "share_poor"]
    )
    k = data[data.arm == "kontrol"]
    expected = np.mean(k.consumption_per_capita < k.poverty_line)
    assert row.loc["kontrol", "share_poor"] == pytest.approx(expected)
    ax = poverty.plot(data, lang="id", min_cell=10)
    assert len(ax.lines) == 3  # two arms and the line
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(lab.startswith("Kontrol:") and "di bawah garis" in lab for lab in labels)
    plt.close(ax.figure)


def test_both_languages_and_given_axes(data):
    fig, axes = plt.subplots(1, 2)
    a = poverty.plot(data, lang="id", ax=axes[0])
    b = poverty.plot(data, lang="en", ax=axes[1])
    assert a is axes[0] and b is axes[1]
    ta, tb = a.get_title(loc="left"), b.get_title(loc="left")
    assert ta.startswith("Sebaran") and tb.startswith("Consumption") and "BPS" in tb
    plt.close(fig)


def test_no_data():
    empty = pd.DataFrame({"arm": [], "wave": [], "consumption_per_capita": [], "poverty_line": []})
    ax = poverty.plot(empty)
    assert len(ax.lines) == 0
    plt.close(ax.figure)


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_a_band_too_narrow_to_see_becomes_a_range_in_the_line_label(data):
    narrow = data.assign(
        poverty_line=np.where(np.arange(len(data)) % 2, 349_000.0, 351_000.0)  # < 2 % of axis
    )
    ax = poverty.plot(narrow, lang="en", min_cell=10)
    labels = _legend(ax)
    assert not any("Range of the poverty lines" in lab for lab in labels)
    assert any(lab.startswith("BPS poverty line (") and "range" in lab for lab in labels), labels
    assert not ax.patches  # no band drawn
    plt.close(ax.figure)
    wide = poverty.plot(data, lang="en", min_cell=10)  # lines 340k and 360k: a visible band
    labels = _legend(wide)
    assert "Range of the poverty lines used" in labels
    assert not any("range" in lab for lab in labels if lab.startswith("BPS"))
    plt.close(wide.figure)
