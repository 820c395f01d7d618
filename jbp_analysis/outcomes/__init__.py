"""Outcomes: every indicator is built here, once (see :mod:`.build`)."""

from jbp_analysis.outcomes.build import *  # noqa: F403
from jbp_analysis.outcomes.build import __all__  # noqa: F401
