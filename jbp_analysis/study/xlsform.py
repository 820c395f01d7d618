"""The instrument as XLSForm workbooks, generated from the codebook (one source of truth).

Each form module of the study (``forms:`` in ``study.yaml``; JBP: ``respondent`` ->
``forms/jbp_responden.xlsx``, ``group`` -> ``forms/jbp_kelompok.xlsx``) becomes an XLSForm with
``survey``, ``choices`` and ``settings`` sheets (XLSForm specification, https://xlsform.org):

* one ``survey`` row per codebook variable that has an ``xlsform`` name, in codebook order (the
  Sakernas labour block keeps its order), inside ``begin_group``/``end_group`` rows so that
  KoboToolbox exports ``group/name`` and ODK Central ``group-name``;
* ``type``: select_one/select_multiple for coded variables, integer (also rupiah), decimal,
  text, date, dateTime; the districts as ``select_one district`` with the BPS codes as choice
  names;
* ``constraint`` from the range (missing codes allowed), ``relevant`` from the codebook's skip
  logic (canonical names become ``${name}``, codes become choice names) and from the waves a
  question is asked in (``${gelombang}``);
* labels, hints and constraint messages in ``label::Bahasa Indonesia (id)`` and
  ``label::English (en)``;
* the KoboToolbox/ODK metadata questions ``start``, ``end``, ``today``, ``deviceid``.

The bytes are deterministic (fixed workbook times and zip timestamps), so ``jbp study forms``
on an unchanged codebook leaves the committed forms unchanged, and a test fails when the two
disagree.

Examples
--------
>>> from jbp_analysis.study.folder import active_study
>>> rows = survey_rows(active_study(), "respondent")
>>> [r["type"] for r in rows[:5]]
['start', 'end', 'today', 'deviceid', 'integer']
>>> next(r for r in rows if r.get("name") == "r2_sementara_tidak_bekerja")["relevant"]
"${r1_bekerja_seminggu} = 'tidak'"
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.study.codebook import Codebook, Variable

__all__ = [
    "LANGUAGES",
    "SURVEY_COLUMNS",
    "META_QUESTIONS",
    "survey_rows",
    "choice_rows",
    "choice_lists",
    "xlsform_type",
    "xlsform_constraint",
    "xlsform_relevant",
    "write_forms",
    "write_templates",
    "form_bytes",
    "workbook_bytes",
]

#: XLSForm language suffixes: ``label::Bahasa Indonesia (id)`` and ``label::English (en)``.
LANGUAGES: dict[str, str] = {"id": "Bahasa Indonesia (id)", "en": "English (en)"}
_TEXT = ("label", "hint", "constraint_message")
SURVEY_COLUMNS: list[str] = [
    "type",
    "name",
    *(f"{col}::{LANGUAGES[lang]}" for col in ("label",) for lang in LANGUAGES),
    *(f"{col}::{LANGUAGES[lang]}" for col in ("hint",) for lang in LANGUAGES),
    "required",
    "relevant",
    "constraint",
    *(f"constraint_message::{LANGUAGES[lang]}" for lang in LANGUAGES),
    "appearance",
]
CHOICE_COLUMNS: list[str] = ["list_name", "name", *(f"label::{LANGUAGES[k]}" for k in LANGUAGES)]
SETTINGS_COLUMNS: list[str] = ["form_title", "form_id", "version", "default_language"]

#: Metadata questions every form starts with (KoboToolbox and ODK export them as columns).
META_QUESTIONS: tuple[str, ...] = ("start", "end", "today", "deviceid")
_WAVE_QUESTION = "wave_code"
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)
_SIMPLE_TYPES = {
    "string": "text",
    "integer": "integer",
    "rupiah": "integer",
    "number": "decimal",
    "date": "date",
    "datetime": "dateTime",
}


# ----------------------------------------------------------------------------------- choices
def choice_name(value_set: str, code: Any, spec: dict[str, Any]) -> str:
    """The XLSForm choice name of one code: ``choice`` if given, else its ``value`` or code."""
    name = spec.get("choice")
    if name is None:
        value = spec.get("value")
        name = value if isinstance(value, str) else code
    return str(name)


def _missing_suffix(codes: tuple[int, ...]) -> str:
    return "_".join(str(abs(c)) for c in sorted(codes))


def choice_lists(codebook: Codebook, module: str) -> dict[tuple[str, tuple[int, ...]], str]:
    """``{(value set, missing codes): list_name}`` for the coded questions of a form.

    A value set asked with one set of missing codes is the list of that name; further
    combinations get a suffix (``likert5_98``), so every question offers exactly its codes and
    its missing codes.
    """
    out: dict[tuple[str, tuple[int, ...]], str] = {}
    used: set[str] = set()
    for v in _questions(codebook, module):
        if v.type not in ("category", "multiple"):
            continue
        key = (str(v.codes), tuple(sorted(v.missing)))
        if key in out:
            continue
        name = key[0] if key[0] not in used else f"{key[0]}_{_missing_suffix(key[1])}"
        used.add(key[0])
        out[key] = name
    return out


def choice_rows(codebook: Codebook, module: str, districts: Any) -> list[dict[str, str]]:
    """Rows of the ``choices`` sheet: every code (then the allowed missing codes) per list."""
    rows: list[dict[str, str]] = []
    for (value_set, missing), list_name in choice_lists(codebook, module).items():
        for code, spec in codebook.value_sets[value_set].items():
            rows.append(_choice(list_name, choice_name(value_set, code, spec), spec))
        for code in sorted(missing):
            spec = codebook.missing_codes[code]
            rows.append(_choice(list_name, str(spec.get("choice", code)), spec))
    if any(v.type == "district" for v in _questions(codebook, module)):
        for d in districts.itertuples():
            label = {"id": d.label, "en": d.label}
            rows.append(_choice("district", str(d.bps_code), label))
    return rows


def _choice(list_name: str, name: str, label: dict[str, Any]) -> dict[str, str]:
    row = {"list_name": list_name, "name": name}
    for lang, suffix in LANGUAGES.items():
        row[f"label::{suffix}"] = str(label[lang])
    return row


# ----------------------------------------------------------------------------------- survey
def _questions(codebook: Codebook, module: str) -> list[Variable]:
    """Form questions in codebook order, each group's together where its first question is."""
    questions = [v for v in codebook.module(module) if v.xlsform is not None]
    first: dict[str | None, int] = {}
    for i, v in enumerate(questions):
        first.setdefault(v.form_group if v.form_group else f"\0{i}", i)
    key = {
        id(v): first[v.form_group if v.form_group else f"\0{i}"] for i, v in enumerate(questions)
    }
    return sorted(questions, key=lambda v: key[id(v)])  # stable: codebook order within a group


def xlsform_type(v: Variable, lists: dict[tuple[str, tuple[int, ...]], str]) -> str:
    """The XLSForm ``type`` of a codebook variable."""
    if v.type in ("category", "multiple"):
        kind = "select_one" if v.type == "category" else "select_multiple"
        return f"{kind} {lists[(str(v.codes), tuple(sorted(v.missing)))]}"
    if v.type == "district":
        return "select_one district"
    try:
        return _SIMPLE_TYPES[v.type]
    except KeyError:
        raise ConfigError(
            f"codebook variable {v.name!r}: type {v.type!r} has no XLSForm type; use one of "
            f"{', '.join([*_SIMPLE_TYPES, 'category', 'multiple', 'district'])}"
        ) from None


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def xlsform_constraint(v: Variable) -> str:
    """``. >= lo and . <= hi`` (or a missing code) for a ranged number; empty otherwise."""
    if v.range is None or v.type not in ("integer", "number", "rupiah"):
        return ""
    lo, hi = v.range
    text = f". >= {_number(lo)} and . <= {_number(hi)}"
    if v.missing:
        text = f"({text})" + "".join(f" or . = {c}" for c in sorted(v.missing))
    return text


_COMPARISON = re.compile(r"\b([a-z_][a-z0-9_]*)\s*(==|!=|>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)")


def xlsform_relevant(v: Variable, codebook: Codebook) -> str:
    """The codebook's skip logic (and the waves asked) as an XLSForm ``relevant`` expression.

    ``worked_last_week == 2 and temp_absent == 2`` becomes
    ``${r1_bekerja_seminggu} = 'tidak' and ${r2_sementara_tidak_bekerja} = 'tidak'``; a question
    asked only at baseline gets ``${gelombang} = 0``.
    """
    by_name = {x.name: x for x in codebook.module(v.module)}
    parts = []
    if v.relevant:
        parts.append(_translate(v.relevant, by_name, codebook, v))
    waves = list(codebook.waves)
    asked = [w for w in waves if w in v.waves]
    wave_var = by_name.get(_WAVE_QUESTION)
    if asked and len(asked) < len(waves) and wave_var is not None and wave_var.xlsform:
        terms = [f"${{{wave_var.form_name}}} = {codebook.waves[w]['code']}" for w in asked]
        parts.append(terms[0] if len(terms) == 1 else "(" + " or ".join(terms) + ")")
    if len(parts) == 2 and " or " in parts[0] and not parts[0].startswith("("):
        parts[0] = f"({parts[0]})"
    return " and ".join(parts)


def _translate(expr: str, by_name: dict[str, Variable], codebook: Codebook, v: Variable) -> str:
    def one(m: re.Match[str]) -> str:
        name, op, number = m.groups()
        ref = by_name.get(name)
        if ref is None or ref.xlsform is None:
            raise ConfigError(
                f"codebook variable {v.name!r}: relevant refers to {name!r}, which is not a "
                f"question of the {v.module} form"
            )
        field = f"${{{ref.form_name}}}"
        op = "=" if op == "==" else op
        if ref.type == "category":
            if op not in ("=", "!="):
                raise ConfigError(
                    f"codebook variable {v.name!r}: relevant compares the coded {name!r} with {op}"
                )
            specs = codebook.value_sets[str(ref.codes)]
            code = next((k for k in specs if str(k) == number), None)
            if code is None:
                missing = codebook.missing_codes.get(int(float(number)))
                if missing is None:
                    raise ConfigError(
                        f"codebook variable {v.name!r}: relevant uses code {number} that "
                        f"{ref.codes!r} does not have"
                    )
                choice = str(missing.get("choice", number))
            else:
                choice = choice_name(str(ref.codes), code, specs[code])
            return f"{field} {op} '{choice}'"
        return f"{field} {op} {number}"

    rest = _COMPARISON.sub("", expr)
    leftover = re.sub(r"\b(and|or|not)\b|[()\s]", "", rest)
    if leftover:
        raise ConfigError(
            f"codebook variable {v.name!r}: cannot translate relevant {expr!r} to XLSForm "
            f"(left over: {leftover!r}); write comparisons 'name == code' joined by and/or"
        )
    return _COMPARISON.sub(one, expr)


def _missing_hint(v: Variable, codebook: Codebook, lang: str) -> str:
    if not v.missing or v.type in ("category", "multiple"):
        return ""
    return "; ".join(f"{codebook.missing_codes[c][lang]} = {c}" for c in sorted(v.missing))


def _constraint_message(v: Variable, codebook: Codebook, lang: str) -> str:
    if v.range is None or v.type not in ("integer", "number", "rupiah"):
        return ""
    lo, hi = (f"{x:,.0f}".replace(",", "." if lang == "id" else ",") for x in v.range)
    text = f"Antara {lo} dan {hi}" if lang == "id" else f"Between {lo} and {hi}"
    if v.missing:
        codes = ", ".join(str(c) for c in sorted(v.missing))
        text += f" (atau {codes})" if lang == "id" else f" (or {codes})"
    return text


def survey_rows(study: Any, module: str) -> list[dict[str, str]]:
    """Rows of the ``survey`` sheet for one form module, metadata and groups included."""
    codebook: Codebook = study.codebook
    lists = choice_lists(codebook, module)
    rows: list[dict[str, str]] = [{"type": m, "name": m} for m in META_QUESTIONS]
    open_group: str | None = None
    for v in _questions(codebook, module):
        group = v.form_group
        if group != open_group:
            if open_group is not None:
                rows.append({"type": "end_group"})
            if group is not None:
                label = codebook.form_groups.get(group, {"id": group, "en": group})
                row = {"type": "begin_group", "name": group}
                for lang, suffix in LANGUAGES.items():
                    row[f"label::{suffix}"] = str(label[lang])
                rows.append(row)
            open_group = group
        row = {
            "type": xlsform_type(v, lists),
            "name": str(v.form_name),
            "required": "yes" if v.required and not v.pii else "",
            "relevant": xlsform_relevant(v, codebook),
            "constraint": xlsform_constraint(v),
            "appearance": "likert" if v.codes == "likert5" else "",
        }
        if v.name == "phone":
            row["required"] = ""
        for lang, suffix in LANGUAGES.items():
            row[f"label::{suffix}"] = v.label[lang]
            row[f"hint::{suffix}"] = _missing_hint(v, codebook, lang)
            row[f"constraint_message::{suffix}"] = _constraint_message(v, codebook, lang)
        rows.append(row)
    if open_group is not None:
        rows.append({"type": "end_group"})
    return rows


# ----------------------------------------------------------------------------------- writing
@dataclass(frozen=True)
class _Sheet:
    title: str
    columns: list[str]
    rows: list[dict[str, str]]


def workbook_bytes(sheets: list[_Sheet]) -> bytes:
    """An XLSX of text sheets with fixed times: the same sheets always give the same bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title)
        ws.append(sheet.columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append([row.get(c, "") or None for c in sheet.columns])
        for i, col in enumerate(sheet.columns, start=1):
            width = max([len(col), *(len(str(r.get(col) or "")) for r in sheet.rows)])
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(60, max(8, width + 2))
        ws.freeze_panes = "A2"
    fixed = datetime(*_FIXED_TIME)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "jbp study forms"
    buf = io.BytesIO()
    wb.save(buf)
    return _normalise_zip(buf.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and a fixed order (openpyxl stamps the clock)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2000-01-01T00:00:00Z\g<2>",
                    body,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def form_bytes(study: Any, module: str) -> bytes:
    """The XLSForm of one module as XLSX bytes (deterministic)."""
    codebook: Codebook = study.codebook
    if module not in study.form_specs:
        raise ConfigError(
            f"the study has no form for module {module!r} (forms: in study.yaml lists "
            f"{', '.join(study.form_specs)})"
        )
    spec = study.form_specs[module]
    settings = {
        "form_title": spec.title,
        "form_id": spec.form_id,
        "version": codebook.version,
        "default_language": LANGUAGES["id"],
    }
    return workbook_bytes(
        [
            _Sheet("survey", SURVEY_COLUMNS, survey_rows(study, module)),
            _Sheet("choices", CHOICE_COLUMNS, choice_rows(codebook, module, study.districts)),
            _Sheet("settings", SETTINGS_COLUMNS, [settings]),
        ]
    )


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_bytes() != data:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def write_forms(study: Any) -> list[Path]:
    """Write every form of the study (``forms:`` in ``study.yaml``); return the paths.

    Examples
    --------
    >>> from jbp_analysis.study.folder import active_study
    >>> [p.name for p in write_forms(active_study())]  # doctest: +SKIP
    ['jbp_responden.xlsx', 'jbp_kelompok.xlsx']
    """
    return [_write(path, form_bytes(study, module)) for module, path in study.forms.items()]


# ----------------------------------------------------------------------------------- templates
#: Blank templates: module -> file stem (the codebook's ``files`` stems).
TEMPLATE_MODULES: tuple[str, ...] = ("assignment", "cost")


def template_columns(codebook: Codebook, module: str) -> list[str]:
    """The headers of a blank template: each variable's first header, in codebook order."""
    return [v.header for v in codebook.module(module)]


def template_csv(codebook: Codebook, module: str) -> bytes:
    """A blank CSV template (header row only, UTF-8, LF)."""
    return (",".join(template_columns(codebook, module)) + "\n").encode("utf-8")


def template_xlsx(codebook: Codebook, module: str) -> bytes:
    """A blank XLSX template: the header row, and a ``codes`` sheet with the allowed values."""
    columns = template_columns(codebook, module)
    codes = []
    for v in codebook.module(module):
        if v.type == "category":
            for code, spec in codebook.value_sets[str(v.codes)].items():
                codes.append(
                    {
                        "column": v.header,
                        "value": str(code),
                        "label::" + LANGUAGES["id"]: spec["id"],
                        "label::" + LANGUAGES["en"]: spec["en"],
                    }
                )
    return workbook_bytes(
        [
            _Sheet(codebook.files[module]["stem"], columns, []),
            _Sheet(
                "codes", ["column", "value", *(f"label::{s}" for s in LANGUAGES.values())], codes
            ),
        ]
    )


def write_templates(study: Any) -> list[Path]:
    """Write the blank assignment and cost templates (CSV and XLSX) into ``templates/``."""
    out = []
    for module in TEMPLATE_MODULES:
        stem = study.codebook.files[module]["stem"]
        base = study.root / "templates" / stem
        out.append(_write(base.with_suffix(".csv"), template_csv(study.codebook, module)))
        out.append(_write(base.with_suffix(".xlsx"), template_xlsx(study.codebook, module)))
    return out
