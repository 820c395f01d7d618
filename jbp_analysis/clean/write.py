"""Atomic, deterministic output writing.

Every output is first written into a temporary folder inside the output folder; only when all
of them are written are they renamed into place (``os.replace``, atomic per file on one file
system). A failure before that point removes the temporary folder and leaves the previous
outputs untouched; an output folder that did not exist before is removed again.

Files are deterministic: parquet with a fixed row order, zstd compression and no timestamps
(Arrow writes none; the pandas schema metadata holds only column types), CSV with ``\\n`` line
ends, JSON with a fixed key order. Two runs on the same input give byte-identical files.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> out = pathlib.Path(tempfile.mkdtemp()) / "processed"
>>> with atomic_outputs(out) as tmp:
...     write_csv(pd.DataFrame({"a": [1]}), tmp / "a.csv")
>>> (out / "a.csv").read_text()
'a\\n1\\n'
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = ["atomic_outputs", "write_parquet", "write_csv", "write_text", "file_sha256"]

_TMP = ".jbp-clean-tmp"


@contextmanager
def atomic_outputs(out: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success move its files into ``out``."""
    out = Path(out)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / _TMP
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
        for path in sorted(tmp.iterdir()):
            os.replace(path, out / path.name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    shutil.rmtree(tmp, ignore_errors=True)


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Deterministic parquet (no index, zstd, statistics on)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, compression="zstd", write_statistics=True)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV without index, ``\\n`` line ends, quotes only where needed (Arrow writer)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    header = ",".join(_quote(str(c)) for c in df.columns) + "\n"
    with Path(path).open("wb") as fh:
        fh.write(header.encode("utf-8"))
        pacsv.write_csv(
            table,
            fh,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"),
        )


def _quote(text: str) -> str:
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_text(text: str, path: Path) -> None:
    """UTF-8 text."""
    path.write_text(text, encoding="utf-8", newline="\n")


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
