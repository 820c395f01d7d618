"""Randomisation inference: re-randomise group-level arms within strata, as the design did.

Fisher (1935) randomisation test of the sharp null of no effect for any unit, with the
re-randomisation mirroring the design (Athey & Imbens 2017, "The econometrics of randomized
experiments", section 4; Young 2019, *QJE* 134(2)): the arm labels of the groups are permuted
within each stratum (district), so every re-randomisation keeps the number of groups per arm in
every stratum. The statistic is the regression contrast of the arms (arm dummies, stratum fixed
effects and optional covariates, estimated by OLS) or its cluster-robust t-statistic (the
studentised statistic is robust to heteroskedasticity under weaker nulls; Wu & Ding 2021,
*JASA* 116(536)).

Every re-randomisation is a small matrix operation on group-level sums: by Frisch-Waugh-Lovell
the arm coefficients are ``(D~'D~)^-1 D~'y~`` with ``D~ = M_W E d``, where ``d`` is the ``G x a``
matrix of group arm dummies, so ``D~'D~ = diag(n'd) - (K'd)'(W'W)^-1 (K'd)`` and
``D~'y~ = d'r`` with group sums ``n, K = E'W, r = E'y~``; the cluster scores are rebuilt from
the group sums ``E'(W*y~)`` and ``E'(W W')`` in the same way. Permutations are processed in
chunks as batched arrays.

p-values: Monte Carlo ``(1 + #{|T*| >= |T|}) / (1 + P)`` (Phipson & Smyth 2010), or the exact
share ``#{|T*| >= |T|} / P`` over all distinct assignments when there are at most
``n_permutations`` of them (full enumeration).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.core.results import Result
from jbp_analysis.inference._arrays import cluster_codes, cluster_sums, indicator_matrix

__all__ = ["RIResult", "randomization_test", "arm_contrasts", "permute_within_strata"]

Statistic = Literal["t", "estimate"]

_BLOCK = 256
_TIE_RTOL = 1e-9


@dataclass(frozen=True, eq=False)
class RIResult(Result):
    """Randomisation-inference p-values, one per contrast.

    Attributes
    ----------
    labels
        Contrast names, e.g. ``"pendampingan - kontrol"``.
    estimate, t_stat
        Observed contrast estimates and their CR1 t-statistics.
    p_value
        Randomisation p-value of the sharp null for each contrast.
    statistic
        ``"t"`` or ``"estimate"``: what was compared across re-randomisations.
    n_permutations
        Number of re-randomisations (all distinct assignments when ``enumerated``).
    draws
        The statistic under each re-randomisation (``P x m``), with ``return_draws=True``.
    joint_statistic, joint_p_value
        With ``statistic="t"``: the CR1 Wald statistic (F form) that every treated arm equals
        control, and its randomisation p-value (same re-randomisations); NaN otherwise.
    """

    labels: tuple[str, ...]
    estimate: np.ndarray
    t_stat: np.ndarray
    p_value: np.ndarray
    statistic: str
    n_permutations: int
    enumerated: bool
    n_groups: int
    n_obs: int
    draws: np.ndarray | None = field(default=None, repr=False)
    joint_statistic: float = float("nan")
    joint_p_value: float = float("nan")

    # a p-value from the randomisation distribution: no standard error or interval
    tidy_statistics = ("estimate", "p_value")

    def tidy(self) -> pd.DataFrame:
        """One row per contrast."""
        return pd.DataFrame(
            {
                "contrast": list(self.labels),
                "estimate": self.estimate,
                "t_stat": self.t_stat,
                "p_value": self.p_value,
                "statistic": self.statistic,
                "n_permutations": self.n_permutations,
                "enumerated": self.enumerated,
                "n_groups": self.n_groups,
                "n_obs": self.n_obs,
                "inference": "randomisation",
            }
        )

    def _html_caption(self) -> str:
        how = "all assignments" if self.enumerated else f"{self.n_permutations} re-randomisations"
        return (
            f"Randomisation inference ({self.statistic} statistic, {how}): "
            f"{self.n_groups} groups, n = {self.n_obs}"
        )


def arm_contrasts(arms: Sequence[str], control: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Contrast labels and matrix over the treated-arm coefficients.

    Every treated arm against control, then every later treated arm against every earlier one
    (for JBP: ``pendampingan - karitatif``).

    Examples
    --------
    >>> labels, L = arm_contrasts(["kontrol", "karitatif", "pendampingan"], "kontrol")
    >>> labels
    ('karitatif - kontrol', 'pendampingan - kontrol', 'pendampingan - karitatif')
    >>> L.tolist()
    [[1.0, 0.0], [0.0, 1.0], [-1.0, 1.0]]
    """
    treated = [a for a in arms if a != control]
    a = len(treated)
    labels = [f"{t} - {control}" for t in treated]
    rows = list(np.eye(a))
    for j in range(a):
        for i in range(j):
            row = np.zeros(a)
            row[j], row[i] = 1.0, -1.0
            labels.append(f"{treated[j]} - {treated[i]}")
            rows.append(row)
    return tuple(labels), np.array(rows, dtype=np.float64).reshape(len(labels), a)


def _py(value):
    return value.item() if isinstance(value, np.generic) else value


def _group_constant(values: np.ndarray, codes: np.ndarray, G: int, name: str, levels) -> np.ndarray:
    """The per-group value of a column that must be constant within groups."""
    vcodes, vlevels = cluster_codes(values)
    first_row = np.full(G, -1, dtype=np.int64)
    rows = np.arange(codes.shape[0])
    first_row[codes[::-1]] = rows[::-1]  # duplicates: the last write (the first row) wins
    first = vcodes[first_row]
    bad = np.flatnonzero(first[codes] != vcodes)
    if bad.size:
        i = int(bad[0])
        j = int(first_row[codes[i]])
        raise ConfigError(
            f"{name} varies within group {_py(levels[codes[i]])!r}: position {j} has "
            f"{_py(vlevels[vcodes[j]])!r}, position {i} has {_py(vlevels[vcodes[i]])!r}; it "
            "must be constant within groups because groups are the unit of randomisation"
        )
    return vlevels[first]


def _multiset_arrangements(labels: np.ndarray) -> np.ndarray:
    """All distinct orderings of a small multiset of integer labels (rows)."""
    values, counts = np.unique(labels, return_counts=True)
    n = labels.shape[0]
    out = []

    def place(remaining: tuple[int, ...], pos: list[int], assign: dict[int, tuple[int, ...]]):
        if not pos:
            row = np.empty(n, dtype=np.int64)
            for v, idx in assign.items():
                row[list(idx)] = v
            out.append(row)
            return
        v_i = len(assign)
        for combo in itertools.combinations(pos, remaining[0]):
            rest = [p for p in pos if p not in combo]
            place(remaining[1:], rest, {**assign, int(values[v_i]): combo})

    place(tuple(int(c) for c in counts), list(range(n)), {})
    return np.array(out)


def _n_assignments(g_arm: np.ndarray, g_stratum: np.ndarray) -> int:
    total = 1
    for s in np.unique(g_stratum):
        _, counts = np.unique(g_arm[g_stratum == s], return_counts=True)
        total *= math.factorial(int(counts.sum())) // math.prod(
            math.factorial(int(c)) for c in counts
        )
    return total


def _all_assignments(g_arm: np.ndarray, g_stratum: np.ndarray) -> np.ndarray:
    G = g_arm.shape[0]
    per_stratum = []
    for s in np.unique(g_stratum):
        idx = np.flatnonzero(g_stratum == s)
        per_stratum.append((idx, _multiset_arrangements(g_arm[idx])))
    sizes = [arr.shape[0] for _, arr in per_stratum]
    combos = np.array(list(itertools.product(*[range(n) for n in sizes])), dtype=np.int64)
    out = np.empty((combos.shape[0], G), dtype=np.int64)
    for j, (idx, arr) in enumerate(per_stratum):
        out[:, idx] = arr[combos[:, j]]
    return out


def permute_within_strata(
    group_arm: np.ndarray,
    group_stratum: np.ndarray | None = None,
    *,
    n_permutations: int,
    seed: int = 0,
    start: int = 0,
) -> np.ndarray:
    """Re-randomised group arms: each row permutes the arms of the groups within every stratum.

    Row ``i`` depends only on ``seed`` and ``start + i`` (draws are made in fixed blocks), so
    the rows do not depend on how a caller chunks them.

    Parameters
    ----------
    group_arm
        Arm code of each group (``G`` integers).
    group_stratum
        Stratum code of each group (``G`` integers), or None for one stratum.
    n_permutations
        Number of rows.
    seed
        Non-negative integer seed.
    start
        Index of the first row.

    Examples
    --------
    >>> arms = np.array([0, 0, 1, 1, 2, 2])
    >>> strata = np.array([0, 0, 0, 1, 1, 1])
    >>> rows = permute_within_strata(arms, strata, n_permutations=4, seed=1)
    >>> all(sorted(r[:3]) == [0, 0, 1] and sorted(r[3:]) == [1, 2, 2] for r in rows.tolist())
    True
    """
    g_arm = np.asarray(group_arm, dtype=np.int64)
    G = g_arm.shape[0]
    g_stratum = (
        np.zeros(G, dtype=np.int64)
        if group_stratum is None
        else np.asarray(group_stratum, dtype=np.int64)
    )
    stop = start + int(n_permutations)
    base = np.argsort(g_stratum, kind="stable")
    labels_in_order = g_arm[base]
    rows = []
    for block in range(start // _BLOCK, (stop - 1) // _BLOCK + 1):
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), block]))
        keys = rng.random((_BLOCK, G)) + g_stratum[None, :]
        perm = np.argsort(keys, axis=1, kind="stable")
        arms = np.empty((_BLOCK, G), dtype=np.int64)
        np.put_along_axis(arms, perm, np.broadcast_to(labels_in_order, (_BLOCK, G)), axis=1)
        rows.append(arms)
    allrows = np.vstack(rows)
    offset = (start // _BLOCK) * _BLOCK
    return allrows[start - offset : stop - offset]


class _Engine:
    """Group-level sums of the FWL regression, evaluated for batches of arm assignments."""

    def __init__(self, y, W, codes, G, n_arms, need_t: bool):
        E = indicator_matrix(codes, G)
        WtW = W.T @ W
        try:
            self.WtWi = np.linalg.inv(WtW)
        except np.linalg.LinAlgError as exc:
            raise ConfigError("the strata/covariate design is rank deficient") from exc
        if np.linalg.cond(WtW) > 1e14:
            raise ConfigError("the strata/covariate design is rank deficient (collinear columns)")
        yt = y - W @ (self.WtWi @ (W.T @ y))
        self.n = np.bincount(codes, minlength=G).astype(np.float64)
        self.r = cluster_sums(E, yt)
        self.K = cluster_sums(E, W)
        self.a = n_arms
        self.need_t = need_t
        if need_t:
            p = W.shape[1]
            self.b = cluster_sums(E, W * yt[:, None])
            self.Cw = np.empty((G, p, p))
            for j in range(p):
                self.Cw[:, j, :] = cluster_sums(E, W * W[:, j : j + 1])
        self.N = y.shape[0]
        self.k = W.shape[1] + n_arms
        self.G = G

    def fit(self, arms: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Arm coefficients (P x a) and their CR1 covariances (P x a x a) for assignments."""
        a = self.a
        D = (arms[:, :, None] == np.arange(1, a + 1)[None, None, :]).astype(np.float64)
        nd = np.einsum("pga,g->pa", D, self.n)
        Kd = np.matmul(np.swapaxes(D, 1, 2), self.K)
        DtD = -np.einsum("paq,qr,pbr->pab", Kd, self.WtWi, Kd)
        idx = np.arange(a)
        DtD[:, idx, idx] += nd
        Dty = np.einsum("pga,g->pa", D, self.r)
        try:
            DtDi = np.linalg.inv(DtD)
        except np.linalg.LinAlgError as exc:
            raise ConfigError(
                "an arm is not identified after strata fixed effects (is every arm confined "
                "to strata of its own?)"
            ) from exc
        tau = np.einsum("pab,pb->pa", DtDi, Dty)
        if not self.need_t:
            return tau, None
        gamma = np.einsum("qr,par->pqa", self.WtWi, Kd)  # (W'W)^-1 K'd      (P x p x a)
        alpha = np.einsum("pga,pa->pg", D, tau)  # tau of each group's arm  (P x G)
        h = np.einsum("pqa,pa->pq", gamma, tau)  # Gamma tau               (P x p)
        first = self.r[None, :] - self.n[None, :] * alpha + h @ self.K.T
        inner = (
            self.b[None, :, :]
            - self.K[None, :, :] * alpha[:, :, None]
            + np.tensordot(h, self.Cw, axes=([1], [2]))  # C_g h for every draw (BLAS)
        )
        scores = D * first[:, :, None] - np.matmul(inner, gamma)
        meat = np.matmul(np.swapaxes(scores, 1, 2), scores)
        ssc = (self.G / (self.G - 1)) * ((self.N - 1) / (self.N - self.k))
        vcov = ssc * np.einsum("pab,pbc,pcd->pad", DtDi, meat, DtDi)
        return tau, vcov


def randomization_test(
    y: np.ndarray,
    *,
    arm: Sequence | np.ndarray,
    group: Sequence | np.ndarray,
    strata: Sequence | np.ndarray | None = None,
    covariates: np.ndarray | None = None,
    arms: Sequence[str] | None = None,
    control: str | None = None,
    statistic: Statistic = "t",
    draws: int = 9999,
    seed: int = 0,
    enumerate: bool | None = None,
    return_draws: bool = False,
    chunk_size: int = 512,
    n_permutations: int | None = None,
) -> RIResult:
    """Randomisation p-values for every arm contrast, re-randomising groups within strata.

    Fisher (1935) randomisation test; design-based re-randomisation as in Athey & Imbens (2017)
    and Young (2019). See the module docstring for the computation.

    Length: checks, the re-randomisations within strata and one vectorised regression per contrast
    over every draw share the draw matrix.

    Parameters
    ----------
    y
        Outcome, one value per respondent (``N``), no missing values.
    arm, group, strata
        Arm label, group (unit of randomisation) and stratum (district) of each respondent; arm
        and stratum must be constant within groups. ``strata=None``: one stratum.
    covariates
        Optional ``N x p`` covariates (e.g. the baseline outcome) added to the regression.
    arms
        Arm order (default: categories of a pandas Categorical, else sorted labels).
    control
        Control arm (default: the first arm).
    statistic
        ``"t"`` (CR1 t-statistic, clustered by group; default) or ``"estimate"``.
    draws
        Number of random re-randomisations (``n_permutations``: deprecated name).
    seed
        Non-negative integer seed.
    enumerate
        Use every distinct assignment. Default: when there are at most ``n_permutations``.
    return_draws
        Keep the re-randomisation distribution of the statistic in ``draws``.
    chunk_size
        Re-randomisations per batch (memory bound).

    Returns
    -------
    RIResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> group = np.repeat(np.arange(12), 10)
    >>> arm = np.array(["kontrol", "karitatif", "pendampingan"] * 4)[group]
    >>> district = np.where(group < 6, "3322", "3373")
    >>> y = (arm == "pendampingan") * 1.0 + rng.normal(size=12)[group] + rng.normal(size=120)
    >>> res = randomization_test(y, arm=arm, group=group, strata=district, control="kontrol",
    ...                          arms=["kontrol", "karitatif", "pendampingan"])
    >>> res.enumerated, res.n_permutations  # (6!/(2!2!2!))^2 assignments
    (True, 8100)
    >>> res.labels[2]
    'pendampingan - karitatif'
    """
    if n_permutations is not None:
        import warnings

        warnings.warn("n_permutations= is deprecated; use draws=", DeprecationWarning, stacklevel=2)
        draws = n_permutations
    n_permutations = draws
    if statistic not in ("t", "estimate"):
        raise ConfigError(f"statistic must be 't' or 'estimate', got {statistic!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    if n_permutations < 1:
        raise ConfigError("draws must be positive")
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    N = y.shape[0]
    if not np.isfinite(y).all():
        raise ConfigError("y contains missing or infinite values; drop those rows first")
    arm_arr = np.asarray(arm)
    if arms is None:
        if isinstance(arm, pd.Categorical | pd.Series) and isinstance(
            getattr(arm, "dtype", None), pd.CategoricalDtype
        ):
            arms = [str(c) for c in arm.dtype.categories if (arm_arr == c).any()]
        else:
            arms = [str(v) for v in np.unique(arm_arr.astype(str))]
    arms = [str(a) for a in arms]
    arm_str = arm_arr.astype(str)
    unknown = sorted(set(np.unique(arm_str)) - set(arms))
    if unknown:
        raise ConfigError(f"arm values {unknown} are not in arms {arms}")
    if len(arms) < 2:
        raise ConfigError("need at least two arms")
    control = arms[0] if control is None else str(control)
    if control not in arms:
        raise ConfigError(f"control arm {control!r} is not one of {arms}")
    order = [control] + [a for a in arms if a != control]

    codes, glevels = cluster_codes(group)
    G = glevels.shape[0]
    if codes.shape[0] != N or arm_str.shape[0] != N:
        raise ConfigError("y, arm and group must have the same length")
    g_arm_label = _group_constant(arm_str, codes, G, "arm", glevels)
    g_arm = pd.Categorical(g_arm_label, categories=order).codes.astype(np.int64)
    if strata is None:
        g_stratum = np.zeros(G, dtype=np.int64)
        s_codes = np.zeros(N, dtype=np.int64)
    else:
        s_codes, s_levels = cluster_codes(strata)
        if s_codes.shape[0] != N:
            raise ConfigError("strata must have one value per row of y")
        g_stratum_label = _group_constant(np.asarray(strata), codes, G, "stratum", glevels)
        g_stratum = np.searchsorted(s_levels, g_stratum_label).astype(np.int64)
    n_strata = int(g_stratum.max()) + 1
    W_parts = [np.ones((N, 1))]
    if n_strata > 1:
        W_parts.append((s_codes[:, None] == np.arange(1, n_strata)[None, :]).astype(np.float64))
    if covariates is not None:
        Z = np.asarray(covariates, dtype=np.float64)
        Z = Z[:, None] if Z.ndim == 1 else Z
        if Z.shape[0] != N or not np.isfinite(Z).all():
            raise ConfigError("covariates must be N x p and finite")
        W_parts.append(Z)
    W = np.hstack(W_parts)
    a = len(order) - 1
    labels, L = arm_contrasts(order, control)
    engine = _Engine(y, W, codes, G, a, need_t=statistic == "t")

    def stats_of(arm_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tau, vcov = engine.fit(arm_rows)
        est = tau @ L.T
        if vcov is None:
            return est, est, np.full(est.shape[0], np.nan)
        se = np.sqrt(np.einsum("ma,pab,mb->pm", L, vcov, L))
        with np.errstate(divide="ignore", invalid="ignore"):
            wald = np.einsum("pa,pa->p", tau, np.linalg.solve(vcov, tau[:, :, None])[:, :, 0])
        return est, est / se, wald / a

    est_obs, t_obs, joint_obs = stats_of(g_arm[None, :])
    est_obs, t_obs, joint_obs = est_obs[0], t_obs[0], float(joint_obs[0])
    observed = t_obs if statistic == "t" else est_obs

    total = _n_assignments(g_arm, g_stratum)
    if enumerate is None:
        enumerate = total <= n_permutations
    if enumerate and total > 2_000_000:
        raise ConfigError(f"{total} assignments are too many to enumerate")
    P = total if enumerate else int(n_permutations)
    all_rows = _all_assignments(g_arm, g_stratum) if enumerate else None
    draws = np.empty((P, L.shape[0]))
    joint_draws = np.empty(P)
    for start in range(0, P, chunk_size):
        stop = min(start + chunk_size, P)
        rows = (
            all_rows[start:stop]
            if enumerate
            else permute_within_strata(
                g_arm, g_stratum, n_permutations=stop - start, seed=int(seed), start=start
            )
        )
        est, t, joint = stats_of(rows)
        draws[start:stop] = t if statistic == "t" else est
        joint_draws[start:stop] = joint
    tol = _TIE_RTOL * np.maximum(np.abs(observed), 1e-12)
    hits = (np.abs(draws) >= np.abs(observed)[None, :] - tol[None, :]).sum(axis=0)
    p_value = hits / P if enumerate else (hits + 1) / (P + 1)
    joint_p = float("nan")
    if np.isfinite(joint_obs):
        jhits = int(np.count_nonzero(joint_draws >= joint_obs * (1 - _TIE_RTOL)))
        joint_p = jhits / P if enumerate else (jhits + 1) / (P + 1)
    return RIResult(
        labels=labels,
        estimate=est_obs,
        t_stat=t_obs,
        p_value=p_value.astype(np.float64),
        statistic=statistic,
        n_permutations=P,
        enumerated=bool(enumerate),
        n_groups=G,
        n_obs=N,
        draws=draws if return_draws else None,
        joint_statistic=joint_obs,
        joint_p_value=float(joint_p),
    )
