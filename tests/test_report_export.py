"""report.export.DisplayTable in the reader HTML: every table in a scrolling wrapper, wide ones
(many columns, or long unbreakable intervals) marked ``jbp-wide`` so the template sets them
smaller; numbers never break, intervals may break after "s.d."/"to"."""

from __future__ import annotations

import re

import pandas as pd

from jbp_analysis.i18n import t
from jbp_analysis.report.export import WIDE_CHARACTERS, WIDE_COLUMNS, DisplayTable


def _html(table: pd.DataFrame, lang: str = "id") -> str:
    return DisplayTable(table, lang)._repr_html_()


def test_a_narrow_table_is_wrapped_and_not_wide() -> None:
    html = _html(pd.DataFrame({"Perlakuan": ["Kontrol"], "Jumlah responden": ["100"]}))
    assert html.startswith('<div class="jbp-table-wrap"><table class="jbp-table"><thead>')
    assert html.endswith("</table></div>")


def test_many_columns_make_a_wide_table() -> None:
    few = pd.DataFrame({f"c{i}": ["1"] for i in range(WIDE_COLUMNS - 1)})
    many = pd.DataFrame({f"c{i}": ["1"] for i in range(WIDE_COLUMNS)})
    assert 'class="jbp-table jbp-wide"' not in _html(few)
    assert 'class="jbp-table jbp-wide"' in _html(many)


def test_long_intervals_make_a_wide_table() -> None:
    """Seven columns of Indonesian intervals (the heterogeneity table) do not fit the page."""
    cell = "−Rp 136,1 rb\n(−Rp 1,5 jt s.d. +Rp 1 jt)"
    short = pd.DataFrame({"Hasil": ["Pendapatan"], **{f"k{i}": ["+0,1"] for i in range(4)}})
    long = pd.DataFrame({"Hasil": ["Pendapatan"], **{f"k{i}": [cell] for i in range(6)}})
    assert 6 * (len("(−Rp 1,5 jt s.d. +Rp 1 jt)") + 2) > WIDE_CHARACTERS
    assert "jbp-wide" not in _html(short) and "jbp-wide" in _html(long)


def test_numbers_never_break_and_intervals_break_after_to() -> None:
    for lang in ("id", "en"):
        to = t("misc.to", lang)
        html = _html(pd.DataFrame({"x": [f"−Rp 287,7 rb {to} +Rp 336,1 rb"]}), lang)
        (cell,) = re.findall(r'<td class="num">(.*?)</td>', html)
        assert cell == f"−Rp&#160;287,7&#160;rb&#160;{to} +Rp&#160;336,1&#160;rb"
