"""Find the raw exports in ``data/raw`` and map their headers to codebook names.

File names follow the codebook's ``files`` section (``responden_{wave}``, ``kelompok_{wave}``,
``penugasan_kelompok``, ``biaya_program``) with a ``.csv``, ``.xlsx``, ``.dta`` or ``.sav``
extension. The simulator's answer key (``_truth/``), ``SIMULATED.json``, README files, hidden
files and sub-folders are not survey exports and are skipped.

Headers are matched as exported by KoboToolbox/ODK: exactly as in the codebook
(``latar/umur``), without their group path (``umur``, as in "export without groups"), with ``.``,
``:`` or ``-`` as the group separator, or with the path joined by ``_`` (Stata/SPSS exports).
Matching ignores case and surrounding spaces.

Examples
--------
>>> from jbp_analysis.study.codebook import load_codebook
>>> keys = header_keys(load_codebook(), "respondent")
>>> keys["umur"], keys["latar_umur"], keys["latar/umur"]
('age', 'age', 'age')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jbp_analysis.clean.readers import FORMATS, RawTable
from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.study.codebook import Codebook, Variable

__all__ = ["InputFile", "MappedTable", "discover", "header_keys", "map_headers", "sha256"]

_GROUP_SEP = re.compile(r"[/.:\-]")
_NOT_EXPORTS = {"simulated.json"}
_REQUIRED_MODULES = (("assignment", None), ("respondent", "baseline"))


@dataclass(frozen=True)
class InputFile:
    """One raw export found in the raw folder."""

    path: Path
    module: str
    wave: str | None
    sha256: str

    @property
    def name(self) -> str:
        """File name (as used in logs and rejects)."""
        return self.path.name


@dataclass(frozen=True)
class MappedTable:
    """A raw table with canonical column names.

    ``frame`` holds one string column per codebook variable of the module (missing optional
    columns as all-missing), ``headers`` the export header each came from, ``unknown`` the
    export headers that are not in the codebook for this module and wave (their values are
    never carried to any output).
    """

    source: InputFile
    raw: RawTable = field(repr=False)
    frame: pd.DataFrame = field(repr=False)
    headers: dict[str, str]
    unknown: tuple[str, ...]


def sha256(path: Path) -> str:
    """SHA-256 hex digest of a file, read in chunks (:func:`jbp_analysis.core.io.sha256_file`)."""
    from jbp_analysis.core.io import sha256_file

    return sha256_file(path)


def _stems(codebook: Codebook) -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    for module, spec in codebook.files.items():
        if spec.get("per_wave"):
            for wave in codebook.waves:
                out[spec["stem"].format(wave=wave)] = (module, wave)
        else:
            out[spec["stem"]] = (module, None)
    return out


def discover(raw: Path, codebook: Codebook) -> list[InputFile]:
    """List the survey exports in ``raw``, in a fixed order (module, wave).

    Raises
    ------
    JBPInputError
        ``raw`` is missing or holds no exports, two files share a stem, a data file has a name
        that is not a JBP export, or the assignment file or the baseline respondent file is
        missing.
    """
    raw = Path(raw)
    if not raw.is_dir():
        raise JBPInputError("the raw data folder does not exist or is not a folder", file=raw)
    stems = _stems(codebook)
    found: dict[str, Path] = {}
    for path in sorted(raw.iterdir()):
        name = path.name
        if path.is_dir() or name.startswith((".", "_")) or name.lower() in _NOT_EXPORTS:
            continue
        if name.lower().startswith("readme"):
            continue
        if path.suffix.lower() not in FORMATS:
            if path.suffix.lower() in {".xls", ".json", ".tsv", ".txt", ".zip", ".ods"}:
                raise JBPInputError(
                    f"unsupported export type {path.suffix!r}",
                    file=path,
                    hint="Export the survey as .csv, .xlsx, .dta or .sav (or move the file out "
                    "of the raw folder).",
                )
            continue
        stem = path.stem.lower()
        if stem not in stems:
            raise JBPInputError(
                "not a JBP survey export: the name is none of "
                + ", ".join(sorted(stems))
                + " (with .csv, .xlsx, .dta or .sav)",
                file=path,
                hint="A file from another survey does not belong in the raw folder; rename a JBP "
                "export to its codebook name.",
            )
        if stem in found:
            raise JBPInputError(
                f"two exports of the same data: {found[stem].name} and {name}",
                file=path,
                hint="Keep one of them in the raw folder.",
            )
        found[stem] = path
    if not found:
        raise JBPInputError(
            "no survey exports found (expected responden_baseline.csv, penugasan_kelompok.csv, "
            "...)",
            file=raw,
        )
    files = [
        InputFile(path=p, module=stems[s][0], wave=stems[s][1], sha256=sha256(p))
        for s, p in found.items()
    ]
    modules = list(codebook.files)
    waves = list(codebook.waves)
    files.sort(key=lambda f: (modules.index(f.module), waves.index(f.wave) if f.wave else -1))
    present = {(f.module, f.wave) for f in files}
    for module, wave in _REQUIRED_MODULES:
        if (module, wave) not in present:
            stem = codebook.files[module]["stem"].format(wave=wave)
            raise JBPInputError(
                f"the required export {stem}.csv (or .xlsx/.dta/.sav) is missing",
                file=raw,
            )
    return files


def header_keys(codebook: Codebook, module: str) -> dict[str, str]:
    """``{accepted header key: canonical name}`` for a module (keys are lower case).

    A short key (the header without its group path) that two variables would share is left out.
    """
    full: dict[str, str] = {}
    short: dict[str, set[str]] = {}
    for v in codebook.module(module):
        for h in v.headers:
            key = h.strip().lower()
            full[key] = v.name
            parts = [p for p in _GROUP_SEP.split(key) if p]
            full["_".join(parts)] = v.name
            short.setdefault(parts[-1], set()).add(v.name)
    for key, names in short.items():
        if len(names) == 1 and key not in full:
            full[key] = next(iter(names))
    return full


def _asked(v: Variable, wave: str | None) -> bool:
    return wave is None or "all" in v.waves or wave in v.waves


def map_headers(table: RawTable, source: InputFile, codebook: Codebook) -> MappedTable:
    """Rename export headers to canonical names; check required columns.

    Raises
    ------
    JBPInputError
        No header is known (a file from another survey), two headers map to the same variable,
        or a required column is missing.
    """
    keys = header_keys(codebook, source.module)
    variables = [v for v in codebook.module(source.module) if _asked(v, source.wave)]
    asked = {v.name for v in variables}
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for header in table.frame.columns:
        key = str(header).strip().lower()
        name = keys.get(key)
        if name is None:
            parts = [p for p in _GROUP_SEP.split(key) if p]
            name = keys.get("_".join(parts)) or (keys.get(parts[-1]) if parts else None)
        if name is None or name not in asked:
            unknown.append(str(header))
            continue
        if name in mapping.values():
            other = next(h for h, n in mapping.items() if n == name)
            raise JBPInputError(
                f"columns {other!r} and {header!r} both hold the variable {name!r}",
                file=source.path,
                column=str(header),
                hint="Keep one of them.",
            )
        mapping[str(header)] = name
    if not mapping:
        raise JBPInputError(
            "none of the column headers is in the JBP codebook: this looks like an export from "
            f"another survey (first headers: {', '.join(map(str, table.frame.columns[:4]))})",
            file=source.path,
            hint="Only JBP exports belong in the raw folder.",
        )
    for v in variables:
        if v.required and v.name not in mapping.values():
            raise JBPInputError(
                f"required column missing (variable {v.name!r}, {v.label['en']})",
                file=source.path,
                column=v.header,
                hint="Re-export the form with all questions, or add the column.",
            )
    frame = table.frame.rename(columns=mapping)
    cols = {}
    for v in variables:
        cols[v.name] = (
            frame[v.name]
            if v.name in frame.columns
            else pd.Series(pd.NA, index=frame.index, dtype=pd.StringDtype("pyarrow"))
        )
    headers = {name: header for header, name in mapping.items()}
    return MappedTable(
        source=source,
        raw=table,
        frame=pd.DataFrame(cols, index=frame.index),
        headers=headers,
        unknown=tuple(unknown),
    )
