from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from jbp_analysis.clean.districts import match_districts
from jbp_analysis.study.reference import AMBIGUOUS_NAMES, districts

REF = districts()
NAMES = REF["name"].str.lower().unique().tolist()


def _code(text: str, hint: str | None = None) -> tuple[object, str]:
    m = match_districts(pd.Series([text]), hint=pd.Series([hint]))
    return m.code.iloc[0], m.status.iloc[0]


def _typo(name: str, kind: int, i: int, letter: str) -> str:
    i = i % len(name)
    if kind == 0:  # substitution
        return name[:i] + letter + name[i + 1 :]
    if kind == 1:  # deletion
        return name[:i] + name[i + 1 :]
    if kind == 2:  # insertion
        return name[:i] + letter + name[i:]
    j = min(i, len(name) - 2)  # adjacent transposition
    return name[:j] + name[j + 1] + name[j] + name[j + 2 :]


PREFIX = {
    "Kabupaten": ["Kab. ", "KABUPATEN ", "Kab ", "kab ", "Kabupaten ", "KAB. "],
    "Kota": ["Kota ", "KOTA ", "kota "],
}


VARIANT = st.tuples(
    st.integers(min_value=0, max_value=len(REF) - 1),
    st.integers(min_value=0, max_value=5),
    st.sampled_from(["title", "upper", "lower"]),
    st.sampled_from(["", " ", "  "]),
    st.one_of(
        st.none(),
        st.tuples(
            st.integers(0, 3), st.integers(0, 20), st.sampled_from("abcdefghijklmnopqrstuvwxyz")
        ),
    ),
)


def _variant(row: int, prefix_i: int, case: str, trailing: str, typo) -> tuple[str, str] | None:
    d = REF.iloc[row]
    name = d["name"]
    if typo is not None:
        name = _typo(name, *typo)
        others = [n for n in NAMES if n != d["name"].lower()]
        own = OSA.distance(name.lower(), d["name"].lower())
        # only typos that stay nearer to their own name than to any other (ties need a hint)
        if not all(OSA.distance(name.lower(), o) > own for o in others):
            return None
    prefixes = PREFIX[d["type"]]
    text = prefixes[prefix_i % len(prefixes)] + name + trailing
    return {"title": text, "upper": text.upper(), "lower": text.lower()}[case], d["bps_code"]


@settings(max_examples=30, deadline=None)
@given(st.lists(VARIANT, min_size=1, max_size=25))
def test_planted_spelling_variants_map_to_their_code(variants) -> None:
    pairs = [v for v in (_variant(*x) for x in variants) if v is not None]
    assume(pairs)
    texts, codes = zip(*pairs, strict=True)
    m = match_districts(pd.Series(texts))
    assert m.code.tolist() == list(codes), list(zip(texts, m.status, strict=True))


def test_bare_unambiguous_names_match() -> None:
    plain = REF[~REF["name"].isin(AMBIGUOUS_NAMES)]
    m = match_districts(plain["name"] + " ")
    assert m.code.tolist() == plain["bps_code"].tolist()


def _junk_core(junk: str) -> str:
    core = junk.replace(" ", "").replace(".", "")
    for word in ("kabupaten", "kab", "kota"):
        if core.startswith(word):
            core = core[len(word) :]
    return core


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz .", min_size=1, max_size=14),
        min_size=1,
        max_size=25,
    )
)
def test_random_junk_does_not_match(junks) -> None:
    far = [
        j
        for j in junks
        if _junk_core(j) and all(OSA.distance(_junk_core(j), n) >= 3 for n in NAMES + ["solo"])
    ]
    assume(far)
    m = match_districts(pd.Series(far))
    assert m.code.isna().all()
    assert set(m.status) == {"unmatched"}


def test_label_exact_is_not_a_repair_but_variants_are() -> None:
    m = match_districts(
        pd.Series(["Kab. Semarang", "kab semarang", "Kab. Semarnag", "Kota Salatiga"])
    )
    assert m.status.tolist() == ["label", "normalised", "fuzzy", "label"]
    assert m.code.tolist() == ["3322", "3322", "3322", "3373"]


@pytest.mark.parametrize("name", sorted(AMBIGUOUS_NAMES))
def test_ambiguous_bare_names_need_the_group_code(name) -> None:
    codes = REF.loc[REF["name"] == name, "bps_code"].tolist()
    assert len(codes) == 2
    code, status = _code(name)
    assert pd.isna(code) and status == "ambiguous"
    m = match_districts(pd.Series([name]))
    assert all(c in m.suggestion.iloc[0] for c in codes)
    for c in codes:
        assert _code(name, hint=c) == (c, "hint")
    assert _code(name, hint="3301")[1] == "ambiguous"  # a hint that is not a candidate is ignored


def test_typo_equidistant_from_two_names_is_resolved_only_by_the_hint() -> None:
    # "Pemarang" is one edit from both Pemalang (3327) and Semarang (3322)
    assert _code("Kab. Pemarang")[1] == "ambiguous"
    assert _code("Kab. Pemarang", hint="3327") == ("3327", "hint")


def test_unmatched_gets_a_suggestion_and_many_rows_map_back() -> None:
    texts = pd.Series(["Jakarta", "Kab. Semarang", None, "Kab. Semarang"] * 250)
    m = match_districts(texts)
    assert m.code.isna().tolist()[:4] == [True, False, True, False]
    assert m.code.iloc[1] == "3322"
    assert m.status.value_counts().to_dict() == {"label": 500, "unmatched": 250, "missing": 250}
    assert m.suggestion.iloc[0].startswith("did you mean")
    assert m.code.index.equals(texts.index)
