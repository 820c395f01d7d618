"""Raw export tables as a field team delivers them, and writing them to disk.

Every header, code and file name comes from the codebook (``headers[0]`` of each variable, the
``files`` section for names). A :class:`Table` holds one export as Arrow string columns (null =
blank cell) plus what the mess step and the writer need: the row key, the submission order and
the CSV dialect. :func:`clean_tables` builds the tables from the clean records;
:func:`write_table` writes CSV (pyarrow) or XLSX (:mod:`jbp_analysis.simulate.xlsx`).

Respondent and group files hold one row per interview (non-responders have no row), sorted by
submission time as a KoboToolbox export is; ``penugasan_kelompok.csv`` and ``biaya_program.csv``
are sorted by group id.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from jbp_analysis.simulate.config import ARMS, WAVES, SimConfig
from jbp_analysis.simulate.outcomes import INT_BLANK
from jbp_analysis.simulate.text import (
    arrow_codes,
    arrow_decimal,
    arrow_ints,
    from_arrow,
    to_arrow,
)
from jbp_analysis.simulate.truth import Column, Records, StrCol
from jbp_analysis.simulate.xlsx import write_xlsx
from jbp_analysis.study.codebook import Variable, load_codebook

__all__ = [
    "Table",
    "EXPORTS",
    "clean_table",
    "clean_tables",
    "file_name",
    "write_table",
    "to_frame",
    "NUMERIC_TYPES",
]

NUMERIC_TYPES = frozenset({"integer", "number", "rupiah"})


@dataclass(frozen=True, eq=False)
class Table:
    """One raw export.

    Attributes
    ----------
    file
        File name, e.g. ``"responden_endline.xlsx"``.
    module, wave
        Codebook module and wave (``None`` for assignment and cost files).
    variables
        Codebook variables of the columns, in order (``headers`` are their ``header``).
    columns
        ``{header: Arrow string array}``; null is a blank cell.
    key
        Respondent id (respondent files) or group id of every row, as in the clean data.
    order
        Submission order key of every row (seconds); rows are written sorted by it.
    separator, encoding, bom, decimal
        CSV dialect.
    """

    file: str
    module: str
    wave: str | None
    variables: tuple[Variable, ...]
    columns: dict[str, pa.Array] = field(repr=False)
    key: pa.Array = field(repr=False)
    order: np.ndarray = field(repr=False)
    separator: str = ","
    encoding: str = "utf-8"
    bom: bool = False
    decimal: str = "."

    @property
    def headers(self) -> list[str]:
        return [v.header for v in self.variables]

    @property
    def stem(self) -> str:
        return self.file.rsplit(".", 1)[0]

    @property
    def format(self) -> str:
        return self.file.rsplit(".", 1)[1]

    @property
    def n_rows(self) -> int:
        return len(self.key)

    def variable(self, header: str) -> Variable:
        return next(v for v in self.variables if v.header == header)

    def with_(self, **changes: object) -> Table:
        return replace(self, **changes)


def file_name(module: str, wave: str | None, cfg: SimConfig) -> str:
    """Export file name from the codebook ``files`` section and the configured format.

    Examples
    --------
    >>> file_name("respondent", "endline", SimConfig()), file_name("cost", None, SimConfig())
    ('responden_endline.xlsx', 'biaya_program.csv')
    """
    spec = load_codebook().files[module]
    stem = spec["stem"].format(wave=wave) if spec["per_wave"] else spec["stem"]
    fmt = cfg.resolved_format
    xlsx = spec["per_wave"] and (
        fmt == "xlsx"
        or (fmt == "mixed" and wave == "endline" and module in ("respondent", "group"))
    )
    return f"{stem}.{'xlsx' if xlsx else 'csv'}"


# ---------------------------------------------------------------------- text of clean values
_CODE_TEXT: list[str | None] = [None, *[str(i) for i in range(1, 10)]]


_Districts = tuple[pa.Array, pa.Array]  # (BPS codes, labels)


def _text(values: Column, rows: np.ndarray, wave: int, var: Variable, dist: _Districts) -> pa.Array:
    """Clean values of one variable (units ``rows`` at ``wave``) as the export writes them."""
    cb = load_codebook()
    if isinstance(values, StrCol):
        col = values.take(rows, wave)
        if var.type == "district":  # BPS code -> label
            return dist[1].take(pc.index_in(col, value_set=dist[0]))
        return col
    v = np.asarray(values)[rows, wave]
    if var.type == "category":
        if not all(isinstance(k, int) for k in cb.value_sets[var.codes]):
            raise TypeError(f"{var.name}: text-coded categories must be string columns")
        return arrow_codes(v, _CODE_TEXT)
    if var.type in ("integer", "rupiah"):
        return arrow_ints(v, v == INT_BLANK)
    if var.type == "number":
        return arrow_decimal(v, 1)
    if var.type == "date":
        return pa.array(v.astype("datetime64[D]"), from_pandas=True).cast(pa.string())
    if var.type == "datetime":
        ts = pa.array(v.astype("datetime64[s]"), from_pandas=True)
        return pc.strftime(ts, format="%Y-%m-%dT%H:%M:%S")
    return to_arrow(v)


def _wave_table(
    records: Records, module: str, wave: str, cfg: SimConfig, dist: _Districts
) -> Table:
    cb = load_codebook()
    w = WAVES.index(wave)
    variables = tuple(v for v in cb.module(module) if wave in v.waves)
    source = records.respondent if module == "respondent" else records.group
    d = records.design
    if module == "respondent":
        rows = np.flatnonzero(records.responded[:, w])
        when = records.respondent["submission_time"][rows, w].astype("datetime64[s]")
    else:
        rows = np.arange(d.n_groups)
        when = d.visit_date[:, w].astype("datetime64[s]")
    order_key = when.astype(np.int64)
    sort = np.lexsort((rows, order_key))
    rows, order_key = rows[sort], order_key[sort]
    columns = {v.header: _text(source[v.name], rows, w, v, dist) for v in variables}
    return Table(
        file=file_name(module, wave, cfg),
        module=module,
        wave=wave,
        variables=variables,
        columns=columns,
        key=source["respondent_id" if module == "respondent" else "group_id"].take(rows, w),
        order=order_key,
    )


EXPORTS: tuple[tuple[str, str | None], ...] = (
    *(("respondent", w) for w in WAVES),
    *(("group", w) for w in WAVES),
    ("assignment", None),
    ("cost", None),
)
"""Every export as ``(codebook module, wave)``, in writing order."""


def clean_table(
    records: Records, costs: pd.DataFrame, cfg: SimConfig, module: str, wave: str | None
) -> Table:
    """One raw export of a simulation, before any mess."""
    cb = load_codebook()
    d = records.design
    if module in ("respondent", "group"):
        codes, first = np.unique(d.group_district, return_index=True)
        dist = (to_arrow(codes), to_arrow(d.group_label[first]))
        return _wave_table(records, module, str(wave), cfg, dist)
    if module == "assignment":
        key = to_arrow(d.group_id)
        values = {
            "group_id": key,
            "district_code": to_arrow(d.group_district),
            "arm": arrow_codes(d.group_arm, list(ARMS)),
            "cohort": arrow_ints(d.group_cohort),
            "start_month": pa.array(d.group_start, from_pandas=True).cast(pa.string()),
        }
        n_rows = d.n_groups
    else:
        key = pa.array(costs["group_id"].array).cast(pa.string())
        values = {
            "group_id": key,
            "arm": arrow_codes(
                costs["arm"].cat.codes.to_numpy(), list(costs["arm"].cat.categories)
            ),
            "component": arrow_codes(
                costs["component"].cat.codes.to_numpy(), list(costs["component"].cat.categories)
            ),
            "cost_rp": arrow_ints(costs["cost_rp"].to_numpy(dtype=np.int64)),
        }
        n_rows = len(costs)
    variables = tuple(cb.module(module))
    return Table(
        file=file_name(module, None, cfg),
        module=module,
        wave=None,
        variables=variables,
        columns={v.header: values[v.name] for v in variables},
        key=key,
        order=np.arange(n_rows, dtype=np.int64),
    )


def clean_tables(records: Records, costs: pd.DataFrame, cfg: SimConfig) -> dict[str, Table]:
    """Every raw export of a simulation, before any mess, keyed by file name."""
    tables = [clean_table(records, costs, cfg, m, w) for m, w in EXPORTS]
    return {t.file: t for t in tables}


# ---------------------------------------------------------------------- output
def to_frame(table: Table) -> pd.DataFrame:
    """The table as a DataFrame of strings (blank cells missing), as a reader would see it."""
    return pd.DataFrame(
        {h: pd.array(table.columns[h], dtype="string") for h in table.headers},
        columns=table.headers,
    )


def _numeric_kind(v: Variable) -> str | None:
    if v.type == "number":
        return "decimal"
    if v.type in NUMERIC_TYPES or (
        v.type == "category" and v.codes not in ("arm", "cost_component")
    ):
        return "int"
    return None


class _Transcoder(io.RawIOBase):
    """File wrapper that re-encodes UTF-8 bytes written to it (pyarrow writes UTF-8 only)."""

    def __init__(self, raw: io.BufferedWriter, encoding: str) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._encoding = encoding

    def writable(self) -> bool:
        return True

    def write(self, b: bytes | memoryview) -> int:  # type: ignore[override]
        text = self._decoder.decode(bytes(b))
        self._raw.write(text.encode(self._encoding))
        return len(b)


def write_table(table: Table, path: Path) -> None:
    """Write ``table`` to ``path`` as CSV (with its dialect) or XLSX."""
    if table.format == "xlsx":
        numeric = [_numeric_kind(v) for v in table.variables]
        cols = [from_arrow(table.columns[h]) for h in table.headers]
        write_xlsx(path, table.headers, cols, numeric=numeric)
        return
    arrow = pa.table({h: table.columns[h] for h in table.headers})
    options = pacsv.WriteOptions(include_header=True, delimiter=table.separator)
    with open(path, "wb") as fh:
        if table.bom:
            fh.write(codecs.BOM_UTF8)
        if table.encoding.lower().replace("-", "") in ("utf8", "utf8sig"):
            pacsv.write_csv(arrow, fh, options)
        else:
            sink = _Transcoder(fh, table.encoding)
            pacsv.write_csv(arrow, sink, options)
