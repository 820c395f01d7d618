"""The base of every result object: one ``tidy()`` contract and one notebook rendering.

Every analysis returns an immutable result object (``ImpactResult``, ``BalanceTable``,
``LeeBounds``, ...) that subclasses :class:`Result`. The contract, as in linearmodels' and
pyfixest's results:

- :meth:`Result.tidy` returns a new DataFrame, one row per estimated quantity. The standard
  inference columns :data:`STATISTICS` (``estimate, std_error, ci_low, ci_high, p_value``)
  carry those names wherever the result has them; a subclass lists the ones its ``tidy()``
  has in :attr:`Result.tidy_statistics` (a balance table has ``std_error`` and ``p_value``
  but calls its estimate ``difference``; an overlap summary has none).
- :meth:`Result._repr_html_` is written once, here: a caption, the result's notes, then one
  or more titled tables. Subclasses say *what* to show through three small hooks
  (:meth:`Result._html_caption`, :meth:`Result._html_notes`, :meth:`Result._html_tables`)
  and the number format through class attributes; :meth:`Result.summary` gives the same
  content as plain text.

This module sits in ``core`` and imports nothing from the package, so any layer (``estimate``,
``analyses``, ``observational``, ``planning``, ``inference``) can build on it without a cycle.
"""

from __future__ import annotations

import abc
import html
import re
from typing import ClassVar

import pandas as pd

__all__ = ["Result", "STATISTICS"]

#: The standard inference columns of :meth:`Result.tidy`, by these names wherever they apply.
STATISTICS: tuple[str, ...] = ("estimate", "std_error", "ci_low", "ci_high", "p_value")

_TAG = re.compile(r"<[^>]+>")


class Result(abc.ABC):
    """Base class of the package's result objects: ``tidy()`` plus one HTML rendering.

    Subclasses (usually frozen dataclasses) implement :meth:`tidy` and, for the notebook view,
    override the hooks they need:

    ``_html_caption()``
        The caption, as HTML (escape user text with :func:`html.escape`).
    ``_html_notes()``
        Plain-text notes shown under the caption (default: the ``notes`` attribute, if any).
    ``_html_tables()``
        ``[(title, frame), ...]`` to show (default: ``tidy()`` without :attr:`html_drop`,
        untitled).

    Attributes
    ----------
    tidy_statistics
        Which of :data:`STATISTICS` the columns of :meth:`tidy` include (default: all five).
    html_float_format, html_na_rep, html_drop
        How :meth:`_repr_html_` prints numbers and missing values, and the :meth:`tidy`
        columns the default table leaves out (those the caption already says).

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Mean(Result):
    ...     value: float
    ...     tidy_statistics = ("estimate",)
    ...     def tidy(self):
    ...         return pd.DataFrame({"estimate": [self.value]})
    ...     def _html_caption(self):
    ...         return "A <b>mean</b>"
    >>> r = Mean(2.5)
    >>> r.tidy().columns.tolist()
    ['estimate']
    >>> r._repr_html_().startswith("<div><p>A <b>mean</b></p><table")
    True
    >>> print(r.summary())
    A mean
     estimate
          2.5
    """

    tidy_statistics: ClassVar[tuple[str, ...]] = STATISTICS
    html_float_format: ClassVar[str] = "{:.4g}"
    html_na_rep: ClassVar[str] = "NaN"
    html_drop: ClassVar[tuple[str, ...]] = ()

    @abc.abstractmethod
    def tidy(self) -> pd.DataFrame:
        """The result as a new DataFrame, one row per estimated quantity."""

    # ------------------------------------------------------------------ rendering hooks
    def _html_caption(self) -> str:
        """The caption of the notebook view, as HTML."""
        return html.escape(type(self).__name__)

    def _html_notes(self) -> tuple[str, ...]:
        """Plain-text notes shown under the caption."""
        return tuple(getattr(self, "notes", ()) or ())

    def _html_tables(self) -> list[tuple[str, pd.DataFrame]]:
        """``[(title, frame), ...]``: the tables to show, in order (title ``""``: none)."""
        return [("", self.tidy().drop(columns=list(self.html_drop)))]

    # ------------------------------------------------------------------ views
    def _repr_html_(self) -> str:
        """The caption, the notes, then each table of :meth:`_html_tables`."""
        notes = "".join(f"<br><small>{html.escape(n)}</small>" for n in self._html_notes())
        tables = "".join(
            (f"<h4>{html.escape(title)}</h4>" if title else "")
            + frame.to_html(
                index=False, float_format=self.html_float_format.format, na_rep=self.html_na_rep
            )
            for title, frame in self._html_tables()
        )
        return f"<div><p>{self._html_caption()}{notes}</p>{tables}</div>"

    def summary(self) -> str:
        """The notebook view as plain text: caption, notes and tables."""
        lines = [html.unescape(_TAG.sub("", self._html_caption()))]
        lines += list(self._html_notes())
        for title, frame in self._html_tables():
            if title:
                lines += ["", title]
            lines.append(frame.to_string(index=False, na_rep=self.html_na_rep))
        return "\n".join(lines)
