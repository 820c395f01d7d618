"""`jbp clean`: not built yet."""

from __future__ import annotations

from pathlib import Path

from jbp_analysis.errors import NotBuiltYet


def command(raw: Path = Path("data/raw"), out: Path = Path("data/processed")) -> None:
    """Not built yet (see the issue tracker)."""
    raise NotBuiltYet("clean")
