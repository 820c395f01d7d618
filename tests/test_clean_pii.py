"""The vectorised PII scan finds exactly what the one-value reference (``kind_of``) finds."""

from __future__ import annotations

import random

import pandas as pd
import pyarrow as pa

from jbp_analysis.clean.pii import PIIScanner, _norm, _norm_all

_ALPHABET = list("aZk09 .-\t\x0b\x1c\x1f\r\n\x0c+628") + list("0123456789" * 3)
_ALPHABET += ["\u00a0", "é", "ß", "٣", "０", "İ", "\u2003"]  # non-ASCII spaces, digits, case


def _text(rng: random.Random, alphabet: list[str], longest: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))


def test_kinds_match_kind_of_and_roster_matches_reference():
    rng = random.Random(3)
    names = [_text(rng, _ALPHABET, 10) for _ in range(500)]
    niks = ["3322" + _text(rng, list("0123456789"), 12) for _ in range(50)]
    phones = ["08" + _text(rng, list("0123456789"), 9) for _ in range(50)]
    scan = PIIScanner(names=[*names, None, float("nan"), pd.NA], niks=niks, phones=phones,
                      key=b"k" * 16)  # fmt: skip
    expected: dict[str, str] = {}
    for kind, values in (("phone", phones), ("nik", niks), ("name", names)):
        for v in values:
            if len(_norm(v)) >= 4:
                expected[_norm(v)] = kind
    assert scan.known == expected

    ascii_only = [c for c in _ALPHABET if c.isascii()]
    values = {_text(rng, _ALPHABET, 25) for _ in range(5_000)}
    values |= {_text(rng, ascii_only, 25) for _ in range(10_000)}
    values |= {*names, *niks, *phones, *(n.upper() for n in names)}
    values |= {"3322-1234-5678-9012", "+62 812 3456 7890", "3322.123456.1234", "E01"}
    values = sorted(values)
    got = scan.kinds(pa.array(values)).tolist()
    assert got == [scan.kind_of(v) for v in values]
    assert {"name", "nik", "phone", None} <= set(got)
    assert _norm_all(pa.array(values)).to_pylist() == [_norm(v) for v in values]


def test_mask_string_and_object_columns_alike():
    scan = PIIScanner(names=["Siti Rahayu"], niks=[], phones=[], key=b"k" * 16)
    raw = ["E01", "siti  rahayu", None, "call 0812-3456-7890", "siti  rahayu"]
    for dtype in (object, "string", pd.StringDtype("pyarrow")):
        out, hits = scan.mask(pd.DataFrame({"enumerator_id": pd.Series(raw, dtype=dtype)}),
                              table="panel")  # fmt: skip
        assert hits["position"].tolist() == [1, 3, 4]
        assert hits["kind"].tolist() == ["name", "phone", "name"]
        col = out["enumerator_id"]
        assert col.dtype == pd.Series(raw, dtype=dtype).dtype
        assert col.iloc[1] == col.iloc[4] == scan.token("siti  rahayu", "name")
        assert col.iloc[0] == "E01" and pd.isna(col.iloc[2])


def test_json_lines_masked_value_by_value():
    from jbp_analysis.clean.pii import mask_json_lines

    scan = PIIScanner(names=["Siti Rahayu"], niks=[], phones=[], key=b"k" * 16)
    lines = pd.Series(
        [
            '{"a":"E01","b":"siti rahayu"}',
            "not json",
            '{"a":"E01","b":"siti rahayu"}',
            '{"a":1,"b":"0812 3456 7890"}',
            None,
            '{"a":"E02","c":"x\\ud800"}',
        ],
        dtype=object,
    )
    out, hits = mask_json_lines(scan, lines, table="rejects.csv", column="values")
    token = scan.token("siti rahayu", "name")
    assert out[0] == out[2] == '{"a":"E01","b":"' + token + '"}'
    assert out[1] == "not json" and pd.isna(out[4]) and out[5] == '{"a":"E02","c":"x\\ud800"}'
    assert scan.token("0812 3456 7890", "phone") in out[3]
    assert hits["position"].tolist() == [0, 2, 3]
    assert hits["kind"].tolist() == ["name", "name", "phone"]
