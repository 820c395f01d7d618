"""Find the raw exports in a raw folder and map their headers to codebook names.

**Which file is which.** The study folder's file map (``study/file_map.yaml``,
:class:`~jbp_analysis.study.folder.FileMap`) places every file by glob pattern: the suite's own
names (``responden_{wave}.csv``), KoboToolbox names
(``JBP_responden_baseline_-_all_versions_-_False_-_2017-08-01-10-00-00.csv``) and ODK Central
names (``jbp_responden_baseline.csv``). A rule without a wave leaves the wave to the export's wave
column (one form for all waves). The simulator's answer key (``_truth/``), ``SIMULATED.json``,
README files, hidden files and sub-folders are not survey exports and are skipped; every other
data file must be placed, or the run stops naming all the files that are not.

**Headers.** A header is matched only by its full path or a declared alias, never by its last
segment: the codebook's headers and the user's aliases (``study/aliases.yaml``), the XLSForm path
of the question (KoboToolbox ``kerja/r1_bekerja_seminggu``, ODK Central
``kerja-r1_bekerja_seminggu``, any of ``/ . : -`` as the separator, or the path joined by ``_``
as Stata/SPSS exports write it) and the question's label in either language (KoboToolbox
"labels" exports). Matching ignores case and surrounding spaces. A select_multiple dummy such as
``bantuan/bantuan_diterima/pendidikan`` is therefore never taken for ``latar/pendidikan``.

The field tools' own columns are recognised: KoboToolbox ``_uuid`` and ``_submission_time`` and
ODK Central ``meta-instanceID`` (its ``uuid:`` prefix removed) and ``SubmissionDate`` give the
submission fields; bookkeeping columns (``start``, ``end``, ``today``, ``deviceid``, ``_id``,
``_index``, ``_validation_status``, ``__version__``, ``KEY``, ``ReviewState``, ...) are known and
not carried to any output (:attr:`MappedTable.tool_columns`).

Examples
--------
>>> from jbp_analysis.study.codebook import load_codebook
>>> keys = header_keys(load_codebook(), "respondent")
>>> keys["latar/umur"], keys["latar_umur"], keys["kerja/r1_bekerja_seminggu"]
('age', 'age', 'worked_last_week')
>>> "umur" in keys  # the short name alone is not a full path
False
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jbp_analysis.clean.readers import FORMATS, RawTable
from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.core.io import sha256_file
from jbp_analysis.study.codebook import Codebook, Variable

__all__ = [
    "InputFile",
    "MappedTable",
    "UnplacedFiles",
    "discover",
    "place_files",
    "header_keys",
    "map_headers",
    "missing_required",
    "closest_names",
    "TOOL_COLUMNS",
    "ALIASES_FILE",
]

_GROUP_SEP = re.compile(r"[/.:\-]")
_NOT_EXPORTS = {"simulated.json"}
_OTHER_DATA = {".xls", ".json", ".tsv", ".txt", ".zip", ".ods"}
ALIASES_FILE = "study/aliases.yaml"

#: The field tools' bookkeeping columns (lower case): ``{header: submission field or None}``.
#: None means known and not carried to any output. A submission field is used only when the
#: codebook's own header for it is absent from the file.
TOOL_COLUMNS: dict[str, str | None] = {
    # KoboToolbox
    **dict.fromkeys(
        [
            "start",
            "end",
            "today",
            "deviceid",
            "subscriberid",
            "simserial",
            "phonenumber",
            "username",
            "audit",
            "_id",
            "_index",
            "_validation_status",
            "__version__",
            "_version_",
            "_notes",
            "_status",
            "_submitted_by",
            "_tags",
            "_xform_id_string",
            "_attachments",
            "_geolocation",
            "_parent_table_name",
            "_parent_index",
            "formhub/uuid",
            "meta/instanceid",
            "meta/deprecatedid",
            "meta/rootuuid",
            "meta/audit",
        ],
        None,
    ),  # fmt: skip
    # ODK Central
    **dict.fromkeys(
        [
            "key",
            "submitterid",
            "submittername",
            "attachmentspresent",
            "attachmentsexpected",
            "status",
            "reviewstate",
            "devicenumber",
            "edits",
            "formversion",
            "meta-audit",
            "meta-deprecatedid",
            "instanceid",
        ],
        None,
    ),  # fmt: skip
    "_uuid": "submission_id",
    "_submission_time": "submission_time",
    "meta-instanceid": "submission_id",
    "submissiondate": "submission_time",
}
# values of these headers carry a prefix the submission field does not have
_STRIP_PREFIX = {"meta-instanceid": "uuid:", "meta/instanceid": "uuid:", "instanceid": "uuid:"}


@dataclass(frozen=True)
class InputFile:
    """One raw export found in the raw folder.

    ``wave`` is None for a per-wave module when the file map leaves the wave to the export's
    wave column (one form for all waves) and for the assignment and cost files.
    """

    path: Path
    module: str
    wave: str | None
    sha256: str
    wave_from_column: bool = False
    sheet: str | None = None  # the XLSX sheet the file map names (None: the first)

    @property
    def name(self) -> str:
        """File name (as used in logs and rejects)."""
        return self.path.name

    @property
    def key(self) -> str:
        """Unique label of this part of the run: the file name, plus the wave for one wave of a
        file that holds several (see :func:`jbp_analysis.clean.run.split_waves`)."""
        return f"{self.name} [{self.wave}]" if self.wave_from_column else self.name


@dataclass(frozen=True)
class MappedTable:
    """A raw table with canonical column names.

    ``frame`` holds one string column per codebook variable of the module (missing optional
    columns as all-missing), ``headers`` the export header each came from, ``unknown`` the
    export headers that are not in the codebook for this module and wave (their values are
    never carried to any output), ``tool_columns`` the field tool's bookkeeping columns.
    """

    source: InputFile
    raw: RawTable = field(repr=False)
    frame: pd.DataFrame = field(repr=False)
    headers: dict[str, str]
    unknown: tuple[str, ...]
    tool_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnplacedFiles:
    """The files of a raw folder that no file-map rule places, and the unsupported ones."""

    unplaced: tuple[Path, ...]
    unsupported: tuple[Path, ...]


def _file_map(codebook: Codebook, file_map):  # noqa: ANN202 - FileMap, imported lazily
    if file_map is not None:
        return file_map
    from jbp_analysis.study.folder import FileMap, FileRule, active_study

    try:
        return active_study().file_map
    except Exception:  # noqa: BLE001 - no study folder: the codebook's own file names
        rules = []
        for module, spec in codebook.files.items():
            rules.append(FileRule(pattern=f"{spec['stem']}.*", module=module))
        return FileMap(rules=tuple(rules), waves=tuple(codebook.waves))


def place_files(
    raw: Path, codebook: Codebook, *, file_map=None
) -> tuple[list[InputFile], UnplacedFiles]:
    """Place every data file of ``raw`` with the file map; no error for unplaced files.

    Returns the placed files in a fixed order (module, wave, name) and the files that are not
    placed or of an unsupported type. :func:`discover` turns the latter into one error;
    ``jbp check`` lists them with the other problems.
    """
    fm = _file_map(codebook, file_map)
    placed: list[InputFile] = []
    unplaced: list[Path] = []
    unsupported: list[Path] = []
    for path in sorted(Path(raw).iterdir()):
        name = path.name
        if path.is_dir() or name.startswith((".", "_")) or name.lower() in _NOT_EXPORTS:
            continue
        if name.lower().startswith("readme"):
            continue
        suffix = path.suffix.lower()
        if suffix not in FORMATS:
            if suffix in _OTHER_DATA:
                unsupported.append(path)
            continue
        where = fm.place(name)
        if where is None:
            unplaced.append(path)
            continue
        per_wave = bool(codebook.files.get(where.module, {}).get("per_wave"))
        placed.append(
            InputFile(
                path=path,
                module=where.module,
                wave=where.wave if per_wave else None,
                sha256=sha256_file(path),
                wave_from_column=per_wave and where.wave is None,
                sheet=where.sheet,
            )
        )
    modules = list(codebook.files)
    waves = list(codebook.waves)
    placed.sort(
        key=lambda f: (
            modules.index(f.module),
            waves.index(f.wave) if f.wave else (len(waves) if f.wave_from_column else -1),
            f.name,
        )
    )
    return placed, UnplacedFiles(tuple(unplaced), tuple(unsupported))


def discover(raw: Path, codebook: Codebook, *, file_map=None) -> list[InputFile]:
    """List the survey exports in ``raw``, placed by the study's file map.

    Raises
    ------
    JBPInputError
        ``raw`` is missing or holds no exports; files that the file map does not place or of an
        unsupported type (all of them named in one message); two files for one module and wave;
        no assignment file or no respondent file.
    """
    raw = Path(raw)
    if not raw.is_dir():
        raise JBPInputError("the raw data folder does not exist or is not a folder", file=raw)
    files, bad = place_files(raw, codebook, file_map=file_map)
    if bad.unsupported:
        names = ", ".join(p.name for p in bad.unsupported)
        raise JBPInputError(
            f"unsupported export type: {names}",
            file=raw,
            hint="Export the survey as .csv, .xlsx, .dta or .sav (or move the file out of the "
            "raw folder).",
        )
    if bad.unplaced:
        names = ", ".join(p.name for p in bad.unplaced)
        raise JBPInputError(
            f"not a survey export of this study: the file map places none of {names}",
            file=raw,
            hint="A file from another survey does not belong in the raw folder. For a renamed "
            "export, add a rule to study/file_map.yaml, e.g. "
            "`- {pattern: 'my_export*.csv', module: respondent, wave: endline}`.",
        )
    seen: dict[tuple[str, str | None, bool], InputFile] = {}
    for f in files:
        k = (f.module, f.wave, f.wave_from_column)
        if k in seen and not f.wave_from_column:
            raise JBPInputError(
                f"two exports of the same data: {seen[k].name} and {f.name}",
                file=f.path,
                hint="Keep one of them in the raw folder.",
            )
        seen[k] = f
    if not files:
        raise JBPInputError(
            "no survey exports found (expected responden_baseline.csv, penugasan_kelompok.csv, "
            "...)",
            file=raw,
        )
    present = {f.module for f in files}
    for module in ("assignment", "respondent"):
        if module not in present:
            stem = codebook.files[module]["stem"].format(wave="baseline")
            raise JBPInputError(
                f"the required export {stem}.csv (or .xlsx/.dta/.sav) is missing",
                file=raw,
            )
    resp = [f for f in files if f.module == "respondent"]
    if not any(f.wave == "baseline" or f.wave_from_column for f in resp):
        raise JBPInputError(
            "the required export responden_baseline.csv (or .xlsx/.dta/.sav) is missing: the "
            "baseline defines the respondents",
            file=raw,
        )
    return files


# ------------------------------------------------------------------------------- headers
def _path_keys(header: str) -> list[str]:
    """Lower-case keys of a full header path: as written, ``/``-separated, ``_``-joined."""
    key = header.strip().lower()
    parts = [p for p in _GROUP_SEP.split(key) if p]
    return list(dict.fromkeys([key, "/".join(parts), "_".join(parts)]))


def _label_key(text: str) -> str:
    return " ".join(str(text).lower().split())


def _spellings(v: Variable) -> list[str]:
    """Every header a variable may have: codebook headers and aliases, its XLSForm path."""
    out = list(v.headers)
    form = getattr(v, "form_header", None)
    if callable(form) and form() is not None:
        out.append(form())
    return out


def header_keys(codebook: Codebook, module: str) -> dict[str, str]:
    """``{accepted header key: canonical name}`` for a module (keys are lower case).

    Keys are the full paths of every codebook header, alias and XLSForm question (see the
    module docstring) and the question labels; a key that two variables would share is left
    out, and a path always wins over a label spelt the same.
    """
    paths: dict[str, set[str]] = {}
    labels: dict[str, set[str]] = {}
    groups = getattr(codebook, "form_groups", {}) or {}
    for v in codebook.module(module):
        for h in _spellings(v):
            for k in _path_keys(h):
                paths.setdefault(k, set()).add(v.name)
        group = getattr(v, "form_group", None)
        for lang in ("id", "en"):
            text = (v.label or {}).get(lang)
            if text:  # KoboToolbox "labels" export: the label, or "Group label/Question label"
                labels.setdefault(_label_key(text), set()).add(v.name)
                glabel = groups.get(group, {}).get(lang, group) if group else None
                if glabel:
                    labels.setdefault(_label_key(f"{glabel}/{text}"), set()).add(v.name)
    out = {k: next(iter(n)) for k, n in labels.items() if len(n) == 1 and k not in paths}
    out.update({k: next(iter(n)) for k, n in paths.items() if len(n) == 1})
    return out


def _asked(v: Variable, wave: str | None) -> bool:
    return wave is None or "all" in v.waves or wave in v.waves


def _lookup(keys: dict[str, str], header: str) -> str | None:
    key = str(header).strip().lower()
    name = keys.get(key) or keys.get(_label_key(key))
    if name is None and "/" in key:  # labels export: spaces around the group separator
        name = keys.get(_label_key("/".join(p.strip() for p in key.split("/"))))
    if name is None:
        parts = [p for p in _GROUP_SEP.split(key) if p]
        name = keys.get("/".join(parts))
    return name


def closest_names(header: str, candidates: dict[str, str], *, limit: int = 3) -> list[str]:
    """The codebook headers closest to ``header`` (``candidates``: ``{header: name}``).

    Examples
    --------
    >>> closest_names("pekerjaan/r1_bekerja_seminggu",
    ...               {"kerja/r1_bekerja_seminggu": "worked_last_week", "latar/umur": "age"})
    ['kerja/r1_bekerja_seminggu (worked_last_week)']
    """
    from rapidfuzz import fuzz, process

    if not candidates:
        return []
    found = process.extract(
        str(header).strip().lower(),
        {h: h.lower() for h in candidates},
        scorer=fuzz.WRatio,
        limit=limit,
        score_cutoff=60,
    )
    return [f"{h} ({candidates[h]})" for _text, _score, h in found]


def missing_required(
    variables: list[Variable], mapped: set[str], source: InputFile
) -> list[Variable]:
    """Required variables of ``variables`` with no column (the wave code is not required when
    the file map gives the file's wave)."""
    out = []
    for v in variables:
        if not v.required or v.name in mapped:
            continue
        if v.name == "wave_code" and source.wave is not None:
            continue
        out.append(v)
    return out


def map_headers(table: RawTable, source: InputFile, codebook: Codebook) -> MappedTable:
    """Rename export headers to canonical names; check required columns.

    Raises
    ------
    JBPInputError
        No header is known (a file from another survey), two headers map to the same variable,
        or required columns are missing (all of them in one message, each with the closest
        unknown headers and the alias that would map them).
    """
    mapping, unknown, tools = _match(table, source, codebook)
    variables = [v for v in codebook.module(source.module) if _asked(v, source.wave)]
    if not mapping:
        raise JBPInputError(
            "none of the column headers is in the codebook: this looks like an export from "
            f"another survey (first headers: {', '.join(map(str, table.frame.columns[:4]))})",
            file=source.path,
            hint="Only this study's exports belong in the raw folder.",
        )
    missing = missing_required(variables, set(mapping.values()), source)
    if missing:
        raise JBPInputError(
            missing_message(missing, unknown, source.module),
            file=source.path,
            hint=f"Re-export the form with all questions, or add the aliases to {aliases_file()} "
            "(headers: module: name: [export header]).",
        )
    frame = table.frame.rename(columns=mapping)
    cols = {}
    for v in variables:
        if v.name in frame.columns:
            col = frame[v.name]
            prefix = _STRIP_PREFIX.get(str(_header_of(mapping, v.name)).strip().lower())
            if prefix:
                col = col.str.removeprefix(prefix)
            cols[v.name] = col
        else:
            cols[v.name] = pd.Series(pd.NA, index=frame.index, dtype=pd.StringDtype("pyarrow"))
    headers = {name: header for header, name in mapping.items()}
    return MappedTable(
        source=source,
        raw=table,
        frame=pd.DataFrame(cols, index=frame.index),
        headers=headers,
        unknown=tuple(unknown),
        tool_columns=tuple(tools),
    )


def aliases_file() -> str:
    """The aliases file of the active study folder (where a user adds other spellings)."""
    try:
        from jbp_analysis.study.folder import resolve_study

        return str(resolve_study() / "aliases.yaml")
    except Exception:  # noqa: BLE001 - no study folder: the documented default
        return ALIASES_FILE


def _header_of(mapping: dict[str, str], name: str) -> str | None:
    return next((h for h, n in mapping.items() if n == name), None)


def missing_message(missing: list[Variable], unknown: list[str], module: str) -> str:
    """One sentence per missing required column, with the closest unknown headers."""
    parts = []
    for v in missing:
        near = closest_names(v.header, {u: "unknown column" for u in unknown}, limit=2)
        near_txt = (
            f"; closest unknown header(s): {', '.join(n.split(' (')[0] for n in near)} -> add "
            f"`{module}: {{{v.name}: [{near[0].split(' (')[0]!r}]}}` under headers:"
            if near
            else ""
        )
        parts.append(f"{v.header!r} (variable {v.name!r}, {v.label['en']}){near_txt}")
    head = (
        "required column missing"
        if len(missing) == 1
        else (f"required column missing, {len(missing)} of them")
    )
    return f"{head}: " + "; ".join(f"({i}) {p}" for i, p in enumerate(parts, start=1))


def _match(
    table: RawTable, source: InputFile, codebook: Codebook
) -> tuple[dict[str, str], list[str], list[str]]:
    """``({header: name}, unknown headers, tool columns)``; two headers for one variable raise."""
    keys = header_keys(codebook, source.module)
    asked = {v.name for v in codebook.module(source.module) if _asked(v, source.wave)}
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    tool_hits: list[tuple[str, str | None]] = []
    dummies = _dummy_keys(codebook, source.module)
    for header in table.frame.columns:
        name = _lookup(keys, header)
        low = str(header).strip().lower()
        path = "/".join(p for p in _GROUP_SEP.split(low) if p)
        if name is None and (path in dummies or _label_key(low) in dummies):
            tool_hits.append((str(header), None))  # a select_multiple's 0/1 column per option
            continue
        if name is None and low in TOOL_COLUMNS:
            tool_hits.append((str(header), TOOL_COLUMNS[low]))
            continue
        if name is None or name not in asked:
            unknown.append(str(header))
            continue
        if name in mapping.values():
            other = _header_of(mapping, name)
            raise JBPInputError(
                f"columns {other!r} and {header!r} both hold the variable {name!r}",
                file=source.path,
                column=str(header),
                hint="Keep one of them.",
            )
        mapping[str(header)] = name
    tools = []
    for header, field_name in tool_hits:
        if field_name is not None and field_name in asked and field_name not in mapping.values():
            mapping[header] = field_name
        else:
            tools.append(header)
    return mapping, unknown, tools


def _dummy_keys(codebook: Codebook, module: str) -> set[str]:
    """``group/question/option`` keys of the 0/1 columns the tools add per select_multiple option
    (the answer itself is the question's column)."""
    from jbp_analysis.clean.normalise import choice_name

    out: set[str] = set()
    for v in codebook.module(module):
        if v.type != "multiple" or not v.codes:
            continue
        groups = getattr(codebook, "form_groups", {}) or {}
        for path in _spellings(v):
            base = "/".join(p for p in _GROUP_SEP.split(path.strip().lower()) if p)
            for code, spec in codebook.value_sets[v.codes].items():
                out.add(f"{base}/{choice_name(spec, code).lower()}")
        for lang in ("id", "en"):  # labels export: Group label/Question label/Option label
            glabel = groups.get(v.form_group, {}).get(lang, v.form_group) if v.form_group else None
            qlabel = "/".join(x for x in (glabel, v.label.get(lang)) if x)
            for spec in codebook.value_sets[v.codes].values():
                if spec.get(lang):
                    out.add(_label_key(f"{qlabel}/{spec[lang]}"))
    return out


def with_wave(source: InputFile, wave: str) -> InputFile:
    """The part of a wave-from-column file that holds one wave."""
    return dataclasses.replace(source, wave=wave)
