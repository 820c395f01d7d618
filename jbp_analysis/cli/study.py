"""`jbp study`: the study folder (check it, regenerate its forms) and the `--study` option.

Every ``jbp`` command takes ``--study DIR`` (default ``$JBP_STUDY``, else ``study/``). The folder
is loaded and checked first, then made the active study for the run and its worker processes.

Examples
--------
``jbp study check``, ``jbp study check --study ../my_study``, ``jbp study forms``,
``jbp study init ../my_study``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["app", "StudyOption", "use_study"]

StudyOption = Annotated[
    Path | None,
    typer.Option(
        "--study",
        help="Study folder (codebook, forms, file map, aliases, reference tables). "
        "Default: $JBP_STUDY, else study/ in the project.",
        show_default=False,
    ),
]

app = typer.Typer(
    name="study",
    help="The study folder: check it (`jbp study check`), regenerate its XLSForms and templates "
    "(`jbp study forms`), start a new one (`jbp study init DIR`).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def use_study(study: Path | None):  # noqa: ANN201 - StudyFolder, imported lazily
    """Load ``study`` (or the default), make it the active study, and return it."""
    from jbp_analysis.study.folder import activate_study

    return activate_study(study)


@app.command("check")
def check_command(study: StudyOption = None) -> None:
    """Validate the whole study folder in one pass and list every problem (exit 2 if any).

    Checks the YAML files, the file map, the aliases (unknown names, value sets or codes), the
    districts table, the blank templates, and the XLSForms against the codebook (types, ranges,
    choice lists, skip logic, labels), converts every form with pyxform, and validates the
    analysis plan (as `jbp plan check` does).
    """
    from jbp_analysis.study.check import check_study
    from jbp_analysis.study.folder import resolve_study

    root = resolve_study(study)
    problems = check_study(root)
    if problems:
        typer.echo(f"{root}: {len(problems)} problem(s)", err=True)
        for p in problems:
            typer.echo(f"  - {p}", err=True)
        raise typer.Exit(2)
    typer.echo(
        f"{root}: the study folder is consistent (codebook, forms, file map, aliases, "
        "templates, reference table, analysis plan)."
    )


@app.command("init")
def init_command(
    target: Annotated[Path, typer.Argument(help="New study folder (must not exist yet).")],
    study: StudyOption = None,
) -> None:
    """Start a new study folder as a copy of a study (default: the JBP study) to edit.

    Copies every file except the registered plans (``registered/``): a new study registers its
    own plan. Then edit the codebook, run `jbp study forms`, and use `--study TARGET`.
    """
    import shutil

    from jbp_analysis.core.errors import ConfigError
    from jbp_analysis.study.folder import load_study_folder, resolve_study

    source = resolve_study(study)
    load_study_folder(source)  # copy only a valid study
    target = Path(target)
    if target.exists():
        raise ConfigError(
            f"{target} already exists; `jbp study init` only creates a new folder (nothing changed)"
        )
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("registered", ".*"))
    typer.echo(
        f"created {target} from {source}. Next: edit {target / 'codebook.yaml'}, run "
        f"`jbp study forms --study {target}` and `jbp study check --study {target}`."
    )


@app.command("forms")
def forms_command(study: StudyOption = None) -> None:
    """Regenerate the XLSForms and the blank templates from the codebook (deterministic)."""
    from jbp_analysis.study.xlsform import write_forms, write_templates

    folder = use_study(study)
    written = [*write_forms(folder), *write_templates(folder)]
    for path in written:
        typer.echo(f"wrote {path}")
