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


def _lookup_one(
    table: pd.DataFrame, district: str, cls: str, month: int, max_extrapolation: int
) -> LineLookup:
    district = str(district)
    if not (len(district) == 4 and district.isdigit()):
        raise JBPInputError(
            f"district {district!r} is not a four-digit BPS code", column="district"
        )
    for code, scope in ((district, "district"), (district[:2], "province")):
        rows = table[(table.bps_code == code) & (table.urban_rural == cls)]
        if rows.empty:
            continue
        months = rows.month.to_numpy()
        lines = rows.line.to_numpy()
        if scope == "district" and not (months.min() <= month <= months.max()):
            continue  # the district's own rows do not cover the month: use the province
        exact = np.flatnonzero(months == month)
        if exact.size:
            r = rows.iloc[int(exact[0])]
            return LineLookup(float(r.line), code, cls, scope, r.status, (r.period,))
        if len(rows) < 2:
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
                    f"{rows.period.iloc[0]} to {rows.period.iloc[-1]}",
                    file=str(POVERTY_LINES_PATH),
                    hint="add the published line for that period (with its source)",
                )
            lo, status = (
                (0, "extrapolated") if month < months.min() else (len(rows) - 2, "extrapolated")
            )
            hi = lo + 1
        t0, t1 = months[lo], months[hi]
        value = lines[lo] * (lines[hi] / lines[lo]) ** ((month - t0) / (t1 - t0))
        periods = (rows.period.iloc[lo], rows.period.iloc[hi])
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
        classes = pd.Series(
            [_normalise_class(v) for v in data[urban_rural].astype("object")], index=data.index
        )
    else:
        classes = pd.Series("total", index=data.index)
    ok = dates.notna().to_numpy() & codes.notna().to_numpy()
    keys = pd.DataFrame(
        {
            "d": codes[ok].astype(str),
            "c": classes[ok],
            "m": _month_index(dates[ok]) if ok.any() else [],
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
    unique = keys.drop_duplicates()
    found = {
        (d, c, int(m)): _lookup_one(table, d, c, int(m), max_extrapolation)
        for d, c, m in unique.itertuples(index=False)
    }
    hits = [found[(d, c, int(m))] for d, c, m in keys.itertuples(index=False)]
    out.loc[ok, "poverty_line"] = [h.line for h in hits]
    out.loc[ok, "poverty_line_scope"] = [h.scope for h in hits]
    out.loc[ok, "poverty_line_status"] = [h.status for h in hits]
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
        data.loc[ok, urban_rural].astype("object").map(_normalise_class)
        if urban_rural in data.columns
        else pd.Series("total", index=data.index[ok])
    )
    combos = pd.DataFrame(
        {"d": data.loc[ok, district].astype(str), "c": classes, "m": _month_index(dates[ok])}
    ).drop_duplicates()
    keys: set[tuple[str, str, str]] = set()
    for d, c, m in combos.itertuples(index=False):
        hit = _lookup_one(table, d, c, int(m), 6)
        keys.update((hit.area_code, hit.urban_rural, p) for p in hit.anchors)
    mask = [(r.bps_code, r.urban_rural, r.period) in keys for r in table.itertuples()]
    cols = ["area", "bps_code", "period", "urban_rural", "rp_per_capita_per_month", "status"]
    return table.loc[mask, [*cols, "method", "source"]].reset_index(drop=True)
