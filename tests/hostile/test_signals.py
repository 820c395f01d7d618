"""SIGINT/SIGTERM during `jbp clean`, `jbp report` and `jbp all`: one line, exit 130/143, no
process left behind, previous outputs whole."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import psutil
import pytest
from hostile_support import tree_hash

from jbp_analysis.core.publish import store_dir

CLI = [sys.executable, "-m", "jbp_analysis.cli"]


def _family(proc: psutil.Process) -> set[int]:
    try:
        return {c.pid for c in proc.children(recursive=True)}
    except psutil.Error:
        return set()


def _start(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        CLI + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _interrupt(proc: subprocess.Popen, sig: int, after: float) -> tuple[int, str, set[int]]:
    """Send ``sig`` after ``after`` seconds; return exit code, stderr and every descendant seen."""
    ps = psutil.Process(proc.pid)
    seen: set[int] = set()
    t0 = time.monotonic()
    while time.monotonic() - t0 < after and proc.poll() is None:
        seen |= _family(ps)
        time.sleep(0.05)
    seen |= _family(ps)
    if proc.poll() is None:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err, seen


def _survivors(pids: set[int]) -> list[str]:
    out = []
    for pid in pids:
        try:
            p = psutil.Process(pid)
            if p.status() != psutil.STATUS_ZOMBIE:
                out.append(f"{pid} {' '.join(p.cmdline()[:3])}")
        except psutil.Error:
            pass
    return out


def _wait_gone(pids: set[int], timeout: float = 10) -> list[str]:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        left = _survivors(pids)
        if not left:
            return []
        time.sleep(0.2)
    return _survivors(pids)


@pytest.mark.parametrize(
    ("sig", "after"),
    [(signal.SIGINT, 0.8), (signal.SIGTERM, 1.4), (signal.SIGINT, 1.9), (signal.SIGTERM, 2.3)],
)
def test_clean_interrupted_leaves_previous_outputs(sample_raw, prev_out, sig, after):
    before = tree_hash(prev_out)
    proc = _start(["clean", "--raw", str(sample_raw), "--out", str(prev_out)])
    rc, err, seen = _interrupt(proc, sig, after)
    assert rc in (0, 128 + sig), err
    if rc:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("Interrupted ("), err
        assert "Traceback" not in err
    assert tree_hash(prev_out) == before  # a finished run writes the same bytes
    store = store_dir(prev_out)
    assert not [p for p in store.glob("*") if p.name.startswith(("stage-", "old-"))]
    assert not _wait_gone(seen)


@pytest.fixture(scope="module")
def reports_before(baseline_out, tmp_path_factory):
    """A reports root holding an earlier (fake) report and index, to check they are kept."""
    root = tmp_path_factory.mktemp("reports") / "reports"
    (root / "3322-kab-semarang").mkdir(parents=True)
    (root / "3322-kab-semarang" / "report.html").write_text("<p>earlier report</p>")
    (root / "index.html").write_text("<p>earlier index</p>")
    return root


@pytest.mark.notebook
@pytest.mark.parametrize(("sig", "after"), [(signal.SIGTERM, 4.0), (signal.SIGINT, 6.0)])
def test_report_interrupted_stops_every_worker_and_kernel(
    baseline_out, reports_before, tmp_path, sig, after
):
    root = tmp_path / "reports"
    shutil.copytree(reports_before, root)
    before = tree_hash(root)
    proc = _start(
        ["report", "--all", "--jobs", "2", "--no-progress", "--processed", str(baseline_out),
         "--out", str(root)]
    )  # fmt: skip
    rc, err, seen = _interrupt(proc, sig, after)
    assert rc == 128 + sig, err
    assert "Traceback" not in err and "Internal error" not in err
    assert [ln for ln in err.splitlines() if ln.strip()][-1].startswith("Interrupted (")
    assert seen, "no worker was seen: the signal came too early to test anything"
    assert not _wait_gone(seen), "processes survived the interrupted report run"
    # no previous output was replaced (the per-district input cache of `jbp report`, .inputs/,
    # is not an output)
    # (districts that had already failed before the signal keep their _failed/ notebook)
    after = tree_hash(root)
    assert {k: after.get(k) for k in before} == before
    assert all(k.startswith((".inputs/", "_failed/")) for k in set(after) - set(before))
    assert not list(root.glob(".*.partial*"))


@pytest.mark.notebook
def test_jbp_all_interrupted_during_report_stops_everything(sample_raw, prev_out, tmp_path):
    root = tmp_path / "reports"
    proc = _start(
        ["all", "--raw", str(sample_raw), "--processed", str(prev_out), "--reports", str(root)]
    )
    rc, err, seen = _interrupt(proc, signal.SIGTERM, 9.0)
    assert rc == 143, err
    assert "Traceback" not in err
    assert not _wait_gone(seen)
    assert not list(root.glob(".*.partial*")) if root.exists() else True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_after_the_run_does_not_kill_the_shutting_down_command(sig):
    """A signal that arrives once the command has finished (as when ``jbp clean`` ends just as
    the interrupt is sent) leaves the command's own exit status, not a death by signal."""
    code = (
        "import os, signal, sys\n"
        "sys.argv = ['jbp']\n"
        "from jbp_analysis.cli import main\n"
        "rc = main(['--version'])\n"
        f"os.kill(os.getpid(), {int(sig)})\n"
        "print('still here', rc)\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    assert "still here 0" in proc.stdout
