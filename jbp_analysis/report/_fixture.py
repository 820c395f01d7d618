"""PRIVATE: a small processed-data fixture in the ``data/processed`` schema, for report tests.

This is not an estimator and not a simulator of record (that is :mod:`jbp_analysis.simulate`):
it only writes ``panel.parquet``, ``groups.parquet``, ``costs.parquet`` and ``quality.json`` with
the columns and dtypes of the data contract, so that the report layer can be developed and
tested quickly and independently. It also returns the fake names, NIKs and phone numbers it
"collected", so tests can check none of them reaches ``reports/``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jbp_analysis.study.codebook import load_codebook, processed_dtype

__all__ = ["FixtureData", "make_processed", "write_processed"]

_WAVES = ("baseline", "endline", "followup")
_ARMS = ("kontrol", "karitatif", "pendampingan")
_FIRST = np.array(["Budi", "Siti", "Agus", "Dewi", "Rina", "Joko", "Sri", "Eko", "Wati", "Yanto"])
_LAST = np.array(["Santoso", "Wulandari", "Prasetyo", "Lestari", "Hidayat", "Rahayu", "Saputra"])


@dataclass(frozen=True)
class FixtureData:
    panel: pd.DataFrame
    groups: pd.DataFrame
    costs: pd.DataFrame
    quality: dict
    pii: pd.DataFrame  # name, nik, phone of every roster member (never written by write_processed)


def make_processed(
    *,
    seed: int = 7,
    districts: tuple[str, ...] = ("3322", "3373"),
    groups_per_district: int = 9,
    members: int = 25,
    response_rate: float = 0.85,
    effect_unemployed: float = -0.12,
    effect_income: float = 400_000.0,
) -> FixtureData:
    """Build a small balanced panel (roster x 3 waves) with planted effects for arm 'pendampingan'."""
    rng = np.random.default_rng(seed)
    cb = load_codebook()
    nd, g = len(districts), groups_per_district
    grp_district = np.repeat(np.array(districts), g)
    grp_arm = np.tile(np.array(_ARMS * (g // 3 + 1))[:g], nd)
    grp_ids = np.array([f"KLP-{d}-{i + 1:03d}" for d in districts for i in range(g)])
    grp_cohort = np.tile((np.arange(g) % 2) + 1, nd)
    n_groups = len(grp_ids)
    n = n_groups * members
    gi = np.repeat(np.arange(n_groups), members)
    resp_id = np.array([f"R{idx:05d}" for idx in range(n)])
    nik = np.array([f"33{rng.integers(10**13, 10**14 - 1):014d}" for _ in range(n)])
    names = _FIRST[rng.integers(0, len(_FIRST), n)] + " " + _LAST[rng.integers(0, len(_LAST), n)]
    phone = np.array([f"08{rng.integers(10**9, 10**10 - 1)}" for _ in range(n)])
    key = np.array([hmac.new(b"fixture", k.encode(), hashlib.sha256).hexdigest() for k in nik])
    arm = grp_arm[gi]
    treated = arm == "pendampingan"
    charit = arm == "karitatif"
    sex = np.where(rng.random(n) < 0.5, "male", "female")
    age = rng.integers(16, 31, n)
    edu = rng.choice(
        ["none", "primary", "junior_secondary", "senior_secondary", "tertiary"],
        n,
        p=[0.05, 0.2, 0.35, 0.3, 0.1],
    )
    base_inc = rng.lognormal(np.log(2_000_000), 0.5, n)
    ability = rng.normal(0, 1, n)
    frames = []
    for w, wave in enumerate(_WAVES):
        post = w > 0
        p_work = 1 / (1 + np.exp(-(0.2 + 0.5 * ability)))
        p_work = np.clip(p_work + post * (0.12 * treated + 0.05 * charit), 0, 1)
        p_work = np.clip(p_work - post * effect_unemployed * treated * 0, 0, 1)
        worked = rng.random(n) < p_work
        looking = ~worked & (rng.random(n) < 0.6 - post * effect_unemployed * treated)
        income = base_inc * (1 + 0.05 * w) + post * (effect_income * treated + 150_000 * charit)
        income = np.round(income + rng.normal(0, 300_000, n), -3).clip(0)
        own_bus = worked & (rng.random(n) < 0.3 + 0.2 * post * treated)
        likert = np.clip(
            np.round(
                3
                + 0.8 * ability[:, None] * 0.3
                + rng.normal(0, 1, (n, 10))
                + post * 0.5 * treated[:, None]
            ),
            1,
            5,
        ).astype(int)
        responded = np.ones(n, bool) if w == 0 else rng.random(n) < response_rate
        df = pd.DataFrame(
            {
                "respondent_key": key,
                "respondent_id": resp_id,
                "household_id": np.char.add("H", resp_id),
                "wave": wave,
                "wave_code": w,
                "month": (0, 4, 12)[w],
                "district_code": grp_district[gi],
                "group_id": grp_ids[gi],
                "arm": arm,
                "cohort": grp_cohort[gi],
                "start_month": pd.Timestamp("2024-01-01")
                + pd.to_timedelta(grp_cohort[gi] * 30, "D"),
                "responded": responded,
                "sex": sex,
                "age": age + (w == 2),
                "education": np.where(w == 0, edu, None),
                "household_size": rng.integers(2, 8, n),
                "marital_status": rng.choice(["never_married", "married"], n, p=[0.7, 0.3]),
                "worked_last_week": worked,
                "temp_absent": np.where(worked, None, False),
                "looking_for_work": np.where(worked, None, looking),
                "preparing_business": np.where(worked, None, False),
                "available_for_work": np.where(worked, None, looking | (rng.random(n) < 0.3)),
                "hours_worked": np.where(worked, rng.integers(5, 60, n), None),
                "own_business": np.where(worked, own_bus, None),
                "household_income": income.astype("int64"),
                "business_profit": np.where(own_bus, rng.integers(0, 3_000_000, n), None),
            }
        )
        for j, item in enumerate(cb.awareness_items()):
            vals = likert[:, j]
            df[item.name] = 6 - vals if item.reverse else vals
        df["interview_date"] = pd.Timestamp("2024-01-15") + pd.to_timedelta(w * 120, "D")
        df["enumerator_id"] = np.array([f"E{k:02d}" for k in range(8)])[gi % 8]
        df["duration_min"] = rng.normal(45, 8, n).round(1)
        df["submission_id"] = [f"uuid-{w}-{i:05d}" for i in range(n)]
        df["submission_time"] = df["interview_date"] + pd.Timedelta(hours=10)
        frames.append(df)
    panel = pd.concat(frames, ignore_index=True)
    panel = _apply_dtypes(panel, cb)
    for c in panel.columns.difference(sorted(_PANEL_KEYS)):
        panel[c] = panel[c].where(panel["responded"])
    groups = _groups(rng, grp_ids, grp_district, grp_arm, grp_cohort)
    costs = _costs(rng, grp_ids, grp_district, grp_arm, members)
    quality = _quality(panel)
    pii = pd.DataFrame({"respondent_id": resp_id, "name": names, "nik": nik, "phone": phone})
    return FixtureData(panel, groups, costs, quality, pii)


def _quality(panel: pd.DataFrame) -> dict:
    """A ``quality.json`` in the schema of :func:`jbp_analysis.clean.quality.quality_report`."""
    resp = panel[panel["responded"]]
    accounting = []
    for w, n in resp.groupby(resp["wave"].astype(str), observed=True).size().items():
        accounting.append(
            {
                "file": f"responden_{w}.csv",
                "module": "respondent",
                "wave": w,
                "rows_in": int(n) + 19,
                "kept": int(n),
                "rejected": 7,
                "exact_duplicates": 8,
                "near_duplicates": 4,
                "decided_duplicates": 0,
            }
        )
    missing = []
    for (d, w), g in resp.groupby(
        [resp["district_code"].astype(str), resp["wave"].astype(str)], observed=True
    ):
        due = int(len(g) * 20)
        missing.append(
            {
                "variable": "sex",
                "district_code": d,
                "wave": w,
                "due": due,
                "missing": int(g["household_income"].isna().sum()) + 3,
                "share": None,
                "suppressed": False,
            }
        )
    return {
        "codebook_version": "fixture",
        "accounting": accounting,
        "unknown_columns": {"responden_baseline.csv": []},
        "cleaning_log_by_rule": {"rupiah_parse": 310, "out_of_range": 64, "exact_duplicate": 24},
        "rejects_by_reason": {"conflicting_duplicate": 15, "not_on_baseline_roster": 6},
        "duplicates": {"conflict_sets": 7, "resolved_sets": 0, "pending_sets": 7},
        "attrition": [],
        "enumerators": [
            {
                "enumerator_id": f"E{k:02d}",
                "interviews": 60,
                "short_interviews": 9 if k == 3 else 0,
                "outlier_cells": 2,
                "numeric_cells": 400,
                "duplicates": 0,
                "short_share": 0.15 if k == 3 else 0.0,
                "outlier_rate": 0.005,
                "flag_short": k == 3,
                "flag_outliers": False,
                "flag_duplicates": False,
                "flagged": k == 3,
            }
            for k in range(8)
        ],
        "outliers": [{"variable": "household_income", "wave": "endline", "flagged": 9}],
        "missingness": missing,
    }


_PANEL_KEYS = {
    "respondent_key",
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
}


def _apply_dtypes(panel: pd.DataFrame, cb) -> pd.DataFrame:
    panel["wave"] = pd.Categorical(panel["wave"], categories=list(_WAVES), ordered=True)
    panel["arm"] = pd.Categorical(panel["arm"], categories=list(_ARMS))
    panel["wave_code"] = panel["wave_code"].astype("Int64")
    panel["month"] = panel["month"].astype("Int64")
    panel["cohort"] = panel["cohort"].astype("Int64")
    panel["responded"] = panel["responded"].astype(bool)
    panel["district_code"] = panel["district_code"].astype("string")
    panel["start_month"] = panel["start_month"].astype("datetime64[ns]")
    for v in cb.module("respondent"):
        skip = ("district", "wave_code", "group_id", "enumerator_id")
        if v.pii or v.name in skip or v.name not in panel:
            continue
        dtype = processed_dtype(v, cb)
        col = panel[v.name]
        if dtype == "boolean":
            panel[v.name] = col.astype("boolean")
        elif dtype in ("Int8", "Int64"):
            panel[v.name] = pd.array(col.to_numpy(dtype=object), dtype="Float64").astype(dtype)
        elif dtype == "Float64":
            panel[v.name] = pd.array(col.to_numpy(dtype=object), dtype="Float64")
        elif isinstance(dtype, pd.CategoricalDtype):
            panel[v.name] = pd.Categorical(col, dtype=dtype)
        else:
            panel[v.name] = col.astype(dtype)
    for c in ("respondent_key", "respondent_id", "household_id", "group_id", "enumerator_id"):
        panel[c] = panel[c].astype("string")
    return panel


def _groups(rng, grp_ids, grp_district, grp_arm, grp_cohort) -> pd.DataFrame:
    rows = []
    for w, wave in enumerate(_WAVES):
        operating = rng.random(len(grp_ids)) < (0.3 + 0.3 * w * (grp_arm == "pendampingan"))
        rows.append(
            pd.DataFrame(
                {
                    "group_id": grp_ids,
                    "district_code": grp_district,
                    "arm": grp_arm,
                    "cohort": grp_cohort,
                    "wave": wave,
                    "wave_code": w,
                    "month": (0, 4, 12)[w],
                    "responded": True,
                    "visit_date": pd.Timestamp("2024-01-20") + pd.to_timedelta(w * 120, "D"),
                    "business_operating": operating,
                    "monthly_revenue": np.where(
                        operating, rng.integers(1, 20, len(grp_ids)) * 10**6, None
                    ),
                    "legal_pirt": rng.random(len(grp_ids)) < 0.2 * w,
                    "legal_halal": rng.random(len(grp_ids)) < 0.1 * w,
                    "legal_sni": False,
                }
            )
        )
    g = pd.concat(rows, ignore_index=True)
    g["wave"] = pd.Categorical(g["wave"], categories=list(_WAVES), ordered=True)
    g["arm"] = pd.Categorical(g["arm"], categories=list(_ARMS))
    for c in ("wave_code", "month", "cohort"):
        g[c] = g[c].astype("Int64")
    for c in ("business_operating", "legal_pirt", "legal_halal", "legal_sni"):
        g[c] = g[c].astype("boolean")
    g["monthly_revenue"] = pd.array(
        g["monthly_revenue"].to_numpy(dtype=object), dtype="Float64"
    ).astype("Int64")
    g["group_id"] = g["group_id"].astype("string")
    g["district_code"] = g["district_code"].astype("string")
    return g


def _costs(rng, grp_ids, grp_district, grp_arm, members) -> pd.DataFrame:
    per_member = {
        "kontrol": {},
        "karitatif": {"grant": 1_200_000, "admin": 150_000},
        "pendampingan": {
            "mentor": 900_000,
            "training": 400_000,
            "legalisation": 150_000,
            "admin": 150_000,
        },
    }
    rows = []
    for gid, d, a in zip(grp_ids, grp_district, grp_arm, strict=True):
        for comp, rp in per_member[a].items():
            rows.append((gid, d, a, comp, int(round(rp * members * rng.uniform(0.9, 1.1), -3))))
    c = pd.DataFrame(rows, columns=["group_id", "district_code", "arm", "component", "cost_rp"])
    c["arm"] = pd.Categorical(c["arm"], categories=list(_ARMS))
    c["component"] = pd.Categorical(
        c["component"], categories=["mentor", "training", "grant", "legalisation", "admin"]
    )
    c["cost_rp"] = c["cost_rp"].astype("Int64")
    c["group_id"] = c["group_id"].astype("string")
    c["district_code"] = c["district_code"].astype("string")
    return c


def write_processed(out_dir: str | Path, data: FixtureData | None = None, **kwargs) -> Path:
    """Write the fixture's processed files (no PII) into ``out_dir``; returns ``out_dir``."""
    data = data or make_processed(**kwargs)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data.panel.to_parquet(out / "panel.parquet", index=False)
    data.groups.to_parquet(out / "groups.parquet", index=False)
    data.costs.to_parquet(out / "costs.parquet", index=False)
    (out / "quality.json").write_text(json.dumps(data.quality, indent=2), encoding="utf-8")
    return out
