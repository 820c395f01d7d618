"""Test-suite set-up shared by every test folder.

pytest's default ("prepend") import mode puts this file's folder, ``tests/``, at the front of
``sys.path`` before any test module is imported, so the data fixtures in ``tests/fixtures/`` are
imported as ``from fixtures.processed import make_processed`` and
``from fixtures.trial import clustered_trial`` from any test, including those in sub-folders.
They live here, not in ``jbp_analysis``, because they are test data, not library code.
"""
