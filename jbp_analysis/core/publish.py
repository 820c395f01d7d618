"""Output sets as transactions: a lock, a unique staging folder, one atomic publishing step.

A run that writes a folder of outputs (``jbp clean`` -> ``data/processed``, one report folder of
``jbp report``) works like a database transaction (all or nothing; concurrent writers
serialise):

1. :class:`OutputLock` takes an exclusive ``flock`` on ``<parent>/.<name>.jbp/lock`` and writes
   the holder's pid, start time and command into it. A second writer exits 2 with "another
   `jbp clean` is writing DIR (pid N, since T)", or waits when asked to. The kernel releases a
   ``flock`` when its holder dies, so a lock left by a killed run is never mistaken for a live
   one (the stale lock file is simply taken over).
2. :func:`transaction` yields a fresh, uniquely named staging folder beside the output folder
   (same file system). On success the staging folder and the output folder are exchanged in one
   ``renameat2(RENAME_EXCHANGE)`` system call, so a reader that opens the folder at any moment
   finds the whole old set or the whole new set. Files in the old folder that the run does not
   produce (``.gitkeep``, a README) are carried over. Where the exchange is not supported, two
   renames are used and an interrupted swap is repaired by the next run.
3. Staging and retired folders left by killed runs are removed by the next run that holds the
   lock.

:func:`read_set` is the reader's side: it opens the folder once (a directory descriptor, so a
publish in the middle cannot mix two sets), reads ``manifest.json`` and checks every listed
file's SHA-256; a mismatch is a :class:`~jbp_analysis.core.errors.JBPInputError` (exit 2).

Examples
--------
>>> import tempfile
>>> out = Path(tempfile.mkdtemp()) / "processed"
>>> with transaction(out, command="demo") as stage:
...     _ = (stage / "a.txt").write_text("one")
>>> (out / "a.txt").read_text()
'one'
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from jbp_analysis.core.errors import ConfigError, JBPError, JBPInputError

__all__ = [
    "OutputBusy",
    "OutputLock",
    "transaction",
    "exchange",
    "store_dir",
    "read_set",
    "recover",
    "MANIFEST",
]

MANIFEST = "manifest.json"
_STAGE = "stage-"
_OLD = "old-"
_RENAME_EXCHANGE = 2
#: Test hook: called with the name of each publishing step (kill tests stop the process there).
_STEP_HOOK: Callable[[str], None] | None = None


def _step(name: str) -> None:
    if _STEP_HOOK is not None:
        _STEP_HOOK(name)
    env = os.environ.get("JBP_TEST_KILL_AT")
    if env and env == name:
        os.kill(os.getpid(), 9)


#: Locks this process holds, by output folder: a transaction inside a locked run reuses its lock.
_HELD: dict[str, OutputLock] = {}


class OutputBusy(JBPError):
    """Another run holds the output folder's lock."""


def store_dir(out: Path) -> Path:
    """``<parent>/.<name>.jbp``: the lock, staging and retired folders of output folder ``out``."""
    out = Path(out)
    return out.parent / f".{out.name}.jbp"


def _check_out(out: Path) -> Path:
    """The output folder as an absolute path, refusing files, symlinked stores, read-only parents."""
    out = Path(out).absolute()
    if out.is_symlink():
        out = out.resolve()
    if out.exists() and not out.is_dir():
        raise ConfigError(
            f"the output path {out} is an existing file, not a folder; give --out a folder "
            "(it is created if needed)"
        )
    store = store_dir(out)
    if store.is_symlink():
        raise ConfigError(
            f"{store} is a symbolic link; jbp keeps its staging folders there and refuses to write "
            "through a link. Remove the link and rerun."
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        store.mkdir(exist_ok=True)
        ignore = store / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot write beside the output folder {out} ({exc.strerror or exc}); choose a "
            "writable --out folder or fix the folder's permissions"
        ) from None
    if out.exists() and not os.access(out, os.W_OK | os.X_OK):
        raise ConfigError(
            f"the output folder {out} is read-only; make it writable or choose another --out"
        )
    return out


class OutputLock:
    """Exclusive lock on an output folder (``flock`` on ``.<name>.jbp/lock``).

    Parameters
    ----------
    out
        The output folder.
    command
        What holds it, for the message a second writer sees (``"jbp clean"``).
    wait
        Seconds to wait for the lock before giving up (0: fail at once).

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "o"
    >>> with OutputLock(out, command="jbp clean"):
    ...     try:
    ...         OutputLock(out, command="jbp clean").acquire()
    ...     except OutputBusy as e:
    ...         print(str(e).split(" (")[0].replace(str(out), "OUT"))
    another `jbp clean` is writing OUT
    """

    def __init__(self, out: Path, *, command: str = "jbp", wait: float = 0.0) -> None:
        self.out = _check_out(out)
        self.path = store_dir(self.out) / "lock"
        self.command = command
        self.wait = wait
        self.fd: int | None = None

    def acquire(self) -> OutputLock:
        deadline = time.monotonic() + self.wait
        while True:
            self.path.parent.mkdir(exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                if time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                raise OutputBusy(
                    f"another `{holder.get('command', 'jbp')}` is writing {self.out} "
                    f"(pid {holder.get('pid', '?')}, since {holder.get('since', '?')}); wait for "
                    "it to finish, or stop it, then rerun"
                ) from None
            # the lock file may have been replaced between open and flock: lock the live inode
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            info = {
                "pid": os.getpid(),
                "since": datetime.now(UTC).replace(microsecond=0).isoformat(),
                "command": self.command,
                "host": socket.gethostname(),
            }
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
            self.fd = fd
            _HELD[str(self.out)] = self
            return self

    def release(self) -> None:
        if _HELD.get(str(self.out)) is self:
            del _HELD[str(self.out)]
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            os.close(self.fd)  # closing releases the flock
            self.fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _read_holder(fd: int) -> dict:
    try:
        return json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (OSError, ValueError):
        return {}


# --------------------------------------------------------------------------- the exchange
def _renameat2_exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd = -100
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def exchange(stage: Path, out: Path) -> Path | None:
    """Put ``stage`` in place of ``out``; return where the old folder now is (``None`` if
    there was none). Atomic with ``renameat2(RENAME_EXCHANGE)``; otherwise two renames whose
    interruption :func:`recover` repairs."""
    stage, out = Path(stage), Path(out)
    if not out.exists():
        _step("before_publish")
        os.rename(stage, out)
        _step("after_publish")
        return None
    _step("before_publish")
    if _renameat2_exchange(stage, out):
        _step("after_publish")
        return stage  # the old set now sits at the staging path
    old = stage.with_name(_OLD + stage.name[len(_STAGE) :])
    os.rename(out, old)
    _step("between_renames")
    os.rename(stage, out)
    _step("after_publish")
    return old


def recover(out: Path) -> list[str]:
    """Repair an interrupted publish and remove staging/retired folders (call under the lock).

    Returns the names removed. If ``out`` is missing but a retired folder exists (a run killed
    between its two renames), the newest retired folder is put back.
    """
    out = Path(out).absolute()
    store = store_dir(out)
    removed: list[str] = []
    if not store.is_dir():
        return removed
    olds = sorted(
        (p for p in store.iterdir() if p.name.startswith(_OLD) and p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    if not out.exists() and olds:
        os.rename(olds.pop(), out)
    for p in store.iterdir():
        if (p.name.startswith((_STAGE, _OLD))) and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed


def _carry_over(old: Path, stage: Path) -> None:
    """Copy files of ``old`` that the run did not write (``.gitkeep``, a README) into ``stage``."""
    for p in old.iterdir():
        dest = stage / p.name
        if dest.exists() or dest.is_symlink() or p.is_symlink():
            continue
        if p.is_dir():
            shutil.copytree(p, dest, symlinks=True)
        elif p.is_file():
            try:
                os.link(p, dest)
            except OSError:
                shutil.copy2(p, dest)


@contextlib.contextmanager
def transaction(
    out: Path,
    *,
    command: str = "jbp",
    wait: float = 0.0,
    carry: bool = True,
    lock: bool = True,
) -> Iterator[Path]:
    """Lock ``out``, yield a unique staging folder, publish it atomically on success.

    On any exception (including ``KeyboardInterrupt`` and ``SystemExit``) the staging folder is
    removed and ``out`` is left exactly as it was. ``lock=False`` is for callers that already
    hold the lock.
    """
    out = _check_out(out)
    held = _HELD.get(str(out))
    guard = OutputLock(out, command=command, wait=wait) if lock and held is None else None
    if guard:
        guard.acquire()
    if guard or held:
        recover(out)
    stage = None
    try:
        store = store_dir(out)
        stage = store / f"{_STAGE}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        stage.mkdir(mode=0o755)
        yield stage
        _step("staged")
        if carry and out.is_dir():
            _carry_over(out, stage)
        old = exchange(stage, out)
        stage = None
        if old is not None:
            _step("before_cleanup")
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
        if guard:
            if not out.exists():  # a first run that failed leaves nothing behind
                store = store_dir(out)
                with contextlib.suppress(OSError):
                    recover(out)
                    for p in (store / "lock", store / ".gitignore"):
                        p.unlink(missing_ok=True)
                    store.rmdir()
            guard.release()


# ----------------------------------------------------------------------------- the reader
def read_set(
    folder: str | os.PathLike,
    names: Iterable[str],
    *,
    optional: Iterable[str] = (),
    attempts: int = 5,
) -> dict[str, bytes]:
    """Read ``names`` from one output set, all from the same published folder, verified
    against its ``manifest.json`` (when the folder has one).

    Raises
    ------
    JBPInputError
        A file is missing (and not ``optional``) or its SHA-256 differs from the manifest's: the set
        is mixed or was changed after it was written.

    Examples
    --------
    >>> import tempfile, hashlib
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_bytes(b"x")
    >>> _ = (d / MANIFEST).write_text(json.dumps({"outputs": {"a.txt": "0" * 64}}))
    >>> read_set(d, ["a.txt"])
    Traceback (most recent call last):
    ...
    jbp_analysis.core.errors.JBPInputError: ...a.txt: does not match manifest.json ...
    """
    import hashlib

    folder = Path(folder)
    optional = set(optional)
    names = [*names, *sorted(optional)]
    last: Exception | None = None
    for _ in range(max(1, attempts)):
        try:
            dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            last = None
            time.sleep(0.05)  # a two-rename publish in progress
            continue
        try:
            blobs: dict[str, bytes] = {}
            manifest: dict = {}
            try:
                manifest = json.loads(_read_at(dfd, MANIFEST).decode("utf-8"))
            except FileNotFoundError:
                manifest = {}
            except (ValueError, UnicodeDecodeError) as exc:
                raise JBPInputError(
                    f"not a valid manifest ({type(exc).__name__}); the output set is damaged",
                    file=folder / MANIFEST,
                    hint="Rerun `jbp clean`.",
                ) from None
            expected = manifest.get("outputs", {}) if isinstance(manifest, dict) else {}
            for n in names:
                try:
                    blobs[n] = _read_at(dfd, n)
                except FileNotFoundError:
                    if n not in optional or n in expected:
                        raise
            for n, data in blobs.items():
                want = expected.get(n)
                if want is not None and hashlib.sha256(data).hexdigest() != want:
                    raise JBPInputError(
                        "does not match manifest.json (its SHA-256 differs): the output set is "
                        "mixed or was changed after it was written",
                        file=folder / n,
                        hint="Rerun `jbp clean` to write a whole set; do not edit processed files.",
                    )
            return blobs
        except FileNotFoundError as exc:
            last = exc  # the folder was retired while we read: read the new one
            time.sleep(0.05)
        finally:
            os.close(dfd)
    name = last.filename if isinstance(last, FileNotFoundError) and last.filename else None
    raise JBPInputError(
        "missing from the output set" if name else "the output folder does not exist",
        file=folder / name if name else folder,
        hint="Run `jbp clean` (or `make report`) first.",
    )


def _read_at(dfd: int, name: str) -> bytes:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dfd)
    except FileNotFoundError as exc:
        exc.filename = name
        raise
    with os.fdopen(fd, "rb") as fh:
        return fh.read()
