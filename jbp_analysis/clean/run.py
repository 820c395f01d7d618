"""``run``: raw survey exports in ``data/raw`` -> the processed contract in ``data/processed``.

The steps, in order (each its own module):

1. place the exports with the study's file map and read them all
   (:mod:`~jbp_analysis.clean.inputs`, :mod:`jbp_analysis.clean.readers`); map headers through
   the codebook (full path, XLSForm path, label or alias). The problems of every file are
   reported together and stop the run here, before anything is written. A file that holds
   several waves (one KoboToolbox/ODK form for all waves) is split by its wave column
   (:mod:`~jbp_analysis.clean.waves`); a wave with no file is *not yet collected*: the panel has
   no rows for it (never 100% attrition), and the manifest and quality report say which waves
   exist;
2. per file: drop exact duplicates, normalise (:mod:`~jbp_analysis.clean.normalise`), validate
   ranges and skip logic (:mod:`~jbp_analysis.clean.validate`), drop near duplicates and send
   conflicting ones to the duplicates report (:mod:`~jbp_analysis.clean.duplicates`). The
   randomisation record is cleaned first: it gives every group its district, arm and cohort.
   Then the unreadable values of every column of every file are counted
   (:mod:`~jbp_analysis.clean.unreadable`): the run summary lists them, and a column above the
   study's ``unreadable_threshold`` stops the run with one message naming them all;
3. link the respondent waves into the balanced panel (:mod:`~jbp_analysis.clean.link`) with
   pseudonymous keys (:mod:`~jbp_analysis.clean.pseudonymise`); build the group panel and
   costs;
4. flag outliers, build the quality report (:mod:`~jbp_analysis.clean.quality`), check the row
   accounting of every file, and write everything atomically
   (:mod:`~jbp_analysis.clean.write`).

Examples
--------
>>> from jbp_analysis.clean import run
>>> result = run(Path("data/raw"), Path("data/processed"))  # doctest: +SKIP
>>> result.tidy()  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from jbp_analysis import __version__
from jbp_analysis.clean.audit import Audit
from jbp_analysis.clean.duplicates import (
    REPORT_COLUMNS,
    apply_decisions,
    conflict_sets,
    load_decisions,
    near_duplicates,
    report_rows,
    sort_codes,
)
from jbp_analysis.clean.inputs import InputFile, MappedTable, discover, map_headers
from jbp_analysis.clean.link import ARMS, attrition, link_waves, wave_frame
from jbp_analysis.clean.normalise import factorize_strings, normalise
from jbp_analysis.clean.pseudonymise import Secret, resolve_secret
from jbp_analysis.clean.quality import (
    enumerator_flags,
    item_nonresponse,
    quality_report,
    render_html,
    to_json,
)
from jbp_analysis.clean.readers import read_table
from jbp_analysis.clean.result import ACCOUNTING_COLUMNS, CleanResult
from jbp_analysis.clean.unreadable import check_unreadable, unreadable_lines, unreadable_table
from jbp_analysis.clean.validate import apply_ranges, apply_skip_logic, outlier_flags
from jbp_analysis.clean.waves import collected_waves, split_waves
from jbp_analysis.clean.write import (
    atomic_outputs,
    file_sha256,
    write_csv,
    write_csv_pieces,
    write_parquet,
    write_text,
)
from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.core.io import shorten
from jbp_analysis.study.codebook import (
    GROUP_COLUMNS,
    Codebook,
    Variable,
    load_codebook,
    processed_dtype,
)
from jbp_analysis.study.reference import districts

if TYPE_CHECKING:
    from jbp_analysis.study.folder import FileMap

__all__ = ["run", "default_decisions_path", "OUTPUT_FILES"]

OUTPUT_FILES = (
    "panel.parquet",
    "groups.parquet",
    "costs.parquet",
    "rejects.csv",
    "cleaning_log.csv",
    "duplicates_report.csv",
    "outliers.csv",
    "quality.json",
    "quality.html",
    "manifest.json",
)
_KEYS = {
    "respondent": ["respondent_id"],
    "group": ["group_id"],
    "assignment": ["group_id"],
    "cost": ["group_id", "component"],
}
_REQUIRED_VALUES = {
    "respondent": ["respondent_id", "household_id", "group_id"],
    "group": ["group_id"],
    "assignment": ["group_id", "district_code", "arm", "cohort", "start_month"],
    "cost": ["group_id", "component"],
}
_SUBMISSION = ("submission_id", "submission_time")
_PANEL_ID = [
    "respondent_key",
    "respondent_id",
    "household_id",
    "wave",
    "wave_code",
    "month",
    "district_code",
    "group_id",
    "arm",
    "cohort",
    "start_month",
    "responded",
]
_NOT_PANEL_VARS = {
    "submission_id",
    "submission_time",
    "wave_code",
    "respondent_id",
    "household_id",
    "name",
    "nik",
    "phone",
    "district",
    "group_id",
}


#: Decisions on rejected assignment and cost rows (``file,row,decision``; decision ``drop``).
DESIGN_DECISIONS = "rejected_rows.csv"


def _check_design_rejects(
    audit: Audit, states: dict[str, _File], by_module: dict, decisions: Path
) -> None:
    """Stop when a row of the randomisation record or the cost file cannot be used.

    Such a row removes a group from every estimate: a group whose district, arm or cohort
    could not be read loses all its respondents, and a cost row for an unknown group vanishes
    from the cost-effectiveness ratio. So it is never dropped silently: the run stops naming
    every such row, unless ``decisions`` (``file,row,decision`` with ``drop``) says the field
    team accepts dropping it.
    """
    files = {m.source.name for mod in ("assignment", "cost") for m in by_module.get(mod, [])}
    problems: list[tuple[str, int, str]] = []
    rej = audit.reject_table()
    for r in rej[rej["file"].astype(str).isin(files)].itertuples():
        problems.append((str(r.file), int(r.row), f"{r.reason}: {shorten(r.detail, 60)}"))
    groups: set = set()
    for st in states.values():
        if st.source.module == "assignment":
            a = st.typed
            for col in ("group_id", "district_code", "arm", "cohort"):
                if col in a.columns:
                    for row in a.loc[a[col].isna(), "_row"]:
                        problems.append((st.source.name, int(row), f"{col} could not be read"))
            groups |= set(a["group_id"].dropna().astype(str))
            # a cohort is a programme round with one start month: a group whose cohort differs
            # from the other groups starting in the same month was mistyped, and it would sit
            # alone in its own stratum, dropping out of every stratified estimate
            if {"cohort", "start_month"} <= set(a.columns):
                known = a.dropna(subset=["cohort", "start_month"])
                usual = known.groupby("start_month")["cohort"].agg(lambda s: s.mode().iloc[0])
                expected = known["start_month"].map(usual)
                n_cohorts = known.groupby("start_month")["cohort"].transform("nunique")
                odd = (n_cohorts > 1) & known["cohort"].ne(expected)
                for row, cohort, month, want in zip(
                    known.loc[odd, "_row"],
                    known.loc[odd, "cohort"],
                    known.loc[odd, "start_month"],
                    expected[odd],
                    strict=True,
                ):
                    problems.append((st.source.name, int(row), f"cohort {cohort} does not match "
                                     f"its start month {pd.Timestamp(month):%Y-%m} (the other "
                                     f"groups starting then are cohort {want})"))  # fmt: skip
    for st in states.values():
        if st.source.module == "cost" and "group_id" in st.typed.columns:
            c = st.typed
            unknown = ~c["group_id"].astype(str).isin(groups) | c["group_id"].isna()
            for row, g in zip(c.loc[unknown, "_row"], c.loc[unknown, "group_id"], strict=True):
                problems.append((st.source.name, int(row), f"group {shorten(g, 30)} is not in "
                                 "the randomisation record"))  # fmt: skip
    if not problems:
        return
    accepted: set[tuple[str, int]] = set()
    if decisions.is_file():
        try:
            dec = pd.read_csv(decisions, dtype=str, keep_default_na=False)
            dec = dec[dec["decision"].str.strip().str.lower() == "drop"]
            accepted = {(f, int(r)) for f, r in zip(dec["file"], dec["row"], strict=True)}
        except (KeyError, ValueError, pd.errors.ParserError) as exc:
            raise JBPInputError(
                f"cannot read the decisions (columns file,row,decision; decision 'drop'): {exc}",
                file=decisions,
            ) from None
    open_rows = [p for p in dict.fromkeys(problems) if (p[0], p[1]) not in accepted]
    if not open_rows:
        return
    lines = "; ".join(f"{f} row {r}: {why}" for f, r, why in open_rows[:20])
    more = f" and {len(open_rows) - 20} more" if len(open_rows) > 20 else ""
    raise JBPInputError(
        f"{len(open_rows)} row(s) of the randomisation record or the cost file cannot be used, "
        f"which would remove their groups from every estimate: {lines}{more}. Fix these rows "
        f"(a group's id, district, arm or cohort), or accept dropping them by listing them in "
        f"{decisions} (columns file,row,decision with decision 'drop')",
        file=open_rows[0][0],
        row=open_rows[0][1],
    )


def default_decisions_path(raw: Path) -> Path:
    """``<raw>/../decisions/duplicates.csv`` (``data/decisions/duplicates.csv`` by default)."""
    return Path(raw).resolve().parent / "decisions" / "duplicates.csv"


@dataclass
class _File:
    """Working state of one raw file (internal)."""

    source: InputFile
    mapped: MappedTable
    typed: pd.DataFrame | None = field(repr=False)  # None once linked (respondent files)
    exact: int = 0
    near: int = 0
    decided: int = 0
    rejected: int = 0
    dup_enumerators: list[str] = field(default_factory=list)
    unreadable: pd.DataFrame | None = field(default=None, repr=False)
    #: the raw cells once the file is cleaned (the frame itself is released): what later
    #: rejects (linking, unknown groups) show of a row
    cells: _Cells | None = field(default=None, repr=False)
    #: the distinct names, NIKs and phone numbers of the raw file (for the PII scanner)


class _Cells:
    """The raw cells of a cleaned file, kept compactly for rows rejected later (internal).

    A column with few distinct values is kept as its factorised codes (the smallest integer type
    that holds them) and its distinct strings; the others as they are. Personal-data columns are
    not kept: a reject never shows them (:meth:`Audit.reject`). :meth:`rows` gives the same
    frame as ``frame.iloc[pos]`` of the raw frame, without those columns.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        coded: dict[str, tuple[np.ndarray, pd.Series]],
        keep: np.ndarray,
        drop: set[str],
    ) -> None:
        #: positions in ``frame`` of the rows kept (``coded`` holds the codes of these rows
        #: only: the rows dropped as duplicates are never rejected later)
        self.keep = np.asarray(keep, dtype=np.int64)
        self.columns: dict[str, object] = {}
        for c in frame.columns:
            if c in drop:
                continue
            s = frame[c]
            idx, uniq = coded[c]
            if s.dtype == uniq.dtype and len(uniq) < len(idx) // 4:
                small = np.min_scalar_type(-max(len(uniq), 1))
                self.columns[c] = (idx.astype(small), uniq.array)
            else:
                self.columns[c] = s.array  # every row, by position in ``frame``

    def rows(self, pos: np.ndarray) -> pd.DataFrame:
        """``frame.iloc[pos]`` without the dropped columns (``pos``: kept rows only)."""
        pos = np.asarray(pos, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.keep, pos), max(len(self.keep) - 1, 0))
        if len(pos) and not np.array_equal(self.keep[at], pos):
            raise AssertionError("a row dropped as a duplicate cannot be rejected later")
        out = {}
        for c, v in self.columns.items():
            if isinstance(v, tuple):
                codes, uniq = v
                out[c] = uniq.take(codes[at].astype(np.intp), allow_fill=True)
            else:
                out[c] = v.take(pos)
        return pd.DataFrame(out)


class _Run:
    """One cleaning run (internal): holds the audit trail and the per-file states."""

    def __init__(self, cb: Codebook, audit: Audit, decisions: pd.DataFrame, path: Path | None):
        self.cb = cb
        self.audit = audit
        self.decisions = decisions
        self.decisions_path = path
        self.reports: list[pd.DataFrame] = []

    # -------------------------------------------------------------------------- helpers
    def reject(self, st: _File, rows: np.ndarray, reason, detail) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows):
            # source rows -> positions (a wave of a multi-wave file holds some rows only)
            pos = np.searchsorted(np.asarray(st.mapped.raw.rows, dtype=np.int64), rows)
            values = st.mapped.frame.iloc[pos] if st.cells is None else st.cells.rows(pos)
            self.audit.reject(st.source.name, rows, reason, detail, values)
            st.rejected += len(rows)

    def log(self, st: _File, entries: pd.DataFrame, rows_of_pos: np.ndarray) -> None:
        if len(entries):
            e = entries.copy()
            e["row"] = rows_of_pos[e["pos"].to_numpy(dtype=np.int64)]
            self.audit.log(st.source.name, e.drop(columns="pos"))

    def _log_dropped(
        self,
        st: _File,
        drop: np.ndarray,
        twin: pd.Series,
        rows: np.ndarray,
        rule: str,
        detail: str,
        frame: pd.DataFrame,
    ) -> None:
        if not drop.any():
            return
        pos = np.flatnonzero(drop)
        twin_rows = pd.Series(rows[twin.to_numpy()[pos]]).astype(str)
        before, after = detail.split("{}")
        self.audit.log(
            st.source.name,
            pd.DataFrame(
                {
                    "row": rows[pos],
                    "column": "*",
                    "old": "",
                    "new": "",
                    "rule": rule,
                    "detail": before + twin_rows + after,
                }
            ),
        )
        st.dup_enumerators += _enumerators(frame, pos)

    # ------------------------------------------------------------------------ per file
    def clean_file(self, mapped: MappedTable, *, group_codes: pd.Series | None) -> _File:
        """Clean one export: duplicates, normalisation, district, wave and identifier checks, ranges
        and skip logic, conflicting duplicates.

        Length: its four numbered steps share the factorised codes of every column, computed once.
        """
        src = mapped.source
        st = _File(source=src, mapped=mapped, typed=pd.DataFrame())
        rows_all = mapped.raw.rows
        variables = [v for v in self.cb.module(src.module) if v.name in mapped.frame.columns]

        # 1. duplicates as exported. Exact: every codebook cell identical, _uuid included (Kobo
        # bookkeeping columns such as _index may differ between two exports of one row). Near:
        # identical except _uuid/_submission_time (the form sent twice): the earliest is kept.
        frame0 = mapped.frame.reset_index(drop=True)
        # every column factorised once: the codes serve the duplicate checks (hashing integers
        # is far faster than hashing strings) and normalisation (which works on the distinct
        # strings), so the string columns themselves are never copied row by row
        fact = {c: factorize_strings(frame0[c]) for c in frame0.columns}
        codes = pd.DataFrame({c: f[0] for c, f in fact.items()}, index=frame0.index, copy=False)
        drop, twin = near_duplicates(frame0, ignore=(), order_by=None, codes=codes)
        drop = drop.to_numpy(dtype=bool)
        st.exact = int(drop.sum())
        self._log_dropped(
            st, drop, twin, rows_all, "exact_duplicate", "identical to row {}", frame0
        )
        alive = np.flatnonzero(~drop)
        ignore = tuple(c for c in _SUBMISSION if c in frame0.columns)
        order_by = "submission_time" if "submission_time" in frame0.columns else None
        # only the columns the near check reads (the codes stand for the rest): no full copy
        small = [c for c in (order_by, "enumerator_id") if c is not None and c in frame0.columns]
        sub = frame0[small].iloc[alive].reset_index(drop=True)
        sub_codes = codes.iloc[alive].reset_index(drop=True)
        del codes
        order_codes = None  # submission times ranked on their distinct values
        if order_by is not None:
            order_codes = sort_codes(fact[order_by][0][alive], fact[order_by][1])
        near, twin = near_duplicates(
            sub_codes.assign(**{c: sub[c] for c in small if c == order_by}),
            ignore=ignore,
            order_by=order_by,
            codes=sub_codes,
            order_codes=order_codes,
        )
        near = near.to_numpy(dtype=bool)
        st.near = int(near.sum())
        self._log_dropped(
            st, near, twin, rows_all[alive], "near_duplicate",
            "same answers as row {} (earlier submission kept)", sub,
        )  # fmt: skip
        keep = alive[~near]
        del sub_codes, sub, order_codes, near, twin, drop, alive
        rows = rows_all[keep]
        work_fact = {c: (idx[keep], uniq) for c, (idx, uniq) in fact.items()}
        # what later rejects show of a kept row (compact; see _Cells): the codes of every
        # column for all rows are not needed any more
        cells = _Cells(frame0, work_fact, keep, self.audit.pii)
        del fact
        work = pd.DataFrame(index=pd.RangeIndex(len(keep)))  # rows only: columns are coded

        # 2. normalise
        hint = None
        if "group_id" in work_fact and group_codes is not None:
            idx, uniq = work_fact["group_id"]
            gid = pd.Series(uniq, dtype=object).astype(str).str.strip()
            u_hint = gid.map(group_codes)
            u_hint = u_hint.where(u_hint.notna(), gid.str.extract(r"^(33\d\d)")[0])
            u_hint = np.append(u_hint.to_numpy(dtype=object, na_value=None), None)
            hint = pd.Series(u_hint[np.where(idx >= 0, idx, len(uniq))], index=work.index)
        norm = normalise(
            work, variables, codebook=self.cb, district_hint=hint, factorized=work_fact
        )
        self.log(st, norm.log, rows)
        st.unreadable = norm.unreadable.assign(file=src.name, header=[
            mapped.headers.get(c, "") for c in norm.unreadable["column"]
        ])  # fmt: skip
        typed = norm.frame
        reason = norm.reject.to_numpy(dtype=object, na_value=None).copy()
        detail = norm.reject_detail.to_numpy(dtype=object, na_value=None).copy()

        def mark(mask: np.ndarray, why: str, text: str) -> None:
            new = mask & pd.isna(reason)
            reason[new] = why
            detail[new] = text

        # district must agree with the randomisation record; the record wins (logged)
        if "district" in typed.columns and hint is not None:
            assigned = hint.astype("string")
            differ = (typed["district"] != assigned).fillna(False).to_numpy(dtype=bool)
            differ &= pd.isna(reason)
            if differ.any():
                pos = np.flatnonzero(differ)
                self.audit.log(
                    src.name,
                    pd.DataFrame(
                        {
                            "row": rows[pos],
                            "column": "district",
                            "old": _raw_text(work_fact["district"], pos),
                            "new": assigned.iloc[pos].astype(str).to_numpy(),
                            "rule": "district_from_assignment",
                            "detail": "district differs from the group's district in "
                            "penugasan_kelompok",
                        }
                    ),
                )
        # wave column must match the file
        if src.wave is not None and "wave_code" in typed.columns:
            code = self.cb.waves[src.wave]["code"]
            wrong = (typed["wave_code"] != code).fillna(False).to_numpy(dtype=bool)
            mark(wrong, "wave_mismatch", f"gelombang is not {code} ({src.wave})")
            typed["wave_code"] = typed["wave_code"].fillna(code)
        # identifiers must be present
        for name in _REQUIRED_VALUES[src.module]:
            if name in typed.columns:
                mark(typed[name].isna().to_numpy(dtype=bool), "missing_id", f"{name} is blank")
        if src.module == "assignment":
            valid = typed["district_code"].isin(districts()["bps_code"]).to_numpy(dtype=bool)
            mark(~valid, "unknown_district_code", "kode_bps is not a Central Java BPS code")

        bad = ~pd.isna(reason)
        self.reject(st, rows[bad], reason[bad], detail[bad])
        typed = typed[~bad].reset_index(drop=True)
        rows = rows[~bad]

        # 3. ranges and skip logic
        typed, log = apply_ranges(typed, variables)
        self.log(st, log, rows)
        typed, log = apply_skip_logic(typed, variables, codebook=self.cb)
        self.log(st, log, rows)

        # 4. conflicting duplicates -> report; resolved by the decisions file or rejected
        sets = conflict_sets(typed, _KEYS[src.module])
        if sets.notna().any():
            show = typed.drop(columns=[c for c in ("name", "nik", "phone") if c in typed])
            rep = report_rows(show, sets, file=src.name, rows=rows)
            rep = apply_decisions(rep, self.decisions, path=self.decisions_path)
            self.reports.append(rep)
            in_set = sets.notna().to_numpy(dtype=bool)
            st.dup_enumerators += _enumerators(typed, np.flatnonzero(in_set))
            by_row = rep.set_index("row")
            r_resolved = by_row["resolved"].reindex(rows).fillna(False).to_numpy(dtype=bool)
            r_decision = by_row["decision"].reindex(rows).fillna("").to_numpy(dtype=object)
            dropped = in_set & r_resolved & (r_decision == "drop")
            pending = in_set & ~r_resolved
            st.decided = int(dropped.sum())
            if dropped.any():
                pos = np.flatnonzero(dropped)
                self.audit.log(
                    src.name,
                    pd.DataFrame(
                        {
                            "row": rows[pos],
                            "column": "*",
                            "old": "",
                            "new": "",
                            "rule": "duplicate_decision",
                            "detail": "dropped by the duplicates decisions file",
                        }
                    ),
                )
            self.reject(
                st,
                rows[pending],
                "conflicting_duplicate",
                "same id as another submission with different answers; see "
                "duplicates_report.csv and fill its decision column",
            )
            typed = typed[~(dropped | pending)].reset_index(drop=True)
            rows = rows[~(dropped | pending)]
        typed["_row"] = rows
        typed["_file"] = src.key
        st.typed = typed
        # the raw frame is released: later rejects read the compact cells (the PII scanner took
        # the distinct names, NIKs and phone numbers when the files were read)
        st.cells = cells
        st.mapped = _without_cells(mapped)
        return st


def _without_cells(m: MappedTable) -> MappedTable:
    """``m`` without its cells (empty frames, same columns): the source, headers, source rows
    and how the file was read stay, for the accounting and the manifest."""
    empty = pd.DataFrame(columns=m.frame.columns)
    raw = dataclasses.replace(m.raw, frame=pd.DataFrame(columns=m.raw.frame.columns))
    return dataclasses.replace(m, raw=raw, frame=empty)


def _raw_text(coded: tuple[np.ndarray, pd.Series], pos: np.ndarray) -> np.ndarray:
    """Raw cells at ``pos`` of a factorised column, as text (missing as ``"nan"``)."""
    idx, uniq = coded
    return np.append(uniq.to_numpy(dtype=object), "nan")[idx[pos]]


def _enumerators(frame: pd.DataFrame, pos: np.ndarray) -> list[str]:
    if "enumerator_id" not in frame.columns:
        return []
    return frame["enumerator_id"].iloc[pos].astype(str).str.strip().tolist()


def _masking(say: Callable[[str], None], pii) -> Callable[[str], None]:  # noqa: ANN001
    """``say`` with the roster values and NIK/phone shapes of each line masked."""
    return lambda line: say(pii.mask_text(line)[0])


def _code_version() -> dict[str, str]:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(here.glob("*.py")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return {"package": __version__, "clean_sources_sha256": h.hexdigest()}


def _study_settings(threshold: float | None) -> tuple[float, str]:
    """The unreadable threshold and the aliases file of the active study folder."""
    try:
        from jbp_analysis.study.folder import active_study

        study = active_study()
        default, aliases = study.settings.unreadable_threshold, str(study.root / "aliases.yaml")
    except Exception:  # noqa: BLE001 - no usable study folder: the documented defaults
        default, aliases = 0.01, "study/aliases.yaml"
    return (default if threshold is None else float(threshold)), aliases


def _typed_columns(frame: pd.DataFrame, variables: list[Variable], cb: Codebook) -> pd.DataFrame:
    out = {}
    for v in variables:
        dtype = processed_dtype(v, cb)
        if v.name in frame.columns:
            out[v.name] = frame[v.name].astype(dtype)
        else:
            out[v.name] = pd.Series(pd.NA, index=frame.index).astype(dtype)
    return pd.DataFrame(out, index=frame.index)


def _run(
    raw: Path,
    out: Path,
    *,
    decisions: Path | None = None,
    secret: bytes | str | None = None,
    codebook: Codebook | None = None,
    file_map: FileMap | None = None,
    unreadable_threshold: float | None = None,
    short_interview_minutes: float = 15.0,
    min_cell: int = 5,
    progress: Callable[[str], None] | None = None,
    _scanner: list | None = None,
) -> CleanResult:
    """Clean the raw exports in ``raw`` into the processed contract in ``out``.

    Length: the run's steps in order (read, clean each file, link, panel, groups, costs, mask
    personal data, outliers, accounting, quality, write); each calls its own module, and they share
    the row accounting.

    Parameters
    ----------
    raw
        Folder of raw exports (never modified).
    out
        Output folder (created if needed; previous outputs are replaced only when the whole
        run succeeds).
    decisions
        The field team's duplicates decisions file; default
        :func:`default_decisions_path` (``data/decisions/duplicates.csv``). It must hold ids
        only, no personal data.
    secret
        HMAC key for the respondent key; default from ``JBP_SECRET`` or
        ``~/.config/jbp/secret`` (see :mod:`~jbp_analysis.clean.pseudonymise`).
    codebook, file_map
        Default: those of the active study folder (``--study``/``JBP_STUDY``, else ``study/``).
    unreadable_threshold
        Largest share of a column's non-blank cells (other than missing codes) that may be
        unreadable; above it the run stops (:class:`UnreadableValuesError`) naming every such
        column. Default: the study's ``unreadable_threshold`` (0.01).
    short_interview_minutes
        Interviews shorter than this count as short in the enumerator flags.
    min_cell
        Item non-response shares over fewer respondents are suppressed in the quality report.
    progress
        Called with one line of text per step and file (the CLI prints them). Once the raw
        files are read, every line has the roster values and NIK/phone shapes masked.
    _scanner
        Internal: receives the run's :class:`~jbp_analysis.clean.pii.PIIScanner` (``run`` masks
        the message of an error raised after that with it).

    Returns
    -------
    CleanResult

    Raises
    ------
    JBPInputError
        A raw file is unreadable, empty, corrupt, wrongly encoded, from another survey or lacks
        a required column, or a column has too many unreadable values (nothing is written;
        every such problem of every file in one message).
    ConfigError
        No project secret for real data, or ``out`` inside ``raw``.
    """
    cb = codebook or load_codebook()
    say = progress or (lambda _msg: None)
    threshold, aliases_path = _study_settings(unreadable_threshold)
    raw, out = Path(raw), Path(out)
    if out.resolve() == raw.resolve() or raw.resolve() in out.resolve().parents:
        raise ConfigError(
            f"the output folder {out} is inside the raw folder {raw}; raw is read-only"
        )
    files = discover(raw, cb, file_map=file_map)
    key = resolve_secret(raw, secret=secret)
    if key.source == "demo":
        say(
            "Notice: simulated sample (SIMULATED.json) and no project secret: respondent keys use "
            "the documented demo key, which protects nothing. Set JBP_SECRET for real data."
        )
    mapped: list[MappedTable] = []
    problems: list[JBPInputError] = []
    for f in files:  # every file is read and mapped; their problems are reported together
        try:
            table = read_table(f.path, sheet=f.sheet)
            m = map_headers(table, f, cb)
        except JBPInputError as exc:
            problems.append(exc)
            continue
        how = f.path.suffix[1:]
        if table.encoding:
            how += f", {table.encoding}, sep {table.separator!r}, decimal {table.decimal!r}"
        # headers are file content: named at the end of the run, once the roster is known
        extra = f"; {len(m.unknown)} unknown column(s), named below" if m.unknown else ""
        say(f"read   {f.name:<28} {table.n_rows:>9,} rows ({how}){extra}")
        mapped.extend(split_waves(m, cb) if f.wave_from_column else [m])
        del table, m  # the split waves hold their own rows: no second copy of the file's cells
    # personal data typed outside its columns (a name in kode_enumerator, a NIK in
    # id_rumah_tangga) is masked wherever a raw value leaves: the processed tables, the quality
    # report, every line printed from here on and every error raised (see clean.pii)
    from jbp_analysis.clean.pii import (
        PIIScanner,
        mask_outputs,
        mask_report,
        mask_unreadable,
        mask_values,
        summarise,
    )

    pii = PIIScanner.from_frames([m.frame for m in mapped], key=key.key)
    if _scanner is not None:
        _scanner.append(pii)
    say = _masking(say, pii)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise JBPInputError(
            f"{len(problems)} files cannot be used: "
            + " ".join(f"({i}) {p}" for i, p in enumerate(problems, start=1))
        )
    seen: dict[tuple[str, str | None], str] = {}
    for m in mapped:  # one export per module and wave (a second would replace the first)
        k = (m.source.module, m.source.wave)
        if k in seen:
            raise JBPInputError(
                f"two exports hold the {m.source.module} data of wave {m.source.wave}: "
                f"{seen[k]} and {m.source.name}",
                file=raw,
                hint="Keep one of them (the latest full export) in the raw folder.",
            )
        seen[k] = m.source.name
    collected = collected_waves(mapped, cb)
    if "baseline" not in collected:
        raise JBPInputError(
            "no baseline respondents: the baseline defines the respondents",
            file=raw,
            hint="Add the baseline respondent export (or check the wave column of a "
            "multi-wave export).",
        )
    missing_waves = [w for w in cb.waves if w not in collected]
    say(
        f"waves  collected: {', '.join(collected)}"
        + (f"; not yet collected: {', '.join(missing_waves)}" if missing_waves else "")
    )
    decisions_path = Path(decisions) if decisions is not None else default_decisions_path(raw)
    if out.resolve() in decisions_path.resolve().parents:
        raise ConfigError(
            f"the duplicates decisions file {decisions_path} is inside the output folder {out}, "
            "which each run replaces; keep it next to the raw folder (data/decisions/)"
        )
    dec = load_decisions(decisions_path)
    audit = Audit(pii=set(cb.pii_names()))
    job = _Run(cb, audit, dec, decisions_path if decisions_path.is_file() else None)

    by_module: dict[str, list[MappedTable]] = {}
    for m in mapped:
        by_module.setdefault(m.source.module, []).append(m)
    del m  # each cleaned file's raw frame is released as soon as it is cleaned
    rows_in = {m.source.key: m.raw.n_rows for m in mapped}
    states: dict[str, _File] = {}

    # the randomisation record first: it gives each group its district, arm and cohort
    def released(st: _File, lists: list[list[MappedTable]]) -> None:
        for group in lists:  # the raw frame of a cleaned file: no reference left
            group[:] = [st.mapped if m.source.key == st.source.key else m for m in group]

    st = job.clean_file(by_module["assignment"][0], group_codes=None)
    states[st.source.key] = st
    released(st, [mapped, by_module[st.source.module]])
    assign = st.typed
    group_codes = assign.set_index("group_id")["district_code"]
    say(f"clean  {st.source.name:<28} {len(assign):>9,} groups")
    for module in ("cost", "group", "respondent"):
        for m in by_module.get(module, []):  # (released() replaces the items in place)
            st = job.clean_file(m, group_codes=group_codes)
            states[st.source.key] = st
            released(st, [mapped, by_module[st.source.module]])
            del m
            say(f"clean  {st.source.key:<28} {len(st.typed):>9,} rows after duplicates/rejects")
        if module == "cost":  # the design records are complete, or the run stops
            _check_design_rejects(
                audit, states, by_module, decisions_path.parent / DESIGN_DECISIONS
            )
    unreadable = unreadable_table([s.unreadable for s in states.values()])
    unreadable, pii_unread = mask_unreadable(pii, unreadable)
    for line in unreadable_lines(unreadable):
        say(line)
    check_unreadable(unreadable, threshold=threshold, aliases=aliases_path)
    parts = [m.source for m in mapped]

    # respondent panel
    resp_vars = cb.module("respondent")
    waves = {s.source.wave: s.typed for s in states.values() if s.source.module == "respondent"}
    linked = link_waves(waves, known_groups=pd.Index(assign["group_id"]), secret=key)
    # the linked rows are copies: the cleaned wave frames are not needed any more
    del waves
    for s in states.values():
        if s.source.module == "respondent":
            s.typed = None
    for fname, rej in linked.rejects.groupby("_file", sort=False):
        job.reject(
            states[fname],
            rej["_row"].to_numpy(),
            rej["reason"].to_numpy(),
            rej["detail"].to_numpy(),
        )
    for fname, rel in linked.relinks.groupby("_file", sort=False):
        audit.log(
            states[fname].source.name,
            pd.DataFrame(
                {
                    "row": rel["_row"].to_numpy(),
                    "column": "nik",
                    "old": rel["old_key"].to_numpy(),
                    "new": rel["new_key"].to_numpy(),
                    "rule": "relink_miskeyed_nik",
                    "detail": "NIK within 2 edits of the baseline NIK of the same respondent id, "
                    "household id and name (keyed hashes shown)",
                }
            ),
            hashed=True,
        )
    # the respondent files' raw cells served the rejects of linking: released now (the largest
    # tables of the run); the other modules are small and their rejects come later
    for s in states.values():
        if s.source.module == "respondent":
            s.cells = None
    del by_module
    panel = _build_panel(linked, assign, resp_vars, cb, waves=collected)
    n_roster, n_relinks = len(linked.roster), len(linked.relinks)
    del linked
    group_waves = [
        w for w in cb.waves if w in collected or any(
            p.module == "group" and p.wave == w for p in parts
        )
    ]  # fmt: skip
    groups, group_rows = _build_groups(states, assign, cb, job, waves=group_waves)
    costs = _build_costs(states, assign, cb, job)
    # masked before anything reads the tables, logged without the value
    pii_skip = {*cb.pii_names(), "respondent_key", "_file", "file"}
    masked, pii_hits = mask_outputs(
        pii,
        {"panel.parquet": panel, "groups.parquet": groups, "costs.parquet": costs},
        skip=pii_skip,
        audit=audit,
    )
    panel, groups, costs = (masked[n] for n in ("panel.parquet", "groups.parquet", "costs.parquet"))
    say(
        f"link   panel: {n_roster:,} respondents x {len(cb.waves)} waves, "
        f"{n_relinks:,} NIKs repaired"
    )

    # outliers (flagged, values kept)
    num_vars = [v for v in resp_vars if v.type in ("integer", "number", "rupiah")]
    resp = panel[panel["responded"].to_numpy(dtype=bool)]
    num_names = [v.name for v in num_vars]  # only the columns scored: no copy of the panel
    flags = outlier_flags(resp[num_names].assign(wave=resp["wave"].astype(str)), num_vars)
    outliers = _outlier_table(resp, flags, "respondent_id")
    g_resp = group_rows
    g_flags = outlier_flags(
        g_resp.assign(wave=g_resp["wave"].astype(str)),
        [cb.variable("group", "monthly_revenue")],
    )
    outliers = pd.concat([outliers, _outlier_table(g_resp, g_flags, "group_id")], ignore_index=True)

    # quality inputs that read the panel, computed before it is written and released
    att = attrition(panel)
    dup_ids, pii_enum = mask_values(
        pii,
        [e for s in states.values() for e in s.dup_enumerators],
        table="quality.json",
        column="enumerators",
    )
    enum_rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "enumerator_id": resp["enumerator_id"].astype(str).to_numpy(),
                    "duration_min": resp["duration_min"].astype("float64").to_numpy(),
                    "_interview": 1,
                    "_outlier_cells": flags.groupby("pos")
                    .size()
                    .reindex(resp.index)
                    .fillna(0)
                    .to_numpy(),
                    "_numeric_cells": resp[num_names].notna().sum(axis=1).to_numpy(),
                    "_duplicates": 0,
                }
            ),
            pd.DataFrame(
                {
                    "enumerator_id": dup_ids,
                    "duration_min": np.nan,
                    "_interview": 0,
                    "_outlier_cells": 0,
                    "_numeric_cells": 0,
                    "_duplicates": 1,
                }
            ),
        ],
        ignore_index=True,
    )
    enumerators = enumerator_flags(enum_rows, short_minutes=short_interview_minutes)
    missingness = item_nonresponse(
        resp,
        [
            v
            for v in resp_vars
            if v.name not in _NOT_PANEL_VARS | {"interview_date", "enumerator_id"}
        ],
        codebook=cb,
        min_cell=min_cell,
    )
    kept = {
        **panel.loc[panel["responded"], "_file"].value_counts().to_dict(),
        **group_rows["_file"].value_counts().to_dict(),
        **costs["_file"].value_counts().to_dict(),
        **assign["_file"].value_counts().to_dict(),
    }
    del resp

    # the panel is written first and released: the cleaning log is built next
    with atomic_outputs(out) as tmp:
        write_parquet(panel.drop(columns=["_file", "_row"]), tmp / "panel.parquet")
        del panel

        # accounting
        rejects = audit.reject_table(file_order=[f.name for f in files])
        n_log = audit.log_rows()
        outliers["file"] = outliers["file"].map(
            lambda k: states[k].source.name if k in states else k
        )
        acc_rows = []
        for f in parts:
            s = states[f.key]
            acc_rows.append(
                {
                    "file": f.name,
                    "module": f.module,
                    "wave": f.wave,
                    "rows_in": rows_in[f.key],
                    "kept": int(kept.get(f.key, 0)),
                    "rejected": int(s.rejected),
                    "exact_duplicates": s.exact,
                    "near_duplicates": s.near,
                    "decided_duplicates": s.decided,
                }
            )
        accounting = pd.DataFrame(acc_rows, columns=ACCOUNTING_COLUMNS)
        balance = accounting[ACCOUNTING_COLUMNS[4:]].sum(axis=1)
        if not (balance == accounting["rows_in"]).all():
            bad = accounting[balance != accounting["rows_in"]]
            raise AssertionError(f"row accounting does not balance:\n{bad.to_string(index=False)}")

        say(f"check  accounting balances for all {len(files)} files")

        dup_report = (
            pd.concat(job.reports, ignore_index=True)
            if job.reports
            else pd.DataFrame(columns=[*REPORT_COLUMNS, "resolved"])
        )
        unknown: dict[str, list[str]] = {}
        pii_unknown = []
        for m in mapped:  # the parts of a multi-wave export share its headers
            if m.source.name not in unknown:
                unknown[m.source.name], h = mask_values(
                    pii, list(m.unknown), table="quality.json", column="unknown_columns"
                )
                pii_unknown.append(h)
        masked, more = mask_outputs(
            pii,
            {"rejects.csv": rejects, "duplicates_report.csv": dup_report, "outliers.csv": outliers},
            skip=pii_skip,
        )
        rejects, dup_report, outliers = (
            masked[n] for n in ("rejects.csv", "duplicates_report.csv", "outliers.csv")
        )
        # the cleaning log (~20M entries at national size) is sorted, masked, counted by rule
        # and written one piece at a time: it is never held whole
        log_hits: list[pd.DataFrame] = []
        by_rule: list[pd.Series] = []

        def masked_log():  # noqa: ANN202 - a generator of DataFrames
            for piece in audit.log_chunks(file_order=[f.name for f in files]):
                done, hits = mask_outputs(pii, {"cleaning_log.csv": piece}, skip=pii_skip)
                piece = done["cleaning_log.csv"]
                log_hits.append(hits)
                if len(piece):
                    by_rule.append(piece.groupby("rule").size())
                yield piece

        write_csv_pieces(masked_log(), tmp / "cleaning_log.csv")
        audit.release_log()  # nothing is logged after this point
        log_by_rule = (
            pd.concat(by_rule).groupby(level=0).sum().sort_index()
            if by_rule
            else pd.Series(dtype=int)
        )
        report = quality_report(
            accounting=accounting,
            missingness=missingness,
            enumerators=enumerators,
            attrition=att,
            duplicates=dup_report,
            outliers=outliers,
            unknown_columns=unknown,
            log=None,
            log_by_rule=log_by_rule,
            rejects=rejects,
            codebook_version=cb.version,
            unreadable=unreadable,
            waves={"collected": collected, "not_yet_collected": missing_waves},
        )
        report, in_report = mask_report(pii, report)  # anything else the report quotes
        found = (pii_hits, more, *log_hits, pii_unread, pii_enum, *pii_unknown, in_report)
        pii_hits = pd.concat([h for h in found if len(h)] or [pii_hits], ignore_index=True)

        if len(pii_hits):  # counted in the quality report (the values never are)
            report["pii_masked"] = summarise(pii_hits)
            say(
                f"pii    {len(pii_hits):,} cells held a name, NIK or phone outside its column: masked"
            )
        say(f"report quality: {int(enumerators['flagged'].sum())} enumerators flagged")

        # write
        groups_out = groups
        costs_out = costs.drop(columns=["_file", "_row"])
        write_parquet(groups_out, tmp / "groups.parquet")
        write_parquet(costs_out, tmp / "costs.parquet")
        write_csv(rejects, tmp / "rejects.csv")
        write_csv(dup_report[REPORT_COLUMNS], tmp / "duplicates_report.csv")
        write_csv(outliers, tmp / "outliers.csv")
        write_text(to_json(report), tmp / "quality.json")
        write_text(render_html(report), tmp / "quality.html")
        manifest = _manifest(
            mapped=mapped,
            unknown=unknown,
            waves=collected,
            accounting=accounting,
            cb=cb,
            key=key,
            decisions=decisions_path,
            raw=raw,
            outputs={p.name: file_sha256(p) for p in sorted(tmp.iterdir())},
            pending=report["duplicates"]["pending_sets"],
        )
        write_text(manifest, tmp / "manifest.json")
    say(f"wrote  {len(OUTPUT_FILES)} files to {out}")
    return CleanResult(
        out=out,
        accounting=accounting,
        attrition=att,
        files=OUTPUT_FILES,
        unknown_columns=unknown,
        n_log=n_log,
        n_rejects=len(rejects),
        pending_duplicate_sets=report["duplicates"]["pending_sets"],
        key_source=key.source,
    )


# ----------------------------------------------------------------------------- assembly
def _build_panel(
    linked, assign: pd.DataFrame, resp_vars: list[Variable], cb: Codebook, *, waves: list[str]
) -> pd.DataFrame:
    """Roster x collected waves, with each linked interview at its (respondent, wave) slot.

    A wave with no respondent file is not yet collected: it has no rows (not 100% attrition).
    """
    wf = _collected_frame(cb, waves)
    n_w = len(wf)
    roster = linked.roster.merge(
        assign[["group_id", "district_code", "arm", "cohort", "start_month"]],
        on="group_id",
        how="left",
        validate="many_to_one",
    )
    order = np.lexsort((_sort_rank(roster["respondent_id"]), _sort_rank(roster["group_id"])))
    roster = roster.iloc[order].reset_index(drop=True)
    new_slot = np.empty(len(order), dtype=np.int64)
    new_slot[order] = np.arange(len(order))
    n = len(roster)
    grid = roster.iloc[np.repeat(np.arange(n), n_w)].reset_index(drop=True)
    for c in ("wave", "wave_code", "month"):
        grid[c] = wf[c].take(np.tile(np.arange(n_w), n)).reset_index(drop=True)
    var_list = [v for v in resp_vars if v.name not in _NOT_PANEL_VARS]
    var_list += [cb.variable("respondent", n) for n in ("submission_id", "submission_time")]
    data = linked.data
    slot = new_slot[data["_slot"].to_numpy(dtype=np.int64)]
    wave_pos = pd.Index(wf["wave"].astype(str)).get_indexer(data["wave"].astype(str))
    assert (slot >= 0).all() and (wave_pos >= 0).all()
    values = _typed_columns(data, var_list, cb)
    values["_file"] = data["_file"].to_numpy()
    values["_row"] = pd.array(data["_row"].to_numpy(), dtype="Int64")
    values.index = slot * n_w + wave_pos
    values = values.reindex(np.arange(n * n_w))
    panel = pd.concat([grid, values.reset_index(drop=True)], axis=1)
    panel["responded"] = panel["_row"].notna().to_numpy(dtype=bool)
    panel["arm"] = pd.Categorical(panel["arm"].astype(str), categories=ARMS)
    for c in ("respondent_key", "respondent_id", "household_id", "district_code", "group_id"):
        panel[c] = panel[c].astype("string")
    panel["cohort"] = panel["cohort"].astype("Int64")
    panel["start_month"] = panel["start_month"].astype("datetime64[ns]")
    cols = _PANEL_ID + [v.name for v in var_list] + ["_file", "_row"]
    return panel[cols]


def _sort_rank(values: pd.Series) -> np.ndarray:
    """Each value's rank among the distinct values (equal values share it): sorting by the
    ranks orders rows as sorting the strings would (code point order), on integers.

    Examples
    --------
    >>> _sort_rank(pd.Series(["b", "a", "c", "a"])).tolist()
    [1, 0, 2, 0]
    """
    if values.isna().any():  # not expected for ids: compare the objects themselves
        return values.to_numpy(dtype=object)
    return np.asarray(pd.factorize(values, sort=True)[0], dtype=np.int64)


def _build_groups(
    states: dict[str, _File], assign: pd.DataFrame, cb: Codebook, job: _Run, *, waves: list[str]
):
    wf = _collected_frame(cb, waves)
    gvars = [v for v in cb.module("group") if v.name in GROUP_COLUMNS and v.name != "wave_code"]
    frames = []
    for s in states.values():
        if s.source.module != "group":
            continue
        t = s.typed
        unknown = ~t["group_id"].isin(assign["group_id"]).to_numpy(dtype=bool)
        job.reject(
            s, t["_row"].to_numpy()[unknown], "unknown_group", "group id not in penugasan_kelompok"
        )
        t = t[~unknown]
        v = _typed_columns(t, gvars, cb)
        v["group_id"] = t["group_id"].astype("string").to_numpy()
        v["wave"] = s.source.wave
        v["_file"] = t["_file"].to_numpy()
        v["_row"] = t["_row"].to_numpy()
        frames.append(v)
    grid = assign[["group_id", "district_code", "arm", "cohort"]].merge(wf, how="cross")
    grid["group_id"] = grid["group_id"].astype("string")
    if frames:
        data = pd.concat(frames, ignore_index=True)
        data["wave"] = pd.Categorical(
            data["wave"], categories=wf["wave"].cat.categories, ordered=True
        )
        g = grid.merge(data, on=["group_id", "wave"], how="left", validate="one_to_one")
    else:
        g = grid.assign(_file=pd.NA, _row=np.nan)
        for v in gvars:
            g[v.name] = pd.Series(pd.NA, index=g.index).astype(processed_dtype(v, cb))
    g["responded"] = g["_row"].notna()
    g["arm"] = pd.Categorical(g["arm"].astype(str), categories=ARMS)
    g["district_code"] = g["district_code"].astype("string")
    g["group_id"] = g["group_id"].astype("string")
    g["cohort"] = g["cohort"].astype("Int64")
    g = g.sort_values(["group_id", "wave_code"], kind="stable").reset_index(drop=True)
    rows = g[g["responded"]].copy()
    return g[GROUP_COLUMNS], rows


def _build_costs(states: dict[str, _File], assign: pd.DataFrame, cb: Codebook, job: _Run):
    cols = ["group_id", "district_code", "arm", "component", "cost_rp", "_file", "_row"]
    frames = []
    for s in states.values():
        if s.source.module != "cost":
            continue
        t = s.typed
        unknown = ~t["group_id"].isin(assign["group_id"]).to_numpy(dtype=bool)
        job.reject(
            s, t["_row"].to_numpy()[unknown], "unknown_group", "group id not in penugasan_kelompok"
        )
        t = t[~unknown].merge(
            assign[["group_id", "district_code", "arm"]].rename(columns={"arm": "_arm"}),
            on="group_id",
            how="left",
        )
        differ = (t["arm"].astype(str) != t["_arm"].astype(str)).to_numpy(dtype=bool)
        if differ.any():
            job.audit.log(
                s.source.name,
                pd.DataFrame(
                    {
                        "row": t["_row"].to_numpy()[differ],
                        "column": "arm",
                        "old": t["arm"].astype(str).to_numpy()[differ],
                        "new": t["_arm"].astype(str).to_numpy()[differ],
                        "rule": "arm_from_assignment",
                        "detail": "arm differs from penugasan_kelompok",
                    }
                ),
            )
        t["arm"] = t["_arm"]
        frames.append(t[cols])
    if frames:
        c = pd.concat(frames, ignore_index=True)
    else:
        c = pd.DataFrame({k: pd.Series(dtype=object) for k in cols})
    c["group_id"] = c["group_id"].astype("string")
    c["district_code"] = c["district_code"].astype("string")
    c["arm"] = pd.Categorical(c["arm"].astype(str), categories=ARMS)
    c["component"] = c["component"].astype(processed_dtype(cb.variable("cost", "component"), cb))
    c["cost_rp"] = c["cost_rp"].astype("Int64")
    return c.sort_values(["group_id", "component", "_row"], kind="stable").reset_index(drop=True)


def _collected_frame(cb: Codebook, waves: list[str]) -> pd.DataFrame:
    """:func:`wave_frame` restricted to the collected waves (categories keep every wave)."""
    wf = wave_frame(cb)
    return wf[wf["wave"].astype(str).isin(waves).to_numpy()].reset_index(drop=True)


def _outlier_table(frame: pd.DataFrame, flags: pd.DataFrame, id_col: str) -> pd.DataFrame:
    cols = ["file", "row", "wave", "id", "variable", "value", "robust_z"]
    if not len(flags):
        return pd.DataFrame(columns=cols)
    loc = frame.index.get_indexer(flags["pos"])
    return pd.DataFrame(
        {
            "file": frame["_file"].to_numpy()[loc],
            "row": frame["_row"].to_numpy()[loc].astype(np.int64),
            "wave": flags["wave"].astype(str).to_numpy(),
            "id": frame[id_col].astype(str).to_numpy()[loc],
            "variable": flags["variable"].to_numpy(),
            "value": flags["value"].to_numpy(),
            "robust_z": flags["robust_z"].to_numpy(),
        }
    ).sort_values(["file", "row", "variable"], kind="stable")


def _manifest(
    *,
    mapped: list[MappedTable],
    unknown: dict[str, list[str]],
    accounting: pd.DataFrame,
    cb: Codebook,
    key: Secret,
    decisions: Path,
    raw: Path,
    outputs: dict[str, str],
    pending: int,
    waves: list[str],
) -> str:
    inputs = []
    for m, (_, a) in zip(mapped, accounting.iterrows(), strict=True):
        f = m.source
        inputs.append(
            {
                "file": f.name,
                "sha256": f.sha256,
                "bytes": f.path.stat().st_size,
                "module": f.module,
                "wave": f.wave,
                "format": m.raw.format,
                "encoding": m.raw.encoding,
                "separator": m.raw.separator,
                "decimal": m.raw.decimal,
                **{c: int(a[c]) for c in ACCOUNTING_COLUMNS[3:]},
                "unknown_columns": list(unknown[f.name]),
                **({"tool_columns": list(m.tool_columns)} if m.tool_columns else {}),
                **({"wave_from_column": True} if f.wave_from_column else {}),
            }
        )
    try:
        dec = str(decisions.resolve().relative_to(raw.resolve().parent))
    except ValueError:
        dec = str(decisions)
    doc = {
        "codebook_version": cb.version,
        "code_version": _code_version(),
        "respondent_key": {
            "method": "HMAC-SHA256(NIK)",
            "key_source": key.source,
            "key_fingerprint": key.fingerprint,
        },
        "duplicates_decisions": {
            "file": dec,
            "found": decisions.is_file(),
            "pending_sets": pending,
        },
        "accounting_rule": "rows_in = kept + rejected + exact_duplicates + near_duplicates + "
        "decided_duplicates",
        "waves": {
            "collected": list(waves),
            "not_yet_collected": [w for w in cb.waves if w not in waves],
        },
        "inputs": inputs,
        "outputs": outputs,
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def run(raw: Path, out: Path, **options) -> CleanResult:  # noqa: D103 - docstring copied below
    # the output folder is locked for the whole run (a second `jbp clean` into it exits 2 at
    # once, naming this run's pid and start time); outputs are published in one atomic step
    from jbp_analysis.core.publish import OutputLock

    raw, out = Path(raw), Path(out)
    if out.resolve() == raw.resolve() or raw.resolve() in out.resolve().parents:
        raise ConfigError(
            f"the output folder {out} is inside the raw folder {raw}; raw is read-only"
        )
    scanner: list = []  # the run's PII scanner, once the raw files are read
    with OutputLock(out, command="jbp clean"):
        try:
            return _run(raw, out, _scanner=scanner, **options)
        except (JBPInputError, ConfigError) as exc:  # messages quote raw values: masked too
            if scanner:
                from jbp_analysis.clean.pii import mask_error

                mask_error(scanner[0], exc)
            raise


run.__doc__ = _run.__doc__
