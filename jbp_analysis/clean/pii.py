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

__all__ = [
    "PIIScanner",
    "summarise",
    "mask_outputs",
    "mask_json_lines",
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


def _norm(value: str) -> str:
    return _SQUEEZE.sub("", str(value)).casefold()


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
        self.known: dict[str, str] = {}
        for kind, values in (("phone", phones), ("nik", niks), ("name", names)):
            for v in values:
                if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                    continue
                n = _norm(v)
                if len(n) >= 4:  # a one- or three-letter "name" would mask ordinary words
                    self.known[n] = kind

    @classmethod
    def from_frames(cls, frames: Iterable[pd.DataFrame], *, key: bytes) -> PIIScanner:
        """The roster from raw frames holding ``name``, ``nik`` and/or ``phone`` columns."""
        acc: dict[str, list] = {"name": [], "nik": [], "phone": []}
        for f in frames:
            for col in acc:
                if col in f.columns:
                    acc[col].extend(pd.unique(f[col].dropna().astype(str)).tolist())
        return cls(names=acc["name"], niks=acc["nik"], phones=acc["phone"], key=key)

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
                out = out.copy() if out is frame else out
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
            idx, uniq = pd.factorize(s.astype(object), use_na_sentinel=True)
            if not len(uniq):
                continue
            kinds = np.array([self.kind_of(u) if isinstance(u, str) else None for u in uniq])
            flagged = np.flatnonzero(kinds != None)  # noqa: E711 - object array
            if not len(flagged):
                continue
            pos = np.flatnonzero(np.isin(idx, flagged))
            tokens = np.array(
                [self.token(u, k) if k else u for u, k in zip(uniq, kinds, strict=True)],
                dtype=object,
            )
            values = s.astype(object).to_numpy(copy=True)
            values[pos] = tokens[idx[pos]]
            out = out.copy() if out is frame else out
            out[col] = pd.Series(values, index=s.index).astype(s.dtype)
            hits.append(
                pd.DataFrame(
                    {"table": table, "column": col, "position": pos, "kind": kinds[idx[pos]]}
                )
            )
        found = pd.concat(hits, ignore_index=True) if hits else pd.DataFrame(columns=HIT_COLUMNS)
        return out, found


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
    hits = []
    cache: dict[str, tuple[str, list[str]]] = {}
    for i, text in enumerate(out):
        if not isinstance(text, str) or not text.startswith("{"):
            continue
        if text not in cache:
            try:
                obj = json.loads(text)
            except ValueError:
                cache[text] = (text, [])
                continue
            kinds = []
            if isinstance(obj, dict):
                for k, v in obj.items():
                    kind = scanner.kind_of(v) if isinstance(v, str) else None
                    if kind:
                        obj[k] = scanner.token(v, kind)
                        kinds.append(kind)
            new = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) if kinds else text
            cache[text] = (new, kinds)
        new, kinds = cache[text]
        out[i] = new
        hits += [{"table": table, "column": column, "position": i, "kind": k} for k in kinds]
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
                masked = masked.copy() if masked is frame else masked
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
