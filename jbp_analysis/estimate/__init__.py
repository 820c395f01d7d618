"""Impact estimation on any DataFrame: ANCOVA, difference in means and DiD, three or more arms.

The pieces, in pipeline order: :mod:`~.design` (DataFrame -> arrays), :mod:`~.ols` (least
squares), :mod:`~.covariance` (HC1/CR1 and the inference registry), :mod:`~.few_clusters` (the
wild bootstrap, CR2 and randomisation-inference engines on the full model), :mod:`~.results`
(:class:`ImpactResult`), :mod:`~.model` (:func:`impact`) and :mod:`~.table` (:func:`impact_table`).
"""

from __future__ import annotations

from jbp_analysis.estimate.model import contrast_labels, impact
from jbp_analysis.estimate.results import TIDY_COLUMNS, ImpactResult
from jbp_analysis.estimate.table import ADJUSTED_COLUMNS, P_ADJUST, impact_table

__all__ = [
    "impact",
    "impact_table",
    "ImpactResult",
    "TIDY_COLUMNS",
    "ADJUSTED_COLUMNS",
    "P_ADJUST",
    "contrast_labels",
]
