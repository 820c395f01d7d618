"""Errors that end users see.

Library code raises :class:`JBPInputError` (a ``ValueError``) for bad input. It carries the file,
row and column so that the command line can print one clear paragraph, with no traceback, and exit
non-zero.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["JBPError", "JBPInputError", "ConfigError", "NotBuiltYet"]


class JBPError(Exception):
    """Base class for errors shown to end users as a single paragraph."""


class JBPInputError(JBPError, ValueError):
    """Bad input data: names the file, row, column and the problem.

    Parameters
    ----------
    problem
        What is wrong, in one sentence.
    file, row, column
        Where it is wrong. ``row`` is 1-based as a spreadsheet user counts data rows
        (the header is row 0).
    hint
        What to do about it.

    Examples
    --------
    >>> err = JBPInputError("value is not a number", file="a.csv", row=3, column="umur")
    >>> str(err)
    "a.csv, row 3, column 'umur': value is not a number"
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = (", ".join(where) + ": " if where else "") + self.problem
        if self.hint:
            text += f" {self.hint}"
        return text


class ConfigError(JBPError, ValueError):
    """A bad configuration or parameter (unknown district, negative rate, zero groups...)."""


class NotBuiltYet(JBPError):
    """A pipeline step that a later issue delivers."""

    def __init__(self, step: str) -> None:
        self.step = step
        super().__init__(f"the '{step}' step is not built yet; it is delivered by a later issue")
