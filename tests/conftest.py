"""Test-suite set-up shared by every test folder.

pytest's default ("prepend") import mode puts this file's folder, ``tests/``, at the front of
``sys.path`` before any test module is imported, so the data fixtures in ``tests/fixtures/`` are
imported as ``from fixtures.processed import make_processed`` and
``from fixtures.trial import clustered_trial`` from any test, including those in sub-folders.
They live here, not in ``jbp_analysis``, because they are test data, not library code.
"""

import os

import pytest


@pytest.fixture(autouse=True)
def _one_study_per_test():
    """Commands run in-process with ``--study DIR`` set ``JBP_STUDY`` for their kernels; restore
    it after each test so that one test's study folder never leaks into the next."""
    before = os.environ.get("JBP_STUDY")
    yield
    if before is None:
        os.environ.pop("JBP_STUDY", None)
    else:
        os.environ["JBP_STUDY"] = before
