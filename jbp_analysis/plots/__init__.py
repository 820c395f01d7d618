"""JBP charts: one module per chart family, seaborn-style ``plot(data, *, ..., ax=None) -> Axes``.

Every chart takes its words from :mod:`jbp_analysis.i18n` (``lang="id"`` or ``"en"``), uses the
colourblind-safe theme of :mod:`jbp_analysis.plots.theme`, carries a title, axis labels with units
and a caption (source and sample size), and suppresses cells from fewer than ``min_cell``
respondents. Nothing here saves or shows a figure: see :mod:`jbp_analysis.report.export`.

Modules: ``coefficients`` (three contrasts x outcomes), ``trajectories`` (means by arm across
waves), ``income`` (income distribution by arm), ``awareness`` (item profile), ``attrition``
(response rates by arm), ``cost_effectiveness``, ``forest`` (districts, for the overview).
"""

from __future__ import annotations

from jbp_analysis.plots import (
    attrition,
    awareness,
    coefficients,
    cost_effectiveness,
    forest,
    income,
    trajectories,
)
from jbp_analysis.plots.theme import apply_theme, theme_context

__all__ = [
    "attrition",
    "awareness",
    "coefficients",
    "cost_effectiveness",
    "forest",
    "income",
    "trajectories",
    "apply_theme",
    "theme_context",
]
