"""Project paths, defined once.

Every pipeline stage defaults to these, so ``data/raw -> data/processed -> reports/`` is the same
DAG whether it is run from the command line, a notebook or a test.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "DATA_DIR",
    "RAW_DIR",
    "PROCESSED_DIR",
    "REPORTS_DIR",
    "PACKAGE_DATA",
    "STUDY_DIR",
]

PACKAGE_DATA: Path = Path(__file__).resolve().parents[1] / "data"
PROJECT_ROOT: Path = Path(__file__).resolve().parents[2]
DATA_DIR: Path = PROJECT_ROOT / "data"
RAW_DIR: Path = DATA_DIR / "raw"
PROCESSED_DIR: Path = DATA_DIR / "processed"
REPORTS_DIR: Path = PROJECT_ROOT / "reports"
#: The default study folder (codebook, XLSForms, file map, aliases, reference tables, templates,
#: analysis plan). ``--study DIR`` or ``JBP_STUDY`` choose another; see
#: :func:`jbp_analysis.study.folder.resolve_study`.
STUDY_DIR: Path = PROJECT_ROOT / "study"
