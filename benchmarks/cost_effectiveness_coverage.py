"""Benchmark (slow): coverage of the cost-effectiveness interval with 12 groups per arm.

The report's cost per youth out of open unemployment is ``incremental cost / reduction``, with
the reduction (and its interval) from the report's ANCOVA with ``inference="auto"`` (the wild
cluster bootstrap below 50 groups) and the ratio's interval from
:func:`jbp_analysis.analyses.cost_effectiveness.ratio_interval` (Fieller 1954 with a known cost:
the effect's interval inverted). This counts how often that interval holds the true ratio.

Design (JBP-like): 24 groups of 20 young people, 12 per arm (kontrol, pendampingan), two strata
of 12 groups; group shocks ``a_g ~ U(-0.1, 0.1)``; baseline unemployment ``Bernoulli(0.3 +
a_g)``; follow-up ``Bernoulli(0.3 + a_g + 0.1 (y0 - 0.3) - 0.08 T)``, so the true reduction is
exactly 0.08 and, with an incremental cost of Rp 2,000,000 per participant, the true cost per
youth out of unemployment is Rp 25,000,000. For reference the old method (a percentile group
bootstrap of a raw difference in means, resampled within arm x stratum cells) is counted too.

Target (issue 11): 93-97% at a nominal 95%. Run:
``.venv/bin/python benchmarks/cost_effectiveness_coverage.py [--reps 1000] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from jbp_analysis.analyses.cost_effectiveness import cost_effectiveness, ratio_interval
from jbp_analysis.estimate import impact
from jbp_analysis.inference import FewTreatedClustersWarning

COST = 2_000_000.0
TAU = 0.08
TRUE_RATIO = COST / TAU


def draw(rng: np.random.Generator, *, groups_per_arm: int = 12, size: int = 20) -> pd.DataFrame:
    G = 2 * groups_per_arm
    stratum = np.arange(G) % 2
    treated = np.zeros(G, dtype=bool)
    for s in (0, 1):  # randomise within strata: half of each stratum's groups treated
        idx = np.flatnonzero(stratum == s)
        treated[rng.permutation(idx)[: idx.size // 2]] = True
    a = rng.uniform(-0.1, 0.1, G)
    g = np.repeat(np.arange(G), size)
    y0 = (rng.random(g.size) < 0.3 + a[g]).astype(float)
    p = 0.3 + a[g] + 0.1 * (y0 - 0.3) - TAU * treated[g]
    y = (rng.random(g.size) < p).astype(float)
    return pd.DataFrame(
        {
            "group_id": g,
            "stratum": stratum[g],
            "arm": np.where(treated[g], "pendampingan", "kontrol"),
            "unemployed_bps": y,
            "unemployed_bps_bl": y0,
            "employed": 1.0 - y,
            "household_income": 0.0,
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--draws", type=int, default=999, help="wild bootstrap draws per estimate")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    hit_new = hit_old = unbounded = 0
    start = time.perf_counter()
    for r in range(args.reps):  # Monte Carlo replications
        d = draw(rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FewTreatedClustersWarning)
            res = impact(
                d,
                outcome="unemployed_bps",
                baseline="unemployed_bps_bl",
                arm="arm",
                control="kontrol",
                strata="stratum",
                cluster="group_id",
                inference="auto",
                bootstrap_draws=args.draws,
                seed=r,
            )
        row = res.tidy().iloc[0]
        _, lo, hi = ratio_interval(COST, -row["estimate"], -row["ci_high"], -row["ci_low"])
        hit_new += bool(lo <= TRUE_RATIO <= hi)
        unbounded += bool(np.isinf(hi))
        # old: percentile group bootstrap of the raw difference in employment, within cells
        costs = pd.DataFrame(
            {
                "group_id": np.arange(24),
                "arm": d.groupby("group_id")["arm"].first().to_numpy(),
            }
        )
        costs["cost_rp"] = np.where(costs["arm"] == "pendampingan", COST * 20, 0.0)
        old = cost_effectiveness(
            costs, d, treated=["pendampingan"], strata="stratum", draws=199, seed=r
        ).table.set_index("metric")
        o = old.loc["cost_per_additional_employed_rp"]
        hit_old += bool(o["ci_low"] <= TRUE_RATIO <= o["ci_high"])
    secs = time.perf_counter() - start
    n = args.reps
    se = np.sqrt(0.95 * 0.05 / n)
    print(f"cost-effectiveness interval coverage, 12 groups per arm, {n} replications")
    print(f"  ANCOVA + wild bootstrap, ratio_interval (report): {hit_new / n:.3f}")
    print(f"    (Monte Carlo SE at 95%: {se:.3f}; unbounded intervals: {unbounded / n:.3f})")
    print(
        f"  old: group bootstrap of a difference in means within arm x stratum: {hit_old / n:.3f}"
    )
    print(f"  time {secs:.0f} s ({secs / n * 1000:.0f} ms per replication)")


if __name__ == "__main__":
    main()
