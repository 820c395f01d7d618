"""Reports: disclosure control, exports, reader HTML, the index page and the parallel runner.

Submodules are imported on demand (``from jbp_analysis.report import export``) so the runner
starts quickly.
"""

from __future__ import annotations

__all__ = [
    "disclosure",
    "estimable",
    "export",
    "html",
    "index",
    "narrative",
    "runner",
    "setup",
    "tables",
]
