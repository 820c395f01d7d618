"""JBP evaluation suite: simulate, clean, estimate and report on Jamaah Bisnis Produktif surveys.

The researcher API is importable from here (loaded on first use, so ``jbp --help`` stays quick)::

    from jbp_analysis import load, build_outcomes, impact, impact_table, balance_table
    data = load()                      # processed data + the study's plan and design
    df = data.outcomes()
    impact(df, outcome="openly_unemployed", design=data.design)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> module that defines it.
_API: dict[str, str] = {
    "load": "jbp_analysis.study.data",
    "load_plan": "jbp_analysis.study.plan",
    "StudyDesign": "jbp_analysis.study.design",
    "build_outcomes": "jbp_analysis.outcomes",
    "impact": "jbp_analysis.estimate",
    "impact_table": "jbp_analysis.estimate",
    "balance_table": "jbp_analysis.analyses.balance",
    "attrition": "jbp_analysis.analyses.attrition",
    "lee_bounds": "jbp_analysis.analyses.attrition",
    "heterogeneity": "jbp_analysis.analyses.heterogeneity",
    "wave_effects": "jbp_analysis.analyses.dynamics",
    "cohort_effects": "jbp_analysis.analyses.dynamics",
    "did_table": "jbp_analysis.analyses.did_table",
    "cost_effectiveness": "jbp_analysis.analyses.cost_effectiveness",
    "power_table": "jbp_analysis.planning.power",
    "att": "jbp_analysis.observational",
    "overlap": "jbp_analysis.observational",
    "drdid": "jbp_analysis.observational",
}
_ALIASES: dict[str, str] = {}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        module = importlib.import_module(_API[name])
        value = getattr(module, _ALIASES.get(name, name))
        globals()[name] = value
        return value
    raise AttributeError(f"module 'jbp_analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
