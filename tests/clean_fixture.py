"""A tiny, hand-checkable set of raw JBP exports for the cleaning tests.

Built from the codebook (headers, codes) with a seeded generator; no simulator needed. Tests
take ``raw_exports()``, plant the mess they test, and write the folder with ``write_raw``.
``truth`` holds the clean values the exports encode (codes, not labels).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jbp_analysis.study.codebook import load_codebook

CB = load_codebook()
DISTRICTS = {"3322": "Kab. Semarang", "3373": "Kota Salatiga"}
WAVES = ("baseline", "endline", "followup")
ARMS = ("kontrol", "karitatif", "pendampingan")
GIVEN = ("Agus Santoso", "Siti Rahayu", "Budi Wibowo", "Dewi Lestari", "Eko Prasetyo",
         "Fitri Handayani", "Joko Susilo", "Ratna Utami")  # fmt: skip


def header(module: str, name: str) -> str:
    return CB.variable(module, name).header


def _respondents(rng: np.random.Generator, groups: pd.DataFrame, per_group: int) -> pd.DataFrame:
    rows = []
    k = 0
    for g in groups.itertuples():
        for j in range(per_group):
            k += 1
            rows.append(
                {
                    "group_id": g.group_id,
                    "district": DISTRICTS[g.district_code],
                    "respondent_id": f"R{g.group_id}-{j + 1:02d}",
                    "household_id": f"H{g.group_id}-{j + 1:02d}",
                    "name": f"{GIVEN[k % len(GIVEN)]} {chr(65 + k % 26)}{chr(97 + (k // 26) % 26)}",
                    "nik": f"{g.district_code}{k:012d}",
                    "phone": f"0812{k:08d}",
                }
            )
    return pd.DataFrame(rows)


def _answers(rng: np.random.Generator, n: int, wave: str) -> dict[str, np.ndarray]:
    worked = rng.choice([1, 2], size=n)
    absent = np.where(worked == 2, rng.choice([1, 2], size=n, p=[0.2, 0.8]), 0)
    not_working = (worked == 2) & (absent == 2)
    own = np.where((worked == 1) | (absent == 1), rng.choice([1, 2], size=n), 0)
    a = {
        "sex": rng.choice([1, 2], size=n),
        "age": rng.integers(17, 30, size=n),
        "education": rng.integers(1, 6, size=n),
        "household_size": rng.integers(2, 8, size=n),
        "marital_status": rng.integers(1, 3, size=n),
        "worked_last_week": worked,
        "temp_absent": absent,
        "looking_for_work": np.where(not_working, rng.choice([1, 2], size=n), 0),
        "preparing_business": np.where(not_working, rng.choice([1, 2], size=n), 0),
        "available_for_work": np.where(not_working, rng.choice([1, 2], size=n), 0),
        "hours_worked": np.where(worked == 1, rng.integers(10, 60, size=n), 0),
        "own_business": own,
        "household_income": rng.integers(10, 80, size=n) * 100_000,
        "business_profit": np.where(own == 1, rng.integers(1, 30, size=n) * 50_000, 0),
    }
    for v in CB.awareness_items():
        a[v.name] = rng.integers(1, 6, size=n)
    a["duration_min"] = rng.integers(25, 60, size=n)
    a["enumerator_id"] = rng.choice(["E01", "E02", "E03"], size=n)
    # Sakernas r4a, asked of those who neither look nor prepare (codes 1-6); drawn last so the
    # other answers keep their draws
    neither = (a["looking_for_work"] == 2) & (a["preparing_business"] == 2)
    a["reason_not_seeking"] = np.where(neither, rng.integers(1, 7, size=n), 0)
    return a


def raw_exports(seed: int = 7, *, groups_per_district: int = 3, per_group: int = 5) -> dict:
    """``{"files": {file name: DataFrame of strings}, "truth": {...}}`` for a clean sample."""
    rng = np.random.default_rng(seed)
    groups = pd.DataFrame(
        [
            {
                "group_id": f"{code}-{i + 1:02d}",
                "district_code": code,
                "arm": ARMS[i % 3],
                "cohort": 1 + i % 2,
                "start_month": "2026-01-01" if i % 2 == 0 else "2026-03-01",
            }
            for code in DISTRICTS
            for i in range(groups_per_district)
        ]
    )
    people = _respondents(rng, groups, per_group)
    files: dict[str, pd.DataFrame] = {}
    truth: dict[str, pd.DataFrame] = {}
    files["penugasan_kelompok.csv"] = pd.DataFrame(
        {
            "id_kelompok": groups["group_id"],
            "kode_bps": groups["district_code"],
            "perlakuan": groups["arm"],
            "kohort": groups["cohort"].astype(str),
            "bulan_mulai": groups["start_month"],
        }
    )
    comps = ("mentor", "training", "grant")
    costs = groups[["group_id"]].merge(pd.DataFrame({"component": comps}), how="cross")
    costs = costs.merge(groups[["group_id", "arm"]], on="group_id")
    costs["cost_rp"] = rng.integers(1, 50, size=len(costs)) * 100_000
    files["biaya_program.csv"] = pd.DataFrame(
        {
            "id_kelompok": costs["group_id"],
            "perlakuan": costs["arm"],
            "komponen_biaya": costs["component"],
            "biaya_rp": costs["cost_rp"].astype(str),
        }
    )
    truth["costs"] = costs
    for w_i, wave in enumerate(WAVES):
        present = np.ones(len(people), dtype=bool)
        if wave != "baseline":
            present[rng.choice(len(people), size=2 + 2 * w_i, replace=False)] = False
        p = people[present].reset_index(drop=True)
        n = len(p)
        a = _answers(rng, n, wave)
        day = pd.Timestamp("2026-01-10") + pd.DateOffset(months=[0, 4, 12][w_i])
        cols: dict[str, object] = {
            "_uuid": [f"uuid-{wave}-{i:04d}" for i in range(n)],
            "_submission_time": [f"{(day + pd.Timedelta(hours=i)).isoformat()}" for i in range(n)],
            "gelombang": str(w_i),
        }
        for name in ("respondent_id", "household_id", "name", "nik", "phone", "district",
                     "group_id"):  # fmt: skip
            cols[header("respondent", name)] = p[name].to_numpy()
        for name, values in a.items():
            v = CB.variable("respondent", name)
            if wave not in v.waves:
                continue
            s = pd.Series(values).astype(str)
            cols[v.header] = s.where(s != "0", "").to_numpy() if v.relevant else s.to_numpy()
        cols[header("respondent", "interview_date")] = day.strftime("%Y-%m-%d")
        df = pd.DataFrame(cols)
        files[f"responden_{wave}.csv"] = df
        truth[f"respondent_{wave}"] = pd.concat([p, pd.DataFrame(a)], axis=1)
        g = groups.copy()
        files[f"kelompok_{wave}.csv"] = pd.DataFrame(
            {
                "_uuid": [f"guuid-{wave}-{i:03d}" for i in range(len(g))],
                "gelombang": str(w_i),
                "id_kelompok": g["group_id"],
                "kabupaten_kota": g["district_code"].map(DISTRICTS),
                "tanggal_kunjungan": day.strftime("%Y-%m-%d"),
                "usaha/usaha_berjalan": "1",
                "usaha/omzet_bulanan": (rng.integers(5, 50, size=len(g)) * 100_000).astype(str),
                "legalitas/pirt": rng.choice(["1", "2"], size=len(g)),
                "legalitas/halal": rng.choice(["1", "2"], size=len(g)),
                "legalitas/sni": "2",
            }
        )
    return {"files": files, "truth": truth, "groups": groups, "people": people}


def write_raw(
    raw: Path,
    files: dict[str, pd.DataFrame],
    *,
    simulated: bool = True,
    encodings: dict[str, tuple[str, str]] | None = None,
) -> Path:
    """Write the exports as CSV (``encodings``: file -> (encoding, separator))."""
    raw.mkdir(parents=True, exist_ok=True)
    for name, df in files.items():
        enc, sep = (encodings or {}).get(name, ("utf-8", ","))
        path = raw / name
        if path.suffix == ".csv":
            df.to_csv(path, index=False, sep=sep, encoding=enc, lineterminator="\n")
        elif path.suffix == ".xlsx":
            df.to_excel(path, index=False)
    if simulated:  # the marker records every file's hash, as `jbp simulate` writes it
        from jbp_analysis.core.simulated import folder_files, write_marker

        write_marker(raw, {"fixture": True}, folder_files(raw))
    return raw
