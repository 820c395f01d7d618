r"""The group (kelompok) module and programme cost records.

Group business
    A latent :math:`Z_{gw} = 0.6\,u_g + 0.8\,(\sqrt{0.6}\,q_g + \sqrt{0.4}\,e_{gw})` shares the
    group random effect :math:`u_g` of the members' outcomes; :math:`U_{gw} = \Phi(Z_{gw})` is
    uniform. The business operates if :math:`U_{gw} < p_O(w) + \tau_O(a, w)` (kontrol
    :math:`p_O` = 0.30, 0.35, 0.38 at months 0, 4, 12) and its product is legalised if
    :math:`U_{gw} < \min(p_L(w) + \tau_L(a, w),\ p_O(w) + \tau_O(a, w))` (kontrol :math:`p_L` =
    0.05, 0.06, 0.08), so only operating businesses hold licences and the probabilities move by
    exactly :math:`\tau_O` and :math:`\tau_L`. A legalised product has a main licence (P-IRT 80%,
    halal 17%, SNI 3%) and possibly others, so "legalised" = any of P-IRT, halal, SNI.
    An operating business reports monthly revenue :math:`R^0_{gw}` (log-normal, median Rp 3M,
    rounded to 5 x ``rupiah_precision``) plus :math:`\tau_R(a, w)`.

Costs
    One record per group and cost component of its arm (``unit_costs``), the unit cost times a
    log-normal factor (SD 0.15, mean 1), rounded to Rp 1,000.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from jbp_analysis.simulate.config import ARMS
from jbp_analysis.simulate.design import Design
from jbp_analysis.simulate.effects import effect_table, realised_effects
from jbp_analysis.simulate.outcomes import NO, YES
from jbp_analysis.simulate.rng import stream
from jbp_analysis.study.codebook import load_codebook

__all__ = ["GroupOutcomes", "simulate_groups", "simulate_costs"]

_P_OPERATING = np.array([0.30, 0.35, 0.38])
_P_LEGAL = np.array([0.05, 0.06, 0.08])
_MAIN_LICENCE = np.array([0.80, 0.17, 0.03])  # P-IRT, halal, SNI
_EXTRA_LICENCE = np.array([0.5, 0.4, 0.05])
_COST_SD = 0.15


@dataclass(frozen=True, eq=False)
class GroupOutcomes:
    """Clean group answers, shape ``(G, 3)``: codes (0 = blank) and int64 rupiah (see outcomes)."""

    values: dict[str, np.ndarray]
    effects: pd.DataFrame


def simulate_groups(design: Design, group_effect: np.ndarray) -> GroupOutcomes:
    """Draw the group module for every group and wave.

    ``group_effect`` is the standard-normal group random effect :math:`u_g` shared with the
    members' outcomes.

    Examples
    --------
    >>> from jbp_analysis.simulate import SimConfig
    >>> from jbp_analysis.simulate.design import build_design
    >>> d = build_design(SimConfig(seed=3, groups_per_district=3))
    >>> g = simulate_groups(d, np.zeros(d.n_groups))
    >>> g.values["business_operating"].shape, sorted(set(g.effects.outcome))
    ((18, 3), ['business_operating', 'legalised', 'monthly_revenue'])
    """
    cfg = design.config
    rng = stream(cfg.seed, "groups/business")
    n_g = design.n_groups
    persistent = rng.standard_normal(n_g)[:, None]
    z = 0.6 * group_effect[:, None] + 0.8 * (
        np.sqrt(0.6) * persistent + np.sqrt(0.4) * rng.standard_normal((n_g, 3))
    )
    u = ndtr(z)
    tau_o = effect_table(cfg, "business_operating")[:, :, 0]  # no sex split for groups
    tau_l = effect_table(cfg, "legalised")[:, :, 0]
    tau_r = effect_table(cfg, "revenue_if_operating", money=True)[:, :, 0]
    prec = 5 * cfg.rupiah_precision
    lo, hi = load_codebook().variable("group", "monthly_revenue").range
    revenue0 = np.rint(np.exp(np.log(3e6) + 0.9 * rng.standard_normal((n_g, 3))) / prec) * prec
    operating_k, legal_k, revenue_k, revenue_if_k, clipped = [], [], [], [], []
    for k in range(len(ARMS)):
        raw_o = _P_OPERATING[None, :] + tau_o[k][None, :]
        raw_l = _P_LEGAL[None, :] + tau_l[k][None, :]
        c_o = np.clip(raw_o, 0, 1)
        c_l = np.clip(np.minimum(raw_l, c_o), 0, 1)
        clipped.append(np.broadcast_to((raw_o != c_o) | (raw_l != c_l), (n_g, 3)))
        operating_k.append(u < c_o)
        legal_k.append(u < c_l)
        rev = np.clip(revenue0.astype(np.int64) + tau_r[k][None, :].astype(np.int64), lo, hi)
        revenue_if_k.append(rev)
        revenue_k.append(np.where(operating_k[k], rev, 0))
    arm = design.group_arm.astype(np.int64)[:, None]
    operating = np.choose(arm, operating_k)
    legal = np.choose(arm, legal_k)
    revenue = np.choose(arm, revenue_if_k)
    main = (rng.random((n_g, 3))[:, :, None] > np.cumsum(_MAIN_LICENCE)[None, None, :-1]).sum(2)
    extra = rng.random((n_g, 3, 3)) < _EXTRA_LICENCE
    licence = legal[:, :, None] & ((main[:, :, None] == np.arange(3)) | extra)
    yes_no = lambda b: np.where(b, YES, NO).astype(np.int8)  # noqa: E731
    values = {
        "business_operating": yes_no(operating),
        "monthly_revenue": np.where(operating, revenue, np.iinfo(np.int64).min),
        "legal_pirt": yes_no(licence[:, :, 0]),
        "legal_halal": yes_no(licence[:, :, 1]),
        "legal_sni": yes_no(licence[:, :, 2]),
    }
    clip_share = float(np.mean(np.stack(clipped)))

    def planted(tau: np.ndarray) -> np.ndarray:
        t = tau[:, :, None]
        return np.concatenate([t, t, t], axis=2)

    fx = pd.concat(
        [
            realised_effects(
                "business_operating",
                operating_k,
                level="group",
                scale="proportion",
                planted=planted(tau_o),
                clipped=clip_share,
            ),
            realised_effects(
                "legalised",
                legal_k,
                level="group",
                scale="proportion (any of P-IRT, halal, SNI)",
                planted=planted(tau_l),
                clipped=clip_share,
            ),
            realised_effects(
                "monthly_revenue",
                revenue_k,
                level="group",
                scale="rupiah (0 when not operating)",
            ),
        ],
        ignore_index=True,
    )
    return GroupOutcomes(values, fx)


def simulate_costs(design: Design) -> pd.DataFrame:
    """Programme cost records: one row per group and cost component of its arm.

    Returns ``group_id, district_code, arm, component, cost_rp`` (component in codebook order).

    Examples
    --------
    >>> from jbp_analysis.simulate import SimConfig
    >>> from jbp_analysis.simulate.design import build_design
    >>> c = simulate_costs(build_design(SimConfig(seed=3, groups_per_district=3)))
    >>> sorted(set(c.arm)), bool((c.cost_rp % 1000 == 0).all())
    (['karitatif', 'kontrol', 'pendampingan'], True)
    """
    cfg = design.config
    rng = stream(cfg.seed, "groups/costs")
    components = list(load_codebook().value_sets["cost_component"])
    unit = np.array([[cfg.unit_costs[a].get(c, 0) for c in components] for a in ARMS], float)
    has = np.array([[c in cfg.unit_costs[a] for c in components] for a in ARMS])
    n_g = design.n_groups
    arm = design.group_arm.astype(np.int64)
    factor = np.exp(_COST_SD * rng.standard_normal((n_g, len(components))) - _COST_SD**2 / 2)
    cost = np.rint(unit[arm] * factor / 1000).astype(np.int64) * 1000
    keep = has[arm]
    g_idx, c_idx = np.nonzero(keep)
    return pd.DataFrame(
        {
            "group_id": pd.array(design.group_id[g_idx].astype(object), dtype="string"),
            "district_code": pd.array(design.group_district[g_idx].astype(object), dtype="string"),
            "arm": pd.Categorical.from_codes(arm[g_idx], categories=list(ARMS)),
            "component": pd.Categorical.from_codes(c_idx, categories=components),
            "cost_rp": pd.array(cost[g_idx, c_idx], dtype="Int64"),
        }
    )
