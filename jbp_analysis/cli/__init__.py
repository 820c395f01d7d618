"""The ``jbp`` command line: one subcommand per pipeline step.

``jbp all`` is what ``make report`` runs: simulate (only if ``data/raw`` is empty), clean, report.
Errors meant for users (:class:`~jbp_analysis.core.errors.JBPError`) print as one paragraph, with no
traceback, and exit with status 2.
"""

from __future__ import annotations

# isort: split
from jbp_analysis.cli import _early  # first: no traceback for a Ctrl-C during imports

# isort: split
import os
import signal
import threading
from pathlib import Path
from typing import Annotated

import click
import typer

from jbp_analysis import __version__
from jbp_analysis.cli import check, clean, plan, power, report, simulate, study
from jbp_analysis.cli.study import StudyOption, use_study
from jbp_analysis.core import paths
from jbp_analysis.core.errors import JBPError, NotBuiltYet

__all__ = ["app", "main"]

app = typer.Typer(
    name="jbp",
    help=(
        "JBP evaluation suite: from raw survey exports to a report for every district.\n\n"
        "Pipeline: simulate -> clean -> report. `jbp all` runs the whole chain."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command("simulate")(simulate.command)
app.command("clean")(clean.command)
app.command("check")(check.command)
app.command("report")(report.command)
app.command("power")(power.command)
app.add_typer(plan.app, name="plan")
app.add_typer(study.app, name="study")


@app.command("districts")
def districts_command(study: StudyOption = None) -> None:
    """List the districts of the study (JBP: the 35 kabupaten/kota of Central Java)."""
    from jbp_analysis.study.reference import districts

    use_study(study)

    for row in districts().itertuples():
        typer.echo(f"{row.bps_code}  {row.label:<22} (seat: {row.seat})")


@app.command("all")
def all_command(
    raw: Annotated[Path, typer.Option(help="Folder of raw survey exports.")] = paths.RAW_DIR,
    out: Annotated[
        Path, typer.Option("--processed", "--out", help="Folder for processed data.")
    ] = paths.PROCESSED_DIR,
    reports: Annotated[
        Path, typer.Option("--reports", help="Reports root; nothing is written outside it.")
    ] = paths.REPORTS_DIR,
    seed: Annotated[int, typer.Option(help="Seed for the simulated sample.")] = 20170401,
    study: StudyOption = None,
) -> None:
    """Run the whole chain: simulate the sample if RAW is empty, clean, then all reports."""
    use_study(study)
    raw_files = [p for p in raw.glob("*") if p.is_file() and not p.name.startswith(".")]
    raw_files = [p for p in raw_files if p.name != "README.md"]
    steps = []
    if not raw_files:
        typer.echo(f"[1/3] {raw} is empty: simulating the sample (seed {seed})")
        steps.append(("simulate", lambda: simulate.command(out=raw, seed=seed)))
    else:
        typer.echo(f"[1/3] {raw} holds {len(raw_files)} files: using them (no simulation)")
    steps.append(("clean", lambda: clean.command(raw=raw, out=out)))
    steps.append(("report", lambda: report.command(all_districts=True, processed=out, out=reports)))
    not_built = []
    for name, run in steps:
        try:
            run()
        except NotBuiltYet as exc:
            not_built.append(exc.step)
            typer.echo(f"  - step '{name}': not built yet (delivered by a later issue); skipped")
    if not_built:
        typer.echo("Not built yet: " + ", ".join(not_built) + ".")


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"jbp-analysis {__version__}")
        raise typer.Exit()


class Interrupted(BaseException):  # noqa: N818 - a signal, like KeyboardInterrupt
    """SIGINT or SIGTERM arrived: unwinds the run (staging removed, workers and kernels
    stopped) and becomes exit status 128 + signal number."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def _on_signal(signum: int, _frame) -> None:
    # one signal is enough: further ones are ignored so that the clean-up is not cut short
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signum)


def _install_signal_handlers() -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}
    old = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        old[sig] = signal.signal(sig, _on_signal)
    return old


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and turn user-facing errors into one paragraph and exit code 2.

    SIGINT (Ctrl-C) and SIGTERM stop the run: every worker process and kernel is stopped, the
    previous outputs stay as they were, one line is printed, and the exit status is 130 or 143.
    """
    old = _install_signal_handlers()
    try:
        return _main(argv)
    except Interrupted as exc:
        typer.echo(f"Interrupted ({exc}): stopped; previous outputs left as they were.", err=True)
        return 128 + exc.signum
    finally:
        for sig, handler in old.items():
            # As the ``jbp`` process, the run is over (published, or unwound): a signal from now
            # on changes nothing, and must not kill the interpreter while it shuts down (Python
            # restores the default action during finalisation, and the status would be -15).
            signal.signal(sig, signal.SIG_IGN if _early.AS_COMMAND else handler)


def _main(argv: list[str] | None) -> int:
    try:
        rv = app(args=argv, standalone_mode=False)
    except JBPError as exc:
        typer.echo(f"Error: {exc}", err=True)
        return 2
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        typer.echo("Aborted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except typer.exceptions.TyperException as exc:  # typer >= 0.2x vendors click: usage errors
        if hasattr(exc, "show"):
            exc.show()
            return int(getattr(exc, "exit_code", 2))
        typer.echo(f"Error: {exc}", err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence for end users
        if os.environ.get("JBP_DEBUG"):
            raise
        typer.echo(
            f"Internal error ({type(exc).__name__}: {exc}). This is a bug in jbp, not in your data; "
            "rerun with JBP_DEBUG=1 to see the traceback and report it.",
            err=True,
        )
        return 3
    return rv if isinstance(rv, int) else 0
