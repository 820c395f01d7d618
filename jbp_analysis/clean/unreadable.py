"""Nothing unreadable passes silently: per column, the share of cells that could not be read.

A cell is *unreadable* when it is not blank, not a missing code the variable allows, and still
could not be read: a coded answer that is no code, choice name, label (either language) or
alias; text in a number, rupiah or date column; a district name that matches no district (its
row is rejected with a reason, so it is reported but does not stop the run). A number outside
the codebook range is *not* unreadable (it is read, then set to missing and
logged as ``out_of_range``).

:func:`unreadable_table` gathers :attr:`~jbp_analysis.clean.normalise.Normalised.unreadable` of
every file; :func:`check_unreadable` stops the run with one :class:`UnreadableValuesError` that
names every column of every file above the study's ``unreadable_threshold`` (default 1% of the
column's non-blank cells), its unreadable values and the fix.

Examples
--------
>>> import pandas as pd
>>> t = unreadable_table([pd.DataFrame({
...     "file": ["a.csv"], "header": ["latar/jenis_kelamin"], "column": ["sex"],
...     "type": ["category"], "codes": ["sex"], "non_blank": [200], "unreadable": [50],
...     "share": [0.25], "values": [[("pria", 30), ("wanita", 20)]]})])
>>> t[["file", "column", "unreadable", "share"]].values.tolist()
[['a.csv', 'sex', 50, 0.25]]
>>> check_unreadable(t, threshold=0.01, aliases="study/aliases.yaml")
Traceback (most recent call last):
...
jbp_analysis.clean.unreadable.UnreadableValuesError: 1 column(s) ...
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from jbp_analysis.core.errors import JBPInputError

__all__ = [
    "UnreadableValuesError",
    "UNREADABLE_COLUMNS",
    "unreadable_table",
    "unreadable_lines",
    "unreadable_problems",
    "check_unreadable",
    "cut",
]

UNREADABLE_COLUMNS = ["file", "header", "column", "type", "codes", "non_blank", "unreadable",
                      "share", "values"]  # fmt: skip
_MAX_VALUE = 40


class UnreadableValuesError(JBPInputError):
    """Columns with more unreadable values than the study allows; ``table`` lists them."""

    def __init__(self, problem: str, *, table: pd.DataFrame, hint: str) -> None:
        self.table = table
        super().__init__(problem, hint=hint)


def cut(value: Any, limit: int = _MAX_VALUE) -> str:
    """A value as shown in messages: at most ``limit`` characters.

    Examples
    --------
    >>> cut("x" * 50)
    'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'
    """
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unreadable_table(parts: list[pd.DataFrame | None]) -> pd.DataFrame:
    """One row per file and column: non-blank cells, unreadable cells, share, top values.

    Parts of one file (the waves of a multi-wave export) are added up.
    """
    frames = [p for p in parts if p is not None and len(p)]
    if not frames:
        return pd.DataFrame(columns=UNREADABLE_COLUMNS)
    t = pd.concat(frames, ignore_index=True)
    if not t.duplicated(["file", "column"]).any():  # one part per file: nothing to add up
        t = t.assign(values=[sorted(v, key=lambda kv: (-kv[1], kv[0]))[:5] for v in t["values"]])
        return t[UNREADABLE_COLUMNS].reset_index(drop=True)
    rows = []
    for (file, column), g in t.groupby(["file", "column"], sort=False):
        counts: dict[str, int] = {}
        for values in g["values"]:
            for value, n in values:
                counts[value] = counts.get(value, 0) + int(n)
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        non_blank = int(g["non_blank"].sum())
        bad = int(g["unreadable"].sum())
        first = g.iloc[0]
        rows.append(
            {
                "file": file,
                "header": first["header"],
                "column": column,
                "type": first["type"],
                "codes": first["codes"],
                "non_blank": non_blank,
                "unreadable": bad,
                "share": bad / non_blank if non_blank else 0.0,
                "values": top,
            }
        )
    return pd.DataFrame(rows, columns=UNREADABLE_COLUMNS)


def _values_text(values: list[tuple[str, int]]) -> str:
    return ", ".join(f"{cut(v)!r} ({n:,})" for v, n in values)


def unreadable_lines(table: pd.DataFrame) -> list[str]:
    """Run-summary lines: every column with unreadable values (or one line saying none)."""
    bad = table[table["unreadable"] > 0]
    n, k = int(table["non_blank"].sum()), int(table["unreadable"].sum())
    total = (
        f"unread {k:,} of {n:,} non-blank values ({k / n if n else 0:.2%}) could not be read"
        f" in {len(bad)} of {len(table)} columns"
    )
    if bad.empty:
        return [total + ": every value of every column was read"]
    return [total] + [
        f"unread {r.file} {r.header or r.column} ({r.column}): {r.unreadable:,} of "
        f"{r.non_blank:,} ({r.share:.1%}): {_values_text(r.values)}"
        for r in bad.itertuples()
    ]


def _fix(row: Any, aliases: str) -> str:
    if row.type == "category" and row.codes:
        from jbp_analysis.study.codebook import load_codebook

        try:
            vs = load_codebook().value_sets[row.codes]
            codes = ", ".join(f"{k} = {spec.get('id', k)}" for k, spec in vs.items())
        except Exception:  # noqa: BLE001 - a codebook without this value set: no list
            codes = "see codebook.yaml"
        first = cut(row.values[0][0]) if row.values else "..."
        return (
            f"add each value to {aliases} under `answers: {row.codes}: <code>: [{first!r}]` "
            f"(codes of {row.codes}: {codes})"
        )
    if row.type == "district":
        return "correct the district names in the export (or add them as kabupaten/kota spellings)"
    return f"correct the values in the export: a {row.type} column must hold {row.type}s"


def unreadable_problems(table: pd.DataFrame, *, threshold: float, aliases: str) -> list[str]:
    """One line per column above ``threshold``: file, header, counts, values and the fix."""
    # district names that match no district are counted, but their rows are rejected with a
    # reason (rejects.csv), so they are not lost silently and do not stop the run
    over = table[
        (table["unreadable"] > 0) & (table["share"] > threshold) & (table["type"] != "district")
    ]
    return [
        f"{r.file}, column {r.header or r.column!r} ({r.column}): {r.unreadable:,} of "
        f"{r.non_blank:,} non-blank values ({r.share:.1%}) unreadable: {_values_text(r.values)}."
        f" Fix: {_fix(r, aliases)}."
        for r in over.itertuples()
    ]


def check_unreadable(table: pd.DataFrame, *, threshold: float, aliases: str) -> None:
    """Raise :class:`UnreadableValuesError` naming every column above ``threshold``.

    Raises
    ------
    UnreadableValuesError
        Listing every such column of every file in one message.
    """
    lines = unreadable_problems(table, threshold=threshold, aliases=aliases)
    if not lines:
        return
    raise UnreadableValuesError(
        f"{len(lines)} column(s) have more than {threshold:.1%} unreadable values (not a code, "
        "choice name, label, alias, missing code, number or date; they would become missing): "
        + " ".join(f"({i}) {line}" for i, line in enumerate(lines, start=1)),
        table=table,
        hint="Nothing was written. After adding the aliases, run `jbp check --raw DIR` to see "
        "that every value is read.",
    )
