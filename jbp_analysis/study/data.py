"""The study's processed data as one typed object: :func:`load`.

Examples
--------
>>> import inspect
>>> list(inspect.signature(load).parameters)
['processed_dir', 'study']
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from jbp_analysis.study.design import StudyDesign
from jbp_analysis.study.plan import AnalysisPlan, load_plan

__all__ = ["StudyData", "load"]


@dataclass(frozen=True)
class StudyData:
    """Processed data of one study, with the design and plan that analyse them.

    Attributes
    ----------
    panel : DataFrame
        One row per respondent and wave (``data/processed/panel.parquet``).
    groups : DataFrame
        One row per group (kelompok) and wave.
    costs : DataFrame
        Programme costs by district, arm and item.
    quality : dict
        The cleaning run's data-quality summary (``quality.json``).
    plan : AnalysisPlan
        The study's analysis plan; ``design`` is ``plan.design``.
    processed_dir : Path
    """

    panel: pd.DataFrame
    groups: pd.DataFrame
    costs: pd.DataFrame
    quality: dict[str, Any]
    plan: AnalysisPlan
    processed_dir: Path
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def design(self) -> StudyDesign:
        return self.plan.design

    def outcomes(self) -> pd.DataFrame:
        """The panel with every outcome and design indicator (built on all districts)."""
        from jbp_analysis.outcomes import attach_design_indicators, build_outcomes

        return attach_design_indicators(build_outcomes(self.panel), design=self.design)

    def _repr_html_(self) -> str:
        return (
            f"<p>JBP processed data in <code>{self.processed_dir}</code>: "
            f"{len(self.panel):,} respondent-waves, {len(self.groups):,} group-waves; "
            f"plan {self.plan.version} ({self.plan.short_hash})</p>"
        )


def load(
    processed_dir: str | os.PathLike | None = None, *, study: str | os.PathLike | None = None
) -> StudyData:
    """Load a study's processed data (default ``data/processed``) with its plan and design.

    Raises :class:`~jbp_analysis.core.errors.JBPInputError` naming the missing file when the
    folder has not been built (run ``jbp clean`` first).
    """
    from jbp_analysis.core.paths import PROCESSED_DIR
    from jbp_analysis.report.setup import load_processed

    pdir = Path(processed_dir) if processed_dir is not None else PROCESSED_DIR
    data = load_processed(pdir)
    return StudyData(
        panel=data["panel"],
        groups=data["groups"],
        costs=data["costs"],
        quality=data.get("quality", {}),
        plan=load_plan(study),
        processed_dir=pdir.resolve(),
    )
