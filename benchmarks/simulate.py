"""Benchmark: simulate + write a large sample, against writing a same-size table with pandas.

Measures, each in a fresh child process (so peak memory is that run's own maximum resident set):

* ``jbp_analysis.simulate``: ``simulate(cfg).write(out)`` with CSV exports (design, outcomes,
  truth, mess, raw CSVs, ``_truth/*.parquet``), for ``--respondent-waves`` roster
  respondent-waves (default 1,000,000: 333,450 respondents x 3 waves);
* the named baseline ``pandas.DataFrame.to_csv``: a numeric frame with as many rows as the
  respondent exports hold and as many columns (37), random integers, written to one CSV.

It prints respondent-waves per second, wall and CPU seconds, peak memory, and the ratio of the
simulator's wall time to the baseline's. Target (issue 2): 1M respondent-waves in <= 20 s and
<= 4 GiB. On a shared machine, wall time depends on the load; CPU seconds are printed as well.

Usage::

    .venv/bin/python benchmarks/simulate.py                      # 1M respondent-waves
    .venv/bin/python benchmarks/simulate.py --respondent-waves 6000000 --districts all  # national
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import textwrap

TARGET_SECONDS = 20.0
TARGET_GIB = 4.0

_CHILD_SIM = """
import json, resource, sys, time
from jbp_analysis.simulate import SimConfig, simulate
args = json.loads(sys.argv[1])
t0, c0 = time.perf_counter(), time.process_time()
cfg = SimConfig(seed=20170401, districts=tuple(args["districts"]),
                groups_per_district=args["groups_per_district"], file_format="csv")
sim = simulate(cfg)
sim.write(args["out"])
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
exported = int(sim.mess_summary.query("mess_type == 'exact_duplicate'").eligible.sum())
print(json.dumps({"wall": wall, "cpu": cpu, "respondents": cfg.n_respondents,
                  "exported_rows": exported,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

_CHILD_BASELINE = """
import json, resource, sys, time
import numpy as np, pandas as pd
args = json.loads(sys.argv[1])
t0, c0 = time.perf_counter(), time.process_time()
rng = np.random.default_rng(1)
frame = pd.DataFrame(rng.integers(0, 3_000_000, size=(args["rows"], args["columns"])),
                     columns=[f"c{i}" for i in range(args["columns"])])
frame.to_csv(args["out"], index=False)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"wall": wall, "cpu": cpu,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _run(code: str, args: dict) -> dict:
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), json.dumps(args)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondent-waves", type=int, default=1_000_000)
    parser.add_argument(
        "--districts", default="default", help="'default' (6 districts) or 'all' (35)"
    )
    args = parser.parse_args(argv)

    from jbp_analysis.simulate import SimConfig
    from jbp_analysis.study.reference import districts

    codes = (
        list(districts()["bps_code"]) if args.districts == "all" else list(SimConfig().districts)
    )
    respondents = math.ceil(args.respondent_waves / 3)
    gpd = math.ceil(respondents / (25 * len(codes)))
    with tempfile.TemporaryDirectory() as tmp:
        sim = _run(
            _CHILD_SIM,
            {"districts": codes, "groups_per_district": gpd, "out": os.path.join(tmp, "raw")},
        )
        base = _run(
            _CHILD_BASELINE,
            {"rows": sim["exported_rows"], "columns": 37, "out": os.path.join(tmp, "base.csv")},
        )
    rw = 3 * sim["respondents"]
    gib = sim["maxrss_kib"] / 2**20
    print(f"jbp_analysis.simulate: {sim['respondents']:,} respondents x 3 waves = {rw:,} "
          f"respondent-waves ({len(codes)} districts, {gpd:,} groups each), CSV exports")  # fmt: skip
    print(f"  wall {sim['wall']:.1f} s, CPU {sim['cpu']:.1f} s, "
          f"{rw / sim['wall']:,.0f} respondent-waves/s, peak memory {gib:.2f} GiB")  # fmt: skip
    print(f"baseline pandas.DataFrame.to_csv: {sim['exported_rows']:,} rows x 37 integer columns")
    print(f"  wall {base['wall']:.1f} s, CPU {base['cpu']:.1f} s, "
          f"peak memory {base['maxrss_kib'] / 2**20:.2f} GiB")  # fmt: skip
    print(f"ratio simulate / baseline (wall): {sim['wall'] / base['wall']:.2f}x; "
          f"(CPU): {sim['cpu'] / base['cpu']:.2f}x")  # fmt: skip
    load = os.getloadavg()[0]
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (wall time grows with the load)"
    )
    scale = rw / 1_000_000
    ok_time = sim["wall"] / scale <= TARGET_SECONDS
    ok_mem = gib / max(scale, 1.0) <= TARGET_GIB
    ok_cpu = sim["cpu"] / scale <= TARGET_SECONDS
    print(f"target per 1M respondent-waves: <= {TARGET_SECONDS:.0f} s "
          f"(wall {'met' if ok_time else 'NOT met'}: {sim['wall'] / scale:.1f} s; "
          f"CPU {'met' if ok_cpu else 'NOT met'}: {sim['cpu'] / scale:.1f} s), "
          f"<= {TARGET_GIB:.0f} GiB ({'met' if ok_mem else 'NOT met'}: {gib / max(scale, 1):.2f} GiB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
