"""Writing files safely, once for the whole package: atomic writes, SHA-256, byte-stable CSV and
XLSX, and spreadsheet-formula neutralisation.

* :func:`atomic_write_bytes` / :func:`atomic_write_text`: write to a unique temporary file in the
  target's folder, ``fsync``, then ``os.replace`` it over the target: a reader sees the old file
  or the new one, never half of one, and two writers never share a temporary name.
* :func:`sha256_file`: the one SHA-256 of a file (read in 1 MiB chunks).
* :func:`neutralise` / :func:`neutralise_frame`: OWASP's guidance on CSV injection. A text cell
  that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return is a formula to Excel and
  LibreOffice (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``); it is written with a leading
  apostrophe, which spreadsheets show as text. Numbers (``-5``, ``+62 812``, ``1e3``, and
  amounts as typed in the field such as ``-Rp 500.000`` or ``-0,23 juta``) are left alone. Every CSV and XLSX the package writes goes through it.
* :func:`write_csv`: UTF-8 CSV through Arrow's writer, ``\\n`` line ends, quotes only where
  needed: equal frames give equal bytes.
* :func:`write_xlsx`: one workbook, a sheet per table, with fixed document times and zip
  timestamps so that equal tables give equal bytes (:func:`stable_zip`).

Examples
--------
>>> import tempfile, pandas as pd
>>> d = Path(tempfile.mkdtemp())
>>> _ = write_csv(pd.DataFrame({"note": ["=1+1", "-5", "ok"]}), d / "a.csv")
>>> (d / "a.csv").read_text()
'note\\n"\\'=1+1"\\n"-5"\\n"ok"\\n'
>>> len(sha256_file(d / "a.csv"))
64
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

__all__ = [
    "sha256_file",
    "sha256_update",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_writer",
    "neutralise",
    "neutralise_frame",
    "FORMULA_START",
    "write_csv",
    "write_csv_pieces",
    "write_xlsx",
    "stable_zip",
    "excerpt",
    "shorten",
]

#: Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_RE = r"^[=+\-@\t\r]"
# a number as written in survey data: 1e3, -5, +62 812, 35,5, -Rp 500.000, -0,23 juta. Such a
# cell holds no function call, reference or operator beyond its sign, so it cannot run anything
_NUMBER_RE = re.compile(
    r"^\s*[+-]?\s*(Rp\.?\s*)?(\d[\d .,]*|[.,]\d+)([eE][+-]?\d+)?(\s*(juta|jt|ribu|rb))?\s*$",
    re.IGNORECASE,
)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_W3CDTF = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


# ------------------------------------------------------------------------------------ hashing
def sha256_update(h: Any, path: str | os.PathLike) -> Any:
    """Feed the bytes of ``path`` into the hash object ``h`` (1 MiB chunks); return ``h``."""
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 hex digest of a file, read in chunks.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x"
    >>> _ = p.write_bytes(b"")
    >>> sha256_file(p)[:12]
    'e3b0c44298fc'
    """
    return sha256_update(hashlib.sha256(), path).hexdigest()


# ------------------------------------------------------------------------------ atomic writes
def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (unique temporary file, fsync, ``os.replace``).

    Examples
    --------
    >>> import tempfile
    >>> p = atomic_write_bytes(Path(tempfile.mkdtemp()) / "a.txt", b"hi")
    >>> p.read_bytes()
    b'hi'
    """
    with atomic_writer(path) as fh:
        fh.write(data)
    return Path(path)


@contextmanager
def atomic_writer(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file handle whose content replaces ``path`` atomically when the block ends
    without an error (unique temporary file beside it, fsync, ``os.replace``); on an error the
    temporary file is removed and ``path`` is untouched. For content too large to hold twice in
    memory (a CSV of millions of rows is streamed into it).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_writer(p) as fh:
    ...     _ = fh.write(b"hi")
    >>> p.read_bytes()
    b'hi'
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """UTF-8 text with ``\\n`` line ends, written atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


# ------------------------------------------------------------------ spreadsheet neutralisation
def neutralise(value: Any) -> Any:
    """``value`` with a leading apostrophe if it is text a spreadsheet would run as a formula.

    Examples
    --------
    >>> [neutralise(v) for v in ["=HYPERLINK(1)", "@SUM(A1)", "-5", "+62 812", "\\tx", 3, "a"]]
    ["'=HYPERLINK(1)", "'@SUM(A1)", '-5', '+62 812', "'\\tx", 3, 'a']
    """
    if isinstance(value, str) and value[:1] in FORMULA_START and not _NUMBER_RE.match(value):
        return "'" + value
    return value


def _text_columns(df: pd.DataFrame) -> list:
    return [
        c
        for c in df.columns
        if pd.api.types.is_object_dtype(df[c])
        or pd.api.types.is_string_dtype(df[c])
        or isinstance(df[c].dtype, pd.CategoricalDtype)
    ]


_FORMULA_BYTES = np.frombuffer(b"=+-@\t\r", dtype=np.uint8)  # the class of _FORMULA_RE


def _first_byte_in(chunk: Any, wanted: np.ndarray) -> np.ndarray:
    """Whether each string of an Arrow string array starts with one of the ``wanted`` (ASCII)
    bytes: read from the offsets and data buffers, no string is decoded (nulls: False)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_large_string(chunk.type):
        chunk = chunk.cast(pa.large_string())
    n = len(chunk)
    if not n:
        return np.zeros(0, dtype=bool)
    _, off_buf, data_buf = chunk.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int64, count=n + 1, offset=chunk.offset * 8)
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, "u1")
    start = offsets[:-1]
    nonempty = offsets[1:] > start
    first = np.zeros(n, dtype=np.uint8)
    first[nonempty] = data[start[nonempty]]
    hit = np.isin(first, wanted) & nonempty
    if chunk.null_count:
        hit &= pc.is_valid(chunk).to_numpy(zero_copy_only=False)
    return hit


def _formula_start(s: pd.Series) -> pd.Series:
    """Cells of a text column that start like a formula (:data:`_FORMULA_RE`); Arrow compute
    for an Arrow string column (no copy to Python strings)."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        import pyarrow as pa

        arr = pa.array(s.array)
        chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
        hit = [_first_byte_in(c, _FORMULA_BYTES) for c in chunks]
        return pd.Series(np.concatenate(hit) if hit else np.zeros(0, bool), index=s.index)
    return s.astype("string").str.contains(_FORMULA_RE, regex=True, na=False)


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`neutralise` applied to every text cell and header (a copy if changed).

    Vectorised: only the distinct values of text columns are tested.

    Examples
    --------
    >>> neutralise_frame(pd.DataFrame({"a": ["=1", "x"], "b": [1, 2]}))["a"].tolist()
    ["'=1", 'x']
    """
    out = None
    for c in _text_columns(df):
        s = df[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = pd.Index(s.cat.categories)
            if cats.inferred_type not in ("string", "mixed"):
                continue
            new = [neutralise(v) for v in cats]
            if new != list(cats):
                out = df.copy(deep=False) if out is None else out  # copy-on-write
                out[c] = s.cat.rename_categories(new)
            continue
        hit = _formula_start(s)
        if not hit.to_numpy(dtype=bool).any():
            continue
        fixed = s[hit].map(neutralise)
        changed = fixed.ne(s[hit]).to_numpy(dtype=bool)
        if changed.any():
            out = df.copy(deep=False) if out is None else out  # columns replaced, not written
            if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
                import pyarrow as pa
                import pyarrow.compute as pc

                # only the changed cells are replaced (no copy of the column to Python objects)
                arr = pa.array(s.array)
                arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
                mask = np.zeros(len(s), dtype=bool)
                mask[np.flatnonzero(hit.to_numpy(dtype=bool))[changed]] = True
                new = pa.array(fixed[changed].tolist(), type=arr.type)
                arr = pc.replace_with_mask(arr, pa.array(mask), new)
                out[c] = pd.Series(pd.array(arr, dtype=s.dtype), index=s.index)
                continue
            col = out[c].astype(object)
            idx = fixed.index[changed]
            col.loc[idx] = fixed[changed]
            out[c] = col.astype(s.dtype) if not pd.api.types.is_object_dtype(s) else col
    headers = [neutralise(str(c)) if isinstance(c, str) else c for c in df.columns]
    if headers != list(df.columns):
        out = (df.copy(deep=False) if out is None else out).set_axis(headers, axis=1)
    return df if out is None else out


def excerpt(value: Any, limit: int = 40) -> str:
    """A short, printable quotation of an input value for an error message.

    Control characters become ``?``, and anything longer than ``limit`` characters is cut with
    ``…`` and its full length, so a message never carries a whole (possibly personal or
    hostile) field.

    Examples
    --------
    >>> excerpt("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' (100 characters)"
    >>> excerpt("a\x1b[31mb")
    "'a?[31mb'"
    """
    text = str(value)
    clean = "".join(ch if ch.isprintable() else "?" for ch in text[: limit + 1])
    if len(text) > limit:
        return repr(clean[: limit - 1] + "…") + f" ({len(text):,} characters)"
    return repr(clean)


def shorten(text: Any, limit: int = 60) -> str:
    """:func:`excerpt` without the quotes: printable, at most ``limit`` characters.

    Examples
    --------
    >>> shorten("h" * 100, 10)
    'hhhhhhhhh… (100 characters)'
    """
    text = str(text)
    clean = "".join(ch if ch.isprintable() else "?" for ch in text[: limit + 1])
    if len(text) > limit:
        return clean[: limit - 1] + f"… ({len(text):,} characters)"
    return clean


# ------------------------------------------------------------------------------------- CSV
def _quote(text: str) -> str:
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(df: pd.DataFrame, path: str | os.PathLike, *, bom: bool = False) -> Path:
    """Byte-stable UTF-8 CSV (Arrow writer, no index, ``\\n``, quotes only where needed),
    formula cells neutralised, written atomically. ``bom`` adds a byte-order mark (Excel).

    Examples
    --------
    >>> import tempfile
    >>> p = write_csv(pd.DataFrame({"a": [1, None]}), Path(tempfile.mkdtemp()) / "a.csv")
    >>> p.read_text()
    'a\\n1\\n\\n'
    """
    return write_csv_pieces([df], path, bom=bom)


def write_csv_pieces(
    pieces: Iterable[pd.DataFrame], path: str | os.PathLike, *, bom: bool = False
) -> Path:
    """:func:`write_csv` of the concatenation of ``pieces`` (at least one; the same columns and
    dtypes), written one piece at a time: the same bytes, without holding the whole table.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> df = pd.DataFrame({"a": ["x", "=1", "y,z"], "b": [1, 2, 3]})
    >>> one = write_csv(df, d / "one.csv").read_bytes()
    >>> one == write_csv_pieces([df[:1], df[1:]], d / "two.csv").read_bytes()
    True
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    # streamed into the file: a CSV of millions of rows is never held in memory as bytes
    with atomic_writer(path) as fh:
        if bom:
            fh.write(b"\xef\xbb\xbf")
        header = False
        for piece in pieces:
            safe = neutralise_frame(piece)
            if not header:
                fh.write((",".join(_quote(str(c)) for c in safe.columns) + "\n").encode("utf-8"))
                header = True
            table = pa.Table.from_pandas(safe, preserve_index=False)
            del safe
            pacsv.write_csv(table, fh, write_options=options)
            del table
        if not header:
            raise ValueError("write_csv_pieces needs at least one piece (for the header)")
    return Path(path)


# ------------------------------------------------------------------------------------- XLSX
def stable_zip(path: str | os.PathLike, *, date_time: tuple = _ZIP_TIME) -> Path:
    """Rewrite a zip (an XLSX) with fixed entry times, fixed permissions and fixed document
    times in ``docProps/core.xml``: equal content gives equal bytes."""
    p = Path(path)
    with zipfile.ZipFile(p) as zin:
        items = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            if name == "docProps/core.xml":
                data = _W3CDTF.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zout.writestr(info, data)
    return p


def _xl(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, str):
        return neutralise(v)
    if isinstance(v, bool | int | float | datetime):
        return v
    return neutralise(str(v))


def _sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "-", str(title)).strip()[:31] or "Sheet"
    base, k = name, 2
    while name.lower() in used:
        suffix = f" ({k})"
        name = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(name.lower())
    return name


def write_xlsx(
    tables: Mapping[str, pd.DataFrame],
    path: str | os.PathLike,
    *,
    notes: Mapping[str, str] | None = None,
) -> Path:
    """One workbook, a sheet per table (bold header, fitted widths, frozen header row).

    ``notes`` maps a table key to a footnote written two rows under its table. Text cells are
    neutralised (no formula can be planted); document and zip times are fixed; the file is
    written atomically.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> p = write_xlsx({"t": pd.DataFrame({"a": ["=1+1"]})}, Path(tempfile.mkdtemp()) / "t.xlsx")
    >>> openpyxl.load_workbook(p)["t"]["A2"].value
    "'=1+1"
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    target = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    fixed = datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "jbp_analysis"
    used: set[str] = set()
    for title, df in tables.items():
        ws = wb.create_sheet(_sheet_name(title, used))
        ws.append([_xl(str(c)) for c in df.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in df.itertuples(index=False):
            ws.append([_xl(v) for v in row])
        if notes and notes.get(title):
            ws.append([])
            ws.append([_xl(notes[title])])
        for j, col in enumerate(df.columns, start=1):
            width = max([len(str(col))] + [len(str(_xl(v))) for v in df[col].head(200)])
            ws.column_dimensions[get_column_letter(j)].width = min(max(10, width + 2), 60)
        ws.freeze_panes = "A2"
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        stable_zip(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target
