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

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jbp_analysis.clean.districts import match_districts
from jbp_analysis.clean.rupiah import RupiahParse, parse_rupiah
from jbp_analysis.study.codebook import Codebook, Variable, load_codebook, processed_dtype

__all__ = [
    "Normalised",
    "normalise",
    "factorize_strings",
    "decode_codes",
    "parse_numbers",
    "parse_dates",
    "LOG_FIELDS",
    "UNREADABLE_FIELDS",
    "answer_key",
    "choice_name",
    "decode_multiple",
]

LOG_FIELDS = ["pos", "column", "old", "new", "rule", "detail"]
#: Columns of :attr:`Normalised.unreadable`: ``values`` is a list of ``(value, cells)`` pairs,
#: most frequent first (at most :data:`TOP_UNREADABLE`).
UNREADABLE_FIELDS = ["column", "type", "codes", "non_blank", "unreadable", "share", "values"]
TOP_UNREADABLE = 5
_EMPTY_LOG = pd.DataFrame(columns=LOG_FIELDS)
_DAY_FIRST = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")


@dataclass(frozen=True)
class Normalised:
    """Typed columns, the log of changed cells and row rejections.

    ``frame`` has the processed dtype per variable (a ``district`` variable is returned as the
    BPS code string in ``district``); ``log`` has :data:`LOG_FIELDS` with ``pos`` the position
    in the input; ``reject`` holds a reason per row (missing = keep) and ``reject_detail`` the
    explanation; ``unreadable`` has one row per column (:data:`UNREADABLE_FIELDS`): its
    non-blank cells other than missing codes, how many could not be read, and the most
    frequent unreadable values with their counts.
    """

    frame: pd.DataFrame
    log: pd.DataFrame
    reject: pd.Series
    reject_detail: pd.Series
    unreadable: pd.DataFrame = None  # type: ignore[assignment]


#: the text dtype pandas gives a column of Python strings (Arrow-backed, NaN for missing): log
#: text is built in it directly, from the distinct values, with no Python string per cell
_STR = pd.StringDtype("pyarrow", na_value=np.nan)


@dataclass(frozen=True)
class _Coded:
    """Log text per distinct value (``text``, one extra last entry for missing) and the row
    codes (``idx``, -1 = missing): a logged cell's text is ``text[idx[pos]]``."""

    text: np.ndarray
    idx: np.ndarray

    @cached_property
    def _arrow(self) -> pa.Array | None:
        """``text`` as an Arrow array (``None`` if it holds anything but strings)."""
        try:
            return pa.array(self.text.tolist(), type=pa.large_string())
        except (pa.ArrowException, TypeError):
            return None

    def at(self, pos: np.ndarray) -> Any:
        """Log text of the cells at ``pos`` (``text[idx[pos]]``)."""
        codes = self.idx[pos]
        if self._arrow is None:
            return self.text[codes]
        codes = np.where(codes < 0, codes + len(self.text), codes)  # -1: the last entry
        return pd.array(self._arrow.take(pa.array(codes)), dtype=_STR)


@dataclass(frozen=True)
class _RawText:
    """The raw text of a factorised column as logged (missing as ``NA``), taken from the
    distinct strings in Arrow for the logged cells only (most columns log none)."""

    uniq: pd.Series
    idx: np.ndarray

    def at(self, pos: np.ndarray) -> Any:
        """Log text of the cells at ``pos``."""
        codes = self.idx[pos]
        text = pa.array(self.uniq.array)
        if isinstance(text, pa.ChunkedArray):
            text = text.combine_chunks()
        if not pa.types.is_large_string(text.type):
            text = text.cast(pa.large_string())
        taken = text.take(pa.array(codes, mask=codes < 0))
        return pd.array(pc.fill_null(taken, "NA"), dtype=_STR)


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
            return x.at(pos)
        if isinstance(x, _RawText):
            return x.at(pos)
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
    # beyond 2**53 a number is no longer exact (1e30 would overflow a whole number): such a
    # value is not read, and the log keeps its original text
    huge = (values.abs() > 2.0**53).fillna(False).to_numpy(dtype=bool)
    values = values.where(~huge)
    bad = (text.notna() & values.isna()).to_numpy(dtype=bool).copy()
    if integer:
        frac = (values % 1).fillna(0).to_numpy(dtype=float) != 0
        bad |= frac
        values = values.where(~frac).round().astype("Int64")
    return values, bad


# ---------------------------------------------------------------------------------- categories
_LOOKUPS: dict[tuple[int, str, tuple[int, ...]], tuple[Codebook, _Lookup]] = {}
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_NUMERIC = re.compile(r"^[+-]?\d+(\.\d+)?$")
#: spelling kinds of a coded answer; the kind most cells of a column have is read as is, the
#: others are logged (``label_to_code``)
KINDS = ("code", "choice", "label_id", "label_en")


def answer_key(text: Any) -> str:
    """A coded answer as compared: lower case, every run of other characters one space.

    ``Laki-laki``, ``laki_laki``, ``LAKI LAKI`` and ``laki  laki`` are alike.

    Examples
    --------
    >>> answer_key("Laki-laki"), answer_key(" SMA/SMK/sederajat "), answer_key("sangat_setuju")
    ('laki laki', 'sma smk sederajat', 'sangat setuju')
    """
    return _NOT_WORD.sub(" ", str(text).lower()).strip()


def choice_name(spec: dict[str, Any], code: Any) -> str:
    """The XLSForm choice ``name`` of a value-set code, as the study's forms write it
    (:func:`jbp_analysis.study.xlsform.choice_name`): its ``choice`` entry, else its ``value``
    when that is text, else the code.

    Examples
    --------
    >>> choice_name({"choice": "laki_laki", "value": "male", "id": "Laki-laki"}, 1)
    'laki_laki'
    >>> choice_name({"id": "Pendampingan JBP"}, "pendampingan")
    'pendampingan'
    """
    name = spec.get("choice")
    if name is None:
        value = spec.get("value")
        name = value if isinstance(value, str) else code
    return str(name)


@dataclass(frozen=True)
class _Lookup:
    """How one value set's answers are read: ``code`` (code strings), ``exact`` (choice names
    and labels exactly as the forms write them, with their kind), ``key`` (every spelling by
    :func:`answer_key`: labels, names, value names, aliases), ``missing`` (missing-code labels
    by key) and ``no`` (extra spellings of a yes/no "no": ``0``)."""

    code: dict[str, Any]
    exact: dict[str, tuple[Any, str]]
    key: dict[str, Any]
    missing: dict[str, int]


def _lookup(codes: str, codebook: Codebook, missing: tuple[int, ...] = ()) -> _Lookup:
    key = (id(codebook), codes, tuple(missing))
    hit = _LOOKUPS.get(key)
    if hit is None or hit[0] is not codebook:  # the codebook is kept: its id is never reused
        hit = (codebook, _build_lookup(codes, codebook, missing))
        _LOOKUPS[key] = hit
    return hit[1]


def _processed_value(codes: str, code: Any, spec: dict[str, Any]) -> Any:
    if codes == "yes_no":
        return bool(spec["value"])
    if codes == "likert5":
        return int(code)
    return spec.get("value", code)


def _build_lookup(codes: str, codebook: Codebook, missing: tuple[int, ...] = ()) -> _Lookup:
    vs = codebook.value_sets[codes]
    by_code: dict[str, Any] = {}
    exact: dict[str, tuple[Any, str]] = {}
    by_key: dict[str, Any] = {}
    boolean = all(isinstance(s.get("value"), bool) for s in vs.values())
    for code, spec in vs.items():
        value = _processed_value(codes, code, spec)
        by_code[str(code)] = value
        for text, kind in ((choice_name(spec, code), "choice"), (spec.get("id"), "label_id"),
                           (spec.get("en"), "label_en")):  # fmt: skip
            if text is not None:
                exact.setdefault(str(text).strip(), (value, kind))
        spellings = [spec.get("id"), spec.get("en"), spec.get("value"), code,
                     choice_name(spec, code), *spec.get("aliases", [])]  # fmt: skip
        if boolean:  # yes/no exported as 1/0 or true/false
            spellings += ["true", "yes"] if spec["value"] else ["false", "no", "0"]
        for text in spellings:
            if text is not None and not isinstance(text, bool) and answer_key(text):
                by_key.setdefault(answer_key(text), value)
    miss: dict[str, int] = {}
    for m in missing:
        labels = codebook.missing_codes.get(int(m), {})
        for text in (labels.get("id"), labels.get("en"), labels.get("choice")):
            if text and answer_key(text) not in by_key:
                miss.setdefault(answer_key(text), int(m))
    return _Lookup(code=by_code, exact=exact, key=by_key, missing=miss)


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

    Cells are trimmed. A cell is read as its code when it is the code itself, the XLSForm
    choice name (``laki_laki``), a label in Bahasa Indonesia or English, the value name or an
    alias from the study folder, in any case and with ``_``, ``-`` and spaces alike; ``0``,
    ``true``/``false`` also read a yes/no. The spelling most cells of the column use is read
    as is (rule missing); other spellings get ``label_to_code`` (a code is always read as is). Missing codes the variable
    allows (``-99``/``-98``, or their labels) get ``missing_code``; a number that is no code
    ``out_of_range``; any other text ``unreadable``. Works on the distinct strings.

    Examples
    --------
    >>> import pandas as pd
    >>> from jbp_analysis.study.codebook import load_codebook
    >>> v = load_codebook().variable("respondent", "worked_last_week")
    >>> vals, rule = decode_codes(pd.Series(["1", "1", "Tidak", "7", "-98", "0", "maybe"]), v)
    >>> vals.tolist()
    [True, True, False, <NA>, <NA>, False, <NA>]
    >>> rule.tolist()
    [None, None, 'label_to_code', 'out_of_range', 'missing_code', 'label_to_code', 'unreadable']
    """
    cb = codebook or load_codebook()
    idx, uniques = pd.factorize(text, use_na_sentinel=True)
    idx = np.asarray(idx)
    counts = np.bincount(idx[idx >= 0], minlength=len(uniques))
    values, rules = _decode_unique(list(uniques), variable, cb, counts=counts)
    dtype = processed_dtype(variable, cb)
    out = _typed(values, np.where(idx >= 0, idx, len(values)), dtype)
    out.index = text.index
    rule = np.array(rules + [None], dtype=object)[np.where(idx >= 0, idx, len(rules))]
    return out, pd.Series(rule, index=text.index, dtype=object)


def _decode_unique(
    uniques: list[Any], variable: Variable, cb: Codebook, *, counts: np.ndarray | None = None
) -> tuple[list[Any], list[str | None]]:
    """Processed value and rule of each distinct spelling (see :func:`decode_codes`).

    ``counts`` (cells per distinct spelling) picks the column's own spelling kind; without it,
    only codes are read as is.
    """
    look = _lookup(variable.codes, cb, variable.missing)
    missing = {str(c) for c in variable.missing}
    values: list[Any] = []
    rules: list[str | None] = []
    kinds: list[str | None] = []
    for u in uniques:  # distinct spellings only
        key = str(u).strip()
        code = key[:-2] if key.endswith(".0") else key
        kind: str | None = None
        if key == "":
            value, rule = None, None
        elif code in look.code:
            value, rule, kind = look.code[code], None, "code"
        elif code in missing:
            value, rule = None, "missing_code"
        elif key in look.exact:
            (value, kind), rule = look.exact[key], "label_to_code"
        else:
            k = answer_key(key)
            if k in look.key:
                value, rule = look.key[k], "label_to_code"
            elif k in look.missing:
                value, rule = None, "missing_code"
            elif _NUMERIC.match(key):
                value, rule = None, "out_of_range"
            else:
                value, rule = None, "unreadable"
        values.append(value)
        rules.append(rule)
        kinds.append(kind)
    own = "code"
    if counts is not None and len(uniques):
        per_kind = {k: 0 for k in KINDS}
        for kind, n in zip(kinds, counts, strict=True):
            if kind is not None:
                per_kind[kind] += int(n)
        best = max(KINDS, key=lambda k: per_kind[k])  # ties: the first (codes)
        if per_kind[best] > 0:
            own = best
    rules = [None if k == own and k is not None else r for r, k in zip(rules, kinds, strict=True)]
    return values, rules


def decode_multiple(
    uniques: list[Any], variable: Variable, cb: Codebook
) -> tuple[list[str | None], list[str | None]]:
    """Decode select_multiple answers: the chosen codes, sorted and space-separated.

    An answer is the choices separated by spaces (KoboToolbox and ODK write the choice names so;
    codes are accepted too) or, in a labels export, by ``,`` or ``;``. Each choice is read as in
    :func:`decode_codes`. Rule ``label_to_code`` when the text was not already the codes,
    ``missing_code`` for an allowed missing code, ``unreadable`` when any choice is no code,
    name, label or alias.

    Examples
    --------
    >>> from jbp_analysis.study.codebook import Variable, load_codebook
    >>> v = Variable(name="x", headers=("g/x",), module="respondent", waves=("baseline",),
    ...              type="multiple", label={"id": "x", "en": "x"}, codes="education",
    ...              missing=(-98,))
    >>> decode_multiple(["sd sma", "3 1", "SMP/sederajat, Diploma/Sarjana", "-98", "sd lain"],
    ...                 v, load_codebook())
    (['2 4', '1 3', '3 5', None, None], ['label_to_code', 'label_to_code', 'label_to_code', 'missing_code', 'unreadable'])
    """
    look = _lookup(variable.codes, cb, variable.missing)
    missing = {str(c) for c in variable.missing}
    order = {str(c): i for i, c in enumerate(look.code)}
    code_of = {}
    for code, spec in cb.value_sets[variable.codes].items():
        code_of[answer_key(code)] = str(code)
        for text in (spec.get("id"), spec.get("en"), choice_name(spec, code),
                     *spec.get("aliases", [])):  # fmt: skip
            if text is not None and answer_key(text):
                code_of.setdefault(answer_key(text), str(code))
    values: list[str | None] = []
    rules: list[str | None] = []
    for u in uniques:
        key = str(u).strip()
        if key == "":
            values.append(None)
            rules.append(None)
            continue
        if key in missing or answer_key(key) in look.missing:
            values.append(None)
            rules.append("missing_code")
            continue
        parts = re.split(r"\s*[,;]\s*", key) if re.search(r"[,;]", key) else key.split()
        codes = [code_of.get(answer_key(p)) for p in parts if p.strip()]
        if not codes or any(c is None for c in codes):
            whole = code_of.get(answer_key(key))  # one label with spaces
            codes = [whole] if whole is not None else [None]
        if any(c is None for c in codes):
            values.append(None)
            rules.append("unreadable")
            continue
        text = " ".join(sorted(set(codes), key=lambda c: order.get(c, len(order))))
        values.append(text)
        rules.append(None if text == key else "label_to_code")
    return values, rules


# --------------------------------------------------------------------------------------- dates
def _study_window(values: pd.Series, rule: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates outside the study's window (``study_window`` in ``study.yaml``) are not kept:
    missing, with rule ``date_outside_study_window`` (the log keeps the original text)."""
    from jbp_analysis.study.folder import active_study

    window = active_study().settings.study_window
    if window is None:
        return values, rule
    lo, hi = pd.Timestamp(window[0]), pd.Timestamp(window[1]) + pd.Timedelta(days=1)
    outside = (values.notna() & ((values < lo) | (values >= hi))).to_numpy(dtype=bool)
    if not outside.any():
        return values, rule
    return values.where(~outside), rule.where(~outside, "date_outside_study_window")


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
    if isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == "pyarrow":
        idx, uniques = pd.factorize(text, use_na_sentinel=True)  # the same codes, in Arrow
    else:
        idx, uniques = pd.factorize(pd.Series(text, dtype="object"), use_na_sentinel=True)
    u = pd.Series(uniques, dtype="object").astype(str)
    iso_s = u.str.match(r"^\d{4}-\d\d-\d\d([ T]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$")
    # plain arrays (positions are the distinct values): no index alignment per assignment
    iso = iso_s.to_numpy(dtype=bool)
    vals = np.full(len(u), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    far = np.zeros(len(u), dtype=bool)  # a real date the processed data cannot hold
    if iso.any():
        parsed = pd.to_datetime(u[iso_s], format="ISO8601", errors="coerce", utc=True)
        parsed, out = _in_ns_range(parsed.dt.tz_localize(None))
        vals[iso] = parsed.to_numpy(dtype="datetime64[ns]")
        far[iso] = out
    rest = np.isnat(vals)
    for fmt in _DAY_FIRST:
        todo = np.isnat(vals) & ~iso & ~far
        if not todo.any():
            break
        parsed, out = _in_ns_range(pd.to_datetime(u[todo], format=fmt, errors="coerce"))
        vals[todo] = parsed.to_numpy(dtype="datetime64[ns]")
        far[todo] = far[todo] | out
    rule = np.full(len(u), np.nan, dtype=object)
    rule[rest & ~np.isnat(vals)] = "date_format"
    rule[np.isnat(vals)] = "unparseable"
    rule[far] = "date_out_of_range"
    vals = pd.Series(vals, index=u.index)
    rule = pd.Series(rule, index=u.index, dtype=object)
    present = idx >= 0
    take = np.where(present, idx, 0)
    if len(u):
        out = pd.Series(vals.to_numpy()[take], index=text.index).where(present)
        out_rule = pd.Series(rule.to_numpy(dtype=object)[take], index=text.index).where(present)
    else:
        out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        out_rule = pd.Series(np.nan, index=text.index, dtype=object)
    return out.astype("datetime64[ns]"), out_rule


_NS_MIN, _NS_MAX = pd.Timestamp.min.ceil("s"), pd.Timestamp.max.floor("s")


def _in_ns_range(parsed: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``datetime64[ns]`` values, with dates it cannot hold (before 1677-09-22 or after
    2262-04-11, e.g. ``0001-01-01`` or ``2999-01-01``) missing, and a mask of those."""
    far = parsed.notna() & ((parsed < _NS_MIN) | (parsed > _NS_MAX))
    return parsed.where(~far).astype("datetime64[ns]"), far.to_numpy(dtype=bool)


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

    Length: one short branch per codebook type, all working on the distinct strings of the column.

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
    variables_by_name = {v.name: v for v in variables}
    out: dict[str, pd.Series] = {}
    logs: list[pd.DataFrame] = []
    stats: list[dict[str, Any]] = []
    reject = pd.Series(pd.NA, index=frame.index, dtype="object")
    reject_detail = pd.Series(pd.NA, index=frame.index, dtype="object")
    # rupiah text is parsed for all rupiah columns at once (one pass over their distinct
    # strings: the parse of a string does not depend on its column)
    pairs: dict[str, tuple[np.ndarray, pd.Series]] = {}
    for v in variables:
        if v.type == "rupiah":
            pairs[v.name] = given[v.name] if v.name in given else factorize_strings(frame[v.name])
    rupiah = _parse_rupiah_columns(
        {
            name: u.where(~_missing_codes(u, variables_by_name[name]))
            for name, u in ((n, _blank(pair[1])) for n, pair in pairs.items())
        }
        if pairs
        else {}
    )
    for v in variables:
        # every type works on the distinct strings of the column, then maps back to the rows
        if v.name in pairs:
            idx, uniq = pairs.pop(v.name)
        else:
            idx, uniq = given[v.name] if v.name in given else factorize_strings(frame[v.name])
        assert len(idx) == n
        fill = np.where(idx >= 0, idx, len(uniq))
        old = _RawText(uniq, idx)  # raw text as logged

        def rows(mask_u: np.ndarray, fill: np.ndarray = fill) -> np.ndarray:
            return np.append(np.asarray(mask_u, dtype=bool), False)[fill]

        def values_of(values_u: pd.Series, idx: np.ndarray = idx) -> pd.Series:
            return pd.Series(values_u.array.take(idx, allow_fill=True), index=frame.index)

        def coded(values_u: Any, idx: np.ndarray = idx) -> _Coded:
            text = values_u if isinstance(values_u, np.ndarray) else _fmt(values_u).to_numpy()
            return _Coded(np.append(np.asarray(text, dtype=object), "NA"), idx)

        counts = np.bincount(idx[idx >= 0], minlength=len(uniq))
        if v.type == "category":
            values_u, rules_u = _decode_unique(uniq.tolist(), v, cb, counts=counts)
            stats.append(
                _unreadable_row(
                    v, uniq, counts,
                    blank_or_missing=np.array([r == "missing_code" for r in rules_u], dtype=bool)
                    | _blank_few(uniq),
                    bad=np.array([r == "unreadable" for r in rules_u], dtype=bool),
                )
            )  # fmt: skip
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
        if v.type == "multiple":  # select_multiple: space-separated codes, names or labels
            u_values, u_rules = decode_multiple(uniq.tolist(), v, cb)
            out[v.name] = values_of(pd.Series(u_values, dtype="string"))
            rule = np.array(u_rules + [None], dtype=object)
            changed = pd.notna(rule)[fill]
            if changed.any():
                new = coded(np.array([x if x is not None else "NA" for x in u_values], object))
                logs.append(_entries(changed, v.name, old, new, _Coded(rule, idx)))
            stats.append(
                _unreadable_row(
                    v, uniq, counts,
                    blank_or_missing=np.array([r == "missing_code" for r in u_rules], dtype=bool)
                    | _blank_few(uniq),
                    bad=np.array([r == "unreadable" for r in u_rules], dtype=bool),
                )
            )  # fmt: skip
            continue
        if v.type in ("string", "integer", "number", "rupiah", "date", "datetime"):
            u = _blank(uniq)
            u_miss = _missing_codes(u, v)
            u_skip = u_miss | u.isna().to_numpy(dtype=bool)
            u = u.where(~u_miss)
            miss = rows(u_miss)
            if miss.any():
                logs.append(_entries(miss, v.name, old, "NA", "missing_code"))
            if v.type == "string":
                out[v.name] = values_of(u).astype("string")
                stats.append(_unreadable_row(v, uniq, counts, u_skip, np.zeros(len(u), bool)))
            elif v.type in ("integer", "number"):
                u_values, u_bad = parse_numbers(u, integer=v.type == "integer")
                bad = rows(u_bad)
                logs.append(_entries(bad, v.name, old, "NA", "unparseable", "not a number"))
                out[v.name] = values_of(u_values.astype(processed_dtype(v, cb)))
                stats.append(_unreadable_row(v, uniq, counts, u_skip, _text_bad(u, u_bad)))
            elif v.type == "rupiah":
                r = rupiah[v.name]
                u_bad = ~r.ok.to_numpy(dtype=bool)
                u_fixed = u.notna().to_numpy(dtype=bool) & ~r.plain.to_numpy(dtype=bool) & ~u_bad
                logs.append(_entries(rows(u_bad), v.name, old, "NA", "unparseable",
                                     "not a rupiah amount"))  # fmt: skip
                fixed = rows(u_fixed)
                if fixed.any():
                    logs.append(_entries(fixed, v.name, old, coded(r.value), "rupiah_parse"))
                out[v.name] = values_of(r.value)
                stats.append(_unreadable_row(v, uniq, counts, u_skip, u_bad & ~u_skip))
            else:
                u_values, u_rule = parse_dates(u)
                if v.type == "date":
                    u_values, u_rule = _study_window(u_values, u_rule)
                rule_u = np.append(u_rule.to_numpy(dtype=object), None)
                changed = pd.notna(rule_u)[fill]
                if changed.any():
                    new = coded(u_values)
                    logs.append(_entries(changed, v.name, old, new, _Coded(rule_u, idx)))
                out[v.name] = values_of(u_values)
                u_bad = (u_rule.to_numpy(dtype=object) == "unparseable") & ~u_skip
                stats.append(_unreadable_row(v, uniq, counts, u_skip, u_bad))
        elif v.type == "district":
            raw = frame[v.name] if v.name in frame.columns else values_of(uniq)
            by_code = _district_labels()
            u_code = uniq.str.strip().isin(list(by_code)).fillna(False).to_numpy(dtype=bool)
            if u_code.any():  # the form's choice name is the BPS code: read as the district
                u_text = uniq.astype(object).where(~u_code, uniq.str.strip().map(by_code))
                raw = values_of(pd.Series(u_text, dtype=pd.StringDtype("pyarrow")))
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
            stats.append(_district_unreadable(v, frame.index, idx, uniq, counts, bad))
        else:  # pragma: no cover - the codebook test guards the set of types
            raise ValueError(f"unknown codebook type {v.type!r} for {v.name}")
    logs = [x for x in logs if len(x)]
    log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=LOG_FIELDS)
    typed = pd.DataFrame(out, index=frame.index) if out else pd.DataFrame(index=frame.index)
    assert len(typed) == n
    unreadable = pd.DataFrame(stats, columns=UNREADABLE_FIELDS)
    return Normalised(
        frame=typed, log=log, reject=reject, reject_detail=reject_detail, unreadable=unreadable
    )


def _parse_rupiah_columns(columns: dict[str, pd.Series]) -> dict[str, RupiahParse]:
    """:func:`~jbp_analysis.clean.rupiah.parse_rupiah` of several columns in one call.

    Examples
    --------
    >>> r = _parse_rupiah_columns({"a": pd.Series(["1,5 juta"]), "b": pd.Series(["x", "7"])})
    >>> r["a"].value.tolist(), r["b"].value.tolist(), r["b"].ok.tolist()
    ([1500000], [<NA>, 7], [False, True])
    """
    if not columns:
        return {}
    parts = list(columns.items())
    both = parse_rupiah(pd.concat([u for _, u in parts], ignore_index=True))
    out, start = {}, 0
    for name, u in parts:
        at = slice(start, start + len(u))
        start += len(u)
        out[name] = RupiahParse(
            value=both.value.iloc[at].set_axis(u.index),
            ok=both.ok.iloc[at].set_axis(u.index),
            plain=both.plain.iloc[at].set_axis(u.index),
        )
    return out


def _district_labels() -> dict[str, str]:
    """``{BPS code: district label}`` of the study's districts table."""
    from jbp_analysis.study.reference import districts

    d = districts()
    return dict(zip(d["bps_code"].astype(str), d["label"].astype(str), strict=True))


# ---------------------------------------------------------------------------------- unreadable
def _blank_few(uniq: pd.Series) -> np.ndarray:
    """Blank (empty or spaces) distinct values of a coded column (a handful: plain Python)."""
    return np.array([str(u).strip() == "" for u in uniq.tolist()], dtype=bool)


def _text_bad(u: pd.Series, u_bad: np.ndarray) -> np.ndarray:
    """Unparseable numbers that are text, not a fraction in an integer column (out of range)."""
    looks_numeric = u.str.match(r"^[+-]?\d+([.,]\d+)?$").fillna(False).to_numpy(dtype=bool)
    return np.asarray(u_bad, dtype=bool) & ~looks_numeric


def _unreadable_row(
    v: Variable, uniq: pd.Series, counts: np.ndarray, blank_or_missing: np.ndarray, bad: np.ndarray
) -> dict[str, Any]:
    """Per-column accounting of unreadable cells from the distinct values and their counts."""
    counts = np.asarray(counts, dtype=np.int64)
    skip = np.asarray(blank_or_missing, dtype=bool)
    bad = np.asarray(bad, dtype=bool) & ~skip
    non_blank = int(counts[~skip].sum())
    n_bad = int(counts[bad].sum())
    top: list[tuple[str, int]] = []
    if n_bad:
        pos = np.flatnonzero(bad)
        order = pos[np.lexsort((pos, -counts[pos]))][:TOP_UNREADABLE]
        text = uniq.to_numpy(dtype=object)
        top = [(str(text[i]), int(counts[i])) for i in order]
    return {
        "column": v.name,
        "type": v.type,
        "codes": v.codes,
        "non_blank": non_blank,
        "unreadable": n_bad,
        "share": n_bad / non_blank if non_blank else 0.0,
        "values": top,
    }


def _district_unreadable(
    v: Variable,
    index: pd.Index,
    idx: np.ndarray,
    uniq: pd.Series,
    counts: np.ndarray,
    bad_rows: np.ndarray,
) -> dict[str, Any]:
    """District names that match no district (rows rejected) count as unreadable."""
    present = idx >= 0
    bad_u = np.zeros(len(uniq), dtype=bool)
    bad_u[np.unique(idx[present & np.asarray(bad_rows, dtype=bool)])] = True
    blank = _blank(uniq).isna().to_numpy(dtype=bool)
    return _unreadable_row(v, uniq, counts, blank, bad_u)
