"""Report inputs prepared once per batch, partitioned by district: reports cost their district.

Every district report needs indicators that are defined on the whole sample, so that districts
compare: income winsorised within wave over all districts, the awareness index weighted and
standardised on the whole control group at baseline, and each outcome's baseline value. Before,
every district kernel loaded the whole processed panel and rebuilt them, so a batch cost
(sample size x number of districts). Now ``jbp report`` builds them once
(:func:`prepare_report_inputs`) and writes one folder per district::

    <reports root>/.inputs/<data key>/district=3322/{outcomes,panel,groups,costs}.parquet
                                    /quality.json, meta.json

and each district kernel reads only its own folder (:func:`read_district_inputs`).

The provincial overview never loads the whole processed panel: it reads ``province/``, the
columns of every row that its own sections use (:data:`PROVINCE_COLUMNS`: design, the plan's
outcomes and covariates with their baseline values, unemployment and poverty), and the district
reports' own estimates (:func:`write_summary` / :func:`read_summaries`): the batch runs it after
every district (``Job.after_others``), and its forest plot and ranking then show exactly the
numbers of each district's report. A district without a summary (it failed, or the overview runs
alone) is estimated by the overview itself.

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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
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
    "PROVINCE",
    "PROVINCE_COLUMNS",
    "province_columns",
    "read_province_inputs",
    "write_summary",
    "read_summaries",
    "clear_summaries",
]

#: Environment variable through which ``jbp report`` tells its kernels where the inputs are.
INPUTS_ENV = "JBP_REPORT_INPUTS"
FRAMES = ("outcomes", "panel", "groups", "costs")
#: The processed data files (``load_processed`` reads them; their stamps key the inputs).
PROCESSED_FILES = ("panel.parquet", "groups.parquet", "costs.parquet")
#: The overview's folder in the inputs (beside ``district=XXXX``).
PROVINCE = "province"
#: Columns of the whole sample the provincial overview reads besides the plan's outcomes and
#: covariates (and every one's ``_bl`` baseline value) and the poverty section's
#: :data:`~jbp_analysis.outcomes.poverty.POVERTY_COLUMNS`: design and identifiers, and the
#: unemployment definitions of its levels paragraph. A section of the
#: overview that needs another column adds it here.
PROVINCE_COLUMNS = (
    "respondent_id",
    "group_id",
    "district_code",
    "arm",
    "stratum",
    "cohort",
    "wave",
    "responded",
    "sex",
    "female",
    "urban_rural",
    "interview_date",
    "unemployed",
    "unemployed_bps",
    "unemployed_ilo",
    "in_labour_force",
    "lf_status",
    "income_household",
)


def _write_partitions(target: Path, frames: Mapping[str, pd.DataFrame], *, quality: dict) -> None:
    target.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, np.ndarray]] = {}  # frame -> district -> its row positions
    for name, df in frames.items():
        codes, uniques = pd.factorize(df["district_code"].astype(str), sort=True)
        order = np.argsort(codes, kind="stable")  # one sort, not one scan per district
        cuts = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        rows[name] = {str(u): order[cuts[i] : cuts[i + 1]] for i, u in enumerate(uniques)}
    every = sorted(set().union(*(set(r) for r in rows.values())))
    empty = np.array([], dtype=np.intp)
    for code in every:
        folder = target / f"district={code}"
        folder.mkdir()
        for name, df in frames.items():  # every frame, empty with its columns if need be
            part = df.take(rows[name].get(code, empty)).reset_index(drop=True)
            part.to_parquet(folder / f"{name}.parquet", index=False)
    (target / "quality.json").write_text(
        json.dumps(quality, sort_keys=True, ensure_ascii=False), encoding="utf-8"
    )


def province_columns(columns: Sequence[str]) -> list[str]:
    """The columns of ``columns`` that the overview reads: :data:`PROVINCE_COLUMNS`, the plan's
    report outcomes, balance variables and covariates, and the ``_bl`` value of each.

    Examples
    --------
    >>> province_columns(["arm", "wave", "ca01_know_dana_desa", "age", "age_bl"])
    ['arm', 'wave', 'age', 'age_bl']
    """
    from jbp_analysis.outcomes.poverty import POVERTY_COLUMNS
    from jbp_analysis.report.estimable import (
        BALANCE_VARIABLES,
        COVARIATES,
        PRIMARY_OUTCOMES,
        REPORT_OUTCOMES,
    )

    names = [*PROVINCE_COLUMNS, *POVERTY_COLUMNS]
    names += [o for fam in REPORT_OUTCOMES.values() for o in fam]
    names += [*PRIMARY_OUTCOMES, *BALANCE_VARIABLES, *COVARIATES]
    wanted = set(names) | {f"{n}_bl" for n in names}
    return [c for c in columns if c in wanted]


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
        (stage / PROVINCE).mkdir()
        for name in FRAMES:
            df = data[name]
            if name in ("outcomes", "panel"):
                df = df[province_columns(list(df.columns))]
            df.to_parquet(stage / PROVINCE / f"{name}.parquet", index=False)
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


def read_province_inputs(inputs: Path) -> dict[str, Any]:
    """The overview's frames: every row, the columns of :func:`province_columns`."""
    folder = Path(inputs) / PROVINCE
    out: dict[str, Any] = {n: pd.read_parquet(folder / f"{n}.parquet") for n in FRAMES}
    q = Path(inputs) / "quality.json"
    out["quality"] = json.loads(q.read_text(encoding="utf-8")) if q.is_file() else {}
    return out


def _summary_file(inputs: Path, district: str, name: str, tag: str) -> Path:
    return Path(inputs) / f"district={district}" / f"summary-{name}-{tag}.parquet"


def write_summary(inputs: Path, district: str, name: str, frame: pd.DataFrame, *, tag: str) -> Path:
    """Keep a district report's result ``frame`` (e.g. its impact estimates) for the overview.

    ``tag`` names the parameters the numbers depend on (waves, seed, level); written atomically.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); (d / "district=3322").mkdir()
    >>> _ = write_summary(d, "3322", "impacts", pd.DataFrame({"estimate": [0.5]}), tag="t1")
    >>> read_summaries(d, "impacts", tag="t1", districts=["3322", "3373"])["3322"]["estimate"].tolist()
    [0.5]
    >>> read_summaries(d, "impacts", tag="t2", districts=["3322"])
    {}
    """
    target = _summary_file(inputs, district, name, tag)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, target)
    return target


def read_summaries(
    inputs: Path, name: str, *, tag: str, districts: Sequence[str]
) -> dict[str, pd.DataFrame]:
    """The summaries ``name`` with ``tag`` that the ``districts`` reports left, by district."""
    out = {}
    for code in districts:
        f = _summary_file(inputs, code, name, tag)
        if f.is_file():
            out[code] = pd.read_parquet(f)
    return out


def clear_summaries(inputs: Path, districts: Sequence[str]) -> None:
    """Remove the summaries of ``districts`` (before their reports run again: a report that then
    fails leaves none, so the overview never shows a previous run's numbers)."""
    for code in districts:
        for f in (Path(inputs) / f"district={code}").glob("summary-*.parquet"):
            f.unlink(missing_ok=True)
