"""The study design is defined once: arms, waves and the area come from the study folder."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import jbp_analysis
from jbp_analysis.study.codebook import load_codebook
from jbp_analysis.study.plan import default_design

PACKAGE = Path(jbp_analysis.__file__).resolve().parent
ARMS = set(load_codebook().arms)
WAVES = set(load_codebook().waves)


def _literal_sequences(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if len(values) == len(node.elts) and all(isinstance(v, str) for v in values):
                yield node.lineno, set(values)


def _offenders(check) -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for lineno, values in _literal_sequences(tree):
            if check(values):
                out.append(f"{path.relative_to(PACKAGE)}:{lineno}")
    return out


def test_the_arm_list_is_written_only_in_the_codebook() -> None:
    assert _offenders(lambda v: v == ARMS) == []


def test_the_wave_list_is_written_only_in_the_codebook() -> None:
    assert _offenders(lambda v: v == WAVES) == []


def test_the_area_is_written_only_in_the_plan() -> None:
    hits = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ("33-jawa-tengah", "Jawa Tengah"):
                hits.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert hits == []
    assert default_design().area_slug == "33-jawa-tengah"


def test_the_check_can_fail(tmp_path: Path) -> None:
    tree = ast.parse('X = ("kontrol", "karitatif", "pendampingan")\n')
    assert [v for _, v in _literal_sequences(tree)] == [ARMS]


@pytest.mark.parametrize("attr", ["arms", "waves", "control", "cluster", "strata"])
def test_design_comes_from_codebook_and_plan(attr: str) -> None:
    d = default_design()
    expected = {
        "arms": tuple(load_codebook().arms),
        "waves": tuple(load_codebook().waves),
        "control": "kontrol",
        "cluster": "group_id",
        "strata": ("district_code", "cohort"),
    }[attr]
    assert getattr(d, attr) == expected
