"""A small cluster-randomised trial with known effects, for tests and benchmarks.

Private: the project's full simulator is :mod:`jbp_analysis.simulate`; this generator only has
what the estimation checks need (strata, clusters, three arms, a baseline, covariates, weights,
attrition) and is fast at any size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["clustered_trial", "trial_panel", "ARMS"]

ARMS: tuple[str, ...] = ("kontrol", "karitatif", "pendampingan")


def clustered_trial(
    *,
    seed: int,
    n_clusters: int = 60,
    cluster_size: int = 10,
    n_strata: int = 3,
    arms: Sequence[str] = ARMS,
    effects: Sequence[float] = (0.0, 0.2, 0.5),
    cluster_sd: float = 0.5,
    n_covariates: int = 2,
    persistence: float = 0.6,
    response_rate: Sequence[float] | None = None,
) -> pd.DataFrame:
    """One row per person: ``unit, cluster, stratum, arm, y0, y, x1..xk, w, responded``.

    Clusters are randomised to arms in equal shares within strata (complete randomisation by
    stratum). ``y = effects[arm] + persistence * y0 + cluster shock + x'beta + noise`` with a
    cluster component in both periods, so the true effect of arm k against ``arms[0]`` is
    ``effects[k] - effects[0]``. ``responded`` follows ``response_rate`` by arm (all True by
    default); ``y`` is left in place for non-responders (the truth).
    """
    rng = np.random.default_rng(seed)
    n = n_clusters * cluster_size
    cluster = np.repeat(np.arange(n_clusters), cluster_size)
    stratum_of = np.arange(n_clusters) % n_strata
    arm_of = np.empty(n_clusters, dtype=np.int64)
    for s in range(n_strata):
        members = np.flatnonzero(stratum_of == s)
        arm_of[rng.permutation(members)] = np.arange(members.size) % len(arms)
    arm_idx = arm_of[cluster]
    u = rng.normal(0, cluster_sd, n_clusters)[cluster]
    v = rng.normal(0, cluster_sd / 2, n_clusters)[cluster]
    strat_fx = np.linspace(-0.5, 0.5, n_strata)[stratum_of[cluster]]
    x = rng.normal(size=(n, n_covariates))
    beta = np.linspace(0.3, -0.2, n_covariates) if n_covariates else np.zeros(0)
    person = rng.normal(0, 0.7, n)
    y0 = strat_fx + u + person + rng.normal(0, 0.7, n)
    y = (
        np.asarray(effects, dtype=float)[arm_idx]
        + persistence * y0
        + strat_fx
        + u
        + v
        + x @ beta
        + rng.normal(0, 1.0, n)
    )
    out = pd.DataFrame(
        {
            "unit": np.arange(n),
            "cluster": cluster,
            "stratum": stratum_of[cluster],
            "arm": pd.Categorical(np.asarray(arms)[arm_idx], categories=list(arms)),
            "y0": y0,
            "y": y,
        }
    )
    for j in range(n_covariates):
        out[f"x{j + 1}"] = x[:, j]
    out["w"] = rng.uniform(0.5, 2.0, n)
    rates = np.ones(len(arms)) if response_rate is None else np.asarray(response_rate, float)
    out["responded"] = rng.uniform(size=n) < rates[arm_idx]
    return out


def trial_panel(trial: pd.DataFrame) -> pd.DataFrame:
    """Two-period long panel (``period`` 0/1, outcome ``y``) from :func:`clustered_trial`."""
    keep = [c for c in trial.columns if c not in ("y", "y0")]
    pre = trial[keep].assign(period=0, y=trial["y0"].to_numpy())
    post = trial[keep].assign(period=1, y=trial["y"].to_numpy())
    return pd.concat([pre, post], ignore_index=True)
