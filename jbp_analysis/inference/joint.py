"""Joint tests that stay valid with few clusters: wild bootstrap Wald and randomisation Wald.

A joint hypothesis ``R b = r`` with ``q`` restrictions (are the effects equal in every subgroup?
in every wave? is the arm orthogonal to all baseline variables?) is usually tested with the
cluster-robust Wald F-test, ``F = (Rb - r)' (R V R')^-1 (Rb - r) / q`` against F(q, G - 1). With
a dozen clusters that test over-rejects badly: ``R V R'`` is a sum of G outer products and is
poorly estimated, and with ``q`` close to ``G`` it is nearly singular (Cameron & Miller 2015,
section VI; Pustejovsky & Tipton 2018). Two small-sample-valid versions:

- :func:`wild_wald_test`: the restricted wild cluster bootstrap of the Wald statistic
  (Cameron, Gelbach & Miller 2008, section IV; Roodman, MacKinnon, Nielsen & Webb 2019, section
  3.4). The bootstrap data are ``y* = X b~ + v_g u~`` with ``b~`` the estimate under ``R b = r``
  and ``u~`` its residuals, ``v_g`` Rademacher (all ``2**G`` sign vectors when ``G <= 12``) or
  Webb weights; each draw's Wald statistic uses its own CR1 covariance, so the bootstrap
  reproduces the bad conditioning of ``R V R'`` and the p-value stays close to nominal.
- :func:`randomization_balance_test`: the randomisation distribution of the CR1 Wald statistic
  of a balance regression (the arm indicator on the baseline variables), re-randomising the
  groups' arms within strata as the design did (Fisher 1935; Young 2019). It is exact whatever
  the number of clusters: the covariates are fixed and only the assignment varies.

Both return a :class:`JointTest`. The statistic is reported in F form (divided by ``q``);
``df_denom`` is NaN because the p-value uses no F distribution.

References
----------
Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based improvements for
inference with clustered errors. *Review of Economics and Statistics*, 90(3), 414-427.
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources*, 50(2), 317-372.
Fisher, R. A. (1935). *The Design of Experiments*. Oliver & Boyd.
Roodman, D., MacKinnon, J. G., Nielsen, M. Ø., & Webb, M. D. (2019). Fast and wild: bootstrap
inference in Stata using boottest. *Stata Journal*, 19(1), 4-60.
Young, A. (2019). Channeling Fisher: randomization tests and the statistical insignificance of
seemingly significant experimental results. *Quarterly Journal of Economics*, 134(2), 557-598.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.inference._arrays import (
    as_design,
    cluster_codes,
    cluster_sums,
    indicator_matrix,
)
from jbp_analysis.inference.randomization import (
    _all_assignments,
    _n_assignments,
    permute_within_strata,
)
from jbp_analysis.inference.wild import (
    ENUMERATE_MAX_CLUSTERS,
    _block_chunks,
    _check_seed,
    _check_weights,
)

__all__ = ["JointTest", "wild_wald_test", "randomization_balance_test"]

_TIE_RTOL = 1e-9


@dataclass(frozen=True)
class JointTest:
    """A joint test of ``q`` linear restrictions.

    Attributes
    ----------
    statistic
        Wald statistic divided by ``q`` (F form), with the CR1 (or HC1) covariance.
    df_num, df_denom
        ``q``, and the denominator df of the F reference (NaN for resampling p-values).
    p_value
        The test's p-value.
    method
        ``"F"`` (Wald F with CR1/HC1), ``"wild"`` (restricted wild bootstrap Wald) or ``"ri"``
        (randomisation distribution of the Wald statistic).
    draws
        Bootstrap draws or re-randomisations used (0 for ``"F"``).
    enumerated
        Whether every sign vector / assignment was used (no Monte Carlo error).
    rank
        Rank of ``R V R'`` (below ``q`` when there are too few clusters for all restrictions:
        the statistic then uses the pseudo-inverse).
    """

    statistic: float
    df_num: int
    df_denom: float
    p_value: float
    method: str = "F"
    draws: int = 0
    enumerated: bool = False
    rank: int = -1

    @property
    def label(self) -> str:
        """How the p-value was obtained, for a table's note."""
        if self.method == "wild":
            how = "all sign vectors" if self.enumerated else f"{self.draws} draws"
            return f"wild bootstrap Wald ({how})"
        if self.method == "ri":
            how = "all assignments" if self.enumerated else f"{self.draws} re-randomisations"
            return f"randomisation Wald ({how})"
        return f"F({self.df_num}, {self.df_denom:g})"


def _wald_quadratic(r: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, int]:
    """``r' V^+ r`` for a batch: ``r`` (B x q), ``V`` (B x q x q); and the rank of the first V.

    A symmetric pseudo-inverse (eigenvalues below ``1e-10`` times the largest are dropped), so
    that a ``V`` of deficient rank (more restrictions than clusters can identify) gives the Wald
    statistic on the identified directions instead of a huge number.
    """
    vals, vecs = np.linalg.eigh(V)
    top = np.max(np.abs(vals), axis=-1, keepdims=True)
    keep = vals > 1e-10 * np.where(top > 0, top, 1.0)
    inv = np.where(keep, 1.0 / np.where(keep, vals, 1.0), 0.0)
    proj = np.einsum("bqk,bq->bk", vecs, r)
    rank = int(keep[0].sum()) if keep.shape[0] else 0
    return np.einsum("bk,bk->b", proj * inv, proj), rank


def _p_upper(observed: float, draws: np.ndarray, enumerated: bool) -> float:
    tol = _TIE_RTOL * max(abs(observed), 1e-12)
    hits = int(np.count_nonzero(draws >= observed - tol))
    if enumerated:
        return hits / draws.shape[0]
    return (hits + 1) / (draws.shape[0] + 1)


def wild_wald_test(
    X: np.ndarray,
    y: np.ndarray,
    clusters: Sequence | np.ndarray,
    *,
    R: np.ndarray,
    r: np.ndarray | None = None,
    draws: int = 9999,
    weights: str = "rademacher",
    seed: int = 0,
    enumerate: bool | None = None,
    n_absorbed: int = 0,
) -> JointTest:
    """Restricted wild cluster bootstrap Wald test of ``R b = r`` (Cameron et al. 2008).

    Parameters
    ----------
    X, y, clusters
        Design ``N x k`` (intercept and every fixed effect not nested in the clusters as
        columns), outcome and cluster labels (the unit of assignment).
    R, r
        ``q x k`` restriction matrix and its ``q`` values (default 0).
    draws
        Bootstrap draws (ignored under full enumeration: ``2**G`` sign vectors).
    weights
        ``"rademacher"`` or ``"webb"`` (Webb 2014).
    seed
        Non-negative integer seed (the draws of :func:`~jbp_analysis.inference.draw_wild_weights`).
    enumerate
        Use all ``2**G`` Rademacher sign vectors; default when ``G <= 12`` or ``2**G <= draws``.
    n_absorbed
        Fixed effects partialled out of ``X`` (nested in the clusters); counts in the reported
        F statistic's small-sample factor only (it cancels in the p-value).

    Returns
    -------
    JointTest
        ``method="wild"``; ``p = #{W* >= W} / 2**G`` under enumeration, else
        ``(1 + #{W* >= W}) / (draws + 1)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(10), 20)
    >>> X = np.column_stack([np.ones(200), g % 2, rng.normal(size=200)])
    >>> y = rng.normal(size=10)[g] + rng.normal(size=200)
    >>> t = wild_wald_test(X, y, g, R=np.eye(3)[1:])
    >>> t.method, t.df_num, t.draws, t.enumerated
    ('wild', 2, 1024, True)
    >>> bool(0.0 < t.p_value <= 1.0)
    True
    """
    kind = _check_weights(weights)
    seed = _check_seed(seed)
    if not isinstance(draws, int | np.integer) or isinstance(draws, bool) or draws < 1:
        raise ConfigError(f"draws must be a positive integer, not {draws!r}")
    des = as_design(X, y, clusters)
    n, k, G = des.n_obs, des.n_params, des.n_clusters
    R = np.atleast_2d(np.asarray(R, dtype=np.float64))
    if R.shape[1] != k:
        raise ConfigError(f"R has {R.shape[1]} columns, X has {k}")
    q = R.shape[0]
    r = np.zeros(q) if r is None else np.asarray(r, dtype=np.float64).reshape(q)
    if enumerate is None:
        enumerate = kind == "rademacher" and (G <= ENUMERATE_MAX_CLUSTERS or 2**G <= draws)
    if enumerate and (kind != "rademacher" or G > 24):
        raise ConfigError("full enumeration needs Rademacher weights and at most 24 clusters")
    n_draws = 2**G if enumerate else int(draws)

    Xm, XtXi = des.X, des.xtx_inv
    b = XtXi @ (Xm.T @ des.y)
    u = des.y - Xm @ b
    RXi = R @ XtXi  # q x k
    dof = n - k - n_absorbed
    if dof < 1:
        raise ConfigError(f"no residual degrees of freedom: {n} rows for {k + n_absorbed}")
    ssc = (G / (G - 1)) * ((n - 1) / dof)
    # observed Wald (CR1)
    P_obs = cluster_sums(des.indicator, Xm * u[:, None]) @ RXi.T  # G x q
    V_obs = ssc * (P_obs.T @ P_obs)
    diff = R @ b - r
    w_obs, rank = _wald_quadratic(diff[None, :], V_obs[None, :, :])
    observed = float(w_obs[0]) / q

    # restricted estimate and residuals
    middle = R @ XtXi @ R.T
    b_r = b - XtXi @ R.T @ np.linalg.lstsq(middle, diff, rcond=None)[0]
    u_r = des.y - Xm @ b_r
    S = cluster_sums(des.indicator, Xm * u_r[:, None])  # G x k: X_g' u~_g
    A = S @ XtXi  # G x k: (X'X)^-1 X_g' u~_g  (delta = v @ A)
    C = S @ RXi.T  # G x q: R (X'X)^-1 X_g' u~_g
    # M_g = R (X'X)^-1 X_g'X_g   (G x q x k), from the rows' outer products
    RXiX = Xm @ RXi.T  # n x q
    M = np.empty((G, q, k))
    for j in range(q):  # loop over the few restrictions
        M[:, j, :] = cluster_sums(des.indicator, Xm * RXiX[:, j : j + 1])
    stats_ = np.empty(n_draws)
    # runs of blocks at once: the products with the weights are batched per block (one BLAS
    # call per block, as for a single block), the rest works row by row, so the draws are
    # those of a block-by-block loop, bit for bit
    for start, stop, V3, is_bits in _block_chunks(n_draws, G, kind, seed, enumerate, q + 1):
        v3 = 2.0 * V3 - 1.0 if is_bits else V3
        delta3 = v3 @ A  # (blocks, b, k)
        num = (delta3 @ R.T).reshape(-1, q)  # R b* - r = R delta, since R b~ = r
        v, delta = v3.reshape(-1, G), delta3.reshape(-1, k)
        proj = v[:, :, None] * C[None, :, :] - np.einsum("gqk,bk->bgq", M, delta)
        Vb = ssc * np.einsum("bgq,bgr->bqr", proj, proj)
        wb, _ = _wald_quadratic(num, Vb)
        stats_[start:stop] = wb / q
    p = _p_upper(observed, stats_, bool(enumerate))
    return JointTest(
        statistic=observed,
        df_num=q,
        df_denom=float("nan"),
        p_value=float(p),
        method="wild",
        draws=n_draws,
        enumerated=bool(enumerate),
        rank=rank,
    )


def randomization_balance_test(
    X: np.ndarray,
    treated: np.ndarray,
    *,
    group: Sequence | np.ndarray,
    strata: Sequence | np.ndarray | None = None,
    weights: np.ndarray | None = None,
    draws: int = 9999,
    seed: int = 0,
    enumerate: bool | None = None,
    chunk_size: int = 256,
) -> JointTest:
    """Randomisation test of joint orthogonality: is the arm predictable from baseline variables?

    The statistic is the CR1 Wald statistic (F form) that every coefficient of the regression of
    the treatment indicator on the variables ``X`` is zero, with strata fixed effects (as
    :func:`jbp_analysis.analyses.balance.balance_table` fits it); its reference distribution is
    that over re-randomisations of the groups' arms within strata (Fisher 1935; Young 2019). The
    variables are fixed, so the test is exact in any sample.

    Parameters
    ----------
    X
        ``N x p`` baseline variables (no missing values).
    treated
        ``N`` zeros and ones: the treatment indicator (constant within groups).
    group, strata
        Unit of randomisation and randomisation strata of each row.
    weights
        Optional analytic weights of the regression.
    draws
        Re-randomisations (every distinct assignment when there are at most this many).
    seed
        Non-negative integer seed.
    enumerate
        Use every distinct assignment (default: when there are at most ``draws``).
    chunk_size
        Re-randomisations per batch.

    Returns
    -------
    JointTest
        ``method="ri"``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> g = np.repeat(np.arange(12), 10)
    >>> d = (g % 2).astype(float)
    >>> X = rng.normal(size=(120, 3))
    >>> t = randomization_balance_test(X, d, group=g, draws=999)
    >>> t.method, t.enumerated, t.draws  # C(12, 6) assignments
    ('ri', True, 924)
    """
    from jbp_analysis.estimate.design import demean  # local: estimate imports inference

    X = np.asarray(X, dtype=np.float64)
    X = X[:, None] if X.ndim == 1 else X
    d = np.asarray(treated, dtype=np.float64).reshape(-1)
    n, p = X.shape
    if d.shape[0] != n or not np.isfinite(X).all() or not np.isin(d, (0.0, 1.0)).all():
        raise ConfigError("X must be finite N x p and treated N zeros and ones")
    codes, levels = cluster_codes(group)
    G = levels.shape[0]
    if G < 2:
        raise ConfigError("need at least two groups")
    g_arm = np.zeros(G, dtype=np.int64)
    np.maximum.at(g_arm, codes, d.astype(np.int64))
    if not np.array_equal(g_arm[codes], d.astype(np.int64)):
        raise ConfigError("the treatment indicator varies within a group")
    if strata is None:
        s_codes = np.zeros(n, dtype=np.int64)
    else:
        s_codes, _ = cluster_codes(strata)
    g_stratum = np.zeros(G, dtype=np.int64)
    g_stratum[codes] = s_codes
    if not np.array_equal(g_stratum[codes], s_codes):
        raise ConfigError("the strata vary within a group")
    n_s = int(s_codes.max()) + 1
    Xt = demean(np.asfortranarray(X), s_codes, n_s, weights)
    sw = None if weights is None else np.sqrt(np.asarray(weights, dtype=np.float64))
    if sw is not None:
        Xt = Xt * sw[:, None]
    XtX = Xt.T @ Xt
    XtXi = np.linalg.pinv(XtX)
    H = Xt @ XtXi  # n x p
    E = indicator_matrix(codes, G)
    k = p + n_s
    ssc = (G / (G - 1)) * ((n - 1) / max(n - k, 1))

    def stats_of(assign: np.ndarray) -> tuple[np.ndarray, int]:
        D = assign[:, codes].T.astype(np.float64)  # n x P
        Dt = demean(np.asfortranarray(D), s_codes, n_s, weights)
        if sw is not None:
            Dt = Dt * sw[:, None]
        beta = XtXi @ (Xt.T @ Dt)  # p x P
        resid = Dt - Xt @ beta  # n x P
        scores = np.empty((G, p, D.shape[1]))
        for j in range(p):  # loop over the few variables
            scores[:, j, :] = cluster_sums(E, H[:, j : j + 1] * resid)
        V = ssc * np.einsum("gjp,gkp->pjk", scores, scores)
        w, rank = _wald_quadratic(beta.T, V)
        return w / p, rank

    observed_arr, rank = stats_of(g_arm[None, :])
    observed = float(observed_arr[0])
    total = _n_assignments(g_arm, g_stratum)
    if enumerate is None:
        enumerate = total <= draws
    if enumerate and total > 2_000_000:
        raise ConfigError(f"{total} assignments are too many to enumerate")
    P = total if enumerate else int(draws)
    all_rows = _all_assignments(g_arm, g_stratum) if enumerate else None
    out = np.empty(P)
    for start in range(0, P, chunk_size):
        stop = min(start + chunk_size, P)
        rows = (
            all_rows[start:stop]
            if enumerate
            else permute_within_strata(
                g_arm, g_stratum, n_permutations=stop - start, seed=int(seed), start=start
            )
        )
        out[start:stop] = stats_of(rows)[0]
    return JointTest(
        statistic=observed,
        df_num=p,
        df_denom=float("nan"),
        p_value=_p_upper(observed, out, bool(enumerate)),
        method="ri",
        draws=P,
        enumerated=bool(enumerate),
        rank=rank,
    )
