"""The analysis plan as a file: validation, registration, deviations (jbp_analysis.study.plan)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.core.paths import STUDY_DIR
from jbp_analysis.study.plan import load_plan, register_plan, registered_plan


@pytest.fixture()
def study(tmp_path: Path) -> Path:
    """A copy of the shipped study folder (plan + codebook) to edit."""
    d = tmp_path / "study"
    d.mkdir()
    for name in ("analysis_plan.yaml", "codebook.yaml"):
        shutil.copy(STUDY_DIR / name, d / name)
    return d


def _edit(study: Path, change) -> None:
    p = study / "analysis_plan.yaml"
    raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    change(raw)
    p.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_shipped_plan_is_valid_and_says_what_reports_estimate() -> None:
    plan = load_plan()
    families = plan.report_outcomes
    assert families["unemployment"] == ["unemployed_bps", "unemployed_ilo"]
    assert families["income"] == ["income_household"]
    assert families["awareness"] == ["awareness_anderson"]
    assert plan.covariates == ("age", "female", "education", "household_size")
    assert plan.contrast_labels == (
        "karitatif - kontrol",
        "pendampingan - kontrol",
        "pendampingan - karitatif",
    )
    assert plan.design.control == "kontrol"
    assert plan.design.cluster == "group_id"
    assert plan.design.analysis_waves == ("endline", "followup")
    assert plan.outcome("unemployed_bps").better == -1
    assert len(plan.sha256) == 64


def test_unknown_variable_is_named_with_the_closest_known_name(study: Path) -> None:
    _edit(study, lambda r: r["models"].__setitem__("covariates", ["houshold_size"]))
    with pytest.raises(ConfigError) as err:
        load_plan(study)
    msg = str(err.value)
    assert "models.covariates" in msg and "'houshold_size'" in msg
    assert "did you mean 'household_size'" in msg
    assert "analysis_plan.yaml" in msg


def test_wrong_type_is_refused(study: Path) -> None:
    def change(r):
        r["outcomes"]["income"]["outcomes"]["income_household"]["unit"] = "share"
        r["heterogeneity"]["dimensions"] = ["income_household"]

    _edit(study, change)
    with pytest.raises(ConfigError) as err:
        load_plan(study)
    msg = str(err.value)
    assert "2 problem(s)" in msg  # every problem in one message
    assert "unit 'share' does not fit 'income_household', which is a rupiah variable" in msg
    assert "heterogeneity.dimensions" in msg and "needs binary or category" in msg


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("models", "level", "high", "models.level: 'high' is not a number"),
        ("models", "draws", "many", "models.draws: 'many' is not a whole number"),
        ("models", "draws", 99.5, "models.draws: 99.5 is not a whole number"),
        ("models", "few_cluster_threshold", True, "models.few_cluster_threshold: True is not"),
        ("disclosure", "min_cell", "ten", "disclosure.min_cell: 'ten' is not a whole number"),
        ("attrition", "differential_threshold", [1], "attrition.differential_threshold: [1]"),
    ],
)
def test_a_number_that_is_not_one_is_a_problem_of_the_plan(
    study: Path, section: str, key: str, value, expected: str
) -> None:
    def change(r):
        r.setdefault(section, {})[key] = value

    _edit(study, change)
    with pytest.raises(ConfigError) as err:
        load_plan(study)
    assert expected in str(err.value)


def test_a_quoted_number_is_read(study: Path) -> None:
    def change(r):
        r["models"]["level"] = "0.9"
        r["models"]["draws"] = "999"

    _edit(study, change)
    plan = load_plan(study)
    assert (plan.level, plan.draws) == (0.9, 999)


def test_unknown_arm_wave_and_section_are_refused(study: Path) -> None:
    def change(r):
        r["design"]["control"] = "control"
        r["design"]["waves"] = ["followup", "endline"]
        r["hypotheses"]["contrasts"] = [["mentoring", "kontrol"]]
        r["modles"] = {}

    _edit(study, change)
    with pytest.raises(ConfigError) as err:
        load_plan(study)
    msg = str(err.value)
    for part in ("design.control", "time order", "'mentoring' is not an arm", "modles"):
        assert part in msg


def test_register_freezes_a_dated_copy_named_by_hash(study: Path) -> None:
    import datetime as dt

    path = register_plan(study, today=dt.date(2017, 3, 1))
    plan = load_plan(study)
    assert path.name == f"analysis_plan-001-2017-03-01-{plan.short_hash}.yaml"
    assert path.read_bytes() == (study / "analysis_plan.yaml").read_bytes()
    assert register_plan(study) == path  # same bytes: same registration
    assert registered_plan(study).sha256 == plan.sha256
    assert plan.deviations(registered_plan(study)).empty
    # an amendment is registered after it, and becomes the plan reports compare with
    text = (study / "analysis_plan.yaml").read_text(encoding="utf-8")
    (study / "analysis_plan.yaml").write_text(text.replace("draws: 9999", "draws: 4999"))
    with pytest.raises(ConfigError, match="already registered, with other content"):
        register_plan(study)  # an amendment under the registered version string is refused
    assert len(list((study / "registered").glob("*.yaml"))) == 1
    version = load_plan(study).version
    text = (study / "analysis_plan.yaml").read_text(encoding="utf-8")
    (study / "analysis_plan.yaml").write_text(
        text.replace(f'version: "{version}"', f'version: "{version}-a1"')
    )
    amended = register_plan(study, today=dt.date(2017, 2, 1))  # an earlier date: order wins
    assert amended.name.startswith("analysis_plan-002-2017-02-01-")
    assert registered_plan(study).sha256 == load_plan(study).sha256 != plan.sha256


def test_deviations_list_a_dropped_family_and_an_added_covariate(study: Path) -> None:
    register_plan(study)

    def change(r):
        del r["outcomes"]["awareness"]
        r["models"]["covariates"] = [*r["models"]["covariates"], "marital_status"]

    _edit(study, change)
    plan = load_plan(study)
    dev = plan.deviations(registered_plan(study))
    got = {(row.item, row.kind) for row in dev.itertuples()}
    assert ("family awareness", "dropped") in got
    assert ("covariate marital_status", "added") in got
    assert "awareness" not in plan.report_outcomes and "unemployment" in plan.report_outcomes
    assert not plan.is_prespecified("awareness_anderson")


def test_cli_plan_check_and_errors_exit_2(study: Path) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "jbp_analysis.cli", "plan", "check", "--study", str(study)],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "is valid" in ok.stdout
    _edit(study, lambda r: r["models"].__setitem__("estimator", "ancva"))
    bad = subprocess.run(
        [sys.executable, "-m", "jbp_analysis.cli", "plan", "check", "--study", str(study)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "models.estimator" in bad.stderr and "Traceback" not in bad.stderr
