"""One codebook YAML file as data: :class:`Codebook` of :class:`Variable` entries.

The codebook is the single source of truth for every survey variable: it maps export headers
to canonical names and records type, unit, range, codes, missing codes, skip logic, PII status
and labels in Bahasa Indonesia and English. This module only parses a given file
(:func:`read_codebook`); it knows nothing of study folders. The codebook *of the study in use*
(with the user's aliases merged in) is :func:`jbp_analysis.study.codebook.load_codebook`,
which asks :mod:`jbp_analysis.study.folder`; the folder reads its codebook with this module, so
the model sits below both and neither imports the other in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from jbp_analysis.core.paths import STUDY_DIR

__all__ = ["Variable", "Codebook", "read_codebook", "CODEBOOK_PATH", "GROUP_COLUMNS"]

CODEBOOK_PATH: Path = STUDY_DIR / "codebook.yaml"

#: Columns of ``data/processed/groups.parquet`` (one row per group x wave), in order: the
#: contract shared by the cleaning step and the simulator's clean truth.
GROUP_COLUMNS: list[str] = [
    "group_id",
    "district_code",
    "arm",
    "cohort",
    "wave",
    "wave_code",
    "month",
    "responded",
    "visit_date",
    "business_operating",
    "monthly_revenue",
    "legal_pirt",
    "legal_halal",
    "legal_sni",
]


@dataclass(frozen=True)
class Variable:
    """One codebook entry. See the header of ``codebook.yaml`` for the meaning of each field."""

    name: str
    headers: tuple[str, ...]
    module: str
    waves: tuple[str, ...]
    type: str
    label: dict[str, str]
    required: bool = True
    pii: bool = False
    unit: str | None = None
    range: tuple[float, float] | None = None
    codes: str | None = None
    missing: tuple[int, ...] = ()
    relevant: str | None = None
    reverse: bool = False
    xlsform: dict[str, str] | None = None

    @property
    def header(self) -> str:
        """The header the simulator writes (the first of ``headers``)."""
        return self.headers[0]

    @property
    def form_name(self) -> str | None:
        """The question's ``name`` in the XLSForm (None: not a form question)."""
        return None if self.xlsform is None else self.xlsform["name"]

    @property
    def form_group(self) -> str | None:
        """The XLSForm group the question sits in (None: top level or not a form question)."""
        return None if self.xlsform is None else self.xlsform.get("group")

    def form_header(self, sep: str = "/") -> str | None:
        """The header a field tool exports for this question: the group path joined by ``sep``.

        KoboToolbox writes ``group/name`` (``sep="/"``), ODK Central ``group-name`` (``sep="-"``).

        Examples
        --------
        >>> v = load_codebook().variable("respondent", "worked_last_week")
        >>> v.form_header(), v.form_header("-")
        ('kerja/r1_bekerja_seminggu', 'kerja-r1_bekerja_seminggu')
        """
        if self.xlsform is None:
            return None
        group = self.form_group
        return f"{group}{sep}{self.form_name}" if group else self.form_name


@dataclass(frozen=True)
class Codebook:
    """The parsed codebook.

    Examples
    --------
    >>> cb = load_codebook()
    >>> cb.variable("respondent", "age").range
    (16, 30)
    >>> cb.header_map("respondent")["latar/umur"]
    'age'
    """

    version: str
    waves: dict[str, dict[str, Any]]
    arms: dict[str, dict[str, Any]]
    files: dict[str, dict[str, Any]]
    missing_codes: dict[int, dict[str, str]]
    value_sets: dict[str, dict[Any, dict[str, str]]]
    variables: tuple[Variable, ...] = field(repr=False)
    form_groups: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def module(self, module: str) -> list[Variable]:
        """Variables of one module, in codebook order."""
        out = [v for v in self.variables if v.module == module]
        if not out:
            raise KeyError(f"unknown codebook module {module!r}")
        return out

    def variable(self, module: str, name: str) -> Variable:
        """One variable by module and canonical name."""
        for v in self.module(module):
            if v.name == name:
                return v
        raise KeyError(f"no variable {name!r} in module {module!r}")

    def header_map(self, module: str) -> dict[str, str]:
        """``{export header or alias: canonical name}`` for one module."""
        return {h: v.name for v in self.module(module) for h in v.headers}

    def pii_names(self) -> list[str]:
        """Canonical names of PII variables (never written outside ``data/raw``)."""
        return sorted({v.name for v in self.variables if v.pii})

    def awareness_items(self) -> list[Variable]:
        """The critical-awareness (kesadaran kritis) items, in order."""
        return [v for v in self.module("respondent") if v.name.startswith("ca")]

    def labels(self, value_set: str, *, lang: str = "id") -> dict[Any, str]:
        """``{code: label}`` for a value set in ``lang`` ("id" or "en")."""
        return {k: v[lang] for k, v in self.value_sets[value_set].items()}


def _variable(entry: dict[str, Any]) -> Variable:
    e = dict(entry)
    e["headers"] = tuple(e["headers"])
    e["waves"] = tuple(e["waves"])
    e["missing"] = tuple(e.get("missing", ()))
    if e.get("range") is not None:
        e["range"] = tuple(e["range"])
    if e.get("xlsform") is not None:
        e["xlsform"] = {k: str(v) for k, v in e["xlsform"].items() if v is not None}
    return Variable(**e)


@lru_cache(maxsize=8)
def read_codebook(path: Path) -> Codebook:
    """Parse one codebook YAML file (cached by path)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return Codebook(
        version=str(raw["version"]),
        waves=raw["waves"],
        arms=raw["arms"],
        files=raw["files"],
        missing_codes={int(k): v for k, v in raw["missing_codes"].items()},
        value_sets=raw["value_sets"],
        variables=tuple(_variable(v) for v in raw["variables"]),
        form_groups=raw.get("form_groups") or {},
    )
