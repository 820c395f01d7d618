"""Output sets are transactions: concurrent writers, kills at each publishing step, readers."""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
from hostile_support import simulate, tree_hash

from jbp_analysis.core import publish
from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.core.publish import OutputBusy, OutputLock, read_set, store_dir

READ = ("panel.parquet", "groups.parquet", "costs.parquet", "quality.json", "rejects.csv")


@pytest.fixture(scope="module")
def two_samples(sample_raw, baseline_out, tmp_path_factory):
    """Raw A (the session sample) and raw B (another seed) with the outputs of a lone run each."""
    from jbp_analysis.clean import run

    base = tmp_path_factory.mktemp("two")
    raw_b = simulate(base / "raw_b", seed=7)
    out_b = base / "out_b"
    run(raw_b, out_b)
    ref_a, ref_b = tree_hash(baseline_out, same_code=True), tree_hash(out_b, same_code=True)
    assert ref_a != ref_b
    return {"a": (sample_raw, ref_a), "b": (raw_b, ref_b)}


def _child_clean(raw: str, out: str, delay: float, kill_at: str | None, no_exchange: bool) -> None:
    from jbp_analysis.clean import run
    from jbp_analysis.core.errors import JBPError

    if kill_at:
        publish._STEP_HOOK = lambda step: os.kill(os.getpid(), 9) if step == kill_at else None
    if no_exchange:
        publish._renameat2_exchange = lambda a, b: False
    time.sleep(delay)
    try:
        run(Path(raw), Path(out))
    except JBPError:
        os._exit(2)
    os._exit(0)


def _start(raw, out, *, delay=0.0, kill_at=None, no_exchange=False):
    p = mp.get_context("fork").Process(
        target=_child_clean, args=(str(raw), str(out), delay, kill_at, no_exchange)
    )
    p.start()
    return p


def _published(out: Path) -> dict[str, str]:
    return tree_hash(out, same_code=True)


@pytest.mark.parametrize(
    "trials", [6, pytest.param(20, marks=pytest.mark.slow)], ids=["6-trials", "20-trials"]
)
def test_concurrent_cleans_into_one_folder_give_one_whole_set(two_samples, tmp_path, trials):
    (raw_a, ref_a), (raw_b, ref_b) = two_samples["a"], two_samples["b"]
    rng = random.Random(12)
    out = tmp_path / "processed"
    seen_bad: list[str] = []
    stop = threading.Event()

    def reader() -> None:  # a reader running meanwhile never sees a mixed set
        while not stop.is_set():
            try:
                read_set(out, READ)
            except JBPInputError as exc:
                if "does not match manifest" in str(exc):
                    seen_bad.append(str(exc))
            time.sleep(0.01)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    codes = []
    try:
        for trial in range(trials):
            first, second = (raw_a, raw_b) if trial % 2 else (raw_b, raw_a)
            p1 = _start(first, out)
            p2 = _start(second, out, delay=rng.uniform(0, 0.2))
            p1.join(60)
            p2.join(60)
            codes.append((p1.exitcode, p2.exitcode))
            assert {p1.exitcode, p2.exitcode} <= {0, 2}
            assert 0 in (p1.exitcode, p2.exitcode)
            got = _published(out)
            diff = {
                k: ("a" if got.get(k) == ref_a.get(k) else "")
                + ("b" if got.get(k) == ref_b.get(k) else "")
                for k in sorted(set(got) | set(ref_a))
            }
            assert got in (ref_a, ref_b), f"trial {trial}: a mixed output set {diff} {codes}"
            assert not [p for p in store_dir(out).iterdir() if p.name.startswith("stage-")]
    finally:
        stop.set()
        t.join(5)
    assert not seen_bad


STEPS = [
    (step, no_exchange)
    for no_exchange in (False, True)
    for step in ("staged", "before_publish", "between_renames", "after_publish", "before_cleanup")
    if not (step == "between_renames" and not no_exchange)  # only the two-rename path has it
]


@pytest.mark.parametrize(
    ("step", "no_exchange"),
    STEPS,
    ids=[f"{s}-{'two-renames' if n else 'exchange'}" for s, n in STEPS],
)
def test_a_kill_at_each_publishing_step_leaves_a_whole_set(
    two_samples, baseline_out, tmp_path, step, no_exchange
):
    (raw_a, ref_a), (raw_b, ref_b) = two_samples["a"], two_samples["b"]
    out = tmp_path / "processed"
    shutil.copytree(baseline_out, out)  # the previous set: a lone run of raw A
    assert _published(out) == ref_a
    p = _start(raw_b, out, kill_at=step, no_exchange=no_exchange)
    p.join(60)
    assert p.exitcode in (-signal.SIGKILL, 0)  # 0: this step does not occur on this path
    if p.exitcode == 0 or step in ("after_publish", "before_cleanup"):
        expected = (ref_b,)
    elif step == "between_renames":
        expected = (ref_a,)  # out is missing until the next run (or a reader) repairs it
    else:
        expected = (ref_a,)
    if out.exists():
        assert _published(out) in expected
        read_set(out, READ)  # verifies against the manifest
    else:
        assert step == "between_renames" and no_exchange
    # the next run repairs, removes the stale staging and publishes its own whole set
    p = _start(raw_a, out)
    p.join(60)
    assert p.exitcode == 0
    assert _published(out) == ref_a
    assert sorted(q.name for q in store_dir(out).iterdir()) == [".gitignore", "lock"]


def test_second_writer_is_told_who_holds_the_lock(tmp_path):
    out = tmp_path / "o"
    with OutputLock(out, command="jbp clean"):
        with pytest.raises(OutputBusy, match=r"another `jbp clean` is writing .*\(pid \d+, since "):
            OutputLock(out, command="jbp clean").acquire()
    OutputLock(out, command="jbp clean").acquire().release()  # released: free again


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path):
    out = tmp_path / "o"

    def hold() -> None:
        OutputLock(out, command="jbp clean").acquire()
        os.kill(os.getpid(), 9)

    p = mp.get_context("fork").Process(target=hold)
    p.start()
    p.join(30)
    assert p.exitcode == -signal.SIGKILL
    assert (store_dir(out) / "lock").read_text()  # the dead holder's record is still there
    with OutputLock(out, command="jbp clean") as lock:
        assert lock.fd is not None


def test_a_waiting_writer_gets_the_lock_when_it_is_released(tmp_path):
    out = tmp_path / "o"
    first = OutputLock(out, command="jbp clean").acquire()
    threading.Timer(0.3, first.release).start()
    with OutputLock(out, command="jbp clean", wait=10) as second:
        assert second.fd is not None


def test_reader_refuses_a_set_whose_file_changed(baseline_out, tmp_path):
    out = tmp_path / "p"
    shutil.copytree(baseline_out, out)
    read_set(out, READ)
    (out / "rejects.csv").write_text("file,row\n")
    with pytest.raises(JBPInputError, match=r"rejects\.csv: does not match manifest"):
        read_set(out, READ)


def test_report_reader_exits_2_on_a_mixed_set(baseline_out, tmp_path, capsys):
    from jbp_analysis.cli import main

    out = tmp_path / "p"
    shutil.copytree(baseline_out, out)
    with (out / "panel.parquet").open("ab") as fh:
        fh.write(b"\0")
    rc = main(
        ["report", "--district", "3322", "--processed", str(out), "--out", str(tmp_path / "r")]
    )
    err = capsys.readouterr().err
    assert rc == 2
    assert "panel.parquet: does not match manifest.json" in err
    assert "Traceback" not in err and "Internal error" not in err
    assert not (tmp_path / "r" / "3322-kab-semarang").exists()


def test_out_that_is_a_file_or_read_only_or_a_symlinked_store_exits_2(sample_raw, tmp_path, capsys):
    from jbp_analysis.cli import main

    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert main(["clean", "--raw", str(sample_raw), "--out", str(a_file)]) == 2
    assert "is an existing file" in capsys.readouterr().err
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o555)
    try:
        # root writes into read-only folders: /sys is read-only even for root
        target = Path("/sys/jbp-test") if os.access(ro, os.W_OK) else ro / "p"
        assert main(["clean", "--raw", str(sample_raw), "--out", str(target)]) == 2
        assert "cannot write" in capsys.readouterr().err
    finally:
        os.chmod(ro, 0o755)


def test_symlinked_staging_store_is_refused(sample_raw, tmp_path, capsys):
    from jbp_analysis.cli import main

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "p"
    store_dir(out).symlink_to(elsewhere)
    assert main(["clean", "--raw", str(sample_raw), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "symbolic link" in err and "Traceback" not in err
    assert list(elsewhere.iterdir()) == [] and not out.exists()
