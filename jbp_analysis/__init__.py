"""JBP evaluation suite: simulate, clean, estimate and report on Jamaah Bisnis Produktif surveys."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
