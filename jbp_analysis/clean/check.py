"""``jbp check``: every problem of a raw folder in one pass, writing nothing.

Reads every file as ``jbp clean`` would (file map, readers, header mapping, decoding) and lists,
instead of stopping at the first:

* ``unplaced``: files the study's file map does not place, and data files of an unsupported
  type;
* ``unreadable_file``: files that cannot be read (empty, corrupt, wrong encoding, another
  survey);
* ``missing_column``: required columns that are absent, with the closest unknown headers and the
  alias that would map them;
* ``unknown_column``: headers that are no codebook question, with the closest codebook headers
  (the field tools' own bookkeeping columns are known and not listed);
* ``unreadable_values``: columns whose share of unreadable values is above the study's
  ``unreadable_threshold``, with the values and the fix (columns below it are listed as notes);
* ``duplicate_export``: two files holding one module's data of one wave;
* ``wave``: waves without respondents: no baseline, a wave missing before a later one, or a wave
  column that does not say which wave a row is.

Unreadable values are counted on the rows ``jbp clean`` normalises (exact and near duplicates
dropped), so both commands give the same counts. Roster names, NIKs and phone numbers typed
outside their columns are masked in every line of the report, as ``jbp clean`` masks them
(:mod:`~jbp_analysis.clean.pii`).

Examples
--------
>>> report = check_raw(Path("data/raw"))  # doctest: +SKIP
>>> report.ok, len(report.problems)  # doctest: +SKIP
(True, 0)
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jbp_analysis.clean.duplicates import near_duplicates, row_codes
from jbp_analysis.clean.inputs import (
    InputFile,
    MappedTable,
    _asked,
    _match,
    closest_names,
    missing_message,
    missing_required,
    place_files,
)
from jbp_analysis.clean.normalise import normalise
from jbp_analysis.clean.pii import PIIScanner, mask_unreadable
from jbp_analysis.clean.pseudonymise import resolve_secret
from jbp_analysis.clean.readers import read_table
from jbp_analysis.clean.unreadable import unreadable_lines, unreadable_problems, unreadable_table
from jbp_analysis.clean.waves import split_waves
from jbp_analysis.core.errors import JBPError, JBPInputError
from jbp_analysis.study.codebook import Codebook

__all__ = ["Problem", "CheckReport", "check_raw"]


@dataclass(frozen=True)
class Problem:
    """One problem: its kind, the file (or folder) and what is wrong, with the fix."""

    kind: str
    file: str
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.file}: {self.message}"


@dataclass(frozen=True)
class CheckReport:
    """Everything :func:`check_raw` found: ``problems`` (exit 2 if any) and ``notes``."""

    raw: Path
    files: tuple[str, ...]
    problems: tuple[Problem, ...]
    notes: tuple[str, ...] = ()
    waves: tuple[str, ...] = ()
    unreadable: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]

    @property
    def ok(self) -> bool:
        """True when there is no problem."""
        return not self.problems

    def tidy(self) -> pd.DataFrame:
        """One row per problem: ``kind, file, message``."""
        return pd.DataFrame(
            [(p.kind, p.file, p.message) for p in self.problems],
            columns=["kind", "file", "message"],
        )

    def text(self) -> str:
        """The report as printed by ``jbp check``."""
        head = (
            f"{self.raw}: {len(self.files)} file(s) placed; waves with respondents: "
            f"{', '.join(self.waves) or 'none'}."
        )
        lines = [head]
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s):")
            lines += [f"  {i}. {p}" for i, p in enumerate(self.problems, start=1)]
        else:
            lines.append("No problems: `jbp clean` can read every file.")
        if self.notes:
            lines.append("Notes:")
            lines += [f"  - {n}" for n in self.notes]
        return "\n".join(lines)


def _unknown(
    unknown: list[str], module: str, mapped: set[str], codebook: Codebook, aliases: str
) -> list[str]:
    """One message per unknown header, with the closest headers of unmapped questions."""
    candidates = {}
    for v in codebook.module(module):
        if v.name in mapped:
            continue
        for h in (*v.headers, v.form_header("/") if v.xlsform else None):
            if h:
                candidates[h] = v.name
    out = []
    for h in unknown:
        near = closest_names(h, candidates, limit=2)
        out.append(
            f"unknown column {h!r} (not carried to any output)"
            + (
                f"; closest codebook headers: {', '.join(near)}. If it is one of them, add it "
                f"to {aliases} under `headers: {module}: <name>: [{h!r}]`"
                if near
                else ""
            )
        )
    return out


def check_raw(
    raw: Path,
    *,
    codebook: Codebook | None = None,
    file_map=None,  # noqa: ANN001 - study.folder.FileMap
    unreadable_threshold: float | None = None,
) -> CheckReport:
    """Check a raw folder against the active study folder; write nothing.

    Parameters
    ----------
    raw
        Folder of raw exports.
    codebook, file_map, unreadable_threshold
        Default: those of the active study folder (``--study``/``JBP_STUDY``).
    """
    from jbp_analysis.clean.run import _study_settings
    from jbp_analysis.study.codebook import load_codebook

    cb = codebook or load_codebook()
    threshold, aliases = _study_settings(unreadable_threshold)
    raw = Path(raw)
    if not raw.is_dir():
        problem = Problem("raw_folder", str(raw), "the raw folder does not exist")
        return CheckReport(raw=raw, files=(), problems=(problem,))
    files, bad = place_files(raw, cb, file_map=file_map)
    problems = _placement_problems(bad)
    parts: list[MappedTable] = []
    failed: set[str] = set()  # modules with a file that could not be read (no wave follow-ups)
    for f in files:
        found, mapped = _check_file(f, cb, aliases)
        problems += found
        if mapped is None:
            failed.add(f.module)
        else:
            parts += mapped
    problems += _duplicate_exports(parts)
    pii = _scanner(raw, parts)
    table, _ = mask_unreadable(pii, _unreadable(parts, cb))
    for line in unreadable_problems(table, threshold=threshold, aliases=aliases):
        file, rest = line.split(", column ", 1)
        problems.append(Problem("unreadable_values", file, "column " + rest))
    below = table[(table["unreadable"] > 0) & (table["share"] <= threshold)]
    notes = [
        line.removeprefix("unread ") + f" (at or below the {threshold:.1%} threshold)"
        for line in unreadable_lines(below)[1:]
    ]
    waves = [
        w
        for w in cb.waves
        if any(m.source.module == "respondent" and m.source.wave == w for m in parts)
    ]
    if "respondent" not in failed:  # else the waves are unknown, not missing
        problems += _wave_problems(waves, parts, cb, raw)
    return CheckReport(
        raw=raw,
        files=tuple(f.name for f in files),
        problems=tuple(Problem(p.kind, p.file, pii.mask_text(p.message)[0]) for p in problems),
        notes=tuple(pii.mask_text(n)[0] for n in notes),
        waves=tuple(waves),
        unreadable=table,
    )


def _placement_problems(bad) -> list[Problem]:  # noqa: ANN001 - inputs.UnplacedFiles
    out = [
        Problem(
            "unplaced",
            p.name,
            "the file map places no such file. For a renamed export add a rule to "
            "study/file_map.yaml, e.g. `- {pattern: '" + p.name + "', module: respondent, "
            "wave: endline}`; a file from another survey does not belong here",
        )
        for p in bad.unplaced
    ]
    out += [
        Problem("unplaced", p.name, "unsupported file type; export .csv, .xlsx, .dta or .sav")
        for p in bad.unsupported
    ]
    return out


def _check_file(
    f: InputFile, cb: Codebook, aliases: str
) -> tuple[list[Problem], list[MappedTable] | None]:
    """The problems of one file and its mapped parts (None: the file cannot be used)."""
    try:
        table = read_table(f.path, sheet=f.sheet)
        mapping, unknown, tools = _match(table, f, cb)
    except JBPInputError as exc:
        return [Problem("unreadable_file", f.name, exc.problem + _hint(exc))], None
    if not mapping:
        msg = "none of the headers is in the codebook: an export of another survey?"
        return [Problem("unreadable_file", f.name, msg)], None
    problems = []
    variables = [v for v in cb.module(f.module) if _asked(v, f.wave)]
    missing = missing_required(variables, set(mapping.values()), f)
    if missing:
        problems.append(
            Problem(
                "missing_column",
                f.name,
                missing_message(missing, unknown, f.module)
                + f". Add the aliases to {aliases}, or re-export the form with all questions",
            )
        )
    for msg in _unknown(unknown, f.module, set(mapping.values()), cb, aliases):
        problems.append(Problem("unknown_column", f.name, msg))
    frame = table.frame.rename(columns=mapping)
    blank = pd.Series(pd.NA, index=frame.index, dtype=pd.StringDtype("pyarrow"))
    m = MappedTable(
        source=f,
        raw=table,
        frame=pd.DataFrame(
            {v.name: frame[v.name] if v.name in frame.columns else blank for v in variables},
            index=frame.index,
        ),
        headers={n: h for h, n in mapping.items()},
        unknown=tuple(unknown),
        tool_columns=tuple(tools),
    )
    if not f.wave_from_column:
        return problems, [m]
    try:
        return problems, split_waves(m, cb)
    except JBPInputError as exc:
        return [*problems, Problem("wave", f.name, exc.problem + _hint(exc))], None


def _duplicate_exports(parts: list[MappedTable]) -> list[Problem]:
    out = []
    seen: dict[tuple[str, str | None], str] = {}
    for m in parts:
        k = (m.source.module, m.source.wave)
        if k in seen:
            out.append(
                Problem(
                    "duplicate_export",
                    m.source.name,
                    f"holds the {k[0]} data of wave {k[1]}, as does {seen[k]}: keep one of them",
                )
            )
        seen.setdefault(k, m.source.name)
    return out


def _scanner(raw: Path, parts: list[MappedTable]) -> PIIScanner:
    """The PII scanner of ``jbp clean`` for these files: the roster of the readable files,
    keyed with the project secret (masked values then read as in ``jbp clean``'s outputs), or a
    random key when there is none (``jbp check`` needs no secret)."""
    try:
        key = resolve_secret(raw).key
    except JBPError:
        key = secrets.token_bytes(32)
    return PIIScanner.from_frames([m.frame for m in parts], key=key)


def _unreadable(parts: list[MappedTable], cb: Codebook) -> pd.DataFrame:
    """Unreadable values of every column of every part, counted as ``jbp clean`` counts them:
    on the rows left once exact duplicates (every cell equal) and near duplicates (equal but
    for the submission id and time) are dropped."""
    stats = []
    for m in parts:
        vs = [v for v in cb.module(m.source.module) if v.name in m.frame.columns]
        frame = m.frame.reset_index(drop=True)
        codes = row_codes(frame)  # factorised once for both checks
        kept = ~near_duplicates(frame, ignore=(), order_by=None, codes=codes)[0].to_numpy(bool)
        frame = frame[kept].reset_index(drop=True)
        codes = codes[kept].reset_index(drop=True)
        ignore = tuple(c for c in ("submission_id", "submission_time") if c in frame.columns)
        order_by = "submission_time" if "submission_time" in frame.columns else None
        near, _ = near_duplicates(frame, ignore=ignore, order_by=order_by, codes=codes)
        norm = normalise(frame[~near.to_numpy(dtype=bool)], vs, codebook=cb)
        stats.append(
            norm.unreadable.assign(
                file=m.source.name,
                header=[m.headers.get(c, "") for c in norm.unreadable["column"]],
            )
        )
    return unreadable_table(stats)


def _hint(exc: JBPInputError) -> str:
    where = [f"column {exc.column!r}"] if exc.column else []
    where += [f"row {exc.row}"] if exc.row else []
    return (f" ({', '.join(where)})" if where else "") + (f". {exc.hint}" if exc.hint else "")


def _wave_problems(
    waves: list[str], parts: list[MappedTable], cb: Codebook, raw: Path
) -> list[Problem]:
    out = []
    order = list(cb.waves)
    if waves and "baseline" not in waves:
        out.append(
            Problem(
                "wave",
                str(raw),
                "no baseline respondents: the baseline defines the respondents. Add the "
                "baseline respondent export",
            )
        )
    if not waves:
        out.append(Problem("wave", str(raw), "no respondent file with respondents"))
    if waves:
        last = max(order.index(w) for w in waves)
        for w in order[:last]:
            if w not in waves:
                out.append(
                    Problem(
                        "wave",
                        str(raw),
                        f"wave {w!r} has no respondents although a later wave has: its export "
                        "is missing, or the file map or the wave column places it elsewhere",
                    )
                )
    for m in parts:
        if m.source.module == "group" and m.source.wave not in waves:
            out.append(
                Problem(
                    "wave",
                    m.source.name,
                    f"group visits for wave {m.source.wave!r}, which has no respondents",
                )
            )
    return out
