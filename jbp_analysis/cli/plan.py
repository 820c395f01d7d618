"""`jbp plan`: check the analysis plan, register (freeze) it, and show what differs.

* ``jbp plan check`` validates ``study/analysis_plan.yaml`` against the codebook and lists every
  problem in one message (exit 2).
* ``jbp plan register`` writes a dated copy with its hash under ``study/registered/``; reports
  then list every difference from it in "Deviations from the plan".
* ``jbp plan diff`` prints those differences now.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["app"]

app = typer.Typer(help="The analysis plan: check, register, compare.", no_args_is_help=True)

StudyOption = Annotated[
    Path | None,
    typer.Option("--study", help="Study folder (default: $JBP_STUDY or the project's study/)."),
]


@app.command("check")
def check(study: StudyOption = None) -> None:
    """Validate the analysis plan against the study's codebook."""
    from jbp_analysis.study.plan import load_plan

    plan = load_plan(study)
    n = len(plan.outcomes)
    typer.echo(
        f"{plan.path}: plan {plan.version} is valid (sha256 {plan.short_hash}): "
        f"{len(plan.families)} families, {n} outcomes, {len(plan.contrasts)} contrasts, "
        f"waves {', '.join(plan.design.analysis_waves)}"
    )


@app.command("register")
def register(study: StudyOption = None) -> None:
    """Freeze the plan: a dated copy named by its hash under study/registered/."""
    from jbp_analysis.study.plan import register_plan

    path = register_plan(study)
    typer.echo(f"registered: {path}")


@app.command("diff")
def diff(study: StudyOption = None) -> None:
    """List every difference between the plan and the most recently registered plan."""
    from jbp_analysis.study.plan import load_plan, registered_plan

    reg = registered_plan(study)
    if reg is None:
        typer.echo("no registered plan yet: run `jbp plan register`")
        return
    dev = load_plan(study).deviations(reg)
    if dev.empty:
        typer.echo(f"the plan equals the registered plan {reg.path.name}")
        return
    for row in dev.itertuples():
        typer.echo(f"{row.kind:>8}  {row.item}: {row.registered or '-'} -> {row.current or '-'}")
