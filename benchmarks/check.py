"""Benchmark: ``jbp check`` and the unreadable-value shares of every export flavour.

On the default sample (``jbp simulate --seed 20170401``, written in each export flavour of
:mod:`jbp_analysis.simulate.kobo`), measures in one run:

* the baseline: ``jbp_analysis.clean.run`` on the standard export (what ``jbp clean`` costs);
* ``jbp_analysis.clean.check.check_raw`` on the standard export (what ``jbp check`` costs), as
  the ratio to the baseline;
* per flavour: the share of non-blank values that could not be read (all columns, all files)
  and whether the cleaned panel, groups and costs equal those of the standard export, cell by
  cell (NA equal to NA).

Wall-clock figures depend on the machine's load; the ratio is measured in the same run. CPU time
(user + system of this process) is printed as well.

Usage::

    .venv/bin/python benchmarks/check.py
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(fn):  # noqa: ANN001, ANN202
    w, c = time.perf_counter(), _cpu()
    out = fn()
    return out, time.perf_counter() - w, _cpu() - c


def main() -> None:
    from jbp_analysis.clean import run
    from jbp_analysis.clean.check import check_raw
    from jbp_analysis.simulate import simulate
    from jbp_analysis.simulate.kobo import FLAVOURS

    os.environ.setdefault("JBP_SECRET", "benchmark-secret-0123456789abcdef")
    tmp = Path(tempfile.mkdtemp(prefix="jbp-bench-check-"))
    std_raw = tmp / "raw-standard"
    simulate(seed=20170401).write(std_raw)
    _, clean_wall, clean_cpu = _timed(lambda: run(std_raw, tmp / "out-standard"))
    report, check_wall, check_cpu = _timed(lambda: check_raw(std_raw))
    print(
        f"baseline  jbp clean (standard export)   {clean_wall:6.1f} s wall  {clean_cpu:6.1f} s CPU"
    )
    print(
        f"jbp check (standard export)           {check_wall:6.1f} s wall  {check_cpu:6.1f} s CPU"
        f"  ratio to clean {check_wall / clean_wall:.2f}; problems: {len(report.problems)}"
    )
    print(f"{'flavour':<16} {'non-blank':>10} {'unreadable':>10} {'share':>8}  same panel")
    for flavour in FLAVOURS:
        raw = tmp / f"raw-{flavour}"
        if flavour != "standard":
            simulate(seed=20170401, flavour=flavour).write(raw)
        rep = check_raw(raw)
        u = rep.unreadable
        out = tmp / f"out-{flavour}"
        if flavour != "standard":
            run(raw, out)
        same = True
        for name in ("panel.parquet", "groups.parquet", "costs.parquet"):
            try:
                pd.testing.assert_frame_equal(
                    pd.read_parquet(tmp / "out-standard" / name), pd.read_parquet(out / name)
                )
            except AssertionError:
                same = False
        nb, bad = int(u["non_blank"].sum()), int(u["unreadable"].sum())
        print(f"{flavour:<16} {nb:>10,} {bad:>10,} {bad / nb:>8.3%}  {same}")


if __name__ == "__main__":
    main()
