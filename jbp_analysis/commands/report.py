"""`jbp report`: not built yet."""

from __future__ import annotations

from jbp_analysis.errors import NotBuiltYet


def command(all_districts: bool = False) -> None:
    """Not built yet (see the issue tracker)."""
    raise NotBuiltYet("report")
