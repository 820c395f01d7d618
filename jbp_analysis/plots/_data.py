"""Small summaries the charts draw (means, quantiles, counts by arm and wave).

Every summary carries ``n``, the number of respondents behind each cell, so the charts can
apply disclosure control.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from jbp_analysis.plots.theme import ARM_ORDER
from jbp_analysis.study.codebook import load_codebook

__all__ = [
    "answered",
    "cell_means",
    "cell_quantiles",
    "is_share",
    "is_rupiah",
    "WAVE_ORDER",
]

WAVE_ORDER: tuple[str, ...] = tuple(load_codebook().waves)


def answered(data: pd.DataFrame, y: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows interviewed in their wave (``responded``) with a non-missing ``y``.

    With ``columns``, only ``y`` and those columns (the ones present) are kept: a chart that
    reads a few columns does not copy every column of a large district.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, None, 3.0], "responded": [True, True, False], "z": 1})
    >>> answered(d, "y", columns=["z"]).to_dict("list")
    {'y': [1.0], 'z': [1]}
    """
    keep = data[y].notna()
    if "responded" in data:
        keep &= data["responded"].fillna(False).astype(bool)
    if columns is not None:
        cols = [c for c in dict.fromkeys((y, *columns)) if c in data.columns]
        return data.loc[keep, cols]
    return data.loc[keep]


def is_share(s: pd.Series) -> bool:
    """True for yes/no outcomes (booleans, or numbers only 0/1) drawn as percentages."""
    if pd.api.types.is_bool_dtype(s):
        return True
    vals = pd.to_numeric(s.dropna(), errors="coerce")
    return len(vals) > 0 and bool(vals.isin([0, 1]).all())


def is_rupiah(name: str) -> bool:
    """True when the study measures ``name`` in rupiah (the plan's unit, or the variable's
    codebook type / indicator kind; never guessed from the name)."""
    from jbp_analysis.study.plan import default_plan

    return default_plan().unit_of(name) == "rupiah"


def _ordered(df: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    keys = []
    for b in by:
        order = ARM_ORDER if b == "arm" else WAVE_ORDER if b == "wave" else None
        if order is not None:
            df[f"_{b}_o"] = df[b].astype(str).map({v: i for i, v in enumerate(order)})
            keys.append(f"_{b}_o")
        else:
            keys.append(b)
    out = df.sort_values(keys).drop(columns=[k for k in keys if k.startswith("_")])
    return out.reset_index(drop=True)


def cell_means(data: pd.DataFrame, y: str, *, by: Sequence[str] = ("wave", "arm")) -> pd.DataFrame:
    """Mean of ``y`` and respondent count ``n`` per cell of ``by``."""
    d = answered(data, y, columns=by)
    vals = pd.to_numeric(d[y].astype("Float64"), errors="coerce").astype(float)
    g = vals.groupby([d[b].astype(str) for b in by], observed=True)
    out = pd.DataFrame({"n": g.size(), "mean": g.mean()}).reset_index()
    return _ordered(out, by)


def cell_quantiles(
    data: pd.DataFrame,
    y: str,
    *,
    by: Sequence[str] = ("wave", "arm"),
    q: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9),
) -> pd.DataFrame:
    """Quantiles ``q10, q25, ...`` of ``y`` and count ``n`` per cell of ``by``."""
    d = answered(data, y, columns=by)
    vals = pd.to_numeric(d[y].astype("Float64"), errors="coerce").astype(float)
    keys = [d[b].astype(str) for b in by]
    g = vals.groupby(keys, observed=True)
    out = g.quantile(list(q)).unstack()
    out.columns = [f"q{round(x * 100)}" for x in q]
    out.insert(0, "n", g.size())
    return _ordered(out.reset_index(), by)
