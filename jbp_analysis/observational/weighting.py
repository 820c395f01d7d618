"""Weighting estimators of the ATT: normalised inverse probability weighting and entropy balancing.

Each kernel returns the estimate and its influence function (one value per row, mean zero), so
that standard errors, clustering and the multiplier bootstrap are computed once, in
:mod:`jbp_analysis.observational.inference`.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from jbp_analysis.core.errors import JBPInputError

__all__ = ["ipw_att", "entropy_weights", "entropy_att"]


def ipw_att(
    y: np.ndarray,
    d: np.ndarray,
    X: np.ndarray,
    ps: np.ndarray,
    ps_lin: np.ndarray,
    *,
    w: np.ndarray,
    active: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Normalised (Hajek) IPW estimate of the ATT and its influence function.

    .. math:: \\hat\\tau = \\frac{\\sum_i w_i d_i y_i}{\\sum_i w_i d_i}
              - \\frac{\\sum_i w_i (1-d_i) \\frac{e_i}{1-e_i} y_i}
                      {\\sum_i w_i (1-d_i) \\frac{e_i}{1-e_i}}

    (Hirano, Imbens & Ridder 2003), with the influence function that accounts for the estimated
    logit score, as in the standardised IPW of Sant'Anna & Zhao (2020, eq. 3.2 with
    ``y = Y_1 - Y_0``).

    Parameters
    ----------
    y, d, X
        Outcome, 0/1 treatment and the propensity design matrix.
    ps, ps_lin
        Fitted score and the logit's influence function (:class:`PropensityFit`).
    w
        Sampling weights, mean 1.
    active
        1.0 for rows that enter the estimate, 0.0 for trimmed ones.

    Returns
    -------
    estimate, influence, control_weights
        ``control_weights`` are the normalised weights of the comparison rows (0 for treated).

    Examples
    --------
    >>> y = np.array([1.0, 2, 3, 4]); d = np.array([0.0, 0, 1, 1])
    >>> X = np.ones((4, 1)); ps = np.full(4, 0.5); lin = np.zeros((4, 1))
    >>> ipw_att(y, d, X, ps, lin, w=np.ones(4), active=np.ones(4))[0]
    2.0
    """
    w_treat = active * w * d
    w_cont = active * w * ps * (1 - d) / (1 - ps)
    att_treat, att_cont = w_treat * y, w_cont * y
    eta_treat = att_treat.mean() / w_treat.mean()
    eta_cont = att_cont.mean() / w_cont.mean()
    inf_treat = (att_treat - w_treat * eta_treat) / w_treat.mean()
    M2 = ((w_cont * (y - eta_cont))[:, None] * X).mean(axis=0)
    inf_cont = (att_cont - w_cont * eta_cont + ps_lin @ M2) / w_cont.mean()
    return float(eta_treat - eta_cont), inf_treat - inf_cont, w_cont / w_cont.sum()


def entropy_weights(
    C: np.ndarray, target: np.ndarray, *, base: np.ndarray | None = None, tol: float = 1e-10
) -> tuple[np.ndarray, np.ndarray]:
    """Entropy-balancing weights (Hainmueller 2012).

    The weights :math:`\\omega_i \\propto q_i \\exp(\\lambda' c_i)` minimise the Kullback-Leibler
    divergence from the base weights ``q`` subject to :math:`\\sum_i \\omega_i c_i = m`, with
    :math:`\\sum_i \\omega_i = 1`. ``lambda`` minimises the convex dual
    :math:`\\log \\sum_i q_i \\exp(\\lambda'(c_i - m))`, solved here by Newton's method with a
    trust region (scipy).

    Parameters
    ----------
    C
        Balance functions of the comparison rows, ``n0 x k`` (no intercept).
    target
        The treated-group means to match, length ``k``.
    base
        Base weights ``q`` (sampling weights); uniform when ``None``.

    Returns
    -------
    weights, lam
        Weights summing to 1, and the Lagrange multipliers (on the scale of ``C``).

    Raises
    ------
    JBPInputError
        When no weights can match the targets (a target outside the comparison rows' range).

    Examples
    --------
    >>> C = np.array([[0.0], [1.0], [2.0]])
    >>> wts, lam = entropy_weights(C, np.array([1.5]))
    >>> np.round(wts @ C, 8).tolist()
    [1.5]
    """
    n0, k = C.shape
    q = np.full(n0, 1.0 / n0) if base is None else base / base.sum()
    scale = C.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (C - target) / scale
    logq = np.log(q, where=q > 0, out=np.full(n0, -np.inf))

    def parts(lam: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        eta = logq + Z @ lam
        mx = eta.max()
        e = np.exp(eta - mx)
        s = e.sum()
        p = e / s
        g = p @ Z
        return mx + np.log(s), g, p

    def fun(lam):
        return parts(lam)[0]

    def jac(lam):
        return parts(lam)[1]

    def hess(lam):
        _, g, p = parts(lam)
        return (Z * p[:, None]).T @ Z - np.outer(g, g)

    res = optimize.minimize(
        fun, np.zeros(k), jac=jac, hess=hess, method="trust-exact", options={"gtol": tol}
    )
    _, g, p = parts(res.x)
    if not np.all(np.abs(g) < 1e-6):
        worst = int(np.argmax(np.abs(g)))
        raise JBPInputError(
            "entropy balancing cannot match the treated means with positive weights "
            f"(balance function {worst} is off by {g[worst] * scale[worst]:.4g})",
            hint="A treated mean lies outside the comparison rows' range: trim the sample, "
            "drop that moment, or use method='aipw'.",
        )
    return p, res.x / scale


def entropy_att(
    y: np.ndarray, d: np.ndarray, C: np.ndarray, *, w: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """ATT with entropy-balancing weights (Hainmueller 2012) and its influence function.

    The comparison rows are reweighted to the treated (sampling-weighted) means of the balance
    functions ``C`` (the covariate design without its intercept). The influence function treats
    the treated means and the multipliers as estimated (M-estimation of the stacked moment
    conditions; cf. Zhao & Percival 2017, who show the estimator is doubly robust when the
    comparison outcome is linear in ``C``).

    Returns
    -------
    estimate, influence, control_weights
    """
    t, c = d == 1, d == 0
    n = len(y)
    p1 = (w * d).mean()
    mu1 = (w[t][:, None] * C[t]).sum(axis=0) / w[t].sum()
    omega, lam = entropy_weights(C[c], mu1, base=w[c])
    # Un-normalised weights e_i = q_i exp(lam'(c_i - mu1)) with mean over all rows E[(1-d) e].
    e = np.zeros(n)
    e[c] = omega * (w[c].sum() / n) / omega.sum()  # any positive scale; cancels below
    scale = e.sum() / n
    y1 = (w[t] * y[t]).sum() / w[t].sum()
    nu = float(omega @ y[c])
    Cc = C - mu1
    if_mu1 = (w * d)[:, None] * Cc / p1
    H = (e[:, None] * Cc).T @ C / n  # d E[g2] / d lam'
    g2 = e[:, None] * Cc
    if_lam = -np.linalg.solve(H, (g2 - scale * if_mu1).T).T
    A = (e * (y - nu)) @ C / n
    if_nu = (e * (y - nu) + if_lam @ A) / scale
    if_y1 = w * d * (y - y1) / p1
    out_w = np.zeros(n)
    out_w[c] = omega
    return y1 - nu, if_y1 - if_nu, out_w
