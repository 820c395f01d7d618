r"""The respondent outcome model, with planted effects, group random effects and attrition.

Notation: member :math:`i` of group :math:`g`, wave :math:`w \in \{0, 1, 2\}` (months 0, 4, 12),
arm :math:`a`; :math:`\Phi` is the standard normal CDF. All :math:`u, s, e, \xi` are independent
standard normal draws. Full description, defaults and rationale: ``docs/simulation.md``.

Background (baseline covariates)
    sex (``female_share`` women), age 16-30 from the birth date, education (5 levels; younger
    members rarely tertiary), household size :math:`1 + \mathrm{Poisson}(3.1)` capped at 12,
    marital status (logistic in age and sex; some marry between waves).

Labour (BPS Sakernas / ILO)
    A latent :math:`Z_{iw} = \sqrt{\rho}\,u_g + \sqrt{0.35}\,s_i + \sqrt{0.65-\rho}\,e_{iw}` with
    group ICC :math:`\rho` = ``icc["labour"]`` and :math:`U_{iw} = \Phi(Z_{iw})` uniform. Covariates
    set the kontrol probabilities of four exclusive states: own business :math:`p_B`, other
    employment :math:`p_W`, open unemployment :math:`p_U`, out of the labour force (rest).
    Treatment shifts them linearly:
    :math:`c_1 = p_B + \tau_B`, :math:`c_2 = p_B + p_W + \tau_E`,
    :math:`c_3 = c_2 + p_U + \tau_U`; the state is B if :math:`U < c_1`, W if :math:`U < c_2`,
    U if :math:`U < c_3`, else N. Because :math:`U` is uniform and independent of the covariates,
    :math:`P(\text{employed})` moves by exactly :math:`\tau_E` (and own business by :math:`\tau_B`,
    unemployment by :math:`\tau_U`) as long as no threshold leaves [0, 1] (``clipped`` reports
    it). The Sakernas answers follow from the state and the form's skip logic (codebook
    ``relevant``): employed members worked last week (94%) or were temporarily absent; the openly
    unemployed (BPS pengangguran terbuka) look for work, prepare a business, or do neither because
    they are discouraged (putus asa) or have a job or business that has not started yet (reason
    question r4a); members out of the labour force neither look nor prepare, give another reason
    (school, household, other), and 12% of them say they would accept a job (available but not
    seeking: unemployed under neither the BPS nor the ILO definition).

Income and profit (rupiah per month)
    :math:`\log Y^0_{iw} = \log 2.4\text{M} + x_i'\beta + 0.55\,(\sqrt{\rho_I}\,u^I_g +
    \sqrt{0.4}\,s^I_i + \sqrt{0.6-\rho_I}\,e^I_{iw})`, rounded to ``rupiah_precision``, then
    :math:`Y_{iw}(a) = Y^0_{iw} + \tau_I(a, w, \text{sex})` with the effect rounded to the same
    precision (so rounding never changes it). Business owners report a profit
    :math:`P^0_{iw}` (log-normal, median Rp 1.2M; 8% report a loss) plus
    :math:`\tau_P(a, w, \text{sex})`.

Critical awareness (kesadaran kritis)
    :math:`\theta_{iw}(a) = x_i'\gamma + \sqrt{\rho_A}\,u^A_g + \sqrt{0.45}\,s^A_i +
    \sqrt{0.55-\rho_A}\,e^A_{iw} + \tau_A(a, w, \text{sex})`. Item :math:`j` is answered
    :math:`1 + \#\{k: \lambda_j d_j \theta + \delta_j + 0.8\,\varepsilon_{ijw} > \kappa_k\}` with
    cut points :math:`\kappa = (-1.6, -0.6, 0.3, 1.3)`, and :math:`d_j = -1` for reverse-worded
    items (codebook ``reverse``), which are thus answered in reverse. Three indices are
    reported: the mean item (reverse items reversed), and the KLK (Kling, Liebman and Katz 2007)
    and Anderson (2008) indices standardised on the kontrol arm at baseline.

Attrition
    :math:`V_{iw} = \Phi(\sigma Z_{iw} + \sqrt{1-\sigma^2}(\sqrt{.5}\,m_i + \sqrt{.5}\,n_{iw}))`
    with :math:`\sigma` = ``attrition_selection``; member :math:`i` is not interviewed at wave
    :math:`w \geq 1` if :math:`V_{iw} <` ``attrition[arm][w]``. :math:`V` is uniform, so the
    attrition probability per arm and wave is exactly the configured one, and attriters are more
    often employed (low :math:`Z`).

Effects
    Every outcome is generated for every member under every arm from the same draws (potential
    outcomes), so :func:`~jbp_analysis.simulate.effects.realised_effects` gives the exact
    finite-population effect a difference in means on the full roster estimates (Neyman 1923);
    ``planted`` is the model parameter (its expectation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from jbp_analysis.simulate.config import ARMS, code_of
from jbp_analysis.simulate.consumption import simulate_consumption
from jbp_analysis.simulate.design import Design
from jbp_analysis.simulate.effects import effect_table, realised_effects, unit_effects, with_all
from jbp_analysis.simulate.rng import stream
from jbp_analysis.study.codebook import load_codebook

__all__ = ["RespondentOutcomes", "simulate_respondents", "INT_BLANK", "ITEM_PARAMETERS"]

INT_BLANK = np.iinfo(np.int64).min
"""Blank (not asked / skipped) marker in int64 arrays; categories use code 0."""

# (loading lambda, location delta) of each awareness item; reverse items are flipped by the codebook.
ITEM_PARAMETERS: dict[str, tuple[float, float]] = {
    "ca01_know_dana_desa": (1.0, -0.5),
    "ca02_attend_musdes": (0.9, -0.7),
    "ca03_right_budget_report": (1.0, 0.8),
    "ca04_report_misuse": (1.1, 0.3),
    "ca05_petty_bribe_ok": (0.9, 0.3),
    "ca06_youth_efficacy": (1.0, 0.1),
    "ca07_follow_apbdes": (1.1, -0.4),
    "ca08_budget_not_youth": (1.0, -0.1),
    "ca09_discuss_budget": (1.2, -0.3),
    "ca10_gift_vote_ok": (0.9, 0.4),
}
_CUTS = np.array([-1.6, -0.6, 0.3, 1.3], dtype=np.float32)
_ITEM_NOISE = 0.8
_EDU_PROBS = np.array([0.03, 0.14, 0.30, 0.43, 0.10])
YES, NO = code_of("yes_no", True), code_of("yes_no", False)
_REASON_CODES = np.array(
    [
        code_of("reason_not_seeking", v)
        for v in (
            "hopeless",
            "job_accepted",
            "business_not_started",
            "in_school",
            "housework",
            "other",
        )
    ],
    dtype=np.int8,
)


@dataclass(frozen=True, eq=False)
class RespondentOutcomes:
    """Clean respondent answers for every roster member and wave, shape ``(n, 3)``.

    ``values`` maps canonical codebook names to arrays: categories as int8 codes (0 = blank),
    integers and rupiah as int64 (:data:`INT_BLANK` = blank). ``awareness_latent`` is the latent
    factor :math:`\\theta`, ``responded`` the interview indicator, ``effects`` the tidy table of
    realised and planted effects, ``group_effect`` the standard-normal group random effect
    :math:`u_g` (shared with the group module).
    """

    values: dict[str, np.ndarray]
    awareness_latent: np.ndarray
    responded: np.ndarray
    effects: pd.DataFrame
    group_effect: np.ndarray


def simulate_respondents(design: Design) -> RespondentOutcomes:
    """Draw background, labour, income, awareness and attrition for every roster member.

    Examples
    --------
    >>> from jbp_analysis.simulate import SimConfig
    >>> from jbp_analysis.simulate.design import build_design
    >>> out = simulate_respondents(build_design(SimConfig(seed=2, groups_per_district=3)))
    >>> out.values["worked_last_week"].shape, sorted(set(out.effects.outcome))[:2]
    ((450, 3), ['awareness_anderson', 'awareness_index'])
    """
    latent = _latents(design)
    values = _background(design)
    labour, states, labour_fx = _labour(design, values, latent)
    values.update(labour)
    money, money_fx = _money(design, values, latent, states)
    values.update(money)
    consumption, consumption_fx = simulate_consumption(design, values, latent)
    values.update(consumption)
    items, theta, aware_fx = _awareness(design, values, latent)
    values.update(items)
    responded = _attrition(design, latent["labour"])
    effects = pd.concat([labour_fx, money_fx, aware_fx, consumption_fx], ignore_index=True)
    return RespondentOutcomes(values, theta, responded, effects, latent["group"])


def _range(name: str) -> tuple[int, int]:
    lo, hi = load_codebook().variable("respondent", name).range
    return int(lo), int(hi)


# ---------------------------------------------------------------------- latent scales
def _latents(design: Design) -> dict[str, np.ndarray]:
    cfg = design.config
    rng = stream(cfg.seed, "outcomes/latent")
    n, n_groups = design.n, design.n_groups
    grp = design.member_group
    u = rng.standard_normal(n_groups)
    out: dict[str, np.ndarray] = {"group": u}
    s = rng.standard_normal(n)

    def scale(icc: float, person: float, g_eff: np.ndarray, p_eff: np.ndarray) -> np.ndarray:
        e = rng.standard_normal((n, 3))
        return (
            np.sqrt(icc) * g_eff[grp, None]
            + np.sqrt(person) * p_eff[:, None]
            + np.sqrt(1 - icc - person) * e
        )

    out["labour"] = scale(cfg.icc["labour"], 0.35, u, s)
    u_inc = 0.6 * u + 0.8 * rng.standard_normal(n_groups)
    s_inc = 0.5 * s + np.sqrt(0.75) * rng.standard_normal(n)
    out["income"] = scale(cfg.icc["income"], 0.4, u_inc, s_inc)
    u_aw = 0.5 * u + np.sqrt(0.75) * rng.standard_normal(n_groups)
    s_aw = rng.standard_normal(n)
    out["awareness"] = scale(cfg.icc["awareness"], 0.45, u_aw, s_aw)
    out["profit"] = scale(cfg.icc["income"], 0.4, u_inc, s_inc)
    return out


# ---------------------------------------------------------------------- background
def _background(design: Design) -> dict[str, np.ndarray]:
    cfg = design.config
    rng = stream(cfg.seed, "outcomes/background")
    n = design.n
    female = design.female
    age0 = design.age[:, 0]
    level = (rng.random(n)[:, None] > np.cumsum(_EDU_PROBS)[None, :-1]).sum(axis=1)  # 0..4
    level = np.where((age0 < 19) & (level == 4), 3, level)  # no degree before 19
    edu = np.array(list(load_codebook().value_sets["education"]), dtype=np.int8)[level]
    hh = np.clip(1 + rng.poisson(3.1, size=n), _range("household_size")[0], 12)
    logit = -4.2 + 0.28 * (age0 - 16) + 0.6 * female
    married0 = rng.random(n) < 1 / (1 + np.exp(-logit))
    ever = rng.random(n)
    never, married = (
        code_of("marital_status", "never_married"),
        code_of("marital_status", "married"),
    )
    divorced, widowed = code_of("marital_status", "divorced"), code_of("marital_status", "widowed")
    was = np.where(ever < 0.03, divorced, np.where(ever < 0.035, widowed, married))
    marital0 = np.where(married0, was, never)
    marry_later = rng.random(n)
    marital = np.repeat(marital0[:, None], 3, axis=1)
    single = marital0 == never
    marital[:, 1] = np.where(single & (marry_later < 0.015), married, marital0)
    marital[:, 2] = np.where(single & (marry_later < 0.05), married, marital0)
    education = np.zeros((n, 3), dtype=np.int8)
    education[:, 0] = edu  # asked at baseline only
    return {
        "sex": np.repeat(design.sex[:, None], 3, axis=1).astype(np.int8),
        "age": design.age.astype(np.int64),
        "education": education,
        "household_size": np.repeat(hh[:, None], 3, axis=1).astype(np.int64),
        "marital_status": marital.astype(np.int8),
    }


def _education_level(codes: np.ndarray) -> np.ndarray:
    """Education as its rank 1..5 in the codebook's ordered value set."""
    keys = np.array(list(load_codebook().value_sets["education"]))
    rank = np.zeros(int(keys.max()) + 1)
    rank[keys] = np.arange(1, len(keys) + 1)
    return rank[codes.astype(np.int64)]


def _covariates(design: Design, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {
        "male": (~design.female)[:, None].astype(np.float64),
        "age": values["age"].astype(np.float64),
        "edu": _education_level(values["education"][:, :1]),
        "hh": values["household_size"].astype(np.float64),
        "wave": np.arange(3)[None, :].astype(np.float64),
    }


# ---------------------------------------------------------------------- labour
def _labour(
    design: Design, values: dict[str, np.ndarray], latent: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], list[np.ndarray], pd.DataFrame]:
    cfg = design.config
    x = _covariates(design, values)
    p_emp = np.clip(
        0.34 + 0.16 * x["male"] + 0.018 * (x["age"] - 22) + 0.025 * (x["edu"] - 3.4)
        + 0.01 * x["wave"],
        0.12,
        0.75,
    )  # fmt: skip
    own_share = np.clip(0.22 + 0.04 * (x["edu"] <= 2) + 0.01 * (x["age"] - 22), 0.15, 0.40)
    p_b = own_share * p_emp
    p_w = p_emp - p_b
    u_share = np.clip(0.45 - 0.06 * (1 - x["male"]) + 0.03 * (x["edu"] - 3.4), 0.35, 0.60)
    p_u = (1 - p_emp) * u_share
    u = ndtr(latent["labour"])
    female = design.female
    tau = {k: effect_table(cfg, k) for k in ("employed", "own_business", "unemployed")}
    states, clipped = [], []
    for k in range(len(ARMS)):
        arm = np.full(design.n, k)
        t_e, t_b, t_u = (unit_effects(tau[p], arm, female) for p in tau)
        raw = (p_b + t_b, p_b + p_w + t_e, p_b + p_w + t_e + p_u + t_u)
        c1 = np.clip(raw[0], 0, 1)
        c2 = np.clip(raw[1], c1, 1)
        c3 = np.clip(raw[2], c2, 1)
        clipped.append((raw[0] != c1) | (raw[1] != c2) | (raw[2] != c3))
        states.append(((u >= c1).astype(np.int8) + (u >= c2) + (u >= c3)).astype(np.int8))
    arm = design.arm.astype(np.int64)
    state = np.choose(arm[:, None], states).astype(np.int8)
    clip_share = float(np.mean(np.stack(clipped)))
    answers = _sakernas(design, state)
    fx = [
        realised_effects(
            name,
            [pred(s) for s in states],
            level="respondent",
            scale="proportion",
            female=female,
            planted=with_all(cfg, tau[name]),
            clipped=clip_share,
        )
        for name, pred in (
            ("employed", lambda s: s <= 1),
            ("unemployed", lambda s: s == 2),
            ("own_business", lambda s: s == 0),
        )
    ]
    return answers, states, pd.concat(fx, ignore_index=True)


def _sakernas(design: Design, state: np.ndarray) -> dict[str, np.ndarray]:
    """Sakernas answers (codebook yes/no codes, 0 = not asked) from the labour state."""
    rng = stream(design.config.seed, "outcomes/sakernas")
    shape = state.shape
    employed = state <= 1
    worked = employed & (rng.random(shape) < 0.94)
    absent = employed & ~worked
    yes_no = lambda b: np.where(b, YES, NO).astype(np.int8)  # noqa: E731
    asked_r2 = ~worked
    asked_r3 = ~worked & ~absent
    # Open unemployment (BPS pengangguran terbuka): not working and looking for work, preparing a
    # business, discouraged (putus asa) or with a job/business not started yet. The unemployed
    # answer: look and available (45%), prepare and available (12%), all three (13%), neither but
    # discouraged (14%), neither but a job accepted (3%) or a business not yet started (1%), both
    # available; look only (7%), prepare only (5%), not available. Those outside the labour force
    # neither look nor prepare, give another reason (school 45%, household 40%, other 15%), and 12%
    # of them would accept a job if offered (available, not seeking: unemployed under neither
    # definition).
    v = rng.random(shape)
    unemp = state == 2
    cut = np.cumsum([0.45, 0.12, 0.13, 0.14, 0.03, 0.01, 0.07])
    kind = np.searchsorted(cut, v, side="right")  # 0..7
    look = unemp & np.isin(kind, (0, 2, 6))
    prepare = unemp & np.isin(kind, (1, 2, 7))
    extra = stream(design.config.seed, "outcomes/sakernas/reason")
    w, a = extra.random(shape), extra.random(shape)
    outside = state == 3
    available = (unemp & (kind <= 5)) | (outside & (a < 0.12))
    other_reason = np.searchsorted(np.cumsum([0.45, 0.40]), w, side="right")  # 0..2
    # value-set positions 1..6: hopeless, job_accepted, business_not_started, school, household, other
    reason_value = np.where(unemp, np.clip(kind - 2, 1, 3), 4 + other_reason)
    asked_reason = asked_r3 & ~look & ~prepare
    reason = np.where(asked_reason, _REASON_CODES[reason_value - 1], 0).astype(np.int8)
    hours_own = np.rint(rng.normal(36, 14, shape))
    hours_other = np.rint(rng.normal(43, 11, shape))
    hours = np.clip(np.where(state == 0, hours_own, hours_other), *_range("hours_worked"))
    hours = hours.astype(np.int64)
    return {
        "worked_last_week": yes_no(worked),
        "temp_absent": np.where(asked_r2, yes_no(absent), 0).astype(np.int8),
        "looking_for_work": np.where(asked_r3, yes_no(look), 0).astype(np.int8),
        "preparing_business": np.where(asked_r3, yes_no(prepare), 0).astype(np.int8),
        "reason_not_seeking": reason,
        "available_for_work": np.where(asked_r3, yes_no(available), 0).astype(np.int8),
        "hours_worked": np.where(worked, hours, INT_BLANK),
        "own_business": np.where(employed, yes_no(state == 0), 0).astype(np.int8),
    }


# ---------------------------------------------------------------------- income and profit
def _money(
    design: Design,
    values: dict[str, np.ndarray],
    latent: dict[str, np.ndarray],
    states: list[np.ndarray],
) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    cfg = design.config
    rng = stream(cfg.seed, "outcomes/money")
    prec = cfg.rupiah_precision
    x = _covariates(design, values)
    female = design.female
    log_inc = (
        np.log(2.4e6) + 0.10 * (x["edu"] - 3.4) + 0.06 * (x["hh"] - 4) + 0.03 * x["wave"]
        + 0.55 * latent["income"]
    )  # fmt: skip
    inc0 = np.rint(np.exp(log_inc) / prec).astype(np.int64) * prec
    loss = rng.random(latent["profit"].shape) < 0.08
    gain = np.exp(np.log(1.2e6) + 0.10 * (x["edu"] - 3.4) + 0.8 * latent["profit"])
    lost = -np.exp(np.log(3e5) + 0.6 * rng.standard_normal(loss.shape))
    profit0 = np.rint(np.where(loss, lost, gain) / prec).astype(np.int64) * prec
    tau_i = effect_table(cfg, "household_income", money=True)
    tau_p = effect_table(cfg, "profit_if_owner", money=True)
    income_k, owner_profit_k, profit_k = [], [], []
    for k in range(len(ARMS)):
        arm = np.full(design.n, k)
        inc = inc0 + unit_effects(tau_i, arm, female).astype(np.int64)
        prof = profit0 + unit_effects(tau_p, arm, female).astype(np.int64)
        income_k.append(np.clip(inc, *_range("household_income")))
        owner_profit_k.append(np.clip(prof, *_range("business_profit")))
        profit_k.append(np.where(states[k] == 0, owner_profit_k[k], 0))
    arm = design.arm.astype(np.int64)[:, None]
    state = np.choose(arm, states)
    fx = pd.concat(
        [
            realised_effects(
                "household_income",
                income_k,
                level="respondent",
                scale="rupiah",
                female=female,
                planted=with_all(cfg, tau_i),
            ),
            realised_effects(
                "business_profit",
                profit_k,
                level="respondent",
                scale="rupiah (0 without own business)",
                female=female,
            ),
        ],
        ignore_index=True,
    )
    out = {
        "household_income": np.choose(arm, income_k).astype(np.int64),
        "business_profit": np.where(state == 0, np.choose(arm, owner_profit_k), INT_BLANK),
    }
    return out, fx


# ---------------------------------------------------------------------- awareness
_INDICES = {
    "awareness_index": "item mean (1-5, reverse items reversed)",
    "awareness_klk": "KLK index (SD of kontrol at baseline)",
    "awareness_anderson": "Anderson index (SD of kontrol at baseline)",
}


@dataclass(frozen=True)
class _IndexReference:
    """Constants of the awareness indices, fitted on the kontrol arm at baseline.

    Items are reverse-coded, standardised by the reference mean and SD (ddof 1); the KLK index
    (Kling, Liebman and Katz 2007) is the mean z-score, the Anderson (2008) index the
    inverse-covariance weighted mean; both are re-standardised to mean 0, SD 1 in the reference.
    The indices are linear in the items, so their effects are exact from potential outcomes.
    """

    mean: np.ndarray
    sd: np.ndarray
    weights: np.ndarray
    centre: tuple[float, float]
    scale: tuple[float, float]

    @classmethod
    def fit(cls, oriented: np.ndarray) -> _IndexReference:
        mean, sd = oriented.mean(axis=0), oriented.std(axis=0, ddof=1)
        z = (oriented - mean) / sd
        w = np.linalg.solve(np.cov(z, rowvar=False), np.ones(z.shape[1]))
        w = w / w.sum()
        klk, anderson = z.mean(axis=1), z @ w
        return cls(
            mean,
            sd,
            w,
            (float(klk.mean()), float(anderson.mean())),
            (float(klk.std(ddof=1)), float(anderson.std(ddof=1))),
        )

    def indices(self, oriented: np.ndarray) -> dict[str, np.ndarray]:
        """The three indices of answers ``oriented`` (one linear map: ``oriented @ M + c``)."""
        k = len(self.mean)
        slope = np.column_stack(
            [
                np.full(k, 1.0 / k),
                1.0 / (k * self.sd) / self.scale[0],
                self.weights / self.sd / self.scale[1],
            ]
        )
        z_mean = self.mean / self.sd
        const = np.array(
            [
                0.0,
                (-z_mean.mean() - self.centre[0]) / self.scale[0],
                (-(z_mean @ self.weights) - self.centre[1]) / self.scale[1],
            ]
        )
        out = oriented @ slope + const
        return {name: out[:, j] for j, name in enumerate(_INDICES)}


def _awareness(
    design: Design, values: dict[str, np.ndarray], latent: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], np.ndarray, pd.DataFrame]:
    cfg = design.config
    rng = stream(cfg.seed, "outcomes/awareness")
    items = load_codebook().awareness_items()
    x = _covariates(design, values)
    theta0 = (
        0.22 * (x["edu"] - 3.4) + 0.10 * x["male"] + 0.05 * (x["age"] - 22) / 4
        + 0.03 * x["wave"] + latent["awareness"]
    )  # fmt: skip
    tau = effect_table(cfg, "awareness")
    female = design.female
    n = design.n
    lam = np.array([ITEM_PARAMETERS.get(v.name, (1.0, 0.0))[0] for v in items], np.float32)
    delta = np.array([ITEM_PARAMETERS.get(v.name, (1.0, 0.0))[1] for v in items], np.float32)
    sign = np.array([-1.0 if v.reverse else 1.0 for v in items], np.float32)
    arm = design.arm.astype(np.int64)
    answers = np.zeros((n, 3, len(items)), dtype=np.int8)
    theta_k = [theta0 + unit_effects(tau, np.full(n, k), female) for k in range(len(ARMS))]
    index_k = {name: [np.zeros((n, 3)) for _ in ARMS] for name in _INDICES}
    reference = None
    mine = [np.flatnonzero(arm == k) for k in range(len(ARMS))]
    for w in range(3):
        eps = _ITEM_NOISE * rng.standard_normal((n, len(items)), dtype=np.float32)
        for k in range(len(ARMS)):
            star = (lam * sign)[None, :] * theta_k[k][:, w, None].astype(np.float32)
            star += delta[None, :] + eps
            resp = np.ones(star.shape, dtype=np.int8)
            for cut in _CUTS:  # 1 + number of cut points below
                resp += star > cut
            oriented = np.where(sign < 0, 6 - resp, resp).astype(np.float64)
            if reference is None:  # baseline answers do not depend on the arm
                reference = _IndexReference.fit(oriented[arm == 0])
            for name, values in reference.indices(oriented).items():
                index_k[name][k][:, w] = values
            answers[mine[k], w, :] = resp[mine[k]]
    theta = np.choose(arm[:, None], theta_k)
    fx = pd.concat(
        [
            realised_effects(
                "awareness_latent",
                theta_k,
                level="respondent",
                scale="latent SD",
                female=female,
                planted=with_all(cfg, tau),
            ),
            *(
                realised_effects(
                    name, index_k[name], level="respondent", scale=scale, female=female
                )
                for name, scale in _INDICES.items()
            ),
        ],
        ignore_index=True,
    )
    out = {v.name: answers[:, :, j] for j, v in enumerate(items)}
    return out, theta, fx


# ---------------------------------------------------------------------- attrition
def _attrition(design: Design, z_labour: np.ndarray) -> np.ndarray:
    cfg = design.config
    rng = stream(cfg.seed, "outcomes/attrition")
    n = design.n
    sel = cfg.attrition_selection
    mover = rng.standard_normal(n)[:, None]
    noise = rng.standard_normal((n, 3))
    v = ndtr(sel * z_labour + np.sqrt(1 - sel**2) * np.sqrt(0.5) * (mover + noise))
    rates = np.array([(0.0, *cfg.attrition[a]) for a in ARMS])  # [arm, wave]
    lost = v < rates[design.arm.astype(np.int64)]
    lost[:, 0] = False  # the roster is the baseline
    return ~lost
