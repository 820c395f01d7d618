"""Benchmark: regenerate all 35 Central Java district reports plus the provincial overview.

Data: the simulator (:func:`jbp_analysis.simulate.simulate`, 35 districts, the sample's 12 groups
of 25 per district) written as raw exports and cleaned by :func:`jbp_analysis.clean.run`, exactly
as ``make report`` does. Then, in the same run:

* ours: the ``jbp report --all`` machinery (:func:`jbp_analysis.report.runner.run_jobs`): ``N``
  worker processes (default one per core), each with one warm kernel that imports the libraries
  and builds the outcome indicators once, executing every notebook and writing the reader HTML;
* baseline: a naive sequential loop of the ``papermill`` CLI (one process and one fresh kernel per
  notebook) over ``--baseline-sample`` of the same notebooks (the first districts and the
  overview), then timed per report and scaled to all 36. Two figures: papermill alone (less work
  than ours: no reader HTML), and papermill followed by ``jupyter nbconvert --no-input`` (the
  same outputs as ours).

Prints the wall time, the time per report and the speed-ups. Target: >= 3x on 2 cores.

Then the **scale ratio** (issue 14, "reports cost what their district costs"): the same
``jbp report --all`` batch, as a command, on the default sample and on a sample of ``--scale``
young people (default 2,000,000: national size) in the same run, each cleaned first
(:func:`national.run_size`). Target: the national batch costs <= 2x the default batch, and no
worker or kernel holds more than 2 GiB. ``--scale 0`` skips it.

    .venv/bin/python benchmarks/reports.py [--jobs 2] [--baseline-sample 5] [--keep DIR]
                                           [--scale 2000000] [--work DIR --reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jbp_analysis.report.runner import (
    NOTEBOOK_DIR,
    default_workers,
    district_job,
    overview_job,
    run_jobs,
)
from jbp_analysis.study.reference import districts


def processed_data(work: Path, codes: list[str], *, seed: int) -> Path:
    """Simulate the 35 districts into ``work/raw`` and clean them into ``work/processed``."""
    from jbp_analysis.clean import run
    from jbp_analysis.simulate import SimConfig, simulate

    simulate(SimConfig(seed=seed, districts=tuple(codes))).write(work / "raw")
    run(work / "raw", work / "processed", secret="benchmark-only-secret")
    return work / "processed"


def children_cpu() -> float:
    """CPU seconds used so far by finished child processes (and the kernels they waited for)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def naive_loop(jobs, work: Path) -> tuple[list[float], list[float]]:
    """Each job with the papermill CLI, one fresh process and kernel each; then the reader HTML
    of each executed notebook with the nbconvert CLI. Seconds per job for each of the two."""
    run, html = [], []
    for j in jobs:
        out = work / f"naive-{j.key}.ipynb"
        params = {
            **j.parameters,
            "reports_root": str(work / "naive-reports"),
            "output_dir": str(work / "naive-reports" / j.out_dir.name),
        }
        t0 = time.perf_counter()
        cmd = [sys.executable, "-m", "papermill", str(j.notebook), str(out), "--cwd"]
        cmd += [str(NOTEBOOK_DIR), "--no-progress-bar", "--log-level", "ERROR"]
        rc = subprocess.run([*cmd, "-y", json.dumps(params)], capture_output=True, text=True)
        if rc.returncode != 0:
            raise SystemExit(f"naive papermill run of {j.key} failed:\n{rc.stderr[-2000:]}")
        run.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--no-input"]
        subprocess.run([*cmd, "--log-level", "ERROR", str(out)], capture_output=True, check=True)
        html.append(time.perf_counter() - t0)
    return run, html


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=default_workers())
    ap.add_argument("--baseline-sample", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20170401)
    ap.add_argument("--keep", type=Path, help="copy the reports here (to look at them)")
    ap.add_argument("--scale", type=int, default=2_000_000, help="young people; 0: no ratio")
    ap.add_argument("--work", type=Path, help="work folder of the scale ratio (kept)")
    ap.add_argument("--reuse", action="store_true", help="reuse the raw samples in --work")
    ap.add_argument("--skip-baseline", action="store_true", help="only the scale ratio")
    args = ap.parse_args()
    if not args.skip_baseline:
        speed_up(args)
    if args.scale:
        scale_ratio(args)


def scale_ratio(args) -> None:
    """The batch at default and at ``args.scale`` young people, in the same run."""
    sys.path.insert(0, str(Path(__file__).parent))
    from national import run_size

    work = args.work or Path(tempfile.mkdtemp(prefix="jbp-scale-"))
    default = run_size(work / "default", "default", [], args.jobs, reuse=args.reuse)["report"]
    big = run_size(
        work / "national", "national", ["--scale", str(args.scale)], args.jobs, reuse=args.reuse
    )["report"]
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    for label, r in (("default", default), (f"{args.scale:,} young people", big)):
        print(
            f"jbp report --all, {label}: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, "
            f"largest worker/kernel {r['worker_gib']:.2f} GiB, command {r['parent_gib']:.2f} GiB"
        )
    print(
        f"scale ratio: {big['wall'] / default['wall']:.2f}x wall, "
        f"{big['cpu'] / default['cpu']:.2f}x CPU (target <= 2x); largest worker or kernel "
        f"{big['worker_gib']:.2f} GiB (target <= 2 GiB); load average now "
        f"{os.getloadavg()[0]:.1f}"
    )


def speed_up(args) -> None:
    """Ours (warm kernels) against the naive papermill loop, at the default size."""
    codes = districts()["bps_code"].tolist()
    with tempfile.TemporaryDirectory(prefix="jbp-bench-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        processed = processed_data(work, codes, seed=args.seed)
        print(
            f"data: simulated + cleaned, {len(codes)} districts x 12 groups x 25 "
            f"({time.perf_counter() - t0:.1f} s)"
        )
        root = work / "reports"
        jobs = [district_job(c, processed_dir=processed, root=root) for c in codes]
        jobs.append(overview_job(processed_dir=processed, root=root))

        t0, c0 = time.perf_counter(), children_cpu()
        results = run_jobs(jobs, workers=args.jobs, progress=False)
        ours = time.perf_counter() - t0
        ours_cpu = (children_cpu() - c0) / len(jobs)
        ok = sum(r.ok for r in results)
        per_ours = ours / len(jobs)
        execute = sum(r.timings.get("execute", 0.0) for r in results) / max(ok, 1)
        html = sum(r.timings.get("html", 0.0) for r in results) / max(ok, 1)
        print(
            f"ours: {len(jobs)} reports ({ok} ok) on {args.jobs} warm-kernel workers: "
            f"{ours:.1f} s wall = {per_ours:.2f} s per report "
            f"(inside a worker: {execute:.2f} s executing + {html:.2f} s HTML per report)"
        )
        for r in results:
            if not r.ok:
                print(f"  FAILED {r.key}: {r.error}")
        if ok != len(jobs):
            raise SystemExit(1)

        k = max(1, args.baseline_sample - 1)
        sample = [*jobs[:k], jobs[-1]]
        c0 = children_cpu()
        naive, naive_html = naive_loop(sample, work)
        naive_cpu = (children_cpu() - c0) / len(sample)
        per = sum(naive) / len(naive)
        per_html = per + sum(naive_html) / len(naive_html)
        print(
            f"naive sequential papermill CLI: {len(sample)} notebooks in {sum(naive):.1f} s "
            f"= {per:.2f} s per report -> {per * len(jobs):.1f} s for {len(jobs)} (scaled)"
        )
        print(
            f"naive papermill + nbconvert --no-input (the same outputs as ours): "
            f"{per_html:.2f} s per report -> {per_html * len(jobs):.1f} s for {len(jobs)}"
        )
        print(
            f"speed-up: {per * len(jobs) / ours:.2f}x vs papermill alone, "
            f"{per_html * len(jobs) / ours:.2f}x vs papermill + nbconvert "
            f"(target >= 3x on 2 cores)"
        )
        print(
            f"CPU seconds per report: ours {ours_cpu:.2f}, naive papermill + nbconvert "
            f"{naive_cpu:.2f} (work the warm kernels save: {1 - ours_cpu / naive_cpu:.0%}); "
            f"load average now {os.getloadavg()[0]:.1f} (other processes share the cores)"
        )
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(root, args.keep)
            print(f"reports copied to {args.keep}")


if __name__ == "__main__":
    main()
