"""Disclosure control: no published cell may rest on fewer than ``min_cell`` respondents.

Statistical agencies suppress small cells so that a table cannot be used to learn about one
person (Hundepool et al. 2012, *Statistical Disclosure Control*, ch. 5, threshold rule). Here a
cell is suppressed when its count of respondents is below ``min_cell`` (default 10): its
values are replaced by :data:`MARKER`, and a footnote says why. Charts use the same rule
through :func:`is_small`.

Examples
--------
>>> import pandas as pd
>>> tab = pd.DataFrame({"arm": ["kontrol", "pendampingan"], "n": [40, 6], "mean": [0.31, 0.2]})
>>> out = suppress(tab, count="n", values=["mean"])
>>> out.table["mean"].tolist()
[0.31, '×']
>>> out.n_suppressed
1
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.i18n import t

__all__ = ["MARKER", "MIN_CELL", "Suppressed", "suppress", "is_small", "footnote", "check_min_cell"]

MARKER: str = "×"
MIN_CELL: int = 10


def check_min_cell(min_cell: int) -> int:
    """Validate the threshold (a positive whole number)."""
    if isinstance(min_cell, bool) or not isinstance(min_cell, int | np.integer) or min_cell < 1:
        raise ConfigError(f"min_cell must be a positive whole number, not {min_cell!r}")
    return int(min_cell)


def is_small(n: object, min_cell: int = MIN_CELL) -> np.ndarray:
    """Boolean mask: ``True`` where a count is below ``min_cell`` (missing counts are small)."""
    counts = pd.to_numeric(pd.Series(np.atleast_1d(n)), errors="coerce").astype("Float64")
    return counts.fillna(0).lt(check_min_cell(min_cell)).to_numpy(dtype=bool)


def footnote(lang: str = "id", *, min_cell: int = MIN_CELL) -> str:
    """The footnote explaining the marker, in ``lang``."""
    return t("caption.suppressed", lang, marker=MARKER, min_cell=min_cell)


@dataclass(frozen=True)
class Suppressed:
    """A table after suppression: the table, how many rows were suppressed, the footnote."""

    table: pd.DataFrame
    n_suppressed: int
    footnote: str | None

    def tidy(self) -> pd.DataFrame:
        """The suppressed table."""
        return self.table

    def _repr_html_(self) -> str:
        html = self.table.to_html(index=False, na_rep="-")
        if self.footnote:
            html += f'<p class="jbp-footnote"><small>{self.footnote}</small></p>'
        return html


def suppress(
    table: pd.DataFrame,
    *,
    count: str | Sequence[str],
    values: Sequence[str] | None = None,
    min_cell: int = MIN_CELL,
    lang: str = "id",
    marker: str = MARKER,
    suppress_count: bool = True,
) -> Suppressed:
    """Replace values computed from fewer than ``min_cell`` respondents by ``marker``.

    Parameters
    ----------
    table
        One row per published cell (or per row of cells sharing one count).
    count
        Column(s) holding the number of respondents behind the row. With several count
        columns (e.g. a balance table with one ``n`` per arm) the smallest decides.
    values
        Columns to blank; default every column except ``count`` and non-numeric columns.
    min_cell
        Smallest publishable count (default 10).
    suppress_count
        Also replace the small counts themselves by ``marker``.

    Returns
    -------
    Suppressed
        ``table`` (a copy; suppressed columns become ``object``), ``n_suppressed`` rows and
        the ``footnote`` (``None`` when nothing was suppressed).
    """
    min_cell = check_min_cell(min_cell)
    counts = [count] if isinstance(count, str) else list(count)
    missing = [c for c in counts if c not in table.columns]
    if missing:
        raise ConfigError(f"suppress: count column(s) {missing} not in the table")
    if values is None:
        values = [
            c for c in table.columns if c not in counts and pd.api.types.is_numeric_dtype(table[c])
        ]
    n_min = table[counts].apply(pd.to_numeric, errors="coerce").min(axis=1)
    small = is_small(n_min.to_numpy(), min_cell)
    out = table.copy()
    cols = list(values) + (counts if suppress_count else [])
    if small.any():
        for c in cols:
            col = out[c].astype(object)
            col[small] = marker
            out[c] = col
    n = int(small.sum())
    return Suppressed(out, n, footnote(lang, min_cell=min_cell) if n else None)
