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

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Audit", "LOG_COLUMNS", "REJECT_COLUMNS"]

LOG_COLUMNS = ["file", "row", "column", "old", "new", "rule", "detail"]
REJECT_COLUMNS = ["file", "row", "reason", "detail", "values"]


class Audit:
    """Collects log entries and rejected rows during one cleaning run (internal, mutable)."""

    def __init__(self, *, pii: set[str]) -> None:
        self.pii = set(pii)
        #: log entries, each text column dictionary-encoded (:func:`_compact`): a 6M-row
        #: national run logs ~20M changed cells, mostly a few distinct files, columns, rules,
        #: details and values, which as plain strings took ~125 bytes per entry
        self._log: list[dict[str, pd.Series | _Coded]] = []
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
        self._log.append(_compact(e[LOG_COLUMNS]))

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
        by = ["file", "row", "column", "rule"]
        if not self._log:
            return _sorted([], LOG_COLUMNS, by, file_order)
        coded = _sorted_coded(self._log, LOG_COLUMNS, by, file_order)
        if coded is not None:
            return next(coded)
        df = pd.DataFrame({c: _expand([p[c] for p in self._log]) for c in LOG_COLUMNS})
        return _sorted([df], LOG_COLUMNS, by, file_order)

    def log_chunks(
        self, *, file_order: list[str] | None = None, rows: int = 1 << 20
    ) -> Iterator[pd.DataFrame]:
        """:meth:`log_table` in consecutive pieces of at most ``rows`` rows (at least one
        piece, empty when nothing was logged): concatenated, they are the table. A national run
        logs ~20M cells; the pieces are decoded one at a time, so the full-width log is never
        held (masked and written piece by piece)."""
        by = ["file", "row", "column", "rule"]
        coded = _sorted_coded(self._log, LOG_COLUMNS, by, file_order, chunk_rows=rows) if (
            self._log
        ) else None  # fmt: skip
        if coded is None:
            yield self.log_table(file_order=file_order)
            return
        yield from coded

    def log_rows(self) -> int:
        """Number of log entries."""
        return sum(len(p["row"]) for p in self._log)

    def release_log(self) -> None:
        """Drop the collected log entries (once :meth:`log_table` has been built from them and
        nothing more will be logged): frees their memory before the outputs are written."""
        self._log = []

    def reject_table(self, *, file_order: list[str] | None = None) -> pd.DataFrame:
        """All rejected rows, sorted by file and row."""
        return _sorted(self._rejects, REJECT_COLUMNS, ["file", "row"], file_order)


class _Coded:
    """A text column stored dictionary-encoded: its pandas dtype and the Arrow array."""

    __slots__ = ("dtype", "values")

    def __init__(self, dtype: pd.StringDtype, values: pa.DictionaryArray) -> None:
        self.dtype = dtype
        self.values = values


def _compact(frame: pd.DataFrame) -> dict[str, pd.Series | _Coded]:
    """The columns of ``frame``, Arrow-backed text columns dictionary-encoded (others as they
    are): :func:`_expand` gives back the same values and dtype."""
    out: dict[str, pd.Series | _Coded] = {}
    for c in frame.columns:
        s = frame[c]
        if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
            arr = pa.array(s.array)
            arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
            out[c] = _Coded(s.dtype, pc.dictionary_encode(arr))
        else:
            out[c] = s.reset_index(drop=True)
    return out


def _expand(parts: list[pd.Series | _Coded]) -> pd.Series:
    """One column from its parts, as ``pd.concat`` of the original parts would give it."""
    if parts and all(isinstance(p, _Coded) for p in parts) and len({p.dtype for p in parts}) == 1:
        dtype = parts[0].dtype
        value_type = parts[0].values.type.value_type
        if all(p.values.type.value_type == value_type for p in parts):
            decoded = pa.chunked_array([p.values.cast(value_type) for p in parts], type=value_type)
            return pd.Series(dtype.construct_array_type()._from_sequence(decoded, dtype=dtype))
    return pd.concat(
        [
            pd.Series(p.dtype.construct_array_type()._from_sequence(
                p.values.cast(p.values.type.value_type), dtype=p.dtype))
            if isinstance(p, _Coded) else p
            for p in parts
        ],
        ignore_index=True,
    )  # fmt: skip


def _sorted_coded(
    parts: list[dict[str, pd.Series | _Coded]],
    columns: list[str],
    by: list[str],
    file_order: list[str] | None,
    *,
    chunk_rows: int | None = None,
) -> Iterator[pd.DataFrame] | None:
    """:func:`_sorted` of the compacted parts without expanding them first: the sort keys come
    from the dictionary codes, and each text column is decoded once, already in sorted order (the
    full-width log is built once instead of three times). With ``chunk_rows``, the sorted table
    is given in consecutive pieces of that many rows (decoded one piece at a time). ``None``
    when a part is not in the usual form (every text column an Arrow string column, ``row``
    integers): then the caller expands the parts and uses :func:`_sorted`."""
    text = [c for c in columns if c != "row"]
    for p in parts:
        if not all(isinstance(p[c], _Coded) for c in text):
            return None
        if isinstance(p["row"], _Coded) or p["row"].dtype != np.int64:
            return None
    row = np.concatenate([p["row"].to_numpy(dtype=np.int64) for p in parts])
    unified: dict[str, pa.ChunkedArray] = {}
    for c in text:
        chunks = [p[c].values for p in parts]
        value_type = chunks[0].type.value_type
        if any(ch.type.value_type != value_type for ch in chunks):
            return None
        unified[c] = pa.chunked_array(chunks).unify_dictionaries()
    keys = []
    for k in reversed(by):  # np.lexsort: last key is the primary one
        if k == "row":
            keys.append(row)
            continue
        col = unified[k]
        dictionary = col.chunk(0).dictionary.to_pylist() if col.num_chunks else []
        if k == "file" and file_order is not None:
            order_of = {f: i for i, f in enumerate(file_order)}
            rank = np.array([order_of.get(v, len(order_of)) for v in dictionary], np.int64)
            missing = len(order_of)
        else:  # rank of each distinct value in code point order, as pd.factorize(sort=True)
            rank = np.empty(len(dictionary), np.int64)
            rank[np.argsort(np.array(dictionary, dtype=object), kind="stable")] = np.arange(
                len(dictionary)
            )
            missing = -1
        idx = np.concatenate(  # missing values: code 0 here, masked by ``valid``
            [pc.fill_null(ch.indices, 0).to_numpy(zero_copy_only=False) for ch in col.chunks]
        ).astype(np.int64, copy=False)
        valid = np.concatenate([ch.is_valid().to_numpy(zero_copy_only=False) for ch in col.chunks])
        keys.append(np.where(valid, rank[np.where(valid, idx, 0)] if len(rank) else 0, missing))
    order = np.lexsort(keys)
    del keys
    combined = {c: unified.pop(c).combine_chunks() for c in text}
    step = max(len(order) if chunk_rows is None else int(chunk_rows), 1)

    def pieces() -> Iterator[pd.DataFrame]:
        for start in range(0, max(len(order), 1), step):
            at = order[start : start + step]
            out: dict[str, object] = {"row": row[at]}
            taker = pa.array(at)
            for c in text:
                col = combined[c].take(taker)
                decoded = pc.fill_null(col.cast(col.type.value_type), "")
                out[c] = pd.Series(pd.array(decoded, dtype=pd.StringDtype("pyarrow")))
                del col, decoded
            yield pd.DataFrame(out)[columns]

    return pieces()


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
