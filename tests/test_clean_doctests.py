"""The Examples sections of the reading and cleaning modules run as tests (doctest)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "jbp_analysis.clean.readers",
    "jbp_analysis.clean.audit",
    "jbp_analysis.clean.districts",
    "jbp_analysis.clean.duplicates",
    "jbp_analysis.clean.inputs",
    "jbp_analysis.clean.link",
    "jbp_analysis.clean.normalise",
    "jbp_analysis.clean.pseudonymise",
    "jbp_analysis.clean.quality",
    "jbp_analysis.clean.result",
    "jbp_analysis.clean.rupiah",
    "jbp_analysis.clean.unreadable",
    "jbp_analysis.clean.validate",
    "jbp_analysis.clean.waves",
    "jbp_analysis.clean.write",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
