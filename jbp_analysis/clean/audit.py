"""The audit trail: ``cleaning_log.csv`` (every changed cell) and ``rejects.csv`` (every row not
kept, with its reason).

Both are keyed by the raw file and its 1-based data-row number, so that any processed value can
be traced back to ``data/raw``. Personal data never enters them: a change to a PII column (only
the NIK repair writes one) is logged with keyed hashes, and the original values of a rejected
row are written without its PII columns and without columns that are not in the codebook (which
could hold anything).

Examples
--------
>>> import pandas as pd
>>> a = Audit(pii={"nik", "name", "phone"})
>>> a.log("f.csv", pd.DataFrame({"row": [2], "column": ["nik"], "old": ["3322..."],
...                              "new": ["x"], "rule": ["r"], "detail": [""]}))
>>> a.log_table()["old"].tolist()
['[redacted]']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["Audit", "LOG_COLUMNS", "REJECT_COLUMNS"]

LOG_COLUMNS = ["file", "row", "column", "old", "new", "rule", "detail"]
REJECT_COLUMNS = ["file", "row", "reason", "detail", "values"]


class Audit:
    """Collects log entries and rejected rows during one cleaning run (internal, mutable)."""

    def __init__(self, *, pii: set[str]) -> None:
        self.pii = set(pii)
        self._log: list[pd.DataFrame] = []
        self._rejects: list[pd.DataFrame] = []

    def log(self, file: str, entries: pd.DataFrame, *, hashed: bool = False) -> None:
        """Add log entries (``row, column, old, new, rule, detail``) for one file.

        PII columns are redacted unless ``hashed`` says old/new already are keyed hashes.
        """
        if entries is None or not len(entries):
            return
        e = entries.copy()
        e["file"] = file
        if "detail" not in e.columns:
            e["detail"] = ""
        if not hashed:
            pii = e["column"].isin(self.pii).to_numpy(dtype=bool)
            if pii.any():
                e.loc[pii, ["old", "new"]] = "[redacted]"
        self._log.append(e[LOG_COLUMNS])

    def reject(
        self,
        file: str,
        rows: np.ndarray,
        reason: str | pd.Series | np.ndarray,
        detail: str | pd.Series | np.ndarray,
        values: pd.DataFrame,
    ) -> None:
        """Add rejected rows with their original (raw, string) values, minus PII columns.

        ``values`` holds the raw cells of the rejected rows under canonical names.
        """
        if not len(rows):
            return
        keep = [c for c in values.columns if c not in self.pii]
        v = values[keep].reset_index(drop=True)
        text = v.to_json(orient="records", lines=True, force_ascii=False).splitlines()
        self._rejects.append(
            pd.DataFrame(
                {
                    "file": file,
                    "row": np.asarray(rows, dtype=np.int64),
                    "reason": np.asarray(reason, dtype=object)
                    if not isinstance(reason, str)
                    else reason,
                    "detail": np.asarray(detail, dtype=object)
                    if not isinstance(detail, str)
                    else detail,
                    "values": text if len(v.columns) else "{}",
                }
            )
        )

    def log_table(self, *, file_order: list[str] | None = None) -> pd.DataFrame:
        """All log entries, sorted by file, row, column and rule (deterministic)."""
        return _sorted(self._log, LOG_COLUMNS, ["file", "row", "column", "rule"], file_order)

    def reject_table(self, *, file_order: list[str] | None = None) -> pd.DataFrame:
        """All rejected rows, sorted by file and row."""
        return _sorted(self._rejects, REJECT_COLUMNS, ["file", "row"], file_order)


def _sorted(
    parts: list[pd.DataFrame], columns: list[str], by: list[str], file_order: list[str] | None
) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns}).astype({"row": "int64"})
    df = pd.concat(parts, ignore_index=True)
    keys = []
    for k in reversed(by):  # np.lexsort: last key is the primary one
        if k == "row":
            keys.append(df["row"].to_numpy(dtype=np.int64))
        elif k == "file" and file_order is not None:
            rank = {f: i for i, f in enumerate(file_order)}
            codes, files = pd.factorize(df["file"], use_na_sentinel=True)  # a few files
            by_code = np.array([rank.get(f, len(rank)) for f in files] + [len(rank)], np.int64)
            keys.append(by_code[np.where(codes >= 0, codes, len(files))])
        else:
            keys.append(pd.factorize(df[k].astype(str), sort=True)[0])
    df = df.iloc[np.lexsort(keys)].reset_index(drop=True)
    out = {"row": df["row"].to_numpy(dtype=np.int64)}
    for c in columns:
        if c != "row":
            out[c] = df[c].astype(pd.StringDtype("pyarrow")).fillna("")
    return pd.DataFrame(out)[columns]
