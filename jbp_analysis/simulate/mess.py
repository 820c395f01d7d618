"""Plant the realistic mess of ``jbp_analysis/data/mess_types.yaml`` in the raw exports.

Every type of the catalogue is planted at its configured rate times the overall ``mess`` level
(``mess=0`` plants nothing at all), with numpy on whole columns. The order is the catalogue
order, cell types first, then duplicate rows, then the file dialects:

* A cell gets at most one cell-level mess: a type's rate is the probability for each cell that is
  *eligible* for it (right variable, not blank, not already messed by an earlier type).
* Row types (``miskeyed_id``, ``skip_logic``, duplicates) draw each row once.
* Duplicated rows copy the already-messed row; their cell mess is logged once, on the original
  (first) row. Rows are then written in submission order, so duplicates land where a server
  export would put them.

Every planted cell or row is recorded in the mess log (one row per cell): ``file``, ``row``
(1-based data row in the written file; 0 for file-level entries), ``column`` (export header; NA
for whole-row entries), ``mess_type``, ``clean_value`` and ``raw_value`` (cell text before and
after), ``key`` (respondent or group id) and ``duplicate_of`` (for duplicates: the row they copy).
``summary`` counts eligible and planted units per file and type, so rates can be checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jbp_analysis.simulate.config import SimConfig, mess_catalogue
from jbp_analysis.simulate.export import Table
from jbp_analysis.simulate.rng import stream
from jbp_analysis.simulate.skiplogic import referenced_names, relevant_mask
from jbp_analysis.simulate.text import (
    STR,
    arrow_ints,
    dotted,
    from_arrow,
    int_str,
    join,
    lookup,
    to_arrow,
    uuid4,
    zpad,
)
from jbp_analysis.study.codebook import Variable, load_codebook
from jbp_analysis.study.reference import AMBIGUOUS_NAMES
from jbp_analysis.study.reference import districts as reference_districts

__all__ = [
    "MessResult",
    "plant_mess",
    "plant_table",
    "sorted_log",
    "sorted_nik",
    "log_frame",
    "district_variants",
    "rupiah_text",
    "DIALECTS",
    "LOG_COLUMNS",
]

LOG_COLUMNS = [
    "file",
    "row",
    "column",
    "mess_type",
    "clean_value",
    "raw_value",
    "key",
    "duplicate_of",
]
# The CSV dialect mess, by (module, wave): which export is written how.
DIALECTS: dict[tuple[str, str], dict[str, object]] = {
    ("respondent", "followup"): {"separator": ";", "encoding": "latin-1", "decimal": ","},
    ("group", "baseline"): {"bom": True},
}
_DUPLICATES = ("exact_duplicate", "near_duplicate", "conflicting_duplicate")


@dataclass(frozen=True, eq=False)
class MessResult:
    """Messed tables, the mess log (Arrow; :func:`log_frame` makes the DataFrame) and the
    per-file summary of eligible and planted units."""

    tables: dict[str, Table]
    log_table: pa.Table
    summary: pd.DataFrame


@dataclass(eq=False)
class _Entry:
    rows: np.ndarray  # index into the working rows (clean rows, then appended duplicates)
    column: str | None
    mess_type: str
    clean: pa.Array | None = None
    raw: pa.Array | None = None
    duplicate_of: np.ndarray | None = None


@dataclass(eq=False)
class _Context:
    table: Table
    cfg: SimConfig
    rng: np.random.Generator
    roster_nik: np.ndarray  # sorted int64
    touched: dict[str, np.ndarray] = field(default_factory=dict)
    pending: dict[str, list[tuple[np.ndarray, pa.Array]]] = field(default_factory=dict)
    entries: list[_Entry] = field(default_factory=list)
    summary: list[tuple[str, int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.touched = {h: np.zeros(self.n, dtype=bool) for h in self.clean}

    @property
    def n(self) -> int:
        return self.table.n_rows

    @property
    def clean(self) -> dict[str, pa.Array]:
        return self.table.columns

    def variables(self, pred: Callable[[Variable], bool]) -> list[Variable]:
        return [v for v in self.table.variables if pred(v)]

    def answered(self, header: str) -> np.ndarray:
        """Cells with a clean answer that no earlier mess type has touched."""
        valid = self.clean[header].is_valid().to_numpy(zero_copy_only=False)
        return valid & ~self.touched[header]

    def text(self, header: str, idx: np.ndarray) -> np.ndarray:
        """Clean text of cells ``idx`` (StringDType; untouched cells still hold it)."""
        return from_arrow(self.clean[header].take(pa.array(idx, type=pa.int64())))

    def ints(self, header: str, idx: np.ndarray) -> np.ndarray:
        """Clean cells ``idx`` of a whole-number or coded column as int64 (blank = 0)."""
        return _codes(self.clean[header].take(pa.array(idx, type=pa.int64())))

    def draw(self, eligible: np.ndarray, mess_type: str) -> np.ndarray:
        """Indices of eligible units that get ``mess_type``; records the eligible count."""
        self.summary.append((mess_type, int(eligible.sum()), 0))
        rate = self.cfg.rate(mess_type)
        if rate <= 0:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(eligible & (self.rng.random(len(eligible)) < rate))

    def set_cells(self, header: str, idx: np.ndarray, new: np.ndarray, mess_type: str) -> None:
        """Plant ``new`` text (``""`` = blank) in untouched cells ``idx``; log and count it."""
        raw = to_arrow(new)
        clean = self.clean[header].take(pa.array(idx, type=pa.int64()))
        both_null = pc.and_(raw.is_null(), clean.is_null())
        differs = pc.and_(pc.fill_null(pc.not_equal(raw, clean), True), pc.invert(both_null))
        keep = differs.to_numpy(zero_copy_only=False)
        idx = np.asarray(idx)[keep]
        raw, clean = raw.filter(pa.array(keep)), clean.filter(pa.array(keep))
        t, elig, done = self.summary[-1]
        self.summary[-1] = (t, elig, done + len(idx))
        if not len(idx):
            return
        self.entries.append(_Entry(idx, header, mess_type, clean=clean, raw=raw))
        self.pending.setdefault(header, []).append((idx, raw))
        self.touched[header][idx] = True

    def columns(self) -> dict[str, pa.Array]:
        """The table's columns with every planted cell written."""
        out = dict(self.clean)
        for h, parts in self.pending.items():
            idx = np.concatenate([p[0] for p in parts])
            raw = pa.concat_arrays([p[1] for p in parts])
            order = np.argsort(idx, kind="stable")
            out[h] = _set(out[h], idx[order], raw.take(pa.array(order)))
        return out


def plant_mess(tables: dict[str, Table], cfg: SimConfig, roster_nik: np.ndarray) -> MessResult:
    """Plant every mess type in every table; see the module docstring.

    ``roster_nik`` are the true NIKs (a mis-keyed NIK never equals another member's).
    """
    nik = sorted_nik(roster_nik)
    out, logs, summaries = {}, [], []
    for name, table in tables.items():
        messed, log, summary = plant_table(table, cfg, nik)
        out[name] = messed
        logs.append(log)
        summaries.append(summary)
    return MessResult(out, sorted_log(logs), pd.concat(summaries, ignore_index=True))


def sorted_nik(roster_nik: np.ndarray) -> np.ndarray:
    """True NIKs as a sorted int64 array (for :func:`plant_table`)."""
    return np.sort(np.asarray(roster_nik).astype(np.int64))


def plant_table(
    table: Table, cfg: SimConfig, nik_sorted: np.ndarray
) -> tuple[Table, pa.Table, pd.DataFrame]:
    """Plant the mess in one table: the messed table, its log (Arrow) and its summary."""
    catalogue = mess_catalogue()
    known = {*_CELL_PLANTERS, *_DUPLICATES, "csv_dialect"}
    unknown = [k for k in catalogue if k not in known]
    if unknown:
        raise RuntimeError(f"mess_types.yaml lists type(s) the simulator cannot plant: {unknown}")
    rng = stream(cfg.seed, f"mess/{table.stem}")
    ctx = _Context(table=table, cfg=cfg, rng=rng, roster_nik=nik_sorted)
    for mess_type in catalogue:
        if mess_type in _CELL_PLANTERS:
            _CELL_PLANTERS[mess_type](ctx, mess_type)
    messed, log = _duplicates_and_order(ctx)
    messed, dialect_log = _dialect(messed, ctx)
    summary = pd.DataFrame(ctx.summary, columns=["mess_type", "eligible", "planted"])
    summary.insert(0, "file", table.file)
    summary["unit"] = summary["mess_type"].map({k: v["unit"] for k, v in catalogue.items()})
    summary["rate"] = [cfg.rate(t) if t in cfg.mess_rates else np.nan for t in summary.mess_type]
    summary = summary[["file", "mess_type", "unit", "eligible", "planted", "rate"]]
    return messed, pa.concat_tables([log, dialect_log]), summary


_LOG_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("row", pa.int64()),
        ("column", pa.string()),
        ("mess_type", pa.string()),
        ("clean_value", pa.string()),
        ("raw_value", pa.string()),
        ("key", pa.string()),
        ("duplicate_of", pa.int64()),
    ]
)


def sorted_log(parts: list[pa.Table]) -> pa.Table:
    """Concatenate per-file logs, sorted by file, row and column."""
    log = (
        pa.concat_tables([p.cast(_LOG_SCHEMA) for p in parts])
        if parts
        else _LOG_SCHEMA.empty_table()
    )
    return log.sort_by([("file", "ascending"), ("row", "ascending"), ("column", "ascending")])


def log_frame(log: pa.Table) -> pd.DataFrame:
    """The mess log as a DataFrame (string and nullable integer columns)."""
    mapper = {pa.string(): pd.StringDtype("pyarrow"), pa.int64(): pd.Int64Dtype()}
    return log.to_pandas(types_mapper=mapper.get)


# ---------------------------------------------------------------------- districts
def district_variants(code: str) -> list[str]:
    """How field staff spell district ``code``, other than the canonical label.

    Ambiguous names (Magelang, Semarang, Pekalongan, Tegal) keep their Kab./Kota prefix; typos
    change one letter of names of five or more letters and never produce another district's name.

    Examples
    --------
    >>> v = district_variants("3322")
    >>> "KABUPATEN SEMARANG" in v, "Kab. Semarnag" in v, "Semarang" in v, "Kab. Semarang" in v
    (True, True, False, False)
    """
    ref = reference_districts().set_index("bps_code")
    kind, name, label = ref.loc[code, ["type", "name", "label"]]
    if kind == "Kabupaten":
        forms = [
            f"KABUPATEN {name.upper()}",
            f"Kabupaten {name}",
            f"Kab {name} ",
            f"kab {name.lower()}",
            f"KAB. {name.upper()}",
            f"Kab.{name}",
        ]
        prefix = "Kab."
    else:
        forms = [f"KOTA {name.upper()}", f"kota {name.lower()}", f"Kota  {name}", f"Kota {name} "]
        prefix = "Kota"
    others = {n.lower() for n in ref["name"]}
    if len(name) >= 5:
        swapped = name[:-3] + name[-2] + name[-3] + name[-1]  # Semarang -> Semarnag
        dropped = name[: len(name) // 2] + name[len(name) // 2 + 1 :]
        for typo in (swapped, dropped):
            if typo.lower() not in others and typo != name:
                forms.append(f"{prefix} {typo}")
    if name not in AMBIGUOUS_NAMES:
        forms += [name, f"{name.upper()} "]
    out = []
    for f in forms:
        if f != label and f not in out:
            out.append(f)
    return out


def _district_spelling(ctx: _Context, mess_type: str) -> None:
    labels = {label: code for code, label in _label_codes().items()}
    for v in ctx.variables(lambda v: v.type == "district"):
        h = v.header
        idx = ctx.draw(ctx.answered(h), mess_type)
        new = ctx.text(h, idx)
        for label in np.unique(new):
            variants = district_variants(labels[str(label)])
            hit = np.flatnonzero(new == label)
            new[hit] = lookup(variants, ctx.rng.integers(0, len(variants), len(hit)))
        ctx.set_cells(h, idx, new, mess_type)


def _label_codes() -> dict[str, str]:
    ref = reference_districts()
    return dict(zip(ref["bps_code"], ref["label"], strict=True))


# ---------------------------------------------------------------------- rupiah
def rupiah_text(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whole-rupiah amounts as free text that means exactly the same amount.

    Forms: ``Rp 1.500.000``, ``Rp1500000``, ``1.500.000``, ``2.000.000,-``, ``Rp 1.500.000,00``,
    ``1,5 juta``, ``1.5jt``, ``750rb``, ``750 ribu``; a form is only used where it is exact and
    usual (``juta`` for multiples of Rp 10,000 from Rp 100,000; ``rb``/``ribu`` for thousands
    below a million); losses get a leading minus.

    Examples
    --------
    >>> t = rupiah_text(np.array([1_500_000, 750_000, -250_000, 0]), np.random.default_rng(1))
    >>> len(t), all(isinstance(x, str) for x in t)
    (4, True)
    """
    v = np.asarray(values, dtype=np.int64)
    a, neg = np.abs(v), v < 0
    sign = np.where(neg, "-", "").astype(STR)
    juta_ok = (a >= 100_000) & (a % 10_000 == 0)
    rb_ok = (a >= 1_000) & (a < 1_000_000) & (a % 1_000 == 0)
    valid = np.stack(
        [
            np.ones(len(a), bool),  # Rp 1.500.000
            np.ones(len(a), bool),  # Rp1500000
            a >= 1000,  # 1.500.000 (below 1000 it would be the clean value)
            a >= 1000,  # 2.000.000,-
            ~neg,  # Rp 1.500.000,00
            juta_ok,  # 1,5 juta
            juta_ok & ~neg,  # 1.5jt
            rb_ok & ~neg,  # 750rb
            rb_ok & ~neg,  # 750 ribu
        ],
        axis=1,
    )
    choice = np.argmax(rng.random(valid.shape) * valid, axis=1)
    whole, frac = np.divmod(a, 1_000_000)
    frac_s = np.strings.rstrip(zpad(frac, 6), "0")

    def juta(point: str) -> np.ndarray:
        return np.where(frac > 0, join(int_str(whole), point, frac_s), int_str(whole)).astype(STR)

    forms = [
        lambda: join(sign, "Rp ", dotted(a)),
        lambda: join(sign, "Rp", int_str(a)),
        lambda: join(sign, dotted(a)),
        lambda: join(sign, dotted(a), ",-"),
        lambda: join("Rp ", dotted(a), ",00"),
        lambda: join(sign, juta(","), " juta"),
        lambda: join(juta("."), "jt"),
        lambda: join(int_str(a // 1000), "rb"),
        lambda: join(int_str(a // 1000), " ribu"),
    ]
    out = np.empty(len(a), dtype=STR)
    for k, make in enumerate(forms):
        hit = choice == k
        if hit.any():
            out[hit] = make()[hit]
    return out


def _rupiah_format(ctx: _Context, mess_type: str) -> None:
    for v in ctx.variables(lambda v: v.type == "rupiah"):
        h = v.header
        idx = ctx.draw(ctx.answered(h), mess_type)
        ctx.set_cells(h, idx, rupiah_text(ctx.ints(h, idx), ctx.rng), mess_type)


# ---------------------------------------------------------------------- missing codes
def _gates(module: str) -> set[str]:
    cb = load_codebook()
    return {n for v in cb.module(module) if v.relevant for n in referenced_names(v.relevant)}


def _missing_code(ctx: _Context, mess_type: str) -> None:
    """-99 / -98 / blank in answers that allow them. Gate questions (those other questions'
    skip logic depends on) are spared: a form hides the dependent questions when a gate is
    refused, so a missing gate with answered follow-ups would be a second, unlogged mess."""
    if ctx.table.module != "respondent":
        return
    gates = _gates("respondent")
    for v in ctx.variables(lambda v: bool(v.missing) and v.name not in gates):
        h = v.header
        idx = ctx.draw(ctx.answered(h), mess_type)
        choices = [str(c) for c in v.missing] + [""]
        new = lookup(choices, ctx.rng.integers(0, len(choices), len(idx)))
        ctx.set_cells(h, idx, new, mess_type)


# ---------------------------------------------------------------------- out of range
def _out_of_range(ctx: _Context, mess_type: str) -> None:
    """Values outside the codebook range: below it (down to 0) or above it (up to twice the
    maximum; four times for durations), and Likert answers just outside the codes (0, 6, 7)."""
    if ctx.table.module != "respondent":
        return
    targets = ctx.variables(
        lambda v: (
            (v.type in ("integer", "number") and v.range is not None and v.name != "wave_code")
            or v.codes == "likert5"
        )
    )
    for v in targets:
        h = v.header
        idx = ctx.draw(ctx.answered(h), mess_type)
        k = len(idx)
        if v.codes == "likert5":
            codes = [int(c) for c in load_codebook().value_sets[v.codes]]
            outside = [str(min(codes) - 1), str(max(codes) + 1), str(max(codes) + 2)]
            new = lookup(outside, ctx.rng.integers(0, 3, k))
        else:
            lo, hi = int(v.range[0]), int(v.range[1])
            below = (ctx.rng.random(k) < 0.5) & (lo > 0)
            low = lo - 1 - np.floor(ctx.rng.random(k) * lo).astype(np.int64)  # 0 .. lo-1
            factor = 3 if v.type == "number" else 1
            high = hi + 1 + np.floor(ctx.rng.random(k) * factor * hi).astype(np.int64)
            new = int_str(np.where(below, low, high))
        ctx.set_cells(h, idx, new, mess_type)


# ---------------------------------------------------------------------- mis-keyed NIK
def _miskeyed_id(ctx: _Context, mess_type: str) -> None:
    """One digit changed, or two adjacent digits swapped, after the district code."""
    if ctx.table.module != "respondent" or ctx.table.wave == "baseline":
        return
    h = _header(ctx.table, "nik")
    idx = ctx.draw(ctx.answered(h), mess_type)
    k = len(idx)
    nik = ctx.ints(h, idx)
    power = 10 ** (15 - (4 + ctx.rng.integers(0, 11, k)))  # a digit after the district code
    a = nik // power % 10
    b = nik // (power // 10) % 10  # the digit to its right
    swap = (ctx.rng.random(k) < 0.5) & (a != b)
    changed = (a + ctx.rng.integers(1, 10, k)) % 10
    new = np.where(
        swap,
        nik + (b - a) * power + (a - b) * (power // 10),
        nik + (changed - a) * power,
    )
    found = np.minimum(np.searchsorted(ctx.roster_nik, new), len(ctx.roster_nik) - 1)
    fresh = ctx.roster_nik[found] != new  # never another member's NIK
    ctx.set_cells(h, idx[fresh], zpad(new[fresh], 16), mess_type)


# ---------------------------------------------------------------------- skip logic
def _codes(col: pa.Array) -> np.ndarray:
    """Integer codes of a clean coded column (blank = 0)."""
    return pc.fill_null(pc.cast(col, pa.int64()), 0).to_numpy(zero_copy_only=False)


def _skip_logic(ctx: _Context, mess_type: str) -> None:
    """Answer one question per chosen row that the form's skip logic should have hidden."""
    module = ctx.table.module
    gated = ctx.variables(lambda v: bool(v.relevant))
    if module not in ("respondent", "group") or not gated:
        return
    by_name = {v.name: v for v in ctx.table.variables}
    names = {n for v in gated for n in referenced_names(v.relevant)}
    codes = {name: _codes(ctx.clean[by_name[name].header]) for name in names}
    eligible = np.stack(
        [
            ~relevant_mask(v.relevant, codes)
            & ~ctx.clean[v.header].is_valid().to_numpy(zero_copy_only=False)
            & ~ctx.touched[v.header]
            for v in gated
        ],
        axis=1,
    )
    rows = ctx.draw(eligible.any(axis=1), mess_type)
    which = np.argmax(ctx.rng.random((len(rows), len(gated))) * eligible[rows], axis=1)
    step = ctx.cfg.rupiah_precision * (5 if module == "group" else 1)
    for j, v in enumerate(gated):
        idx = rows[which == j]
        k = len(idx)
        if v.type == "category":
            codes = [str(c) for c in load_codebook().value_sets[v.codes]]
            new = lookup(codes, ctx.rng.integers(0, len(codes), k))
        elif v.type == "rupiah":
            new = int_str(step * ctx.rng.integers(10, 300, k))
        else:
            lo, hi = int(v.range[0]), int(v.range[1])
            new = int_str(ctx.rng.integers(lo, min(hi, 60) + 1, k))
        ctx.set_cells(v.header, idx, new, mess_type)


# ---------------------------------------------------------------------- labels
def _label_instead_of_code(ctx: _Context, mess_type: str) -> None:
    if ctx.table.module != "respondent":
        return
    cb = load_codebook()
    cats = ctx.variables(
        lambda v: v.type == "category" and all(isinstance(k, int) for k in cb.value_sets[v.codes])
    )
    for v in cats:
        h = v.header
        labels = cb.labels(v.codes, lang="id")
        table = [""] * (max(labels) + 1)
        for code, label in labels.items():
            table[code] = label
        idx = ctx.draw(ctx.answered(h), mess_type)
        ctx.set_cells(h, idx, lookup(table, ctx.ints(h, idx)), mess_type)


_CELL_PLANTERS: dict[str, Callable[[_Context, str], None]] = {
    "district_spelling": _district_spelling,
    "rupiah_format": _rupiah_format,
    "missing_code": _missing_code,
    "out_of_range": _out_of_range,
    "miskeyed_id": _miskeyed_id,
    "skip_logic": _skip_logic,
    "label_instead_of_code": _label_instead_of_code,
}


# ---------------------------------------------------------------------- duplicates and order
def _header(table: Table, name: str) -> str:
    return next(v.header for v in table.variables if v.name == name)


def _set(col: pa.Array, rows: np.ndarray, new: pa.Array) -> pa.Array:
    """``col`` with cells ``rows`` (sorted) replaced by ``new``."""
    mask = np.zeros(len(col), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(col, pa.array(mask), new)


def _duplicates_and_order(ctx: _Context) -> tuple[Table, pa.Table]:
    """Append duplicate submissions, then sort all rows by submission time."""
    t = ctx.table
    n = t.n_rows
    src = np.arange(n)
    order = t.order
    extra: list[_Entry] = []
    cols = ctx.columns()
    if t.module == "respondent":
        rates = [ctx.cfg.rate(k) for k in _DUPLICATES]
        kind = np.searchsorted(np.cumsum(rates), ctx.rng.random(n), side="right")  # 3 = none
        if ctx.cfg.mess <= 0:
            kind[:] = len(_DUPLICATES)
        for k, mess_type in enumerate(_DUPLICATES):
            ctx.summary.append((mess_type, n, int((kind == k).sum())))
        dup = np.flatnonzero(kind < len(_DUPLICATES))
        dup_kind = kind[dup]
        if len(dup):
            delay = np.select(
                [dup_kind == 1, dup_kind == 2],
                [
                    ctx.rng.integers(120, 7200, len(dup)),
                    ctx.rng.integers(3600, 72 * 3600, len(dup)),
                ],
                0,
            )
            src = np.concatenate([src, dup])
            order = np.concatenate([order, t.order[dup] + delay])
            copies = {h: c.take(pa.array(dup)) for h, c in cols.items()}
            local = np.arange(len(dup))
            renew = local[dup_kind > 0]
            uuid_h, time_h = _header(t, "submission_id"), _header(t, "submission_time")
            copies[uuid_h] = _set(copies[uuid_h], renew, uuid4(ctx.rng, len(renew), arrow=True))
            stamp = pa.array(order[n + renew].astype("datetime64[s]"))
            copies[time_h] = _set(
                copies[time_h], renew, pc.strftime(stamp, format="%Y-%m-%dT%H:%M:%S")
            )
            for k, mess_type in enumerate(_DUPLICATES[:2]):
                hit = local[dup_kind == k]
                extra.append(_Entry(n + hit, None, mess_type, duplicate_of=dup[hit]))
            conflict = local[dup_kind == 2]
            for e in _conflicts(ctx, copies, conflict, dup[conflict]):
                e.rows = e.rows + n
                extra.append(e)
            cols = {h: pa.concat_arrays([c, copies[h]]) for h, c in cols.items()}
    perm = np.lexsort((np.arange(len(src)), order))
    position = np.empty(len(src), dtype=np.int64)
    position[perm] = np.arange(len(src))
    keys = t.key.take(pa.array(src)) if len(src) > n else t.key
    log = _log_table(t, ctx.entries + extra, position, keys)
    if np.array_equal(perm, np.arange(len(src))):
        return t.with_(columns=cols), log
    take = pa.array(perm)
    final = {h: c.take(take) for h, c in cols.items()}
    return t.with_(columns=final, key=keys.take(take), order=order[perm]), log


def _conflicts(
    ctx: _Context, cols: dict[str, pa.Array], rows: np.ndarray, original: np.ndarray
) -> list[_Entry]:
    """Change one answer of each conflicting duplicate: income, household size or an item."""
    t = ctx.table
    if not len(rows):
        return []
    cb = load_codebook()
    items = [v.header for v in cb.awareness_items() if v.header in cols]
    targets = [_header(t, "household_income"), _header(t, "household_size"), *items]
    # 40% income, 20% household size, 40% spread over the items
    p = np.array([0.4, 0.2, *([0.4 / len(items)] * len(items))])
    choice = ctx.rng.choice(len(targets), size=len(rows), p=p)
    prec = ctx.cfg.rupiah_precision
    entries = []
    for c, h in enumerate(targets):
        sel = choice == c
        r, o = rows[sel], original[sel]
        k = len(r)
        if not k:
            continue
        clean = ctx.clean[h].take(pa.array(o))
        base = _codes(clean)
        up = ctx.rng.random(k) < 0.5
        if c == 0:
            step = prec * ctx.rng.integers(1, 30, k)
            new_v = np.where(up | (base - step < 0), base + step, base - step)
        elif c == 1:
            new_v = np.where(up | (base <= 1), base + 1, base - 1)
        else:
            new_v = (base - 1 + ctx.rng.integers(1, 5, k)) % 5 + 1
        new = arrow_ints(new_v)
        cols[h] = _set(cols[h], r, new)
        entries.append(_Entry(r, h, "conflicting_duplicate", clean, new, o))
    return entries


def _log_table(t: Table, entries: list[_Entry], position: np.ndarray, keys: pa.Array) -> pa.Table:
    parts = []
    for e in entries:
        k = len(e.rows)
        if not k:
            continue
        none = pa.nulls(k, pa.string())
        parts.append(
            pa.table(
                {
                    "file": pa.array([t.file]).take(pa.array(np.zeros(k, np.int64))),
                    "row": pa.array(position[e.rows] + 1),
                    "column": none
                    if e.column is None
                    else pa.array([e.column] * 1).take(pa.array(np.zeros(k, np.int64))),
                    "mess_type": pa.array([e.mess_type]).take(pa.array(np.zeros(k, np.int64))),
                    "clean_value": none if e.clean is None else e.clean,
                    "raw_value": none if e.raw is None else e.raw,
                    "key": keys.take(pa.array(e.rows)),
                    "duplicate_of": (
                        pa.nulls(k, pa.int64())
                        if e.duplicate_of is None
                        else pa.array(position[e.duplicate_of] + 1)
                    ),
                }
            )
        )
    if not parts:
        return _LOG_SCHEMA.empty_table()
    return pa.concat_tables([p.cast(_LOG_SCHEMA) for p in parts])


# ---------------------------------------------------------------------- CSV dialects
def _dialect(t: Table, ctx: _Context) -> tuple[Table, pa.Table]:
    spec = DIALECTS.get((t.module, t.wave or ""))
    eligible = spec is not None and t.format == "csv"
    planted = eligible and ctx.cfg.mess > 0
    ctx.summary.append(("csv_dialect", int(eligible), int(planted)))
    if not planted:
        return t, _LOG_SCHEMA.empty_table()
    cols = dict(t.columns)
    if spec.get("decimal") == ",":
        for v in t.variables:
            if v.type == "number":
                cols[v.header] = pc.replace_substring(cols[v.header], ".", ",")
    messed = t.with_(columns=cols, **spec)
    raw = f"separator {messed.separator!r}, encoding {messed.encoding}"
    raw += ", UTF-8 byte-order mark" if messed.bom else ""
    raw += f", decimal mark {messed.decimal!r}"
    log = pa.table(
        {
            "file": [t.file],
            "row": [0],
            "column": pa.nulls(1, pa.string()),
            "mess_type": ["csv_dialect"],
            "clean_value": ["separator ',', encoding utf-8, decimal mark '.'"],
            "raw_value": [raw],
            "key": pa.nulls(1, pa.string()),
            "duplicate_of": pa.nulls(1, pa.int64()),
        }
    )
    return messed, log.cast(_LOG_SCHEMA)
