from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import papermill
import pytest

from jbp_analysis.report.runner import NOTEBOOK_DIR

PAIRED = sorted(p for p in NOTEBOOK_DIR.rglob("*.ipynb") if p.with_suffix(".py").exists())


@pytest.mark.parametrize("path", PAIRED, ids=lambda p: p.name)
def test_paired_py_is_in_sync_with_the_notebook(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    py = jupytext.read(path.with_suffix(".py"))
    assert [c.source for c in nb.cells] == [c.source for c in py.cells]
    assert [c.cell_type for c in nb.cells] == [c.cell_type for c in py.cells]


@pytest.mark.parametrize("path", PAIRED, ids=lambda p: p.name)
def test_notebooks_hold_no_def_and_document_their_parameters(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert "def " not in cell.source and "class " not in cell.source
    # what `papermill --help-notebook` prints: every parameter typed, with a comment
    params = papermill.inspect_notebook(str(path))
    expected = {
        "district": "str",
        "waves": "list",
        "lang": "str",
        "output_dir": "str",
        "reports_root": "str",
        "processed_dir": "str",
        "seed": "int",
        "min_cell": "int",
    }
    assert {k: v["inferred_type_name"] for k, v in params.items()} == expected
    assert all(len(v["help"]) > 15 for v in params.values()), params


def test_help_notebook_cli_lists_the_parameters() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "papermill", "--help-notebook", str(PAIRED[0])],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    for name in ("district: str", "lang: str", "min_cell: int", "processed_dir: str"):
        assert name in out, name


EXPLORATORY = sorted((NOTEBOOK_DIR / "exploratory").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.parametrize("path", EXPLORATORY, ids=lambda p: p.name)
def test_exploratory_notebooks_run_top_to_bottom(path: Path, tmp_path) -> None:
    from fixtures.processed import write_processed

    processed = write_processed(tmp_path / "processed", seed=4, groups_per_district=9)
    out = tmp_path / path.name
    papermill.execute_notebook(
        str(path),
        str(out),
        parameters={"processed_dir": str(processed)},
        cwd=str(path.parent),
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    assert not [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
