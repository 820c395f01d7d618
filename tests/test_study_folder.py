"""The study folder: resolution, loading, file map, aliases, settings, and clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from jbp_analysis.cli import main
from jbp_analysis.core.errors import ConfigError
from jbp_analysis.core.paths import STUDY_DIR
from jbp_analysis.study.codebook import load_codebook
from jbp_analysis.study.folder import (
    STUDY_ENV,
    StudyFolderError,
    load_study_folder,
    resolve_study,
)

KOBO = "JBP_responden_-_all_versions_-_False_-_2017-08-01-10-00-00.csv"


@pytest.fixture
def study_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "my_study"
    shutil.copytree(STUDY_DIR, dst, ignore=shutil.ignore_patterns("registered"))
    return dst


def _edit_yaml(path: Path, **changes) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_resolve_study_order(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(STUDY_ENV, raising=False)
    assert resolve_study() == STUDY_DIR.resolve()
    monkeypatch.setenv(STUDY_ENV, str(tmp_path))
    assert resolve_study() == tmp_path.resolve()
    assert resolve_study(STUDY_DIR) == STUDY_DIR.resolve()  # explicit beats the environment


def test_default_study_loads() -> None:
    s = load_study_folder(STUDY_DIR)
    assert s.settings.unreadable_threshold == 0.01
    assert s.settings.study_window is not None
    assert s.settings.study_window[0] < s.settings.study_window[1]
    assert len(s.districts) == 35
    assert s.codebook.variable("respondent", "age").range == (16, 30)
    assert set(s.forms) == {"respondent", "group"}


@pytest.mark.parametrize(
    ("name", "module", "wave"),
    [
        ("responden_baseline.csv", "respondent", "baseline"),
        ("Responden_Followup.XLSX", "respondent", "followup"),
        ("kelompok_endline.dta", "group", "endline"),
        ("penugasan_kelompok.xlsx", "assignment", None),
        ("biaya_program.csv", "cost", None),
        (KOBO, "respondent", None),
        ("JBP_kelompok_-_latest_version_-_labels_-_2017-08-01-10-00-00.xlsx", "group", None),
        ("JBP_responden_endline_-_all_versions_-_False_-_2017-08-01.csv", "respondent", "endline"),
        ("jbp_kelompok.csv", "group", None),
    ],
)
def test_default_file_map_places_todays_and_field_tool_names(name, module, wave) -> None:
    placed = load_study_folder(STUDY_DIR).file_map.place(name)
    assert placed is not None
    assert (placed.module, placed.wave) == (module, wave)


@pytest.mark.parametrize("name", ["notes.txt", "responden_midline.csv", "kelompok.csv"])
def test_file_map_leaves_unknown_names_unplaced(name) -> None:
    assert load_study_folder(STUDY_DIR).file_map.place(name) is None


def test_user_rule_places_a_renamed_export(study_copy: Path) -> None:
    fm = study_copy / "file_map.yaml"
    data = yaml.safe_load(fm.read_text())
    data["rules"].insert(
        0,
        {
            "pattern": "survei_akhir*.xlsx",
            "module": "respondent",
            "wave": "endline",
            "sheet": "data",
        },
    )
    fm.write_text(yaml.safe_dump(data))
    placed = load_study_folder(study_copy).file_map.place("Survei_Akhir_Pemuda.xlsx")
    assert (placed.module, placed.wave, placed.sheet) == ("respondent", "endline", "data")


def test_aliases_are_merged_into_the_codebook(study_copy: Path) -> None:
    _edit_yaml(
        study_copy / "aliases.yaml",
        headers={"respondent": {"age": ["umur_responden"]}},
        answers={"sex": {1: ["L", "pria"]}, "yes_no": {2: ["T"]}},
    )
    s = load_study_folder(study_copy)
    age = s.codebook.variable("respondent", "age")
    assert age.headers == ("latar/umur", "umur_responden")  # the first header is unchanged
    assert s.codebook.value_sets["sex"][1]["aliases"] == ["L", "pria"]
    assert s.codebook.value_sets["yes_no"][2]["aliases"] == ["T"]
    assert "aliases" not in s.codebook.value_sets["sex"][2]
    # the package's own codebook is untouched
    assert load_study_folder(STUDY_DIR).codebook.variable("respondent", "age").headers == (
        "latar/umur",
    )


def test_every_problem_is_listed_in_one_error(study_copy: Path) -> None:
    _edit_yaml(
        study_copy / "aliases.yaml",
        headers={"respondent": {"agee": ["x"], "age": ["latar/pendidikan"]}, "survey": {}},
        answers={"sexx": {1: ["L"]}, "sex": {3: ["X"], 1: ["Perempuan"]}},
    )
    _edit_yaml(
        study_copy / "file_map.yaml",
        rules=[
            {"pattern": "a_{wave}.csv", "module": "respondents"},
            {"pattern": "b.csv", "module": "group", "wave": "midline"},
            {"module": "group"},
        ],
    )
    _edit_yaml(study_copy / "study.yaml", settings={"unreadable_threshold": 5, "colour": "red"})
    with pytest.raises(StudyFolderError) as info:
        load_study_folder(study_copy)
    text = str(info.value)
    problems = info.value.problems
    assert len(problems) == 11, text
    for needle in (
        "no variable 'agee'",
        "'latar/pendidikan' is already the header of 'education'",
        "unknown module 'survey'",
        "unknown value set 'sexx'",
        "has no code 3",
        "'Perempuan' already means code 2",
        "unknown module 'respondents'",
        "unknown wave 'midline'",
        "needs a pattern and a module",
        "unreadable_threshold must be a share",
        "unknown setting(s) colour",
    ):
        assert needle in text, needle
    assert isinstance(info.value, ConfigError)
    assert "Fix:" in text


def test_missing_folder_and_files_are_clear(tmp_path: Path) -> None:
    with pytest.raises(StudyFolderError, match="does not exist"):
        load_study_folder(tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(StudyFolderError) as info:
        load_study_folder(empty)
    text = str(info.value)
    assert "study.yaml: is missing" in text and "the codebook is missing" in text


def test_bad_yaml_names_the_line(study_copy: Path) -> None:
    (study_copy / "aliases.yaml").write_text("headers:\n  respondent: [unclosed\n")
    with pytest.raises(StudyFolderError, match=r"aliases.yaml: is not valid YAML \(line"):
        load_study_folder(study_copy)


def test_env_study_drives_load_codebook_and_districts(monkeypatch, study_copy: Path) -> None:
    from jbp_analysis.study.reference import districts

    csv = study_copy / "reference" / "central_java_districts.csv"
    lines = csv.read_text().splitlines()
    csv.write_text("\n".join(lines[:4]) + "\n")  # a study with three districts
    _edit_yaml(study_copy / "aliases.yaml", headers={"respondent": {"age": ["umur_x"]}})
    monkeypatch.setenv(STUDY_ENV, str(study_copy))
    assert len(districts()) == 3
    assert "umur_x" in load_codebook().variable("respondent", "age").headers
    monkeypatch.delenv(STUDY_ENV)
    assert len(districts()) == 35


def test_cli_study_option_reaches_the_command(monkeypatch, study_copy: Path, capsys) -> None:
    monkeypatch.setenv(STUDY_ENV, str(STUDY_DIR))  # restored after the test (main sets it)
    csv = study_copy / "reference" / "central_java_districts.csv"
    csv.write_text("\n".join(csv.read_text().splitlines()[:3]) + "\n")
    assert main(["districts", "--study", str(study_copy)]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2


def test_cli_bad_study_exits_2_with_the_problem(tmp_path: Path, capsys) -> None:
    assert main(["districts", "--study", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err


def test_form_specs_come_from_study_yaml() -> None:
    specs = load_study_folder(STUDY_DIR).form_specs
    assert (specs["respondent"].form_id, specs["respondent"].title) == (
        "jbp_responden",
        "JBP responden",
    )
    assert specs["group"].path.name == "jbp_kelompok.xlsx"


def test_study_check_finds_a_rule_that_shadows_the_standard_names(study_copy: Path) -> None:
    from jbp_analysis.study.check import check_file_map

    fm = study_copy / "file_map.yaml"
    data = yaml.safe_load(fm.read_text())
    data["rules"].insert(0, {"pattern": "*.csv", "module": "cost"})  # too broad
    fm.write_text(yaml.safe_dump(data))
    problems = check_file_map(load_study_folder(study_copy))
    text = "\n".join(map(str, problems))
    assert "rule 1 places responden_baseline.csv as cost, not respondent, baseline" in text
    assert "rule 1 places jbp_kelompok.csv as cost, not group" in text
    assert not any("xlsx" in p.problem for p in problems)  # only the CSV names are shadowed
    assert check_file_map(load_study_folder(STUDY_DIR)) == []


def test_a_mistyped_option_is_a_usage_error_not_an_internal_error(capsys) -> None:
    assert main(["study", "check", "--studdy", "x"]) == 2
    err = capsys.readouterr().err
    assert "No such option" in err and "Internal error" not in err


def test_study_init_copies_a_valid_study_and_never_overwrites(tmp_path: Path, capsys) -> None:
    from jbp_analysis.study.check import check_study

    target = tmp_path / "new_study"
    assert main(["study", "init", str(target), "--study", str(STUDY_DIR)]) == 0
    assert not (target / "registered").exists()
    assert check_study(target) == []
    before = (target / "codebook.yaml").read_bytes()
    assert main(["study", "init", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (target / "codebook.yaml").read_bytes() == before
