"""Is a raw folder exactly the simulated sample? (``SIMULATED.json`` and the hashes it records)

``jbp simulate`` records the SHA-256 of every file it writes in ``SIMULATED.json``. A folder is
the untouched simulated sample only when every file in it (except ``SIMULATED.json`` itself,
``README.md``, ``.gitkeep``, ``.gitignore`` and hidden files) is one of those files with the
recorded hash. Two decisions rest on this, and both fail safe:

* cleaning uses the public demo key only for an untouched simulated sample; anything else is
  real data and needs the project secret (:mod:`jbp_analysis.clean.pseudonymise`);
* ``jbp simulate`` writes only into an empty folder or an untouched simulated sample, so it can
  never overwrite or mix with real exports (:mod:`jbp_analysis.simulate.simulation`).

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "responden_baseline.csv").write_text("a,b\\n")
>>> [f.name for f in unverified_files(folder)]  # no marker: nothing is known to be simulated
['responden_baseline.csv']
>>> _ = write_marker(folder, {"simulated": True}, ["responden_baseline.csv"])
>>> unverified_files(folder)
[]
>>> _ = (folder / "responden_baseline.csv").write_text("a,b\\n1,2\\n")
>>> [(f.name, f.reason) for f in unverified_files(folder)]
[('responden_baseline.csv', 'changed since jbp simulate wrote it')]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jbp_analysis.core.io import sha256_file

__all__ = [
    "MARKER",
    "IGNORED_NAMES",
    "UnverifiedFile",
    "folder_files",
    "read_marker",
    "write_marker",
    "unverified_files",
    "is_untouched_simulation",
    "describe",
]

MARKER = "SIMULATED.json"
#: Files that may sit in a raw folder without making it "real data".
IGNORED_NAMES: frozenset[str] = frozenset({"README.md", ".gitkeep", ".gitignore"})


@dataclass(frozen=True)
class UnverifiedFile:
    """A file in the folder that is not an untouched file of the simulated sample."""

    name: str  # path relative to the folder, with "/"
    reason: str

    def __str__(self) -> str:
        return f"{self.name} ({self.reason})"


def folder_files(folder: Path) -> list[str]:
    """Relative paths of the files that count (recursive, sorted); see the module docstring."""
    folder = Path(folder)
    out = []
    for p in folder.rglob("*"):
        rel = p.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        if rel.as_posix() == MARKER or p.name in IGNORED_NAMES:
            continue
        out.append(rel.as_posix())
    return sorted(out)


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The parsed ``SIMULATED.json`` of a folder, or None (absent or unreadable)."""
    path = Path(folder) / MARKER
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None
    return data if isinstance(data, dict) else None


def write_marker(folder: Path, content: dict[str, Any], files: list[str]) -> dict[str, str]:
    """Write ``SIMULATED.json`` with ``content`` plus the SHA-256 of each of ``files``.

    Returns the ``{relative path: sha256}`` map it recorded (sorted keys, so deterministic).
    """
    folder = Path(folder)
    hashes = {name: sha256_file(folder / name) for name in sorted(files)}
    body = {**content, "sha256": hashes}
    text = json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (folder / MARKER).write_text(text, encoding="utf-8")
    return hashes


def unverified_files(folder: Path) -> list[UnverifiedFile]:
    """Files in ``folder`` that ``jbp simulate`` did not write, or that changed since.

    Without a readable ``SIMULATED.json`` (or one from a version that recorded no hashes) no
    file is verified, so every file is listed.
    """
    folder = Path(folder)
    marker = read_marker(folder)
    hashes = (marker or {}).get("sha256")
    if not isinstance(hashes, dict):
        why = "no SIMULATED.json" if marker is None else "SIMULATED.json records no hashes"
        return [UnverifiedFile(n, f"not verified: {why}") for n in folder_files(folder)]
    out = []
    for name in folder_files(folder):
        want = hashes.get(name)
        if want is None:
            out.append(UnverifiedFile(name, "not written by jbp simulate"))
        elif sha256_file(folder / name) != want:
            out.append(UnverifiedFile(name, "changed since jbp simulate wrote it"))
    return out


def is_untouched_simulation(folder: Path) -> bool:
    """True when ``folder`` holds ``SIMULATED.json`` and only untouched simulated files."""
    return read_marker(folder) is not None and not unverified_files(folder)


_OLD_MARKER = "SIMULATED.json records no hashes"


def describe(files: list[UnverifiedFile], *, limit: int = 8) -> str:
    """``"a.csv (changed ...), b.csv (not written ...)"``, shortened after ``limit`` files.

    A sample written before the hashes were recorded gets a hint to simulate it again.
    """
    if files and all(_OLD_MARKER in f.reason for f in files):
        return (
            f"{len(files)} file(s) of a simulated sample written before jbp simulate recorded "
            "file hashes (nothing can be verified; if the folder holds only that sample, delete "
            "its files and run `jbp simulate` again)"
        )
    text = ", ".join(str(f) for f in files[:limit])
    if len(files) > limit:
        text += f" and {len(files) - limit} more"
    return text
