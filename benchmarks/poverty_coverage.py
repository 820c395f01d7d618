"""Coverage of the 95% intervals for the planted poverty effects, over simulated JBP samples.

Each replication simulates the default JBP sample (72 kelompok in 6 districts, seed r), builds the
outcomes (consumption per capita, the BPS line of each household, P0 and P1), estimates the
impact of each arm against control at each follow-up wave the way the reports do (ANCOVA on the
baseline value with randomisation-strata fixed effects, standard errors clustered by kelompok,
CR1 with G - 1 degrees of freedom) and checks whether the interval covers the effect the
simulator realised on the roster (finite-population effect from potential outcomes; Neyman 1923).
The income effect, estimated the same way, is the named baseline: poverty intervals should cover
as well as the income intervals do. Target: 93-97% (Monte Carlo SE about 1.5 points at 200
replications).

Run: ``.venv/bin/python benchmarks/poverty_coverage.py [--reps 200] [--seed 1]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from jbp_analysis.estimate import impact
from jbp_analysis.outcomes import attach_baseline, build_outcomes
from jbp_analysis.simulate import SimConfig, simulate

OUTCOMES = {"poor": "poor", "poverty_gap": "poverty_gap", "household_income": "household_income"}


def one_replication(seed: int) -> pd.DataFrame:
    """``outcome, contrast, wave, estimate, ci_low, ci_high, truth`` for one simulated sample."""
    tr = simulate(SimConfig(seed=seed)).truth
    panel = build_outcomes(tr.panel)
    panel["stratum"] = panel["district_code"].astype(str) + "-" + panel["cohort"].astype(str)
    panel["poor"] = panel["poor"].astype("Float64")
    panel = attach_baseline(panel, list(OUTCOMES.values()), unit="respondent_id", wave="wave")
    fx = tr.effects[tr.effects.subgroup == "all"]
    rows = []
    for wave in ("endline", "followup"):
        d = panel[(panel["wave"] == wave) & panel["responded"].astype(bool)]
        for name, col in OUTCOMES.items():
            res = impact(
                d,
                outcome=col,
                arm="arm",
                control="kontrol",
                baseline=f"{col}_bl",
                strata="stratum",
                cluster="group_id",
                inference="cr1",
            ).tidy()
            for r in res.itertuples():
                treated = str(r.contrast).split(" ")[0]
                if treated not in ("karitatif", "pendampingan") or "kontrol" not in str(r.contrast):
                    continue
                truth = fx[(fx.outcome == name) & (fx.arm == treated) & (fx.wave == wave)]
                rows.append(
                    (
                        name,
                        treated,
                        wave,
                        r.estimate,
                        r.ci_low,
                        r.ci_high,
                        float(truth.effect.iloc[0]),
                    )
                )
    return pd.DataFrame(
        rows, columns=["outcome", "arm", "wave", "estimate", "ci_low", "ci_high", "truth"]
    )


def coverage(n_reps: int, seed: int) -> pd.DataFrame:
    reps = pd.concat(
        [one_replication(seed + r).assign(rep=r) for r in range(n_reps)], ignore_index=True
    )
    reps["covered"] = (reps.ci_low <= reps.truth) & (reps.truth <= reps.ci_high)
    g = reps.groupby(["outcome", "arm", "wave"], sort=False)
    out = g.agg(
        reps=("covered", "size"),
        coverage=("covered", "mean"),
        mean_estimate=("estimate", "mean"),
        mean_truth=("truth", "mean"),
    ).reset_index()
    out["mc_se"] = np.sqrt(out.coverage * (1 - out.coverage) / out.reps)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    table = coverage(args.reps, args.seed)
    with pd.option_context("display.width", 140, "display.float_format", "{:.4g}".format):
        print(table.to_string(index=False))
    print(f"\n{args.reps} replications in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
