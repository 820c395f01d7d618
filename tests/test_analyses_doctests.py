"""The Examples sections of the analyses, planning and plot modules run as tests (doctest).

Their examples build small data inline (no test fixture ships in the package). The
heterogeneity and dynamics examples run in their own test files, the cost-effectiveness chart's
in ``test_report_doctests.py``.
"""

from __future__ import annotations

import doctest
import importlib

import matplotlib
import matplotlib.pyplot as plt
import pytest

matplotlib.use("Agg")

MODULES = [
    "jbp_analysis.analyses.attrition",
    "jbp_analysis.analyses.balance",
    "jbp_analysis.analyses.cost_effectiveness",
    "jbp_analysis.analyses.did_table",
    "jbp_analysis.planning.power",
    "jbp_analysis.plots.attrition",
    "jbp_analysis.plots.awareness",
    "jbp_analysis.plots.coefficients",
    "jbp_analysis.plots.forest",
    "jbp_analysis.plots.income",
    "jbp_analysis.plots.theme",
    "jbp_analysis.plots.trajectories",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    try:
        result = doctest.testmod(module, optionflags=flags, verbose=False, report=True)
    finally:
        plt.close("all")
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed (see output)"
