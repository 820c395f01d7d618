"""Power and minimum detectable effects for the clustered three-arm JBP design.

Analytic formulas for a pairwise contrast of two arms randomised by group (Bloom 1995,
"Minimum detectable effects", *Evaluation Review* 19(5); Bloom, Richburg-Hayes & Black 2007 for
covariates; Duflo, Glennerster & Kremer 2007, "Using randomization in development economics
research: a toolkit", section 4)::

    SE  = sigma * sqrt( (rho (1 - R2_g) + (1 - rho)(1 - R2_i) / m) * (1/J_a + 1/J_b) )
    MDE = (t_{1 - alpha/2, df} + t_{power, df}) * SE,           df = J_a + J_b - 2

with ``m`` members per group, ``J_a, J_b`` groups in the two arms, intra-cluster correlation
``rho`` (the design effect is ``1 + (m - 1) rho``; Kish 1965) and ``R2`` the shares of group and
individual variance explained by covariates. Power at effect ``delta`` is the inverse,
``F_t(|delta| / SE - t_{1 - alpha/2}; df)`` (ignoring rejections in the wrong direction), or the
exact noncentral-t power with ``exact=True``.

The ICC is estimated from baseline data by the one-way ANOVA estimator (Fisher 1925; Donner &
Koval 1980, *Biometrics* 36(1), with the unbalanced average group size ``n0`` of Snedecor &
Cochran).

:func:`diagnose` runs a design by simulation, as DeclareDesign's ``diagnose_design`` (Blair,
Cooper, Coppock & Humphreys 2019, *APSR* 113(3)): a data-generating callable (e.g. the JBP
simulator) and an estimator callable give, over many simulations, bias, RMSE, power, coverage,
mean estimate and SE and the type-S rate (Gelman & Carlin 2014), with Monte Carlo standard errors.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from jbp_analysis.core.deprecation import renamed_keywords
from jbp_analysis.core.errors import ConfigError
from jbp_analysis.core.results import Result
from jbp_analysis.study.codebook import load_codebook
from jbp_analysis.study.design import uses_design

__all__ = [
    "ICCResult",
    "icc_anova",
    "design_effect",
    "standard_error",
    "mde",
    "power_at",
    "power_table",
    "Estimate",
    "Diagnosis",
    "diagnose",
    "normal_cluster_dgp",
    "cluster_means_estimator",
]

ARMS: tuple[str, ...] = tuple(load_codebook().arms)


@dataclass(frozen=True)
class ICCResult(Result):
    """One-way ANOVA intra-cluster correlation (Donner & Koval 1980).

    ``icc = (MSB - MSW) / (MSB + (n0 - 1) MSW)`` with ``n0 = (N - sum n_g^2 / N) / (G - 1)``.
    It can be negative in small samples; :func:`design_effect` users usually floor it at 0.
    """

    icc: float
    msb: float
    msw: float
    n0: float
    n_groups: int
    n_obs: int

    # a variance-components estimate without inference
    tidy_statistics = ()

    def tidy(self) -> pd.DataFrame:
        """One-row DataFrame."""
        return pd.DataFrame([self.__dict__])

    def _html_caption(self) -> str:
        return (
            f"Intra-cluster correlation (one-way ANOVA): {self.n_groups} groups, n = {self.n_obs}"
        )


def icc_anova(y: Sequence[float] | np.ndarray, groups: Sequence | np.ndarray) -> ICCResult:
    """ANOVA estimator of the intra-cluster correlation (Fisher 1925; Donner & Koval 1980).

    Missing values of ``y`` are dropped.

    Examples
    --------
    >>> r = icc_anova([1, 2, 3, 5, 6, 7], [0, 0, 0, 1, 1, 1])
    >>> r.msb, r.msw, round(r.icc, 4)  # MSB = 3 * 2 * 2^2 / 1, MSW = 4 / 4
    (24.0, 1.0, 0.8846)
    """
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    groups = np.asarray(groups)
    if y.shape[0] != groups.shape[0]:
        raise ConfigError(f"y has {y.shape[0]} values but groups has {groups.shape[0]}")
    keep = np.isfinite(y)
    y, groups = y[keep], groups[keep]
    levels, codes = np.unique(groups, return_inverse=True)
    G, N = levels.shape[0], y.shape[0]
    if G < 2 or N - G < 1:
        raise ConfigError(f"need at least 2 groups and more values than groups (got {G}, {N})")
    n_g = np.bincount(codes, minlength=G).astype(np.float64)
    means = np.bincount(codes, weights=y, minlength=G) / n_g
    grand = y.mean()
    msb = float(np.sum(n_g * (means - grand) ** 2) / (G - 1))
    msw = float(np.sum((y - means[codes]) ** 2) / (N - G))
    n0 = float((N - np.sum(n_g**2) / N) / (G - 1))
    denom = msb + (n0 - 1) * msw
    icc = float((msb - msw) / denom) if denom > 0 else float("nan")
    return ICCResult(icc=icc, msb=msb, msw=msw, n0=n0, n_groups=int(G), n_obs=int(N))


def design_effect(group_size: float, icc: float) -> float:
    """Kish (1965) design effect of cluster sampling, ``1 + (m - 1) rho``.

    Examples
    --------
    >>> round(design_effect(25, 0.1), 10)
    3.4
    """
    if group_size < 1:
        raise ConfigError(f"group_size must be at least 1, got {group_size}")
    return 1.0 + (group_size - 1.0) * icc


def _check(groups_a: int, groups_b: int, group_size: float, icc: float, alpha: float) -> None:
    if min(groups_a, groups_b) < 1 or groups_a + groups_b < 3:
        raise ConfigError(f"need at least 3 groups in a contrast, got {groups_a} + {groups_b}")
    if group_size < 1:
        raise ConfigError(f"group_size must be at least 1, got {group_size}")
    if not 0.0 <= icc <= 1.0:
        raise ConfigError(f"icc must be between 0 and 1, got {icc}")
    if not 0.0 < alpha < 1.0:
        raise ConfigError(f"alpha must be between 0 and 1, got {alpha}")


def standard_error(
    *,
    groups_a: int,
    groups_b: int,
    group_size: float = 25,
    icc: float,
    sd: float = 1.0,
    r2_group: float = 0.0,
    r2_individual: float = 0.0,
) -> float:
    """Standard error of the difference between two arms' means (Bloom 2007 formula).

    Examples
    --------
    >>> # sqrt((0.1 + 0.9 / 25) * (1/12 + 1/12)) = sqrt(0.136 / 6)
    >>> round(standard_error(groups_a=12, groups_b=12, group_size=25, icc=0.1), 6)
    0.150555
    """
    _check(groups_a, groups_b, group_size, icc, 0.05)
    var = icc * (1 - r2_group) + (1 - icc) * (1 - r2_individual) / group_size
    return float(sd * np.sqrt(var * (1.0 / groups_a + 1.0 / groups_b)))


def mde(
    *,
    groups_a: int,
    groups_b: int,
    group_size: float = 25,
    icc: float,
    alpha: float = 0.05,
    power: float = 0.8,
    sd: float = 1.0,
    r2_group: float = 0.0,
    r2_individual: float = 0.0,
) -> float:
    """Minimum detectable effect of a two-sided test of one pairwise contrast (Bloom 1995).

    ``(t_{1-alpha/2, df} + t_{power, df}) * SE`` with ``df = groups_a + groups_b - 2``; in units
    of ``sd`` (1: standard deviations).

    Examples
    --------
    >>> # (t_.975,22 + t_.8,22) * SE = (2.073873 + 0.858266) * 0.150555
    >>> round(mde(groups_a=12, groups_b=12, group_size=25, icc=0.1), 4)
    0.4414
    """
    if not 0.0 < power < 1.0:
        raise ConfigError(f"power must be between 0 and 1, got {power}")
    _check(groups_a, groups_b, group_size, icc, alpha)
    se = standard_error(
        groups_a=groups_a, groups_b=groups_b, group_size=group_size, icc=icc, sd=sd,
        r2_group=r2_group, r2_individual=r2_individual,
    )  # fmt: skip
    df = groups_a + groups_b - 2
    return float((stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)) * se)


def power_at(
    effect: float,
    *,
    groups_a: int,
    groups_b: int,
    group_size: float = 25,
    icc: float,
    alpha: float = 0.05,
    sd: float = 1.0,
    r2_group: float = 0.0,
    r2_individual: float = 0.0,
    exact: bool = False,
) -> float:
    """Power of the two-sided test of one pairwise contrast at a true effect.

    ``exact=False``: Bloom's (1995) approximation ``F_t(|effect|/SE - t_crit; df)``, the exact
    inverse of :func:`mde`. ``exact=True``: noncentral-t power of the two-sided t-test on group
    means, ``P(|T| > t_crit)`` with ``T ~ t'(df, effect/SE)``.

    Examples
    --------
    >>> kw = dict(groups_a=12, groups_b=12, group_size=25, icc=0.1)
    >>> round(power_at(mde(**kw), **kw), 6)
    0.8
    """
    _check(groups_a, groups_b, group_size, icc, alpha)
    se = standard_error(
        groups_a=groups_a, groups_b=groups_b, group_size=group_size, icc=icc, sd=sd,
        r2_group=r2_group, r2_individual=r2_individual,
    )  # fmt: skip
    df = groups_a + groups_b - 2
    crit = stats.t.ppf(1 - alpha / 2, df)
    ncp = abs(effect) / se
    if exact:
        return float(stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp))
    return float(stats.t.cdf(ncp - crit, df))


@dataclass(frozen=True)
class PowerTable(Result):
    """MDE and power per pairwise contrast and design; ``tidy()`` gives the table."""

    table: pd.DataFrame = field(repr=False)

    # a design calculation: the contrast's expected standard error and its MDE, no estimate
    tidy_statistics = ("std_error",)
    html_float_format = "{:.3g}"

    def tidy(self) -> pd.DataFrame:
        """One row per design x contrast."""
        return self.table.copy()

    def _html_caption(self) -> str:
        return "Minimum detectable effects and power, per design and contrast"


@uses_design
def power_table(
    groups_per_arm: int | Sequence[int] | Mapping[str, int],
    *,
    icc: float,
    group_size: float = 25,
    alpha: float = 0.05,
    power: float = 0.8,
    effect: float | None = None,
    sd: float = 1.0,
    r2_group: float = 0.0,
    r2_individual: float = 0.0,
    arms: Sequence[str] = ARMS,
    control: str = "kontrol",
) -> PowerTable:
    """MDE (and power at ``effect``) for every pairwise contrast of a clustered multi-arm design.

    Parameters
    ----------
    groups_per_arm
        Groups per arm: one number (every arm), a list of numbers (one design per number), or a
        mapping ``{arm: groups}`` for an unbalanced design.
    icc, group_size, alpha, power, sd, r2_group, r2_individual
        See :func:`mde`.
    effect
        True effect (in units of ``sd``) at which to report power: ``power`` (Bloom's
        approximation, consistent with ``mde``) and ``power_exact`` (noncentral t, which matters
        with few groups: at 4 groups per arm Bloom understates power by about 5 points).
    arms, control
        Arm names; contrasts are every treated arm vs control, then treated pairs.

    Returns
    -------
    PowerTable

    Examples
    --------
    >>> t = power_table(12, icc=0.1, effect=0.5).tidy()
    >>> t["contrast"].tolist()
    ['karitatif - kontrol', 'pendampingan - kontrol', 'pendampingan - karitatif']
    >>> round(float(t["mde"].iloc[0]), 4), round(float(t["power"].iloc[0]), 3)
    (0.4414, 0.887)
    """
    if isinstance(groups_per_arm, Mapping):
        designs = [dict(groups_per_arm)]
    elif isinstance(groups_per_arm, (int, np.integer)):
        designs = [dict.fromkeys(arms, int(groups_per_arm))]
    else:
        designs = [dict.fromkeys(arms, int(g)) for g in groups_per_arm]
    treated = [a for a in arms if a != control]
    pairs = [(t, control) for t in treated]
    pairs += [(treated[j], treated[i]) for j in range(len(treated)) for i in range(j)]
    rows = []
    for design in designs:
        missing = [a for a in arms if a not in design]
        if missing:
            raise ConfigError(f"groups_per_arm has no entry for arms {missing}")
        for a, b in pairs:
            kw = dict(
                groups_a=design[a], groups_b=design[b], group_size=group_size, icc=icc, sd=sd,
                r2_group=r2_group, r2_individual=r2_individual,
            )  # fmt: skip
            row = {
                "contrast": f"{a} - {b}",
                "groups_a": design[a],
                "groups_b": design[b],
                "group_size": group_size,
                "icc": icc,
                "design_effect": design_effect(group_size, icc),
                "df": design[a] + design[b] - 2,
                "std_error": standard_error(**kw),
                "mde": mde(alpha=alpha, power=power, **kw),
                "alpha": alpha,
                "target_power": power,
            }
            if effect is not None:
                row["effect"] = effect
                row["power"] = power_at(effect, alpha=alpha, **kw)
                row["power_exact"] = power_at(effect, alpha=alpha, exact=True, **kw)
            rows.append(row)
    return PowerTable(table=pd.DataFrame(rows))


@dataclass(frozen=True)
class Estimate:
    """What an estimator returns for one estimand in :func:`diagnose`."""

    estimate: float
    std_error: float
    p_value: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True, eq=False)
class Diagnosis(Result):
    """Diagnosands per estimand, with Monte Carlo standard errors, and the raw simulations."""

    diagnosands: pd.DataFrame
    simulations: pd.DataFrame = field(repr=False)
    draws: int
    alpha: float

    # diagnosands of an estimator (bias, power, coverage), not an estimate
    tidy_statistics = ()
    html_float_format = "{:.3g}"

    def tidy(self) -> pd.DataFrame:
        """One row per estimand: bias, rmse, power, coverage, ... and their MC SEs.

        ``n_sims`` is the number of simulations that returned the estimand.
        """
        return self.diagnosands.copy()

    @property
    def n_sims(self) -> int:
        """Deprecated name of :attr:`draws`."""
        warnings.warn(
            "Diagnosis.n_sims is deprecated; use Diagnosis.draws", DeprecationWarning, stacklevel=2
        )
        return self.draws

    def _html_caption(self) -> str:
        return html.escape(f"Design diagnosis: {self.draws} simulations, alpha = {self.alpha:g}")


def _as_estimate(value: Any) -> Estimate:
    if isinstance(value, Estimate):
        return value
    if isinstance(value, Mapping):
        return Estimate(**{k: float(value[k]) for k in Estimate.__dataclass_fields__})
    return Estimate(*[float(v) for v in value])


@renamed_keywords(n_sims="draws")
def diagnose(
    dgp: Callable[[int], Any],
    estimator: Callable[[Any], Mapping[str, Any]],
    *,
    estimands: Mapping[str, float] | Callable[[Any], Mapping[str, float]],
    draws: int = 500,
    seed: int = 0,
    alpha: float = 0.05,
    scheduler: Any = None,
) -> Diagnosis:
    """Diagnose a design by simulation, as DeclareDesign's ``diagnose_design`` (Blair et al. 2019).

    Parameters
    ----------
    dgp
        ``dgp(seed) -> data``: draws one data set (e.g. ``lambda s: simulate(SimConfig(seed=s))``).
    estimator
        ``estimator(data) -> {estimand: Estimate}`` (or a mapping/tuple with ``estimate,
        std_error, p_value, ci_low, ci_high``).
    estimands
        True values ``{estimand: value}``, or a callable ``data -> {estimand: value}`` when the
        estimand depends on the draw (e.g. the simulator's planted effects).
    draws
        Number of simulated data sets; simulation ``i`` uses the seed from
        ``SeedSequence(seed).spawn`` (deterministic). ``n_sims=`` is the deprecated name
        (accepted with a :class:`DeprecationWarning` for one release).
    seed
        Non-negative integer.
    alpha
        Significance level for power and type-S.
    scheduler
        A Dask scheduler address, ``LocalCluster`` or ``Client``: the simulations run on that
        cluster (``dgp`` and ``estimator`` must pickle with cloudpickle). The seeds are the same,
        so the diagnosis is identical to a local run.

    Returns
    -------
    Diagnosis
        ``bias = mean(est - estimand)``, ``rmse``, ``power = P(p < alpha)``,
        ``coverage = P(ci_low <= estimand <= ci_high)``, ``mean_estimate``, ``sd_estimate``,
        ``mean_se``, ``type_s_rate`` (wrong sign among significant; Gelman & Carlin 2014),
        ``mean_estimand``, each with a Monte Carlo SE (``*_se``).

    Examples
    --------
    >>> dgp = normal_cluster_dgp(groups_per_arm=6, group_size=5, icc=0.1,
    ...                          effects={"pendampingan": 0.5})
    >>> d = diagnose(dgp, cluster_means_estimator, estimands={"pendampingan - kontrol": 0.5},
    ...              draws=50, seed=1)
    >>> d.tidy()["estimand"].tolist()
    ['pendampingan - kontrol']
    """
    if draws < 2:
        raise ConfigError("draws must be at least 2")
    seeds = [
        int(s.generate_state(1)[0]) for s in np.random.SeedSequence(int(seed)).spawn(int(draws))
    ]
    if scheduler is None:
        chunks = [_simulate_one(dgp, estimator, estimands, i, s) for i, s in enumerate(seeds)]
    else:
        from jbp_analysis.report.distributed import connect

        client = connect(scheduler)
        try:
            futures = client.map(
                _simulate_one,
                [dgp] * len(seeds),
                [estimator] * len(seeds),
                [estimands] * len(seeds),
                range(len(seeds)),
                seeds,
                pure=False,
            )
            chunks = client.gather(futures)
        finally:
            if client is not scheduler:
                client.close()
    records = [r for chunk in chunks for r in chunk]
    if not records:
        raise ConfigError("the estimator returned none of the estimands")
    sims = pd.DataFrame(records)
    rows = []
    for name, d in sims.groupby("estimand", sort=False):
        n = len(d)
        err = d["estimate"] - d["truth"]
        sig = d["p_value"] < alpha
        covered = (d["ci_low"] <= d["truth"]) & (d["truth"] <= d["ci_high"])
        wrong = np.sign(d["estimate"]) != np.sign(d["truth"])
        type_s = float((wrong & sig).sum() / sig.sum()) if sig.any() else float("nan")
        rmse = float(np.sqrt(np.mean(err**2)))
        rows.append(
            {
                "estimand": name,
                "n_sims": n,
                "mean_estimand": float(d["truth"].mean()),
                "mean_estimate": float(d["estimate"].mean()),
                "bias": float(err.mean()),
                "bias_se": float(err.std(ddof=1) / np.sqrt(n)),
                "sd_estimate": float(d["estimate"].std(ddof=1)),
                "rmse": rmse,
                "rmse_se": float(np.std(err**2, ddof=1) / np.sqrt(n) / (2 * rmse))
                if rmse > 0
                else 0.0,
                "mean_se": float(d["std_error"].mean()),
                "power": float(sig.mean()),
                "power_se": float(np.sqrt(sig.mean() * (1 - sig.mean()) / n)),
                "coverage": float(covered.mean()),
                "coverage_se": float(np.sqrt(covered.mean() * (1 - covered.mean()) / n)),
                "type_s_rate": type_s,
            }
        )
    return Diagnosis(diagnosands=pd.DataFrame(rows), simulations=sims, draws=draws, alpha=alpha)


def _simulate_one(dgp, estimator, estimands, i: int, s: int) -> list[dict[str, Any]]:
    """One simulated data set: its estimates against the truth (runs locally or on Dask)."""
    data = dgp(s)
    truth = estimands(data) if callable(estimands) else estimands
    out = []
    for name, value in estimator(data).items():
        if name in truth:
            est = _as_estimate(value)
            out.append({"sim": i, "estimand": name, "truth": float(truth[name]), **est.__dict__})
    return out


def normal_cluster_dgp(
    *,
    groups_per_arm: int | Mapping[str, int],
    group_size: int = 25,
    icc: float,
    effects: Mapping[str, float],
    arms: Sequence[str] = ARMS,
    sd: float = 1.0,
) -> Callable[[int], pd.DataFrame]:
    """A data-generating callable for :func:`diagnose`: normal outcome with a group effect.

    ``y = effect[arm] + sd (sqrt(icc) g + sqrt(1 - icc) e)``, with ``g, e`` standard normal, the
    model behind :func:`mde`. Columns: ``group_id, arm, y``.

    Examples
    --------
    >>> draw = normal_cluster_dgp(groups_per_arm=2, group_size=3, icc=0.1, effects={})
    >>> data = draw(1)
    >>> data.shape, data["arm"].value_counts().tolist()
    ((18, 3), [6, 6, 6])
    >>> bool(data.equals(draw(1)))
    True
    """
    counts = (
        dict(groups_per_arm)
        if isinstance(groups_per_arm, Mapping)
        else dict.fromkeys(arms, int(groups_per_arm))
    )
    g_arm = np.concatenate([[a] * counts[a] for a in arms])
    G = g_arm.shape[0]
    shift = np.array([float(effects.get(a, 0.0)) for a in g_arm])

    def draw(seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        group = np.repeat(np.arange(G), group_size)
        u = np.sqrt(icc) * rng.normal(size=G)[group] + np.sqrt(1 - icc) * rng.normal(
            size=group.size
        )
        return pd.DataFrame(
            {
                "group_id": group,
                "arm": pd.Categorical(g_arm[group], categories=list(arms)),
                "y": shift[group] + sd * u,
            }
        )

    return draw


def cluster_means_estimator(
    data: pd.DataFrame,
    *,
    outcome: str = "y",
    group: str = "group_id",
    arm: str = "arm",
    control: str = "kontrol",
    level: float = 0.95,
) -> dict[str, Estimate]:
    """Every pairwise contrast as a pooled two-sample t-test on group means (df = J_a + J_b - 2).

    With equal group sizes this is the exact test behind :func:`mde` (Donner & Klar 2000,
    *Design and Analysis of Cluster Randomization Trials*, ch. 6).

    Examples
    --------
    >>> data = pd.DataFrame({"group_id": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                      "arm": ["kontrol"] * 4 + ["pendampingan"] * 4,
    ...                      "y": [0, 2, 1, 3, 2, 4, 3, 5]})
    >>> est = cluster_means_estimator(data)["pendampingan - kontrol"]
    >>> est.estimate, round(est.std_error, 4)  # group means 1, 2 vs 3, 4
    (2.0, 0.7071)
    """
    codes, _ = pd.factorize(data[group], sort=True)
    y = data[outcome].to_numpy(dtype=np.float64)
    n_g = np.bincount(codes)
    means = np.bincount(codes, weights=y) / n_g
    first = np.zeros(n_g.size, dtype=np.int64)
    first[codes[::-1]] = np.arange(codes.size)[::-1]
    g_arm = data[arm].to_numpy()[first]
    if isinstance(data[arm].dtype, pd.CategoricalDtype):
        present = set(g_arm)
        arms = [a for a in data[arm].cat.categories if a != control and a in present]
    else:
        arms = [a for a in pd.unique(g_arm) if a != control]
    pairs = [(t, control) for t in arms]
    pairs += [(arms[j], arms[i]) for j in range(len(arms)) for i in range(j)]
    out = {}
    for a, b in pairs:
        ya, yb = means[g_arm == a], means[g_arm == b]
        df = ya.size + yb.size - 2
        pooled = ((ya.size - 1) * ya.var(ddof=1) + (yb.size - 1) * yb.var(ddof=1)) / df
        se = float(np.sqrt(pooled * (1 / ya.size + 1 / yb.size)))
        est = float(ya.mean() - yb.mean())
        crit = stats.t.ppf(0.5 + level / 2, df)
        out[f"{a} - {b}"] = Estimate(
            estimate=est,
            std_error=se,
            p_value=float(2 * stats.t.sf(abs(est / se), df)),
            ci_low=est - crit * se,
            ci_high=est + crit * se,
        )
    return out
