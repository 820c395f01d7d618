"""Vectorised text building for the simulator: numbers, ids, dates and rupiah as strings.

Everything works on whole numpy arrays of :class:`numpy.dtypes.StringDType` (no Python loop over
rows). The empty string stands for a blank cell until a table is converted to Arrow.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "STR",
    "as_str",
    "int_str",
    "zpad",
    "join",
    "dotted",
    "decimal_str",
    "date_str",
    "datetime_str",
    "uuid4",
    "to_arrow",
    "from_arrow",
    "fixed_width_arrow",
    "lookup",
    "arrow_codes",
    "arrow_ints",
    "arrow_decimal",
]

STR = np.dtypes.StringDType()


def as_str(values: object) -> np.ndarray:
    """Any array-like as a StringDType array."""
    return np.asarray(values).astype(STR)


def int_str(values: np.ndarray) -> np.ndarray:
    """Whole numbers as decimal strings (``-1500000`` -> ``"-1500000"``)."""
    return np.asarray(values, dtype=np.int64).astype(STR)


def zpad(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative whole numbers zero-padded to ``width`` digits.

    Examples
    --------
    >>> zpad(np.array([7, 123]), 3).tolist()
    ['007', '123']
    """
    return np.strings.zfill(int_str(values), width)


def join(*parts: object) -> np.ndarray:
    """Element-wise concatenation of string arrays and/or scalar strings."""
    out = None
    for p in parts:
        p = as_str(p) if not isinstance(p, str) else p
        out = p if out is None else np.strings.add(out, p)
    return np.asarray(out).astype(STR)


def dotted(values: np.ndarray, sep: str = ".") -> np.ndarray:
    """Whole numbers with Indonesian thousands separators (``1500000`` -> ``"1.500.000"``).

    Examples
    --------
    >>> dotted(np.array([0, 999, 1000, -1500000, 12345678901])).tolist()
    ['0', '999', '1.000', '-1.500.000', '12.345.678.901']
    """
    v = np.asarray(values, dtype=np.int64)
    s = int_str(np.abs(v))
    n = np.strings.str_len(s)
    out = np.strings.slice(s, np.maximum(n - 3, 0), n)
    for k in range(1, 7):  # up to 21 digits
        stop = n - 3 * k
        has = stop > 0
        if not has.any():
            break
        grp = np.strings.slice(s, np.maximum(stop - 3, 0), np.maximum(stop, 0))
        out = np.where(has, join(grp, sep, out), out).astype(STR)
    return np.where(v < 0, join("-", out), out).astype(STR)


def decimal_str(values: np.ndarray, decimals: int = 1, point: str = ".") -> np.ndarray:
    """Numbers rounded to ``decimals`` places, shortest form (``38.0`` -> ``"38"``, ``38.4``).

    Examples
    --------
    >>> decimal_str(np.array([38.0, 38.4, 0.5])).tolist()
    ['38', '38.4', '0.5']
    """
    scale = 10**decimals
    t = np.rint(np.asarray(values, dtype=np.float64) * scale).astype(np.int64)
    whole, frac = np.divmod(np.abs(t), scale)
    frac_s = np.strings.rstrip(zpad(frac, decimals), "0")
    body = np.where(frac > 0, join(int_str(whole), point, frac_s), int_str(whole))
    return np.where(t < 0, join("-", body), body).astype(STR)


def date_str(values: np.ndarray) -> np.ndarray:
    """``datetime64`` dates as ``YYYY-MM-DD`` (NaT -> blank)."""
    d = np.asarray(values).astype("datetime64[D]")
    out = np.datetime_as_string(d).astype(STR)
    return np.where(np.isnat(d), "", out).astype(STR)


def datetime_str(values: np.ndarray) -> np.ndarray:
    """``datetime64`` times as ``YYYY-MM-DDTHH:MM:SS`` (KoboToolbox ``_submission_time``)."""
    d = np.asarray(values).astype("datetime64[s]")
    out = np.datetime_as_string(d).astype(STR)
    return np.where(np.isnat(d), "", out).astype(STR)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def uuid4(
    rng: np.random.Generator, n: int, *, arrow: bool = False, valid: np.ndarray | None = None
) -> np.ndarray | pa.Array:
    """``n`` random version-4 UUID strings (as KoboToolbox ``_uuid``), drawn from ``rng``.

    Examples
    --------
    >>> u = uuid4(np.random.default_rng(0), 2)
    >>> [len(x) for x in u], u[0][14]
    ([36, 36], '4')
    """
    nib = rng.integers(0, 16, size=(n, 32), dtype=np.uint8)
    nib[:, 12] = 4
    nib[:, 16] = 8 + (nib[:, 16] & 3)
    chars = _HEX[nib]
    out = np.empty((n, 36), dtype=np.uint8)
    dash = np.array([8, 13, 18, 23])
    keep = np.setdiff1d(np.arange(36), dash)
    out[:, dash] = ord("-")
    out[:, keep] = chars
    if arrow:
        return fixed_width_arrow(out, valid)
    return out.view("S36").ravel().astype(STR)


def fixed_width_arrow(chars: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """An ``(n, width)`` uint8 matrix of ASCII codes as an Arrow string array, zero-copy.

    ``valid`` (bool, length n) marks non-null rows.

    Examples
    --------
    >>> m = np.frombuffer(b"ab" b"cd", dtype=np.uint8).reshape(2, 2)
    >>> fixed_width_arrow(m, np.array([True, False])).to_pylist()
    ['ab', None]
    """
    chars = np.ascontiguousarray(chars, dtype=np.uint8)
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    bitmap = None
    null_count = 0
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
        null_count = int(n - valid.sum())
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(chars.reshape(-1)), bitmap, null_count
    )


def lookup(table: list[str] | np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index]`` as a StringDType array (vectorised code -> text)."""
    return as_str(np.asarray(table, dtype=object))[np.asarray(index)]


def to_arrow(values: np.ndarray) -> pa.Array:
    """A StringDType array as an Arrow string array; empty strings become nulls (blank cells)."""
    v = as_str(values)
    arr = pa.array(v, type=pa.string(), mask=(v == ""))
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def from_arrow(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow string array as a StringDType array (nulls become ``""``)."""
    return pc.fill_null(values, "").to_numpy(zero_copy_only=False).astype(STR)


def arrow_codes(codes: np.ndarray, table: list[str | None]) -> pa.Array:
    """``table[codes]`` as an Arrow string array (``None`` entries become nulls)."""
    return pa.array(table, type=pa.string()).take(pa.array(np.asarray(codes, dtype=np.int64)))


def arrow_ints(values: np.ndarray, blank: np.ndarray | None = None) -> pa.Array:
    """Whole numbers as an Arrow string array; ``blank`` marks null cells."""
    arr = pa.array(np.asarray(values, dtype=np.int64), mask=blank)
    return arr.cast(pa.string())


def arrow_decimal(values: np.ndarray, decimals: int = 1) -> pa.Array:
    """Numbers rounded to ``decimals`` places in their shortest form (``38``, ``38.4``); NaN is null.

    Examples
    --------
    >>> arrow_decimal(np.array([38.0, 38.4, np.nan, -0.5])).to_pylist()
    ['38', '38.4', None, '-0.5']
    """
    v = np.asarray(values, dtype=np.float64)
    blank = np.isnan(v)
    scale = 10**decimals
    t = np.rint(np.nan_to_num(v) * scale).astype(np.int64)
    whole, frac = np.divmod(np.abs(t), scale)
    sign = pa.array(np.where(t < 0, "-", ""), type=pa.string())
    whole_s = pa.array(whole).cast(pa.string())
    frac_s = pc.utf8_rtrim(pc.utf8_lpad(pa.array(frac).cast(pa.string()), decimals, "0"), "0")
    body = pc.if_else(
        pa.array(frac > 0), pc.binary_join_element_wise(whole_s, frac_s, "."), whole_s
    )
    out = pc.binary_join_element_wise(sign, body, "")
    return pc.if_else(pa.array(blank), pa.scalar(None, pa.string()), out)
