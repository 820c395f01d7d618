from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jbp_analysis.clean.rupiah import parse_rupiah

EXAMPLES = {
    "Rp 1.500.000": 1_500_000,
    "1,5 juta": 1_500_000,
    "750rb": 750_000,
    "2.000.000,-": 2_000_000,
    "1.5jt": 1_500_000,
    "Rp1500000": 1_500_000,
    "-Rp 250.000": -250_000,
    "Rp -250.000": -250_000,
    "1,500,000": 1_500_000,
    "1.500.000,00": 1_500_000,
    "Rp. 2.500.000,-": 2_500_000,
    "1,25 Juta": 1_250_000,
    "50k": 50_000,
    "2 miliar": 2_000_000_000,
    "IDR 300.000": 300_000,
    "  1500000  ": 1_500_000,
    "0": 0,
}


@pytest.mark.parametrize(("text", "value"), list(EXAMPLES.items()))
def test_documented_forms(text, value) -> None:
    r = parse_rupiah(pd.Series([text]))
    assert r.value.iloc[0] == value
    assert bool(r.ok.iloc[0])


@pytest.mark.parametrize("text", ["abc", "35,5", "1,234 rb 5", "Rp", "--100", "1.5", "12.34.567"])
def test_unreadable_or_fractional_amounts_are_missing_and_flagged(text) -> None:
    r = parse_rupiah(pd.Series([text]))
    assert pd.isna(r.value.iloc[0])
    assert not bool(r.ok.iloc[0])


def test_blank_is_missing_but_not_an_error_and_plain_digits_are_marked_plain() -> None:
    r = parse_rupiah(pd.Series([None, "1500000", "Rp 1.500.000"]))
    assert r.value.isna().tolist() == [True, False, False]
    assert r.ok.tolist() == [True, True, True]
    assert r.plain.tolist() == [False, True, False]


def _dotted(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


def _unit(n: int, unit: int, word: str, mark: str) -> str:
    whole, frac = divmod(n, unit)
    digits = len(str(unit)) - 1
    text = str(whole)
    if frac:
        text += mark + f"{frac:0{digits}d}".rstrip("0")
    return text + word


STYLES = {
    "plain": lambda n: str(n),
    "rp_dots": lambda n: "Rp " + _dotted(n, "."),
    "rp_tight": lambda n: f"Rp{n}",
    "rp_dot_tag": lambda n: "Rp. " + _dotted(n, "."),
    "dash": lambda n: _dotted(n, ".") + ",-",
    "cents": lambda n: _dotted(n, ".") + ",00",
    "commas": lambda n: _dotted(n, ","),
    "juta_comma": lambda n: _unit(n, 1_000_000, " juta", ","),
    "jt_dot": lambda n: _unit(n, 1_000_000, "jt", "."),
    "rb": lambda n: _unit(n, 1_000, "rb", ","),
    "ribu": lambda n: _unit(n, 1_000, " ribu", "."),
    "idr": lambda n: "IDR " + _dotted(n, "."),
    "upper": lambda n: "RP " + _dotted(n, "."),
}


def _styled(n: int, style: str, negative: bool, sign_after_tag: bool) -> tuple[str, int]:
    text = STYLES[style](n)
    if negative and n:
        if sign_after_tag and text.upper().startswith(("RP", "IDR")):
            tag, rest = text.split(" ", 1) if " " in text else (text[:2], text[2:])
            text = f"{tag} -{rest}"
        else:
            text = "-" + text
    return text, (-n if negative and n else n)


CASE = st.tuples(
    st.integers(min_value=0, max_value=10**10),
    st.sampled_from(sorted(STYLES)),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(CASE, min_size=1, max_size=40))
def test_every_style_parses_back_exactly(cases) -> None:
    texts, expected = zip(*(_styled(*c) for c in cases), strict=True)
    r = parse_rupiah(pd.Series(list(texts) + [None]))
    assert r.value.tolist()[:-1] == list(expected), texts
    assert r.ok.all()


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=40))
def test_vector_parse_maps_unique_values_back_to_every_row(values) -> None:
    texts = pd.Series(
        ["Rp " + _dotted(v, ".") for v in values], index=range(100, 100 + len(values))
    )
    r = parse_rupiah(texts)
    assert r.value.index.equals(texts.index)
    assert r.value.tolist() == values
