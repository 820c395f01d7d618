"""The result of a cleaning run: row accounting, attrition and what was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["CleanResult", "ACCOUNTING_COLUMNS"]

ACCOUNTING_COLUMNS = [
    "file",
    "module",
    "wave",
    "rows_in",
    "kept",
    "rejected",
    "exact_duplicates",
    "near_duplicates",
    "decided_duplicates",
]


@dataclass(frozen=True)
class CleanResult:
    """What :func:`jbp_analysis.clean.run` did.

    Attributes
    ----------
    out
        The output folder.
    accounting
        One row per raw file: ``rows_in = kept + rejected + exact_duplicates + near_duplicates
        + decided_duplicates`` (checked on every run). ``near_duplicates`` are dropped
        resubmissions of the same interview; ``decided_duplicates`` submissions dropped by the
        field team's decisions file.
    attrition
        Roster size, interviewed and attrition share by arm and wave.
    files
        Names of the files written.
    unknown_columns
        Export headers not in the codebook, per file (reported, never carried over).
    n_log, n_rejects, pending_duplicate_sets
        Size of the cleaning log, rejects and unresolved duplicate sets.
    key_source
        Where the HMAC key came from: ``argument``, ``env``, ``file`` or ``demo``.

    Examples
    --------
    >>> import pandas as pd
    >>> acc = pd.DataFrame([["a.csv", "respondent", "baseline", 3, 2, 1, 0, 0, 0]],
    ...                    columns=ACCOUNTING_COLUMNS)
    >>> r = CleanResult(out=Path("."), accounting=acc, attrition=pd.DataFrame(), files=(),
    ...                 unknown_columns={}, n_log=0, n_rejects=1, pending_duplicate_sets=0,
    ...                 key_source="demo")
    >>> r.tidy()["kept"].tolist()
    [2]
    """

    out: Path
    accounting: pd.DataFrame = field(repr=False)
    attrition: pd.DataFrame = field(repr=False)
    files: tuple[str, ...]
    unknown_columns: dict[str, list[str]] = field(repr=False)
    n_log: int
    n_rejects: int
    pending_duplicate_sets: int
    key_source: str

    def tidy(self) -> pd.DataFrame:
        """The row-accounting table (one row per raw file)."""
        return self.accounting.copy()

    def summary(self) -> str:
        """The accounting table as fixed-width text, with a total line."""
        acc = self.accounting.copy()
        acc["wave"] = acc["wave"].fillna("")
        total = acc.select_dtypes("number").sum()
        acc.loc[len(acc)] = {"file": "TOTAL", "module": "", "wave": "", **total.to_dict()}
        acc = acc.rename(
            columns={
                "exact_duplicates": "exact_dup",
                "near_duplicates": "near_dup",
                "decided_duplicates": "decided_dup",
            }
        )
        text = acc.to_string(index=False)
        return (
            "Row accounting (rows_in = kept + rejected + exact_dup + near_dup + decided_dup):\n"
            + text
        )

    def _repr_html_(self) -> str:
        return (
            f"<p><b>JBP cleaning run</b> into <code>{self.out}</code>: {self.n_log} logged "
            f"changes, {self.n_rejects} rejected rows, {self.pending_duplicate_sets} duplicate "
            f"sets awaiting a decision; key source: {self.key_source}.</p>"
            + self.accounting.to_html(index=False)
            + self.attrition.to_html(index=False)
        )
