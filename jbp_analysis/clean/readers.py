"""Readers for raw survey exports: CSV, XLSX, Stata ``.dta`` and SPSS ``.sav``.

Every reader returns a :class:`RawTable`: all cells as strings (blank cells as missing), the
original headers, and the 1-based source row number of every data row (the header is row 0, as
a spreadsheet user counts). Nothing is interpreted here: types, codes and repairs belong to
:mod:`jbp_analysis.clean`. Unreadable, empty, corrupt or wrongly encoded files raise
:class:`~jbp_analysis.core.errors.JBPInputError` naming the file.

CSV handling follows what field exports actually look like (KoboToolbox, ODK, Excel "Save as
CSV"): the separator is sniffed from the first lines (``,``, ``;``, tab or ``|``); UTF-8 with or
without a byte-order mark is read as such, and a file that is not valid UTF-8 falls back to
Latin-1 provided it decodes to printable text. Anything else (UTF-16, binary, Windows code-page
bytes 0x80-0x9F) is refused with a message asking for a UTF-8 export. Decimal commas (``35,5``)
are left in the strings; the cleaning step parses them and :attr:`RawTable.decimal` records
which decimal mark the file uses.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
>>> _ = p.write_bytes("a;b\\n1;35,5\\n".encode("latin-1"))
>>> t = read_table(p)
>>> t.separator, t.decimal, t.frame["b"].tolist(), t.rows.tolist()
(';', ',', ['35,5'], [1])
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from jbp_analysis.core.errors import JBPInputError

__all__ = ["RawTable", "read_table", "read_csv", "read_xlsx", "read_stata", "read_spss", "FORMATS"]

FORMATS: dict[str, str] = {".csv": "csv", ".xlsx": "xlsx", ".dta": "dta", ".sav": "sav"}
_SEPARATORS = (",", ";", "\t", "|")
_SNIFF_BYTES = 1 << 16
# Latin-1 text from a survey has no C0 controls (other than tab/CR/LF) and no C1 controls: bytes
# 0x80-0x9F mean Windows-1252 or another code page, 0x00 means UTF-16 or a binary file.
_NOT_LATIN1 = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


@dataclass(frozen=True)
class RawTable:
    """One raw export as read: string cells, source rows and how the file was decoded.

    Attributes
    ----------
    path
        The file.
    frame
        One column per export header (in file order), every cell a string or missing.
    rows
        1-based source row number of each data row (header = row 0).
    format
        ``"csv"``, ``"xlsx"``, ``"dta"`` or ``"sav"``.
    encoding, separator, decimal
        How a CSV was decoded (``None`` for other formats); ``decimal`` is ``","`` when numbers
        are written with a decimal comma.
    """

    path: Path
    frame: pd.DataFrame = field(repr=False)
    rows: np.ndarray = field(repr=False)
    format: str
    encoding: str | None = None
    separator: str | None = None
    decimal: str = "."

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return len(self.frame)


def read_table(path: str | Path) -> RawTable:
    """Read one export, choosing the reader by file extension.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("a,b\\n1,\\n", encoding="utf-8-sig")
    >>> read_table(p).frame.isna().values.tolist()
    [[False, True]]
    """
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise JBPInputError(
            f"unsupported file type {path.suffix!r}",
            file=path,
            hint="Export the survey as .csv, .xlsx, .dta or .sav.",
        )
    if not path.is_file():
        raise JBPInputError("file not found or not a regular file", file=path)
    reader = {"csv": read_csv, "xlsx": read_xlsx, "dta": read_stata, "sav": read_spss}[kind]
    table = reader(path)
    if table.frame.shape[1] == 0 or table.n_rows == 0:
        raise JBPInputError(
            "the file has no data rows" if table.frame.shape[1] else "the file is empty",
            file=path,
            hint="Re-export it from the server, or remove it from the raw folder.",
        )
    return table


# ----------------------------------------------------------------------------------------- CSV
def read_csv(path: str | Path) -> RawTable:
    """Read a CSV export: sniff separator and encoding, return all cells as strings.

    UTF-8 is validated by Arrow while parsing (no separate pass); a file that is not UTF-8 is
    transcoded from Latin-1 in memory, after checking that it holds no bytes Latin-1 text
    cannot contain.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise JBPInputError(f"cannot read the file ({exc.strerror or exc})", file=path) from exc
    if not head.strip():
        raise JBPInputError("the file is empty", file=path, hint="Re-export it from the server.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise JBPInputError(
            "wrong encoding: the file looks like UTF-16 or a binary file, not a text CSV",
            file=path,
            hint="Re-export it as CSV in UTF-8.",
        )
    encoding = "utf-8" if _is_utf8(head) else "latin-1"
    text = head.decode("utf-8-sig" if encoding == "utf-8" else "latin-1", errors="replace")
    separator, header = _sniff(text, path)
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise JBPInputError(f"duplicate column header(s) {dup}", file=path)
    table = None
    if encoding == "utf-8":
        try:
            table = _arrow_csv(path, header, separator)
        except pa.ArrowInvalid as exc:
            if "UTF8" not in str(exc).upper().replace("-", ""):
                raise _malformed(path, exc) from exc
            encoding = "latin-1"
    if table is None:
        data = path.read_bytes()
        _check_latin1(path, data)
        utf8 = data.decode("latin-1").encode("utf-8")
        try:
            table = _arrow_csv(pa.BufferReader(utf8), header, separator)
        except pa.ArrowInvalid as exc:
            raise _malformed(path, exc) from exc
    frame = _arrow_to_strings(table)
    decimal = _decimal_mark(frame) if separator != "," else "."
    return RawTable(
        path=path,
        frame=frame,
        rows=np.arange(1, len(frame) + 1, dtype=np.int64),
        format="csv",
        encoding=encoding,
        separator=separator,
        decimal=decimal,
    )


def _is_utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a character cut at the end of the sniff window
    return True


def _arrow_csv(source, header: list[str], separator: str) -> pa.Table:
    return pacsv.read_csv(
        source,
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=separator, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


def _malformed(path: Path, exc: Exception) -> JBPInputError:
    # pyarrow quotes the offending row in its message: keep only the part before the row text,
    # so that no raw value (possibly a name or NIK) reaches the console.
    problem = ": ".join(m.strip() for m in str(exc).split(":")[0:2])
    return JBPInputError(
        f"malformed CSV ({problem})",
        file=path,
        hint="Check that every row has as many fields as the header and quotes are closed.",
    )


def _check_latin1(path: Path, data: bytes) -> None:
    bad = _NOT_LATIN1.search(data)
    if bad is not None:
        line = data.count(b"\n", 0, bad.start()) + 1
        raise JBPInputError(
            f"wrong encoding: the file is neither UTF-8 nor Latin-1 (byte 0x{data[bad.start()]:02X}"
            f" at line {line} of the file; it may be Windows-1252, UTF-16 or another code page)",
            file=path,
            hint="Re-export it as CSV in UTF-8.",
        )


def _sniff(text: str, path: Path) -> tuple[str, list[str]]:
    lines = text.splitlines()
    if len(text) >= _SNIFF_BYTES - 8 and len(lines) > 1:
        lines = lines[:-1]  # the last line of the sniff window may be cut
    lines = [ln for ln in lines[:50] if ln.strip()]
    best: tuple[int, int, str] | None = None
    for sep in _SEPARATORS:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sep))
        if not rows:
            continue
        n = len(rows[0])
        consistent = sum(len(r) == n for r in rows)
        score = (consistent, n, sep)
        if n > 1 and (best is None or score[:2] > best[:2]):
            best = score
    if best is None:
        raise JBPInputError(
            "cannot find the column separator (tried ',', ';', tab and '|'): the file has a single "
            "column or is not a CSV export",
            file=path,
        )
    sep = best[2]
    header = [h.strip() for h in next(csv.reader(io.StringIO(lines[0]), delimiter=sep))]
    header = [h.lstrip("\ufeff") for h in header]
    return sep, header


def _arrow_to_strings(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)


def _decimal_mark(frame: pd.DataFrame) -> str:
    sample = frame.head(2000)
    for col in sample.columns:
        s = sample[col].dropna()
        if len(s) and s.str.match(_DECIMAL_COMMA).any():
            return ","
    return "."


# ---------------------------------------------------------------------------------- XLSX etc.
def read_xlsx(path: str | Path) -> RawTable:
    """Read the first sheet of an XLSX export with openpyxl (read-only, cached values).

    Numbers and dates become strings as a CSV export would write them. openpyxl parses cell by
    cell in Python: XLSX is the slow format (about 50,000 cells a second); prefer CSV exports
    for large surveys.
    """
    import openpyxl

    path = Path(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            rows = list(ws.iter_rows(values_only=True))
        finally:
            wb.close()
    except Exception as exc:  # zipfile.BadZipFile, KeyError, XML errors: openpyxl has many
        raise JBPInputError(
            f"corrupt or unreadable XLSX workbook ({type(exc).__name__})",
            file=path,
            hint="Open it in a spreadsheet program to check, or re-export it from the server.",
        ) from exc
    while rows and all(v is None for v in rows[-1]):
        rows.pop()  # trailing empty rows that spreadsheet programs leave behind
    if not rows:
        return RawTable(path=path, frame=pd.DataFrame(), rows=np.arange(0), format="xlsx")
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    if len(set(header)) != width or "" in header:
        raise JBPInputError("blank or duplicate column headers in the first row", file=path)
    body = (
        pd.DataFrame.from_records(
            [r[:width] for r in rows[1:]], columns=header, nrows=len(rows) - 1
        )
        if len(rows) > 1
        else pd.DataFrame(columns=header)
    )
    return RawTable(
        path=path,
        frame=_objects_to_strings(body.astype(object)),
        rows=np.arange(1, len(body) + 1, dtype=np.int64),
        format="xlsx",
    )


def read_stata(path: str | Path) -> RawTable:
    """Read a Stata ``.dta`` export with pyreadstat (values, not value labels)."""
    return _read_pyreadstat(Path(path), "dta")


def read_spss(path: str | Path) -> RawTable:
    """Read an SPSS ``.sav`` export with pyreadstat (values, not value labels)."""
    return _read_pyreadstat(Path(path), "sav")


def _read_pyreadstat(path: Path, kind: str) -> RawTable:
    import pyreadstat

    fn = pyreadstat.read_dta if kind == "dta" else pyreadstat.read_sav
    try:
        raw, _meta = fn(str(path), apply_value_formats=False)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise JBPInputError(
            f"corrupt or unreadable .{kind} file ({type(exc).__name__}: {exc})",
            file=path,
            hint="Re-export it from the server.",
        ) from exc
    return RawTable(
        path=path,
        frame=_objects_to_strings(raw),
        rows=np.arange(1, len(raw) + 1, dtype=np.int64),
        format=kind,
    )


def _objects_to_strings(raw: pd.DataFrame) -> pd.DataFrame:
    """Column-wise conversion of typed cells to strings.

    Integral numbers lose their ``.0`` (``1500000.0`` -> ``"1500000"``) and dates at midnight
    their time, so the strings look like the CSV export of the same data.
    """
    out = {}
    for col in raw.columns:
        s = raw[col]
        notna = s.notna()
        if pd.api.types.is_datetime64_any_dtype(s):
            txt = s.dt.strftime("%Y-%m-%d %H:%M:%S")
        else:
            txt = s.astype(str)
        txt = txt.astype(pd.StringDtype("pyarrow")).where(notna)
        txt = txt.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True)
        txt = txt.str.replace(r"^(\d{4}-\d\d-\d\d)[ T]00:00:00$", r"\1", regex=True)
        out[col] = txt.where(txt.str.strip().ne("").fillna(False).astype(bool))
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw)))
