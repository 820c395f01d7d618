"""Benchmark (slow): coverage of the clustered Imbens-Manski intervals of ``lee_bounds``.

Design: two arms (kontrol, pendampingan), ``G`` groups per arm of 25 members in two strata;
group shocks (ICC 0.1). Response is monotone: member ``i`` answers when ``V_i < r(arm)`` with
``r = 0.75`` in control and ``0.90`` under mentoring and the same ``V_i`` under either arm, so
the treated respondents include every control respondent (Lee 2009's assumption). ``V`` is
correlated with the outcome (``corr 0.5``): attriters differ. Outcome
``y = 0.3 T + u_g + e``. The true identified set ``[L, U]`` is computed once from a sample of
one million members without group shocks in the trimming (population trimming quantiles).

For each replication the share of intervals that cover the whole identified set (``ci_low <= L``
and ``U <= ci_high``; Imbens & Manski 2004, Tauchmann 2014's default) and the true effect
(``effect_ci_*`` covers 0.3) is counted, with ``G = 4`` (a district: 8 groups per pair) and
``G = 12``. Target: at least 95% for the set at ``G = 12``; ``G = 4`` shows what a district gets.

Run: ``.venv/bin/python benchmarks/lee_bounds_coverage.py [--reps 300] [--draws 299]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy.special import ndtr

from jbp_analysis.analyses.attrition import lee_bounds

TAU = 0.3
RATES = {"kontrol": 0.75, "pendampingan": 0.90}


def draw(rng: np.random.Generator, G: int, *, size: int = 25, icc: float = 0.1) -> pd.DataFrame:
    n_groups = 2 * G
    stratum = np.arange(n_groups) % 2
    treated = np.zeros(n_groups, dtype=bool)
    for s in (0, 1):
        idx = np.flatnonzero(stratum == s)
        treated[rng.permutation(idx)[: idx.size // 2]] = True
    g = np.repeat(np.arange(n_groups), size)
    t = treated[g]
    e = rng.standard_normal(g.size)
    u = np.sqrt(icc) * rng.standard_normal(n_groups)[g]
    y = TAU * t + u + np.sqrt(1 - icc) * e
    v = ndtr(0.5 * e + np.sqrt(0.75) * rng.standard_normal(g.size))  # uniform, corr with e
    rate = np.where(t, RATES["pendampingan"], RATES["kontrol"])
    responded = v < rate
    return pd.DataFrame(
        {
            "group_id": g,
            "stratum": stratum[g],
            "arm": np.where(t, "pendampingan", "kontrol"),
            "y": np.where(responded, y, np.nan),
            "responded": responded,
        }
    )


def identified_set(rng: np.random.Generator, n: int = 1_000_000) -> tuple[float, float]:
    """Population Lee bounds: trim the treated respondents' outcome distribution."""
    e = rng.standard_normal(n)
    v = ndtr(0.5 * e + np.sqrt(0.75) * rng.standard_normal(n))
    y1 = TAU + e  # group shocks are independent of selection: they only add noise
    y0 = e
    obs1, obs0 = v < RATES["pendampingan"], v < RATES["kontrol"]
    p = (RATES["pendampingan"] - RATES["kontrol"]) / RATES["pendampingan"]
    z = np.sort(y1[obs1])
    k = int(round((1 - p) * z.size))
    return float(z[:k].mean() - y0[obs0].mean()), float(z[-k:].mean() - y0[obs0].mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--draws", type=int, default=299)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    low, high = identified_set(rng)
    print(f"identified set [{low:.4f}, {high:.4f}], effect {TAU}")
    for G in (4, 12):
        start = time.perf_counter()
        cover_set = cover_effect = 0
        for r in range(args.reps):  # Monte Carlo replications
            d = draw(rng, G)
            row = (
                lee_bounds(
                    d,
                    outcome="y",
                    arm="arm",
                    control="kontrol",
                    strata="stratum",
                    cluster="group_id",
                    draws=args.draws,
                    seed=r,
                )
                .tidy()
                .iloc[0]
            )
            cover_set += bool(row["ci_low"] <= low and high <= row["ci_high"])
            cover_effect += bool(row["effect_ci_low"] <= TAU <= row["effect_ci_high"])
        secs = time.perf_counter() - start
        print(
            f"G = {G:2d} groups per arm: set covered {cover_set / args.reps:.3f}, "
            f"effect covered {cover_effect / args.reps:.3f} "
            f"({args.reps} replications, {secs:.0f} s)"
        )


if __name__ == "__main__":
    main()
