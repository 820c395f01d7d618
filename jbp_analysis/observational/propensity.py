"""The propensity score: a logit of treatment on the user's covariate specification.

Fitted with statsmodels (``Logit`` by Newton-Raphson; ``GLM`` with a binomial family and
frequency weights when sampling weights are given), as in Rosenbaum & Rubin (1983). Perfect separation is an input error.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

from jbp_analysis.core.errors import JBPInputError

__all__ = ["PropensityFit", "fit_propensity", "separating_columns"]

#: Fitted probabilities closer than this to 0 or 1 count as separated.
_SEPARATION_EPS = 1e-8


@dataclass(frozen=True)
class PropensityFit:
    """A fitted propensity score.

    Attributes
    ----------
    ps
        Fitted probabilities of treatment.
    params
        Logit coefficients, in the order of the design matrix columns.
    asy_lin_rep
        The logit's influence function, ``n x k``: ``w_i (d_i - ps_i) x_i' H^{-1}`` with
        ``H = X' diag(w ps (1 - ps)) X / n`` (used to account for the estimated score).
    """

    ps: np.ndarray
    params: np.ndarray
    asy_lin_rep: np.ndarray


def separating_columns(d: np.ndarray, X: np.ndarray, names: tuple[str, ...]) -> list[str]:
    """Design columns whose treated and comparison ranges do not overlap (perfect predictors).

    Examples
    --------
    >>> d = np.array([0.0, 0, 1, 1]); X = np.array([[1, 0.0], [1, 1], [1, 2], [1, 3]])
    >>> separating_columns(d, X, ("Intercept", "x"))
    ['x']
    """
    out = []
    for j, name in enumerate(names):
        x1, x0 = X[d == 1, j], X[d == 0, j]
        if np.ptp(X[:, j]) == 0:
            continue
        if x1.min() > x0.max() or x1.max() < x0.min():
            out.append(name)
        elif x1.min() >= x0.max() or x1.max() <= x0.min():  # touch at one value
            out.append(name)
    return out


def fit_propensity(
    d: np.ndarray, X: np.ndarray, *, w: np.ndarray | None = None, names: tuple[str, ...] = ()
) -> PropensityFit:
    """Fit ``P(d = 1 | X)`` by a (weighted) logit.

    Parameters
    ----------
    d
        0/1 treatment.
    X
        Design matrix with an intercept column.
    w
        Sampling weights (mean 1); ``None`` for none.
    names
        Column names of ``X``, for error messages.

    Raises
    ------
    JBPInputError
        When the design is singular or the logit separates the groups perfectly.

    Examples
    --------
    >>> rng = np.random.default_rng(0); x = rng.normal(size=200)
    >>> d = (rng.uniform(size=200) < 1 / (1 + np.exp(-x))).astype(float)
    >>> fit = fit_propensity(d, np.column_stack([np.ones(200), x]))
    >>> bool(0 < fit.ps.min() and fit.ps.max() < 1)
    True
    """
    n, k = X.shape
    w = np.ones(n) if w is None else w
    names = names or tuple(f"x{j}" for j in range(k))
    # Rank from the column-normalised Gram matrix (k x k), not an SVD of the n x k design.
    Xw = X[w > 0]
    norms = np.sqrt(np.einsum("ij,ij->j", Xw, Xw))
    norms[norms == 0] = 1.0
    gram = (Xw.T @ Xw) / np.outer(norms, norms)
    rank = int(np.sum(np.linalg.eigvalsh(gram) > 1e-11))
    if rank < k:
        raise JBPInputError(
            f"the propensity-score covariates are collinear (rank {rank} of {k} columns)",
            hint="Drop a redundant covariate (e.g. a dummy for every category plus the intercept).",
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if np.all(w == 1.0):  # Newton-Raphson: several times faster than IRLS at 1M rows
                fit = sm.Logit(d, X).fit(disp=0, maxiter=100)
                if not fit.mle_retvals.get("converged", True):
                    raise RuntimeError("the logit did not converge")
            else:
                fit = sm.GLM(d, X, family=sm.families.Binomial(), freq_weights=w).fit()
        except Exception as err:  # statsmodels raises PerfectSeparationError on some versions
            _raise_separation(d, X, names, str(err))
            raise
    ps = np.asarray(fit.predict(X), dtype=np.float64)
    separated = any("separation" in str(c.message).lower() for c in caught)
    # A comparison unit may legitimately have a tiny score (a CPS earner in LaLonde's data); a
    # score of 1 leaves a unit without any comparable counterpart.
    certain = ps > 1 - _SEPARATION_EPS
    if separated or certain.any():
        _raise_separation(d, X, names, f"{int(certain.sum())} fitted probabilities are 1")
    # Capped at 1 - 1e-6 and information rebuilt from the final probabilities (as R's DRDID).
    ps = np.minimum(ps, 1 - 1e-6)
    info = X.T @ ((w * ps * (1 - ps))[:, None] * X) / n
    H = np.linalg.inv(info)
    score = (w * (d - ps))[:, None] * X
    return PropensityFit(ps=ps, params=np.asarray(fit.params), asy_lin_rep=score @ H)


def _raise_separation(d: np.ndarray, X: np.ndarray, names: tuple[str, ...], detail: str) -> None:
    culprits = separating_columns(d, X, names)
    hint = (
        f"{', '.join(map(repr, culprits))} predict(s) treatment perfectly: "
        if culprits
        else "A combination of covariates predicts treatment perfectly: "
    )
    raise JBPInputError(
        f"the propensity-score logit is perfectly separated ({detail})",
        hint=hint + "drop or coarsen the covariate, or restrict the sample to common support.",
    )
