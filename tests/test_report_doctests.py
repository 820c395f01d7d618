"""The Examples sections of the report-layer modules run as tests (doctest)."""

from __future__ import annotations

import doctest
import importlib

import matplotlib
import pytest

matplotlib.use("Agg")

MODULES = [
    "jbp_analysis.i18n",
    "jbp_analysis.plots.cost_effectiveness",
    "jbp_analysis.plots.theme",
    "jbp_analysis.report.contrasts",
    "jbp_analysis.report.disclosure",
    "jbp_analysis.report.estimable",
    "jbp_analysis.report.export",
    "jbp_analysis.report.html",
    "jbp_analysis.report.index",
    "jbp_analysis.report.narrative",
    "jbp_analysis.report.runner",
    "jbp_analysis.report.setup",
    "jbp_analysis.report.tables",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the examples' temporary folders go here
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False, report=True)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed (see output)"
