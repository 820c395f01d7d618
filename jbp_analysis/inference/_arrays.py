"""Shared array plumbing for the inference engines: validation, cluster codes, cluster sums.

Private to :mod:`jbp_analysis.inference`. Every engine takes plain numpy arrays; these helpers
turn them into float matrices, integer cluster codes ``0..G-1`` (in the sorted order of the
labels, so that two calls on the same labels agree) and cluster-level sums computed in one pass
over the rows (no Python loop over observations).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from jbp_analysis.core.errors import ConfigError

__all__ = [
    "Design",
    "as_design",
    "cluster_codes",
    "cluster_sums",
    "restriction_vector",
]


@dataclass(frozen=True, eq=False)
class Design:
    """A validated least-squares design: ``y = X b + u`` with clusters.

    ``X`` and ``y`` are already multiplied by ``sqrt(weights)`` when weights were given, so every
    engine works on the transformed (WLS) problem.
    """

    X: np.ndarray
    y: np.ndarray
    codes: np.ndarray
    levels: np.ndarray
    indicator: sp.csr_matrix
    xtx_inv: np.ndarray

    @property
    def n_obs(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_params(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_clusters(self) -> int:
        return int(self.levels.shape[0])


def cluster_codes(clusters: Sequence | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes ``0..G-1`` for cluster labels, in sorted label order, and the labels.

    Examples
    --------
    >>> codes, levels = cluster_codes(["b", "a", "b"])
    >>> codes.tolist(), levels.tolist()
    ([1, 0, 1], ['a', 'b'])
    """
    arr = np.asarray(clusters)
    if arr.ndim != 1:
        raise ConfigError(f"clusters must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ConfigError("clusters contain missing values (NaN); drop those rows first")
    if arr.dtype.kind == "O" and any(v is None for v in arr):
        raise ConfigError("clusters contain missing values (None); drop those rows first")
    levels, codes = np.unique(arr, return_inverse=True)
    return codes.astype(np.int64, copy=False), levels


def indicator_matrix(codes: np.ndarray, n_clusters: int) -> sp.csr_matrix:
    """Sparse ``G x N`` membership matrix: ``E @ M`` sums the rows of ``M`` by cluster."""
    n = codes.shape[0]
    return sp.csr_matrix(
        (np.ones(n), (codes, np.arange(n))), shape=(n_clusters, n), dtype=np.float64
    )


def cluster_sums(indicator: sp.csr_matrix, values: np.ndarray) -> np.ndarray:
    """Sum the rows of ``values`` (N or N x k) within clusters; returns G or G x k."""
    out = indicator @ values
    return np.asarray(out)


def as_design(
    X: np.ndarray,
    y: np.ndarray,
    clusters: Sequence | np.ndarray,
    *,
    weights: np.ndarray | None = None,
    min_clusters: int = 2,
) -> Design:
    """Validate ``X, y, clusters`` (and optional analytic weights) into a :class:`Design`.

    Raises
    ------
    ConfigError
        On shape mismatches, non-finite values, fewer than ``min_clusters`` clusters or a
        rank-deficient ``X``, with a message that names the problem.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ConfigError(f"X must be a 2-D array (N x k), got shape {X.shape}")
    if y.ndim != 1:
        y = y.reshape(-1) if y.ndim == 2 and 1 in y.shape else y
        if y.ndim != 1:
            raise ConfigError(f"y must be one-dimensional, got shape {y.shape}")
    n, k = X.shape
    if y.shape[0] != n:
        raise ConfigError(f"X has {n} rows but y has {y.shape[0]}")
    if not np.isfinite(X).all():
        raise ConfigError("X contains missing or infinite values; drop those rows first")
    if not np.isfinite(y).all():
        raise ConfigError("y contains missing or infinite values; drop those rows first")
    codes, levels = cluster_codes(clusters)
    if codes.shape[0] != n:
        raise ConfigError(f"X has {n} rows but clusters has {codes.shape[0]}")
    if levels.shape[0] < min_clusters:
        raise ConfigError(
            f"need at least {min_clusters} clusters for cluster-robust inference, "
            f"got {levels.shape[0]}"
        )
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if w.shape[0] != n:
            raise ConfigError(f"X has {n} rows but weights has {w.shape[0]}")
        if not np.isfinite(w).all() or (w <= 0).any():
            raise ConfigError("weights must be finite and strictly positive")
        sw = np.sqrt(w)
        X = X * sw[:, None]
        y = y * sw
    if n <= k:
        raise ConfigError(f"need more observations ({n}) than regressors ({k})")
    xtx = X.T @ X
    try:
        chol = np.linalg.cholesky(xtx)
    except np.linalg.LinAlgError:
        chol = None
    if chol is None or np.linalg.cond(xtx) > 1e14:
        raise ConfigError(
            "X is rank deficient (collinear columns); drop redundant regressors "
            "(for example one dummy of each categorical variable)"
        )
    eye = np.eye(k)
    xtx_inv = np.linalg.solve(chol.T, np.linalg.solve(chol, eye))
    xtx_inv = (xtx_inv + xtx_inv.T) / 2.0
    return Design(
        X=X,
        y=y,
        codes=codes,
        levels=levels,
        indicator=indicator_matrix(codes, levels.shape[0]),
        xtx_inv=xtx_inv,
    )


def restriction_vector(restriction: int | Sequence[float] | np.ndarray, k: int) -> np.ndarray:
    """The contrast vector ``R`` of a single linear restriction ``R'b = r``.

    ``restriction`` is either a coefficient index or a length-``k`` vector.

    Examples
    --------
    >>> restriction_vector(1, 3).tolist()
    [0.0, 1.0, 0.0]
    >>> restriction_vector([0, 1, -1], 3).tolist()
    [0.0, 1.0, -1.0]
    """
    if isinstance(restriction, (int, np.integer)):
        idx = int(restriction)
        if not -k <= idx < k:
            raise ConfigError(f"restriction index {idx} is out of range for {k} coefficients")
        R = np.zeros(k)
        R[idx] = 1.0
        return R
    R = np.asarray(restriction, dtype=np.float64).reshape(-1)
    if R.shape[0] != k:
        raise ConfigError(f"restriction vector has length {R.shape[0]}, X has {k} columns")
    if not np.isfinite(R).all() or not np.any(R != 0):
        raise ConfigError("restriction vector must be finite and not all zero")
    return R
