"""Imported once into each warm kernel by the runner, so notebooks find these modules loaded.

Importing pandas, matplotlib, statsmodels and the analysis modules costs seconds per kernel;
the runner's workers pay it once, not once per district.
"""

from __future__ import annotations

import importlib

__all__ = ["MODULES", "loaded"]

MODULES: tuple[str, ...] = (
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "matplotlib.pyplot",
    "matplotlib.backends.backend_pdf",
    "matplotlib.backends.backend_svg",
    "scipy.stats",
    "statsmodels.api",
    "IPython.display",
    "jbp_analysis.plots",
    "jbp_analysis.report.export",
    "jbp_analysis.report.setup",
    "jbp_analysis.report.narrative",
    "jbp_analysis.report.tables",
    "jbp_analysis.report.estimable",
    "jbp_analysis.outcomes.build",
    "jbp_analysis.estimate",
    "jbp_analysis.analyses.balance",
    "jbp_analysis.analyses.attrition",
    "jbp_analysis.analyses.cost_effectiveness",
)

loaded: list[str] = []
for _name in MODULES:
    try:  # warming is an optimisation: a module that is not there yet is simply not warmed
        importlib.import_module(_name)
        loaded.append(_name)
    except ImportError:
        pass
