"""Benchmark: the observational estimators at scale, and their coverage on the observational
simulation.

1. **Scale.** :func:`jbp_analysis.observational.att` with ``method="aipw"`` and the multiplier
   bootstrap (999 draws, clustered by 50,000 groups) on 1,000,000 rows and 10 covariates, from
   the DataFrame (validation, design, logit, outcome regression, influence function, bootstrap).
   Baseline, in the same run and interleaved: a plain statsmodels fit of the two nuisance models
   on prebuilt arrays (``sm.Logit(d, X).fit()`` and ``sm.OLS(y[d == 0], X[d == 0]).fit()``),
   which gives no ATT and no standard error at all. Also times ``method="ipw"`` with
   influence-function SEs. Wall and CPU seconds are printed.
2. **Coverage.** ``--reps`` draws of :func:`jbp_analysis.simulate.observational.simulate_observational`
   (3,600 youths in 240 kelompok, programme groups formed where youths are more educated and more
   often in business). For IPW, AIPW and DR-DiD, clustered by kelompok: the share of 95%
   intervals that contain the planted population ATT (target 93-97%), the bias and the ratio of
   the mean SE to the SD of the estimates; the naive difference for contrast.
3. **Few clusters.** ``--few-reps`` draws with 8, 12 and 16 kelompok (2-3 districts, half the
   groups in the programme): coverage of the AIPW 95% intervals with the normal reference (the
   behaviour before few-cluster inference) and with ``inference="auto"``, which uses t(G - 1)
   below 50 clusters (Cameron & Miller 2015, section VI.C).

Run: ``.venv/bin/python benchmarks/observational.py [--rows 1000000] [--repeat 2] [--reps 1000]
[--few-reps 200] [--skip-scale] [--skip-coverage] [--skip-few]``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.observational import att, drdid
from jbp_analysis.observational.inference import interval
from jbp_analysis.simulate.observational import COVARIATES, simulate_observational


def make_data(n: int, k: int, n_groups: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k))
    beta = np.linspace(0.4, -0.3, k)
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(-(-0.8 + X @ (beta / 2))))).astype(np.int8)
    y = 1 + X @ beta + 0.5 * d + rng.normal(size=n)
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(k)])
    df["d"], df["y"] = d, y
    df["g"] = rng.integers(0, n_groups, n)
    return df


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def scale(rows: int, repeat: int) -> None:
    k = 10
    df = make_data(rows, k, rows // 20, seed=1)
    cov = [f"x{j}" for j in range(k)]
    X = np.column_stack([np.ones(rows), df[cov].to_numpy()])
    d, y = df["d"].to_numpy(np.float64), df["y"].to_numpy()

    def ours():
        return att(df, outcome="y", treatment="d", covariates=cov, method="aipw",
                   inference="bootstrap", draws=999, cluster="g")  # fmt: skip

    def ipw():
        return att(df, outcome="y", treatment="d", covariates=cov, method="ipw")

    def peer():
        sm.Logit(d, X).fit(disp=0)
        return sm.OLS(y[d == 0], X[d == 0]).fit()

    runs = {"ours": [], "ipw": [], "peer": []}
    for _ in range(repeat):
        res, w, c = _timed(ours)
        runs["ours"].append((w, c))
        r_ipw, w, c = _timed(ipw)
        runs["ipw"].append((w, c))
        _, w, c = _timed(peer)
        runs["peer"].append((w, c))
    best = {k: min(v) for k, v in runs.items()}
    print(f"\n-- AIPW ATT, {rows:,} rows, {k} covariates, {df['g'].nunique():,} clusters "
          f"(best of {repeat}; wall / CPU s)")  # fmt: skip
    print(
        f"att(aipw, multiplier bootstrap 999, clustered): {best['ours'][0]:7.2f} / {best['ours'][1]:7.2f}"
    )
    print(
        f"att(ipw, influence function)                 : {best['ipw'][0]:7.2f} / {best['ipw'][1]:7.2f}"
    )
    print(
        f"statsmodels Logit + OLS on arrays (baseline) : {best['peer'][0]:7.2f} / {best['peer'][1]:7.2f}"
    )
    print(
        f"ratio aipw+bootstrap / baseline              : {best['ours'][0] / best['peer'][0]:7.2f} x wall"
    )
    print(f"estimate {res.estimate:.4f} (planted 0.5), bootstrap SE {res.std_error:.4f}")


def coverage(reps: int, level: float = 0.95) -> None:
    out: dict[str, list] = {"ipw": [], "aipw": [], "drdid": []}
    naive, truth = [], None
    t0 = time.perf_counter()
    for seed in range(reps):
        sim = simulate_observational(seed=seed)
        truth = sim.att_population
        naive.append(sim.naive)
        r = sim.respondents
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for m in ("ipw", "aipw"):
                a = att(r, outcome="income", treatment="treated", method=m, cluster="group_id",
                        covariates=COVARIATES + " + income_baseline", level=level)  # fmt: skip
                out[m].append((a.estimate, a.std_error, a.ci_low <= truth <= a.ci_high))
            a = drdid(sim.panel, outcome="income", treatment="treated", covariates=COVARIATES,
                      unit="respondent_id", pre="baseline", post="endline", cluster="group_id",
                      level=level)  # fmt: skip
            out["drdid"].append((a.estimate, a.std_error, a.ci_low <= truth <= a.ci_high))
    secs = time.perf_counter() - t0
    print(f"\n-- Coverage on the observational simulation: {reps} draws, planted population "
          f"ATT {truth:,.0f} rupiah/month ({secs:.0f} s)")  # fmt: skip
    mc = np.sqrt(level * (1 - level) / reps)
    print(f"naive difference: mean {np.mean(naive):,.0f} (bias {np.mean(naive) - truth:+,.0f})")
    print(
        f"{'method':8s} {'coverage':>9s} {'bias':>10s} {'sd':>10s} {'mean se':>10s} {'se/sd':>6s}"
    )
    ok = True
    for m, v in out.items():
        v = np.array(v, dtype=np.float64)
        cov = v[:, 2].mean()
        ok &= 0.93 <= cov <= 0.97
        print(f"{m:8s} {cov:9.3f} {v[:, 0].mean() - truth:+10,.0f} {v[:, 0].std(ddof=1):10,.0f} "
              f"{v[:, 1].mean():10,.0f} {v[:, 1].mean() / v[:, 0].std(ddof=1):6.2f}")  # fmt: skip
    print(f"target 93-97% (Monte Carlo SE {mc:.3f}): {'met' if ok else 'NOT met'}")


FEW_CLUSTER_CASES = ((("3322", "3373"), 4, 25), (("3322", "3373", "3374"), 4, 20),
                     (("3322", "3373"), 8, 15))  # fmt: skip


def few_clusters(reps: int, level: float = 0.95) -> None:
    print(f"\n-- Few clusters: AIPW coverage of the planted ATT, {reps} draws per case "
          "(draws with no treated or comparison group, or a failed fit, are skipped)")  # fmt: skip
    print(f"{'clusters':>8s} {'treated cl.':>11s} {'draws':>6s} {'normal':>7s} {'auto':>7s} "
          f"{'se/sd':>6s}  inference")  # fmt: skip
    for districts, per, size in FEW_CLUSTER_CASES:
        hits, est, ses, n_tr, label = [], [], [], [], ""
        for seed in range(reps):
            try:
                s = simulate_observational(seed=seed, districts=districts, groups_per_district=per,
                                           group_size=size, treated_share=0.5)  # fmt: skip
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    r = att(s.respondents, outcome="income", treatment="treated",
                            cluster="group_id", level=level,
                            covariates=COVARIATES + " + income_baseline")  # fmt: skip
            except (ConfigError, JBPInputError, np.linalg.LinAlgError):
                continue
            truth = s.att_population
            lo, hi, _ = interval(r.estimate, r.std_error, level=level)  # normal reference
            hits.append((lo <= truth <= hi, r.ci_low <= truth <= r.ci_high))
            est.append(r.estimate)
            ses.append(r.std_error)
            n_tr.append(s.respondents.groupby("group_id")["treated"].max().sum())
            label = r.inference
        h = np.array(hits, dtype=float)
        G = len(districts) * per
        print(f"{G:8d} {np.mean(n_tr):11.1f} {len(h):6d} {h[:, 0].mean():7.3f} "
              f"{h[:, 1].mean():7.3f} {np.mean(ses) / np.std(est, ddof=1):6.2f}  {label}")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--reps", type=int, default=1000)
    p.add_argument("--skip-scale", action="store_true")
    p.add_argument("--skip-coverage", action="store_true")
    p.add_argument("--few-reps", type=int, default=200)
    p.add_argument("--skip-few", action="store_true")
    a = p.parse_args()
    if not a.skip_scale:
        scale(a.rows, a.repeat)
    if not a.skip_coverage:
        coverage(a.reps)
    if not a.skip_few:
        few_clusters(a.few_reps)


if __name__ == "__main__":
    main()
