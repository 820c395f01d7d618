"""Inference for designs with few clusters, many outcomes and a randomised group assignment.

Array-level engines (numpy arrays in, small frozen result objects out) that
:func:`jbp_analysis.estimate.impact` calls for its ``inference=`` option:

- :func:`wild_cluster_bootstrap` (``inference="wild"``): restricted wild cluster bootstrap-t,
  Cameron, Gelbach & Miller (2008), computed as Roodman, MacKinnon, Nielsen & Webb (2019);
- :func:`cr2` (``inference="cr2"``): Bell & McCaffrey (2002) CR2 with Satterthwaite or
  Imbens & Kolesár (2016) degrees of freedom;
- :func:`randomization_test` (``inference="ri"``): re-randomisation of group arms within strata;
- :func:`wild_wald_test` and :func:`randomization_balance_test`: joint tests of several
  restrictions that stay valid with few clusters (interactions, equality across waves, balance);
- :func:`sharpened_qvalues` and :func:`romano_wolf`: multiple-testing adjustments within a family.

:func:`choose_inference` is the documented rule behind ``inference="auto"``.
"""

from __future__ import annotations

from typing import Literal

from jbp_analysis.inference.cr2 import CR2Result, cr2, cr2_vcov
from jbp_analysis.inference.joint import JointTest, randomization_balance_test, wild_wald_test
from jbp_analysis.inference.multiple import romano_wolf, sharpened_qvalues
from jbp_analysis.inference.randomization import (
    RIResult,
    arm_contrasts,
    permute_within_strata,
    randomization_test,
)
from jbp_analysis.inference.wild import (
    ENUMERATE_MAX_CLUSTERS,
    FEW_TREATED_CLUSTERS,
    FewTreatedClustersWarning,
    WildResult,
    draw_wild_weights,
    wild_cluster_bootstrap,
    wild_cluster_bootstraps,
)

__all__ = [
    "AUTO_WILD_BELOW_CLUSTERS",
    "CR2Result",
    "ENUMERATE_MAX_CLUSTERS",
    "FEW_TREATED_CLUSTERS",
    "FewTreatedClustersWarning",
    "JointTest",
    "RIResult",
    "WildResult",
    "arm_contrasts",
    "choose_inference",
    "cr2",
    "cr2_vcov",
    "draw_wild_weights",
    "permute_within_strata",
    "randomization_balance_test",
    "randomization_test",
    "romano_wolf",
    "sharpened_qvalues",
    "wild_cluster_bootstrap",
    "wild_cluster_bootstraps",
    "wild_wald_test",
]

#: ``inference="auto"`` uses the wild cluster bootstrap below this many clusters. CR1 with t(G-1)
#: over-rejects with fewer than about 40-50 clusters, and more so with unbalanced clusters
#: (Cameron & Miller 2015, *J. Human Resources* 50(2), section VI; MacKinnon & Webb 2017).
AUTO_WILD_BELOW_CLUSTERS: int = 50


def choose_inference(
    n_clusters: int, *, threshold: int = AUTO_WILD_BELOW_CLUSTERS
) -> Literal["wild", "cr1"]:
    """The rule of ``inference="auto"``: the wild bootstrap below ``threshold`` clusters.

    Every function of the package with an ``inference`` option applies this rule, through
    :func:`jbp_analysis.estimate.covariance.resolve_inference` (the one place that reads it).

    Examples
    --------
    >>> choose_inference(12), choose_inference(120)
    ('wild', 'cr1')
    """
    return "wild" if n_clusters < threshold else "cr1"
