"""District names as typed in the field -> four-digit BPS codes (fuzzy, vectorised).

Matching works on the distinct spellings only (a survey has a few hundred at most), then maps
back to the rows. A spelling is normalised (case, punctuation, spaces), its administrative prefix
is read (``Kabupaten``/``Kab.``/``Kab``, ``Kota``/``Kodya``, or ``regency``/``city`` after the
name; a one-letter typo in ``kabupaten`` is tolerated), and the rest is compared with the 35
reference names by optimal-string-alignment edit distance (Levenshtein 1966 with adjacent
transpositions, Damerau 1964). A name matches when it is at most ``max_edits`` edits away (one
edit, two for names of eight letters or more); the nearest match wins, and a tie (a bare
``Semarang``, or ``Pemarang``, one edit from both Pemalang and Semarang) is resolved by a
per-row hint, the BPS code of the row's group, when the hint is one of the tied candidates.
What cannot be resolved is returned with status ``"ambiguous"`` or ``"unmatched"`` and a
suggestion, never guessed.

Examples
--------
>>> import pandas as pd
>>> m = match_districts(pd.Series(["Kab. Semarang", "KOTA SALATIGA", "Kab. Semarnag", "Semarang",
...                                "Semarang", "Jakarta"]),
...                     hint=pd.Series([None, None, None, "3374", None, None]))
>>> m.code.tolist()
['3322', '3373', '3322', '3374', <NA>, <NA>]
>>> m.status.tolist()
['label', 'normalised', 'fuzzy', 'hint', 'ambiguous', 'unmatched']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA

from jbp_analysis.study.reference import districts

__all__ = ["DistrictMatch", "match_districts", "STATUSES"]

STATUSES = ("label", "normalised", "fuzzy", "hint", "ambiguous", "unmatched", "missing")
_KAB_WORDS = {"kab", "kabupaten", "kabupatan", "regency"}
_KOTA_WORDS = {"kota", "kodya", "kotamadya", "city", "kot"}
_ALIASES = {"solo": "surakarta"}  # common names of a city that differ from its official name


@dataclass(frozen=True)
class DistrictMatch:
    """Result of :func:`match_districts`, aligned with the input.

    Attributes
    ----------
    code
        BPS code (string) or missing.
    status
        One of :data:`STATUSES`: ``label`` (the reference label exactly, e.g. ``Kab. Semarang``),
        ``normalised`` (same words, other case/punctuation/prefix form), ``fuzzy`` (typos),
        ``hint`` (a tie resolved by the row's group code), ``ambiguous``, ``unmatched``,
        ``missing`` (blank input).
    suggestion
        For ambiguous/unmatched: the nearest reference label(s), e.g. ``"Kab. Semarang (3322)"``.
    """

    code: pd.Series
    status: pd.Series
    suggestion: pd.Series

    def tidy(self) -> pd.DataFrame:
        """The three columns as one DataFrame."""
        return pd.DataFrame(
            {"code": self.code, "status": self.status, "suggestion": self.suggestion}
        )


@lru_cache(maxsize=1)
def _reference() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    d = districts()
    return (
        d["bps_code"].to_numpy(dtype=object),
        d["name"].str.lower().to_numpy(dtype=object),
        d["type"].to_numpy(dtype=object),
        (d["label"] + " (" + d["bps_code"] + ")").to_numpy(dtype=object),
    )


def _allowed_edits(names: np.ndarray) -> np.ndarray:
    lengths = np.array([len(n) for n in names])
    return np.where(lengths >= 8, 2, 1)


def match_districts(
    text: pd.Series,
    *,
    hint: pd.Series | None = None,
) -> DistrictMatch:
    """Match district spellings to BPS codes.

    Length: one vectorised pipeline over the distinct spellings (normalise, prefixes and suffixes,
    edit distance, ties, hints) whose arrays are all indexed by distinct spelling.

    Parameters
    ----------
    text
        District names as typed (strings; missing allowed).
    hint
        Optional BPS code per row (e.g. from the group assignment) used only to break ties.

    Returns
    -------
    DistrictMatch

    Examples
    --------
    >>> import pandas as pd
    >>> match_districts(pd.Series(["kab  pati", "Pato", "xyz"])).code.tolist()
    ['3318', '3318', <NA>]
    """
    codes_ref, names_ref, types_ref, labels_ref = _reference()
    labels_plain = np.array([lab.rsplit(" (", 1)[0] for lab in labels_ref], dtype=object)
    row_idx, uniques = pd.factorize(pd.Series(text, dtype="object"), use_na_sentinel=True)
    u = pd.Series(uniques, dtype="object").astype("string")
    n_u = len(u)

    norm = u.str.strip().str.lower().str.replace(r"[^a-z]+", " ", regex=True).str.strip()
    split = norm.str.extract(r"^(?P<first>\S+)\s*(?P<rest>.*)$")
    first = split["first"].fillna("")
    last = norm.str.extract(r"(?P<last>\S+)$")["last"].fillna("")
    kind = pd.Series(pd.NA, index=u.index, dtype="object")
    name = norm.copy()
    is_kab = first.isin(_KAB_WORDS - {"regency"})
    if n_u:
        kab_typo = pd.Series(
            process.cdist(first.tolist(), ["kabupaten"], scorer=OSA.distance)[:, 0] <= 1,
            index=u.index,
        )
        is_kab |= kab_typo & (first.str.len() >= 7)
    is_kota = first.isin(_KOTA_WORDS - {"city"}) & ~is_kab
    kind[is_kab] = "Kabupaten"
    kind[is_kota] = "Kota"
    name[is_kab | is_kota] = split["rest"][is_kab | is_kota]
    suffix_kab = last.eq("regency") & kind.isna()
    suffix_kota = last.eq("city") & kind.isna()
    kind[suffix_kab] = "Kabupaten"
    kind[suffix_kota] = "Kota"
    name[suffix_kab | suffix_kota] = norm[suffix_kab | suffix_kota].str.replace(
        r"\s*\S+$", "", regex=True
    )
    name = name.fillna("").str.replace(" ", "", regex=False).replace(_ALIASES)

    u_code = np.full(n_u, None, dtype=object)
    u_status = np.full(n_u, "unmatched", dtype=object)
    u_sugg = np.full(n_u, None, dtype=object)
    u_cands: list[tuple[int, str]] = []
    if n_u:
        dist = process.cdist(name.tolist(), list(names_ref), scorer=OSA.distance).astype(np.int64)
        allowed = dist <= _allowed_edits(names_ref)[None, :]
        kind_arr = kind.fillna("").to_numpy(dtype=object)[:, None]
        type_ok = (kind_arr == "") | (kind_arr == types_ref[None, :].astype(object))
        cand = allowed & type_ok
        # a prefix that contradicts the only matching name ("Kab. Surakarta") is not fatal
        retry = ~cand.any(axis=1)
        cand[retry] = allowed[retry]
        big = np.where(cand, dist, 10_000)
        best = big.min(axis=1, keepdims=True)
        winners = cand & (big == best)
        n_win = winners.sum(axis=1)
        one = n_win == 1
        u_code[one] = codes_ref[winners[one].argmax(axis=1)]
        exact_name = best[:, 0] == 0
        u_status[one & exact_name] = "normalised"
        u_status[one & ~exact_name] = "fuzzy"
        is_label = u.isin(labels_plain).to_numpy(dtype=bool)  # exactly, spaces included
        u_status[one & is_label] = "label"
        many = n_win > 1
        u_status[many] = "ambiguous"
        for j in np.flatnonzero(many):  # loop over ambiguous distinct spellings (a handful)
            hits = np.flatnonzero(winners[j])
            u_sugg[j] = " or ".join(labels_ref[hits])
            u_cands.extend((int(j), codes_ref[h]) for h in hits)
        blank = name.eq("").to_numpy(dtype=bool) & ~(is_kab | is_kota).to_numpy(dtype=bool)
        u_status[blank] = "missing"
        none = (n_win == 0) & ~blank
        if none.any():
            nearest = dist[none].argmin(axis=1)
            u_sugg[none] = "did you mean " + labels_ref[nearest] + "?"

    take = np.where(row_idx >= 0, row_idx, 0)
    present = row_idx >= 0
    code = pd.Series(np.where(present, u_code[take] if n_u else None, None), index=text.index)
    status = pd.Series(np.where(present, u_status[take] if n_u else "missing", "missing"))
    status.index = text.index
    sugg = pd.Series(np.where(present, u_sugg[take] if n_u else None, None), index=text.index)

    if hint is not None and u_cands:
        cands = pd.DataFrame(u_cands, columns=["u", "code"])
        rows = pd.DataFrame(
            {
                "u": row_idx,
                "code": pd.Series(hint, dtype="object").to_numpy(),
                "pos": np.arange(len(text)),
            }
        )
        rows = rows[status.to_numpy() == "ambiguous"]
        hit = rows.merge(cands, on=["u", "code"], how="inner")
        code.iloc[hit["pos"].to_numpy()] = hit["code"].to_numpy()
        status.iloc[hit["pos"].to_numpy()] = "hint"
        sugg.iloc[hit["pos"].to_numpy()] = None

    return DistrictMatch(
        code=code.astype("string"),
        status=status.astype("string"),
        suggestion=sugg.astype("string"),
    )
