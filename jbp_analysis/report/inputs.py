"""Report inputs prepared once per batch, partitioned by district: reports cost their district.

Every district report needs indicators that are defined on the whole sample, so that districts
compare: income winsorised within wave over all districts, the awareness index weighted and
standardised on the whole control group at baseline, and each outcome's baseline value. Before,
every district kernel loaded the whole processed panel and rebuilt them, so a batch cost
(sample size x number of districts). Now ``jbp report`` builds them once
(:func:`prepare_report_inputs`) and writes one folder per district::

    <reports root>/.inputs/<data key>/district=3322/{outcomes,panel,groups,costs}.parquet
                                    /quality.json, meta.json

and each district kernel reads only its own folder (:func:`read_district_inputs`). The
provincial overview still reads the whole sample once: it is one report, not one per district.
The data key is the processed folder's file stamps (path, size, modification time), so a new
``jbp clean`` is never read through stale inputs.

Examples
--------
>>> import tempfile, pandas as pd
>>> d = Path(tempfile.mkdtemp())
>>> frames = {"outcomes": pd.DataFrame({"district_code": ["3322", "3373"], "y": [1, 2]})}
>>> _write_partitions(d, frames, quality={})
>>> sorted(p.name for p in d.iterdir())
['district=3322', 'district=3373', 'quality.json']
>>> read_district_inputs(d, "3373")["outcomes"]["y"].tolist()
[2]
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "INPUTS_ENV",
    "prepare_report_inputs",
    "read_district_inputs",
    "data_key",
    "files_stamp",
    "PROCESSED_FILES",
    "inputs_for",
    "FRAMES",
]

#: Environment variable through which ``jbp report`` tells its kernels where the inputs are.
INPUTS_ENV = "JBP_REPORT_INPUTS"
FRAMES = ("outcomes", "panel", "groups", "costs")
#: The processed data files (``load_processed`` reads them; their stamps key the inputs).
PROCESSED_FILES = ("panel.parquet", "groups.parquet", "costs.parquet")


def _write_partitions(target: Path, frames: Mapping[str, pd.DataFrame], *, quality: dict) -> None:
    target.mkdir(parents=True, exist_ok=True)
    codes = {n: df["district_code"].astype(str).to_numpy() for n, df in frames.items()}
    every = sorted(set().union(*(set(c) for c in codes.values())))
    for code in every:
        folder = target / f"district={code}"
        folder.mkdir()
        for name, df in frames.items():  # every frame, empty with its columns if need be
            part = df[codes[name] == code].reset_index(drop=True)
            part.to_parquet(folder / f"{name}.parquet", index=False)
    (target / "quality.json").write_text(
        json.dumps(quality, sort_keys=True, ensure_ascii=False), encoding="utf-8"
    )


def files_stamp(processed_dir: str | os.PathLike) -> tuple:
    """The processed files as they are now: name, modification time and size of each."""
    pdir = Path(processed_dir)
    return tuple(
        (n, st.st_mtime_ns, st.st_size)
        for n in (*PROCESSED_FILES, "quality.json", "manifest.json")
        if (p := pdir / n).is_file() and (st := p.stat())
    )


def data_key(processed_dir: str | os.PathLike) -> str:
    """A key for the processed data as they are now: their folder and :func:`files_stamp`."""
    import hashlib

    pdir = Path(processed_dir).resolve()
    return hashlib.sha256(repr((str(pdir), files_stamp(pdir))).encode()).hexdigest()[:16]


def prepare_report_inputs(
    data: Mapping[str, Any], processed_dir: str | os.PathLike, *, root: str | os.PathLike
) -> Path:
    """Write the shared indicators (``data``: :func:`~jbp_analysis.report.setup.report_data` of
    the whole sample) partitioned by district, once per version of the processed data.

    Returns the inputs folder (reused when it already exists for the same processed data).
    Older inputs folders under ``<root>/.inputs`` are removed.
    """
    base = Path(root).resolve() / ".inputs"
    target = base / data_key(processed_dir)
    if (target / "meta.json").is_file():
        return target
    stage = base / f".stage-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        _write_partitions(stage, {n: data[n] for n in FRAMES}, quality=data.get("quality", {}))
        meta = {"processed_dir": str(Path(processed_dir).resolve())}
        meta["rows"] = {n: int(len(data[n])) for n in FRAMES}
        (stage / "meta.json").write_text(json.dumps(meta, sort_keys=True), encoding="utf-8")
        for old in base.iterdir():
            if old.is_dir() and old != stage:
                shutil.rmtree(old, ignore_errors=True)
        os.replace(stage, target)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    return target


def inputs_for(processed_dir: Path) -> Path | None:
    """The prepared inputs folder named by ``$JBP_REPORT_INPUTS`` if it was built from
    ``processed_dir`` as it is now, else ``None`` (the caller then loads the whole sample)."""
    folder = os.environ.get(INPUTS_ENV)
    if not folder:
        return None
    path = Path(folder)
    if path.name != data_key(processed_dir) or not (path / "meta.json").is_file():
        return None
    return path


def read_district_inputs(inputs: Path, district: str) -> dict[str, Any]:
    """One district's prepared frames (``outcomes``, ``panel``, ``groups``, ``costs``) and the
    batch's ``quality``; only that district's files are opened."""
    folder = Path(inputs) / f"district={district}"
    if not folder.is_dir():
        from jbp_analysis.core.errors import JBPInputError

        present = sorted(p.name.split("=", 1)[1] for p in Path(inputs).glob("district=*"))
        raise JBPInputError(
            f"no respondents for district {district} in the processed data; districts "
            f"present: {', '.join(present)}",
            column="district_code",
        )
    out: dict[str, Any] = {}
    for name in FRAMES:
        f = folder / f"{name}.parquet"
        out[name] = pd.read_parquet(f) if f.is_file() else pd.DataFrame()
    q = Path(inputs) / "quality.json"
    out["quality"] = json.loads(q.read_text(encoding="utf-8")) if q.is_file() else {}
    return out
