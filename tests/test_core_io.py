"""core.io: formula neutralisation, byte-stable CSV/XLSX, atomic writes, excerpts; clean.pii."""

from __future__ import annotations

import hashlib
import os
import threading

import openpyxl
import pandas as pd
import pytest

from jbp_analysis.core.io import (
    atomic_write_bytes,
    excerpt,
    neutralise,
    neutralise_frame,
    sha256_file,
    write_csv,
    write_xlsx,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-5", "-5"),
        ("+62 812 3456", "+62 812 3456"),
        ("-1.5e3", "-1.5e3"),
        ("-Rp 500.000", "-Rp 500.000"),
        ("-0,23 juta", "-0,23 juta"),
        ("-Rp 5 + cmd", "'-Rp 5 + cmd"),
        ("a=1", "a=1"),
        ("", ""),
        (7, 7),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_neutralise_frame_keeps_dtypes_and_touches_only_formula_cells():
    df = pd.DataFrame(
        {
            "s": pd.array(["=1", "x", None], dtype="string"),
            "c": pd.Categorical(["@a", "b", "@a"]),
            "n": [1.0, -2.0, None],
        }
    )
    out = neutralise_frame(df)
    assert out["s"].dtype == df["s"].dtype and out["s"].tolist()[:2] == ["'=1", "x"]
    assert out["c"].tolist() == ["'@a", "b", "'@a"]
    pd.testing.assert_series_equal(out["n"], df["n"])
    assert neutralise_frame(pd.DataFrame({"a": ["x"]})).equals(pd.DataFrame({"a": ["x"]}))


def test_csv_and_xlsx_are_byte_stable_and_hold_no_formula(tmp_path):
    df = pd.DataFrame({"=h": ['=HYPERLINK("x")', "ok"], "n": [1, 2]})
    a, b = write_csv(df, tmp_path / "a.csv"), write_csv(df, tmp_path / "b.csv")
    assert sha256_file(a) == sha256_file(b)
    x1, x2 = write_xlsx({"t": df}, tmp_path / "a.xlsx"), write_xlsx({"t": df}, tmp_path / "b.xlsx")
    assert x1.read_bytes() == x2.read_bytes()
    ws = openpyxl.load_workbook(x1)["t"]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws["A1"].value == "'=h" and ws["A2"].value == '\'=HYPERLINK("x")'


def test_atomic_write_never_shows_a_partial_file(tmp_path):
    target = tmp_path / "f.bin"
    big = [bytes([i]) * (1 << 20) for i in range(2)]
    atomic_write_bytes(target, big[0])
    seen, stop = set(), threading.Event()

    def reader():
        while not stop.is_set():
            seen.add(hashlib.sha256(target.read_bytes()).hexdigest())

    t = threading.Thread(target=reader)
    t.start()
    for i in range(20):
        atomic_write_bytes(target, big[i % 2])
    stop.set()
    t.join()
    assert seen <= {hashlib.sha256(b).hexdigest() for b in big}
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]  # no temporary file left
    assert oct(os.stat(target).st_mode & 0o777) == "0o644"


def test_excerpt_cuts_and_sanitises():
    assert excerpt("x" * 41).endswith("(41 characters)")
    assert "\x1b" not in excerpt("\x1b[2J")
    assert excerpt("short") == "'short'"


def test_pii_scanner_masks_roster_values_and_shapes_not_uuids():
    from jbp_analysis.clean.pii import PIIScanner, mask_outputs

    scan = PIIScanner(
        names=["Bambang Wibowo"], niks=["3373031306970001"], phones=["08987951302"], key=b"k" * 16
    )
    df = pd.DataFrame(
        {
            "enumerator_id": [
                "bambang  wibowo",
                "ENUM-01",
                "3373-0313-0697-0001",
                "0812 3456 7890",
            ],
            "submission_id": ["53105088-5256-4592-80ca-051b957a91b5"] * 4,
            "household_id": ["3373031306970001", "RT-1", "3373031306970001", "RT-2"],
            "_file": "f.csv",
            "_row": [1, 2, 3, 4],
        }
    )
    out, hits = mask_outputs(scan, {"panel": df}, skip={"_file"})
    masked = out["panel"]
    assert masked["enumerator_id"].str.startswith("[pii:").tolist() == [True, False, True, True]
    assert masked["submission_id"].equals(df["submission_id"])
    # equal values stay equal (a household id typed as a NIK still groups its members)
    assert (
        masked.loc[0, "household_id"] == masked.loc[2, "household_id"] != df.loc[0, "household_id"]
    )
    text = masked.to_csv()
    assert "3373031306970001" not in text and "Bambang" not in text.title()
    assert sorted(hits["kind"]) == ["name", "nik", "nik", "nik", "phone"]


def test_pii_in_rejects_raw_values_is_masked_inside_the_json():
    from jbp_analysis.clean.pii import PIIScanner, mask_outputs

    scan = PIIScanner(names=["Siti Rahayu"], niks=[], phones=[], key=b"k" * 16)
    rej = pd.DataFrame(
        {"file": ["f.csv"], "row": [3], "reason": ["missing_id"],
         "values": ['{"enumerator_id":"Siti Rahayu","age":"19"}']}
    )  # fmt: skip
    out, hits = mask_outputs(scan, {"rejects.csv": rej}, skip={"file"})
    assert "Siti" not in out["rejects.csv"].loc[0, "values"]
    assert '"age":"19"' in out["rejects.csv"].loc[0, "values"] and len(hits) == 1


def test_formula_start_on_arrow_strings_matches_the_regex():
    """The Arrow fast path (first byte from the buffers) agrees with the regex, chunks, slices
    and nulls included."""
    import random

    import pyarrow as pa

    from jbp_analysis.core.io import _formula_start

    rng = random.Random(1)
    alphabet = ["=", "+", "-", "@", "\t", "\r", "a", "é", "1", " ", "\n"]
    values = [
        None
        if rng.random() < 0.1
        else "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3)))
        for _ in range(5_000)
    ]
    chunked = pa.chunked_array([pa.array(values[:2_000]), pa.array(values[2_000:])])
    for arr in (chunked.cast(pa.large_string()), pa.array(values, pa.large_string())[5:]):
        s = pd.Series(pd.arrays.ArrowStringArray(arr)).iloc[3:]
        want = s.astype(object).astype("string").str.contains(r"^[=+\-@\t\r]", regex=True, na=False)
        got = _formula_start(s)
        assert got.tolist() == want.tolist() and got.index.equals(s.index)


def test_neutralise_frame_arrow_columns_keep_their_dtype():
    values = ["=SUM(A1)", None, "x", "-5", "@me", "=SUM(A1)"]
    df = pd.DataFrame(
        {
            "nan_semantics": pd.Series(
                values, dtype=pd.StringDtype("pyarrow", na_value=float("nan"))
            ),
            "na_semantics": pd.Series(values, dtype=pd.StringDtype("pyarrow")),
            "objects": pd.Series(values, dtype=object),
        }
    ).iloc[1:]
    out = neutralise_frame(df)
    for c in df.columns:
        assert out[c].dtype == df[c].dtype
        assert out[c].iloc[[2, 3]].tolist() == ["-5", "'@me"]
        assert out[c].iloc[4] == "'=SUM(A1)" and pd.isna(out[c].iloc[0])


def test_sha256_in_chunks_is_the_hash_of_the_whole_file(tmp_path) -> None:
    """The one file hash (1 MiB chunks) equals hashing all bytes at once, across chunk edges,
    and feeding two files into one hash equals hashing their concatenation."""
    from jbp_analysis.core.io import sha256_update

    big = os.urandom((5 << 19) + 7)  # 2.5 MiB + 7 bytes
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(big)
    b.write_bytes(big[: 1 << 20])  # exactly one chunk
    assert sha256_file(a) == hashlib.sha256(big).hexdigest()
    assert sha256_file(b) == hashlib.sha256(big[: 1 << 20]).hexdigest()
    both = sha256_update(sha256_update(hashlib.sha256(), a), b).hexdigest()
    assert both == hashlib.sha256(big + big[: 1 << 20]).hexdigest()
