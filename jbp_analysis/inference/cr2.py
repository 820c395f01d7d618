"""CR2 bias-reduced cluster-robust covariance with small-sample degrees of freedom.

The CR2 estimator of Bell & McCaffrey (2002) ("Bias reduction in standard errors for linear
regression with multi-stage samples", *Survey Methodology* 28(2)), as implemented by
Pustejovsky & Tipton (2018, *JBES* 36(4); R package clubSandwich) and Imbens & Kolesár (2016,
"Robust standard errors in small samples: some practical advice", *REStat* 98(4); R package
dfadjust) for OLS::

    V = (X'X)^-1 [sum_g X_g' A_g u_g u_g' A_g X_g] (X'X)^-1,   A_g = (I - H_gg)^(-1/2)

(symmetric inverse square root; Moore-Penrose when ``I - H_gg`` is singular), with, for each
contrast ``c'b``, the Satterthwaite degrees of freedom of Bell & McCaffrey (2002) (working model
``Omega = I``, identical to clubSandwich's ``test = "Satterthwaite"`` for ``lm``) or of Imbens &
Kolesár (2016) (``Omega`` from the Moulton 1986 random-effects model fitted to the residuals)::

    df = (tr G'Omega G)^2 / tr((G'Omega G)^2),   G_g = (I - H)_(.,g) A_g X_g (X'X)^-1 c.

Computation is at the cluster level: with ``L L' = (X'X)^-1`` and ``Z_g = X_g L``, the eigen
decomposition of the ``k x k`` matrix ``Z_g'Z_g`` gives ``A_g = I + X_g P_g X_g'``, so the
adjusted score is ``X_g'A_g u_g = s_g + C_g P_g s_g`` (``C_g = X_g'X_g``, ``s_g = X_g'u_g``) and the
``G x G`` matrix ``G'Omega G`` is a diagonal plus a rank-``2k`` term whose trace and squared
Frobenius norm are found from ``2k x 2k`` products. No ``n_g x n_g`` matrix and no ``G x G``
matrix is formed: the cost is ``O(N k^2 + G k^3)``, and batched ``numpy.linalg.eigh`` replaces the
loop over clusters.

With one observation per cluster CR2 is HC2 (MacKinnon & White 1985) and the Bell-McCaffrey
degrees of freedom are those of Imbens & Kolesár's HC2 adjustment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.core.results import Result
from jbp_analysis.inference._arrays import as_design, cluster_sums

__all__ = ["CR2Result", "cr2", "cr2_vcov"]

DfMethod = Literal["bm", "ik"]

#: Eigenvalues of H_gg within this distance of 1 are treated as 1 (pseudo-inverse), as dfadjust.
_EIG_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class CR2Result(Result):
    """CR2 fit: coefficients, CR2 covariance and per-contrast tests.

    Attributes
    ----------
    coef, vcov
        OLS (or WLS) coefficients and their CR2 covariance matrix.
    contrasts
        ``m x k`` matrix of contrast vectors (rows), tested against ``null``.
    estimate, std_error, t_stat, p_value, ci_low, ci_high
        Per contrast, with ``df`` degrees of freedom.
    df_bm, df_ik
        Bell-McCaffrey (Satterthwaite, ``Omega = I``) and Imbens-Kolesár degrees of freedom.
    df_method
        Which of the two ``df`` holds.
    moulton_rho, moulton_sigma2
        Imbens-Kolesár's Moulton-model estimates (within-cluster covariance, idiosyncratic
        variance) used for ``df_ik``.
    """

    coef: np.ndarray
    vcov: np.ndarray
    contrasts: np.ndarray
    labels: tuple[str, ...]
    null: np.ndarray
    estimate: np.ndarray
    std_error: np.ndarray
    df_bm: np.ndarray
    df_ik: np.ndarray
    df_method: str
    level: float
    n_obs: int
    n_clusters: int
    moulton_rho: float
    moulton_sigma2: float
    df: np.ndarray = field(init=False)
    t_stat: np.ndarray = field(init=False)
    p_value: np.ndarray = field(init=False)
    ci_low: np.ndarray = field(init=False)
    ci_high: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        df = self.df_bm if self.df_method == "bm" else self.df_ik
        t = (self.estimate - self.null) / self.std_error
        crit = stats.t.ppf(0.5 + self.level / 2, df)
        object.__setattr__(self, "df", df)
        object.__setattr__(self, "t_stat", t)
        object.__setattr__(self, "p_value", 2 * stats.t.sf(np.abs(t), df))
        object.__setattr__(self, "ci_low", self.estimate - crit * self.std_error)
        object.__setattr__(self, "ci_high", self.estimate + crit * self.std_error)

    def tidy(self) -> pd.DataFrame:
        """One row per contrast: estimate, CR2 SE, df, t, p and CI."""
        return pd.DataFrame(
            {
                "contrast": list(self.labels),
                "estimate": self.estimate,
                "std_error": self.std_error,
                "df": self.df,
                "t_stat": self.t_stat,
                "p_value": self.p_value,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "df_bm": self.df_bm,
                "df_ik": self.df_ik,
                "n_obs": self.n_obs,
                "n_clusters": self.n_clusters,
                "inference": f"CR2 ({self.df_method.upper()} df)",
            }
        )

    def _html_caption(self) -> str:
        return (
            f"CR2 (Bell-McCaffrey) standard errors with {self.df_method.upper()} degrees of "
            f"freedom: {self.n_clusters} clusters, n = {self.n_obs}, {self.level:.0%} CI"
        )


@dataclass(frozen=True, eq=False)
class _CR2Parts:
    """Cluster-level pieces shared by the covariance and the degrees of freedom."""

    coef: np.ndarray
    xtx_inv: np.ndarray
    vcov: np.ndarray
    C: np.ndarray  # G x k x k: X_g'X_g
    P: np.ndarray  # G x k x k: A_g = I + X_g P_g X_g'
    P2: np.ndarray  # G x k x k: A_g^2 = I + X_g P2_g X_g'
    colsum: np.ndarray  # G x k: 1'X_g
    rho: float
    sigma2: float
    n_obs: int
    n_clusters: int


def _bmv(M: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Batched matrix-vector product: ``M_g v_g`` for ``M`` (G x k x k) and ``v`` (G x k)."""
    return (M @ v[:, :, None])[:, :, 0]


def _batched_outer_sums(indicator, X: np.ndarray) -> np.ndarray:
    """``C_g = X_g'X_g`` for every cluster, as a ``G x k x k`` array."""
    k = X.shape[1]
    G = indicator.shape[0]
    C = np.empty((G, k, k))
    for j in range(k):  # loop over columns, not observations
        C[:, j, :] = cluster_sums(indicator, X * X[:, j : j + 1])
    return C


def _fit(X, y, clusters, *, weights=None, rho_nonnegative: bool = False) -> _CR2Parts:
    des = as_design(X, y, clusters, weights=weights)
    Xm, B = des.X, des.xtx_inv
    G = des.n_clusters
    coef = B @ (Xm.T @ des.y)
    u = des.y - Xm @ coef
    C = _batched_outer_sums(des.indicator, Xm)
    s = cluster_sums(des.indicator, Xm * u[:, None])
    colsum = cluster_sums(des.indicator, Xm)
    L = np.linalg.cholesky(B)  # L L' = (X'X)^-1
    Mg = L.T @ C @ L  # Z_g'Z_g = L' C_g L (batched over clusters)
    mu, Vec = np.linalg.eigh((Mg + np.swapaxes(Mg, 1, 2)) / 2)
    mu = np.clip(mu, 0.0, None)
    singular = mu > 1.0 - _EIG_TOL
    safe = np.where(singular, 0.5, mu)
    root = np.sqrt(1.0 - safe)
    # A = I + U f U' with f = (1-mu)^(-1/2) - 1 -> phi = f / mu = 1 / (sqrt(1-mu)(1+sqrt(1-mu)))
    # A^2 = I + U g U' with g = 1/(1-mu) - 1 -> psi = g / mu = 1/(1-mu)
    # Moore-Penrose where mu = 1: (1-mu)^(+-1/2) := 0, so f = g = -1 and phi = psi = -1/mu.
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(singular, -1.0 / np.where(singular, mu, 1.0), 1.0 / (root * (1.0 + root)))
        psi = np.where(singular, -1.0 / np.where(singular, mu, 1.0), 1.0 / (1.0 - safe))
    LV = L @ Vec  # G x k x k  (L broadcast)
    P = (LV * phi[:, None, :]) @ np.swapaxes(LV, 1, 2)
    P2 = (LV * psi[:, None, :]) @ np.swapaxes(LV, 1, 2)
    adj = s + _bmv(C, _bmv(P, s))  # X_g' A_g u_g
    meat = adj.T @ adj
    vcov = B @ meat @ B
    vcov = (vcov + vcov.T) / 2
    # Moulton (1986) random-effects moments of the residuals, as Imbens & Kolesar (2016) / dfadjust
    n_g = np.bincount(des.codes, minlength=G).astype(np.float64)
    ssr = float(u @ u)
    den = float(np.sum(n_g**2) - des.n_obs)
    rho = (float(np.sum(cluster_sums(des.indicator, u) ** 2)) - ssr) / den if den > 0 else 0.0
    if rho_nonnegative:
        rho = max(rho, 0.0)
    sigma2 = max(ssr / des.n_obs - rho, 0.0)
    return _CR2Parts(
        coef=coef,
        xtx_inv=B,
        vcov=vcov,
        C=C,
        P=P,
        P2=P2,
        colsum=colsum,
        rho=rho,
        sigma2=sigma2,
        n_obs=des.n_obs,
        n_clusters=G,
    )


def _df(parts: _CR2Parts, c: np.ndarray, *, sigma2: float, rho: float) -> float:
    """``(tr M)^2 / tr(M^2)`` for ``M = G' Omega G``, ``Omega = sigma2 I + rho (block ones)``.

    ``G'G = diag(d) - F B F'`` and ``G' 1_blocks = diag(e) - F B T'`` where, per cluster,
    ``d_g = |p_g|^2``, ``F_g = X_g'p_g``, ``e_g = 1'p_g``, ``T_g = X_g'1`` and
    ``p_g = A_g X_g B c``. ``M`` is ``diag(delta) + U K U'`` with ``U = [F, e*T]``.
    """
    B, C, P, P2, T = parts.xtx_inv, parts.C, parts.P, parts.P2, parts.colsum
    w = B @ c
    Cw = C @ w  # G x k
    d = Cw @ w + np.einsum("gi,gi->g", Cw, _bmv(P2, Cw))
    PCw = _bmv(P, Cw)
    F = Cw + _bmv(C, PCw)
    e = T @ w + np.einsum("gi,gi->g", T, PCw)
    k = B.shape[0]
    delta = sigma2 * d + rho * e * e
    U = np.hstack([F, e[:, None] * T])
    K = np.zeros((2 * k, 2 * k))
    K[:k, :k] = -sigma2 * B + rho * (B @ (T.T @ T) @ B)
    K[:k, k:] = -rho * B
    K[k:, :k] = -rho * B
    UtU = U.T @ U
    UtDU = U.T @ (delta[:, None] * U)
    trace = float(delta.sum() + np.trace(K @ UtU))
    KU = K @ UtU
    frob2 = float(np.sum(delta**2) + 2.0 * np.trace(K @ UtDU) + np.trace(KU @ KU))
    return trace**2 / frob2 if frob2 > 0 else float("nan")


def cr2_vcov(
    X: np.ndarray,
    y: np.ndarray,
    clusters: Sequence | np.ndarray,
    *,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """The ``k x k`` CR2 covariance matrix (Bell & McCaffrey 2002).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([np.ones(30), rng.normal(size=30)])
    >>> y = rng.normal(size=30)
    >>> V = cr2_vcov(X, y, np.repeat(np.arange(6), 5))
    >>> V.shape, bool(np.allclose(V, V.T))
    ((2, 2), True)
    """
    return _fit(X, y, clusters, weights=weights).vcov


def cr2(
    X: np.ndarray,
    y: np.ndarray,
    clusters: Sequence | np.ndarray,
    *,
    contrasts: int | Sequence | np.ndarray | None = None,
    labels: Sequence[str] | None = None,
    null: float | Sequence[float] = 0.0,
    df: DfMethod = "bm",
    level: float = 0.95,
    weights: np.ndarray | None = None,
    rho_nonnegative: bool = False,
) -> CR2Result:
    """CR2 standard errors and t-tests with Satterthwaite (BM) or Imbens-Kolesár df.

    Bell & McCaffrey (2002) CR2 covariance; Bell & McCaffrey (2002) / Pustejovsky & Tipton (2018)
    Satterthwaite degrees of freedom (``df="bm"``) or Imbens & Kolesár (2016) degrees of freedom
    (``df="ik"``; Moulton 1986 working model estimated from the OLS residuals, as ``dfadjust``).
    Both degrees of freedom are always computed and returned.

    Parameters
    ----------
    X, y, clusters
        Design ``N x k`` (with intercept and any fixed-effect dummies), outcome and cluster labels.
    contrasts
        A coefficient index, a length-``k`` vector, or an ``m x k`` matrix (one contrast per row).
        Default: every coefficient.
    labels
        Names of the contrasts (default ``"c0", "c1", ...`` or ``"b<j>"`` for coefficients).
    null
        Hypothesised value(s) of the contrasts.
    df
        ``"bm"`` (Bell-McCaffrey / Satterthwaite, default) or ``"ik"`` (Imbens-Kolesár).
    level
        Confidence level.
    weights
        Analytic weights (WLS; the model is transformed by ``sqrt(w)``).
    rho_nonnegative
        Truncate the Moulton within-cluster covariance at 0 for the IK df (dfadjust's ``rho0``).

    Returns
    -------
    CR2Result

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> g = np.repeat(np.arange(8), 10)
    >>> X = np.column_stack([np.ones(80), (g % 2).astype(float)])
    >>> y = 0.3 * X[:, 1] + rng.normal(size=8)[g] + rng.normal(size=80)
    >>> res = cr2(X, y, g, contrasts=1)
    >>> round(float(res.df_bm[0]), 6)  # balanced cluster-level treatment: G - 2 df
    6.0
    """
    if df not in ("bm", "ik"):
        raise ConfigError(f"df must be 'bm' or 'ik', got {df!r}")
    if not 0.0 < level < 1.0:
        raise ConfigError(f"level must be between 0 and 1, got {level}")
    parts = _fit(X, y, clusters, weights=weights, rho_nonnegative=rho_nonnegative)
    k = parts.coef.shape[0]
    Cmat, default_labels = _contrast_matrix(contrasts, k)
    if labels is None:
        labels = default_labels
    labels = tuple(str(v) for v in labels)
    if len(labels) != Cmat.shape[0]:
        raise ConfigError(f"{len(labels)} labels for {Cmat.shape[0]} contrasts")
    nulls = np.broadcast_to(np.asarray(null, dtype=np.float64), (Cmat.shape[0],)).copy()
    est = Cmat @ parts.coef
    se = np.sqrt(np.einsum("mi,ij,mj->m", Cmat, parts.vcov, Cmat))
    df_bm = np.array([_df(parts, c, sigma2=1.0, rho=0.0) for c in Cmat])
    df_ik = np.array([_df(parts, c, sigma2=parts.sigma2, rho=parts.rho) for c in Cmat])
    return CR2Result(
        coef=parts.coef,
        vcov=parts.vcov,
        contrasts=Cmat,
        labels=labels,
        null=nulls,
        estimate=est,
        std_error=se,
        df_bm=df_bm,
        df_ik=df_ik,
        df_method=df,
        level=level,
        n_obs=parts.n_obs,
        n_clusters=parts.n_clusters,
        moulton_rho=parts.rho,
        moulton_sigma2=parts.sigma2,
    )


def _contrast_matrix(contrasts, k: int) -> tuple[np.ndarray, tuple[str, ...]]:
    if contrasts is None:
        return np.eye(k), tuple(f"b{j}" for j in range(k))
    if isinstance(contrasts, (int, np.integer)):
        j = int(contrasts)
        if not -k <= j < k:
            raise ConfigError(f"contrast index {j} is out of range for {k} coefficients")
        out = np.zeros((1, k))
        out[0, j] = 1.0
        return out, (f"b{j % k}",)
    C = np.atleast_2d(np.asarray(contrasts, dtype=np.float64))
    if C.shape[1] != k:
        raise ConfigError(f"contrast vectors have length {C.shape[1]}, X has {k} columns")
    if not np.isfinite(C).all() or not (np.abs(C).sum(axis=1) > 0).all():
        raise ConfigError("contrast vectors must be finite and not all zero")
    return C, tuple(f"c{i}" for i in range(C.shape[0]))
