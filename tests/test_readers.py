from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from jbp_analysis.clean.readers import read_table
from jbp_analysis.core.errors import JBPInputError

ROWS = "lokasi/kabupaten_kota;latar/umur;meta/durasi_menit\nKab. Semarang;25;35,5\n;31;40\n"


def test_utf8_comma_csv_keeps_strings_and_row_numbers(tmp_path) -> None:
    p = tmp_path / "a.csv"
    p.write_text('id,nama,nik\n007,"Sri, Wahyuni",3322014501990001\n008,,\n', encoding="utf-8")
    t = read_table(p)
    assert (t.separator, t.encoding, t.format) == (",", "utf-8", "csv")
    assert t.frame["id"].tolist() == ["007", "008"]  # leading zeros survive: cells stay strings
    assert t.frame["nama"].iloc[0] == "Sri, Wahyuni"
    assert t.frame["nik"].iloc[0] == "3322014501990001"
    assert t.frame["nama"].isna().tolist() == [False, True]
    assert t.rows.tolist() == [1, 2]


def test_bom_is_stripped_from_the_first_header(tmp_path) -> None:
    p = tmp_path / "b.csv"
    p.write_bytes(b"\xef\xbb\xbf_uuid,x\nu1,1\n")
    t = read_table(p)
    assert t.frame.columns.tolist() == ["_uuid", "x"]
    assert t.encoding == "utf-8"


def test_latin1_semicolon_decimal_comma(tmp_path) -> None:
    p = tmp_path / "c.csv"
    p.write_bytes(("nama;durasi\nRenée;35,5\nAndré;40\n").encode("latin-1"))
    t = read_table(p)
    assert (t.separator, t.encoding, t.decimal) == (";", "latin-1", ",")
    assert t.frame["nama"].tolist() == ["Renée", "André"]
    assert t.frame["durasi"].tolist() == ["35,5", "40"]


@pytest.mark.parametrize("sep", ["\t", "|", ";"])
def test_separator_is_sniffed(tmp_path, sep) -> None:
    p = tmp_path / "d.csv"
    p.write_text(ROWS.replace(";", sep), encoding="utf-8")
    t = read_table(p)
    assert t.separator == sep
    assert t.frame.shape == (2, 3)
    assert t.frame["latar/umur"].tolist() == ["25", "31"]


def test_quoted_newline_counts_as_one_data_row(tmp_path) -> None:
    p = tmp_path / "e.csv"
    p.write_text('a,b\n1,"line one\nline two"\n2,x\n', encoding="utf-8")
    t = read_table(p)
    assert t.rows.tolist() == [1, 2]
    assert t.frame["a"].tolist() == ["1", "2"]


def test_xlsx_numbers_and_dates_become_export_like_strings(tmp_path) -> None:
    p = tmp_path / "f.xlsx"
    pd.DataFrame(
        {
            "umur": [25, 31],
            "durasi": [35.5, 40.0],
            "tanggal": [dt.datetime(2026, 1, 15), dt.datetime(2026, 2, 1, 9, 30)],
            "nik": ["3322014501990001", None],
        }
    ).to_excel(p, index=False)
    t = read_table(p)
    assert t.format == "xlsx"
    assert t.frame["umur"].tolist() == ["25", "31"]
    assert t.frame["durasi"].tolist() == ["35.5", "40"]
    assert t.frame["tanggal"].tolist() == ["2026-01-15", "2026-02-01 09:30:00"]
    assert t.frame["nik"].iloc[0] == "3322014501990001" and pd.isna(t.frame["nik"].iloc[1])
    assert t.rows.tolist() == [1, 2]


@pytest.mark.parametrize("kind", ["dta", "sav"])
def test_stata_and_spss(tmp_path, kind) -> None:
    p = tmp_path / f"g.{kind}"
    df = pd.DataFrame({"umur": [25.0, np.nan], "nama": ["Sri", "Budi"], "durasi": [35.5, 40.0]})
    (pyreadstat.write_dta if kind == "dta" else pyreadstat.write_sav)(df, str(p))
    t = read_table(p)
    assert t.format == kind
    assert t.frame["umur"].iloc[0] == "25" and pd.isna(t.frame["umur"].iloc[1])
    assert t.frame["durasi"].tolist() == ["35.5", "40"]
    assert t.frame["nama"].tolist() == ["Sri", "Budi"]


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\n\n  \n", "empty"),
        ("header_only.csv", b"a,b\n", "no data rows"),
        ("utf16.csv", "a,b\n1,2\n".encode("utf-16"), "wrong encoding"),
        ("cp1252.csv", "a,b\n\u201cSemarang\u201d,2\n".encode("cp1252"), "wrong encoding"),
        ("broken.xlsx", b"PK\x03\x04 this is not really a zip file", "corrupt"),
        ("broken.dta", b"\x00\x01garbage" * 10, "corrupt"),
        ("broken.sav", b"$FL2garbage" * 10, "corrupt"),
        ("single.csv", b"justonecolumn\nvalue\n", "separator"),
        ("notes.pdf", b"%PDF-1.4", "unsupported"),
    ],
)
def test_bad_files_raise_an_input_error_naming_the_file(tmp_path, name, content, needle) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(JBPInputError) as info:
        read_table(p)
    assert name in str(info.value)
    assert needle in str(info.value)


def test_malformed_row_error_does_not_echo_raw_values(tmp_path) -> None:
    p = tmp_path / "h.csv"
    p.write_text("a,b\n1,2\n3322014501990001,Sri Wahyuni,extra\n", encoding="utf-8")
    with pytest.raises(JBPInputError) as info:
        read_table(p)
    msg = str(info.value)
    assert "h.csv" in msg and "malformed" in msg
    assert "3322014501990001" not in msg and "Sri Wahyuni" not in msg


def test_utf8_multibyte_probe_matches_the_regex():
    """The vectorised probe behind the mixed-encoding check finds exactly what the regex finds."""
    import random

    from jbp_analysis.clean.readers import (
        _LATIN1_OK,
        _NOT_LATIN1,
        _UTF8_MULTIBYTE,
        _has_utf8_multibyte,
    )

    rng = random.Random(7)
    alphabet = [0x41, 0x0A, 0x00, 0x80, 0x9F, 0xA9, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xEF]
    alphabet += [0xF0, 0xF4, 0xF5, 0xFF]
    for _ in range(20_000):
        b = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        assert _has_utf8_multibyte(b) == bool(_UTF8_MULTIBYTE.search(b)), b
        assert bool(b.translate(None, _LATIN1_OK)) == bool(_NOT_LATIN1.search(b)), b
