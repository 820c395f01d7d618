"""Rupiah amounts typed as free text -> whole rupiah (vectorised).

Accepted forms (case and spaces do not matter): plain digits ``1500000``; a currency tag
``Rp``/``Rp.``/``IDR`` before the number (``Rp 1.500.000``, ``Rp1500000``); thousands grouped with
dots (Indonesian) or commas (English), optionally followed by zero cents (``1.500.000,00``) or
the "no cents" dash (``2.000.000,-``); a unit word after a decimal number: ``juta``/``jt``
(million), ``ribu``/``rb``/``k`` (thousand), ``miliar``/``milyar`` (billion), with ``,`` or ``.``
as the decimal mark (``1,5 juta``, ``1.5jt``, ``750rb``); a leading minus sign (before or after
the currency tag) for losses. With a unit, a single separator is a decimal mark (``1.250 jt`` is
1 250 000); without a unit, separators in groups of three are thousands and one or two trailing
digits are cents. Results that are not whole rupiah (``35,5``) or do not fit any form are
returned as missing and flagged, never guessed.

Examples
--------
>>> import pandas as pd
>>> s = pd.Series(["Rp 1.500.000", "1,5 juta", "750rb", "2.000.000,-", "1.5jt", "Rp1500000",
...                "-Rp 250.000", "abc", None])
>>> parse_rupiah(s).value.tolist()
[1500000, 1500000, 750000, 2000000, 1500000, 1500000, -250000, <NA>, <NA>]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["RupiahParse", "parse_rupiah", "UNITS"]

UNITS: dict[str, int] = {
    "juta": 1_000_000,
    "jt": 1_000_000,
    "ribu": 1_000,
    "rb": 1_000,
    "rbu": 1_000,
    "k": 1_000,
    "miliar": 1_000_000_000,
    "milyar": 1_000_000_000,
}
_MAX_DIGITS = 15  # 10^15 rupiah is beyond any valid range; keeps int64 arithmetic exact

_SPLIT = (
    r"^(?P<s1>-)?(?:rp\.?|idr)?(?P<s2>-)?(?P<num>\d[\d.,]*?)"
    r"(?P<dash>[.,]-)?(?P<unit>" + "|".join(sorted(UNITS, key=len, reverse=True)) + r")?\.?$"
)
# Number shapes. Without a unit: thousands groups with one separator, optional cents with the
# other one; or plain digits with optional cents. With a unit: digits with one decimal mark.
_GROUP_DOT = r"^(?P<i>\d{1,3}(?:\.\d{3})+)(?:,(?P<f>\d{1,2}))?$"
_GROUP_COMMA = r"^(?P<i>\d{1,3}(?:,\d{3})+)(?:\.(?P<f>\d{1,2}))?$"
_PLAIN = r"^(?P<i>\d+)(?:[.,](?P<f>\d{1,2}))?$"
_UNIT_DECIMAL = r"^(?P<i>\d+)(?:[.,](?P<f>\d{1,9}))?$"


@dataclass(frozen=True)
class RupiahParse:
    """Result of :func:`parse_rupiah`: parsed ``value`` (Int64) and the ``ok`` flag.

    ``ok`` is False where the input was not blank but could not be parsed into whole rupiah.
    ``plain`` is True where the input was already plain digits (no repair needed).
    """

    value: pd.Series
    ok: pd.Series
    plain: pd.Series


def parse_rupiah(text: pd.Series) -> RupiahParse:
    """Parse rupiah strings into whole rupiah, matching unique strings only.

    Parameters
    ----------
    text
        Strings (missing allowed).

    Returns
    -------
    RupiahParse
        Aligned with ``text``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = parse_rupiah(pd.Series(["1500000", "1,5 juta", "35,5"]))
    >>> r.value.tolist(), r.ok.tolist(), r.plain.tolist()
    ([1500000, 1500000, <NA>], [True, True, False], [True, False, False])
    """
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    u = pd.Series(uniques, dtype="string")
    # fast path: plain digits (most cells) need no parsing beyond the number itself
    plain_u = u.str.fullmatch(r"-?[1-9]\d{0,14}|0").fillna(False).to_numpy(dtype=bool)
    val = pd.Series(pd.NA, index=u.index, dtype="Int64")
    ok = pd.Series(True, index=u.index)
    plain = pd.Series(plain_u, index=u.index)
    if plain_u.any():
        val[plain_u] = pd.to_numeric(u[plain_u]).astype("Int64")
    if (~plain_u).any():
        v2, ok2, _ = _parse_unique(u[~plain_u])
        val[~plain_u] = v2
        ok[~plain_u] = ok2
    take = np.where(codes >= 0, codes, 0)
    present = codes >= 0
    if len(u) == 0:
        value = pd.Series(pd.array([pd.NA] * len(codes), dtype="Int64"), index=text.index)
        return RupiahParse(
            value, pd.Series(True, index=text.index), pd.Series(False, index=text.index)
        )
    value = pd.array(val.to_numpy()[take], dtype="Int64")
    value[~present] = pd.NA
    ok_all = np.where(present, ok.to_numpy(dtype=bool)[take], True)
    plain_all = np.where(present, plain.to_numpy(dtype=bool)[take], False)
    return RupiahParse(
        value=pd.Series(value, index=text.index),
        ok=pd.Series(ok_all, index=text.index),
        plain=pd.Series(plain_all, index=text.index),
    )


def _parse_unique(u: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    s = u.str.lower().str.replace(r"\s+", "", regex=True)
    plain = s.str.fullmatch(r"-?\d+").fillna(False).astype(bool) & ~s.str.match(r"-?0\d").fillna(
        False
    ).astype(bool)
    parts = s.str.extract(_SPLIT)
    num = parts["num"]
    unit = parts["unit"]
    has_unit = unit.notna()
    neg = parts["s1"].notna() & parts["s2"].isna() | parts["s1"].isna() & parts["s2"].notna()
    both_signs = parts["s1"].notna() & parts["s2"].notna()

    int_part = pd.Series(pd.NA, index=u.index, dtype="string")
    frac_part = pd.Series(pd.NA, index=u.index, dtype="string")
    for pattern, sep, use in (
        (_GROUP_DOT, ".", ~has_unit),
        (_GROUP_COMMA, ",", ~has_unit),
        (_PLAIN, None, ~has_unit),
        (_UNIT_DECIMAL, None, has_unit),
    ):
        todo = use & int_part.isna() & num.notna()
        if not todo.any():
            continue
        m = num[todo].str.extract(pattern)
        hit = m["i"].notna()
        idx = m.index[hit]
        ip = m.loc[hit, "i"]
        if sep is not None:
            ip = ip.str.replace(sep, "", regex=False)
        int_part[idx] = ip
        frac_part[idx] = m.loc[hit, "f"]
    # dash "no cents" marker only after a number without cents or unit
    bad_dash = parts["dash"].notna() & (has_unit | frac_part.notna())

    mult = unit.map(UNITS).astype("float64").fillna(1.0).to_numpy().astype(np.int64)
    frac = frac_part.fillna("")
    k = frac.str.len().fillna(0).astype(np.int64).to_numpy()
    too_long = int_part.str.len().fillna(0).astype(np.int64).to_numpy() > _MAX_DIGITS
    ip_num = pd.to_numeric(int_part.where(~too_long), errors="coerce").fillna(0).to_numpy(np.int64)
    f_num = pd.to_numeric(frac.where(frac != ""), errors="coerce").fillna(0).to_numpy(np.int64)
    scale = np.power(10, k).astype(np.int64)
    frac_value = f_num * mult
    whole = frac_value % scale == 0
    value = ip_num * mult + frac_value // scale
    value = np.where(neg.to_numpy(dtype=bool), -value, value)

    ok = (
        int_part.notna().to_numpy(dtype=bool)
        & whole
        & ~too_long
        & ~bad_dash.to_numpy(dtype=bool)
        & ~both_signs.to_numpy(dtype=bool)
    )
    val = pd.Series(pd.array(np.where(ok, value, 0), dtype="Int64"), index=u.index)
    val[~ok] = pd.NA
    return val, pd.Series(ok, index=u.index), plain
