"""What each indicator built in :mod:`jbp_analysis.outcomes` is: its kind, defined once.

The analysis plan (``study/analysis_plan.yaml``) names outcomes, covariates and subgroup
dimensions; :func:`jbp_analysis.study.plan.load_plan` checks each name against the codebook (raw
variables) and this catalogue (built indicators), and checks that the unit the plan declares fits
the kind: a ``share`` must be a yes/no indicator, ``rupiah`` money, ``sd`` a standardised index.
Reports format values by the unit (never by guessing from a column's name).

Examples
--------
>>> INDICATORS["openly_unemployed"]
'binary'
>>> unit_for_kind("rupiah"), unit_for_kind("binary")
('rupiah', 'share')
"""

from __future__ import annotations

from typing import Literal

__all__ = ["INDICATORS", "Kind", "unit_for_kind", "UNITS"]

Kind = Literal["binary", "rupiah", "sd", "number", "category"]

#: The units a plan may declare, and the kinds each fits.
UNITS: dict[str, tuple[str, ...]] = {
    "share": ("binary",),
    "rupiah": ("rupiah",),
    "sd": ("sd",),
    "number": ("number", "rupiah", "sd"),
}

#: Every column that :func:`~jbp_analysis.outcomes.build_outcomes` (and the design indicators)
#: adds to the panel, with its kind.
INDICATORS: dict[str, Kind] = {
    # labour (Sakernas / ILO; see outcomes.build.employment_status)
    "lf_status": "category",
    "employed": "binary",
    "in_labour_force": "binary",
    "unemployed": "binary",
    "openly_unemployed": "binary",
    "unemployed_bps": "binary",
    "unemployed_ilo": "binary",
    "runs_business": "binary",
    # income (deflated, winsorised within wave)
    "income_household": "rupiah",
    "income_per_capita": "rupiah",
    "income_household_ihs": "number",
    "income_per_capita_ihs": "number",
    "profit": "rupiah",
    "profit_ihs": "number",
    # critical awareness (standardised on the control group at baseline)
    "awareness_anderson": "sd",
    "awareness_klk": "sd",
    # poverty (BPS lines; FGT indices)
    "consumption_household": "rupiah",
    "consumption_imputed_items": "number",
    "consumption_per_capita": "rupiah",
    "poverty_line": "rupiah",
    "poor": "binary",
    "poverty_gap": "number",
    "poverty_gap_sq": "number",
    "income_poor": "binary",
    # group (kelompok) outcomes (outcomes.build.build_group_outcomes)
    "revenue": "rupiah",
    "revenue_ihs": "number",
    "legalised": "binary",
    # design indicators (outcomes.build.attach_design_indicators)
    "female": "binary",
    "stratum": "category",
}

_CODEBOOK_KINDS: dict[str, Kind] = {
    "rupiah": "rupiah",
    "integer": "number",
    "number": "number",
    "category": "category",
}


def unit_for_kind(kind: str) -> str:
    """The display unit of an indicator kind: ``binary`` -> ``share``, ``sd`` -> ``sd`` ..."""
    return {"binary": "share", "rupiah": "rupiah", "sd": "sd"}.get(kind, "number")


def codebook_kind(var_type: str, codes: str | None) -> Kind:
    """The kind of a raw codebook variable: yes/no questions are ``binary``."""
    if var_type == "category" and codes == "yes_no":
        return "binary"
    return _CODEBOOK_KINDS.get(var_type, "category")
