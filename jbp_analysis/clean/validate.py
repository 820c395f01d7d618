"""Validation: codebook ranges, skip logic, and outlier flags.

* **Ranges** (``range`` in the codebook): a value outside is set to missing and logged
  (``out_of_range``); the row is kept.
* **Skip logic** (``relevant``): the form's relevance expressions are evaluated on the cleaned
  answers with the form's semantics: a question that was itself skipped compares as "not
  answered" (so ``own_business == 1`` is false when ``own_business`` was not asked), while a
  missing answer (-98, blank) leaves relevance unknown and nothing is blanked. An answer whose
  question was definitely not relevant is blanked and logged (``skip_logic``).
* **Outliers** are flagged, never deleted: per wave and variable, the robust z-score
  ``0.6745 (x - median) / MAD`` (Iglewicz and Hoaglin 1993) on the value (on ``asinh`` of the
  rupiah amount for money, whose distribution is log-normal-like) with ``|z| > 3.5``.

Examples
--------
>>> import pandas as pd
>>> from jbp_analysis.study.codebook import load_codebook
>>> cb = load_codebook()
>>> vs = [cb.variable("respondent", n) for n in ("worked_last_week", "hours_worked")]
>>> frame = pd.DataFrame({"worked_last_week": pd.array([True, False, None], dtype="boolean"),
...                       "hours_worked": pd.array([40, 20, 30], dtype="Int64")})
>>> fixed, log = apply_skip_logic(frame, vs)
>>> fixed["hours_worked"].tolist(), log["rule"].tolist()
([40, <NA>, 30], ['skip_logic'])
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np
import pandas as pd

from jbp_analysis.clean.normalise import LOG_FIELDS, _entries
from jbp_analysis.study.codebook import Codebook, Variable, load_codebook

__all__ = ["apply_ranges", "apply_skip_logic", "relevance", "outlier_flags", "ROBUST_Z"]

ROBUST_Z = 3.5


def _concat(logs: list[pd.DataFrame]) -> pd.DataFrame:
    logs = [x for x in logs if len(x)]
    return pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=LOG_FIELDS)


def apply_ranges(
    frame: pd.DataFrame, variables: list[Variable]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set values outside the codebook range to missing; return the frame and the log.

    Examples
    --------
    >>> import pandas as pd
    >>> from jbp_analysis.study.codebook import load_codebook
    >>> v = load_codebook().variable("respondent", "age")
    >>> f, log = apply_ranges(pd.DataFrame({"age": pd.array([25, 61], dtype="Int64")}), [v])
    >>> f["age"].tolist(), log[["old", "rule"]].values.tolist()
    ([25, <NA>], [['61', 'out_of_range']])
    """
    out = frame.copy(deep=False)  # columns are replaced, never written in place (CoW)
    logs = []
    for v in variables:
        if v.range is None or v.name not in out.columns or v.type == "category":
            continue
        lo, hi = v.range
        x = out[v.name]
        bad = ((x < lo) | (x > hi)).fillna(False).to_numpy(dtype=bool)
        if bad.any():
            logs.append(_entries(bad, v.name, x, "NA", "out_of_range", f"valid {lo}..{hi}"))
            out[v.name] = x.mask(bad)
    return out, _concat(logs)


# ------------------------------------------------------------------------------- skip logic
def _literal(variable: Variable, code: int, codebook: Codebook) -> Any:
    if variable.codes == "yes_no":
        return {1: True, 2: False}[code]
    if variable.codes == "likert5" or variable.type != "category":
        return code
    spec = codebook.value_sets[variable.codes][code]
    return spec.get("value", code)


def relevance(
    expr: str,
    frame: pd.DataFrame,
    *,
    variables: dict[str, Variable],
    skipped: dict[str, pd.Series] | None = None,
    codebook: Codebook | None = None,
) -> pd.Series:
    """Evaluate a codebook ``relevant`` expression to a nullable boolean per row.

    Supports ``name == code``, ``name != code``, ``and``, ``or``, ``not`` and parentheses; codes
    are the form's codes (``1`` = Ya, ``2`` = Tidak). ``skipped[name]`` marks rows where ``name``
    was not asked: there the comparison is False (ODK semantics); elsewhere a missing answer
    makes the comparison unknown (Kleene logic).

    Examples
    --------
    >>> import pandas as pd
    >>> from jbp_analysis.study.codebook import load_codebook
    >>> cb = load_codebook()
    >>> vs = {v.name: v for v in cb.module("respondent")}
    >>> f = pd.DataFrame({"worked_last_week": pd.array([True, False, None], dtype="boolean")})
    >>> relevance("worked_last_week == 2", f, variables=vs).tolist()
    [False, True, <NA>]
    """
    cb = codebook or load_codebook()
    skipped = skipped or {}
    n = len(frame)

    def ev(node: ast.AST) -> pd.Series:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BoolOp):
            vals = [ev(x) for x in node.values]
            out = vals[0]
            for x in vals[1:]:
                out = (out & x) if isinstance(node.op, ast.And) else (out | x)
            return out
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ~ev(node.operand)
        if (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Name)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.Eq | ast.NotEq)
            and isinstance(node.comparators[0], ast.Constant)
        ):
            name = node.left.id
            v = variables[name]
            lit = _literal(v, node.comparators[0].value, cb)
            res = pd.Series(_equals(frame[name], lit), index=frame.index)
            if isinstance(node.ops[0], ast.NotEq):
                res = ~res
            if name in skipped:
                res = res.mask(skipped[name].to_numpy(dtype=bool), False)
            return res
        raise ValueError(f"unsupported skip-logic expression {expr!r}")

    out = ev(ast.parse(expr, mode="eval"))
    assert len(out) == n
    return out


def _equals(col: pd.Series, lit: Any) -> pd.arrays.BooleanArray:
    """``col == lit`` as a nullable boolean (missing where ``col`` is missing), vectorised."""
    na = col.isna().to_numpy(dtype=bool)
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = list(col.cat.categories)
        eq = col.cat.codes.to_numpy() == (cats.index(lit) if lit in cats else -2)
    elif isinstance(col.dtype, pd.BooleanDtype) or col.dtype == bool:
        eq = col.to_numpy(dtype=bool, na_value=False) == bool(lit)
    elif pd.api.types.is_numeric_dtype(col.dtype):
        eq = col.to_numpy(dtype="float64", na_value=np.nan) == float(lit)
    else:
        eq = (col.astype(object) == lit).fillna(False).to_numpy(dtype=bool)
    return pd.arrays.BooleanArray(eq & ~na, na)


def apply_skip_logic(
    frame: pd.DataFrame, variables: list[Variable], *, codebook: Codebook | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Blank answers that the form's skip logic should have hidden; log each one.

    Variables are processed in codebook order, so a blanked answer feeds the relevance of the
    questions after it.
    """
    cb = codebook or load_codebook()
    by_name = {v.name: v for v in variables}
    out = frame.copy(deep=False)  # columns are replaced, never written in place (CoW)
    skipped: dict[str, pd.Series] = {}
    logs = []
    for v in variables:
        if not v.relevant or v.name not in out.columns:
            continue
        rel = relevance(v.relevant, out, variables=by_name, skipped=skipped, codebook=cb)
        not_asked = rel.eq(False).fillna(False).to_numpy(dtype=bool)
        skipped[v.name] = pd.Series(not_asked, index=out.index)
        bad = not_asked & out[v.name].notna().to_numpy(dtype=bool)
        if bad.any():
            logs.append(
                _entries(
                    bad, v.name, out[v.name], "NA", "skip_logic", f"asked only if {v.relevant}"
                )
            )
            out[v.name] = out[v.name].mask(bad)
    return out, _concat(logs)


# ---------------------------------------------------------------------------------- outliers
def _group_median(values: np.ndarray, members: list[np.ndarray]) -> np.ndarray:
    """Each row's group median, missing values skipped (as ``groupby().transform("median")``;
    NaN for a group without values and for rows in no group). ``members`` holds the row
    positions of each group: a few groups (the waves), each one ``np.median``.

    Examples
    --------
    >>> _group_median(np.array([1.0, 5, np.nan, 2, 4]), [np.array([0, 1, 2]), np.array([3, 4])])
    array([3., 3., 3., 3., 3.])
    """
    out = np.full(len(values), np.nan)
    for rows in members:
        v = values[rows]
        v = v[~np.isnan(v)]
        if len(v):
            out[rows] = np.median(v)
    return out


def outlier_flags(
    frame: pd.DataFrame,
    variables: list[Variable],
    *,
    by: str = "wave",
    threshold: float = ROBUST_Z,
) -> pd.DataFrame:
    """Robust z-score outlier flags per ``by`` group (Iglewicz and Hoaglin 1993).

    Returns one row per flagged cell: the index label (``pos``), ``by``, ``variable``,
    ``value`` and ``robust_z``. Values are not changed. Money is scored on ``asinh(x)``.
    Groups whose median absolute deviation is zero flag nothing.

    Examples
    --------
    >>> import pandas as pd
    >>> from jbp_analysis.study.codebook import load_codebook
    >>> v = load_codebook().variable("respondent", "duration_min")
    >>> f = pd.DataFrame({"wave": ["b"] * 6, "duration_min": [30.0, 32, 35, 31, 29, 290]})
    >>> outlier_flags(f, [v])[["pos", "variable", "value"]].values.tolist()
    [[5, 'duration_min', 290.0]]
    """
    flags = []
    by_values = frame[by].to_numpy()
    grp = pd.factorize(frame[by], use_na_sentinel=True)[0]  # group codes, computed once
    grp = np.where(grp >= 0, grp, np.nan) if (grp < 0).any() else grp
    members = [np.flatnonzero(grp == g) for g in pd.unique(grp[~pd.isna(grp)])]
    for v in variables:
        if v.type not in ("integer", "number", "rupiah") or v.name not in frame.columns:
            continue
        if v.name in ("wave_code", "cohort"):
            continue
        x = pd.to_numeric(frame[v.name], errors="coerce").astype("float64")
        score = np.arcsinh(x) if v.type == "rupiah" else x
        med = pd.Series(_group_median(score.to_numpy(dtype="float64"), members), index=x.index)
        spread = (score - med).abs().to_numpy(dtype="float64")
        mad = pd.Series(_group_median(spread, members), index=x.index)
        z = 0.6745 * (score - med) / mad.where(mad > 0)
        hit = (z.abs() > threshold).fillna(False).to_numpy(dtype=bool)
        if hit.any():
            flags.append(
                pd.DataFrame(
                    {
                        "pos": frame.index[hit],
                        by: by_values[hit],
                        "variable": v.name,
                        "value": x.to_numpy()[hit],
                        "robust_z": z.to_numpy()[hit].round(2),
                    }
                )
            )
    if not flags:
        return pd.DataFrame(columns=["pos", by, "variable", "value", "robust_z"])
    return pd.concat(flags, ignore_index=True)
