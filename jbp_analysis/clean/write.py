"""Atomic, deterministic output writing.

The whole output set is one transaction (:mod:`jbp_analysis.core.publish`): the run takes the
output folder's lock (a second ``jbp clean`` into the same folder exits 2 naming the holder's pid
and start time), writes every output into its own unique staging folder beside the output
folder, and publishes the set in one atomic directory exchange. A failure or an interruption
before that point removes the staging folder and leaves the previous outputs untouched; an
output folder that did not exist before is not created. Staging folders left by a killed run
are removed by the next run.

Files are deterministic: parquet with a fixed row order, zstd compression and no timestamps
(Arrow writes none; the pandas schema metadata holds only column types), CSV with ``\\n`` line
ends and formula cells neutralised (:mod:`jbp_analysis.core.io`), JSON with a fixed key order.
Two runs on the same input give byte-identical files.

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

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jbp_analysis.core import io as _io
from jbp_analysis.core.publish import transaction

__all__ = [
    "atomic_outputs",
    "write_parquet",
    "write_csv",
    "write_csv_pieces",
    "write_text",
    "file_sha256",
]


@contextmanager
def atomic_outputs(out: Path, *, command: str = "jbp clean", wait: float = 0.0) -> Iterator[Path]:
    """Yield a unique staging folder; on success publish it as ``out`` in one atomic step."""
    with transaction(Path(out), command=command, wait=wait) as stage:
        yield stage


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Deterministic parquet (no index, zstd, statistics on)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, compression="zstd", write_statistics=True)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV without index, ``\\n`` line ends, quotes only where needed, formula cells
    neutralised (:func:`jbp_analysis.core.io.write_csv`)."""
    _io.write_csv(df, path)


def write_csv_pieces(pieces, path: Path) -> None:
    """:func:`write_csv` of the concatenated ``pieces``, written one piece at a time
    (:func:`jbp_analysis.core.io.write_csv_pieces`)."""
    _io.write_csv_pieces(pieces, path)


def write_text(text: str, path: Path) -> None:
    """UTF-8 text."""
    Path(path).write_text(text, encoding="utf-8", newline="\n")


#: SHA-256 of a file (:func:`jbp_analysis.core.io.sha256_file`).
file_sha256 = _io.sha256_file
