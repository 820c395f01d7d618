"""`jbp check`: list every problem of a raw folder in one pass; write nothing.

Exit status 0 when ``jbp clean`` can read every file, 2 when there are problems (each listed
with its file and fix: unplaced files, missing required columns, unknown headers with the closest
codebook names, unreadable values per column, waves without respondents).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from jbp_analysis.cli.study import StudyOption, use_study
from jbp_analysis.core import paths

__all__ = ["command"]


def command(
    raw: Annotated[Path, typer.Option(help="Folder of raw survey exports (read only).")] = (
        paths.RAW_DIR
    ),
    study: StudyOption = None,
) -> None:
    """Check RAW against the study folder and list every problem at once (writes nothing)."""
    from jbp_analysis.clean.check import check_raw

    folder = use_study(study)
    start = time.perf_counter()
    report = check_raw(Path(raw), codebook=folder.codebook, file_map=folder.file_map)
    typer.echo(report.text())
    typer.echo(f"(checked in {time.perf_counter() - start:.1f} s)")
    if not report.ok:
        raise typer.Exit(2)
