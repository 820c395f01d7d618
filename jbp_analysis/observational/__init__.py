"""Observational evaluation: the effect on the treated when groups were not randomised.

Selection-on-observables estimators of the ATT with a user-specified logit propensity score
(normalised IPW, doubly robust AIPW, bias-corrected nearest-neighbour matching, entropy
balancing), the doubly robust difference-in-differences of Sant'Anna & Zhao (2020) for a panel
with a baseline, and the diagnostics a reader needs: overlap with Crump et al. (2009) trimming,
covariate balance before and after (Austin 2009), a love plot and the E-value of VanderWeele &
Ding (2017). See docs/observational.md.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from jbp_analysis.observational import att, balance
>>> rng = np.random.default_rng(0); n = 1000; x = rng.normal(size=n)
>>> d = (rng.uniform(size=n) < 1 / (1 + np.exp(-x))).astype(int)
>>> df = pd.DataFrame({"x": x, "d": d, "y": x + d + rng.normal(size=n)})
>>> r = att(df, outcome="y", treatment="d", covariates=["x"], method="entropy")
>>> b = balance(df, treatment="d", variables=["x"], result=r)
>>> bool(abs(b["std_diff_after"].iloc[0]) < 1e-6)
True
"""

from jbp_analysis.observational.diagnostics import (
    BALANCE_COLUMNS,
    ExtremeWeightsWarning,
    OverlapWarning,
    balance,
)
from jbp_analysis.observational.drdid import drdid
from jbp_analysis.observational.estimator import METHODS, att, overlap
from jbp_analysis.observational.plots import plot_love, plot_overlap
from jbp_analysis.observational.results import METHOD_LABELS, ATTResult, OverlapResult
from jbp_analysis.observational.sensitivity import evalue

__all__ = [
    "att",
    "overlap",
    "balance",
    "drdid",
    "evalue",
    "plot_love",
    "plot_overlap",
    "ATTResult",
    "OverlapResult",
    "OverlapWarning",
    "ExtremeWeightsWarning",
    "METHODS",
    "METHOD_LABELS",
    "BALANCE_COLUMNS",
]
