"""Imported first by :mod:`jbp_analysis.cli`: a signal while the command line is still importing
ends it with one line and status 128 + signal, not a ``KeyboardInterrupt`` traceback.

Only when started as ``jbp`` or ``python -m jbp_analysis.cli`` (a library import, e.g. from a
test or a notebook, leaves the process's handlers alone). :func:`jbp_analysis.cli.main` then
installs the handlers that unwind a running command.
"""

from __future__ import annotations

import os
import signal
import sys


def _early_stop(signum: int, _frame) -> None:  # pragma: no cover - exercised in a subprocess
    # nothing has been written yet: stop at once
    os.write(2, f"Interrupted ({signal.Signals(signum).name}): stopped before starting.\n".encode())
    os._exit(128 + signum)


#: True when this process is the ``jbp`` command (not a library import).
AS_COMMAND = bool(sys.argv) and (sys.argv[0] == "-m" or os.path.basename(sys.argv[0]) == "jbp")

if AS_COMMAND:
    for _sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(_sig, _early_stop)
