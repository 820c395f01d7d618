"""Report batches on a Dask cluster: the same jobs, each worker keeping one warm kernel.

The local pool (:func:`jbp_analysis.report.runner.run_jobs`) stays the default. For batches that
outgrow one machine (all 514 kabupaten/kota of Indonesia, several languages), ``jbp report --all
--scheduler tcp://HOST:8786`` sends the same :class:`~jbp_analysis.report.runner.Job` objects to
a Dask distributed scheduler (Rocklin 2015; the ``distributed`` package). A worker plugin starts
one Jupyter kernel per worker on first use and keeps it warm across reports, exactly as the local
pool does, so a report is the same bytes whichever worker made it.

Requirements of the cluster: every worker runs this package in the same version, with one thread
(``dask worker --nthreads 1``: one kernel runs one notebook at a time), and sees the processed data
folder and the reports root at the same paths (a shared file system). See ``docs/distributed.md``.

Examples
--------
>>> plugin = WarmKernelPlugin("/tmp")
>>> plugin.name
'jbp-warm-kernel'
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.report.runner import NOTEBOOK_DIR, Job, JobResult

__all__ = ["WarmKernelPlugin", "run_jobs_dask", "connect"]

try:  # the plugin base class, when distributed is installed
    from distributed.diagnostics.plugin import WorkerPlugin as _Base
except ImportError:  # pragma: no cover - distributed is a declared dependency
    _Base = object  # type: ignore[assignment,misc]


class WarmKernelPlugin(_Base):  # type: ignore[misc]
    """Keeps one warm Jupyter kernel per Dask worker (started on the worker's first report)."""

    name = "jbp-warm-kernel"

    def __init__(self, cwd: str) -> None:
        self.cwd = str(cwd)
        self.kernel: Any = None
        self.lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:  # sent to the workers without kernel or lock
        return {"cwd": self.cwd}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["cwd"])

    def setup(self, worker: Any) -> None:  # noqa: D401 - Dask hook
        self.kernel = None
        self.lock = threading.Lock()

    def teardown(self, worker: Any) -> None:  # noqa: D401 - Dask hook
        if self.kernel is not None:
            self.kernel.shutdown()
            self.kernel = None

    def run(self, job: Job) -> JobResult:
        from jbp_analysis.report.runner import _run_job, _WarmKernel

        with self.lock:  # one notebook at a time on this worker's kernel
            if self.kernel is None:
                self.kernel = _WarmKernel(Path(self.cwd))
            return _run_job(self.kernel, job)


def _run_on_worker(job: Job) -> JobResult:
    from distributed import get_worker

    return get_worker().plugins[WarmKernelPlugin.name].run(job)


def connect(scheduler: Any, *, timeout: str = "20s"):
    """A ``distributed.Client`` for ``scheduler``: an address such as ``tcp://host:8786``, a
    ``LocalCluster``, or a ``Client`` (returned as it is)."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover
        raise ConfigError(
            "--scheduler needs the 'distributed' package: pip install distributed"
        ) from None
    if isinstance(scheduler, Client):
        return scheduler
    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {scheduler} ({exc}); start one with "
            "`dask scheduler` and workers with `dask worker ADDRESS --nthreads 1` "
            "(see docs/distributed.md)"
        ) from None


def run_jobs_dask(
    jobs: Sequence[Job],
    *,
    scheduler: Any,
    progress: bool = True,
    on_result: Callable[[JobResult], None] | None = None,
) -> list[JobResult]:
    """Run ``jobs`` on a Dask cluster; results in the order of ``jobs``.

    Like the local pool, never raises for a failing notebook: each failure is a
    ``JobResult(ok=False)`` naming the cell.
    """
    from distributed import as_completed
    from tqdm.auto import tqdm

    if not jobs:
        return []
    keys = [j.key for j in jobs]
    if len(set(keys)) != len(keys):
        raise ConfigError("a district was requested twice")
    client = connect(scheduler)
    own = client is not scheduler
    try:
        client.register_plugin(WarmKernelPlugin(str(NOTEBOOK_DIR)), name=WarmKernelPlugin.name)
        done: dict[str, JobResult] = {}
        bar = tqdm(total=len(jobs), disable=not progress, unit="report")
        # the jobs that read the others' results (the overview) go once the others are done
        for batch in ([j for j in jobs if not j.after_others], [j for j in jobs if j.after_others]):
            if not batch:
                continue
            futures = client.map(
                _run_on_worker, batch, key=[f"jbp-report-{j.key}" for j in batch], pure=False
            )
            for fut in as_completed(futures):
                result: JobResult = fut.result()
                done[result.key] = result
                if on_result is not None:
                    on_result(result)
                bar.update(1)
        bar.close()
        return [done[k] for k in keys]
    finally:
        if own:
            client.close()
