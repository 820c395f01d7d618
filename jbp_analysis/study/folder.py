"""The study folder: everything that defines one evaluation, as data.

The library is generic; the study is a folder (default ``study/`` at the project root; ``--study
DIR`` on every ``jbp`` command, or the ``JBP_STUDY`` environment variable) that holds:

``study.yaml``
    the study's name and settings (``unreadable_threshold``, ``study_window``) and where its
    reference table and forms are.
``codebook.yaml``
    every variable: analysis name, export headers, type, range, codes, missing codes, skip logic,
    labels, and the XLSForm ``name``/``group`` of each question.
``forms/``
    the instrument as XLSForm workbooks, generated from the codebook (``jbp study forms``).
``file_map.yaml``
    which export file is which module and wave, by glob pattern.
``aliases.yaml``
    extra header spellings per analysis name, extra answer spellings per value set: what a user
    adds without touching code.
``reference/``
    the districts table (and its sources).
``templates/``
    blank assignment and cost templates (CSV and XLSX) with a README.

:func:`load_study_folder` reads and checks the folder and raises one :class:`StudyFolderError`
that lists every problem (file, problem, fix). ``jbp study check`` adds the slower checks
(forms against the codebook, pyxform, templates); see :mod:`jbp_analysis.study.check`.

Examples
--------
>>> study = load_study_folder(resolve_study())
>>> study.root.name, study.settings.unreadable_threshold
('study', 0.01)
>>> study.file_map.place("JBP_responden_-_all_versions_-_False_-_2017-08-01-10-00-00.csv").module
'respondent'
>>> study.file_map.place("responden_endline.xlsx").wave
'endline'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.core.paths import STUDY_DIR
from jbp_analysis.study.codebook_file import Codebook, read_codebook

__all__ = [
    "STUDY_ENV",
    "FileRule",
    "FileMap",
    "Placement",
    "Aliases",
    "StudySettings",
    "FormSpec",
    "StudyFolder",
    "StudyProblem",
    "StudyFolderError",
    "resolve_study",
    "load_study_folder",
    "read_study_folder",
    "active_study",
    "activate_study",
    "read_districts",
]

#: Environment variable naming the study folder (``--study`` sets it for the run and its workers).
STUDY_ENV = "JBP_STUDY"

_SETTINGS_DEFAULTS: dict[str, Any] = {"unreadable_threshold": 0.01, "study_window": None}
_DISTRICT_COLUMNS = ["bps_code", "type", "name", "seat"]


# ----------------------------------------------------------------------------------- problems
@dataclass(frozen=True)
class StudyProblem:
    """One problem in a study folder: the file, what is wrong, and how to fix it."""

    file: str
    problem: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.file}: {self.problem}" + (f" Fix: {self.fix}" if self.fix else "")


class StudyFolderError(ConfigError):
    """The study folder cannot be used; ``problems`` lists every problem found in one pass."""

    def __init__(self, root: Path, problems: list[StudyProblem]) -> None:
        self.root = root
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"the study folder {root} has {len(self.problems)} problem(s):\n{lines}\n"
            "Run `jbp study check --study DIR` after fixing them."
        )


# ----------------------------------------------------------------------------------- file map
@dataclass(frozen=True)
class Placement:
    """Where an export file belongs: module, wave (None: from the wave column) and sheet."""

    module: str
    wave: str | None
    sheet: str | None
    rule: int


@dataclass(frozen=True)
class FileRule:
    """One ``file_map.yaml`` rule. ``{wave}`` in the pattern stands for any wave name."""

    pattern: str
    module: str
    wave: str | None = None
    sheet: str | None = None

    def match(self, name: str, waves: tuple[str, ...]) -> tuple[bool, str | None]:
        """``(matched, wave)`` for a file name (case-insensitive shell glob)."""
        lower = name.lower()
        pat = self.pattern.lower()
        if "{wave}" in pat:
            for wave in waves:
                if fnmatch.fnmatchcase(lower, pat.replace("{wave}", wave.lower())):
                    return True, wave
            return False, None
        return fnmatch.fnmatchcase(lower, pat), self.wave


@dataclass(frozen=True)
class FileMap:
    """The file map: rules tried in order, the first that matches wins.

    Examples
    --------
    >>> fm = FileMap((FileRule("responden_{wave}.*", "respondent"),), ("baseline", "endline"))
    >>> fm.place("Responden_Endline.CSV")
    Placement(module='respondent', wave='endline', sheet=None, rule=0)
    >>> fm.place("notes.txt") is None
    True
    """

    rules: tuple[FileRule, ...]
    waves: tuple[str, ...]

    def place(self, name: str) -> Placement | None:
        """The placement of a file name, or None when no rule matches."""
        for i, rule in enumerate(self.rules):
            ok, wave = rule.match(name, self.waves)
            if ok:
                return Placement(module=rule.module, wave=wave, sheet=rule.sheet, rule=i)
        return None


# ----------------------------------------------------------------------------------- aliases
@dataclass(frozen=True)
class Aliases:
    """User-added spellings: ``headers[module][name]`` and ``answers[value_set][code]``."""

    headers: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    answers: dict[str, dict[Any, tuple[str, ...]]] = field(default_factory=dict)


@dataclass(frozen=True)
class FormSpec:
    """One XLSForm of the study: its file, ``form_id`` and ``form_title``.

    KoboToolbox names exports after the title (``JBP_responden_-_all_versions_-_...``), ODK
    Central after the form_id (``jbp_responden.csv``).
    """

    module: str
    path: Path
    form_id: str
    title: str


@dataclass(frozen=True)
class StudySettings:
    """Study settings from ``study.yaml``.

    ``unreadable_threshold``: the share of a column's non-blank cells that may be unreadable
    before cleaning stops (default 0.01). ``study_window``: ``(start, end)`` dates outside which
    interview and visit dates are implausible, or None.
    """

    unreadable_threshold: float = 0.01
    study_window: tuple[dt.date, dt.date] | None = None


@dataclass(frozen=True, eq=False)
class StudyFolder:
    """A loaded study folder (see the module docstring for its files)."""

    root: Path
    name: str
    codebook: Codebook = field(repr=False)
    file_map: FileMap = field(repr=False)
    aliases: Aliases = field(repr=False)
    settings: StudySettings
    districts: pd.DataFrame = field(repr=False)
    forms: dict[str, Path] = field(default_factory=dict, repr=False)
    form_specs: dict[str, FormSpec] = field(default_factory=dict, repr=False)

    def path(self, relative: str | Path) -> Path:
        """A path inside the study folder."""
        return self.root / relative


# ----------------------------------------------------------------------------------- resolve
def resolve_study(study: str | Path | None = None) -> Path:
    """The study folder to use: ``study`` if given, else ``$JBP_STUDY``, else ``study/``.

    Examples
    --------
    >>> resolve_study().name
    'study'
    """
    if study is None or str(study) == "":
        study = os.environ.get(STUDY_ENV) or STUDY_DIR
    return Path(study).expanduser().resolve()


def activate_study(study: str | Path | None = None) -> StudyFolder:
    """Load a study folder and make it the active one for this run (and its worker processes).

    The command line calls this for ``--study DIR``: it sets ``JBP_STUDY`` so that every
    ``load_codebook()``/``districts()`` call, and the report kernels, read the same study.
    """
    root = resolve_study(study)
    folder = load_study_folder(root)
    os.environ[STUDY_ENV] = str(root)
    return folder


_ACTIVE: dict[str, Any] = {}
_RECHECK_SECONDS = 2.0


def active_study() -> StudyFolder:
    """The study folder in use (:func:`resolve_study` with no argument), loaded and cached.

    ``load_codebook()`` and ``districts()`` call this many times per run, so the folder's files
    are re-checked for changes at most every two seconds (explicit :func:`load_study_folder`
    calls always re-check).
    """
    key = (os.environ.get(STUDY_ENV), os.getcwd())
    now = time.monotonic()
    if _ACTIVE.get("key") == key and now - _ACTIVE["at"] < _RECHECK_SECONDS:
        return _ACTIVE["folder"]
    folder = load_study_folder(resolve_study())
    _ACTIVE.update(key=key, at=now, folder=folder)
    return folder


_CACHE: dict[tuple[str, tuple[int, ...]], StudyFolder] = {}
_FILES = ("study.yaml", "codebook.yaml", "file_map.yaml", "aliases.yaml")


def load_study_folder(path: str | Path) -> StudyFolder:
    """Read and check a study folder; cached until one of its YAML files changes.

    Raises
    ------
    StudyFolderError
        Listing every problem found (missing files, bad YAML, unknown modules, waves, names or
        codes in the file map or aliases, bad settings, a bad districts table), each with the
        file and the fix.
    """
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise StudyFolderError(
            root,
            [
                StudyProblem(
                    str(root),
                    "the study folder does not exist or is not a folder.",
                    "Give --study the folder that holds study.yaml and codebook.yaml (or unset "
                    f"{STUDY_ENV}); the JBP study is the project's study/ folder.",
                )
            ],
        )
    stamp = tuple(_mtime(root / f) for f in _FILES)
    key = (str(root), stamp)
    if key not in _CACHE:
        _CACHE[key] = _load(root)
    return _CACHE[key]


def _mtime(p: Path) -> int:
    try:
        return p.stat().st_mtime_ns
    except OSError:
        return -1


def _load(root: Path) -> StudyFolder:
    folder, problems = read_study_folder(root)
    if problems or folder is None:
        raise StudyFolderError(root, problems)
    return folder


def read_study_folder(path: str | Path) -> tuple[StudyFolder | None, list[StudyProblem]]:
    """Read a study folder as far as possible: ``(folder, problems)``, raising nothing.

    ``folder`` is None only when the codebook cannot be read; otherwise it is built from the
    parts that could be read, so that ``jbp study check`` can go on to the forms and templates
    and list every problem in one pass. Use :func:`load_study_folder` to run the suite.
    """
    root = Path(path).expanduser().resolve()
    problems: list[StudyProblem] = []
    study_yaml = _read_yaml(root, "study.yaml", problems, required=True) or {}
    cb_path = root / "codebook.yaml"
    codebook: Codebook | None = None
    if not cb_path.is_file():
        problems.append(
            StudyProblem(
                str(cb_path),
                "the codebook is missing.",
                "Copy codebook.yaml from the JBP study folder (study/) and edit it.",
            )
        )
    else:
        try:
            codebook = read_codebook(cb_path)
        except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
            problems.append(
                StudyProblem(
                    str(cb_path),
                    f"cannot be read as a codebook ({type(exc).__name__}: {exc}).",
                    "Compare it with the JBP codebook; every variable needs name, headers, "
                    "module, waves, type and label.",
                )
            )
    settings = _settings(root, study_yaml, problems)
    districts = _districts(root, study_yaml, problems)
    form_specs = _forms(root, study_yaml, problems)
    if codebook is None:
        return None, problems
    file_map = _file_map(root, codebook, problems)
    aliases = _aliases(root, codebook, problems)
    folder = StudyFolder(
        root=root,
        name=str(study_yaml.get("name") or root.name),
        codebook=merge_aliases(codebook, aliases),
        file_map=file_map,
        aliases=aliases,
        settings=settings,
        districts=districts,
        forms={m: f.path for m, f in form_specs.items()},
        form_specs=form_specs,
    )
    return folder, problems


def _read_yaml(
    root: Path, name: str, problems: list[StudyProblem], *, required: bool
) -> dict[str, Any] | None:
    p = root / name
    if not p.is_file():
        if required:
            problems.append(
                StudyProblem(
                    str(p), "is missing.", f"Copy {name} from the JBP study folder (study/)."
                )
            )
        return None
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problems.append(
            StudyProblem(
                str(p),
                f"is not valid YAML{where}: {getattr(exc, 'problem', exc)}.",
                "Check the indentation and quote values that contain ':' or '#'.",
            )
        )
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(StudyProblem(str(p), "must be a YAML mapping (key: value lines)."))
        return None
    return data


def _settings(
    root: Path, study_yaml: dict[str, Any], problems: list[StudyProblem]
) -> StudySettings:
    file = str(root / "study.yaml")
    raw = study_yaml.get("settings") or {}
    if not isinstance(raw, dict):
        problems.append(StudyProblem(file, "'settings' must be a mapping."))
        return StudySettings()
    unknown = sorted(set(raw) - set(_SETTINGS_DEFAULTS))
    if unknown:
        problems.append(
            StudyProblem(
                file,
                f"unknown setting(s) {', '.join(unknown)}.",
                f"Known settings: {', '.join(_SETTINGS_DEFAULTS)}.",
            )
        )
    threshold = raw.get("unreadable_threshold", _SETTINGS_DEFAULTS["unreadable_threshold"])
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not (0 <= threshold < 1)
    ):
        problems.append(
            StudyProblem(
                file,
                f"unreadable_threshold must be a share between 0 and 1, got {threshold!r}.",
                "Use e.g. 0.01 for 1% of a column's non-blank cells.",
            )
        )
        threshold = _SETTINGS_DEFAULTS["unreadable_threshold"]
    window = raw.get("study_window")
    parsed: tuple[dt.date, dt.date] | None = None
    if window is not None:
        try:
            start, end = (_date(window[k]) for k in ("start", "end"))
            if start >= end:
                raise ValueError("start is not before end")
            parsed = (start, end)
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(
                StudyProblem(
                    file,
                    f"study_window must be {{start: YYYY-MM-DD, end: YYYY-MM-DD}} with start "
                    f"before end ({exc}).",
                )
            )
    return StudySettings(unreadable_threshold=float(threshold), study_window=parsed)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def read_districts(path: Path) -> pd.DataFrame:
    """Read a districts table (``bps_code, type, name, seat``) and add ``label`` and ``slug``."""
    df = pd.read_csv(path, dtype={"bps_code": str})
    missing = [c for c in _DISTRICT_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"missing column(s) {', '.join(missing)}")
    if not df["bps_code"].str.fullmatch(r"\d{4}").all():
        raise ValueError("every bps_code must be four digits")
    if not df["bps_code"].is_unique:
        raise ValueError("bps_code values repeat")
    if not df["type"].isin(["Kabupaten", "Kota"]).all():
        raise ValueError("type must be Kabupaten or Kota")
    df["label"] = df["type"].map({"Kabupaten": "Kab.", "Kota": "Kota"}) + " " + df["name"]
    df["slug"] = (
        df["bps_code"] + "-" + df["type"].str.lower().str[:3] + "-" + df["name"].str.lower()
    )
    return df


def _districts(
    root: Path, study_yaml: dict[str, Any], problems: list[StudyProblem]
) -> pd.DataFrame:
    rel = (study_yaml.get("reference") or {}).get("districts", "reference/districts.csv")
    p = root / rel
    if not p.is_file():
        problems.append(
            StudyProblem(
                str(p),
                "the districts reference table is missing.",
                "Add a CSV with columns bps_code,type,name,seat and name it under reference: "
                "districts: in study.yaml.",
            )
        )
        return pd.DataFrame(columns=[*_DISTRICT_COLUMNS, "label", "slug"])
    try:
        return read_districts(p)
    except (ValueError, pd.errors.ParserError) as exc:
        problems.append(
            StudyProblem(
                str(p), f"is not a districts table: {exc}.", "Columns: bps_code,type,name,seat."
            )
        )
        return pd.DataFrame(columns=[*_DISTRICT_COLUMNS, "label", "slug"])


def _forms(
    root: Path, study_yaml: dict[str, Any], problems: list[StudyProblem]
) -> dict[str, FormSpec]:
    file = str(root / "study.yaml")
    forms = study_yaml.get("forms") or {}
    fix = "Write forms: {module: {file: forms/x.xlsx, form_id: x, title: 'X'}}."
    if not isinstance(forms, dict):
        problems.append(StudyProblem(file, "'forms' must map each module to its form.", fix))
        return {}
    out = {}
    for module, spec in forms.items():
        if isinstance(spec, str):
            spec = {"file": spec}
        if not isinstance(spec, dict) or not spec.get("file"):
            problems.append(StudyProblem(file, f"forms: {module!r} needs a file.", fix))
            continue
        path = root / str(spec["file"])
        form_id = str(spec.get("form_id") or path.stem)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", form_id):
            problems.append(
                StudyProblem(file, f"forms: {module!r} form_id {form_id!r} is not a valid id.", fix)
            )
        title = str(spec.get("title") or form_id)
        out[str(module)] = FormSpec(str(module), path, form_id, title)
    return out


def _file_map(root: Path, codebook: Codebook, problems: list[StudyProblem]) -> FileMap:
    file = str(root / "file_map.yaml")
    data = _read_yaml(root, "file_map.yaml", problems, required=True) or {}
    waves = tuple(codebook.waves)
    rules: list[FileRule] = []
    for i, entry in enumerate(data.get("rules") or [], start=1):
        if not isinstance(entry, dict) or not entry.get("pattern") or not entry.get("module"):
            problems.append(
                StudyProblem(file, f"rule {i} needs a pattern and a module.", _FILE_MAP_FIX)
            )
            continue
        unknown = sorted(set(entry) - {"pattern", "module", "wave", "sheet"})
        rule = FileRule(
            pattern=str(entry["pattern"]),
            module=str(entry["module"]),
            wave=None if entry.get("wave") is None else str(entry["wave"]),
            sheet=None if entry.get("sheet") is None else str(entry["sheet"]),
        )
        if unknown:
            problems.append(
                StudyProblem(
                    file,
                    f"rule {i} ({rule.pattern}) has unknown key(s) {', '.join(unknown)}.",
                    _FILE_MAP_FIX,
                )
            )
        if rule.module not in codebook.files:
            problems.append(
                StudyProblem(
                    file,
                    f"rule {i} ({rule.pattern}) names unknown module {rule.module!r}.",
                    f"Use one of {', '.join(codebook.files)}.",
                )
            )
        if rule.wave is not None and rule.wave not in waves:
            problems.append(
                StudyProblem(
                    file,
                    f"rule {i} ({rule.pattern}) names unknown wave {rule.wave!r}.",
                    f"Use one of {', '.join(waves)}, or leave wave out to take it from the "
                    "export's wave column.",
                )
            )
        if "{wave}" in rule.pattern and rule.wave is not None:
            problems.append(
                StudyProblem(
                    file,
                    f"rule {i} ({rule.pattern}) has both {{wave}} in the pattern and a wave.",
                    "Keep one of them.",
                )
            )
        if re.search(r"\{(?!wave\})", rule.pattern):
            problems.append(
                StudyProblem(
                    file,
                    f"rule {i} ({rule.pattern}): the only placeholder is {{wave}}.",
                    _FILE_MAP_FIX,
                )
            )
        rules.append(rule)
    if not rules and not any(p.file == file for p in problems):
        problems.append(StudyProblem(file, "has no rules.", _FILE_MAP_FIX))
    return FileMap(rules=tuple(rules), waves=waves)


_FILE_MAP_FIX = (
    "Each rule is {pattern: 'glob', module: respondent|group|assignment|cost, wave: optional, "
    "sheet: optional}; see the comments in the JBP study's file_map.yaml."
)


def _aliases(root: Path, codebook: Codebook, problems: list[StudyProblem]) -> Aliases:
    """Read ``aliases.yaml`` (header and value aliases), recording every problem with its fix.

    Length: one short validation block per section of aliases.yaml, each recording its problems.
    """
    file = str(root / "aliases.yaml")
    data = _read_yaml(root, "aliases.yaml", problems, required=False) or {}
    headers: dict[str, dict[str, tuple[str, ...]]] = {}
    for module, names in (data.get("headers") or {}).items():
        if module not in codebook.files:
            problems.append(
                StudyProblem(
                    file,
                    f"headers: unknown module {module!r}.",
                    f"Use one of {', '.join(codebook.files)}.",
                )
            )
            continue
        known = {v.name: v for v in codebook.module(module)}
        taken = {h.strip().lower(): v.name for v in known.values() for h in v.headers}
        for name, spellings in (names or {}).items():
            if name not in known:
                problems.append(
                    StudyProblem(
                        file,
                        f"headers: {module} has no variable {name!r}.",
                        "Use an analysis name from codebook.yaml (e.g. "
                        f"{', '.join(list(known)[:3])}).",
                    )
                )
                continue
            spellings = _strings(spellings)
            for s in spellings:
                other = taken.get(s.lower())
                if other is not None and other != name:
                    problems.append(
                        StudyProblem(
                            file,
                            f"headers: {module}.{name} alias {s!r} is already the header of "
                            f"{other!r}.",
                            "Remove the alias; one header can mean one variable only.",
                        )
                    )
                taken[s.lower()] = name
            headers.setdefault(module, {})[name] = spellings
    answers: dict[str, dict[Any, tuple[str, ...]]] = {}
    for value_set, codes in (data.get("answers") or {}).items():
        if value_set not in codebook.value_sets:
            problems.append(
                StudyProblem(
                    file,
                    f"answers: unknown value set {value_set!r}.",
                    f"Use one of {', '.join(codebook.value_sets)}.",
                )
            )
            continue
        vs = codebook.value_sets[value_set]
        by_text = {str(k): k for k in vs}
        labels = {
            _norm(str(t)): k
            for k, spec in vs.items()
            for t in (k, spec.get("id"), spec.get("en"), spec.get("value"), spec.get("choice"))
            if t is not None and not isinstance(t, bool)
        }
        for code, spellings in (codes or {}).items():
            key = by_text.get(str(code))
            if key is None:
                problems.append(
                    StudyProblem(
                        file,
                        f"answers: value set {value_set!r} has no code {code!r}.",
                        f"Codes of {value_set}: {', '.join(map(str, vs))}.",
                    )
                )
                continue
            spellings = _strings(spellings)
            for s in spellings:
                other = labels.get(_norm(s))
                if other is not None and other != key:
                    problems.append(
                        StudyProblem(
                            file,
                            f"answers: {value_set} code {code} alias {s!r} already means code "
                            f"{other}.",
                            "Remove the alias; one answer can mean one code only.",
                        )
                    )
                labels[_norm(s)] = key
            answers.setdefault(value_set, {})[key] = spellings
    return Aliases(headers=headers, answers=answers)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int | float):
        value = [value]
    return tuple(str(v).strip() for v in value if str(v).strip())


def _norm(text: str) -> str:
    return " ".join(re.split(r"[\s_\-]+", text.strip().lower())).strip()


def merge_aliases(codebook: Codebook, aliases: Aliases) -> Codebook:
    """The codebook with the user's aliases added.

    Header aliases are appended to each variable's ``headers`` (the first header, which the
    simulator writes, is unchanged). Answer aliases go to each value-set code's ``aliases`` list.
    """
    if not aliases.headers and not aliases.answers:
        return codebook
    variables = []
    for v in codebook.variables:
        extra = aliases.headers.get(v.module, {}).get(v.name, ())
        new = tuple(h for h in extra if h not in v.headers)
        variables.append(dataclasses.replace(v, headers=v.headers + new) if new else v)
    value_sets = {}
    for name, vs in codebook.value_sets.items():
        extra_codes = aliases.answers.get(name, {})
        value_sets[name] = {
            code: (
                {**spec, "aliases": [*spec.get("aliases", []), *extra_codes[code]]}
                if code in extra_codes
                else spec
            )
            for code, spec in vs.items()
        }
    return dataclasses.replace(codebook, variables=tuple(variables), value_sets=value_sets)
