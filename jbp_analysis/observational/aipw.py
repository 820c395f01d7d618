"""The doubly robust (augmented IPW) estimator of the ATT.

The estimator of Sant'Anna & Zhao (2020, eq. 3.1, "traditional" DR with a logit score fitted by
maximum likelihood and a linear outcome regression fitted by OLS on the comparison rows), which
is the ATT version of the augmented IPW of Robins, Rotnitzky & Zhao (1994). With ``y`` the
outcome it is the cross-sectional AIPW ATT; with ``y = Y_post - Y_pre`` it is Sant'Anna & Zhao's
doubly robust difference-in-differences for panel data.
"""

from __future__ import annotations

import numpy as np

from jbp_analysis.core.errors import JBPInputError

__all__ = ["aipw_att", "outcome_regression"]


def outcome_regression(y: np.ndarray, X: np.ndarray, wc: np.ndarray) -> np.ndarray:
    """Coefficients of the (weighted) OLS of ``y`` on ``X`` over the rows with weight ``wc > 0``."""
    sw = np.sqrt(wc)
    beta, _, rank, _ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
    if rank < X.shape[1]:
        raise JBPInputError(
            f"the outcome regression on the comparison rows is collinear (rank {rank} of "
            f"{X.shape[1]} columns)",
            hint="A covariate does not vary among comparison units: drop it.",
        )
    return beta


def aipw_att(
    y: np.ndarray,
    d: np.ndarray,
    X: np.ndarray,
    ps: np.ndarray,
    ps_lin: np.ndarray,
    *,
    w: np.ndarray,
    active: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Doubly robust ATT and its influence function (Sant'Anna & Zhao 2020).

    .. math:: \\hat\\tau = \\frac{\\sum w_i d_i (y_i - \\hat m_0(x_i))}{\\sum w_i d_i}
              - \\frac{\\sum w_i (1-d_i)\\frac{e_i}{1-e_i} (y_i - \\hat m_0(x_i))}
                      {\\sum w_i (1-d_i)\\frac{e_i}{1-e_i}}

    with :math:`\\hat m_0` the OLS fit of ``y`` on ``X`` among comparison rows. Consistent when
    either the score or the outcome model is right (Robins, Rotnitzky & Zhao 1994).

    Parameters
    ----------
    y, d, X
        Outcome, 0/1 treatment and the design matrix (used for both models).
    ps, ps_lin
        Fitted score and the logit's influence function.
    w, active
        Sampling weights (mean 1) and the 0/1 mask of rows kept after trimming.

    Returns
    -------
    estimate, influence, control_weights

    Examples
    --------
    >>> rng = np.random.default_rng(1); n = 4000; x = rng.normal(size=n)
    >>> d = (rng.uniform(size=n) < 1 / (1 + np.exp(-x))).astype(float)
    >>> y = 2 * x + 1.5 * d + rng.normal(size=n); X = np.column_stack([np.ones(n), x])
    >>> from jbp_analysis.observational.propensity import fit_propensity
    >>> f = fit_propensity(d, X)
    >>> est, inf, _ = aipw_att(y, d, X, f.ps, f.asy_lin_rep, w=np.ones(n), active=np.ones(n))
    >>> se = inf.std(ddof=1) / np.sqrt(n)
    >>> bool(abs(est - 1.5) < 3 * se)
    True
    """
    n = len(y)
    wc_ols = w * (1 - d)  # all comparison rows, as DRDID does
    beta = outcome_regression(y, X, wc_ols)
    resid = y - X @ beta
    w_treat = active * w * d
    w_cont = active * w * ps * (1 - d) / (1 - ps)
    dr_treat, dr_cont = w_treat * resid, w_cont * resid
    eta_treat = dr_treat.mean() / w_treat.mean()
    eta_cont = dr_cont.mean() / w_cont.mean()
    # Influence of the OLS coefficients.
    XpX_inv = np.linalg.inv((wc_ols[:, None] * X).T @ X / n)
    ols_lin = (wc_ols * resid)[:, None] * X @ XpX_inv
    M1 = (w_treat[:, None] * X).mean(axis=0)
    inf_treat = (dr_treat - w_treat * eta_treat - ols_lin @ M1) / w_treat.mean()
    M2 = ((w_cont * (resid - eta_cont))[:, None] * X).mean(axis=0)
    M3 = (w_cont[:, None] * X).mean(axis=0)
    inf_cont = (dr_cont - w_cont * eta_cont + ps_lin @ M2 - ols_lin @ M3) / w_cont.mean()
    return float(eta_treat - eta_cont), inf_treat - inf_cont, w_cont / w_cont.sum()
