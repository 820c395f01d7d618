"""The Examples sections of the study-folder modules run as tests (doctest)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "jbp_analysis.study.codebook",
    "jbp_analysis.study.reference",
    "jbp_analysis.study.folder",
    "jbp_analysis.study.xlsform",
    "jbp_analysis.study.check",
    "jbp_analysis.core.simulated",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.delenv("JBP_STUDY", raising=False)
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
