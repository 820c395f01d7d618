"""``python -m jbp_analysis.cli``."""

import sys

from jbp_analysis.cli import main

sys.exit(main())
