"""`jbp simulate`: not built yet."""

from __future__ import annotations

from pathlib import Path

from jbp_analysis.errors import NotBuiltYet


def command(out: Path = Path("data/raw"), seed: int = 20170401) -> None:
    """Not built yet (see the issue tracker)."""
    raise NotBuiltYet("simulate")
