"""Observational mode of the simulator: programme groups formed where youths are more educated and
more often already in business, with a known effect on the treated.

The 2017 JBP groups were formed where SPPQT already worked, not at random. This module draws an
analysis-ready two-wave panel (baseline, endline) of youths in kelompok across districts in which
a group joins the programme (arm ``pendampingan``) with a probability that rises with its
members' mean education and their share already running a business at baseline. Both are
recorded by the survey, so the effect on the treated is identified by selection on observables;
the naive comparison is biased upwards. Effects are heterogeneous (larger for the more educated
and for business owners), so the ATT differs from the average effect.

Model (rupiah per month; ``edu`` the codebook education rank 1-5, ``b0`` own business at
baseline, ``u_g`` a group effect, ``e`` normal noise):

* district and group shifts of education and of the business propensity;
* ``P(group treated) = logistic(alpha + s [0.6 (group_education - 2.9) / 0.5 + 0.5
  (group_business - 0.2) / 0.15])`` with ``s`` the ``selection`` strength;
* baseline income ``600k + 150k (edu - 3) + 700k b0 + 20k (age - 22) - 150k female + u_g + e``;
* endline income without the programme ``500k + 0.5 baseline + 100k (edu - 3) + 300k b0 + 0.8 u_g
  + e``;
* effect ``tau_i = 300k + 80k (edu - 3) + 200k b0 - 50k female`` for treated youths.

District shifts are fixed (the same districts in every draw); groups and youths are sampled. The
truth reported is the sample ATT (mean ``tau_i`` over the treated) and the population ATT
``E[tau | treated]`` in these districts (from one large draw of the same model, cached).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.simulate.rng import stream

__all__ = ["ObservationalSimulation", "simulate_observational", "population_att", "COVARIATES"]

#: The propensity-score specification that matches the selection model (what the survey records).
COVARIATES = "education + own_business_baseline + age + female + group_education + group_business"

_DISTRICTS = ("3308", "3309", "3322", "3323", "3373", "3374")
_TAU = {"const": 300_000.0, "edu": 80_000.0, "business": 200_000.0, "female": -50_000.0}


@dataclass(frozen=True, eq=False)
class ObservationalSimulation:
    """A simulated non-randomised JBP comparison with its ground truth.

    Attributes
    ----------
    panel
        Long panel, one row per youth and wave (``baseline``, ``endline``): ``respondent_id,
        group_id, district_code, wave, arm, treated, female, age, education,
        own_business_baseline, group_education, group_business, income``.
    respondents
        One row per youth (baseline covariates, ``income_baseline``, ``income`` at endline,
        the unit effect ``tau`` and the potential outcome ``income_untreated``).
    att
        Sample ATT: the mean of ``tau`` over treated youths.
    att_population
        Population ATT of the model, ``E[tau | treated]``.
    naive
        Endline treated-minus-comparison difference in means (biased).
    params
        The settings used.
    """

    panel: pd.DataFrame = field(repr=False)
    respondents: pd.DataFrame = field(repr=False)
    att: float
    att_population: float
    naive: float
    params: dict

    def tidy(self) -> pd.DataFrame:
        """The truth as one row: ``att, att_population, naive, n_treated, n_control``."""
        r = self.respondents
        return pd.DataFrame(
            [
                {
                    "att": self.att,
                    "att_population": self.att_population,
                    "naive": self.naive,
                    "n_treated": int(r["treated"].sum()),
                    "n_control": int((r["treated"] == 0).sum()),
                }
            ]
        )


def _draw(
    seed: int,
    n_districts: int,
    groups_per_district: int,
    group_size: int,
    selection: float,
    treated_share: float,
) -> pd.DataFrame:
    rng = stream(seed, "observational/draw")
    n_g = n_districts * groups_per_district
    n = n_g * group_size
    dist = np.repeat(np.arange(n_districts), groups_per_district)
    # District shifts are fixed (the same districts in every draw): groups and youths are sampled.
    fixed = stream(0, "observational/districts")
    d_edu, d_bus = fixed.normal(0, 0.35, n_districts), fixed.normal(0, 0.5, n_districts)
    g_edu, g_bus = rng.normal(0, 0.3, n_g), rng.normal(0, 0.4, n_g)
    u = rng.normal(0, 150_000, n_g)
    grp = np.repeat(np.arange(n_g), group_size)
    edu = np.clip(np.rint(2.9 + d_edu[dist][grp] + g_edu[grp] + rng.normal(0, 0.9, n)), 1, 5)
    age = rng.integers(16, 31, n).astype(np.float64)
    female = (rng.random(n) < 0.5).astype(np.float64)
    lin = -1.6 + d_bus[dist][grp] + g_bus[grp] + 0.25 * (edu - 3) + 0.05 * (age - 22)
    b0 = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(np.float64)
    size = np.bincount(grp, minlength=n_g)
    g_mean_edu = np.bincount(grp, weights=edu, minlength=n_g) / size
    g_mean_bus = np.bincount(grp, weights=b0, minlength=n_g) / size
    z = 0.6 * (g_mean_edu - 2.9) / 0.5 + 0.5 * (g_mean_bus - 0.2) / 0.15
    alpha = np.log(treated_share / (1 - treated_share)) - 0.5
    p = 1 / (1 + np.exp(-(alpha + selection * z)))
    treated_g = (rng.random(n_g) < p).astype(np.float64)
    y_base = (
        600_000 + 150_000 * (edu - 3) + 700_000 * b0 + 20_000 * (age - 22) - 150_000 * female
        + u[grp] + rng.normal(0, 400_000, n)
    )  # fmt: skip
    y0 = (
        500_000 + 0.5 * y_base + 100_000 * (edu - 3) + 300_000 * b0 + 0.8 * u[grp]
        + rng.normal(0, 400_000, n)
    )  # fmt: skip
    tau = _TAU["const"] + _TAU["edu"] * (edu - 3) + _TAU["business"] * b0 + _TAU["female"] * female
    d = treated_g[grp]
    return pd.DataFrame(
        {
            "group": grp,
            "district": dist[grp],
            "treated": d.astype(np.int64),
            "female": female,
            "age": age,
            "education": edu,
            "own_business_baseline": b0,
            "group_education": g_mean_edu[grp],
            "group_business": g_mean_bus[grp],
            "income_baseline": y_base,
            "income_untreated": y0,
            "tau": tau,
            "income": y0 + d * tau,
        }
    )


@lru_cache(maxsize=8)
def population_att(
    n_districts: int = len(_DISTRICTS),
    selection: float = 1.0,
    treated_share: float = 0.35,
    group_size: int = 15,
) -> float:
    """``E[tau | treated]`` in the model's districts, from one draw of 20,000 groups per district
    (seed 0), cached.

    Examples
    --------
    >>> round(population_att() / 1000)
    339
    """
    big = _draw(0, n_districts, 20_000, group_size, selection, treated_share)
    return float(big.loc[big["treated"] == 1, "tau"].mean())


def simulate_observational(
    *,
    seed: int = 20170401,
    districts: tuple[str, ...] = _DISTRICTS,
    groups_per_district: int = 40,
    group_size: int = 15,
    selection: float = 1.0,
    treated_share: float = 0.35,
) -> ObservationalSimulation:
    """Draw a non-randomised comparison with known ATT (see the module docstring for the model).

    Parameters
    ----------
    seed
        Seed; same seed and settings give identical data.
    districts
        BPS codes used as district labels.
    groups_per_district, group_size
        Kelompok per district and youths per kelompok.
    selection
        Strength of selection on group education and business (0 = random assignment).
    treated_share
        Rough share of groups that join the programme.

    Examples
    --------
    >>> sim = simulate_observational(seed=1, groups_per_district=20)
    >>> sim.panel["wave"].unique().tolist(), len(sim.respondents)
    (['baseline', 'endline'], 1800)
    >>> bool(sim.naive > sim.att)  # the programme went where incomes were higher anyway
    True
    """
    if groups_per_district < 2 or group_size < 2:
        raise ConfigError(
            "observational simulation needs groups_per_district >= 2 and group_size >= 2"
        )
    if not 0 < treated_share < 1:
        raise ConfigError(f"treated_share must lie in (0, 1); got {treated_share}")
    params = {
        "seed": seed,
        "districts": tuple(districts),
        "groups_per_district": groups_per_district,
        "group_size": group_size,
        "selection": selection,
        "treated_share": treated_share,
    }
    r = _draw(seed, len(districts), groups_per_district, group_size, selection, treated_share)
    if r["treated"].nunique() < 2:
        raise ConfigError("the draw has no treated or no comparison group; use more groups")
    codes = np.asarray(districts, dtype=object)[r["district"].to_numpy()]
    g_in_d = r["group"].to_numpy() % groups_per_district + 1
    member = np.tile(np.arange(1, group_size + 1), len(r) // group_size)
    r.insert(0, "district_code", codes)
    r.insert(0, "group_id", [f"{c}-G{g:03d}" for c, g in zip(codes, g_in_d, strict=True)])
    r.insert(
        0, "respondent_id", [f"{g}-{m:02d}" for g, m in zip(r["group_id"], member, strict=True)]
    )
    r["arm"] = np.where(r["treated"] == 1, "pendampingan", "kontrol")
    r = r.drop(columns=["group", "district"])
    base_cols = [
        "respondent_id", "group_id", "district_code", "arm", "treated", "female", "age",
        "education", "own_business_baseline", "group_education", "group_business",
    ]  # fmt: skip
    panel = pd.concat(
        [
            r[base_cols].assign(wave="baseline", income=r["income_baseline"]),
            r[base_cols].assign(wave="endline", income=r["income"]),
        ],
        ignore_index=True,
    )
    panel = panel[base_cols[:3] + ["wave"] + base_cols[3:] + ["income"]]
    t = r["treated"] == 1
    return ObservationalSimulation(
        panel=panel,
        respondents=r,
        att=float(r.loc[t, "tau"].mean()),
        att_population=population_att(len(districts), selection, treated_share, group_size),
        naive=float(r.loc[t, "income"].mean() - r.loc[~t, "income"].mean()),
        params=params,
    )


# ---------------------------------------------------------------------- the full simulator's mode
def select_groups(design, *, selection: float = 1.0, programme_share: float = 2 / 3):
    """The design with kelompok assigned by selection on observables instead of at random.

    Used by :func:`jbp_analysis.simulate.simulate` when ``SimConfig(design="observational")``.
    The members' baseline answers do not depend on the arm (baseline effects are zero and every
    part of the simulation draws from its own named stream), so they are drawn once to form the
    groups' means; a group then joins the programme with probability
    ``logistic(alpha + selection * [0.6 z(mean education rank) + 0.5 z(share running own
    business)])`` (z: standardised across groups; ``alpha`` sets ``programme_share``), and
    programme groups are split at random between ``karitatif`` and ``pendampingan``. The rest
    are ``kontrol``. Draws use the stream ``observational/assignment`` of the seed.

    Examples
    --------
    >>> from jbp_analysis.simulate import SimConfig
    >>> from jbp_analysis.simulate.design import build_design
    >>> d = build_design(SimConfig(seed=3, districts=("3373",), groups_per_district=9))
    >>> select_groups(d).group_arm.shape
    (9,)
    """
    import dataclasses

    from jbp_analysis.simulate.config import code_of
    from jbp_analysis.simulate.outcomes import _education_level, simulate_respondents

    values = simulate_respondents(design).values
    g = design.member_group
    size = np.bincount(g, minlength=design.n_groups)
    edu = _education_level(values["education"][:, 0])
    own = (values["own_business"][:, 0] == code_of("yes_no", True)).astype(np.float64)
    mean_edu = np.bincount(g, weights=edu, minlength=design.n_groups) / size
    mean_own = np.bincount(g, weights=own, minlength=design.n_groups) / size

    def z(v: np.ndarray) -> np.ndarray:
        sd = v.std()
        return (v - v.mean()) / sd if sd > 0 else np.zeros_like(v)

    score = selection * (0.6 * z(mean_edu) + 0.5 * z(mean_own))
    alpha = np.log(programme_share / (1 - programme_share))
    rng = stream(design.config.seed, "observational/assignment")
    joins = rng.random(design.n_groups) < 1 / (1 + np.exp(-(alpha + score)))
    which = rng.integers(1, 3, design.n_groups)  # 1 karitatif, 2 pendampingan (ARMS order)
    arm = np.where(joins, which, 0).astype(design.group_arm.dtype)
    return dataclasses.replace(design, group_arm=arm)


def planted_att(design, parameter: str, arm: str, wave: str) -> float:
    """Planted effect of ``arm`` on its own members at ``wave`` (respondent-level parameters).

    Effects differ by sex only (``female_ratio``), so the effect on the treated is the planted
    effect at the treated members' sex mix; in the observational mode it differs from the
    all-respondent effect of ``truth.effects`` when selection changes that mix.
    """
    from jbp_analysis.simulate.config import ARMS, WAVES
    from jbp_analysis.simulate.effects import effect_table

    tau = effect_table(design.config, parameter)
    a = ARMS.index(arm)
    members = design.arm == a
    female = design.female[members].astype(np.int64)
    return float(tau[a, WAVES.index(wave), female].mean()) if members.any() else float("nan")
