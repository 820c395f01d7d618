"""Evaluate the codebook's ``relevant`` (skip-logic) expressions on whole columns of codes.

The grammar is the one the codebook uses: comparisons ``name == k`` or ``name != k`` joined by
``and`` (binding tighter) and ``or``. A blank answer (code 0 or missing) satisfies no comparison,
as in an ODK form, so a question whose gate is blank is not asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

__all__ = ["relevant_mask", "referenced_names"]

_COMPARISON = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(==|!=)\s*(-?\d+)\s*$")


def referenced_names(expr: str) -> set[str]:
    """Variable names used in a ``relevant`` expression.

    Examples
    --------
    >>> sorted(referenced_names("worked_last_week == 2 and temp_absent == 2"))
    ['temp_absent', 'worked_last_week']
    """
    return {_parse(c)[0] for clause in expr.split(" or ") for c in clause.split(" and ")}


def _parse(comparison: str) -> tuple[str, str, int]:
    m = _COMPARISON.match(comparison)
    if not m:
        raise ValueError(f"cannot evaluate skip-logic comparison {comparison!r}")
    return m.group(1), m.group(2), int(m.group(3))


def relevant_mask(expr: str, codes: Mapping[str, np.ndarray]) -> np.ndarray:
    """True where the question is asked, given the answer codes (0 = blank) of its gates.

    Examples
    --------
    >>> codes = {"worked_last_week": np.array([1, 2, 2, 0]), "temp_absent": np.array([0, 1, 2, 0])}
    >>> relevant_mask("worked_last_week == 1 or temp_absent == 1", codes).tolist()
    [True, True, False, False]
    """
    out = None
    for clause in expr.split(" or "):
        part = None
        for comparison in clause.split(" and "):
            name, op, value = _parse(comparison)
            c = np.asarray(codes[name])
            hit = (c == value) if op == "==" else ((c != value) & (c != 0))
            part = hit if part is None else part & hit
        out = part if out is None else out | part
    return np.asarray(out, dtype=bool)
