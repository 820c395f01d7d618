"""Cleaning: raw survey exports -> the processed panel, with an audit trail.

``run(raw, out)`` is the whole step; the modules hold one job each: ``inputs`` (find files, map
headers), ``normalise`` (types and codes, with ``rupiah`` and ``districts``), ``validate``
(ranges, skip logic, outliers), ``duplicates``, ``link`` (waves -> panel), ``pseudonymise``,
``audit`` (log and rejects), ``quality`` (report), ``write`` (atomic outputs), ``result``.
"""

from __future__ import annotations

from jbp_analysis.clean.result import CleanResult
from jbp_analysis.clean.run import OUTPUT_FILES, default_decisions_path, run

__all__ = ["run", "CleanResult", "OUTPUT_FILES", "default_decisions_path"]
