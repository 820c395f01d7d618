"""Benchmark: end to end at national size, step by step (wall time, CPU time, peak memory).

Data: the simulator with every Central Java district and ``--scale`` young people (default
2,000,000: the national size; 6M respondent-waves), written as raw CSV exports. Then, each step
as its own process, exactly as an evaluator runs them:

1. ``jbp simulate`` (its own figure: not part of the end-to-end time);
2. ``jbp clean``;
3. ``jbp report --all`` (35 district reports, the provincial overview and the index).

The same three steps also run on the default-size sample of the same 35 districts (12 groups of
25 per district) in the same run: the report batch's **scale ratio** (national / default) is the
target of "reports cost what their district costs" (<= 2x), and clean + report at national size
must take <= 5 minutes on 2 cores. Peak memory is the largest resident set of any process of the
step (``ru_maxrss`` of the step's waited-for descendants: for ``jbp report`` that is the largest
worker or kernel; target <= 2 GiB per worker, <= 6 GiB for cleaning).

    .venv/bin/python benchmarks/national.py [--scale 2000000] [--jobs 2] [--work DIR] [--keep]
                                            [--reuse]   # --reuse: the raw samples kept in --work
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SEED = 20170401


class _PeakSampler(threading.Thread):
    """Polls the resident memory of a process and of each descendant (every 0.2 s): the peak of
    the command's own process and the largest peak of any worker or kernel it started."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.own = 0
        self.others: dict[int, int] = {}

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stop.is_set():
            try:
                self.own = max(self.own, root.memory_info().rss)
                for c in root.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        self.others[c.pid] = max(self.others.get(c.pid, 0), c.memory_info().rss)
            except psutil.Error:
                return
            self.stop.wait(0.2)


def step(name: str, args: list[str], *, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``jbp ARGS`` as a child process; its wall, CPU (self + descendants) and peak RSS
    (of any process of the step; and, sampled, of the command's own process and of the largest
    worker or kernel)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jbp_analysis.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    sampler = _PeakSampler(proc.pid)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed ({os.waitstatus_to_exitcode(status)}): {err[-2000:]}")
    # wait4's usage covers the child and the descendants it waited for
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_gib": usage.ru_maxrss / 2**20,
        "parent_gib": sampler.own / 2**30,
        "worker_gib": max(sampler.others.values(), default=0) / 2**30,
    }


def run_size(
    work: Path, label: str, sim_args: list[str], jobs: int, *, reuse: bool = False
) -> dict[str, dict]:
    """Simulate (unless ``reuse`` and ``work/raw`` holds a simulated sample), clean, report."""
    raw, processed, reports = work / "raw", work / "processed", work / "reports"
    out = {}
    env = {"JBP_SECRET": "benchmark-only-secret"}
    if reuse and (raw / "SIMULATED.json").is_file():
        shutil.rmtree(processed, ignore_errors=True)
        shutil.rmtree(reports, ignore_errors=True)
    else:
        out["simulate"] = step(
        f"{label} simulate",
            ["simulate", "--out", str(raw), "--seed", str(SEED), "--districts", "all",
             "--format", "csv", *sim_args],
        )  # fmt: skip
    out["clean"] = step(
        f"{label} clean", ["clean", "--raw", str(raw), "--out", str(processed)], env=env
    )
    out["report"] = step(
        f"{label} report",
        ["report", "--all", "--processed", str(processed), "--reports", str(reports),
         "--jobs", str(jobs), "--no-progress"],
    )  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=2_000_000, help="young people (national size)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--work", type=Path, default=None, help="work folder (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument(
        "--reuse", action="store_true", help="reuse the raw samples in --work (skip simulate)"
    )
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="jbp-national-"))
    try:
        default = run_size(work / "default", "default", [], a.jobs, reuse=a.reuse)
        national = run_size(
            work / "national", "national", ["--scale", str(a.scale)], a.jobs, reuse=a.reuse
        )
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"National end to end: {a.scale:,} young people x 3 waves, 35 districts, "
          f"{a.jobs} workers, {os.cpu_count()} cores")  # fmt: skip
    print(f"{'step':<10} {'size':<9} {'wall s':>8} {'CPU s':>8} {'peak GiB':>9} "
          f"{'command GiB':>12} {'worker GiB':>11}")  # fmt: skip
    for size, res in (("default", default), ("national", national)):
        for name, r in res.items():
            print(f"{name:<10} {size:<9} {r['wall']:8.1f} {r['cpu']:8.1f} {r['peak_gib']:9.2f} "
                  f"{r['parent_gib']:12.2f} {r['worker_gib']:11.2f}")  # fmt: skip
    e2e = national["clean"]["wall"] + national["report"]["wall"]
    ratio = national["report"]["wall"] / default["report"]["wall"]
    print(f"clean + report at national size: {e2e:.1f} s wall (target <= 300 s)")
    print(f"report batch scale ratio national/default: {ratio:.2f}x (target <= 2x)")
    print(f"report peak per worker or kernel: {national['report']['worker_gib']:.2f} GiB "
          f"(target <= 2 GiB); the `jbp report` process itself, which partitions the whole "
          f"sample once: {national['report']['parent_gib']:.2f} GiB; "
          f"clean peak: {national['clean']['peak_gib']:.2f} GiB (target <= 6 GiB)")  # fmt: skip


if __name__ == "__main__":
    main()
