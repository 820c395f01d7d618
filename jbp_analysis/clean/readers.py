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
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.core.io import excerpt

__all__ = ["RawTable", "read_table", "read_csv", "read_xlsx", "read_stata", "read_spss", "FORMATS"]

FORMATS: dict[str, str] = {".csv": "csv", ".xlsx": "xlsx", ".dta": "dta", ".sav": "sav"}
_SEPARATORS = (",", ";", "\t", "|")
_SNIFF_BYTES = 1 << 16
# Latin-1 text from a survey has no C0 controls (other than tab/CR/LF) and no C1 controls: bytes
# 0x80-0x9F mean Windows-1252 or another code page, 0x00 means UTF-16 or a binary file.
_NOT_LATIN1 = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: every byte :data:`_NOT_LATIN1` allows (deleting them leaves only the forbidden ones)
_LATIN1_OK = bytes(b for b in range(256) if not _NOT_LATIN1.match(bytes([b])))
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_BLOCK = 1 << 24  # Arrow's CSV block: also the largest field it can parse
#: Largest single cell accepted (a survey answer is never longer; a bigger one is a broken file).
MAX_FIELD_BYTES = 1 << 20
#: XLSX guards, checked before anything is unpacked: total uncompressed size, and the
#: compression ratio of any large part (a "zip bomb" unpacks hundreds of times its size).
MAX_XLSX_UNPACKED = 1 << 30
MAX_XLSX_RATIO = 100
_RATIO_FROM = 10 << 20  # the ratio is only checked for parts above 10 MiB
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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
    sheet
        The XLSX sheet that was read (``None`` for other formats).
    note
        For an XLSX whose sheet has no data: which other sheets hold rows.
    """

    path: Path
    frame: pd.DataFrame = field(repr=False)
    rows: np.ndarray = field(repr=False)
    format: str
    encoding: str | None = None
    separator: str | None = None
    decimal: str = "."
    sheet: str | None = None
    note: str | None = None

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return len(self.frame)


def read_table(path: str | Path, *, sheet: str | None = None) -> RawTable:
    """Read one export, choosing the reader by file extension.

    ``sheet`` names the XLSX sheet to read (default: the first). A symbolic link is refused:
    the raw folder holds the exports themselves, and a link could point anywhere.

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
    if path.is_symlink():
        raise JBPInputError(
            "is a symbolic link; the raw folder must hold the export files themselves (a link "
            "can point outside it)",
            file=path,
            hint="Copy the file into the raw folder instead of linking it.",
        )
    if not path.is_file():
        raise JBPInputError("file not found or not a regular file", file=path)
    if kind == "xlsx":
        table = read_xlsx(path, sheet=sheet)
    else:
        table = {"csv": read_csv, "dta": read_stata, "sav": read_spss}[kind](path)
    if table.frame.shape[1] == 0 or table.n_rows == 0:
        where = f"sheet {table.sheet!r} " if table.sheet else ""
        others = f"; {table.note}" if table.note else ""
        raise JBPInputError(
            f"{where}has no data rows{others}"
            if table.frame.shape[1] or table.sheet
            else "the file is empty",
            file=path,
            hint="Re-export it from the server, or remove it from the raw folder.",
        )
    _check_field_sizes(table)
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
        raise JBPInputError(
            f"duplicate column header(s) {', '.join(excerpt(h) for h in dup)}", file=path
        )
    # blank lines before the header are skipped, and counted, so that row numbers stay the
    # source file's (header = row 0 when it is on the first line)
    lead = _leading_blank_lines(head)
    data: bytes | None = None
    table = None
    if encoding == "utf-8":
        try:
            if lead:
                data = path.read_bytes()
                table = _arrow_csv(
                    pa.BufferReader(data[_line_offset(data, lead) :]), header, separator
                )
            else:
                table = _arrow_csv(path, header, separator)
        except pa.ArrowInvalid as exc:
            if "UTF8" not in str(exc).upper().replace("-", ""):
                raise _malformed(path, exc) from exc
            encoding = "latin-1"
    if table is None:
        data = path.read_bytes() if data is None else data
        _check_not_mixed(path, data)
        _check_latin1(path, data)
        utf8 = data.decode("latin-1").encode("utf-8")
        try:
            table = _arrow_csv(
                pa.BufferReader(utf8[_line_offset(utf8, lead) :] if lead else utf8),
                header,
                separator,
            )
        except pa.ArrowInvalid as exc:
            raise _malformed(path, exc) from exc
    frame = _arrow_to_strings(table)
    decimal = _decimal_mark(frame) if separator != "," else "."
    rows = np.arange(1, len(frame) + 1, dtype=np.int64) + lead
    rows = _skipped_blank_lines(path, data, lead, separator, encoding, rows)
    return RawTable(
        path=path,
        frame=frame,
        rows=rows,
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
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=_BLOCK),
        parse_options=pacsv.ParseOptions(delimiter=separator, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


def _leading_blank_lines(head: bytes) -> int:
    """Empty (or whitespace-only) lines before the header."""
    n = 0
    for line in head.lstrip(b"\xef\xbb\xbf").split(b"\n"):
        if line.strip():
            return n
        n += 1
    return n


def _line_offset(data: bytes, lines: int) -> int:
    """Byte offset of the start of line ``lines + 1`` (0-based count of lines to skip)."""
    off = 0
    for _ in range(lines):
        off = data.index(b"\n", off) + 1
    return off


_BLANK_LINE = re.compile(rb"\n[ \t]*\r?\n")


def _skipped_blank_lines(
    path: Path, data: bytes | None, lead: int, sep: str, encoding: str, rows: np.ndarray
) -> np.ndarray:
    """Add the blank lines Arrow skips between records to the row numbers (rare: only files
    holding a blank line take this slower pass)."""
    if data is None:
        with path.open("rb") as fh:
            probe = fh.read()
    else:
        probe = data
    body = probe[_line_offset(probe, lead) :] if lead else probe
    if not _BLANK_LINE.search(body):
        return rows
    text = body.decode("utf-8-sig" if encoding == "utf-8" else "latin-1", errors="replace")
    shift, blanks, out = lead, 0, []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    first = True
    for rec in reader:
        if not rec or (len(rec) == 1 and not rec[0].strip()):
            blanks += 1
            continue
        if first:  # the header
            first = False
            shift += blanks
            blanks = 0
            continue
        out.append(shift + blanks)
    if len(out) != len(rows):  # the csv module and Arrow disagree: keep Arrow's numbering
        return rows
    return np.arange(1, len(rows) + 1, dtype=np.int64) + np.asarray(out, dtype=np.int64)


_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _check_not_mixed(path: Path, data: bytes) -> None:
    """Refuse a file that is partly UTF-8 and partly another encoding (naming the first line
    that is not UTF-8): decoding it all as Latin-1 would turn ``José`` into ``JosÃ©``."""
    try:
        data.decode("utf-8")
        return
    except UnicodeDecodeError as exc:
        bad = exc.start
    if not _has_utf8_multibyte(data):
        return  # no UTF-8 at all: a Latin-1 file
    line = data.count(b"\n", 0, bad) + 1
    raise JBPInputError(
        f"mixed encodings: the file is UTF-8, but line {line} of the file holds a byte "
        f"(0x{data[bad]:02X}) that is not UTF-8 (text pasted from a Latin-1/Windows file?)",
        file=path,
        hint="Re-save the whole file as UTF-8 (or fix that line) and rerun; nothing was read.",
    )


def _malformed(path: Path, exc: Exception) -> JBPInputError:
    # pyarrow quotes the offending row in its message: keep only the part before the row text,
    # so that no raw value (possibly a name or NIK) reaches the console.
    if "straddl" in str(exc).lower():
        return JBPInputError(
            f"a single field is larger than {_BLOCK >> 20} MiB (the limit), usually a quote "
            "that is never closed",
            file=path,
            hint="Check the quotes in the file; a survey answer is never that long.",
        )
    problem = ": ".join(m.strip() for m in str(exc).split(":")[0:2])
    return JBPInputError(
        f"malformed CSV ({problem})",
        file=path,
        hint="Check that every row has as many fields as the header and quotes are closed.",
    )


def _has_utf8_multibyte(data: bytes) -> bool:
    """Whether ``data`` holds a well-formed UTF-8 multi-byte sequence (as
    :data:`_UTF8_MULTIBYTE` would find), looking only at the bytes above 0x7F (vectorised).

    Examples
    --------
    >>> _has_utf8_multibyte("José".encode("utf-8")), _has_utf8_multibyte("José".encode("latin-1"))
    (True, False)
    """
    a = np.frombuffer(data, dtype=np.uint8)
    hi = np.flatnonzero(a >= 0x80)
    if not len(hi):
        return False
    lead = a[hi]

    def continuation(k: int) -> np.ndarray:
        at = hi + k
        inside = at < len(a)
        ok = np.zeros(len(hi), dtype=bool)
        byte = a[at[inside]]
        ok[inside] = (byte >= 0x80) & (byte <= 0xBF)
        return ok

    c1 = continuation(1)
    if not c1.any():
        return False
    two = (lead >= 0xC2) & (lead <= 0xDF) & c1
    if two.any():
        return True
    c12 = c1 & continuation(2)
    if ((lead >= 0xE0) & (lead <= 0xEF) & c12).any():
        return True
    return bool(((lead >= 0xF0) & (lead <= 0xF4) & c12 & continuation(3)).any())


def _check_latin1(path: Path, data: bytes) -> None:
    if not data.translate(None, _LATIN1_OK):  # no forbidden byte at all (the usual case)
        return
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
def read_xlsx(path: str | Path, *, sheet: str | None = None) -> RawTable:
    """Read one sheet of an XLSX export with openpyxl (read-only, cached values).

    ``sheet`` names the sheet (default: the first). Before anything is unpacked, the workbook's
    uncompressed size and compression ratio are checked (:data:`MAX_XLSX_UNPACKED`,
    :data:`MAX_XLSX_RATIO`); a password-protected (encrypted) workbook is named as such.
    Formula cells are read from the value the spreadsheet saved with them; a formula without
    a saved value is refused, naming the sheet and cells, since reading it as blank would lose
    data silently. Numbers and dates become strings as a CSV export would write them.
    openpyxl parses cell by cell in Python: XLSX is the slow format (about 50,000 cells a
    second); prefer CSV exports for large surveys.
    """
    import zipfile

    import openpyxl

    path = Path(path)
    _check_xlsx_container(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            names = list(wb.sheetnames)
            if sheet is None:
                ws = wb.worksheets[0]
            elif sheet in names:
                ws = wb[sheet]
            else:
                raise JBPInputError(
                    f"has no sheet {excerpt(sheet)}; its sheets are "
                    f"{', '.join(excerpt(n) for n in names)}",
                    file=path,
                    hint="Fix the sheet name in the file map (study/file_map.yaml).",
                )
            title = ws.title
            rows = list(ws.iter_rows(values_only=True))
            others = [] if rows[1:2] else _sheets_with_rows(wb, skip=title)
        finally:
            wb.close()
    except JBPInputError:
        raise
    except Exception as exc:  # zipfile.BadZipFile, KeyError, XML errors: openpyxl has many
        raise JBPInputError(
            f"corrupt or unreadable XLSX workbook ({type(exc).__name__})",
            file=path,
            hint="Open it in a spreadsheet program to check, or re-export it from the server.",
        ) from None
    while rows and all(v is None for v in rows[-1]):
        rows.pop()  # trailing empty rows that spreadsheet programs leave behind
    note = None
    if others:
        note = "rows are on sheet(s) " + ", ".join(f"{excerpt(n)} ({k:,} rows)" for n, k in others)
        note += "; name the sheet with `sheet:` in the file map (study/file_map.yaml)"
    if not rows:
        return RawTable(
            path=path,
            frame=pd.DataFrame(),
            rows=np.arange(0),
            format="xlsx",
            sheet=title,
            note=note,
        )
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    if len(set(header)) != width or "" in header:
        raise JBPInputError(
            f"sheet {excerpt(title)}: blank or duplicate column headers in the first row", file=path
        )
    _check_uncached_formulas(path, title, rows, width, zipfile)
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
        sheet=title,
        note=note,
    )


def _sheets_with_rows(wb, *, skip: str) -> list[tuple[str, int]]:
    out = []
    for ws in wb.worksheets:
        if ws.title == skip:
            continue
        n = sum(1 for r in ws.iter_rows(values_only=True) if any(v is not None for v in r))
        if n > 1:
            out.append((ws.title, n - 1))
    return out


def _check_xlsx_container(path: Path) -> None:
    """Encrypted workbooks, non-zip files and zip bombs, refused before anything is unpacked."""
    import zipfile

    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic == _OLE_MAGIC:
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise JBPInputError(
                "is password-protected (an encrypted workbook), so it cannot be read",
                file=path,
                hint="Open it with the password, remove the password (File > Info > Protect "
                "Workbook > Encrypt with password: clear it), save, and rerun; or export CSV.",
            )
        raise JBPInputError(
            "is an old-format Excel file (.xls) saved with an .xlsx name",
            file=path,
            hint="Open it and save it as .xlsx (Excel Workbook) or CSV.",
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise JBPInputError(
            f"corrupt or unreadable XLSX workbook ({type(exc).__name__})",
            file=path,
            hint="Open it in a spreadsheet program to check, or re-export it from the server.",
        ) from None
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_UNPACKED:
        raise JBPInputError(
            f"unpacks to {total / 2**20:,.0f} MiB, more than the {MAX_XLSX_UNPACKED >> 20:,} MiB "
            "limit; not read",
            file=path,
            hint="Export the survey as CSV (faster and without this limit).",
        )
    for i in infos:
        if i.file_size > _RATIO_FROM and i.file_size > MAX_XLSX_RATIO * max(i.compress_size, 1):
            raise JBPInputError(
                f"part {excerpt(i.filename)} unpacks to {i.file_size / 2**20:,.0f} MiB from "
                f"{i.compress_size / 2**20:,.1f} MiB (ratio {i.file_size / max(i.compress_size, 1):,.0f}"
                f", limit {MAX_XLSX_RATIO}): not a survey export (a 'zip bomb'?); not read",
                file=path,
                hint="Re-export the file from the server, or export CSV.",
            )


def _check_uncached_formulas(path: Path, title: str, rows: list, width: int, zipfile) -> None:
    """Refuse formula cells that carry no saved value (they would read as blank)."""
    if not any(v is None for r in rows[1:] for v in r[:width]) or not _has_formulas(path, zipfile):
        return
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        ws = wb[title]
        bad: list[str] = []
        n_bad = 0
        for i, (cached, formula) in enumerate(
            zip(rows, ws.iter_rows(values_only=True), strict=False)
        ):
            if i == 0:
                continue
            for j in range(min(width, len(formula))):
                f = formula[j]
                if isinstance(f, str) and f.startswith("=") and cached[j] is None:
                    n_bad += 1
                    if len(bad) < 5:
                        bad.append(f"{openpyxl.utils.get_column_letter(j + 1)}{i + 1}")
    finally:
        wb.close()
    if n_bad:
        raise JBPInputError(
            f"sheet {excerpt(title)}: {n_bad:,} formula cell(s) have no saved value (e.g. "
            f"{', '.join(bad)}), so they would read as blank",
            file=path,
            hint="Open the workbook in Excel or LibreOffice and save it (this stores the values), "
            "or export it as CSV; then rerun.",
        )


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


def _has_formulas(path: Path, zipfile) -> bool:
    """Whether any worksheet holds a formula element (streamed, without parsing the XML)."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not name.startswith("xl/worksheets/"):
                continue
            tail = b""
            with zf.open(name) as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    if _FORMULA_TAG.search(tail + chunk):
                        return True
                    tail = chunk[-16:]
    return False


def _check_field_sizes(table: RawTable) -> None:
    """No cell above :data:`MAX_FIELD_BYTES` (a broken quote, or not a survey export)."""
    for col in table.frame.columns:
        s = table.frame[col]
        if not len(s):
            continue
        if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
            # a string has at most as many characters as bytes: the byte lengths (read from
            # Arrow's offsets, no decoding) clear the usual column at once
            top_bytes = pc.max(pc.binary_length(pa.array(s.array))).as_py()
            if top_bytes is None or top_bytes <= MAX_FIELD_BYTES:
                continue
        lengths = s.str.len()
        top = lengths.max()
        if pd.notna(top) and top > MAX_FIELD_BYTES:
            pos = int(np.asarray(lengths.fillna(0)).argmax())
            raise JBPInputError(
                f"a single field holds {int(top):,} characters, more than the "
                f"{MAX_FIELD_BYTES:,} limit (usually a quote that is never closed)",
                file=table.path,
                row=int(table.rows[pos]),
                column=str(col)[:60],
                hint="Check the quotes in the file; a survey answer is never that long.",
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
