"""`jbp clean`: raw survey exports -> data/processed (panel, groups, costs, audit trail, quality).

Prints one line per file as it is read and cleaned, then the row-accounting table
(``rows_in = kept + rejected + exact_dup + near_dup + decided_dup`` for every raw file) and
attrition by arm and wave. Bad input stops the run before anything is written; the CLI prints
one paragraph and exits with status 2.
"""

from __future__ import annotations

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
    out: Annotated[Path, typer.Option(help="Folder for the processed outputs.")] = (
        paths.PROCESSED_DIR
    ),
    decisions: Annotated[
        Path | None,
        typer.Option(
            help="Duplicates decisions file filled by the field team (ids only, no personal "
            "data). Default: data/decisions/duplicates.csv next to the raw folder."
        ),
    ] = None,
    study: StudyOption = None,
) -> None:
    """Clean RAW into OUT: normalise, validate, de-duplicate, link waves, pseudonymise, report."""
    from jbp_analysis.clean import run

    folder = use_study(study)
    result = run(
        Path(raw), Path(out), decisions=decisions, codebook=folder.codebook, progress=typer.echo
    )
    typer.echo("")
    typer.echo(result.summary())
    att = result.attrition.copy()
    att["attrition"] = att["attrition"].map("{:.1%}".format)
    typer.echo("")
    typer.echo("Attrition by arm and wave:")
    typer.echo(att.to_string(index=False))
    unknown = {f: c for f, c in result.unknown_columns.items() if c}
    if unknown:
        typer.echo("")
        typer.echo("Unknown columns (reported, not carried over):")
        from jbp_analysis.core.io import shorten  # headers are file content: cut, printable

        for f, cols in unknown.items():
            typer.echo(f"  {f}: {', '.join(map(shorten, cols))}")
    typer.echo("")
    typer.echo(
        f"{result.n_log:,} logged changes (cleaning_log.csv), {result.n_rejects:,} rejected rows "
        f"(rejects.csv), {result.pending_duplicate_sets} duplicate sets awaiting a decision "
        "(duplicates_report.csv). Data quality: quality.html."
    )
