"""BPS poverty lines (*garis kemiskinan*) by district, urban/rural class and survey month.

The table is study reference data, ``study/reference/poverty_lines.csv`` (sources and the derived
rows are documented in ``study/reference/README.md``). BPS publishes the province lines for the
Susenas rounds of March and September, urban, rural and total, and one line per kabupaten/kota
per year. A household's line is looked up by

1. **scope**: the district's own rows for its urban/rural class if the table has rows that cover
   the month, else the province (the first two digits of the district code) rows;
2. **class**: ``urban`` (perkotaan) or ``rural`` (perdesaan); a missing class uses ``total``;
3. **month**: the interview month. A month equal to a publication month gets that line; a month
   between two publication months is interpolated geometrically,
   :math:`L(t) = L_0 (L_1/L_0)^{(t-t_0)/(t_1-t_0)}` with :math:`t` in months (the CPI method
   under a constant monthly inflation rate within the semester); a month outside the table is
   extrapolated at the growth rate of the nearest pair of lines for at most
   ``max_extrapolation`` months, beyond which the lookup refuses.

References
----------
BPS (Badan Pusat Statistik). *Data dan Informasi Kemiskinan Kabupaten/Kota*; *Profil Kemiskinan
di Indonesia* (basic-needs approach, Susenas March and September).
Ravallion, M. (1998). *Poverty Lines in Theory and Practice*. LSMS Working Paper 133, World Bank
(updating lines between surveys with a price index).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.core.paths import STUDY_DIR

__all__ = [
    "POVERTY_LINES_PATH",
    "URBAN_RURAL",
    "LineLookup",
    "load_poverty_lines",
    "poverty_line",
    "lookup_lines",
    "lines_used",
]

POVERTY_LINES_PATH: Path = STUDY_DIR / "reference" / "poverty_lines.csv"
URBAN_RURAL: tuple[str, ...] = ("urban", "rural", "total")
_ALIASES = {"perkotaan": "urban", "kota": "urban", "perdesaan": "rural", "desa": "rural"}
_COLUMNS = [
    "area",
    "bps_code",
    "period",
    "urban_rural",
    "rp_per_capita_per_month",
    "status",
    "method",
    "source",
]


def _month_index(period: pd.Series | np.ndarray) -> np.ndarray:
    """``YYYY-MM`` strings or datetimes -> months since year 0 (``year * 12 + month - 1``)."""
    m = pd.to_datetime(pd.Series(period), format="mixed").dt.to_period("M")
    return (m.dt.year * 12 + m.dt.month - 1).to_numpy(dtype=np.int64)


@lru_cache(maxsize=4)
def _read(path: str) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype={"bps_code": str, "period": str}, keep_default_na=False)
    except FileNotFoundError:
        raise JBPInputError(
            "poverty-line table not found",
            file=path,
            hint="restore study/reference/poverty_lines.csv from the repository",
        ) from None
    missing = [c for c in _COLUMNS if c not in df.columns]
    if missing:
        raise JBPInputError(f"poverty-line table lacks column(s) {missing}", file=path)
    for i, row in df.iterrows():
        if row["urban_rural"] not in URBAN_RURAL:
            raise JBPInputError(
                f"urban_rural must be one of {URBAN_RURAL}",
                file=path,
                row=i + 1,
                column="urban_rural",
            )
        if row["status"] not in ("published", "derived"):
            raise JBPInputError(
                "status must be published or derived", file=path, row=i + 1, column="status"
            )
        if not str(row["source"]).strip():
            raise JBPInputError(
                "every line needs its source", file=path, row=i + 1, column="source"
            )
    df["line"] = pd.to_numeric(df["rp_per_capita_per_month"], errors="raise").astype(float)
    df["month"] = _month_index(df["period"])
    if df.duplicated(["bps_code", "urban_rural", "month"]).any():
        dup = df[df.duplicated(["bps_code", "urban_rural", "month"], keep=False)]
        raise JBPInputError(
            "two lines for the same area, class and month", file=path, row=int(dup.index[0]) + 1
        )
    return df.sort_values(["bps_code", "urban_rural", "month"]).reset_index(drop=True)


def load_poverty_lines(path: str | Path | None = None) -> pd.DataFrame:
    """The poverty-line table with its sources (plus ``line`` as float and ``month`` index).

    Examples
    --------
    >>> t = load_poverty_lines()
    >>> row = t[(t.bps_code == "33") & (t.period == "2018-03") & (t.urban_rural == "total")]
    >>> int(row.line.item()), row.status.item()
    (350875, 'published')
    """
    return _read(str(path or POVERTY_LINES_PATH)).copy()


@dataclass(frozen=True)
class LineLookup:
    """One looked-up line: the value, where it comes from and how it was obtained.

    ``scope`` is ``district`` or ``province``; ``status`` is ``published`` (a published line of
    that very month), ``derived`` (a derived line of that month, see the table's ``method``),
    ``interpolated`` or ``extrapolated``; ``anchors`` are the table periods used.
    """

    line: float
    area_code: str
    urban_rural: str
    scope: str
    status: str
    anchors: tuple[str, ...]


def _normalise_class(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "total"
    v = str(value).strip().lower()
    v = _ALIASES.get(v, v)
    if v not in URBAN_RURAL:
        raise JBPInputError(
            f"urban/rural class {value!r} is not one of urban, rural (perkotaan, perdesaan)",
            column="urban_rural",
        )
    return v


def _classes(values: pd.Series) -> np.ndarray:
    """:func:`_normalise_class` of every value, each distinct value normalised once.

    Examples
    --------
    >>> _classes(pd.Series(["Perkotaan", None, "rural", "Perkotaan"])).tolist()
    ['urban', 'total', 'rural', 'urban']
    """
    codes, uniques = pd.factorize(values.astype("object"), use_na_sentinel=True)
    names = np.array([_normalise_class(v) for v in uniques] + ["total"], dtype=object)
    return names[codes]  # code -1 (a missing value) picks the last entry, "total"


@dataclass(frozen=True)
class _Area:
    """One area's lines of one class, in month order (as arrays: no pandas per lookup)."""

    months: np.ndarray  # int64 month index
    lines: np.ndarray  # float64
    status: list[str]
    period: list[str]

    @classmethod
    def of(cls, rows: pd.DataFrame) -> _Area:
        return cls(
            rows["month"].to_numpy(),
            rows["line"].to_numpy(),
            rows["status"].tolist(),
            rows["period"].tolist(),
        )


def _area_rows(table: pd.DataFrame) -> dict[tuple[str, str], _Area]:
    """The table's rows of every (area code, class), split once (rows in the table's order)."""
    return {
        (str(code), str(cls)): _Area.of(rows)
        for (code, cls), rows in table.groupby(["bps_code", "urban_rural"], sort=False)
    }


def _lookup_one(
    table: pd.DataFrame,
    district: str,
    cls: str,
    month: int,
    max_extrapolation: int,
    areas: dict[tuple[str, str], _Area] | None = None,
) -> LineLookup:
    district = str(district)
    if not (len(district) == 4 and district.isdigit()):
        raise JBPInputError(
            f"district {district!r} is not a four-digit BPS code", column="district"
        )
    for code, scope in ((district, "district"), (district[:2], "province")):
        if areas is None:
            rows = table[(table.bps_code == code) & (table.urban_rural == cls)]
            area = None if rows.empty else _Area.of(rows)
        else:  # the same rows, split from the table once (see _area_rows)
            area = areas.get((code, cls))
        if area is None:
            continue
        months = area.months
        lines = area.lines
        if scope == "district" and not (months.min() <= month <= months.max()):
            continue  # the district's own rows do not cover the month: use the province
        exact = np.flatnonzero(months == month)
        if exact.size:
            i = int(exact[0])
            return LineLookup(float(lines[i]), code, cls, scope, area.status[i], (area.period[i],))
        if len(months) < 2:
            continue
        if months.min() < month < months.max():
            hi = int(np.searchsorted(months, month))
            lo, status = hi - 1, "interpolated"
        else:
            gap = months.min() - month if month < months.min() else month - months.max()
            if gap > max_extrapolation:
                raise JBPInputError(
                    f"no poverty line within {max_extrapolation} months of "
                    f"{month // 12}-{month % 12 + 1:02d} for {code} ({cls}): the table covers "
                    f"{area.period[0]} to {area.period[-1]}",
                    file=str(POVERTY_LINES_PATH),
                    hint="add the published line for that period (with its source)",
                )
            lo, status = (
                (0, "extrapolated") if month < months.min() else (len(months) - 2, "extrapolated")
            )
            hi = lo + 1
        t0, t1 = months[lo], months[hi]
        value = lines[lo] * (lines[hi] / lines[lo]) ** ((month - t0) / (t1 - t0))
        periods = (area.period[lo], area.period[hi])
        return LineLookup(float(value), code, cls, scope, status, periods)
    raise JBPInputError(
        f"no poverty line for district {district} or its province ({cls})",
        file=str(POVERTY_LINES_PATH),
        column="bps_code",
        hint="add the province's lines (with their sources) to the table",
    )


def poverty_line(
    district: str,
    urban_rural: str | None,
    month: str | pd.Timestamp,
    *,
    table: pd.DataFrame | None = None,
    max_extrapolation: int = 6,
) -> LineLookup:
    """The poverty line of one district, urban/rural class and survey month.

    Parameters
    ----------
    district
        Four-digit BPS code of the kabupaten/kota (``"3373"`` Kota Salatiga).
    urban_rural
        ``"urban"``/``"rural"`` (or ``"perkotaan"``/``"perdesaan"``); ``None`` uses the total line.
    month
        The interview date or month (``"2017-11"``, a Timestamp); only its month counts.
    table
        A poverty-line table (default: :func:`load_poverty_lines`).
    max_extrapolation
        Months a line may be carried beyond the table's first or last period.

    Examples
    --------
    >>> poverty_line("3373", None, "2018-03-15").line
    350875.0
    >>> lk = poverty_line("3373", "rural", "2017-12")
    >>> lk.scope, lk.status, lk.anchors
    ('province', 'interpolated', ('2017-09', '2018-03'))
    """
    table = load_poverty_lines() if table is None else table
    m = int(_month_index(np.array([month]))[0])
    return _lookup_one(table, district, _normalise_class(urban_rural), m, max_extrapolation)


def lookup_lines(
    data: pd.DataFrame,
    *,
    district: str = "district_code",
    urban_rural: str = "urban_rural",
    date: str = "interview_date",
    table: pd.DataFrame | None = None,
    max_extrapolation: int = 6,
) -> pd.DataFrame:
    """Lines for every row of ``data``: ``poverty_line``, ``poverty_line_scope``, ``..._status``.

    Rows without a date or district get a missing line. Each distinct (district, class, month) is
    looked up once. A missing ``urban_rural`` column uses the total line.

    Examples
    --------
    >>> d = pd.DataFrame({"district_code": ["3322", "3373"], "urban_rural": ["urban", "rural"],
    ...                   "interview_date": pd.to_datetime(["2017-09-05", "2018-09-30"])})
    >>> lookup_lines(d)["poverty_line"].round().tolist()
    [336595.0, 359673.0]
    """
    table = load_poverty_lines() if table is None else table
    for col in (district, date):
        if col not in data.columns:
            raise JBPInputError(f"poverty lines need column {col!r}", column=col)
    dates = pd.to_datetime(data[date], errors="coerce")
    codes = data[district].astype("string")
    if urban_rural in data.columns:
        classes = _classes(data[urban_rural])
    else:
        classes = np.full(len(data), "total", dtype=object)
    ok = dates.notna().to_numpy() & codes.notna().to_numpy()
    keys = pd.DataFrame(
        {
            "d": codes[ok].astype(str).to_numpy(dtype=object),
            "c": classes[ok],
            "m": _month_index(dates[ok]) if ok.any() else np.array([], dtype=np.int64),
        }
    )
    out = pd.DataFrame(
        {
            "poverty_line": np.nan,
            "poverty_line_scope": pd.Series(pd.NA, index=data.index, dtype="string"),
            "poverty_line_status": pd.Series(pd.NA, index=data.index, dtype="string"),
        },
        index=data.index,
    )
    if not ok.any():
        return out
    # number the distinct (district, class, month) in order of first appearance (the order of
    # keys.drop_duplicates()), look each up once, and index the results by that number
    key = keys.groupby(["d", "c", "m"], sort=False).ngroup().to_numpy()
    unique = keys.drop_duplicates()
    areas = _area_rows(table)
    hits = [
        _lookup_one(table, d, c, int(m), max_extrapolation, areas)
        for d, c, m in unique.itertuples(index=False)
    ]  # loop over the distinct keys (a few per district), not over the rows
    out.loc[ok, "poverty_line"] = np.array([h.line for h in hits], dtype=np.float64)[key]
    out.loc[ok, "poverty_line_scope"] = np.array([h.scope for h in hits], dtype=object)[key]
    out.loc[ok, "poverty_line_status"] = np.array([h.status for h in hits], dtype=object)[key]
    return out


def lines_used(
    data: pd.DataFrame,
    *,
    district: str = "district_code",
    urban_rural: str = "urban_rural",
    date: str = "interview_date",
    table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The table rows behind the lines of ``data`` (area, period, class, line, status, source).

    This is the list a report's note prints: every line it used, with its source.

    Examples
    --------
    >>> d = pd.DataFrame({"district_code": ["3373"], "interview_date": pd.to_datetime(["2018-01-10"])})
    >>> lines_used(d)[["period", "status"]].values.tolist()
    [['2017-09', 'published'], ['2018-03', 'published']]
    """
    table = load_poverty_lines() if table is None else table
    dates = pd.to_datetime(data[date], errors="coerce")
    ok = dates.notna() & data[district].notna()
    classes = (
        _classes(data.loc[ok, urban_rural])
        if urban_rural in data.columns
        else np.full(int(ok.sum()), "total", dtype=object)
    )
    combos = pd.DataFrame(
        {
            "d": data.loc[ok, district].astype(str).to_numpy(dtype=object),
            "c": classes,
            "m": _month_index(dates[ok]),
        }
    ).drop_duplicates()
    keys: set[tuple[str, str, str]] = set()
    areas = _area_rows(table)
    for d, c, m in combos.itertuples(index=False):  # the distinct keys, not the rows
        hit = _lookup_one(table, d, c, int(m), 6, areas)
        keys.update((hit.area_code, hit.urban_rural, p) for p in hit.anchors)
    rows = pd.MultiIndex.from_frame(table[["bps_code", "urban_rural", "period"]])
    mask = rows.isin(sorted(keys)) if keys else np.zeros(len(table), dtype=bool)
    cols = ["area", "bps_code", "period", "urban_rural", "rp_per_capita_per_month", "status"]
    return table.loc[mask, [*cols, "method", "source"]].reset_index(drop=True)
