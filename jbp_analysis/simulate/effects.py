"""Planted effects by arm, wave and sex, and the exact realised effects from potential outcomes.

:func:`effect_table` expands a model parameter of :class:`~jbp_analysis.simulate.SimConfig` into
an array ``tau[arm, wave, sex]``. The all-respondent effect ``tau`` is split between men and women
so that the ratio women/men is ``female_ratio`` and the expected average over the configured
``female_share`` is ``tau`` again:
``tau_male = tau / (1 - f + f * r)`` and ``tau_female = r * tau_male``.

:func:`realised_effects` computes, from the potential outcomes ``Y_i(a)`` of every roster member
under every arm, the finite-population average treatment effect
``mean_i[Y_i(a) - Y_i(kontrol)]`` over all roster members (responders and non-responders), for
all, men and women. With randomised assignment a plain difference in means of the roster
estimates exactly this number (Neyman 1923; Imbens and Rubin 2015, ch. 6).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from jbp_analysis.simulate.config import ARMS, TREATED_ARMS, WAVES, SimConfig

__all__ = ["effect_table", "unit_effects", "realised_effects", "EFFECT_COLUMNS"]

EFFECT_COLUMNS = [
    "outcome",
    "level",
    "arm",
    "wave",
    "subgroup",
    "effect",
    "planted",
    "scale",
    "n",
    "clipped",
]


def effect_table(cfg: SimConfig, parameter: str, *, money: bool = False) -> np.ndarray:
    """``tau[arm, wave, sex]`` (sex 0 = male, 1 = female) for one effect parameter.

    Money effects are rounded to multiples of ``cfg.rupiah_precision`` per sex, so rounded
    reports stay exact.

    Examples
    --------
    >>> t = effect_table(SimConfig(), "employed")
    >>> t.shape, float(t[0].max()), bool(t[2, 1, 1] > t[2, 1, 0] > 0)
    ((3, 3, 2), 0.0, True)
    """
    tau = np.zeros((len(ARMS), len(WAVES), 2))
    ratio = cfg.female_ratio.get(parameter, 1.0)
    f = cfg.female_share
    denom = 1.0 - f + f * ratio
    for a, arm in enumerate(ARMS):
        for w, wave in enumerate(WAVES):
            t = cfg.effect(parameter, arm, wave)
            male = t / denom if denom > 0 else t
            female = ratio * male if denom > 0 else t
            if money:
                p = cfg.rupiah_precision
                male, female = round(male / p) * p, round(female / p) * p
            tau[a, w] = (male, female)
    return tau


def unit_effects(tau: np.ndarray, arm: np.ndarray, female: np.ndarray) -> np.ndarray:
    """Per-unit effects ``(n, 3 waves)`` for units in arms ``arm`` with sex ``female``."""
    return tau[arm][np.arange(len(arm)), :, female.astype(np.int64)]


def planted_all(cfg: SimConfig, tau: np.ndarray) -> np.ndarray:
    """Expected all-respondent effect ``[arm, wave]`` of a sex-split table."""
    f = cfg.female_share
    return (1 - f) * tau[:, :, 0] + f * tau[:, :, 1]


def realised_effects(
    outcome: str,
    potential: Sequence[np.ndarray],
    *,
    level: str,
    scale: str,
    female: np.ndarray | None = None,
    planted: np.ndarray | None = None,
    clipped: float = 0.0,
) -> pd.DataFrame:
    """Tidy table of finite-population effects from potential outcomes.

    Parameters
    ----------
    outcome
        Name of the processed outcome the effect is on.
    potential
        ``potential[k]`` is the ``(units, 3 waves)`` outcome of every unit had it been assigned
        arm ``ARMS[k]``.
    level
        ``"respondent"`` or ``"group"``.
    scale
        Unit of the effect (``"proportion"``, ``"rupiah"``, ...).
    female
        Sex of each unit (respondents); adds the ``male`` and ``female`` subgroups.
    planted
        ``planted[arm, wave, sex]`` model parameter (expected effect), if the outcome has one.
    clipped
        Share of unit-waves whose probability had to be clipped into [0, 1] (then ``effect``
        and ``planted`` may differ by more than sampling noise).
    """
    subgroups: list[tuple[str, np.ndarray | None, int | None]] = [("all", None, None)]
    if female is not None:
        subgroups += [("male", ~female, 0), ("female", female, 1)]
    rows = []
    y0 = np.asarray(potential[0], dtype=np.float64)
    for a, arm in enumerate(ARMS):
        if arm not in TREATED_ARMS:
            continue
        diff = np.asarray(potential[a], dtype=np.float64) - y0
        for sub, mask, sex in subgroups:
            d = diff if mask is None else diff[mask]
            eff = d.mean(axis=0) if len(d) else np.full(len(WAVES), np.nan)
            for w, wave in enumerate(WAVES):
                if planted is None:
                    plant = np.nan
                elif sex is None:
                    plant = float(planted[a, w, 2]) if planted.shape[2] == 3 else np.nan
                else:
                    plant = float(planted[a, w, sex])
                rows.append(
                    (outcome, level, arm, wave, sub, float(eff[w]), plant, scale, len(d), clipped)
                )
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def with_all(cfg: SimConfig, tau: np.ndarray) -> np.ndarray:
    """``tau[arm, wave, (male, female, all)]``: a sex-split table plus the expected average."""
    return np.concatenate([tau, planted_all(cfg, tau)[:, :, None]], axis=2)
