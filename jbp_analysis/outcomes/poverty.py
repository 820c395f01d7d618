r"""Consumption poverty the way BPS measures it, and the Foster-Greer-Thorbecke indices.

BPS counts a person as poor when household consumption expenditure per capita per month is below
the poverty line (*garis kemiskinan*) of the province or kabupaten/kota, urban or rural, for the
Susenas month (basic-needs approach). The JBP instrument asks a short Susenas-style module (see
``docs/poverty.md``): food expenditure in the last **week** on a short list of items, non-food
expenditure in the last **month** and in the last **12 months**. Monthly household consumption is

.. math:: C = \tfrac{30}{7}\sum \text{food}_{\text{week}} + \sum \text{non-food}_{\text{month}}
          + \tfrac{1}{12}\sum \text{non-food}_{\text{year}},

the Susenas conversion (food x 30/7, yearly items / 12), and ``consumption_per_capita`` is
:math:`C` divided by household size. The items are the codebook's respondent variables of the
``konsumsi`` form group whose ``unit`` is ``Rp per week``, ``Rp per month`` or ``Rp per year`` (so
a study changes its list in the codebook, not here). A household that left at most two items missing (blank, "don't know",
refused) gets the item's median in its cell for them (:func:`impute_items`; Deaton and Zaidi 2002),
counted in ``consumption_imputed_items``; with more missing items it has no consumption.

Per household, with line :math:`z` and consumption per capita :math:`y`,
``poor`` = :math:`1(y < z)` (P0), ``poverty_gap`` = :math:`\max(0, (z - y)/z)` (P1) and
``poverty_gap_sq`` = its square (P2): the household terms of the FGT (1984) class
:math:`P_\alpha = \frac{1}{N}\sum_i 1(y_i < z_i)\,((z_i - y_i)/z_i)^\alpha`. Their means are the
FGT indices of households; weighting by household size gives the indices of persons, as BPS
reports them (:func:`fgt`). ``income_poor`` compares income per capita with the same line: a
proxy only (income is lumpy for young entrepreneurs and under-reported), labelled as such.

References
----------
Foster, J., Greer, J., & Thorbecke, E. (1984). A class of decomposable poverty measures.
*Econometrica*, 52(3), 761-766.
BPS. *Profil Kemiskinan di Indonesia*; Susenas consumption module (KP): food over the past week,
non-food over the past month and year.
Haughton, J., & Khandker, S. R. (2009). *Handbook on Poverty and Inequality*. World Bank, ch. 4.
Deaton, A., & Zaidi, S. (2002). *Guidelines for Constructing Consumption Aggregates for Welfare
Analysis*. LSMS Working Paper 135, World Bank.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.study.codebook import load_codebook
from jbp_analysis.study.poverty_lines import lookup_lines

__all__ = [
    "RECALL_FACTORS",
    "consumption_items",
    "monthly_consumption",
    "impute_items",
    "fgt",
    "household_fgt",
    "poverty_outcomes",
    "POVERTY_COLUMNS",
]

#: Multiplier from each recall period to a month (Susenas: a month is 30 days).
RECALL_FACTORS: dict[str, float] = {
    "Rp per week": 30 / 7,
    "Rp per month": 1.0,
    "Rp per year": 1 / 12,
}

#: Columns :func:`poverty_outcomes` adds.
POVERTY_COLUMNS: tuple[str, ...] = (
    "consumption_household",
    "consumption_imputed_items",
    "consumption_per_capita",
    "poverty_line",
    "poverty_line_scope",
    "poverty_line_status",
    "poor",
    "poverty_gap",
    "poverty_gap_sq",
    "income_poor",
)


def consumption_items(module: str = "respondent", *, group: str = "konsumsi") -> dict[str, float]:
    """``{item: factor to a month}`` for the codebook's consumption questions, in order.

    The questions are the variables of the form group ``group`` (headers ``konsumsi/...``) whose
    unit is a recall period (``Rp per week``, ``Rp per month`` or ``Rp per year``).

    Examples
    --------
    >>> items = consumption_items()
    >>> round(items["food_cereals_week"], 4), items["nonfood_education_year"] == 1 / 12
    (4.2857, True)
    """
    return {
        v.name: RECALL_FACTORS[v.unit]
        for v in load_codebook().module(module)
        if v.unit in RECALL_FACTORS and v.header.split("/")[0] == group
    }


def monthly_consumption(data: pd.DataFrame, *, items: dict[str, float] | None = None) -> np.ndarray:
    """Monthly household consumption (rupiah): the recall-weighted sum of the items.

    Missing if any item is missing. Negative amounts are bad input.

    Examples
    --------
    >>> d = pd.DataFrame({"a": [70_000, None], "b": [100_000, 5]})
    >>> monthly_consumption(d, items={"a": 30 / 7, "b": 1.0}).tolist()
    [400000.0, nan]
    """
    items = consumption_items() if items is None else items
    missing = [c for c in items if c not in data.columns]
    if missing:
        raise JBPInputError(f"consumption needs column(s) {', '.join(missing)}", column=missing[0])
    x = np.column_stack([data[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in items])
    bad = np.flatnonzero((x < 0).any(axis=1))
    if bad.size:
        col = list(items)[int(np.flatnonzero(x[bad[0]] < 0)[0])]
        raise JBPInputError(
            "consumption expenditure cannot be negative", row=int(bad[0]) + 1, column=col
        )
    return x @ np.fromiter(items.values(), dtype=np.float64)


def impute_items(
    data: pd.DataFrame,
    *,
    items: dict[str, float] | None = None,
    by: Sequence[str] = ("district_code", "wave", "urban_rural"),
    max_missing: int = 2,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Fill a household's missing items with the item's median in its cell, if few are missing.

    A household that answered all but at most ``max_missing`` items gets, for each missing item,
    the median of that item among the households of the same cell (the columns of ``by`` that
    exist, e.g. district x wave x urban/rural; the wave median when the cell has no answer).
    Households with more missing items keep them missing, so their consumption stays missing.
    This is the usual treatment of item non-response in consumption aggregates (Deaton and
    Zaidi 2002, section 2.5); the count of imputed items is returned so that every changed value
    is visible (``consumption_imputed_items``).

    Examples
    --------
    >>> d = pd.DataFrame({"wave": "followup", "a": [10.0, 20.0, 30.0, None],
    ...                   "b": [1.0, None, 3.0, None]})
    >>> filled, n = impute_items(d, items={"a": 1.0, "b": 1.0}, max_missing=1)
    >>> filled["b"].tolist(), n.tolist()
    ([1.0, 2.0, 3.0, nan], [0, 1, 0, 0])
    """
    items = consumption_items() if items is None else items
    cols = list(items)
    x = data[cols].apply(pd.to_numeric, errors="coerce").astype(np.float64)
    n_missing = x.isna().sum(axis=1).to_numpy()
    fill = (n_missing > 0) & (n_missing <= max_missing)
    keys = [c for c in by if c in data.columns]
    if not fill.any() or max_missing <= 0:
        return x, np.zeros(len(x), dtype=np.int64)
    values = x.to_numpy(dtype=np.float64)
    gaps = np.isnan(values) & fill[:, None]  # the cells to fill
    rows = np.flatnonzero(gaps.any(axis=1))
    # each cell's median once (groupby median, as transform("median") computes it), taken by
    # the few rows that need it: no frame of medians for every row
    if keys:
        med = _cell_medians(x, [data[k] for k in keys], rows)
    else:
        med = np.broadcast_to(x.median().to_numpy(dtype=np.float64), (rows.size, len(cols)))
    if "wave" in data.columns:
        med = np.where(np.isnan(med), _cell_medians(x, [data["wave"]], rows), med)
    out = values.copy()
    sub = out[rows]
    sub[gaps[rows]] = med[gaps[rows]]
    out[rows] = sub
    filled = pd.DataFrame(out, index=x.index, columns=x.columns)
    n_imputed = np.where(fill, (~np.isnan(out) & np.isnan(values)).sum(axis=1), 0)
    return filled, n_imputed.astype(np.int64)


def _cell_medians(x: pd.DataFrame, keys: Sequence[pd.Series], rows: np.ndarray) -> np.ndarray:
    """Median of every column of ``x`` in the cell of each of ``rows`` (``len(rows) x k``).

    A cell is a combination of the keys' values as text, a missing value counting as ``""``
    (the grouping of ``x.groupby([key.astype("string").fillna("") ...])``); each key is turned
    into text once per distinct value, not once per row. The medians are pandas' groupby
    medians, the numbers ``transform("median")`` spreads over the rows.
    """
    codes, sizes = [], []
    for key in keys:
        raw, uniques = pd.factorize(key, use_na_sentinel=True)
        text = pd.Series(uniques).astype("string").fillna("").to_numpy(dtype=object)
        same, distinct = pd.factorize(np.append(text, ""))  # equal texts share a code
        codes.append(same[raw])  # a missing value (raw == -1) takes the appended ""
        sizes.append(len(distinct))
    ids = np.ravel_multi_index(codes, sizes) if len(codes) > 1 else codes[0]
    med = x.groupby(ids).median()  # one row per cell present, indexed by its id
    return med.to_numpy(dtype=np.float64)[med.index.get_indexer(ids[rows])]


def household_fgt(consumption_pc: np.ndarray, line: np.ndarray) -> pd.DataFrame:
    """Household terms of the FGT indices: ``poor`` (P0), ``poverty_gap`` (P1), ``..._sq`` (P2).

    Missing consumption or line gives missing terms (``poor`` is a nullable boolean).

    Examples
    --------
    >>> t = household_fgt(np.array([50.0, 100.0, 150.0, np.nan]), np.full(4, 100.0))
    >>> t.poor.tolist(), t.poverty_gap.tolist(), t.poverty_gap_sq.tolist()
    ([True, False, False, <NA>], [0.5, 0.0, 0.0, nan], [0.25, 0.0, 0.0, nan])
    """
    y = np.asarray(consumption_pc, dtype=np.float64)
    z = np.asarray(line, dtype=np.float64)
    if np.any(z[~np.isnan(z)] <= 0):
        raise JBPInputError("poverty lines must be positive", column="poverty_line")
    gap = np.clip((z - y) / z, 0.0, None)
    known = ~(np.isnan(y) | np.isnan(z))
    poor = pd.array(np.where(known, y < z, False), dtype="boolean")
    poor[~known] = pd.NA
    return pd.DataFrame({"poor": poor, "poverty_gap": gap, "poverty_gap_sq": gap**2})


def fgt(
    consumption_pc: np.ndarray | pd.Series,
    line: np.ndarray | pd.Series | float,
    *,
    alpha: float = 0.0,
    weights: np.ndarray | pd.Series | None = None,
) -> float:
    r"""The Foster-Greer-Thorbecke (1984) index :math:`P_\alpha` (rows with missing values dropped).

    :math:`P_\alpha = \sum_i w_i 1(y_i < z_i)((z_i - y_i)/z_i)^\alpha / \sum_i w_i`: the headcount
    ratio for ``alpha=0``, the poverty-gap index for 1, the squared gap (severity) for 2. Weights
    equal to household size give the index over persons (BPS reports persons).

    Examples
    --------
    >>> y = [50, 80, 100, 200]
    >>> fgt(y, 100), fgt(y, 100, alpha=1), round(fgt(y, 100, alpha=2), 6)
    (0.5, 0.175, 0.0725)
    >>> fgt(y, 100, weights=[4, 1, 1, 2])
    0.625
    """
    if alpha < 0:
        raise ValueError("alpha must be >= 0")
    y = np.asarray(consumption_pc, dtype=np.float64)
    z = np.broadcast_to(np.asarray(line, dtype=np.float64), y.shape)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64)
    ok = ~(np.isnan(y) | np.isnan(z) | np.isnan(w))
    y, z, w = y[ok], z[ok], w[ok]
    if w.sum() <= 0:
        return float("nan")
    below = y < z
    term = np.where(below, np.clip((z - y) / z, 0, None) ** alpha, 0.0)
    return float(np.sum(w * term) / np.sum(w))


def poverty_outcomes(
    panel: pd.DataFrame,
    *,
    items: dict[str, float] | None = None,
    lines: pd.DataFrame | None = None,
    district: str = "district_code",
    urban_rural: str = "urban_rural",
    date: str = "interview_date",
    income: str = "household_income",
    size: str = "household_size",
    max_imputed: int = 2,
) -> pd.DataFrame:
    """The poverty columns of every row of ``panel`` (a new DataFrame, same index).

    ``consumption_household`` and ``consumption_per_capita`` (rupiah per month, nominal: the line
    is the line of the interview month, so no deflation is needed), ``poverty_line`` with its
    ``poverty_line_scope`` (district or province) and ``poverty_line_status`` (published,
    derived, interpolated, extrapolated; see :mod:`jbp_analysis.study.poverty_lines`), ``poor``,
    ``poverty_gap``, ``poverty_gap_sq`` and ``income_poor`` (income per capita below the line: a
    proxy).

    Examples
    --------
    >>> p = pd.DataFrame({"district_code": ["3373"] * 2, "urban_rural": ["urban", "rural"],
    ...     "interview_date": pd.to_datetime(["2018-03-05"] * 2), "household_size": [4, 2],
    ...     "household_income": [1_000_000, 2_000_000], "food": [200_000, 100_000],
    ...     "rent": [500_000, 300_000]})
    >>> out = poverty_outcomes(p, items={"food": 30 / 7, "rent": 1.0})
    >>> out[["consumption_per_capita", "poor", "income_poor"]].round(0)
       consumption_per_capita   poor  income_poor
    0                339286.0   True         True
    1                364286.0  False        False
    """
    for col in (size, income):
        if col not in panel.columns:
            raise JBPInputError(f"poverty outcomes need column {col!r}", column=col)
    hh_size = panel[size].to_numpy(dtype=np.float64, na_value=np.nan)
    if np.any(hh_size[~np.isnan(hh_size)] <= 0):
        raise JBPInputError("household size must be positive", column=size)
    items = consumption_items() if items is None else items
    answered, n_imputed = impute_items(
        panel, items=items, by=(district, "wave", urban_rural), max_missing=max_imputed
    )
    cons = monthly_consumption(answered, items=items)
    imputed = pd.array(n_imputed, dtype="Int64")
    imputed[np.isnan(cons)] = pd.NA
    per_capita = cons / hh_size
    found = lookup_lines(panel, district=district, urban_rural=urban_rural, date=date, table=lines)
    z = found["poverty_line"].to_numpy(dtype=np.float64)
    terms = household_fgt(per_capita, z)
    income_pc = panel[income].to_numpy(dtype=np.float64, na_value=np.nan) / hh_size
    income_poor = household_fgt(income_pc, z)["poor"]
    out = pd.DataFrame(
        {
            "consumption_household": cons,
            "consumption_imputed_items": imputed,
            "consumption_per_capita": per_capita,
            "poverty_line": z,
            "poverty_line_scope": found["poverty_line_scope"].to_numpy(),
            "poverty_line_status": found["poverty_line_status"].to_numpy(),
            "poor": terms["poor"].to_numpy(),
            "poverty_gap": terms["poverty_gap"].to_numpy(),
            "poverty_gap_sq": terms["poverty_gap_sq"].to_numpy(),
            "income_poor": income_poor.to_numpy(),
        },
        index=panel.index,
    )
    out["poor"] = out["poor"].astype("boolean")
    out["income_poor"] = out["income_poor"].astype("boolean")
    return out


def has_consumption(panel: pd.DataFrame, *, items: Sequence[str] | None = None) -> bool:
    """Whether ``panel`` carries the consumption module (every item column present)."""
    names = list(consumption_items()) if items is None else list(items)
    return bool(names) and all(c in panel.columns for c in names)
