"""Settings of the simulated JBP cohort survey: :class:`SimConfig` and its validation.

Every setting has a default that reproduces the shipped sample; every bad value raises
:class:`~jbp_analysis.core.errors.ConfigError` with a message that names the setting.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import yaml

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.core.paths import PACKAGE_DATA
from jbp_analysis.study.codebook import load_codebook
from jbp_analysis.study.reference import resolve_district

__all__ = [
    "SimConfig",
    "ARMS",
    "TREATED_ARMS",
    "WAVES",
    "EFFECT_PARAMETERS",
    "DEFAULT_DISTRICTS",
    "DEFAULT_EFFECTS",
    "DEFAULT_FEMALE_RATIO",
    "DEFAULT_ATTRITION",
    "DEFAULT_ICC",
    "DEFAULT_UNIT_COSTS",
    "mess_catalogue",
    "code_of",
]

ARMS: tuple[str, ...] = tuple(load_codebook().arms)
"""Arms in the order of the processed ``arm`` Categorical (``kontrol`` is the reference)."""
TREATED_ARMS: tuple[str, ...] = ("karitatif", "pendampingan")
WAVES: tuple[str, ...] = tuple(load_codebook().waves)

# 3373 Kota Salatiga is SPPQT's home; 3322 Kab. Semarang and 3374 Kota Semarang share a name, as
# do 3308 Kab. Magelang and 3371 Kota Magelang: the cleaning step must keep them apart.
DEFAULT_DISTRICTS: tuple[str, ...] = ("3322", "3373", "3374", "3308", "3309", "3323")

# Planted effects of each treated arm against kontrol, as (endline, follow-up); baseline is 0.
# Keys are model parameters (see docs/simulation.md): probabilities in proportion points, money in
# rupiah per month, awareness in standard deviations of the latent factor.
EFFECT_PARAMETERS: dict[str, str] = {
    "employed": "P(employed, ILO) shift, proportion",
    "unemployed": "P(openly unemployed) shift, proportion",
    "own_business": "P(runs own business) shift, proportion",
    "household_income": "household monthly income shift, rupiah",
    "profit_if_owner": "monthly profit shift for a business owner, rupiah",
    "awareness": "critical-awareness latent factor shift, latent SD",
    "business_operating": "P(group business operating) shift, proportion",
    "legalised": "P(group product legalised) shift, proportion",
    "revenue_if_operating": "monthly revenue shift for an operating group business, rupiah",
}
DEFAULT_EFFECTS: dict[str, dict[str, tuple[float, float]]] = {
    "employed": {"karitatif": (0.05, 0.01), "pendampingan": (0.10, 0.12)},
    "unemployed": {"karitatif": (-0.03, -0.01), "pendampingan": (-0.06, -0.07)},
    "own_business": {"karitatif": (0.03, 0.01), "pendampingan": (0.08, 0.10)},
    "household_income": {"karitatif": (250_000, 30_000), "pendampingan": (350_000, 500_000)},
    "profit_if_owner": {"karitatif": (100_000, 20_000), "pendampingan": (300_000, 450_000)},
    "awareness": {"karitatif": (0.10, 0.02), "pendampingan": (0.40, 0.35)},
    "business_operating": {"karitatif": (0.10, 0.03), "pendampingan": (0.25, 0.25)},
    "legalised": {"karitatif": (0.02, 0.01), "pendampingan": (0.15, 0.20)},
    "revenue_if_operating": {
        "karitatif": (300_000, 100_000),
        "pendampingan": (1_000_000, 1_500_000),
    },
}
# Effect for women divided by the effect for men (respondent-level parameters only).
DEFAULT_FEMALE_RATIO: dict[str, float] = {
    "employed": 1.5,
    "unemployed": 1.5,
    "own_business": 1.3,
    "household_income": 0.8,
    "profit_if_owner": 1.0,
    "awareness": 1.25,
}
# Probability that a baseline respondent is not interviewed, as (endline, follow-up).
DEFAULT_ATTRITION: dict[str, tuple[float, float]] = {
    "kontrol": (0.12, 0.20),
    "karitatif": (0.08, 0.15),
    "pendampingan": (0.06, 0.10),
}
# Intra-cluster (group) correlation of each latent scale.
DEFAULT_ICC: dict[str, float] = {"labour": 0.10, "income": 0.08, "awareness": 0.12}
# Mean programme cost per group, rupiah, by arm and cost component (codebook value set
# cost_component). Each group's cost varies around it (log-normal, SD 0.15).
DEFAULT_UNIT_COSTS: dict[str, dict[str, int]] = {
    "pendampingan": {
        "mentor": 6_000_000,
        "training": 3_000_000,
        "grant": 2_500_000,
        "legalisation": 1_500_000,
        "admin": 1_200_000,
    },
    "karitatif": {"training": 750_000, "grant": 7_500_000, "admin": 800_000},
    "kontrol": {"admin": 250_000},
}
_PROBABILITY_PARAMS = {"employed", "unemployed", "own_business", "business_operating", "legalised"}
_MONEY_PARAMS = {"household_income", "profit_if_owner", "revenue_if_operating"}
_MAX_GROUP_SIZE = 99  # member numbers are two digits in respondent ids ("...-G03-07")
_MAX_RESPONDENTS = 10_000_000


@lru_cache(maxsize=1)
def mess_catalogue() -> dict[str, dict[str, Any]]:
    """The mess types of ``jbp_analysis/data/mess_types.yaml``, in catalogue order.

    Examples
    --------
    >>> cat = mess_catalogue()
    >>> cat["rupiah_format"]["rule"], cat["csv_dialect"]["unit"]
    ('rupiah_parse', 'file')
    """
    raw = yaml.safe_load((PACKAGE_DATA / "mess_types.yaml").read_text(encoding="utf-8"))
    return dict(raw["types"])


def code_of(value_set: str, value: object) -> int:
    """The codebook code of ``value`` in ``value_set`` (``code_of("yes_no", True)`` -> 1).

    Examples
    --------
    >>> code_of("sex", "female"), code_of("yes_no", False), code_of("marital_status", "married")
    (2, 2, 2)
    """
    for code, entry in load_codebook().value_sets[value_set].items():
        if entry.get("value", code) == value:
            return int(code)
    raise KeyError(f"value {value!r} is not in the codebook value set {value_set!r}")


def _default_rates() -> dict[str, float]:
    return {k: float(v["rate"]) for k, v in mess_catalogue().items() if v["rate"] is not None}


@dataclass(frozen=True)
class SimConfig:
    """Every setting of the simulated survey; the defaults are the shipped sample.

    Parameters
    ----------
    seed
        Seed of every random draw. Same seed and settings give byte-identical files.
    districts
        BPS codes (or unambiguous names such as ``"Kab. Semarang"``) of the districts.
    groups_per_district
        Kelompok per district, spread over the cohorts (cohort 1 gets the first ones).
    group_size
        Members per kelompok, each from a different household.
    n_cohorts
        Cohorts with staggered start months.
    first_start
        Start month of cohort 1, ``"YYYY-MM"``.
    cohort_gap_months
        Months between the starts of consecutive cohorts.
    female_share
        Expected share of women among members.
    effects
        Planted effects ``{parameter: {arm: (endline, followup)}}`` against ``kontrol``; missing
        entries take the defaults (:data:`DEFAULT_EFFECTS`). The baseline effect is always 0.
    female_ratio
        ``{parameter: effect for women / effect for men}`` (heterogeneity by sex).
    icc
        ``{"labour" | "income" | "awareness": ICC}`` of the group random effect on each latent
        scale.
    attrition
        ``{arm: (endline, followup)}``: probability that a baseline respondent is not
        interviewed in that wave.
    attrition_selection
        Correlation (0 to 0.9) between the attrition latent and the labour latent: attriters are
        more often employed (migrants), so complete-case estimates are biased.
    mess
        Overall mess level: each mess type's rate is multiplied by it; 0 plants no mess at all.
    mess_rates
        Per-type rate overrides ``{mess_type: rate}`` (rates at ``mess=1``).
    unit_costs
        ``{arm: {component: mean cost per group}}`` in rupiah.
    file_format
        ``"auto"`` (``"mixed"`` up to 50,000 respondents, else ``"csv"``), ``"mixed"`` (the
        endline respondent and group files as XLSX, the rest CSV), ``"csv"`` or ``"xlsx"``
        (every per-wave file as XLSX).
    rupiah_precision
        Respondents report income and profit rounded to this many rupiah (revenue: 5 times it).
    design
        ``"randomised"`` (arms drawn at random within district x cohort) or ``"observational"``
        (groups join the programme where members are more educated and more often already in
        business: :func:`jbp_analysis.simulate.observational.select_groups`).

    Examples
    --------
    >>> cfg = SimConfig(seed=1, districts=("3322", "Kota Salatiga"), groups_per_district=6)
    >>> cfg.districts, cfg.n_groups, cfg.n_respondents
    (('3322', '3373'), 12, 300)
    >>> SimConfig(groups_per_district=0)
    Traceback (most recent call last):
    ...
    jbp_analysis.core.errors.ConfigError: groups_per_district must be a positive whole number, got 0
    """

    seed: int = 20170401
    districts: tuple[str, ...] = DEFAULT_DISTRICTS
    groups_per_district: int = 12
    group_size: int = 25
    n_cohorts: int = 2
    first_start: str = "2017-04"
    cohort_gap_months: int = 3
    female_share: float = 0.55
    effects: Mapping[str, Mapping[str, tuple[float, float]]] = field(default_factory=dict)
    female_ratio: Mapping[str, float] = field(default_factory=dict)
    icc: Mapping[str, float] = field(default_factory=dict)
    attrition: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    attrition_selection: float = 0.3
    mess: float = 1.0
    mess_rates: Mapping[str, float] = field(default_factory=dict)
    unit_costs: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    file_format: Literal["auto", "mixed", "csv", "xlsx"] = "auto"
    rupiah_precision: int = 10_000
    design: Literal["randomised", "observational"] = "randomised"

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        set_("seed", _whole("seed", self.seed, minimum=0))
        if isinstance(self.districts, str):
            set_("districts", tuple(d for d in self.districts.split(",") if d.strip()))
        codes = tuple(resolve_district(d) for d in self.districts)
        if not codes:
            raise ConfigError("districts must name at least one district")
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            raise ConfigError(f"districts lists {', '.join(dup)} more than once")
        set_("districts", codes)
        set_("groups_per_district", _whole("groups_per_district", self.groups_per_district, 1))
        set_("group_size", _whole("group_size", self.group_size, 1))
        if self.group_size > _MAX_GROUP_SIZE:
            raise ConfigError(
                f"group_size must be at most {_MAX_GROUP_SIZE}, got {self.group_size}"
            )
        set_("n_cohorts", _whole("n_cohorts", self.n_cohorts, 1))
        cohort_max = int(load_codebook().variable("assignment", "cohort").range[1])
        if self.n_cohorts > min(cohort_max, self.groups_per_district):
            raise ConfigError(
                f"n_cohorts must be at most {cohort_max} and at most groups_per_district "
                f"({self.groups_per_district}) so every cohort has a group in every district, "
                f"got {self.n_cohorts}"
            )
        if self.n_respondents > _MAX_RESPONDENTS:
            raise ConfigError(
                f"{self.n_respondents:,} respondents is more than the supported "
                f"{_MAX_RESPONDENTS:,}; lower groups_per_district or group_size"
            )
        try:
            start = np.datetime64(str(self.first_start), "M")
        except ValueError:
            raise ConfigError(
                f"first_start must be a month 'YYYY-MM', got {self.first_start!r}"
            ) from None
        if not np.datetime64("2000-01") <= start <= np.datetime64("2090-12"):
            raise ConfigError(f"first_start must be between 2000-01 and 2090-12, got {start}")
        set_("first_start", str(start))
        set_("cohort_gap_months", _whole("cohort_gap_months", self.cohort_gap_months, 0))
        set_("female_share", _fraction("female_share", self.female_share, closed=True))
        set_("effects", _effects(self.effects))
        set_("female_ratio", _female_ratio(self.female_ratio))
        set_("icc", _icc(self.icc))
        set_("attrition", _attrition(self.attrition))
        sel = _number("attrition_selection", self.attrition_selection)
        if not 0 <= sel <= 0.9:
            raise ConfigError(f"attrition_selection must be between 0 and 0.9, got {sel}")
        set_("attrition_selection", sel)
        mess = _number("mess", self.mess)
        if mess < 0:
            raise ConfigError(f"mess must be 0 (no mess) or positive, got {mess}")
        set_("mess", mess)
        set_("mess_rates", _mess_rates(self.mess_rates, mess))
        set_("unit_costs", _unit_costs(self.unit_costs))
        if self.file_format not in ("auto", "mixed", "csv", "xlsx"):
            raise ConfigError(
                f"file_format must be auto, mixed, csv or xlsx, got {self.file_format!r}"
            )
        set_("rupiah_precision", _whole("rupiah_precision", self.rupiah_precision, 1))
        if self.design not in ("randomised", "observational"):
            raise ConfigError(f"design must be randomised or observational, got {self.design!r}")
        if 1_000_000 % self.rupiah_precision:
            raise ConfigError(
                "rupiah_precision must divide 1,000,000 (e.g. 1000, 10000, 50000), "
                f"got {self.rupiah_precision}"
            )

    # ------------------------------------------------------------------ derived sizes
    @property
    def n_groups(self) -> int:
        """Number of kelompok."""
        return len(self.districts) * self.groups_per_district

    @property
    def n_respondents(self) -> int:
        """Number of respondents on the baseline roster."""
        return self.n_groups * self.group_size

    @property
    def resolved_format(self) -> str:
        """``file_format`` with ``"auto"`` resolved."""
        if self.file_format == "auto":
            return "mixed" if self.n_respondents <= 50_000 else "csv"
        return self.file_format

    def rate(self, mess_type: str) -> float:
        """Probability that one eligible unit gets ``mess_type`` (configured rate x ``mess``)."""
        return float(self.mess_rates[mess_type]) * self.mess

    def effect(self, parameter: str, arm: str, wave: str) -> float:
        """Planted effect (all respondents) of ``arm`` against kontrol at ``wave``."""
        if arm == "kontrol" or wave == "baseline":
            return 0.0
        return float(self.effects[parameter][arm][WAVES.index(wave) - 1])

    def __hash__(self) -> int:  # the mapping fields are dicts; hash their JSON form
        import json

        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able representation (used in ``SIMULATED.json``)."""
        out = dataclasses.asdict(self)
        if out["design"] == "randomised":  # keeps SIMULATED.json of randomised samples unchanged
            del out["design"]
        out["districts"] = list(self.districts)
        for key in ("effects", "attrition", "unit_costs"):
            out[key] = _plain(out[key])
        return out


# ---------------------------------------------------------------------- validation helpers
def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(float(value)):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _whole(name: str, value: Any, minimum: int) -> int:
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
    if not ok or value < minimum:
        kind = "a positive whole number" if minimum == 1 else f"a whole number >= {minimum}"
        raise ConfigError(f"{name} must be {kind}, got {value!r}")
    return int(value)


def _fraction(name: str, value: Any, *, closed: bool = False) -> float:
    v = _number(name, value)
    if not (0 <= v <= 1 if closed else 0 <= v < 1):
        interval = "[0, 1]" if closed else "[0, 1)"
        raise ConfigError(f"{name} must be in {interval}, got {v}")
    return v


def _pair(name: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ConfigError(f"{name} must be a pair (endline, followup), got {value!r}")
    return (_number(name, value[0]), _number(name, value[1]))


def _effects(given: Mapping[str, Any]) -> dict[str, dict[str, tuple[float, float]]]:
    unknown = sorted(set(given) - set(EFFECT_PARAMETERS))
    if unknown:
        raise ConfigError(
            f"unknown effect parameter(s) {', '.join(unknown)}; known: "
            + ", ".join(EFFECT_PARAMETERS)
        )
    out = {k: dict(v) for k, v in DEFAULT_EFFECTS.items()}
    for param, by_arm in given.items():
        if not isinstance(by_arm, Mapping):
            raise ConfigError(f"effects[{param!r}] must map arms to (endline, followup) pairs")
        for arm, pair in by_arm.items():
            if arm not in TREATED_ARMS:
                raise ConfigError(
                    f"effects[{param!r}] names arm {arm!r}; effects are given for "
                    f"{' and '.join(TREATED_ARMS)} against kontrol"
                )
            end, fol = _pair(f"effects[{param!r}][{arm!r}]", pair)
            if param in _PROBABILITY_PARAMS and not (abs(end) < 1 and abs(fol) < 1):
                raise ConfigError(
                    f"effects[{param!r}][{arm!r}] is a change in probability and must lie "
                    f"strictly between -1 and 1, got {(end, fol)}"
                )
            out[param][arm] = (end, fol)
    return out


def _female_ratio(given: Mapping[str, Any]) -> dict[str, float]:
    unknown = sorted(set(given) - set(DEFAULT_FEMALE_RATIO))
    if unknown:
        raise ConfigError(
            f"female_ratio has unknown parameter(s) {', '.join(unknown)}; known: "
            + ", ".join(DEFAULT_FEMALE_RATIO)
        )
    out = dict(DEFAULT_FEMALE_RATIO)
    for k, v in given.items():
        r = _number(f"female_ratio[{k!r}]", v)
        if r < 0:
            raise ConfigError(f"female_ratio[{k!r}] must be >= 0, got {r}")
        out[k] = r
    return out


def _icc(given: Mapping[str, Any]) -> dict[str, float]:
    unknown = sorted(set(given) - set(DEFAULT_ICC))
    if unknown:
        raise ConfigError(
            f"icc has unknown scale(s) {', '.join(unknown)}; known: labour, income, awareness"
        )
    out = dict(DEFAULT_ICC)
    for k, v in given.items():
        x = _number(f"icc[{k!r}]", v)
        if not 0 <= x <= 0.6:
            raise ConfigError(f"icc[{k!r}] must be between 0 and 0.6, got {x}")
        out[k] = x
    return out


def _attrition(given: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    unknown = sorted(set(given) - set(ARMS))
    if unknown:
        raise ConfigError(
            f"attrition names unknown arm(s) {', '.join(unknown)}; arms: {', '.join(ARMS)}"
        )
    out = dict(DEFAULT_ATTRITION)
    for arm, pair in given.items():
        end, fol = _pair(f"attrition[{arm!r}]", pair)
        for wave, p in (("endline", end), ("followup", fol)):
            if not 0 <= p < 1:
                raise ConfigError(
                    f"attrition[{arm!r}] at {wave} must be a probability in [0, 1), got {p}"
                )
        out[arm] = (end, fol)
    return out


def _mess_rates(given: Mapping[str, Any], mess: float) -> dict[str, float]:
    defaults = _default_rates()
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ConfigError(
            f"mess_rates names unknown mess type(s) {', '.join(unknown)}; types with a rate: "
            + ", ".join(defaults)
        )
    out = dict(defaults)
    for k, v in given.items():
        r = _number(f"mess_rates[{k!r}]", v)
        if r < 0:
            raise ConfigError(f"mess_rates[{k!r}] must be >= 0, got {r}")
        out[k] = r
    for k, r in out.items():
        if r * mess > 1:
            raise ConfigError(
                f"mess type {k!r} would be planted with probability {r} x mess {mess} = "
                f"{r * mess:g} > 1; lower mess or the rate"
            )
    dup = sum(out[k] for k in ("exact_duplicate", "near_duplicate", "conflicting_duplicate"))
    if dup * mess > 0.5:
        raise ConfigError(
            f"duplicate submissions would affect {dup * mess:.0%} of rows; at most 50% is allowed"
        )
    return out


def _unit_costs(given: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    components = set(load_codebook().value_sets["cost_component"])
    out = {k: dict(v) for k, v in DEFAULT_UNIT_COSTS.items()}
    for arm, by_comp in given.items():
        if arm not in ARMS:
            raise ConfigError(f"unit_costs names unknown arm {arm!r}; arms: {', '.join(ARMS)}")
        if not isinstance(by_comp, Mapping):
            raise ConfigError(f"unit_costs[{arm!r}] must map cost components to rupiah")
        comp = {}
        for c, v in by_comp.items():
            if c not in components:
                raise ConfigError(
                    f"unit_costs[{arm!r}] names unknown component {c!r}; codebook components: "
                    + ", ".join(sorted(components))
                )
            x = _number(f"unit_costs[{arm!r}][{c!r}]", v)
            if x < 0:
                raise ConfigError(f"unit_costs[{arm!r}][{c!r}] must be >= 0 rupiah, got {x}")
            comp[c] = int(round(x))
        out[arm] = comp
    return out
