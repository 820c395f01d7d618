"""A minimal, fast and deterministic XLSX writer for one sheet of text and numbers.

openpyxl writes one Python object per cell and stamps the workbook with the current time; this
writer builds the sheet XML with vectorised string operations and zips it with fixed timestamps,
so the same table always gives the same bytes. The package holds only the parts every reader
needs (content types, relationships, workbook, one worksheet with inline strings, styles and core
properties); openpyxl, pandas, Excel and LibreOffice open it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jbp_analysis.simulate.text import STR, as_str, int_str, join

__all__ = ["write_xlsx", "column_letters"]

_FIXED_TIME = (2000, 1, 1, 0, 0, 0)
_CREATED = "2000-01-01T00:00:00Z"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _workbook(sheet: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{_escape_scalar(sheet)}" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    )


def _core() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>jbp_analysis.simulate</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{_CREATED}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_CREATED}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _escape_scalar(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _escape(values: np.ndarray) -> np.ndarray:
    out = np.strings.replace(values, "&", "&amp;")
    out = np.strings.replace(out, "<", "&lt;")
    return np.strings.replace(out, ">", "&gt;")


def column_letters(i: int) -> str:
    """0 -> ``"A"``, 25 -> ``"Z"``, 26 -> ``"AA"``."""
    s = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        s = chr(65 + rem) + s
    return s


def _cells(values: np.ndarray, col: int, rows: np.ndarray, numeric: np.ndarray) -> np.ndarray:
    ref = join(f'<c r="{column_letters(col)}', rows, '"')
    num = join(ref, "><v>", values, "</v></c>")
    txt = join(ref, ' t="inlineStr"><is><t xml:space="preserve">', _escape(values), "</t></is></c>")
    return np.where(values == "", "", np.where(numeric, num, txt)).astype(STR)


_NUMBER_PATTERNS = {
    "int": r"^-?(0|[1-9][0-9]{0,14})$",
    "decimal": r"^-?(0|[1-9][0-9]{0,12})(\.[0-9]{0,2}[1-9])?$",
}


def _is_number(values: np.ndarray, kind: str) -> np.ndarray:
    """Cells a spreadsheet stores as numbers: canonical whole numbers (``-99``, ``1500000``) and,
    for ``kind="decimal"``, canonical decimals (``38.4``). ``"840.000"`` or ``"007"`` stay text."""
    arr = pa.array(as_str(values), type=pa.string())
    hit = pc.match_substring_regex(arr, _NUMBER_PATTERNS[kind])
    return hit.to_numpy(zero_copy_only=False).astype(bool)


def write_xlsx(
    path: str | Path,
    headers: Sequence[str],
    columns: Sequence[np.ndarray],
    *,
    numeric: Sequence[str | None],
    sheet: str = "Sheet1",
) -> None:
    """Write one sheet: a header row, then the string ``columns`` (``""`` = empty cell).

    In columns whose ``numeric`` kind is ``"int"`` or ``"decimal"``, cells that are canonical
    numbers are stored as numbers (as KoboToolbox does); everything else, ids, NIK and rupiah
    texts included, is stored as text.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> p = Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> write_xlsx(p, ["id", "n"], [np.array(["a&b", "c"]), np.array(["1", "x"])],
    ...            numeric=[None, "int"])
    >>> pd.read_excel(p, dtype=object).values.tolist()
    [['a&b', 1], ['c', 'x']]
    """
    n = len(columns[0]) if columns else 0
    rows = int_str(np.arange(2, n + 2))
    parts = [join('<row r="', rows, '">')]
    for j, col in enumerate(columns):
        col = as_str(col)
        is_num = _is_number(col, numeric[j]) if numeric[j] else np.zeros(n, dtype=bool)
        parts.append(_cells(col, j, rows, is_num))
    parts.append(np.full(n, "</row>", dtype=STR))
    sep = pa.scalar("", type=pa.large_string())
    body = pc.binary_join_element_wise(*[pa.array(p, type=pa.large_string()) for p in parts], sep)
    header = "".join(
        f'<c r="{column_letters(j)}1" t="inlineStr"><is><t>{_escape_scalar(h)}</t></is></c>'
        for j, h in enumerate(headers)
    )
    sheet_xml = io.BytesIO()
    sheet_xml.write(
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1">' + header.encode("utf-8") + b"</row>"
    )
    if n:
        arr = body
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
        data = arr.buffers()[2]
        sheet_xml.write(memoryview(data)[offsets[0] : offsets[-1]])
    sheet_xml.write(b"</sheetData></worksheet>")
    parts_out = {
        "[Content_Types].xml": _CONTENT_TYPES.encode(),
        "_rels/.rels": _ROOT_RELS.encode(),
        "docProps/core.xml": _core().encode(),
        "xl/workbook.xml": _workbook(sheet).encode(),
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS.encode(),
        "xl/styles.xml": _STYLES.encode(),
        "xl/worksheets/sheet1.xml": sheet_xml.getvalue(),
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, data in parts_out.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
