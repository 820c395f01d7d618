"""Clean records (every codebook variable, as answered) and the ground-truth tables.

:func:`build_records` gathers the design and outcome arrays into one array per codebook variable
and module (respondent: ``(n, 3)``; group: ``(G, 3)``), in the "code" representation the export
writes (categories as codebook codes, 0 = blank; whole numbers as int64, ``INT_BLANK`` = blank;
strings with ``""`` = blank). It fails loudly if the codebook names a variable the simulator does
not produce. :class:`Truth` turns them into the processed schema (``processed_dtype``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from jbp_analysis.simulate.config import ARMS, WAVES, code_of
from jbp_analysis.simulate.design import WAVE_MONTHS, Design
from jbp_analysis.simulate.groups import GroupOutcomes
from jbp_analysis.simulate.outcomes import INT_BLANK, RespondentOutcomes
from jbp_analysis.simulate.rng import stream
from jbp_analysis.simulate.text import arrow_codes, to_arrow, uuid4
from jbp_analysis.study.codebook import (
    GROUP_COLUMNS,
    Codebook,
    Variable,
    load_codebook,
    processed_dtype,
)

__all__ = [
    "Records",
    "StrCol",
    "Truth",
    "build_records",
    "build_truth",
    "PANEL_LEAD",
    "GROUP_COLUMNS",
]

PANEL_LEAD = [
    "respondent_id",
    "household_id",
    "wave",
    "wave_code",
    "month",
    "district_code",
    "group_id",
    "arm",
    "cohort",
    "start_month",
    "responded",
]
_PANEL_TAIL = [
    "interview_date",
    "enumerator_id",
    "duration_min",
    "submission_id",
    "submission_time",
]


@dataclass(frozen=True, eq=False)
class StrCol:
    """A string variable: ``values`` per unit (constant over waves) or per unit and wave
    (unit-major, ``per_wave=True``), as Arrow strings with nulls for blanks."""

    values: pa.Array
    per_wave: bool

    def take(self, rows: np.ndarray, wave: int) -> pa.Array:
        """Values of units ``rows`` at ``wave``."""
        idx = rows * 3 + wave if self.per_wave else rows
        return self.values.take(pa.array(np.asarray(idx, dtype=np.int64)))

    def long(self) -> pa.Array:
        """All unit-waves, unit-major."""
        if self.per_wave:
            return self.values
        return self.values.take(pa.array(np.repeat(np.arange(len(self.values)), 3)))


Column = np.ndarray | StrCol


@dataclass(frozen=True, eq=False)
class Records:
    """Clean values of every codebook variable: ``respondent[name]`` is ``(n, 3)`` (or a
    :class:`StrCol`), ``group[name]`` is ``(G, 3)``; ``responded`` flags interviews. District
    variables hold BPS codes (the export writes labels)."""

    design: Design
    respondent: dict[str, Column]
    group: dict[str, Column]
    responded: np.ndarray
    awareness_latent: np.ndarray


def _per_unit(values: np.ndarray) -> StrCol:
    return StrCol(to_arrow(values), per_wave=False)


def build_records(design: Design, resp: RespondentOutcomes, grp: GroupOutcomes) -> Records:
    """Assemble identity, fieldwork and outcome arrays into per-variable records."""
    cb = load_codebook()
    n, n_g = design.n, design.n_groups
    responded = resp.responded
    rng = stream(design.config.seed, "records/uuid")
    m = design.member_group

    def wave_codes(k: int) -> np.ndarray:
        return np.broadcast_to(np.arange(3, dtype=np.int64), (k, 3))

    r: dict[str, Column] = dict(resp.values)
    r.update(
        submission_id=StrCol(uuid4(rng, n * 3, arrow=True, valid=responded.reshape(-1)), True),
        submission_time=np.where(responded, design.submission_time, np.datetime64("NaT")),
        wave_code=wave_codes(n),
        respondent_id=_per_unit(design.respondent_id),
        household_id=_per_unit(design.household_id),
        name=_per_unit(design.name),
        nik=_per_unit(design.nik),
        phone=_per_unit(design.phone),
        district=StrCol(_per_unit(design.group_district).values.take(pa.array(m)), False),
        group_id=StrCol(_per_unit(design.group_id).values.take(pa.array(m)), False),
        interview_date=np.where(responded, design.interview_date, np.datetime64("NaT")),
        enumerator_id=StrCol(
            arrow_codes(
                np.where(responded, design.enumerator_id + 1, 0).reshape(-1),
                [None, *design.enumerator_pool.tolist()],
            ),
            True,
        ),
        duration_min=np.where(responded, design.duration_min, np.nan),
    )
    g: dict[str, Column] = dict(grp.values)
    g.update(
        submission_id=StrCol(uuid4(rng, n_g * 3, arrow=True), True),
        wave_code=wave_codes(n_g),
        group_id=_per_unit(design.group_id),
        district=_per_unit(design.group_district),
        visit_date=design.visit_date,
    )
    for module, values in (("respondent", r), ("group", g)):
        missing = [v.name for v in cb.module(module) if v.name not in values]
        if missing:
            raise RuntimeError(
                f"the codebook's {module} module has variables the simulator does not produce: "
                + ", ".join(missing)
            )
    return Records(design, r, g, responded, resp.awareness_latent)


# ---------------------------------------------------------------------- processed dtypes
def processed(values: Column, var: Variable, cb: Codebook | None = None) -> Any:
    """Clean values of one variable (all unit-waves, unit-major) as a pandas array of its
    processed dtype."""
    cb = cb or load_codebook()
    if isinstance(values, StrCol):
        return pd.array(values.long(), dtype="string")
    v = np.asarray(values).reshape(-1)
    dtype = processed_dtype(var, cb)
    if var.type == "category":
        codes = list(cb.value_sets[var.codes])
        if dtype == "boolean":
            out = pd.array(v == code_of(var.codes, True), dtype="boolean")
            out[v == 0] = pd.NA
            return out
        if dtype == "Int8":
            out = pd.array(v.astype(np.int8), dtype="Int8")
            out[v == 0] = pd.NA
            return out
        pos = np.full(max(int(c) for c in codes) + 1, -1, dtype=np.int64)
        pos[np.array(codes, dtype=np.int64)] = np.arange(len(codes))
        return pd.Categorical.from_codes(pos[v.astype(np.int64)], dtype=dtype)
    if var.type in ("integer", "rupiah"):
        out = pd.array(np.where(v == INT_BLANK, 0, v).astype(np.int64), dtype="Int64")
        out[v == INT_BLANK] = pd.NA
        return out
    if var.type == "number":
        return pd.array(v.astype(np.float64), dtype="Float64")
    if var.type in ("date", "datetime"):
        return v.astype("datetime64[ns]")
    return pd.array(to_arrow(v), dtype="string")


def _long(a: np.ndarray) -> np.ndarray:
    return np.asarray(a).reshape(-1)


@dataclass(frozen=True, eq=False)
class Truth:
    """Ground truth of a simulation (clean values before any mess).

    Attributes
    ----------
    panel
        One row per roster member and wave (respondent-major), in the processed panel schema,
        for responders and non-responders alike (``responded`` flags attrition), plus the truth
        columns ``awareness_latent`` (the latent factor) and the PII ``nik``, ``name``,
        ``phone`` (to link raw exports; only ever written inside ``data/raw/_truth``).
        ``respondent_key`` is left to the cleaning step (it needs the project's secret).
        Variables not asked in a wave (education after baseline) and skipped questions are NA.
    groups
        One row per group and wave (processed ``groups.parquet`` schema).
    costs
        Processed ``costs.parquet`` schema.
    assignment
        One row per group: ``group_id, district_code, arm, cohort, start_month``.
    effects
        Tidy table: ``outcome, level, arm, wave, subgroup, effect, planted, scale, n, clipped``.
        ``effect`` is the exact finite-population effect (full roster, before attrition) that a
        plain difference in means of the named outcome estimates; ``planted`` is the model
        parameter (its expectation), NaN for outcomes derived from several parameters.
    """

    panel: pd.DataFrame
    groups: pd.DataFrame
    costs: pd.DataFrame
    assignment: pd.DataFrame
    effects: pd.DataFrame

    def tidy(self) -> pd.DataFrame:
        """The planted and realised effects (``effects``), one row per outcome, arm, wave and
        subgroup."""
        return self.effects.copy()

    def _repr_html_(self) -> str:
        fx = self.effects[(self.effects.subgroup == "all") & (self.effects.wave != "baseline")]
        return (
            f"<p>Simulated truth: {self.panel.respondent_id.nunique():,} respondents, "
            f"{len(self.assignment):,} groups</p>" + fx.to_html(index=False)
        )


def _wave_columns(n_units: int) -> dict[str, Any]:
    wave_idx = np.tile(np.arange(3), n_units)
    return {
        "wave": pd.Categorical.from_codes(wave_idx, categories=list(WAVES), ordered=True),
        "wave_code": pd.array(wave_idx, dtype="Int64"),
        "month": pd.array(np.array(WAVE_MONTHS)[wave_idx], dtype="Int64"),
    }


def build_truth(records: Records, costs: pd.DataFrame, effects: pd.DataFrame) -> Truth:
    """The processed-schema truth tables of a simulation."""
    cb = load_codebook()
    d = records.design
    m = d.member_group
    rep = np.repeat(np.arange(d.n), 3)
    r = records.respondent
    cols: dict[str, Any] = {
        "respondent_id": processed(r["respondent_id"], cb.variable("respondent", "respondent_id")),
        "household_id": processed(r["household_id"], cb.variable("respondent", "household_id")),
        **_wave_columns(d.n),
        "district_code": pd.array(r["district"].long(), dtype="string"),
        "group_id": processed(r["group_id"], cb.variable("respondent", "group_id")),
        "arm": pd.Categorical.from_codes(d.group_arm[m][rep].astype(np.int64), list(ARMS)),
        "cohort": pd.array(d.group_cohort[m][rep], dtype="Int64"),
        "start_month": d.group_start[m][rep].astype("datetime64[ns]"),
        "responded": _long(records.responded).astype(bool),
    }
    skip = set(PANEL_LEAD) | {"district", "wave_code"} | set(_PANEL_TAIL)
    body = [v for v in cb.module("respondent") if not v.pii and v.name not in skip]
    tail = [cb.variable("respondent", name) for name in _PANEL_TAIL]
    for v in body + tail:
        cols[v.name] = processed(r[v.name], v, cb)
    cols["awareness_latent"] = _long(records.awareness_latent).astype(np.float64)
    for name in ("nik", "name", "phone"):
        cols[name] = processed(r[name], cb.variable("respondent", name), cb)
    panel = pd.DataFrame(cols)

    g = records.group
    grep = np.repeat(np.arange(d.n_groups), 3)
    gcols: dict[str, Any] = {
        "group_id": pd.array(g["group_id"].long(), dtype="string"),
        "district_code": pd.array(g["district"].long(), dtype="string"),
        "arm": pd.Categorical.from_codes(d.group_arm[grep].astype(np.int64), list(ARMS)),
        "cohort": pd.array(d.group_cohort[grep], dtype="Int64"),
        **_wave_columns(d.n_groups),
        "responded": np.ones(d.n_groups * 3, dtype=bool),
    }
    for name in GROUP_COLUMNS[8:]:
        gcols[name] = processed(g[name], cb.variable("group", name), cb)
    groups = pd.DataFrame(gcols)[GROUP_COLUMNS]
    assignment = pd.DataFrame(
        {
            "group_id": pd.array(to_arrow(d.group_id), dtype="string"),
            "district_code": pd.array(to_arrow(d.group_district), dtype="string"),
            "arm": pd.Categorical.from_codes(d.group_arm.astype(np.int64), list(ARMS)),
            "cohort": pd.array(d.group_cohort, dtype="Int64"),
            "start_month": d.group_start.astype("datetime64[ns]"),
        }
    )
    return Truth(panel, groups, costs, assignment, effects.reset_index(drop=True))
