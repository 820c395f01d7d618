"""Run the report notebooks for many districts in parallel, with warm kernels.

Starting a Jupyter kernel and importing pandas, matplotlib and statsmodels takes 3-4 s, more than
a district report itself. So each of the ``N`` worker processes starts ONE kernel and keeps it:
before each notebook it runs ``%reset -f`` (a clean namespace, while imported modules stay
loaded), then papermill's parameter injection (:func:`papermill.parameterize.parameterize_notebook`
adds the ``injected-parameters`` cell after the ``parameters`` cell, exactly as the papermill CLI
does) and nbclient execute the cells. A worker then writes the executed notebook and the reader
HTML next to the charts and tables the notebook saved.

One failing district never stops the others: its executed notebook (with the error) goes to
``<reports>/_failed/``, no partial report folder is left behind, and the result names the failing
cell and its error. ``changed_only`` skips jobs whose input hash (their rows of the processed data,
``quality.json``, parameters, package source, notebooks) matches the last successful run, recorded
in ``<reports>/.jbp_state.json``.

Examples
--------
>>> job = district_job("3373", processed_dir="data/processed", root="/tmp/r")
>>> job.key, job.out_dir.name, job.parameters["district"]
('3373', '3373-kot-salatiga', '3373')
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing as mp
import os
import queue
import shutil
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.core.io import sha256_update
from jbp_analysis.core.paths import PACKAGE_DATA, PROJECT_ROOT, REPORTS_DIR
from jbp_analysis.i18n import check_lang
from jbp_analysis.report.export import safe_path
from jbp_analysis.study.plan import default_design
from jbp_analysis.study.reference import district_label, district_slug, resolve_district

__all__ = [
    "NOTEBOOK_DIR",
    "DISTRICT_NOTEBOOK",
    "OVERVIEW_NOTEBOOK",
    "OBSERVATIONAL_NOTEBOOK",
    "notebook_for",
    "OVERVIEW_KEY",
    "Job",
    "JobResult",
    "district_job",
    "overview_job",
    "run_jobs",
    "job_hashes",
    "load_state",
    "save_state",
    "default_workers",
    "remove_stale",
    "load_failed",
    "save_failed",
    "RUNNER_ENV",
]

#: Set in the runner's kernels: a report notebook run directly (without it) writes a scratch
#: folder, never the published report folder (see :func:`jbp_analysis.report.setup.start_report`).
RUNNER_ENV = "JBP_REPORT_RUNNER"
#: Thread counts of the BLAS libraries, set to 1 in the report kernels (unless already set).
BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

NOTEBOOK_DIR: Path = PROJECT_ROOT / "notebooks"
DISTRICT_NOTEBOOK: Path = NOTEBOOK_DIR / "district_report.ipynb"
OVERVIEW_NOTEBOOK: Path = NOTEBOOK_DIR / "provincial_overview.ipynb"
#: Run instead of both when the plan's design is observational (groups were not randomised).
OBSERVATIONAL_NOTEBOOK: Path = NOTEBOOK_DIR / "observational_report.ipynb"


def notebook_for(kind: str) -> Path:
    """The notebook for a ``"district"`` or ``"overview"`` report under the study's plan: the
    observational report when the plan's design is ``observational``."""
    from jbp_analysis.study.plan import load_plan

    if load_plan().design.type == "observational":
        return OBSERVATIONAL_NOTEBOOK
    return DISTRICT_NOTEBOOK if kind == "district" else OVERVIEW_NOTEBOOK


OVERVIEW_KEY = "overview"
OVERVIEW_DIR = default_design().area_slug
STATE_FILE = ".jbp_state.json"
FAILED_FILE = ".jbp_failed.json"
KERNEL_NAME = "python3"


@dataclass(frozen=True)
class Job:
    """One notebook run: ``key`` (BPS code or ``"overview"``), notebook, parameters, output folder."""

    key: str
    label: str
    notebook: Path
    parameters: dict[str, Any]
    out_dir: Path
    root: Path
    lang: str = "id"
    timeout: int = 900
    #: Run after every other job of the batch (the provincial overview reads the district
    #: reports' estimates, see :mod:`jbp_analysis.report.inputs`).
    after_others: bool = False

    @property
    def html_name(self) -> str:
        return "report.html"


@dataclass(frozen=True)
class JobResult:
    """Outcome of one job. ``error`` is ``"<cell n>: <Error>: <message>"`` when it failed."""

    key: str
    label: str
    ok: bool
    seconds: float
    out_dir: Path
    error: str | None = None
    failed_cell: int | None = None
    failed_notebook: Path | None = None
    skipped: bool = False
    timings: dict[str, float] = field(default_factory=dict)


def default_workers() -> int:
    """One worker per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _common_parameters(
    *,
    lang: str,
    processed_dir: Path,
    root: Path,
    waves: Sequence[str],
    seed: int,
    min_cell: int | None,
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "lang": check_lang(lang),
        "processed_dir": str(Path(processed_dir).resolve()),
        "reports_root": str(Path(root).resolve()),
        "waves": list(waves),
        "seed": int(seed),
    }
    # no threshold given: the notebook's default, the analysis plan's disclosure.min_cell
    if min_cell is not None:
        params["min_cell"] = int(min_cell)
    return params


def district_job(
    district: str,
    *,
    processed_dir: str | os.PathLike,
    root: str | os.PathLike = REPORTS_DIR,
    lang: str = "id",
    waves: Sequence[str] = ("endline", "followup"),
    seed: int = 20170401,
    min_cell: int | None = None,
    notebook: Path | None = None,
) -> Job:
    """The job for one district report; ``district`` is validated (code or exact name).

    ``min_cell`` ``None`` (the default) passes no threshold: the notebook takes the analysis
    plan's ``disclosure.min_cell``.
    """
    code = resolve_district(district)
    root_r = Path(root).resolve()
    out = safe_path(root_r / district_slug(code), root=root_r)
    params = _common_parameters(
        lang=lang,
        processed_dir=Path(processed_dir),
        root=root_r,
        waves=waves,
        seed=seed,
        min_cell=min_cell,
    )
    params.update({"district": code, "output_dir": str(out)})
    nb = Path(notebook) if notebook is not None else notebook_for("district")
    return Job(code, district_label(code), nb, params, out, root_r, lang)


def overview_job(
    *,
    processed_dir: str | os.PathLike,
    root: str | os.PathLike = REPORTS_DIR,
    lang: str = "id",
    waves: Sequence[str] = ("endline", "followup"),
    seed: int = 20170401,
    min_cell: int | None = None,
    notebook: Path | None = None,
) -> Job:
    """The job for the provincial overview (``min_cell`` as for :func:`district_job`)."""
    root_r = Path(root).resolve()
    out = safe_path(root_r / OVERVIEW_DIR, root=root_r)
    params = _common_parameters(
        lang=lang,
        processed_dir=Path(processed_dir),
        root=root_r,
        waves=waves,
        seed=seed,
        min_cell=min_cell,
    )
    params.update({"district": "all", "output_dir": str(out)})
    nb = Path(notebook) if notebook is not None else notebook_for("overview")
    return Job(
        OVERVIEW_KEY, default_design().area_name, nb, params, out, root_r, lang, after_others=True
    )


# ----------------------------------------------------------------------------- hashing (--changed)


def _code_hash(notebooks: Iterable[Path]) -> str:
    h = hashlib.sha256()
    pkg = PACKAGE_DATA.parent
    files = sorted(
        p
        for p in pkg.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and p.suffix in {".py", ".yaml", ".csv", ".j2", ".json"}
    )
    # the study folder (plan, codebook, reference tables) says what reports contain: editing
    # the plan must regenerate them
    from jbp_analysis.study.plan import study_dir

    sdir = study_dir()
    study = sorted(
        q
        for q in sdir.rglob("*")
        if q.is_file() and q.suffix in {".yaml", ".csv"} and "registered" not in q.parts
    )
    registered = sorted((sdir / "registered").glob("*.yaml"))[-1:]
    for p in [*files, *study, *registered, *sorted(set(notebooks))]:
        if p.is_file():
            h.update(
                str(
                    p.relative_to(PROJECT_ROOT) if p.is_relative_to(PROJECT_ROOT) else p.name
                ).encode()
            )
            sha256_update(h, p)
    return h.hexdigest()


def _district_data_hashes(processed_dir: Path, keys: Iterable[str]) -> dict[str, str]:
    """Per district: hash of its rows in panel/groups/costs plus quality.json; overview: all."""
    import pandas as pd

    keys = list(keys)
    whole = hashlib.sha256()
    per = {k: hashlib.sha256() for k in keys}
    for name in ("panel.parquet", "groups.parquet", "costs.parquet"):
        path = processed_dir / name
        if not path.is_file():
            continue
        sha256_update(whole, path)
        df = pd.read_parquet(path)
        if "district_code" not in df:
            continue
        codes = df["district_code"].astype(str)
        rows = pd.util.hash_pandas_object(df.astype(str), index=False)
        for k in keys:
            if k != OVERVIEW_KEY:
                sel = rows[codes == k].to_numpy()
                per[k].update(name.encode() + sel.tobytes())
    q = processed_dir / "quality.json"
    qb = q.read_bytes() if q.is_file() else b""
    out = {}
    for k in keys:
        h = whole if k == OVERVIEW_KEY else per[k]
        h = h.copy()
        h.update(qb)
        out[k] = h.hexdigest()
    return out


def job_hashes(jobs: Sequence[Job]) -> dict[str, str]:
    """Input hash of each job: data rows, parameters (paths excluded), code and notebooks."""
    if not jobs:
        return {}
    processed = {Path(j.parameters["processed_dir"]) for j in jobs}
    code = _code_hash(j.notebook for j in jobs)
    data: dict[str, str] = {}
    for pdir in processed:
        data.update(
            _district_data_hashes(
                pdir, [j.key for j in jobs if Path(j.parameters["processed_dir"]) == pdir]
            )
        )
    out = {}
    for j in jobs:
        params = {k: v for k, v in j.parameters.items() if k not in ("output_dir", "reports_root")}
        h = hashlib.sha256()
        h.update(json.dumps(params, sort_keys=True).encode())
        h.update(code.encode())
        h.update(data[j.key].encode())
        out[j.key] = h.hexdigest()
    return out


def load_state(root: Path) -> dict[str, str]:
    """The hashes of the last successful run of each job (empty if none)."""
    path = Path(root) / STATE_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def save_state(root: Path, state: dict[str, str]) -> None:
    """Write the state file (atomically)."""
    from jbp_analysis.core.io import atomic_write_text

    path = safe_path(Path(root) / STATE_FILE, root=root)
    atomic_write_text(path, json.dumps(state, indent=1, sort_keys=True) + "\n")


def load_failed(root: Path) -> dict[str, str]:
    """Report folders whose last run failed, with the cell and error (empty if none)."""
    try:
        data = json.loads((Path(root) / FAILED_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def save_failed(root: Path, failed: dict[str, str]) -> None:
    """Record the failed report folders (atomically); removes the file when none failed."""
    from jbp_analysis.core.io import atomic_write_text

    path = safe_path(Path(root) / FAILED_FILE, root=root)
    if not failed:
        path.unlink(missing_ok=True)
        return
    atomic_write_text(path, json.dumps(failed, indent=1, sort_keys=True) + "\n")


# ----------------------------------------------------------------------------- worker side

_RESET = "%reset -f\nimport matplotlib.pyplot as __jbp_plt\n__jbp_plt.close('all')\ndel __jbp_plt\n"
_WARM = (
    "import os\n"
    f"os.environ[{RUNNER_ENV!r}] = '1'\n"
    "del os\n"
    "import matplotlib\n"
    "matplotlib.use('module://matplotlib_inline.backend_inline')\n"
    "import jbp_analysis.report.prelude  # noqa: F401  (pre-imports the heavy modules)\n"
)


def _secure_transport(km) -> None:
    """Encrypt the kernel's channels (CurveZMQ) or, without Curve support, use local IPC sockets.

    Either way the kernel no longer runs over plain TCP, so it does not print ipykernel's
    "Kernel is running over TCP without encryption" warning into the ``jbp report`` output.
    """
    import tempfile

    import zmq

    if zmq.has("curve"):
        km.transport_encryption = "auto"
        return
    km.transport = "ipc"
    km.ip = str(Path(tempfile.mkdtemp(prefix="jbp-kernel-")) / "kernel")


class _WarmKernel:
    """One kernel kept alive across notebooks (nbclient with a reused kernel manager/client)."""

    def __init__(self, cwd: Path) -> None:
        global _KERNEL
        _KERNEL = self
        self.cwd = cwd
        self.km = None
        self.kc = None
        self._boot = None
        self.start()

    def start(self) -> None:
        import nbformat
        from nbclient import NotebookClient

        # one BLAS thread per kernel: the batch already runs one kernel per core, and two
        # threads each made the workers fight over the cores (a 57k-youth district report took
        # 83 s CPU instead of 23 s); the user's own setting is kept
        for var in BLAS_THREAD_VARS:
            os.environ.setdefault(var, "1")
        self._boot = NotebookClient(
            nbformat.v4.new_notebook(), kernel_name=KERNEL_NAME, timeout=600, startup_timeout=120
        )
        self.km = self._boot.create_kernel_manager()
        _secure_transport(self.km)
        self._boot.start_new_kernel(cwd=str(self.cwd))
        self._boot.start_new_kernel_client()
        self.kc = self._boot.kc
        self._run_code(_WARM)

    @property
    def pid(self) -> int | None:
        """The kernel's process id (it leads its own session: its pid is its process group)."""
        try:
            return int(self.km.provisioner.pid)
        except (AttributeError, TypeError, ValueError):
            return None

    def kill(self) -> None:
        """Kill the kernel's process group at once (used when the worker is told to stop)."""
        pid = self.pid
        if pid:
            _kill_group(pid)
        try:
            Path(self.km.connection_file).unlink(missing_ok=True)
        except (AttributeError, TypeError, OSError):
            pass

    def alive(self) -> bool:
        from nbclient.util import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001
            return False

    def restart(self) -> None:
        self.shutdown()
        self.start()

    def shutdown(self) -> None:
        if self._boot is not None:
            try:
                self._boot._cleanup_kernel()
            except Exception:  # noqa: BLE001
                pass
        self._boot = self.km = self.kc = None

    def client(self, nb, timeout: int):
        from nbclient import NotebookClient

        c = NotebookClient(
            nb,
            km=self.km,
            kernel_name=KERNEL_NAME,
            timeout=timeout,
            allow_errors=False,
            record_timing=False,
            resources={"metadata": {"path": str(self.cwd)}},
        )
        c.kc = self.kc
        return c

    def _run_code(self, code: str, timeout: int = 300) -> None:
        import nbformat

        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "language": "python"}
        self.client(nb, timeout).execute()


def _renumber(nb) -> None:
    """Execution counts 1..n, so the executed notebook does not depend on the worker's history."""
    k = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.get("execution_count") is None:
            continue
        k += 1
        cell.execution_count = k
        for out in cell.get("outputs", []):
            if out.get("output_type") == "execute_result":
                out["execution_count"] = k


def _first_error(nb) -> tuple[int | None, str]:
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                return i, f"{out.get('ename')}: {out.get('evalue')}"
    return None, ""


def _run_job(kernel: _WarmKernel, job: Job) -> JobResult:
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from jbp_analysis.report.html import notebook_to_html

    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    nb = None
    try:
        if not kernel.alive():
            kernel.restart()
        kernel._run_code(_RESET)
        nb = load_notebook_node(str(job.notebook))  # as papermill's CLI: every cell gets tags
        nb = parameterize_notebook(nb, job.parameters, kernel_name=KERNEL_NAME, language="python")
        for cell in nb.cells:  # papermill gives the injected cell a random id: make it stable
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell["id"] = "injected-parameters"
        t1 = time.perf_counter()
        kernel.client(nb, job.timeout).execute()
        timings["execute"] = time.perf_counter() - t1
        _renumber(nb)
        out = safe_path(job.out_dir, root=job.root)
        out.mkdir(parents=True, exist_ok=True)
        t2 = time.perf_counter()
        html = notebook_to_html(nb, title=_title(nb, job), lang=job.lang)
        safe_path(out / job.html_name, root=job.root).write_text(html, encoding="utf-8")
        nbformat.write(nb, safe_path(out / "report.ipynb", root=job.root))
        timings["html"] = time.perf_counter() - t2
        stale = job.root / "_failed" / f"{job.out_dir.name}.ipynb"
        if stale.is_file():  # this district has succeeded: its earlier failure is history
            stale.unlink()
            with contextlib.suppress(OSError):
                stale.parent.rmdir()
        return JobResult(job.key, job.label, True, time.perf_counter() - t0, out, timings=timings)
    except Exception as exc:  # noqa: BLE001 - one district's failure is reported, not raised
        cell, err = (None, "")
        if nb is not None:
            cell, err = _first_error(nb)
        if not err:
            err = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
        failed_nb = None
        if nb is not None:
            try:
                _renumber(nb)
                fdir = safe_path(job.root / "_failed", root=job.root)
                fdir.mkdir(parents=True, exist_ok=True)
                failed_nb = safe_path(fdir / f"{job.out_dir.name}.ipynb", root=job.root)
                nbformat.write(nb, failed_nb)
            except Exception:  # noqa: BLE001
                failed_nb = None
        for stage in job.out_dir.parent.glob(f".{job.out_dir.name}.partial*"):
            shutil.rmtree(stage, ignore_errors=True)
        if not kernel.alive():
            try:
                kernel.restart()
            except Exception:  # noqa: BLE001
                pass
        where = f"cell {cell}: " if cell is not None else ""
        return JobResult(
            job.key,
            job.label,
            False,
            time.perf_counter() - t0,
            job.out_dir,
            error=where + err,
            failed_cell=cell,
            failed_notebook=failed_nb,
            timings=timings,
        )


def _title(nb, job: Job) -> str:
    for cell in nb.cells:
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                md = out.get("data", {}).get("text/markdown", "")
                if md.lstrip().startswith("# "):
                    return md.lstrip()[2:].splitlines()[0].strip()
    return f"JBP: {job.label}"


def _kill_group(pid: int) -> None:
    """SIGKILL the process group led by ``pid`` (a kernel), or the process if it leads none."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


_KERNEL: _WarmKernel | None = None  # this worker's kernel, as soon as it exists


def _worker(tasks, results, cwd: str) -> None:
    kernel = None

    def stop(signum, _frame) -> None:
        # told to stop (the parent was interrupted): kill the kernel now, exit without a
        # traceback; the parent removes the staging folders
        if _KERNEL is not None:
            _KERNEL.kill()
        os._exit(128 + signum)

    def arm() -> None:
        # (re)installed after every kernel start: closing the event loop that starts a kernel
        # resets SIGTERM to the default, which would kill this worker and orphan its kernel
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent; it stops us
        signal.signal(signal.SIGTERM, stop)

    arm()
    try:
        kernel = _WarmKernel(Path(cwd))
        arm()
        results.put(("ready", os.getpid(), kernel.pid))
        while True:
            job = tasks.get()
            if job is None:
                break
            results.put(("start", os.getpid(), job.key))
            arm()
            result = _run_job(kernel, job)
            arm()
            results.put(("done", os.getpid(), result))
            if kernel.pid is not None:
                results.put(("ready", os.getpid(), kernel.pid))  # it may have restarted
    except Exception:  # noqa: BLE001
        results.put(("crash", os.getpid(), traceback.format_exc()))
    finally:
        if kernel is not None:
            kernel.shutdown()


def remove_stale(root: Path) -> list[str]:
    """Remove staging folders (``.<folder>.partial-*``) left in ``root`` by killed runs.

    Call it while holding the reports root's lock (``jbp report`` does).
    """
    removed = []
    root = Path(root)
    if root.is_dir():
        for p in root.glob(".*.partial*"):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p.name)
    return removed


# ----------------------------------------------------------------------------- parent side


def run_jobs(
    jobs: Sequence[Job],
    *,
    workers: int | None = None,
    progress: bool = True,
    on_result: Callable[[JobResult], None] | None = None,
) -> list[JobResult]:
    """Run ``jobs`` on ``workers`` warm-kernel processes; results in the order of ``jobs``.

    :func:`jbp_analysis.report.distributed.run_jobs_dask` runs the same jobs on a Dask cluster.

    Never raises for a failing notebook: each failure is a ``JobResult(ok=False)``.

    Length: the worker pool, the result loop that records each district's failure and the clean-up
    on interruption share the worker and kernel handles.
    """
    from tqdm.auto import tqdm

    if not jobs:
        return []
    keys = [j.key for j in jobs]
    if len(set(keys)) != len(keys):
        raise ConfigError("a district was requested twice")
    n = max(1, min(workers or default_workers(), len(jobs)))
    ctx = mp.get_context("spawn")
    tasks, results = ctx.Queue(), ctx.Queue()
    first = [j for j in jobs if not j.after_others]
    later = [j for j in jobs if j.after_others]
    for job in first:
        tasks.put(job)

    def queue_later() -> None:  # once every other job is done: the later jobs, then stop
        for job in later:
            tasks.put(job)
        for _ in range(n):
            tasks.put(None)
        later.clear()

    if not first:
        queue_later()
    n_first = len(first)
    procs = [
        ctx.Process(target=_worker, args=(tasks, results, str(NOTEBOOK_DIR))) for _ in range(n)
    ]
    for p in procs:
        p.start()
    by_key = {j.key: j for j in jobs}
    done: dict[str, JobResult] = {}
    running: dict[int, str] = {}
    kernels: dict[int, int] = {}  # worker pid -> its kernel's pid
    finished = False
    last_crash = ""
    bar = tqdm(total=len(jobs), desc="reports", unit="report", disable=not progress)
    try:
        while len(done) < len(jobs):
            if later and sum(j.key in done for j in first) == n_first:
                queue_later()
            try:
                kind, pid, payload = results.get(timeout=5)
            except queue.Empty:
                dead = [p for p in procs if not p.is_alive() and p.pid in running]
                for p in dead:
                    key = running.pop(p.pid)
                    job = by_key[key]
                    done[key] = JobResult(
                        key,
                        job.label,
                        False,
                        0.0,
                        job.out_dir,
                        error=f"worker process died (exit code {p.exitcode})",
                    )
                    bar.update(1)
                if all(not p.is_alive() for p in procs) and len(done) < len(jobs):
                    for job in jobs:
                        if job.key not in done:
                            done[job.key] = JobResult(
                                job.key,
                                job.label,
                                False,
                                0.0,
                                job.out_dir,
                                error="not run: every worker stopped"
                                + (f" ({last_crash})" if last_crash else ""),
                            )
                    break
                continue
            if kind == "ready":
                if payload:
                    kernels[pid] = payload
            elif kind == "start":
                running[pid] = payload
            elif kind == "done":
                running.pop(pid, None)
                done[payload.key] = payload
                bar.update(1)
                bar.set_postfix_str(f"{payload.key} {'ok' if payload.ok else 'FAILED'}")
                if on_result is not None:
                    on_result(payload)
            elif kind == "crash":
                last_crash = payload.strip().splitlines()[-1]
                key = running.pop(pid, None)
                if key is not None and key not in done:
                    job = by_key[key]
                    done[key] = JobResult(
                        key,
                        job.label,
                        False,
                        0.0,
                        job.out_dir,
                        error="worker crashed: " + payload.strip().splitlines()[-1],
                    )
                    bar.update(1)
                elif not any(p.is_alive() for p in procs if p.pid != pid):
                    last = payload.strip().splitlines()[-1]
                    for job in jobs:
                        if job.key not in done:
                            done[job.key] = JobResult(
                                job.key,
                                job.label,
                                False,
                                0.0,
                                job.out_dir,
                                error=f"no kernel could start: {last}",
                            )
        finished = True
    finally:
        bar.close()
        if finished:
            for p in procs:
                p.join(timeout=60)
        # interrupted (or a worker hung): stop every kernel and worker at once, leave no
        # staging. Kernels first, with SIGKILL: a kernel that outlives its worker shuts itself
        # down noisily (ZMQ tracebacks), and a worker has nothing left to save
        family = _descendants([p.pid for p in procs if p.pid]) if not finished else []
        for kpid in [*kernels.values(), *family]:
            if _pid_alive(kpid):
                _kill_group(kpid)
        for p in procs:
            if p.is_alive():
                p.kill() if not finished else p.terminate()
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join(timeout=5)
        for kpid in [*kernels.values(), *family]:
            if _pid_alive(kpid):
                _kill_group(kpid)
        if not finished:
            for root in {j.root for j in jobs}:
                remove_stale(root)
        tasks.close()
        results.close()
    return [done[k] for k in keys]


def _descendants(pids: list[int]) -> list[int]:
    """Every process below ``pids`` (kernels and what they started), found before the workers
    stop so that none is orphaned."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        return []
    out = []
    for pid in pids:
        try:
            out += [c.pid for c in psutil.Process(pid).children(recursive=True)]
        except psutil.Error:
            pass
    return out


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
