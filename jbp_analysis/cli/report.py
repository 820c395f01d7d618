"""`jbp report`: run the report notebooks for one, several or all districts, in parallel.

Examples
--------
``jbp report --district 3322``, ``jbp report --district "Kab. Semarang" --lang en``,
``jbp report --all --jobs 2``, ``jbp report --all --changed``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jbp_analysis.cli.study import StudyOption, use_study
from jbp_analysis.core import paths
from jbp_analysis.core.errors import ConfigError

__all__ = ["command"]


def command(
    district: Annotated[
        list[str] | None,
        typer.Option(
            "--district",
            "-d",
            help="BPS code (3322) or exact name ('Kab. Semarang'); repeat for several.",
        ),
    ] = None,
    all_districts: Annotated[
        bool,
        typer.Option(
            "--all", help="Every district in the processed data, the provincial overview, index."
        ),
    ] = False,
    lang: Annotated[str, typer.Option(help="Language: id (Bahasa Indonesia) or en.")] = "id",
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Worker processes (default: one per core).")
    ] = None,
    changed: Annotated[
        bool, typer.Option(help="Only districts whose data, parameters or code changed.")
    ] = False,
    processed: Annotated[
        Path, typer.Option(help="Folder of processed data (from `jbp clean`).")
    ] = paths.PROCESSED_DIR,
    out: Annotated[
        Path,
        typer.Option("--reports", "--out", help="Reports root; nothing is written outside it."),
    ] = paths.REPORTS_DIR,
    waves: Annotated[
        list[str] | None,
        typer.Option(
            "--waves",
            help="Follow-up waves to report (repeatable; default: every wave with interviews). "
            "No follow-up yet gives baseline reports: sample, balance and data quality.",
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler address (tcp://host:8786): run the reports on that cluster, "
            "one warm kernel per worker (see docs/distributed.md). Default: local workers."
        ),
    ] = None,
    study: StudyOption = None,
) -> None:
    """Run the district report notebooks (papermill, warm kernels) and write reports/index.html."""
    from jbp_analysis.i18n import check_lang
    from jbp_analysis.report.runner import (
        district_job,
        overview_job,
    )
    from jbp_analysis.report.setup import collected_waves, load_processed
    from jbp_analysis.study.reference import resolve_district

    use_study(study)  # sets JBP_STUDY, so the report kernels read the same study
    lang = check_lang(lang)
    if jobs is not None and jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, not {jobs}")
    requested = [resolve_district(d) for d in (district or [])]  # rejects ../../x and quotes
    if not requested and not all_districts:
        raise ConfigError("name a district with --district CODE (repeatable) or use --all")
    # a relative path is relative to the working directory, as for every command (the report
    # kernels get absolute paths, so their own working directory does not matter)
    root, processed = Path(out).resolve(), Path(processed).resolve()
    data = load_processed(processed, lang=lang)
    present = sorted(data["panel"]["district_code"].astype(str).unique())
    missing = [c for c in requested if c not in present]
    if missing:
        raise ConfigError(
            f"district(s) {', '.join(missing)} have no rows in {Path(processed) / 'panel.parquet'}; "
            f"present: {', '.join(present)}"
        )
    codes = present if all_districts else list(dict.fromkeys(requested))
    collected = collected_waves(data["panel"])
    del data  # the batch's shared inputs are built below, from one reading at a time
    if waves is None:
        waves = list(collected)
    absent = [w for w in waves if w not in collected]
    if absent:
        raise ConfigError(
            f"--waves {', '.join(absent)}: not collected in {Path(processed) / 'panel.parquet'} "
            f"(waves with interviews after baseline: {', '.join(collected) or 'none yet'})"
        )
    typer.echo(
        "Reporting waves: baseline"
        + ("".join(f", {w}" for w in waves) if waves else " only (no follow-up collected yet)")
    )
    opts = {"processed_dir": Path(processed), "root": root, "lang": lang, "waves": waves}
    all_jobs = [district_job(c, **opts) for c in codes]
    if all_districts:
        all_jobs.append(overview_job(**opts))
    root.mkdir(parents=True, exist_ok=True)
    # one `jbp report` per reports root at a time; staging left by killed runs is removed
    from jbp_analysis.core.publish import OutputLock
    from jbp_analysis.report.runner import load_failed, remove_stale, save_failed

    lock = OutputLock(root, command="jbp report").acquire()
    cleanup: list = []
    try:
        remove_stale(root)
        if len(all_jobs) > 1 and scheduler is None:
            # the indicators every report shares, built once; each district kernel then reads
            # only its own partition (report/inputs.py)
            import os

            from jbp_analysis.report.inputs import INPUTS_ENV, prepare_report_inputs
            from jbp_analysis.report.setup import forget_report_data, report_data

            os.environ[INPUTS_ENV] = str(
                prepare_report_inputs(report_data(processed, lang=lang), processed, root=root)
            )
            cleanup.append(lambda: os.environ.pop(INPUTS_ENV, None))
            forget_report_data()  # the workers read the partitions: free the whole sample here
        _run_and_index(all_jobs, root=root, lang=lang, changed=changed, jobs=jobs,
                       progress=progress, load_failed=load_failed, save_failed=save_failed,
                       scheduler=scheduler)  # fmt: skip
    finally:
        for undo in cleanup:
            undo()
        lock.release()


def _run_and_index(
    all_jobs, *, root, lang, changed, jobs, progress, load_failed, save_failed, scheduler=None
):
    import os

    from jbp_analysis.report.inputs import INPUTS_ENV, clear_summaries
    from jbp_analysis.report.runner import (
        default_workers,
        job_hashes,
        load_state,
        run_jobs,
        save_state,
    )

    hashes = job_hashes(all_jobs)
    state = load_state(root)
    todo = all_jobs
    if changed:
        todo = [j for j in all_jobs if state.get(j.key) != hashes[j.key] or not j.out_dir.is_dir()]
        typer.echo(f"--changed: {len(todo)} of {len(all_jobs)} reports need regenerating")
    workers = jobs or default_workers()
    inputs = os.environ.get(INPUTS_ENV)
    if inputs:  # a report about to run leaves new estimates for the overview, or none
        clear_summaries(Path(inputs), [j.key for j in todo])
    if scheduler is not None:
        from jbp_analysis.report.distributed import run_jobs_dask

        results = run_jobs_dask(todo, scheduler=scheduler, progress=progress)
    else:
        results = run_jobs(todo, workers=workers, progress=progress)
    for r in results:
        if r.ok:
            state[r.key] = hashes[r.key]
        else:
            state.pop(r.key, None)
    save_state(root, state)
    # failures are remembered until the district succeeds, so the index never shows a failed
    # district's previous numbers as current
    failed = load_failed(root)
    for r in results:
        if r.ok:
            failed.pop(r.out_dir.name, None)
        else:
            failed[r.out_dir.name] = r.error or "error"
    save_failed(root, failed)
    from jbp_analysis.report.index import write_index

    index = write_index(root, lang=lang, failed=failed)
    ok = sum(r.ok for r in results)
    typer.echo(
        f"{len(results)} report(s) run on {min(workers, max(len(todo), 1))} worker(s): "
        f"{ok} ok, {len(results) - ok} failed."
    )
    for r in results:
        if not r.ok:
            where = f" (notebook: {r.failed_notebook})" if r.failed_notebook else ""
            typer.echo(f"  FAILED {r.key} {r.label}: {r.error}{where}", err=True)
    typer.echo(f"Open {index} (one folder per district under {root}).")
    if any(not r.ok for r in results):
        raise typer.Exit(1)
