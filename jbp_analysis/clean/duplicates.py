"""Duplicate submissions, handled as the World Bank's ``ieduplicates`` does (DIME Analytics).

Three kinds, within one export:

* **exact**: the whole row repeated (``_uuid`` included): all but the first are dropped, logged;
* **near**: the same answers under a new ``_uuid``/``_submission_time`` (the form sent twice),
  compared as exported, before any repair: the later submission is dropped, logged;
* **conflicting**: two or more submissions share an id (respondent id in a wave; group id; group
  and cost component) but differ in answers. They are *not* resolved by code. All of them go to
  ``duplicates_report.csv`` with an empty ``decision`` column and are rejected
  (``conflicting_duplicate``) until the field team decides.

The team copies the report to the decisions file (default ``data/decisions/duplicates.csv``,
next to ``data/raw``, never inside ``data/processed``; it holds ids only, never names, NIKs or
phone numbers), writes ``keep`` on the one submission to keep and ``drop`` on the others, and
reruns ``jbp clean``. A set with exactly one ``keep`` and every other row ``drop`` is resolved:
the kept row is cleaned as usual, the others are counted as dropped duplicates and logged
(``duplicate_decision``). A set with blanks stays rejected.

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"_uuid": ["a", "a", "b"], "x": ["1", "1", "1"]})
>>> exact_duplicates(raw).tolist()
[False, True, False]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jbp_analysis.core.errors import JBPInputError

__all__ = [
    "exact_duplicates",
    "near_duplicates",
    "row_codes",
    "sort_codes",
    "conflict_sets",
    "report_rows",
    "load_decisions",
    "apply_decisions",
    "REPORT_COLUMNS",
    "DECISIONS",
    "PII_HEADER_WORDS",
]

REPORT_COLUMNS = [
    "dup_set",
    "file",
    "row",
    "id",
    "submission_id",
    "submission_time",
    "enumerator_id",
    "differs_in",
    "decision",
    "comment",
]
DECISIONS = ("keep", "drop")
PII_HEADER_WORDS = ("nama", "name", "nik", "no_hp", "phone", "telepon", "hp")


def row_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """Each column factorised to integer codes (missing = -1), computed once per file and
    shared by the exact and near duplicate checks: hashing integers is far faster than
    hashing strings."""
    return pd.DataFrame(
        {c: pd.factorize(frame[c], use_na_sentinel=True)[0] for c in frame.columns},
        index=frame.index,
    )


def exact_duplicates(raw: pd.DataFrame) -> pd.Series:
    """True for every repeat of an earlier identical row (all columns, as exported)."""
    return pd.Series(raw.duplicated(keep="first").to_numpy(), index=raw.index)


def near_duplicates(
    frame: pd.DataFrame,
    *,
    ignore: tuple[str, ...],
    order_by: str | None,
    codes: pd.DataFrame | None = None,
    order_codes: np.ndarray | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Rows equal to another in every column except ``ignore``; keep the earliest.

    Returns a drop mask and, for dropped rows, the position of the kept twin. Rows are
    compared through a 64-bit hash of their cells (``codes`` from :func:`row_codes`, computed
    here if not given); ``order_by`` decides which copy is the earliest (ISO 8601 timestamps
    sort correctly as text). ``order_codes`` may give the sort codes of ``order_by`` already
    computed (integers in the order of the values, -1 for missing; see :func:`sort_codes`).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"submission_id": ["a", "b", "c"], "t": [2, 1, 3], "x": [1, 1, 2]})
    >>> drop, twin = near_duplicates(f, ignore=("submission_id", "t"), order_by="t")
    >>> drop.tolist(), twin.tolist()
    ([True, False, False], [1, -1, -1])
    """
    cols = [c for c in frame.columns if c not in ignore]
    codes = row_codes(frame[cols]) if codes is None else codes
    h = pd.util.hash_pandas_object(codes[cols], index=False).to_numpy()
    order = np.arange(len(frame))
    if order_by is not None and order_by in frame.columns:
        key = frame[order_by]
        sortable = _sortable(key) if order_codes is None else order_codes
        order = np.lexsort((np.arange(len(frame)), key.isna().to_numpy(), sortable))
    hs = pd.Series(h[order])
    first_pos = pd.Series(order).groupby(hs.to_numpy(), sort=False).transform("first").to_numpy()
    dup = hs.duplicated(keep="first").to_numpy()
    drop = np.zeros(len(frame), dtype=bool)
    twin = np.full(len(frame), -1, dtype=np.int64)
    drop[order[dup]] = True
    twin[order[dup]] = first_pos[dup]
    return pd.Series(drop, index=frame.index), pd.Series(twin, index=frame.index)


def sort_codes(idx: np.ndarray, uniques: pd.Series) -> np.ndarray:
    """Sort codes of a factorised text column: the rank of each row's text among the distinct
    texts (code point order, as Python sorts ``str``), -1 for missing. Ranks order the rows as
    ``pd.factorize(text, sort=True)`` codes do, without sorting the rows' strings again.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> sort_codes(np.array([0, 1, -1, 0]), pd.Series(["b", "a"])).tolist()
    [1, 0, -1, 1]
    """
    perm = pc.sort_indices(pa.array(uniques.astype(pd.StringDtype("pyarrow")))).to_numpy()
    rank = np.empty(len(perm), dtype=np.int64)
    rank[perm] = np.arange(len(perm))  # UTF-8 byte order = code point order
    return np.where(idx >= 0, np.append(rank, -1)[idx], -1)


def _sortable(key: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(key):
        return key.fillna(pd.Timestamp.max).to_numpy().astype("int64")
    return pd.factorize(key.astype(str), sort=True)[0]


def conflict_sets(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    """Id label (``"a|b"``) of rows whose key is shared with another row; missing otherwise."""
    if not key:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    label = frame[key[0]].astype("string")
    for k in key[1:]:
        label = label + "|" + frame[k].astype("string")
    shared = label.duplicated(keep=False) & label.notna()
    return label.where(shared)


def report_rows(
    frame: pd.DataFrame, sets: pd.Series, *, file: str, rows: np.ndarray
) -> pd.DataFrame:
    """Duplicates-report rows for every row in a conflict set (ids only, no PII)."""
    hit = sets.notna().to_numpy(dtype=bool)
    sub = frame[hit]
    label = sets[hit]
    compare = [c for c in sub.columns if c not in ("submission_id", "submission_time")]
    differs = pd.Series("", index=sub.index, dtype=object)
    for c in compare:  # loop over columns
        n = sub[c].astype("string").fillna("\x00NA").groupby(label.to_numpy()).transform("nunique")
        differs = differs + np.where(n.to_numpy() > 1, c + " ", "")

    def col(name: str) -> pd.Series:
        if name in sub.columns:
            return sub[name].astype("string").fillna("")
        return pd.Series("", index=sub.index)

    return pd.DataFrame(
        {
            "dup_set": file + ":" + label.astype(str),
            "file": file,
            "row": rows[hit],
            "id": label.astype(str),
            "submission_id": col("submission_id"),
            "submission_time": col("submission_time"),
            "enumerator_id": col("enumerator_id"),
            "differs_in": differs.str.strip(),
            "decision": "",
            "comment": "",
        }
    ).reset_index(drop=True)


def load_decisions(path: Path | None) -> pd.DataFrame:
    """Read the field team's decisions file (a filled copy of ``duplicates_report.csv``).

    Raises
    ------
    JBPInputError
        Missing columns, a decision other than keep/drop, or columns that look like personal
        data (the file must hold ids only).
    """
    empty = pd.DataFrame(columns=["file", "row", "submission_id", "decision", "line"])
    if path is None or not Path(path).is_file():
        return empty
    try:
        d = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise JBPInputError(
            f"cannot read the duplicates decisions file ({exc})", file=path
        ) from exc
    missing = [c for c in ("file", "row", "decision") if c not in d.columns]
    if missing:
        raise JBPInputError(
            f"the duplicates decisions file lacks column(s) {missing}",
            file=path,
            hint="Start from a copy of duplicates_report.csv.",
        )
    pii = [c for c in d.columns if c.lower().split("/")[-1] in PII_HEADER_WORDS]
    if pii:
        raise JBPInputError(
            f"the duplicates decisions file has personal-data columns {pii}; it must hold ids only",
            file=path,
        )
    d["line"] = np.arange(1, len(d) + 1)
    d["decision"] = d["decision"].str.strip().str.lower()
    bad = ~d["decision"].isin(("",) + DECISIONS)
    if bad.any():
        first = d[bad].iloc[0]
        raise JBPInputError(
            f"decision {first['decision']!r} is not 'keep', 'drop' or blank",
            file=path,
            row=int(first["line"]),
            column="decision",
        )
    rows = pd.to_numeric(d["row"], errors="coerce")
    if rows.isna().any():
        raise JBPInputError(
            "the row column must hold row numbers",
            file=path,
            row=int(d.loc[rows.isna(), "line"].iloc[0]),
            column="row",
        )
    d["row"] = rows.astype(np.int64)
    if "submission_id" not in d.columns:
        d["submission_id"] = ""
    return d[d["decision"] != ""][["file", "row", "submission_id", "decision", "line"]]


def apply_decisions(
    report: pd.DataFrame, decisions: pd.DataFrame, *, path: Path | None
) -> pd.DataFrame:
    """Fill ``decision`` in the report from the decisions file and mark resolved sets.

    Returns the report with ``decision`` filled and a boolean ``resolved`` column (the set has
    exactly one ``keep`` and the rest ``drop``).

    Raises
    ------
    JBPInputError
        A decision for a row that now holds another submission, or a set with two ``keep``.
    """
    rep = report.copy()
    rep["resolved"] = False
    if rep.empty:
        return rep
    if len(decisions):
        d = decisions.rename(columns={"submission_id": "submission_id_d", "decision": "decision_d"})
        m = rep.reset_index().merge(d, on=["file", "row"], how="inner")
        wrong = (m["submission_id_d"] != "") & (m["submission_id_d"] != m["submission_id"])
        if wrong.any():
            w = m[wrong].iloc[0]
            raise JBPInputError(
                f"the decision for {w['file']} row {w['row']} names submission "
                f"{w['submission_id_d']!r}, but that row now holds {w['submission_id']!r} (was the "
                "export re-ordered?)",
                file=path,
                row=int(w["line"]),
                hint="Re-copy duplicates_report.csv and fill the decisions again.",
            )
        rep.loc[m["index"].to_numpy(), "decision"] = m["decision_d"].to_numpy()
    keep = rep["decision"].eq("keep").groupby(rep["dup_set"]).transform("sum")
    drop = rep["decision"].eq("drop").groupby(rep["dup_set"]).transform("sum")
    size = rep.groupby("dup_set")["row"].transform("size")
    if (keep > 1).any():
        s = rep.loc[keep > 1, "dup_set"].iloc[0]
        raise JBPInputError(
            f"two submissions of duplicate set {s!r} are marked 'keep'; keep exactly one",
            file=path,
            column="decision",
        )
    rep["resolved"] = (keep == 1) & (keep + drop == size)
    return rep
