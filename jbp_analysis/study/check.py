"""``jbp study check``: validate a whole study folder in one pass and list every problem.

The checks, each reported as a :class:`~jbp_analysis.study.folder.StudyProblem` (file, problem,
fix), none stopping the others:

1. the folder loads: YAML, settings, file map, aliases (unknown modules, names, value sets or
   codes, spellings that already mean something else), districts table
   (:func:`~jbp_analysis.study.folder.load_study_folder`);
2. the codebook: skip logic refers to known names, coded variables to known value sets, missing
   codes are declared, analysis names and headers are unique per module, form groups have labels;
3. every XLSForm against the codebook, read back from the XLSX independently of the generator:
   each question's type, group, labels (both languages), constraint (range and missing codes),
   relevant (skip logic and waves), choice list (names and labels), no extra questions, and the
   ``settings`` sheet; then pyxform converts the form (the library KoboToolbox and ODK use);
4. the blank templates: present, with the codebook's headers;
5. the analysis plan (``analysis_plan.yaml``), with ``jbp plan check``'s validation.

Examples
--------
>>> from jbp_analysis.study.folder import resolve_study
>>> check_study(resolve_study())
[]
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jbp_analysis.study.codebook import Codebook, Variable
from jbp_analysis.study.folder import (
    StudyFolder,
    StudyFolderError,
    StudyProblem,
    load_study_folder,
    read_study_folder,
)

__all__ = [
    "check_study",
    "check_codebook",
    "check_file_map",
    "check_form",
    "check_templates",
    "check_plan",
    "convert_form",
]

_REGENERATE = "Run `jbp study forms` to regenerate the forms from codebook.yaml."
_XLSFORM_TYPES = {
    "string": {"text"},
    "integer": {"integer"},
    "rupiah": {"integer", "decimal"},
    "number": {"decimal", "integer"},
    "date": {"date"},
    "datetime": {"dateTime", "datetime"},
}


def check_study(path: str | Path) -> list[StudyProblem]:
    """Every problem of the study folder at ``path`` (empty list: the folder is consistent)."""
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        try:
            load_study_folder(root)
        except StudyFolderError as exc:
            return exc.problems
    study, problems = read_study_folder(root)
    if study is None:
        return problems  # without a codebook nothing else can be checked
    problems += check_codebook(study)
    problems += check_file_map(study)
    for module, form in study.forms.items():
        problems += check_form(study, module, form)
    problems += check_templates(study)
    problems += check_plan(study)
    return problems


def check_plan(study: StudyFolder) -> list[StudyProblem]:
    """The analysis plan, validated by :func:`jbp_analysis.study.plan.load_plan` (if present)."""
    from jbp_analysis.core.errors import JBPError

    path = study.root / "analysis_plan.yaml"
    if not path.is_file():
        return []
    try:
        from jbp_analysis.study.plan import load_plan

        load_plan(study.root)
    except JBPError as exc:
        text = str(exc)
        prefix = f"{path}: "
        return [StudyProblem(str(path), text.removeprefix(prefix), "See `jbp plan check`.")]
    return []


# ----------------------------------------------------------------------------------- codebook
def check_codebook(study: StudyFolder) -> list[StudyProblem]:
    """Internal consistency of the codebook."""
    cb = study.codebook
    file = str(study.root / "codebook.yaml")
    out: list[StudyProblem] = []
    unlabelled: set[str] = set()
    for module in cb.files:
        try:
            variables = cb.module(module)
        except KeyError:
            out.append(StudyProblem(file, f"module {module!r} has no variables."))
            continue
        names = [v.name for v in variables]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            out.append(StudyProblem(file, f"{module}: the analysis name {dup!r} repeats."))
        headers = [h.lower() for v in variables for h in v.headers]
        for dup in sorted({h for h in headers if headers.count(h) > 1}):
            out.append(
                StudyProblem(file, f"{module}: the header {dup!r} belongs to two variables.")
            )
        known = set(names)
        for v in variables:
            where = f"{module}.{v.name}"
            if v.type in ("category", "multiple") and v.codes not in cb.value_sets:
                out.append(StudyProblem(file, f"{where}: unknown value set {v.codes!r}."))
            for code in v.missing:
                if code not in cb.missing_codes:
                    out.append(StudyProblem(file, f"{where}: missing code {code} is not declared."))
            for token in re.findall(r"[a-z_][a-z0-9_]*", v.relevant or ""):
                if token not in known | {"and", "or", "not"}:
                    out.append(
                        StudyProblem(file, f"{where}: relevant refers to unknown {token!r}.")
                    )
            group = v.form_group
            if group and group not in cb.form_groups and group not in unlabelled:
                unlabelled.add(group)
                out.append(
                    StudyProblem(
                        file,
                        f"{where}: XLSForm group {group!r} has no label.",
                        f"Add {group}: {{id: ..., en: ...}} under form_groups.",
                    )
                )
    return out


# ----------------------------------------------------------------------------------- file map
def expected_names(study: StudyFolder) -> list[tuple[str, str, str | None]]:
    """``(file name, module, wave)`` that the file map must place: the codebook's own names,
    and the names KoboToolbox (form title) and ODK Central (form_id) give each form's export."""
    out: list[tuple[str, str, str | None]] = []
    cb = study.codebook
    for module, spec in cb.files.items():
        waves = list(cb.waves) if spec.get("per_wave") else [None]
        for wave in waves:
            stem = spec["stem"].format(wave=wave) if wave else spec["stem"]
            out += [(f"{stem}.csv", module, wave), (f"{stem}.xlsx", module, wave)]
    stamp = "2017-08-01-10-00-00"
    for module, form in study.form_specs.items():
        kobo = form.title.replace(" ", "_")
        out.append((f"{kobo}_-_all_versions_-_False_-_{stamp}.csv", module, None))
        out.append((f"{kobo}_-_latest_version_-_labels_-_{stamp}.xlsx", module, None))
        out.append((f"{form.form_id}.csv", module, None))
    return out


def check_file_map(study: StudyFolder) -> list[StudyProblem]:
    """The file map places the codebook's file names and the field tools' export names."""
    file = str(study.root / "file_map.yaml")
    out = []
    for name, module, wave in expected_names(study):
        placed = study.file_map.place(name)
        if placed is None:
            out.append(
                StudyProblem(
                    file,
                    f"no rule places {name} ({module}{', ' + wave if wave else ''}).",
                    "Add a rule for it (see the shipped file_map.yaml).",
                )
            )
        elif (placed.module, placed.wave) != (module, wave):
            out.append(
                StudyProblem(
                    file,
                    f"rule {placed.rule + 1} places {name} as {placed.module}"
                    f"{', ' + placed.wave if placed.wave else ''}, not {module}"
                    f"{', ' + wave if wave else ''}.",
                    "Move the more specific rule above it, or narrow its pattern.",
                )
            )
    return out


# ----------------------------------------------------------------------------------- forms
def _sheet(wb: Any, name: str) -> list[dict[str, str]]:
    ws = wb[name]
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        return []
    head = [str(h).strip() if h is not None else "" for h in rows[0]]
    out = []
    for r in rows[1:]:
        row = {h: ("" if c is None else str(c).strip()) for h, c in zip(head, r, strict=False) if h}
        if any(row.values()):
            out.append(row)
    return out


def _choice_name(spec: dict[str, Any], code: Any) -> str:
    name = spec.get("choice")
    if name is None:
        value = spec.get("value")
        name = value if isinstance(value, str) else code
    return str(name)


def _expected_type(v: Variable) -> set[str]:
    if v.type == "category":
        return {"select_one"}
    if v.type == "multiple":
        return {"select_multiple"}
    if v.type == "district":
        return {"select_one"}
    return _XLSFORM_TYPES.get(v.type, {"?"})


def _range_of(constraint: str) -> tuple[float, float] | None:
    m = re.search(r"\.\s*>=\s*(-?[\d.]+)\s+and\s+\.\s*<=\s*(-?[\d.]+)", constraint)
    return None if m is None else (float(m.group(1)), float(m.group(2)))


def _relevant_terms(expr: str) -> set[tuple[str, str, str]]:
    """``{(name, op, value)}`` of a relevant expression (either syntax)."""
    terms = set()
    for m in re.finditer(
        r"(\$\{[a-z0-9_]+\}|[a-z_][a-z0-9_]*)\s*(==|!=|>=|<=|=|>|<)\s*('[^']*'|-?[\d.]+)", expr
    ):
        name, op, value = m.groups()
        terms.add((name.strip("${}"), "=" if op == "==" else op, value.strip("'")))
    return terms


def _expected_relevant(v: Variable, cb: Codebook) -> set[tuple[str, str, str]]:
    by_name = {x.name: x for x in cb.module(v.module)}
    out = set()
    for name, op, value in _relevant_terms(v.relevant or ""):
        ref = by_name.get(name)
        if ref is None:
            continue
        if ref.type == "category":
            specs = cb.value_sets[str(ref.codes)]
            code = next((k for k in specs if str(k) == value), None)
            value = _choice_name(specs[code], code) if code is not None else value
        out.add((str(ref.form_name), op, value))
    waves = list(cb.waves)
    if any(w not in v.waves for w in waves) and "all" not in v.waves:
        wave_var = by_name.get("wave_code")
        if wave_var is not None and wave_var.form_name:
            for w in v.waves:
                out.add((wave_var.form_name, "=", str(cb.waves[w]["code"])))
    return out


def check_form(study: StudyFolder, module: str, path: Path) -> list[StudyProblem]:
    """The XLSForm at ``path`` against the codebook, read back from the file."""
    from openpyxl import load_workbook

    from jbp_analysis.study.xlsform import LANGUAGES, META_QUESTIONS

    file = str(path)
    if not path.is_file():
        return [StudyProblem(file, f"the {module} form is missing.", _REGENERATE)]
    try:
        wb = load_workbook(path, read_only=True)
        missing_sheets = [s for s in ("survey", "choices", "settings") if s not in wb.sheetnames]
        if missing_sheets:
            return [
                StudyProblem(file, f"sheet(s) {', '.join(missing_sheets)} missing.", _REGENERATE)
            ]
        survey, choices, settings = (_sheet(wb, s) for s in ("survey", "choices", "settings"))
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is one reported problem
        return [StudyProblem(file, f"cannot be read as XLSX ({exc}).", _REGENERATE)]
    cb = study.codebook
    out: list[StudyProblem] = []
    lists: dict[str, list[dict[str, str]]] = {}
    for c in choices:
        lists.setdefault(c.get("list_name", ""), []).append(c)
    rows: dict[str, tuple[dict[str, str], str | None]] = {}
    order: list[str] = []
    group: list[str] = []
    for r in survey:
        kind = r.get("type", "")
        if kind == "begin_group":
            group.append(r.get("name", ""))
            continue
        if kind == "end_group":
            if group:
                group.pop()
            continue
        name = r.get("name", "")
        rows[name] = (r, "/".join(group) or None)
        order.append(name)
    expected = [v for v in cb.module(module) if v.xlsform is not None]
    by_form = {str(v.form_name): v for v in expected}
    for name in order:
        if name not in by_form and name not in META_QUESTIONS:
            out.append(
                StudyProblem(
                    file, f"question {name!r} is not in the codebook ({module}).", _REGENERATE
                )
            )
    for v in expected:
        name = str(v.form_name)
        where = f"question {name!r} ({module}.{v.name})"
        if name not in rows:
            out.append(StudyProblem(file, f"{where} is missing from the form.", _REGENERATE))
            continue
        row, grp = rows[name]
        problems = _compare_question(v, row, grp, cb, lists, study, LANGUAGES)
        out += [StudyProblem(file, f"{where}: {p}", _REGENERATE) for p in problems]
    # question order follows the codebook within each group (the Sakernas block keeps its order)
    for g in {v.form_group for v in expected}:
        want = [str(v.form_name) for v in expected if v.form_group == g]
        have = [n for n in order if n in set(want)]
        if have != want and set(have) == set(want):
            out.append(
                StudyProblem(
                    file, f"group {g!r}: questions are not in codebook order.", _REGENERATE
                )
            )
    spec = study.form_specs[module]
    s = settings[0] if settings else {}
    want = {"form_id": spec.form_id, "form_title": spec.title, "version": cb.version}
    have = {k: s.get(k) for k in want}
    if have != want:
        out.append(
            StudyProblem(
                file, f"settings sheet {have} differs from study.yaml/codebook {want}.", _REGENERATE
            )
        )
    if not out:
        out += convert_form(path)
    return out


def _compare_question(
    v: Variable,
    row: dict[str, str],
    group: str | None,
    cb: Codebook,
    lists: dict[str, list[dict[str, str]]],
    study: StudyFolder,
    languages: dict[str, str],
) -> list[str]:
    out = []
    kind, _, list_name = row.get("type", "").partition(" ")
    if kind not in _expected_type(v):
        out.append(f"type {row.get('type')!r}, codebook type {v.type!r}.")
    if (group or None) != (v.form_group or None):
        out.append(f"in group {group!r}, codebook group {v.form_group!r}.")
    for lang, suffix in languages.items():
        if row.get(f"label::{suffix}", "") != v.label[lang]:
            out.append(f"label ({lang}) differs from the codebook.")
    constraint = row.get("constraint", "")
    rng = _range_of(constraint)
    want = None if v.range is None else (float(v.range[0]), float(v.range[1]))
    if v.type in ("integer", "number", "rupiah") and rng != want:
        out.append(f"constraint {constraint!r}, codebook range {v.range}.")
    if want is not None:
        allowed = {int(x) for x in re.findall(r"\.\s*=\s*(-\d+)", constraint)}
        if allowed != set(v.missing):
            out.append(
                f"constraint allows missing codes {sorted(allowed)}, codebook {list(v.missing)}."
            )
    have_rel = _relevant_terms(row.get("relevant", ""))
    want_rel = _expected_relevant(v, cb)
    if have_rel != want_rel:
        out.append(
            f"relevant {row.get('relevant', '')!r} does not match the codebook's skip logic."
        )
    if kind in ("select_one", "select_multiple"):
        have = [
            (c.get("name", ""), *(c.get(f"label::{s}", "") for s in languages.values()))
            for c in lists.get(list_name, [])
        ]
        if v.type == "district":
            want_choices = [
                (str(d.bps_code), *([d.label] * len(languages)))
                for d in study.districts.itertuples()
            ]
        else:
            specs = cb.value_sets.get(str(v.codes), {})
            want_choices = [
                (_choice_name(spec, code), *(str(spec[k]) for k in languages))
                for code, spec in specs.items()
            ] + [
                (
                    str(cb.missing_codes[c].get("choice", c)),
                    *(cb.missing_codes[c][k] for k in languages),
                )
                for c in sorted(v.missing)
            ]
        if have != want_choices:
            out.append(f"choice list {list_name!r} differs from the codebook's codes and labels.")
    return out


def convert_form(path: Path) -> list[StudyProblem]:
    """Convert the form with pyxform (no Java validation, no network); errors and warnings."""
    try:
        from pyxform.errors import PyXFormError
        from pyxform.xls2xform import convert
    except ImportError:  # pragma: no cover - pyxform is a declared dependency
        return [StudyProblem(str(path), "pyxform is not installed.", "pip install pyxform")]
    warnings: list[str] = []
    try:
        convert(xlsform=str(path), warnings=warnings)
    except PyXFormError as exc:
        return [StudyProblem(str(path), f"pyxform cannot convert the form: {exc}", _REGENERATE)]
    return [StudyProblem(str(path), f"pyxform warning: {w}", _REGENERATE) for w in warnings]


# ----------------------------------------------------------------------------------- templates
def check_templates(study: StudyFolder) -> list[StudyProblem]:
    """The blank assignment and cost templates exist and carry the codebook's headers."""
    import pandas as pd

    from jbp_analysis.study.xlsform import TEMPLATE_MODULES, template_columns

    out = []
    readme = study.root / "templates" / "README.md"
    if not readme.is_file():
        out.append(StudyProblem(str(readme), "is missing.", "Explain how to fill the templates."))
    for module in TEMPLATE_MODULES:
        want = template_columns(study.codebook, module)
        stem = study.codebook.files[module]["stem"]
        for ext in (".csv", ".xlsx"):
            p = study.root / "templates" / f"{stem}{ext}"
            if not p.is_file():
                out.append(StudyProblem(str(p), "the blank template is missing.", _REGENERATE))
                continue
            try:
                have = list(
                    pd.read_csv(p, nrows=0).columns
                    if ext == ".csv"
                    else pd.read_excel(p, nrows=0, sheet_name=0).columns
                )
            except Exception as exc:  # noqa: BLE001
                out.append(StudyProblem(str(p), f"cannot be read ({exc}).", _REGENERATE))
                continue
            if have != want:
                out.append(
                    StudyProblem(
                        str(p), f"headers {have} differ from the codebook's {want}.", _REGENERATE
                    )
                )
    return out
