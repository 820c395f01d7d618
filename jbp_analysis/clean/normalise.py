"""Turn the string cells of one export into typed, coded values (column-wise, vectorised).

Per codebook type: strings are trimmed; missing codes (``-99`` tidak tahu, ``-98`` menolak, only
where the variable allows them) become missing; integers and numbers are parsed (a decimal comma
``35,5`` is accepted); rupiah text goes through :func:`~jbp_analysis.clean.rupiah.parse_rupiah`;
coded answers are decoded from codes, or from labels in Bahasa Indonesia or English as Kobo
writes them when exporting labels ("Ya", "Perempuan"), into the processed representation of
:func:`jbp_analysis.study.codebook.processed_dtype`; dates and times are parsed (ISO first, then
day-first ``15/01/2026``); district names become BPS codes via
:func:`~jbp_analysis.clean.districts.match_districts`.

Every value that changes beyond its plain reading (a code read as its category, digits as a
number) is logged with its rule; cells that cannot be read become missing and are logged, and a
row whose district cannot be matched is marked for rejection with a suggestion. Each column is
decoded on its distinct values and mapped back, so the cost grows with the number of distinct
spellings, not rows.

Examples
--------
>>> import pandas as pd
>>> from jbp_analysis.study.codebook import load_codebook
>>> cb = load_codebook()
>>> frame = pd.DataFrame({"sex": ["1", "Perempuan", "-98"], "age": ["25", "-99", "17"]},
...                      dtype="string")
>>> res = normalise(frame, [cb.variable("respondent", "sex"), cb.variable("respondent", "age")])
>>> res.frame["sex"].tolist(), res.frame["age"].tolist()
(['male', 'female', nan], [25, <NA>, 17])
>>> res.log[["pos", "column", "old", "new", "rule"]].values.tolist()
[[1, 'sex', 'Perempuan', 'female', 'label_to_code'], [2, 'sex', '-98', 'NA', 'missing_code'], [1, 'age', '-99', 'NA', 'missing_code']]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jbp_analysis.clean.districts import match_districts
from jbp_analysis.clean.rupiah import parse_rupiah
from jbp_analysis.study.codebook import Codebook, Variable, load_codebook, processed_dtype

__all__ = [
    "Normalised",
    "normalise",
    "factorize_strings",
    "decode_codes",
    "parse_numbers",
    "parse_dates",
    "LOG_FIELDS",
]

LOG_FIELDS = ["pos", "column", "old", "new", "rule", "detail"]
_EMPTY_LOG = pd.DataFrame(columns=LOG_FIELDS)
_DAY_FIRST = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")


@dataclass(frozen=True)
class Normalised:
    """Typed columns, the log of changed cells and row rejections.

    ``frame`` has the processed dtype per variable (a ``district`` variable is returned as the
    BPS code string in ``district``); ``log`` has :data:`LOG_FIELDS` with ``pos`` the position
    in the input; ``reject`` holds a reason per row (missing = keep) and ``reject_detail`` the
    explanation.
    """

    frame: pd.DataFrame
    log: pd.DataFrame
    reject: pd.Series
    reject_detail: pd.Series


@dataclass(frozen=True)
class _Coded:
    """Log text per distinct value (``text``, one extra last entry for missing) and the row
    codes (``idx``, -1 = missing): a logged cell's text is ``text[idx[pos]]``."""

    text: np.ndarray
    idx: np.ndarray


def _entries(
    mask: np.ndarray, column: str, old: Any, new: Any, rule: Any, detail: Any = ""
) -> pd.DataFrame:
    pos = np.flatnonzero(mask)
    if not len(pos):
        return _EMPTY_LOG

    def pick(x: Any) -> Any:
        if isinstance(x, pd.Series):  # format only the logged cells
            return _fmt(x.iloc[pos]).to_numpy(dtype=object)
        if isinstance(x, _Coded):  # formatted once per distinct value
            return x.text[x.idx[pos]]
        return x

    return pd.DataFrame(
        {
            "pos": pos,
            "column": column,
            "old": pick(old),
            "new": pick(new),
            "rule": pick(rule),
            "detail": pick(detail),
        }
    )


def _blank(text: pd.Series) -> pd.Series:
    """Trim spaces; an empty cell becomes missing (Arrow compute, no Python per cell)."""
    arr = pa.array(text.astype(pd.StringDtype("pyarrow")))
    arr = pc.utf8_trim_whitespace(arr)
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=text.index)


def _missing_codes(text: pd.Series, variable: Variable) -> np.ndarray:
    if not variable.missing:
        return np.zeros(len(text), dtype=bool)
    codes = {str(c) for c in variable.missing}
    return text.isin(codes).fillna(False).to_numpy(dtype=bool)


# ------------------------------------------------------------------------------------- numbers
def parse_numbers(text: pd.Series, *, integer: bool) -> tuple[pd.Series, np.ndarray]:
    """Parse numbers (decimal comma allowed); return values and a mask of unreadable cells.

    Examples
    --------
    >>> import pandas as pd
    >>> v, bad = parse_numbers(pd.Series(["35,5", "12", "x", None]), integer=False)
    >>> v.tolist(), bad.tolist()
    ([35.5, 12.0, <NA>, <NA>], [False, False, True, False])
    """
    fixed = text.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True)
    values = pd.to_numeric(fixed, errors="coerce").astype("Float64")
    bad = (text.notna() & values.isna()).to_numpy(dtype=bool).copy()
    if integer:
        frac = (values % 1).fillna(0).to_numpy(dtype=float) != 0
        bad |= frac
        values = values.where(~frac).round().astype("Int64")
    return values, bad


# ---------------------------------------------------------------------------------- categories
_LOOKUPS: dict[tuple[int, str], tuple[dict[str, Any], dict[str, Any]]] = {}


def _lookup(codes: str, codebook: Codebook) -> tuple[dict[str, Any], dict[str, Any]]:
    """``({code string: value}, {lower-case label or value name: value})`` for a value set."""
    key = (id(codebook), codes)
    if key not in _LOOKUPS:
        _LOOKUPS[key] = _build_lookup(codes, codebook)
    return _LOOKUPS[key]


def _build_lookup(codes: str, codebook: Codebook) -> tuple[dict[str, Any], dict[str, Any]]:
    vs = codebook.value_sets[codes]
    by_code: dict[str, Any] = {}
    by_label: dict[str, Any] = {}
    for code, spec in vs.items():
        if codes == "yes_no":
            value: Any = bool(spec["value"])
        elif codes == "likert5":
            value = int(code)
        else:
            value = spec.get("value", code)
        by_code[str(code)] = value
        for text in (spec.get("id"), spec.get("en"), spec.get("value"), code):
            if text is not None and not isinstance(text, bool):
                by_label.setdefault(" ".join(str(text).lower().split()), value)
    return by_code, by_label


def _typed(values: list[Any], idx: np.ndarray, dtype: Any) -> pd.Series:
    """Values of the distinct strings, taken to the rows (``idx`` = -1 for missing)."""
    present = idx >= 0
    if isinstance(dtype, pd.CategoricalDtype):
        cat = {c: i for i, c in enumerate(dtype.categories)}
        u_codes = np.array([cat.get(v, -1) if v is not None else -1 for v in values] + [-1])
        return pd.Series(pd.Categorical.from_codes(u_codes[idx], dtype=dtype))
    if dtype == "boolean":
        u = np.array([bool(v) if v is not None else False for v in values] + [False])
        u_na = np.array([v is None for v in values] + [True])
        return pd.Series(pd.arrays.BooleanArray(u[idx], u_na[idx]))
    u = np.array([int(v) if v is not None else 0 for v in values] + [0], dtype=np.int64)
    u_na = np.array([v is None for v in values] + [True])
    out = pd.Series(pd.arrays.IntegerArray(u[idx], u_na[idx])).astype(dtype)
    out[~present] = pd.NA
    return out


def decode_codes(
    text: pd.Series, variable: Variable, codebook: Codebook | None = None
) -> tuple[pd.Series, pd.Series]:
    """Decode coded answers; return processed values and the rule applied per cell.

    Cells are trimmed; the rule is missing for plain codes and blanks, ``missing_code`` for a
    missing code the variable allows (-99/-98), ``label_to_code`` for labels (Bahasa Indonesia,
    English or the value name, any case), and ``out_of_range`` for anything else. Works on the
    distinct strings (a handful per column) and maps back.

    Examples
    --------
    >>> import pandas as pd
    >>> from jbp_analysis.study.codebook import load_codebook
    >>> v = load_codebook().variable("respondent", "worked_last_week")
    >>> vals, rule = decode_codes(pd.Series(["1", "Tidak", "7", "-98"]), v)
    >>> vals.tolist(), rule.tolist()
    ([True, False, <NA>, <NA>], [None, 'label_to_code', 'out_of_range', 'missing_code'])
    """
    cb = codebook or load_codebook()
    idx, uniques = pd.factorize(text, use_na_sentinel=True)
    idx = np.asarray(idx)
    values, rules = _decode_unique(list(uniques), variable, cb)
    dtype = processed_dtype(variable, cb)
    out = _typed(values, np.where(idx >= 0, idx, len(values)), dtype)
    out.index = text.index
    rule = np.array(rules + [None], dtype=object)[np.where(idx >= 0, idx, len(rules))]
    return out, pd.Series(rule, index=text.index, dtype=object)


def _decode_unique(
    uniques: list[Any], variable: Variable, cb: Codebook
) -> tuple[list[Any], list[str | None]]:
    """Processed value and rule of each distinct spelling (see :func:`decode_codes`)."""
    by_code, by_label = _lookup(variable.codes, cb)
    missing = {str(c) for c in variable.missing}
    values: list[Any] = []
    rules: list[str | None] = []
    for u in uniques:  # distinct spellings only
        key = str(u).strip()
        code = key[:-2] if key.endswith(".0") else key
        if key == "":
            values.append(None)
            rules.append(None)
        elif code in by_code:
            values.append(by_code[code])
            rules.append(None)
        elif code in missing:
            values.append(None)
            rules.append("missing_code")
        else:
            label = by_label.get(" ".join(key.lower().split()))
            values.append(label)
            rules.append("label_to_code" if label is not None else "out_of_range")
    return values, rules


# --------------------------------------------------------------------------------------- dates
def parse_dates(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dates/times; return ``datetime64[ns]`` values (UTC, naive) and the rule per cell.

    ISO 8601 (``2026-01-15``, ``2026-01-15T09:30:00``, with or without offset) is the plain form;
    day-first dates (``15/01/2026``) are read with rule ``date_format``; anything else is
    missing with rule ``unparseable``.

    Examples
    --------
    >>> import pandas as pd
    >>> v, rule = parse_dates(pd.Series(["2026-01-15", "15/01/2026", "soon"]))
    >>> v.dt.day.tolist(), rule.tolist()
    ([15.0, 15.0, nan], [nan, 'date_format', 'unparseable'])
    """
    idx, uniques = pd.factorize(pd.Series(text, dtype="object"), use_na_sentinel=True)
    u = pd.Series(uniques, dtype="object").astype(str)
    iso = u.str.match(r"^\d{4}-\d\d-\d\d([ T]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$")
    vals = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
    if iso.any():
        parsed = pd.to_datetime(u[iso], format="ISO8601", errors="coerce", utc=True)
        vals[iso] = parsed.dt.tz_localize(None).astype("datetime64[ns]")
    rule = pd.Series(np.nan, index=u.index, dtype=object)
    rest = vals.isna()
    for fmt in _DAY_FIRST:
        todo = vals.isna() & ~iso
        if not todo.any():
            break
        parsed = pd.to_datetime(u[todo], format=fmt, errors="coerce")
        vals[todo] = parsed.astype("datetime64[ns]")
    rule[rest & vals.notna()] = "date_format"
    rule[vals.isna()] = "unparseable"
    present = idx >= 0
    take = np.where(present, idx, 0)
    if len(u):
        out = pd.Series(vals.to_numpy()[take], index=text.index).where(present)
        out_rule = pd.Series(rule.to_numpy(dtype=object)[take], index=text.index).where(present)
    else:
        out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        out_rule = pd.Series(np.nan, index=text.index, dtype=object)
    return out.astype("datetime64[ns]"), out_rule


def _fmt(values: pd.Series) -> pd.Series:
    """Values as log text (missing as ``NA``)."""
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        return values.astype(object).where(values.notna(), "NA").astype(str)
    if pd.api.types.is_datetime64_any_dtype(values):
        txt = values.dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", "", regex=False)
        return txt.astype(object).where(values.notna(), "NA")
    if isinstance(values.dtype, pd.BooleanDtype):
        return values.astype(object).map({True: "true", False: "false"}).where(values.notna(), "NA")
    return values.astype(object).where(values.notna(), "NA").astype(str)


# ---------------------------------------------------------------------------------- dispatcher
def factorize_strings(text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Row codes (-1 = missing) and the distinct strings of a column, in order of appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> idx, uniq = factorize_strings(pd.Series(["b", None, "a", "b"], dtype="string"))
    >>> idx.tolist(), uniq.tolist()
    ([0, -1, 1, 0], ['b', 'a'])
    """
    idx, uniq = pd.factorize(text, use_na_sentinel=True)
    return np.asarray(idx, dtype=np.intp), pd.Series(uniq, dtype=pd.StringDtype("pyarrow"))


def normalise(
    frame: pd.DataFrame,
    variables: list[Variable],
    *,
    codebook: Codebook | None = None,
    district_hint: pd.Series | None = None,
    factorized: dict[str, tuple[np.ndarray, pd.Series]] | None = None,
) -> Normalised:
    """Normalise every codebook column of one export.

    Parameters
    ----------
    frame
        String columns named by canonical variable name (as from
        :func:`~jbp_analysis.clean.inputs.map_headers`).
    variables
        The codebook variables of ``frame``.
    district_hint
        Per-row BPS code of the row's group, used only to break district-name ties.
    factorized
        Optional ``{name: (row codes, distinct strings)}`` as from :func:`factorize_strings`,
        for columns the caller has already factorised; such columns need not be in ``frame``
        (whose index then only gives the rows).

    Returns
    -------
    Normalised
    """
    cb = codebook or load_codebook()
    n = len(frame)
    given = factorized or {}
    out: dict[str, pd.Series] = {}
    logs: list[pd.DataFrame] = []
    reject = pd.Series(pd.NA, index=frame.index, dtype="object")
    reject_detail = pd.Series(pd.NA, index=frame.index, dtype="object")
    for v in variables:
        # every type works on the distinct strings of the column, then maps back to the rows
        idx, uniq = given[v.name] if v.name in given else factorize_strings(frame[v.name])
        assert len(idx) == n
        fill = np.where(idx >= 0, idx, len(uniq))
        old = _Coded(np.append(uniq.to_numpy(dtype=object), "NA"), idx)  # raw text as logged

        def rows(mask_u: np.ndarray, fill: np.ndarray = fill) -> np.ndarray:
            return np.append(np.asarray(mask_u, dtype=bool), False)[fill]

        def values_of(values_u: pd.Series, idx: np.ndarray = idx) -> pd.Series:
            return pd.Series(values_u.array.take(idx, allow_fill=True), index=frame.index)

        def coded(values_u: Any, idx: np.ndarray = idx) -> _Coded:
            text = values_u if isinstance(values_u, np.ndarray) else _fmt(values_u).to_numpy()
            return _Coded(np.append(np.asarray(text, dtype=object), "NA"), idx)

        if v.type == "category":
            values_u, rules_u = _decode_unique(uniq.tolist(), v, cb)  # trims, missing codes
            dtype = processed_dtype(v, cb)
            values = _typed(values_u, fill, dtype)
            values.index = frame.index
            rule = np.array(rules_u + [None], dtype=object)
            changed = pd.notna(rule)[fill]
            if changed.any():
                new = coded(_typed(values_u, np.arange(len(values_u)), dtype))
                logs.append(_entries(changed, v.name, old, new, _Coded(rule, idx)))
            out[v.name] = values
            continue
        if v.type in ("string", "integer", "number", "rupiah", "date", "datetime"):
            u = _blank(uniq)
            u_miss = _missing_codes(u, v)
            u = u.where(~u_miss)
            miss = rows(u_miss)
            if miss.any():
                logs.append(_entries(miss, v.name, old, "NA", "missing_code"))
            if v.type == "string":
                out[v.name] = values_of(u).astype("string")
            elif v.type in ("integer", "number"):
                u_values, u_bad = parse_numbers(u, integer=v.type == "integer")
                bad = rows(u_bad)
                logs.append(_entries(bad, v.name, old, "NA", "unparseable", "not a number"))
                out[v.name] = values_of(u_values.astype(processed_dtype(v, cb)))
            elif v.type == "rupiah":
                r = parse_rupiah(u)
                u_bad = ~r.ok.to_numpy(dtype=bool)
                u_fixed = u.notna().to_numpy(dtype=bool) & ~r.plain.to_numpy(dtype=bool) & ~u_bad
                logs.append(_entries(rows(u_bad), v.name, old, "NA", "unparseable",
                                     "not a rupiah amount"))  # fmt: skip
                fixed = rows(u_fixed)
                if fixed.any():
                    logs.append(_entries(fixed, v.name, old, coded(r.value), "rupiah_parse"))
                out[v.name] = values_of(r.value)
            else:
                u_values, u_rule = parse_dates(u)
                rule_u = np.append(u_rule.to_numpy(dtype=object), None)
                changed = pd.notna(rule_u)[fill]
                if changed.any():
                    new = coded(u_values)
                    logs.append(_entries(changed, v.name, old, new, _Coded(rule_u, idx)))
                out[v.name] = values_of(u_values)
        elif v.type == "district":
            raw = frame[v.name] if v.name in frame.columns else values_of(uniq)
            m = match_districts(raw, hint=district_hint)  # on the raw text: spaces count
            status = m.status.to_numpy(dtype=object)
            logged = np.isin(status, ["normalised", "fuzzy", "hint"])
            logs.append(_entries(logged, v.name, old, m.code, "district_fuzzy_match", m.status))
            bad = np.isin(status, ["unmatched", "ambiguous"])
            reason = pd.Series("district_" + m.status.astype(object), index=frame.index)
            take = bad & reject.isna().to_numpy(dtype=bool)
            reject[take] = reason[take]
            reject_detail[take] = (
                f"{v.name}: " + m.suggestion.fillna("").astype(object)[take]
            ).to_numpy()
            out[v.name] = m.code
        else:  # pragma: no cover - the codebook test guards the set of types
            raise ValueError(f"unknown codebook type {v.type!r} for {v.name}")
    logs = [x for x in logs if len(x)]
    log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=LOG_FIELDS)
    typed = pd.DataFrame(out, index=frame.index) if out else pd.DataFrame(index=frame.index)
    assert len(typed) == n
    return Normalised(frame=typed, log=log, reject=reject, reject_detail=reject_detail)
