r"""The short Susenas-style consumption module of the simulated survey, with planted poverty effects.

Urban/rural (klasifikasi desa/kelurahan BPS)
    One class per kelompok (a group lives in one village): urban with probability 0.9 in a kota
    (codes 3371-3379), 0.3 in a kabupaten. Constant over waves.

Household consumption (rupiah per month)
    Without the programme,
    :math:`\log C^0_{iw} = \log 1.9\text{M} + 0.3\,Z^I_{iw} + 0.55 \log(h_i/4.1) + 0.1\,\text{urban}_g
    + 0.3\,\varepsilon_{iw}` with :math:`Z^I` the income latent of :mod:`~.outcomes` (so consumption
    and income are correlated) and :math:`h` household size. Under arm :math:`a` the household
    consumes a share :data:`MPC` of the programme's income effect:
    :math:`C_{iw}(a) = C^0_{iw} + \text{MPC}\cdot\tau_I(a, w, \text{sex})`, the planted effect on
    consumption (consistent with the income effect, Friedman 1957: a transitory gain is partly
    saved). The effects on ``poor`` (P0), ``poverty_gap`` (P1) and ``poverty_gap_sq`` follow from the
    potential outcomes and the BPS line of each household's district, class and interview month;
    :func:`~jbp_analysis.simulate.effects.realised_effects` reports them exactly.

Items (the questionnaire)
    :math:`C^0` is split over the codebook's consumption items (those of the ``konsumsi`` form
    group with unit ``Rp per week``, ``Rp per month`` or ``Rp per year``) with household shares
    drawn around :data:`ITEM_SHARES` (Dirichlet, concentration 40), converted to each item's
    recall period (food x 7/30, yearly items x 12) and rounded to ``rupiah_precision``. The
    consumption effect, MPC x tau rounded to the same precision, is added to the monthly items
    (recall factor 1) in proportion to their mean shares, split in whole units of the precision,
    so it is the same for every household of one arm, wave and sex and the planted parameter is
    exact. The reported monthly consumption is rebuilt from the rounded answers exactly as
    :mod:`jbp_analysis.outcomes.poverty` does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jbp_analysis.outcomes.poverty import consumption_items, household_fgt
from jbp_analysis.simulate.config import ARMS, code_of
from jbp_analysis.simulate.design import Design
from jbp_analysis.simulate.effects import effect_table, realised_effects, with_all
from jbp_analysis.simulate.rng import stream
from jbp_analysis.study.poverty_lines import lookup_lines

__all__ = ["simulate_consumption", "MPC", "ITEM_SHARES", "URBAN_SHARE"]

MPC = 0.6
"""Share of the programme's income effect that the household spends (planted consumption effect)."""

URBAN_SHARE = {"kota": 0.9, "kabupaten": 0.3}
"""Probability that a kelompok's village is urban, by district type."""

ITEM_SHARES: dict[str, float] = {
    "food_cereals_week": 0.13,
    "food_protein_week": 0.10,
    "food_vegetables_fruit_week": 0.08,
    "food_oil_sugar_spices_week": 0.06,
    "food_prepared_week": 0.10,
    "food_tobacco_week": 0.07,
    "nonfood_housing_month": 0.20,
    "nonfood_transport_comm_month": 0.10,
    "nonfood_goods_services_month": 0.06,
    "nonfood_education_year": 0.04,
    "nonfood_clothing_year": 0.03,
    "nonfood_durables_ceremonies_year": 0.03,
}
"""Mean budget share of each item (food about 54%, as in Susenas for lower-income Java)."""


def _urban(design: Design) -> np.ndarray:
    """Urban (True) per member, drawn per group."""
    rng = stream(design.config.seed, "consumption/urban")
    kota = np.array([int(str(c)[2:]) >= 71 for c in design.group_district.tolist()])
    p = np.where(kota, URBAN_SHARE["kota"], URBAN_SHARE["kabupaten"])
    return (rng.random(design.n_groups) < p)[design.member_group]


def simulate_consumption(
    design: Design, values: dict[str, np.ndarray], latent: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Consumption answers ``(n, 3)`` for every member and wave, and the realised effects.

    Examples
    --------
    >>> from jbp_analysis.simulate import SimConfig
    >>> from jbp_analysis.simulate.design import build_design
    >>> from jbp_analysis.simulate.outcomes import simulate_respondents
    >>> out = simulate_respondents(build_design(SimConfig(seed=3, groups_per_district=3)))
    >>> out.values["food_cereals_week"].shape, "poor" in set(out.effects.outcome)
    ((450, 3), True)
    """
    cfg = design.config
    rng = stream(cfg.seed, "consumption/amounts")
    n = design.n
    items = consumption_items()
    unknown = [k for k in items if k not in ITEM_SHARES]
    if unknown:
        raise KeyError(f"no simulated budget share for consumption item(s) {unknown}")
    urban = _urban(design)
    hh = values["household_size"].astype(np.float64)
    log_c0 = (
        np.log(1.9e6) + 0.3 * latent["income"] + 0.55 * np.log(hh / 4.1)
        + 0.1 * urban[:, None] + 0.3 * rng.standard_normal((n, 3))
    )  # fmt: skip
    c0 = np.exp(log_c0)
    mean = np.array([ITEM_SHARES[k] for k in items])
    share = mean / mean.sum()
    shares = rng.dirichlet(40 * mean / mean.sum(), size=(n, 3))  # (n, 3, items)
    to_recall = 1 / np.fromiter(items.values(), dtype=np.float64)  # month -> recall period
    prec = cfg.rupiah_precision
    tau = effect_table(cfg, "household_income", money=True)
    female = design.female

    def monthly(ans: np.ndarray) -> np.ndarray:
        return ans.astype(np.float64) @ (1 / to_recall)

    raw = c0[:, :, None] * shares * to_recall[None, None, :]
    base = (np.rint(raw / prec) * prec).astype(np.int64)  # (n, 3, items)
    # The consumption effect T = MPC x tau, rounded to the questionnaire's precision, goes to the
    # monthly items (recall factor 1) in proportion to their mean shares, split in units of the
    # precision by largest remainder: every unit of one arm, wave and sex gets the same amounts,
    # which add up to T exactly (the planted parameter).
    monthly_items = np.flatnonzero(to_recall == 1.0)
    target = np.rint(MPC * tau / prec)  # (arm, wave, sex), in units of prec
    w = share[monthly_items] / share[monthly_items].sum()
    exact = target[..., None] * w
    units = np.floor(exact)
    rest = (target - units.sum(axis=-1)).astype(np.int64)
    order = np.argsort(-(exact - units), axis=-1, kind="stable")
    rank = np.argsort(order, axis=-1, kind="stable")
    units += rank < rest[..., None]
    shift = np.zeros((*target.shape, len(items)))
    shift[..., monthly_items] = units * prec
    planted_tab = shift @ (1 / to_recall)  # (arm, wave, sex) = MPC x tau rounded
    sex = female.astype(np.int64)
    answers_k = [
        base + shift[k][:, sex].transpose(1, 0, 2).astype(np.int64) for k in range(len(ARMS))
    ]
    cons_k = [monthly(a) for a in answers_k]
    lines = _lines(design, urban)
    pc_k = [c / hh for c in cons_k]
    fgt_k = [_fgt(pc, lines) for pc in pc_k]
    arm = design.arm.astype(np.int64)
    chosen = np.choose(arm[:, None, None], answers_k)
    out: dict[str, np.ndarray] = {k: chosen[:, :, j] for j, k in enumerate(items)}
    cls = np.where(urban, code_of("urban_rural", "urban"), code_of("urban_rural", "rural"))
    out["urban_rural"] = np.repeat(cls[:, None], 3, axis=1).astype(np.int8)
    planted = with_all(cfg, planted_tab)
    fx = [
        realised_effects(
            "consumption_household", cons_k, level="respondent", scale="rupiah",
            female=female, planted=planted,
        ),
        realised_effects(
            "consumption_per_capita", pc_k, level="respondent", scale="rupiah", female=female
        ),
    ]  # fmt: skip
    for j, name in enumerate(("poor", "poverty_gap", "poverty_gap_sq")):
        fx.append(
            realised_effects(
                name,
                [f[j] for f in fgt_k],
                level="respondent",
                scale="proportion" if name == "poor" else "index",
                female=female,
            )
        )
    return out, pd.concat(fx, ignore_index=True)


def _lines(design: Design, urban: np.ndarray) -> np.ndarray:
    """BPS line ``(n, 3)`` of each member's district, class and interview month."""
    n = design.n
    frame = pd.DataFrame(
        {
            "district_code": np.repeat(
                np.array(design.group_district.tolist(), dtype=object)[design.member_group], 3
            ),
            "urban_rural": np.repeat(np.where(urban, "urban", "rural"), 3),
            "interview_date": design.interview_date.reshape(-1),
        }
    )
    return lookup_lines(frame)["poverty_line"].to_numpy(dtype=np.float64).reshape(n, 3)


def _fgt(pc: np.ndarray, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = household_fgt(pc.reshape(-1), lines.reshape(-1))
    shape = pc.shape
    return (
        t["poor"].to_numpy(dtype=np.float64).reshape(shape),
        t["poverty_gap"].to_numpy().reshape(shape),
        t["poverty_gap_sq"].to_numpy().reshape(shape),
    )
