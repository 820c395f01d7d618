"""Personal data outside its columns: found and masked before anything is written.

Names, NIKs and phone numbers live in the PII columns, which never leave ``data/raw``. But field
teams type them elsewhere too: a respondent's name into ``kode_enumerator``, a NIK into
``id_rumah_tangga``, a phone number into a comment. :class:`PIIScanner` looks at every text cell
of every output table (except the PII columns themselves and the keyed respondent key) and masks
a cell that

* equals a name, NIK or phone number of the roster read from the same raw files (compared
  without case, spaces, dots or dashes), or
* holds something shaped like a NIK (16 digits, optionally grouped) or an Indonesian mobile
  number (``08…``, ``+628…``, ``628…``, 10-14 digits).

A masked cell becomes ``[pii:<kind>:<8 hex>]``: the 8 hex digits are a keyed hash (HMAC-SHA256
under the project secret) of the value, so equal values stay equal (a household id typed as a
NIK still groups its members) while the value itself cannot be recovered. Each masking is
logged without the value (file, row, column, kind) and counted per table and column in the
quality report.

The same scanner guards the other ways a raw value leaves ``data/raw``: the values the quality
report quotes (:func:`mask_values`, :func:`mask_unreadable`, :func:`mask_report`: unreadable
values, enumerator codes of duplicate submissions, unknown headers) and every line of text the
run prints or raises (:meth:`PIIScanner.mask_text`, :func:`mask_error`: the run summary, error
messages, ``jbp check``).

Examples
--------
>>> import pandas as pd
>>> scan = PIIScanner(names=["Siti Rahayu"], niks=[], phones=[], key=b"k" * 16)
>>> df = pd.DataFrame({"enumerator_id": ["E01", "siti  rahayu", "call 0812-3456-7890"]})
>>> out, hits = scan.mask(df, table="panel")
>>> out["enumerator_id"].str.slice(0, 10).tolist(), hits["kind"].tolist()
(['E01', '[pii:name:', '[pii:phone'], ['name', 'phone'])
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "PIIScanner",
    "summarise",
    "mask_outputs",
    "mask_json_lines",
    "mask_values",
    "mask_unreadable",
    "mask_report",
    "mask_error",
    "NIK_PATTERN",
    "PHONE_PATTERN",
    "HIT_COLUMNS",
]

#: 16 digits, contiguous or grouped 4-4-4-4 or 6-6-4 (region, birth date, serial) by spaces,
#: dots or dashes, and not part of a longer token (a UUID's digit runs do not match).
NIK_PATTERN = (
    r"(?<![0-9A-Za-z\-])(?:\d{16}|\d{4}([ .\-])\d{4}\1\d{4}\1\d{4}|\d{6}([ .\-])\d{6}\2\d{4})"
    r"(?![0-9A-Za-z]|[ .\-][0-9A-Za-z])"
)
#: An Indonesian mobile number: 08…, +628… or 628…, 10-14 digits, optionally grouped.
PHONE_PATTERN = (
    r"(?<![0-9A-Za-z\-])(?:\+62|62|0)[ .\-]?8(?:[ .\-]?\d){7,11}(?![0-9A-Za-z]|[.\-][0-9A-Za-z])"
)
HIT_COLUMNS = ["table", "column", "position", "kind"]
_NIK_RE = re.compile(NIK_PATTERN)
_PHONE_RE = re.compile(PHONE_PATTERN)
_SQUEEZE = re.compile(r"[\s.\-]+")


#: the ASCII characters :data:`_SQUEEZE` removes, other than space, ``-`` and ``.`` (RE2's
#: ``\\s`` lacks ``\\v`` and ``\\x1c-\\x1f``, so they are listed)
_RARE_SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f]"
#: :data:`NIK_PATTERN` or :data:`PHONE_PATTERN` without their look-arounds and back-references
#: (which RE2 lacks): ASCII text this does not match cannot match either pattern
_MAYBE_NIK_OR_PHONE = (
    r"[0-9]{16}|[0-9]{4}[ .\-][0-9]{4}[ .\-][0-9]{4}[ .\-][0-9]{4}"
    r"|[0-9]{6}[ .\-][0-9]{6}[ .\-][0-9]{4}|(?:\+62|62|0)[ .\-]?8(?:[ .\-]?[0-9]){7}"
)
_KINDS = ("phone", "nik", "name")  # a later kind wins a value that is several
#: a word of free text (:meth:`PIIScanner.mask_text`): a run of characters other than spaces,
#: quotes, brackets and punctuation that separates values in messages
_WORD = re.compile(r"[^\s'\"`,;:()\[\]{}<>|=]+")
#: the most words a roster value spans in free text ("Siti Nur Rahayu Putri Ayu")
_MAX_WORDS = 6


def _norm(value: str) -> str:
    return _SQUEEZE.sub("", str(value)).casefold()


def _norm_all(values: pa.Array) -> pa.Array:
    """:func:`_norm` of every string of ``values`` (no nulls): Arrow compute for ASCII text
    (casefold is lower case there), Python for the rest.

    Examples
    --------
    >>> _norm_all(pa.array(["Siti  Rahayu", "0812-34", "ÉLISE Straße"])).to_pylist()
    ['sitirahayu', '081234', 'élisestrasse']
    """
    values = values.cast(pa.string()) if values.type != pa.string() else values
    fast = _norm_ascii(values)
    ascii_only = pc.string_is_ascii(values).to_numpy(zero_copy_only=False)
    if ascii_only.all():
        return fast
    other = np.flatnonzero(~ascii_only)
    text = fast.to_numpy(zero_copy_only=False).copy()
    text[other] = [_norm(v) for v in values.take(pa.array(other)).to_pylist()]
    return pa.array(text, type=pa.string())


def _norm_ascii(values: pa.Array) -> pa.Array:
    """:func:`_norm` of ASCII strings in Arrow: the separators removed, lower case (plain
    substring removal for space, ``-`` and ``.``; a regular expression only for the strings
    holding another space character)."""
    out = values
    if not len(out):
        return out
    for ch in (" ", "-", "."):
        if pc.any(pc.match_substring(out, ch)).as_py():
            out = pc.replace_substring(out, ch, "")
    rare = pc.match_substring_regex(out, _RARE_SPACE)
    if pc.any(rare).as_py():
        fixed = pc.replace_substring_regex(out.filter(rare), _RARE_SPACE + "+", "")
        out = pc.replace_with_mask(out, rare, fixed)
    return pc.ascii_lower(out)


def _as_strings(values: Iterable) -> pa.Array:
    """The present values of ``values`` as strings (``None``, ``pd.NA`` and NaN skipped)."""
    if isinstance(values, pa.Array | pa.ChunkedArray) and pa.types.is_string(values.type):
        return pc.drop_null(
            values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        )
    kept = [
        str(v)
        for v in values
        if not (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)))
    ]
    return pa.array(kept, type=pa.string())


class PIIScanner:
    """Masks roster names, NIKs and phone numbers found in text cells of output tables.

    Parameters
    ----------
    names, niks, phones
        The roster's values, as read from the raw files' PII columns.
    key
        Key for the masked tokens' hash (the project secret).
    """

    def __init__(
        self,
        *,
        names: Iterable[str],
        niks: Iterable[str],
        phones: Iterable[str],
        key: bytes,
    ) -> None:
        self.key = bytes(key)
        given = {"phone": phones, "nik": niks, "name": names}
        keys, kinds = [], []
        for i, kind in enumerate(_KINDS):
            n = _norm_all(_as_strings(given[kind]))
            # a one- or three-letter "name" would mask ordinary words
            n = n.filter(pc.greater_equal(pc.utf8_length(n), 4))
            keys.append(n)
            kinds.append(np.full(len(n), i, dtype=np.int8))
        table = pd.DataFrame(
            {
                "key": pd.arrays.ArrowStringArray(pa.chunked_array(keys, type=pa.string())),
                "kind": np.concatenate(kinds),
            }
        ).drop_duplicates("key", keep="last")  # a value that is several kinds: the later kind
        #: the roster's normalised values (distinct) and the kind of each
        self._keys = pa.array(table["key"].array)
        self._kinds = np.array(_KINDS, dtype=object)[table["kind"].to_numpy()]
        self._known: dict[str, str] | None = None
        self._lookup: pd.Index | None = None

    @property
    def known(self) -> dict[str, str]:
        """``{normalised value: kind}`` of the roster."""
        if self._known is None:
            self._known = dict(zip(self._keys.to_pylist(), self._kinds.tolist(), strict=True))
        return self._known

    @classmethod
    def from_frames(cls, frames: Iterable[pd.DataFrame], *, key: bytes) -> PIIScanner:
        """The roster from raw frames holding ``name``, ``nik`` and/or ``phone`` columns."""
        return cls.from_roster_values([cls.roster_values(f) for f in frames], key=key)

    @staticmethod
    def roster_values(frame: pd.DataFrame) -> dict[str, pa.Array]:
        """The distinct names, NIKs and phone numbers of one raw frame (those of its ``name``,
        ``nik`` and ``phone`` columns): all the roster needs from it, so that the frame itself
        can be released early."""
        return {c: _distinct_text(frame[c]) for c in ("name", "nik", "phone") if c in frame}

    @classmethod
    def from_roster_values(cls, parts: Iterable[dict[str, pa.Array]], *, key: bytes) -> PIIScanner:
        """The roster from :meth:`roster_values` of each raw frame (same as
        :meth:`from_frames` of the frames, in the same order)."""
        acc: dict[str, list] = {"name": [], "nik": [], "phone": []}
        for part in parts:
            for col in acc:
                if col in part:
                    acc[col].append(part[col])
        return cls(
            **{f"{c}s": pa.chunked_array(a, type=pa.string()) for c, a in acc.items()}, key=key
        )

    def kinds(self, values: pa.Array) -> np.ndarray:
        """:meth:`kind_of` of every string of ``values`` (no nulls), vectorised.

        The roster lookup runs in Arrow for ASCII text; the patterns are tried (in Python) only
        on text that is not ASCII or that a simpler pattern (RE2, in Arrow) says may hold a NIK
        or a phone number.

        Examples
        --------
        >>> scan = PIIScanner(names=["Siti Rahayu"], niks=[], phones=[], key=b"k" * 16)
        >>> scan.kinds(pa.array(["E01", "siti  rahayu", "0812-3456-7890"])).tolist()
        [None, 'name', 'phone']
        """
        values = values.cast(pa.string()) if values.type != pa.string() else values
        out = np.full(len(values), None, dtype=object)
        if not len(values):
            return out
        ascii_only = pc.string_is_ascii(values).to_numpy(zero_copy_only=False)
        if self._lookup is None:  # the roster's hash table, built once for every column
            self._lookup = pd.Index(self._keys.to_numpy(zero_copy_only=False), dtype=object)
        at = self._lookup.get_indexer(_norm_ascii(values).to_numpy(zero_copy_only=False))
        found = ascii_only & (at >= 0)
        out[found] = self._kinds[at[found]]
        maybe = pc.match_substring_regex(values, _MAYBE_NIK_OR_PHONE).to_numpy(zero_copy_only=False)
        slow = np.flatnonzero(~ascii_only | (~found & maybe))
        if len(slow):
            text = values.take(pa.array(slow)).to_pylist()
            out[slow] = np.array([self.kind_of(v) for v in text] + [None], dtype=object)[:-1]
        return out

    def kinds_of_list(self, values: list[str]) -> np.ndarray:
        """:meth:`kinds` of Python strings (one by one if Arrow cannot hold them: a lone
        surrogate is not UTF-8)."""
        try:
            text = pa.array(values, type=pa.string())
        except (pa.ArrowException, UnicodeError):
            return np.array([self.kind_of(v) for v in values] + [None], dtype=object)[:-1]
        return self.kinds(text)

    def kind_of(self, value: str) -> str | None:
        """``"name"``, ``"nik"``, ``"phone"`` or ``None`` for one value."""
        text = str(value)
        known = self.known.get(_norm(text))
        if known is not None:
            return known
        if _NIK_RE.search(text):
            return "nik"
        if _PHONE_RE.search(text):
            return "phone"
        return None

    def _unique_kinds(self, s: pd.Series) -> tuple[np.ndarray, pa.Array | np.ndarray, np.ndarray]:
        """Row codes (-1 = missing), the distinct values (an Arrow array for a string column)
        and the kind of each (``None`` for a value that is not text or not personal data) of a
        text column."""
        if isinstance(s.dtype, pd.StringDtype):
            idx, uniq = pd.factorize(s, use_na_sentinel=True)
            text = pa.array(uniq, type=pa.string())
            return np.asarray(idx), text, self.kinds(text)
        idx, uniq = pd.factorize(s.astype(object), use_na_sentinel=True)
        uniq = np.asarray(uniq, dtype=object)
        kinds = np.full(len(uniq), None, dtype=object)
        is_text = np.array([isinstance(u, str) for u in uniq], dtype=bool)
        if is_text.any():
            kinds[is_text] = self.kinds_of_list(uniq[is_text].tolist())
        return np.asarray(idx), uniq, kinds

    def mask_text(self, text: str) -> tuple[str, list[str]]:
        """Mask the roster values and NIK/phone shapes *inside* a line of free text.

        A message quotes values among other words, so the roster is looked up for every run of
        up to six consecutive words (compared as :meth:`kind_of` compares a cell); the NIK and
        phone patterns are searched in the whole text. Returns the text and the kind of each
        masked value.

        Examples
        --------
        >>> scan = PIIScanner(names=["Siti Rahayu"], niks=[], phones=[], key=b"k" * 16)
        >>> text, kinds = scan.mask_text("sex: 'SITI rahayu' (1), 'pria' (3); call 0812 3456 789")
        >>> text
        "sex: '[pii:name:f1d7f53c]' (1), 'pria' (3); call [pii:phone:e9eb79fc]"
        >>> kinds
        ['name', 'phone']
        """
        text = str(text)
        found: list[str] = []
        known = self.known
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)] if known else []
        spans: list[tuple[int, int, str]] = []
        i = 0
        while i < len(words):
            hit = None
            for j in range(min(len(words), i + _MAX_WORDS) - 1, i - 1, -1):  # longest first
                kind = known.get(_norm(text[words[i][0] : words[j][1]]))
                if kind is not None:
                    hit = (j, kind)
                    break
            if hit is None:
                i += 1
                continue
            spans.append((words[i][0], words[hit[0]][1], hit[1]))
            i = hit[0] + 1
        for start, end, kind in reversed(spans):
            text = text[:start] + self.token(text[start:end], kind) + text[end:]
            found.append(kind)
        found.reverse()
        for kind, pattern in (("nik", _NIK_RE), ("phone", _PHONE_RE)):

            def sub(m: re.Match, kind: str = kind) -> str:
                found.append(kind)
                return self.token(m.group(0), kind)

            text = pattern.sub(sub, text)
        return text, found

    def token(self, value: str, kind: str) -> str:
        digest = hmac.new(self.key, _norm(value).encode("utf-8"), hashlib.sha256).hexdigest()
        return f"[pii:{kind}:{digest[:8]}]"

    def mask(
        self, frame: pd.DataFrame, *, table: str, skip: Iterable[str] = ()
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Mask PII in the text columns of ``frame`` (except ``skip``).

        Returns the frame (a copy only if something was masked) and one row per masked cell
        (``table, column, position, kind``; never the value). Only distinct values are tested.
        """
        skip = set(skip)
        hits = []
        out = frame
        for col in frame.columns:
            if col in skip:
                continue
            s = frame[col]
            if not (
                pd.api.types.is_object_dtype(s)
                or pd.api.types.is_string_dtype(s)
                or isinstance(s.dtype, pd.CategoricalDtype)
            ):
                continue
            if isinstance(s.dtype, pd.CategoricalDtype):
                cats = list(s.cat.categories)
                kinds = [self.kind_of(c) if isinstance(c, str) else None for c in cats]
                if not any(kinds):
                    continue
                codes = s.cat.codes.to_numpy()
                bad_codes = [i for i, k in enumerate(kinds) if k]
                pos = np.flatnonzero(np.isin(codes, bad_codes))
                new = [self.token(c, k) if k else c for c, k in zip(cats, kinds, strict=True)]
                out = out.copy(deep=False) if out is frame else out  # copy-on-write
                out[col] = s.cat.rename_categories(dict(zip(cats, new, strict=True)))
                hits.append(
                    pd.DataFrame(
                        {
                            "table": table,
                            "column": col,
                            "position": pos,
                            "kind": [kinds[codes[p]] for p in pos],
                        }
                    )  # fmt: skip
                )
                continue
            idx, uniq, kinds = self._unique_kinds(s)
            flagged = np.flatnonzero(kinds != None)  # noqa: E711 - object array
            if not len(flagged):
                continue
            pos = np.flatnonzero(np.isin(idx, flagged))
            tokens = np.full(len(uniq), None, dtype=object)
            picked = (
                uniq.take(pa.array(flagged)).to_pylist()
                if isinstance(uniq, pa.Array)
                else uniq[flagged].tolist()
            )
            tokens[flagged] = [
                self.token(u, kinds[i]) for u, i in zip(picked, flagged, strict=True)
            ]
            values = s.astype(object).to_numpy(copy=True)
            values[pos] = tokens[idx[pos]]
            out = out.copy(deep=False) if out is frame else out  # copy-on-write
            out[col] = pd.Series(values, index=s.index).astype(s.dtype)
            hits.append(
                pd.DataFrame(
                    {"table": table, "column": col, "position": pos, "kind": kinds[idx[pos]]}
                )
            )
        found = pd.concat(hits, ignore_index=True) if hits else pd.DataFrame(columns=HIT_COLUMNS)
        return out, found


def _distinct_text(s: pd.Series) -> pa.Array:
    """The distinct present values of a column as strings (Arrow for a string column)."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage in ("pyarrow", "pyarrow_numpy"):
        arr = pa.array(s.array)
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        return pc.unique(pc.drop_null(arr)).cast(pa.string())
    return pa.array(pd.unique(s.dropna().astype(str)).tolist(), type=pa.string())


def summarise(hits: pd.DataFrame) -> dict[str, dict[str, int]]:
    """``{table: {column: masked cells}}`` for the quality report (no values)."""
    out: dict[str, dict[str, int]] = {}
    if len(hits):
        for (table, column), n in hits.groupby(["table", "column"], sort=True).size().items():
            out.setdefault(str(table), {})[str(column)] = int(n)
    return out


def mask_json_lines(
    scanner: PIIScanner, values: pd.Series, *, table: str, column: str
) -> tuple[pd.Series, pd.DataFrame]:
    """Mask inside a column of one-line JSON objects (the raw values of ``rejects.csv``).

    Only lines holding a masked value are re-written; the others keep their bytes.
    """
    import json

    out = values.astype(object).to_numpy(copy=True)
    lines = [t for t in dict.fromkeys(out.tolist()) if isinstance(t, str) and t.startswith("{")]
    objects: dict[str, dict] = {}
    for text in lines:  # distinct lines only
        try:
            obj = json.loads(text)
        except ValueError:
            continue
        if isinstance(obj, dict):
            objects[text] = obj
    strings = list(dict.fromkeys(v for o in objects.values() for v in o.values()
                                 if isinstance(v, str)))  # fmt: skip
    kinds = scanner.kinds_of_list(strings)
    flagged = {v: k for v, k in zip(strings, kinds, strict=True) if k}
    cache: dict[str, tuple[str, list[str]]] = {}
    for text, obj in objects.items():
        found_kinds = []
        for k, v in obj.items():
            kind = flagged.get(v) if isinstance(v, str) else None
            if kind:
                obj[k] = scanner.token(v, kind)
                found_kinds.append(kind)
        if found_kinds:
            cache[text] = (json.dumps(obj, ensure_ascii=False, separators=(",", ":")), found_kinds)
    hits = []
    if cache:
        for i, text in enumerate(out):
            if isinstance(text, str) and text in cache:
                new, found_kinds = cache[text]
                out[i] = new
                hits += [{"table": table, "column": column, "position": i, "kind": k}
                         for k in found_kinds]  # fmt: skip
    found = pd.DataFrame(hits, columns=HIT_COLUMNS) if hits else pd.DataFrame(columns=HIT_COLUMNS)
    return pd.Series(out, index=values.index).astype(values.dtype), found


def mask_outputs(
    scanner: PIIScanner,
    tables: dict[str, pd.DataFrame],
    *,
    skip: Iterable[str],
    audit=None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Mask every table in ``tables`` (name -> frame); return them and all hits.

    A column named ``values`` holding JSON lines (``rejects.csv``) is masked value by value.
    With ``audit`` (:class:`~jbp_analysis.clean.audit.Audit`), each masked cell of a table
    with ``_file``/``_row`` columns is logged (rule ``pii_masked``; the value is never written).
    """
    skip = set(skip)
    out, found = {}, []
    for name, frame in tables.items():
        json_cols = [c for c in ("values",) if c in frame.columns and name == "rejects.csv"]
        masked, hits = scanner.mask(frame, table=name, skip=skip | set(json_cols))
        for c in json_cols:
            col, h = mask_json_lines(scanner, masked[c], table=name, column=c)
            if len(h):
                masked = masked.copy(deep=False) if masked is frame else masked
                masked[c] = col
                hits = pd.concat([hits, h], ignore_index=True)
        if audit is not None and len(hits) and {"_file", "_row"} <= set(frame.columns):
            pos = hits["position"].to_numpy(dtype=np.int64)
            entries = pd.DataFrame(
                {
                    "file": frame["_file"].to_numpy()[pos],
                    "row": frame["_row"].to_numpy()[pos],
                    "column": hits["column"].to_numpy(),
                    "old": "[masked]",
                    "new": "[masked]",
                    "rule": "pii_masked",
                    "detail": "a " + hits["kind"].astype(str) + " outside the personal-data "
                    "columns (masked with a keyed hash; value not shown)",
                }
            )
            for file, e in entries.groupby("file", sort=False):
                audit.log(str(file), e.drop(columns="file").assign(row=e["row"].astype("int64")))
        out[name] = masked
        found.append(hits)
    all_hits = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=HIT_COLUMNS)
    return out, all_hits


def mask_values(
    scanner: PIIScanner, values: list, *, table: str, column: str
) -> tuple[list, pd.DataFrame]:
    """Mask a list of values (a value that is no string is kept) as :meth:`PIIScanner.mask`
    masks a cell; the hits name ``table`` and ``column``, ``position`` the list index.

    Examples
    --------
    >>> scan = PIIScanner(names=["Siti Rahayu"], niks=[], phones=[], key=b"k" * 16)
    >>> out, hits = mask_values(scan, ["E01", "Siti Rahayu", 3], table="t", column="c")
    >>> out[0], out[1][:10], out[2], hits["position"].tolist()
    ('E01', '[pii:name:', 3, [1])
    """
    out = list(values)
    pos = [i for i, v in enumerate(out) if isinstance(v, str)]
    kinds = scanner.kinds_of_list([out[i] for i in pos]) if pos else []
    hits = []
    for i, kind in zip(pos, kinds, strict=True):
        if kind:
            out[i] = scanner.token(out[i], kind)
            hits.append({"table": table, "column": column, "position": i, "kind": kind})
    return out, pd.DataFrame(hits, columns=HIT_COLUMNS)


def mask_unreadable(
    scanner: PIIScanner, table: pd.DataFrame, *, name: str = "quality.json"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mask the unreadable values quoted by an unreadable-values table
    (:func:`~jbp_analysis.clean.unreadable.unreadable_table`: its ``values`` column of
    ``(value, cells)`` pairs) before the run summary, an error message, ``jbp check`` or the
    quality report shows them. One hit per masked value (column ``unreadable``)."""
    if not len(table) or not any(len(v) for v in table["values"]):
        return table, pd.DataFrame(columns=HIT_COLUMNS)
    flat = [(r, v, n) for r, pairs in enumerate(table["values"]) for v, n in pairs]
    masked, hits = mask_values(scanner, [v for _, v, _ in flat], table=name, column="unreadable")
    if not len(hits):
        return table, hits
    rows: list[list[tuple[str, int]]] = [[] for _ in range(len(table))]
    for (r, _, n), v in zip(flat, masked, strict=True):
        rows[r].append((v, n))
    hits["position"] = [flat[i][0] for i in hits["position"]]
    return table.assign(values=rows), hits


def mask_report(
    scanner: PIIScanner, report: dict, *, name: str = "quality.json"
) -> tuple[dict, pd.DataFrame]:
    """Mask every text value of the quality report (not the keys): whatever a section quotes
    from the raw files passes the scanner before ``quality.json`` and ``quality.html`` are
    written. Hits name the section (``column``)."""
    import copy

    leaves: list[tuple[str, object, object]] = []  # (section, container, key or index)

    def walk(section: str, node: object) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, v in items:
            if isinstance(v, str):
                leaves.append((section, node, k))
            elif isinstance(v, dict | list):
                walk(section, v)

    out = copy.deepcopy(report)
    for section, node in out.items():
        if isinstance(node, dict | list):
            walk(section, node)
        elif isinstance(node, str):
            leaves.append((section, out, section))
    text = [c[k] for _, c, k in leaves]  # type: ignore[index]
    distinct = list(dict.fromkeys(text))
    kinds = dict(zip(distinct, scanner.kinds_of_list(distinct), strict=True))
    hits = []
    for i, ((section, container, key), value) in enumerate(zip(leaves, text, strict=True)):
        kind = kinds[value]
        if kind:
            container[key] = scanner.token(value, kind)  # type: ignore[index]
            hits.append({"table": name, "column": section, "position": i, "kind": kind})
    if not hits:
        return report, pd.DataFrame(columns=HIT_COLUMNS)
    return out, pd.DataFrame(hits, columns=HIT_COLUMNS)


def mask_error(scanner: PIIScanner, exc: BaseException) -> BaseException:
    """Mask the text of an error before it is shown (in place; returns ``exc``).

    A :class:`~jbp_analysis.core.errors.JBPInputError` has its problem, column and hint masked
    with :meth:`PIIScanner.mask_text`; any other error its string arguments.
    """
    from jbp_analysis.core.errors import JBPInputError

    if isinstance(exc, JBPInputError):
        exc.problem = scanner.mask_text(exc.problem)[0]
        if exc.hint:
            exc.hint = scanner.mask_text(exc.hint)[0]
        if exc.column:
            exc.column = scanner.mask_text(exc.column)[0]
        exc.args = (exc._message(),)
    else:
        exc.args = tuple(scanner.mask_text(a)[0] if isinstance(a, str) else a for a in exc.args)
    return exc
