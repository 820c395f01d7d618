"""The forms' skip logic agrees with the data: evaluated on the simulator's clean exports.

The simulator draws the Sakernas flow with its own code (``simulate/skiplogic.py``). Reading the
``relevant`` column of the committed XLSForm (a small XPath subset: ``${q} = 'choice'``, ``!=``,
``and``, ``or``, parentheses) and evaluating it on every row of a clean export (mess 0), a
question must be answered exactly where the form asks it, and blank where the form skips it.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from jbp_analysis.core.paths import STUDY_DIR
from jbp_analysis.simulate import simulate
from jbp_analysis.study.folder import load_study_folder

STUDY = load_study_folder(STUDY_DIR)
_TERM = re.compile(r"\$\{(\w+)\}\s*(!=|=)\s*('[^']*'|-?\d+)")


def _rows(path: Path, sheet: str) -> list[dict[str, str]]:
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return [
        {h: ("" if c is None else str(c)) for h, c in zip(rows[0], r, strict=False)}
        for r in rows[1:]
    ]


def _evaluate(expr: str, answers: pd.DataFrame, codes: dict[str, dict[str, str]]) -> np.ndarray:
    """Evaluate an XLSForm relevant on ``answers`` (form name -> exported code strings)."""

    def term(m: re.Match[str]) -> str:
        name, op, value = m.groups()
        value = value.strip("'")
        value = codes.get(name, {}).get(value, value)  # choice name -> exported code
        return f"(A[{name!r}] {'==' if op == '=' else '!='} {value!r})"

    python = _TERM.sub(term, expr)
    python = re.sub(r"\band\b", "&", re.sub(r"\bor\b", "|", python))
    assert not re.search(r"\$\{|'\w+'\s*$", python.replace("A['", "")), python
    return np.asarray(eval(python, {"A": answers}), dtype=bool)  # noqa: S307 - our own form


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("clean_exports")
    sim = simulate(
        seed=11, districts=("3322", "3373"), groups_per_district=6, mess=0, file_format="csv"
    )
    sim.write(out)
    return {
        p.name: pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(out.glob("*.csv"))
    }


@pytest.mark.parametrize(("module", "stem"), [("respondent", "responden"), ("group", "kelompok")])
def test_form_relevant_matches_who_answered(exports, module: str, stem: str) -> None:
    form = STUDY.forms[module]
    survey = {r["name"]: r for r in _rows(form, "survey") if r.get("name")}
    cb = STUDY.codebook
    by_form = {v.form_name: v for v in cb.module(module) if v.xlsform is not None}
    codes = {
        name: {
            str(spec.get("choice")): str(code) for code, spec in cb.value_sets[str(v.codes)].items()
        }
        for name, v in by_form.items()
        if v.type == "category"
    }
    checked = 0
    for wave in cb.waves:
        df = exports[f"{stem}_{wave}.csv"]
        answers = pd.DataFrame(
            {name: df[v.header] for name, v in by_form.items() if v.header in df.columns}
        )
        for name, row in survey.items():
            if not row.get("relevant") or name not in answers.columns:
                continue
            asked = _evaluate(row["relevant"], answers, codes)
            answered = answers[name].str.strip().ne("").to_numpy()
            bad = np.flatnonzero(asked != answered)
            assert bad.size == 0, (
                f"{form.name} {wave}: {name} relevant {row['relevant']!r} disagrees with the "
                f"data in {bad.size} rows, e.g. row {bad[0] + 1}"
            )
            assert asked.any(), (wave, name)  # the skip logic was exercised both ways
            checked += 1
    assert checked >= (10 if module == "respondent" else 1)


_BOUND = re.compile(r"\.\s*(>=|<=|=)\s*(-?[\d.]+)")


def _satisfies(constraint: str, values: pd.Series) -> np.ndarray:
    """Evaluate ``(. >= a and . <= b) or . = c`` on numbers (the forms' constraint subset)."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)

    def term(m: re.Match[str]) -> str:
        op, number = m.groups()
        return f"(X {'==' if op == '=' else op} {float(number)!r})"

    python = _BOUND.sub(term, constraint)
    python = re.sub(r"\band\b", "&", re.sub(r"\bor\b", "|", python))
    return np.asarray(eval(python, {"X": x}), dtype=bool)  # noqa: S307 - our own form


@pytest.mark.parametrize(("module", "stem"), [("respondent", "responden"), ("group", "kelompok")])
def test_every_clean_answer_satisfies_the_form_constraint(exports, module, stem) -> None:
    survey = [r for r in _rows(STUDY.forms[module], "survey") if r.get("constraint")]
    by_form = {v.form_name: v for v in STUDY.codebook.module(module) if v.xlsform is not None}
    assert survey
    for wave in STUDY.codebook.waves:
        df = exports[f"{stem}_{wave}.csv"]
        for row in survey:
            v = by_form[row["name"]]
            if v.header not in df.columns:
                continue
            answered = df[v.header][df[v.header].str.strip().ne("")]
            ok = _satisfies(row["constraint"], answered)
            assert ok.all(), (wave, row["name"], answered[~ok].head().tolist())
    # and the check can fail: an age of 31 breaks the respondent form's constraint
    if module == "respondent":
        age = next(r for r in survey if r["name"] == "umur")["constraint"]
        assert _satisfies(age, pd.Series(["31", "16", "-99", "-97"])).tolist() == [
            False,
            True,
            True,
            False,
        ]
