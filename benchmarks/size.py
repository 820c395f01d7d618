"""Benchmark (slow): Monte Carlo size of a nominal 5% test with 6, 12 and 24 clusters.

Under the null of no effect, counts how often each procedure rejects at 5%:

- CR1: cluster-robust t with the Stata small-sample factor and t(G - 1) critical values
  (what ``impact(..., inference="cr1")`` does);
- wild: restricted wild cluster bootstrap-t (Cameron, Gelbach & Miller 2008), Rademacher weights
  (all 2^G sign vectors when G <= 12, B = 999 otherwise) with the default randomisation-test
  p-value (ties counted; Canay, Santos & Shaikh 2021) and, for reference, with the boottest /
  wildboottest convention (``ties="exclude"``), and Webb six-point weights (B = 999);
- CR2: Bell & McCaffrey (2002) with Satterthwaite (BM) and Imbens-Kolesar (IK) df.

Designs (cluster-level treatment, as JBP's group randomisation):

- ``jbp``: half the clusters treated, 25 members each, ICC 0.1, normal errors;
- ``unbalanced``: a third of the clusters treated, cluster sizes 5..45, ICC 0.2, skewed
  (chi-square) errors; a harder case (MacKinnon & Webb 2017).

The acceptance criterion (issue 5) is that the wild bootstrap and CR2 land within 3-7% on the JBP
design. Run: ``.venv/bin/python benchmarks/size.py [--reps 2000] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy import stats

from jbp_analysis.inference import FewTreatedClustersWarning, cr2, wild_cluster_bootstrap


def draw(design: str, G: int, rng: np.random.Generator):
    """One data set under the null for a design; returns X, y, clusters."""
    if design == "jbp":
        sizes = np.full(G, 25)
        treated = np.arange(G) < G // 2
        icc, skew = 0.1, False
    else:
        sizes = np.linspace(5, 45, G).round().astype(int)
        rng.shuffle(sizes)
        treated = np.arange(G) < max(1, G // 3)
        icc, skew = 0.2, True
    g = np.repeat(np.arange(G), sizes)
    if skew:
        e_g = (rng.chisquare(2, G) - 2) / 2
        e_i = (rng.chisquare(2, g.size) - 2) / 2
    else:
        e_g, e_i = rng.normal(size=G), rng.normal(size=g.size)
    y = np.sqrt(icc) * e_g[g] + np.sqrt(1 - icc) * e_i
    X = np.column_stack([np.ones(g.size), treated[g].astype(float)])
    return X, y, g


def cr1_p(X: np.ndarray, y: np.ndarray, g: np.ndarray) -> float:
    """CR1 t-test of the treatment coefficient with t(G - 1) (Stata's convention)."""
    n, k = X.shape
    G = np.unique(g).size
    XtXi = np.linalg.inv(X.T @ X)
    beta = XtXi @ X.T @ y
    u = y - X @ beta
    scores = np.zeros((G, k))
    np.add.at(scores, g, X * u[:, None])
    V = XtXi @ scores.T @ scores @ XtXi * G / (G - 1) * (n - 1) / (n - k)
    t = beta[1] / np.sqrt(V[1, 1])
    return float(2 * stats.t.sf(abs(t), G - 1))


def size_table(design: str, clusters: list[int], reps: int, seed: int) -> list[dict]:
    rows = []
    for G in clusters:
        rng = np.random.default_rng([seed, G, len(design)])
        keys = ("CR1", "wild rademacher", "wild boottest", "wild webb", "CR2 BM", "CR2 IK")
        rejections = dict.fromkeys(keys, 0)
        t0 = time.perf_counter()
        for rep in range(reps):
            X, y, g = draw(design, G, rng)
            rejections["CR1"] += cr1_p(X, y, g) < 0.05
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FewTreatedClustersWarning)
                for name, w, ties in (
                    ("wild rademacher", "rademacher", "include"),
                    ("wild boottest", "rademacher", "exclude"),
                    ("wild webb", "webb", "include"),
                ):
                    res = wild_cluster_bootstrap(
                        X, y, g, restriction=1, B=999, weights=w, seed=rep, ci=False, ties=ties
                    )
                    rejections[name] += res.p_value < 0.05
            c = cr2(X, y, g, contrasts=1)
            rejections["CR2 BM"] += 2 * stats.t.sf(abs(c.t_stat[0]), c.df_bm[0]) < 0.05
            rejections["CR2 IK"] += 2 * stats.t.sf(abs(c.t_stat[0]), c.df_ik[0]) < 0.05
        rows.append(
            {"design": design, "G": G, "seconds": time.perf_counter() - t0}
            | {k: v / reps for k, v in rejections.items()}
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clusters", type=int, nargs="+", default=[6, 12, 24])
    args = parser.parse_args()
    mc_se = np.sqrt(0.05 * 0.95 / args.reps)
    print(f"Size of nominal 5% tests under the null; {args.reps} replications per cell")
    print(
        f"(Monte Carlo SE {mc_se:.4f}; 95% band {0.05 - 1.96 * mc_se:.3f}-{0.05 + 1.96 * mc_se:.3f})"
    )
    header = (
        f"{'design':<11}{'G':>4}{'CR1':>8}{'wild R':>9}{'(boottest)':>11}{'wild W':>9}"
        f"{'CR2 BM':>9}{'CR2 IK':>9}{'sec':>8}"
    )
    print(header)
    failures = []
    for design in ("jbp", "unbalanced"):
        for row in size_table(design, args.clusters, args.reps, args.seed):
            print(
                f"{row['design']:<11}{row['G']:>4}{row['CR1']:>8.3f}{row['wild rademacher']:>9.3f}"
                f"{row['wild boottest']:>11.3f}{row['wild webb']:>9.3f}{row['CR2 BM']:>9.3f}"
                f"{row['CR2 IK']:>9.3f}"
                f"{row['seconds']:>8.1f}"
            )
            if design == "jbp":
                for key in ("wild rademacher", "CR2 BM"):
                    if not 0.03 <= row[key] <= 0.07:
                        failures.append(f"{key} at G={row['G']}: {row[key]:.3f}")
    print(
        "criterion (jbp design, default wild bootstrap and CR2 within 3-7%):",
        "met" if not failures else failures,
    )


if __name__ == "__main__":
    main()
