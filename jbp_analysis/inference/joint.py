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

__all__ = ["JointTest", "wild_wald_test", "randomization_balance_test", "SAMPLERS"]

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


#: Re-randomisations whose Wald statistics are computed in one batch of matrix products (bounds
#: the memory to ``O(G p chunk)`` whatever the number of draws).
_CHUNK = 256

#: How the re-randomisations are drawn (see :func:`randomization_balance_test`).
SAMPLERS: tuple[str, ...] = ("blocks", "sequential")


def _sequential_assignments(
    g_arm: np.ndarray, g_stratum: np.ndarray, g_order: np.ndarray, *, draws: int, seed: int
) -> np.ndarray:
    """``draws x G`` re-randomised arms from one generator stream, stratum after stratum.

    The strata are taken in the order of ``g_order`` (groups in the order the rows first show
    them); in each, one ``draws x m`` block of uniforms is drawn and each row's arg-sort shuffles
    the arms of the stratum's ``m`` groups.
    """
    rng = np.random.default_rng(seed)
    out = np.repeat(g_arm[None, :], draws, axis=0)
    for s in dict.fromkeys(g_stratum[g_order].tolist()):  # loop over strata, first seen first
        idx = g_order[g_stratum[g_order] == s]
        order = np.argsort(rng.random((draws, idx.size)), axis=1)
        out[:, idx] = g_arm[idx][order]
    return out


class _BalanceWald:
    """CR1 Wald statistic (F form) of ``d ~ X`` with strata absorbed, for batches of assignments.

    Every row of one (group, stratum) cell has the same demeaned assignment, so the group
    scores ``s_g = sum_{i in g} w_i x_i (d_i - x_i' b)`` are
    ``sum_{c in g} (sum_{i in c} w_i x_i) d_c - (sum_{i in g} w_i x_i x_i') b``: the rows are
    summed once (cells and groups), and each assignment costs ``O(G p^2)`` matrix products,
    not ``O(N p)``. ``X`` is demeaned within strata and each column divided by its standard
    deviation: the statistic is unchanged (it is invariant to rescaling a variable) and the
    covariance's eigenvalues no longer span the squared ratio of the variables' units (rupiah
    against shares), which would make the pseudo-inverse drop a variable.
    """

    def __init__(self, X, codes, G, s_codes, n_s, weights) -> None:
        from jbp_analysis.estimate.design import demean  # local: estimate imports inference

        n, p = X.shape
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
        Xd = demean(np.asfortranarray(X), s_codes, n_s, weights)
        scale = Xd.std(axis=0)
        Xd = Xd / np.where(scale > 0, scale, 1.0)
        Xw = Xd * w[:, None]
        cell, cells = _factorize(codes * n_s + s_codes)
        self.cell_g, self.cell_s = cells // n_s, cells % n_s
        n_cells = cells.shape[0]
        E_cell = indicator_matrix(cell, n_cells)
        self.w_cell = cluster_sums(E_cell, w)  # weight of each cell
        w_s = np.bincount(self.cell_s, weights=self.w_cell, minlength=n_s)
        self.w_s = np.where(w_s > 0, w_s, 1.0)
        self.X_cell = cluster_sums(E_cell, Xw)  # cells x p
        self.E_cs = indicator_matrix(self.cell_s, n_s)
        self.E_cg = indicator_matrix(self.cell_g, G)
        outer = (Xw[:, :, None] * Xd[:, None, :]).reshape(n, p * p)
        self.XX_g = cluster_sums(indicator_matrix(codes, G), outer).reshape(G, p, p)
        self.bread = np.linalg.pinv(Xd.T @ Xw)
        self.ssc = (G / (G - 1)) * ((n - 1) / max(n - p - n_s, 1))
        self.G, self.p, self.n_cells = G, p, n_cells

    def __call__(self, assign: np.ndarray) -> tuple[np.ndarray, int]:
        """Statistics of the rows of ``assign`` (``r x G`` zeros and ones), rank of the first."""
        G, p = self.G, self.p
        P = np.asarray(assign, dtype=np.float64).T  # G x r
        at_cell = P[self.cell_g]  # cells x r
        means = cluster_sums(self.E_cs, self.w_cell[:, None] * at_cell) / self.w_s[:, None]
        D_cell = at_cell - means[self.cell_s]  # demeaned assignment of each cell
        B = self.bread @ (self.X_cell.T @ D_cell)  # p x r
        first = cluster_sums(
            self.E_cg, (self.X_cell[:, :, None] * D_cell[:, None, :]).reshape(self.n_cells, -1)
        ).reshape(G, p, -1)
        scores = first - self.XX_g @ B  # G x p x r
        per_r = np.ascontiguousarray(scores.transpose(2, 0, 1))  # r x G x p
        meat = np.swapaxes(per_r, 1, 2) @ per_r  # r x p x p: sum_g s_g s_g'
        V = self.ssc * (self.bread @ meat @ self.bread)
        w, rank = _wald_quadratic(B.T, V)
        return w / p, rank


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes ``0..m-1`` of integer ``values`` in sorted order, and the sorted distinct values."""
    levels, codes = np.unique(values, return_inverse=True)
    return codes.reshape(-1), levels


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
    sampler: str = "blocks",
    chunk_size: int = _CHUNK,
) -> JointTest:
    """Randomisation test of joint orthogonality: is the arm predictable from baseline variables?

    The statistic is the CR1 Wald statistic (F form) that every coefficient of the regression of
    the treatment indicator on the variables ``X`` is zero, with strata fixed effects (as
    :func:`jbp_analysis.analyses.balance.balance_table` fits it); its reference distribution is
    that over re-randomisations of the groups' arms within strata (Fisher 1935; Young 2019). The
    variables are fixed, so the test is exact in any sample. Its F(k, G - 1) reference
    over-rejects badly when ``k`` is close to ``G`` (Pustejovsky & Tipton 2018); this p-value
    does not.

    The statistics are computed from group-level sums, a batch of ``chunk_size``
    re-randomisations at a time (matrix products; no pass over the rows per assignment), and are
    invariant to the units of the variables.

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
    sampler
        How re-randomisations are drawn when not enumerated: ``"blocks"`` (the package's
        default, :func:`~jbp_analysis.inference.permute_within_strata`: row ``i`` depends only on
        ``seed`` and ``i``) or ``"sequential"`` (one generator stream that shuffles the groups
        of each stratum for all draws, strata and groups in the order the rows first show them;
        the district reports' draws, kept so that their p-values do not change). Both are
        uniform draws from the assignments the design allows.
    chunk_size
        Re-randomisations per batch.

    Returns
    -------
    JointTest
        ``method="ri"``; ``p = #{W* >= W} / draws`` under enumeration, else
        ``(1 + #{W* >= W}) / (draws + 1)``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> g = np.repeat(np.arange(12), 10)
    >>> d = (g % 2).astype(float)
    >>> X = rng.normal(size=(120, 3))
    >>> t = randomization_balance_test(X, d, group=g, draws=999)
    >>> t.method, t.enumerated, t.draws  # C(12, 6) assignments
    ('ri', True, 924)

    The statistic does not depend on a variable's units (rupiah or millions of rupiah):

    >>> X2 = X * np.array([1.0, 1e6, 1e-3])
    >>> t2 = randomization_balance_test(X2, d, group=g, draws=999)
    >>> bool(np.isclose(t2.statistic, t.statistic, rtol=1e-9)), t2.p_value == t.p_value
    (True, True)
    """
    if sampler not in SAMPLERS:
        raise ConfigError(f"sampler must be one of {SAMPLERS}, not {sampler!r}")
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
    wald = _BalanceWald(X, codes, G, s_codes, n_s, weights)
    observed_arr, rank = wald(g_arm[None, :])
    observed = float(observed_arr[0])
    total = _n_assignments(g_arm, g_stratum)
    if enumerate is None:
        enumerate = total <= draws
    if enumerate and total > 2_000_000:
        raise ConfigError(f"{total} assignments are too many to enumerate")
    P = total if enumerate else int(draws)
    if enumerate:
        all_rows = _all_assignments(g_arm, g_stratum)
    elif sampler == "sequential":
        first_row = np.full(G, n, dtype=np.int64)
        np.minimum.at(first_row, codes, np.arange(n))
        g_order = np.argsort(first_row, kind="stable")
        all_rows = _sequential_assignments(g_arm, g_stratum, g_order, draws=P, seed=int(seed))
    else:
        all_rows = None
    out = np.empty(P)
    for start in range(0, P, chunk_size):
        stop = min(start + chunk_size, P)
        rows = (
            all_rows[start:stop]
            if all_rows is not None
            else permute_within_strata(
                g_arm, g_stratum, n_permutations=stop - start, seed=int(seed), start=start
            )
        )
        out[start:stop] = wald(rows)[0]
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
