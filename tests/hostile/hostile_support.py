"""Helpers of the hostile-input tests (a module of its own: ``conftest`` is ambiguous when
several test folders have one)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def simulate(out: Path, *, seed: int = 20170401, districts: str = "3322,3373") -> Path:
    from jbp_analysis.cli import main

    rc = main(
        ["simulate", "--out", str(out), "--seed", str(seed), "--districts", districts,
         "--groups-per-district", "2"]
    )  # fmt: skip
    assert rc == 0
    return out


def tree_hash(folder: Path, *, same_code: bool = False) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``folder`` (following no links).

    ``same_code``: hash ``manifest.json`` without its ``code_version`` (the hash of the
    cleaning sources, which other work in a shared tree may change between two runs).
    """
    out = {}
    for p in sorted(Path(folder).rglob("*")):
        if p.is_file() and not p.is_symlink():
            data = p.read_bytes()
            if same_code and p.name == "manifest.json":
                doc = json.loads(data)
                doc.pop("code_version", None)
                data = json.dumps(doc, sort_keys=True).encode()
            out[str(p.relative_to(folder))] = hashlib.sha256(data).hexdigest()
    return out
