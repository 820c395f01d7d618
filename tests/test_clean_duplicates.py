from __future__ import annotations

import pandas as pd
import pytest

from jbp_analysis.clean.duplicates import (
    apply_decisions,
    conflict_sets,
    exact_duplicates,
    load_decisions,
    near_duplicates,
    report_rows,
)
from jbp_analysis.core.errors import JBPInputError


def test_exact_duplicates_keep_the_first() -> None:
    raw = pd.DataFrame({"_uuid": ["a", "b", "a", "a"], "x": ["1", "2", "1", "2"]})
    assert exact_duplicates(raw).tolist() == [False, False, True, False]


def test_near_duplicates_keep_the_earliest_submission() -> None:
    f = pd.DataFrame(
        {
            "submission_id": ["u1", "u2", "u3", "u4"],
            "submission_time": pd.to_datetime(
                ["2026-01-03", "2026-01-01", "2026-01-02", "2026-01-01"]
            ),
            "respondent_id": ["R1", "R1", "R2", "R1"],
            "age": pd.array([20, 20, 30, 21], dtype="Int64"),
        }
    )
    drop, twin = near_duplicates(
        f, ignore=("submission_id", "submission_time"), order_by="submission_time"
    )
    assert drop.tolist() == [True, False, False, False]
    assert twin.iloc[0] == 1


def test_conflicts_report_decisions_roundtrip(tmp_path) -> None:
    f = pd.DataFrame(
        {
            "submission_id": ["u1", "u2", "u3", "u4", "u5"],
            "respondent_id": ["R1", "R1", "R2", "R3", "R3"],
            "age": [20, 21, 30, 25, 25],
            "sex": ["male", "male", "female", "female", "male"],
            "enumerator_id": ["E1", "E2", "E1", "E1", "E1"],
        }
    )
    sets = conflict_sets(f, ["respondent_id"])
    assert sets.isna().tolist() == [False, False, True, False, False]
    rep = report_rows(
        f, sets, file="responden_endline.csv", rows=pd.Series([1, 2, 3, 4, 5]).to_numpy()
    )
    assert rep["row"].tolist() == [1, 2, 4, 5]
    assert rep["differs_in"].tolist() == ["age enumerator_id"] * 2 + ["sex"] * 2
    assert (rep["decision"] == "").all()
    # nothing decided: nothing resolved
    assert not apply_decisions(rep, load_decisions(None), path=None)["resolved"].any()
    # the field team decides set R1 only
    filled = rep.copy()
    filled.loc[filled["row"] == 1, "decision"] = "drop"
    filled.loc[filled["row"] == 2, "decision"] = "KEEP "
    path = tmp_path / "duplicates.csv"
    filled.to_csv(path, index=False)
    out = apply_decisions(rep, load_decisions(path), path=path)
    assert out["resolved"].tolist() == [True, True, False, False]
    assert out["decision"].tolist() == ["drop", "keep", "", ""]


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda d: d.assign(decision=["maybe", ""]), "not 'keep', 'drop'"),
        (lambda d: d.assign(decision=["keep", "keep"]), "keep exactly one"),
        (lambda d: d.assign(nama=["Sri", "Budi"]), "personal-data"),
        (lambda d: d.assign(submission_id=["other", ""], decision=["keep", "drop"]), "now holds"),
        (lambda d: d.drop(columns="decision"), "lacks column"),
    ],
)
def test_bad_decisions_files_are_clear_errors(tmp_path, edit, needle) -> None:
    f = pd.DataFrame({"submission_id": ["u1", "u2"], "respondent_id": ["R1", "R1"], "age": [1, 2]})
    rep = report_rows(
        f, conflict_sets(f, ["respondent_id"]), file="x.csv", rows=pd.Series([1, 2]).to_numpy()
    )
    path = tmp_path / "d.csv"
    edit(rep).to_csv(path, index=False)
    with pytest.raises(JBPInputError) as info:
        apply_decisions(rep, load_decisions(path), path=path)
    assert needle in str(info.value) and "d.csv" in str(info.value)
