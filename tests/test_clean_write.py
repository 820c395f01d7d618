from __future__ import annotations

import pandas as pd
import pytest

from jbp_analysis.clean.write import atomic_outputs, file_sha256, write_csv, write_parquet


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "wave": pd.Categorical(
                ["baseline", "endline"], categories=["baseline", "endline"], ordered=True
            ),
            "x": pd.array([1, None], dtype="Int64"),
            "t": pd.to_datetime(["2026-01-01", None]).astype("datetime64[ns]"),
            "b": pd.array([True, None], dtype="boolean"),
        }
    )


def test_parquet_is_byte_identical_across_writes_and_round_trips(tmp_path) -> None:
    write_parquet(_frame(), tmp_path / "a.parquet")
    write_parquet(_frame(), tmp_path / "b.parquet")
    assert file_sha256(tmp_path / "a.parquet") == file_sha256(tmp_path / "b.parquet")
    back = pd.read_parquet(tmp_path / "a.parquet")
    pd.testing.assert_frame_equal(back, _frame())
    assert back["wave"].cat.ordered


def test_failed_run_leaves_previous_outputs_untouched(tmp_path) -> None:
    out = tmp_path / "processed"
    with atomic_outputs(out) as tmp:
        write_csv(pd.DataFrame({"a": [1]}), tmp / "a.csv")
    before = (out / "a.csv").read_bytes()
    with pytest.raises(RuntimeError), atomic_outputs(out) as tmp:
        write_csv(pd.DataFrame({"a": [2]}), tmp / "a.csv")
        write_csv(pd.DataFrame({"b": [2]}), tmp / "b.csv")
        raise RuntimeError("boom")
    assert (out / "a.csv").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["a.csv"]


def test_failed_first_run_does_not_leave_an_output_folder(tmp_path) -> None:
    out = tmp_path / "new"
    with pytest.raises(RuntimeError), atomic_outputs(out):
        raise RuntimeError("boom")
    assert not out.exists()
