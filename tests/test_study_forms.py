"""The XLSForms: generated from the codebook, identical to the committed files, accepted by pyxform.

The comparison reads the committed XLSX back (openpyxl) and checks it against the codebook with
code that does not use the generator (``jbp_analysis.study.check``); the tests below also break
the form or the codebook on purpose to show that the comparison fails.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml

from jbp_analysis.core.paths import STUDY_DIR
from jbp_analysis.study.check import check_form, check_study, convert_form
from jbp_analysis.study.folder import load_study_folder
from jbp_analysis.study.xlsform import LANGUAGES, form_bytes, template_csv

STUDY = load_study_folder(STUDY_DIR)
FORMS = sorted(STUDY.forms.items())
REGENERATE = "Run `jbp study forms` after changing codebook.yaml."


def _survey(path: Path) -> list[dict[str, str]]:
    ws = openpyxl.load_workbook(path, read_only=True)["survey"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    return [
        {h: ("" if c is None else str(c)) for h, c in zip(head, r, strict=False)} for r in rows[1:]
    ]


@pytest.mark.parametrize(("module", "path"), FORMS)
def test_committed_form_is_what_the_codebook_generates(module: str, path: Path) -> None:
    assert path.read_bytes() == form_bytes(STUDY, module), f"{path.name} is stale. {REGENERATE}"


@pytest.mark.parametrize(("module", "path"), FORMS)
def test_form_agrees_with_the_codebook(module: str, path: Path) -> None:
    problems = check_form(STUDY, module, path)
    assert problems == [], "\n".join(map(str, problems)) + "\n" + REGENERATE


@pytest.mark.parametrize(("module", "path"), FORMS)
def test_pyxform_converts_every_form(module: str, path: Path) -> None:
    from pyxform.xls2xform import convert

    warnings: list[str] = []
    result = convert(xlsform=str(path), warnings=warnings)
    assert warnings == []
    assert "<h:html" in result.xform and "<bind " in result.xform


def test_form_bytes_are_deterministic() -> None:
    assert form_bytes(STUDY, "respondent") == form_bytes(STUDY, "respondent")


def test_respondent_form_has_the_xlsform_shape() -> None:
    rows = _survey(STUDY.forms["respondent"])
    cols = set(rows[0])
    for lang in LANGUAGES.values():
        assert f"label::{lang}" in cols
    types = [r["type"] for r in rows]
    assert types[:4] == ["start", "end", "today", "deviceid"]
    assert types.count("begin_group") == types.count("end_group") >= 5
    assert any(t.startswith("select_one ") for t in types)
    by_name = {r["name"]: r for r in rows}
    # skip logic and ranges, in XLSForm syntax
    assert by_name["r6_jam_kerja"]["relevant"] == "${r1_bekerja_seminggu} = 'ya'"
    assert by_name["r6_jam_kerja"]["constraint"] == "(. >= 1 and . <= 98) or . = -99 or . = -98"
    assert by_name["pendidikan"]["relevant"] == "${gelombang} = 0"  # asked at baseline only
    assert by_name["jenis_kelamin"]["type"] == "select_one sex"


def test_sakernas_block_keeps_its_order_inside_one_group() -> None:
    rows = _survey(STUDY.forms["respondent"])
    start = next(
        i for i, r in enumerate(rows) if r["type"] == "begin_group" and r["name"] == "kerja"
    )
    end = next(i for i, r in enumerate(rows) if i > start and r["type"] == "end_group")
    names = [r["name"] for r in rows[start + 1 : end]]
    expected = [v.form_name for v in STUDY.codebook.module("respondent") if v.form_group == "kerja"]
    assert names == expected
    assert names[0] == "r1_bekerja_seminggu" and names[1] == "r2_sementara_tidak_bekerja"
    numbered = [m.group(1) for n in names if (m := re.match(r"(r\d+)_", n))]
    assert numbered == ["r1", "r2", "r3", "r4", "r5", "r6", "r7"]


def test_choices_carry_the_codebook_choice_names_and_both_labels() -> None:
    ws = openpyxl.load_workbook(STUDY.forms["respondent"], read_only=True)["choices"]
    rows = list(ws.iter_rows(values_only=True))
    sex = [r for r in rows[1:] if r[0] == "sex"]
    assert sex == [
        ("sex", "laki_laki", "Laki-laki", "Male"),
        ("sex", "perempuan", "Perempuan", "Female"),
        ("sex", "menolak", "Menolak menjawab", "Refused"),
    ]
    likert = [r[1] for r in rows[1:] if r[0] == "likert5"]
    assert likert[:5] == [
        "sangat_tidak_setuju",
        "tidak_setuju",
        "ragu_ragu",
        "setuju",
        "sangat_setuju",
    ]
    assert likert[5:] == ["tidak_tahu", "menolak"]
    districts = [r for r in rows[1:] if r[0] == "district"]
    assert (
        len(districts) == 35 and ("district", "3373", "Kota Salatiga", "Kota Salatiga") in districts
    )


def test_codebook_records_form_names_for_kobo_and_odk_headers() -> None:
    v = STUDY.codebook.variable("respondent", "worked_last_week")
    assert (v.form_group, v.form_name) == ("kerja", "r1_bekerja_seminggu")
    assert v.form_header("/") == "kerja/r1_bekerja_seminggu"
    assert v.form_header("-") == "kerja-r1_bekerja_seminggu"
    assert STUDY.codebook.variable("respondent", "submission_id").form_name is None  # server meta
    assert STUDY.codebook.variable("respondent", "wave_code").form_header() == "gelombang"


# ----------------------------------------------------------------------------------- can fail
@pytest.fixture
def study_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "study"
    shutil.copytree(STUDY_DIR, dst, ignore=shutil.ignore_patterns("registered"))
    return dst


def _set_cell(path: Path, name: str, column: str, value: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["survey"]
    head = [c.value for c in ws[1]]
    col = head.index(column) + 1
    for row in ws.iter_rows(min_row=2):
        if row[1].value == name:
            ws.cell(row[0].row, col, value)
    wb.save(path)


@pytest.mark.parametrize(
    ("name", "column", "value", "needle"),
    [
        ("umur", "constraint", ". >= 16 and . <= 35", "constraint"),
        ("umur", "type", "decimal", "type"),
        ("r6_jam_kerja", "relevant", "${r1_bekerja_seminggu} = 'tidak'", "relevant"),
        ("umur", "label::English (en)", "Age", "label (en)"),
        ("jenis_kelamin", "type", "select_one yes_no", "choice list"),
    ],
)
def test_an_edited_form_disagrees_with_the_codebook(
    study_copy, name, column, value, needle
) -> None:
    path = study_copy / "forms" / "jbp_responden.xlsx"
    _set_cell(path, name, column, value)
    problems = check_form(load_study_folder(study_copy), "respondent", path)
    assert any(needle in p.problem for p in problems), problems


def test_a_changed_codebook_disagrees_with_the_committed_form(study_copy) -> None:
    cb = study_copy / "codebook.yaml"
    text = cb.read_text(encoding="utf-8")
    assert "range: [16, 30]" in text
    cb.write_text(text.replace("range: [16, 30]", "range: [15, 35]"), encoding="utf-8")
    problems = check_study(study_copy)
    assert any("umur" in p.problem and "constraint" in p.problem for p in problems)


def test_pyxform_error_is_reported_not_raised(tmp_path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    ws.append(["select_one nolist", "q1", "Q1"])
    wb.create_sheet("choices").append(["list_name", "name", "label"])
    path = tmp_path / "broken.xlsx"
    wb.save(path)
    problems = convert_form(path)
    assert len(problems) == 1 and "pyxform cannot convert" in problems[0].problem


def test_templates_match_the_codebook() -> None:
    for stem, module in (("penugasan_kelompok", "assignment"), ("biaya_program", "cost")):
        assert (STUDY_DIR / "templates" / f"{stem}.csv").read_bytes() == template_csv(
            STUDY.codebook, module
        )
        wb = openpyxl.load_workbook(STUDY_DIR / "templates" / f"{stem}.xlsx", read_only=True)
        header = next(wb.worksheets[0].iter_rows(values_only=True))
        assert list(header) == [v.header for v in STUDY.codebook.module(module)]


def test_shipped_study_folder_checks_clean() -> None:
    problems = check_study(STUDY_DIR)
    assert problems == [], "\n".join(map(str, problems))


def test_study_check_lists_every_problem_in_one_pass(study_copy, capsys) -> None:
    from jbp_analysis.cli import main

    (study_copy / "templates" / "biaya_program.csv").unlink()
    aliases = {"headers": {"respondent": {"umurr": ["x"]}}, "answers": {"sex": {9: ["X"]}}}
    (study_copy / "aliases.yaml").write_text(yaml.safe_dump(aliases))
    assert main(["study", "check", "--study", str(study_copy)]) == 2
    err = capsys.readouterr().err
    # bad aliases do not stop the deeper checks: the missing template is listed too
    assert "3 problem(s)" in err and "umurr" in err and "no code 9" in err
    assert "biaya_program.csv: the blank template is missing" in err
    (study_copy / "aliases.yaml").write_text("headers: {}\n")
    _set_cell(study_copy / "forms" / "jbp_kelompok.xlsx", "omzet_bulanan", "constraint", "")
    assert main(["study", "check", "--study", str(study_copy)]) == 2
    err = capsys.readouterr().err
    # one missing template; the constraint lost both its range and its missing codes
    assert "biaya_program.csv" in err and "omzet_bulanan" in err and "3 problem(s)" in err


def test_study_forms_command_regenerates_identical_bytes(study_copy, monkeypatch) -> None:
    from jbp_analysis.cli import main
    from jbp_analysis.study.folder import STUDY_ENV

    monkeypatch.setenv(STUDY_ENV, str(STUDY_DIR))
    before = {p.name: p.read_bytes() for p in (study_copy / "forms").iterdir()}
    (study_copy / "forms" / "jbp_responden.xlsx").unlink()
    assert main(["study", "forms", "--study", str(study_copy)]) == 0
    after = {p.name: p.read_bytes() for p in (study_copy / "forms").iterdir()}
    assert after == before


def test_study_check_includes_the_analysis_plan(study_copy) -> None:
    plan = study_copy / "analysis_plan.yaml"
    if not plan.is_file():
        pytest.skip("no analysis plan in the study folder yet")
    plan.write_text(plan.read_text(encoding="utf-8") + "\nmodels: [not, a, mapping\n")
    problems = check_study(study_copy)
    assert [p.file for p in problems] == [str(plan)]
