"""End-to-end: clean the simulator's messy exports and compare with its clean truth.

One small simulated sample with every mess type at raised rates (so each type is planted several
times), cleaned once. Each planted mess, as recorded in ``sim.mess_log``, must be repaired (a
cleaning-log entry with the type's rule, and the clean value) or rejected with its reason; the
cleaned panel must match the truth on >= 99.5% of kept cells, and every disagreement must be
explained by the cleaning log, a reject, or a cell the field left blank.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from jbp_analysis.clean import run
from jbp_analysis.clean.pseudonymise import DEMO_KEY
from jbp_analysis.core.paths import PACKAGE_DATA
from jbp_analysis.study.codebook import load_codebook

simulate_mod = pytest.importorskip("jbp_analysis.simulate")
SimConfig, simulate = simulate_mod.SimConfig, simulate_mod.simulate

CB = load_codebook()
MESS_TYPES = yaml.safe_load((PACKAGE_DATA / "mess_types.yaml").read_text())["types"]
RATES = {  # raised so that a small sample holds every type several times
    "exact_duplicate": 0.03,
    "near_duplicate": 0.03,
    "conflicting_duplicate": 0.02,
    "out_of_range": 0.02,
    "miskeyed_id": 0.04,
    "skip_logic": 0.04,
}
MODULE_OF = {
    "responden": "respondent",
    "kelompok": "group",
    "penugasan": "assignment",
    "biaya": "cost",
}


def _module(file: str) -> str:
    return MODULE_OF[file.split("_")[0]]


@pytest.fixture(scope="module")
def sim_clean(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim")
    cfg = SimConfig(
        seed=11,
        districts=("3322", "3374", "3373"),
        groups_per_district=6,
        n_cohorts=2,
        mess=1.0,
        mess_rates=RATES,
    )
    sim = simulate(cfg)
    sim.write(root / "raw")
    before = {p.name: p.read_bytes() for p in (root / "raw").iterdir() if p.is_file()}
    result = run(root / "raw", root / "out")
    out = root / "out"
    log = pd.read_csv(out / "cleaning_log.csv", dtype=str, keep_default_na=False)
    rejects = pd.read_csv(out / "rejects.csv", dtype=str, keep_default_na=False)
    mess = sim.mess_log.copy()
    names = {m: CB.header_map(m) for m in ("respondent", "group", "assignment", "cost")}
    mess["variable"] = [
        names[_module(f)].get(c) if isinstance(c, str) else None
        for f, c in zip(mess["file"], mess["column"], strict=True)
    ]
    mess["row"] = mess["row"].astype(int).astype(str)
    return {
        "sim": sim,
        "root": root,
        "out": out,
        "result": result,
        "log": log,
        "rejects": rejects,
        "mess": mess,
        "before": before,
    }


def _logged(c, mess_type: str) -> pd.DataFrame:
    m = c["mess"][c["mess"]["mess_type"] == mess_type]
    assert len(m) >= 3, f"the sample plants too few {mess_type}"
    return m


def _in(frame: pd.DataFrame, keys: pd.DataFrame, on: list[str]) -> np.ndarray:
    k = frame[on].drop_duplicates().assign(_hit=True)
    return keys[on].merge(k, on=on, how="left")["_hit"].fillna(False).to_numpy(dtype=bool)


def _rejected_rows(c) -> pd.DataFrame:
    return c["rejects"][["file", "row"]]


def _cell_check(c, mess_type: str, rule: str) -> pd.DataFrame:
    m = _logged(c, mess_type)
    log = c["log"].rename(columns={"column": "variable"})
    hit = _in(log[log["rule"] == rule], m, ["file", "row", "variable"])
    rejected = _in(_rejected_rows(c), m, ["file", "row"])
    dup_dropped = _in(c["log"][c["log"]["column"] == "*"], m, ["file", "row"])
    missing = m[~(hit | rejected | dup_dropped)]
    assert missing.empty, missing.head().to_dict("records")
    assert hit.mean() > 0.8  # most planted cells are repaired in place, not lost with their row
    return m[hit]


def test_every_mess_type_has_a_test() -> None:
    tested = {name[len("test_mess_") :] for name in globals() if name.startswith("test_mess_")}
    assert tested == set(MESS_TYPES)


def test_mess_district_spelling(sim_clean) -> None:
    fixed = _cell_check(sim_clean, "district_spelling", "district_fuzzy_match")
    log = sim_clean["log"].set_index(["file", "row", "column"])
    ref = __import__("jbp_analysis.study.reference", fromlist=["districts"]).districts()
    label_to_code = dict(zip(ref["label"], ref["bps_code"], strict=True))
    new = log.loc[list(zip(fixed["file"], fixed["row"], fixed["variable"], strict=True)), "new"]
    assert new.tolist() == [label_to_code[v] for v in fixed["clean_value"]]


def test_mess_rupiah_format(sim_clean) -> None:
    fixed = _cell_check(sim_clean, "rupiah_format", "rupiah_parse")
    log = sim_clean["log"].set_index(["file", "row", "column", "rule"])
    new = log.loc[
        [
            (f, r, v, "rupiah_parse")
            for f, r, v in zip(fixed["file"], fixed["row"], fixed["variable"], strict=True)
        ],
        "new",
    ]
    assert new.tolist() == fixed["clean_value"].tolist()  # always exactly the clean value


def test_mess_missing_code(sim_clean) -> None:
    m = _logged(sim_clean, "missing_code")
    coded = m[m["raw_value"].isin(["-99", "-98"])]
    blank = m[~m["raw_value"].isin(["-99", "-98"])]
    assert len(coded) and (blank["raw_value"].fillna("") == "").all()
    sim_clean["mess"] = sim_clean["mess"]  # keep fixture untouched
    log = sim_clean["log"].rename(columns={"column": "variable"})
    hit = _in(log[log["rule"] == "missing_code"], coded, ["file", "row", "variable"])
    gone = _in(_rejected_rows(sim_clean), coded, ["file", "row"]) | _in(
        sim_clean["log"][sim_clean["log"]["column"] == "*"], coded, ["file", "row"]
    )
    assert (hit | gone).all()


def _row_check(c, mess_type: str, rule: str | None, reason: str | None) -> None:
    m = _logged(c, mess_type).drop_duplicates(["file", "row"])
    ok = np.zeros(len(m), dtype=bool)
    if rule:
        ok |= _in(c["log"][c["log"]["rule"] == rule], m, ["file", "row"])
    if reason:
        ok |= _in(c["rejects"][c["rejects"]["reason"] == reason], m, ["file", "row"])
    assert ok.all(), m[~ok].head().to_dict("records")


def test_mess_exact_duplicate(sim_clean) -> None:
    _row_check(sim_clean, "exact_duplicate", "exact_duplicate", None)


def test_mess_near_duplicate(sim_clean) -> None:
    _row_check(sim_clean, "near_duplicate", "near_duplicate", None)


def test_mess_conflicting_duplicate(sim_clean) -> None:
    _row_check(sim_clean, "conflicting_duplicate", None, "conflicting_duplicate")
    m = _logged(sim_clean, "conflicting_duplicate")
    report = pd.read_csv(sim_clean["out"] / "duplicates_report.csv", dtype=str)
    assert _in(report, m, ["file", "row"]).all()
    # the original it conflicts with is in the report too
    orig = m.dropna(subset=["duplicate_of"]).assign(
        row=lambda d: d["duplicate_of"].astype(int).astype(str)
    )
    assert _in(report, orig, ["file", "row"]).all()


def test_mess_out_of_range(sim_clean) -> None:
    _cell_check(sim_clean, "out_of_range", "out_of_range")


def test_mess_miskeyed_id(sim_clean) -> None:
    c = sim_clean
    m = _logged(c, "miskeyed_id").drop_duplicates(["file", "row"])
    relinked = _in(c["log"][c["log"]["rule"] == "relink_miskeyed_nik"], m, ["file", "row"])
    assert relinked.mean() > 0.7
    # the others belong to rows rejected for another reason: a conflicting duplicate, or a
    # respondent whose baseline row was itself rejected (so there is no roster entry to link to)
    rest = m[~relinked]
    rej = c["rejects"].set_index(["file", "row"])["reason"]
    base_rejected = set(
        c["rejects"]
        .loc[c["rejects"]["file"] == "responden_baseline.csv", "values"]
        .str.extract(r'"respondent_id":"([^"]+)"')[0]
    )
    for r in rest.itertuples():
        reason = rej.get((r.file, r.row))
        assert reason in ("conflicting_duplicate", "not_on_baseline_roster"), r
        if reason == "not_on_baseline_roster":
            assert r.key in base_rejected, r


def test_mess_skip_logic(sim_clean) -> None:
    _cell_check(sim_clean, "skip_logic", "skip_logic")


def test_mess_label_instead_of_code(sim_clean) -> None:
    fixed = _cell_check(sim_clean, "label_instead_of_code", "label_to_code")
    assert len(fixed)


def test_mess_csv_dialect(sim_clean) -> None:
    manifest = json.loads((sim_clean["out"] / "manifest.json").read_text())
    ins = {i["file"]: i for i in manifest["inputs"]}
    f = ins["responden_followup.csv"]
    assert (f["separator"], f["encoding"], f["decimal"]) == (";", "latin-1", ",")
    assert ins["kelompok_baseline.csv"]["unknown_columns"] == []  # the BOM did not spoil _uuid
    assert sim_clean["before"]["kelompok_baseline.csv"].startswith(b"\xef\xbb\xbf")
    panel = pd.read_parquet(sim_clean["out"] / "panel.parquet")
    fu = panel[(panel.wave == "followup") & panel.responded]
    assert (fu["duration_min"].dropna() % 1 != 0).any()  # decimals survived the comma


# ----------------------------------------------------------------------- agreement with truth
def _key(nik: str) -> str:
    return hmac.new(DEMO_KEY, nik.encode(), hashlib.sha256).hexdigest()


def test_agreement_with_clean_truth_and_every_disagreement_explained(sim_clean) -> None:
    """Agreement on kept cells, and an explanation for every disagreement.

    A planted missing code (-99/-98, blank) or an out-of-range value leaves nothing to recover:
    the raw export does not hold the true value, and cleaning can only set it missing (logged).
    The rate that can reach 100% is therefore over the *recoverable* kept cells (the raw cell
    holds a value that is not a missing code and not out of range); both rates are printed.
    """
    sim, out = sim_clean["sim"], sim_clean["out"]
    panel = pd.read_parquet(out / "panel.parquet")
    truth = sim.truth.panel.copy()
    truth["respondent_key"] = truth["nik"].astype(str).map(_key)
    kept = panel[panel["responded"]]
    both = kept.merge(
        truth, on=["respondent_key", "wave"], suffixes=("", "_t"), validate="one_to_one"
    )
    assert len(both) == len(kept)
    skip = {"respondent_key", "wave", "responded"}
    cols = [c for c in panel.columns if c not in skip and c + "_t" in both.columns]
    assert len(cols) >= 35
    # raw row of every kept panel row, through its submission id (first copy of an exact duplicate)
    rows = []
    for name, frame in sim.raw.items():
        if name.startswith("responden_"):
            first = frame.reset_index(drop=True).drop_duplicates("_uuid")
            rows.append(
                pd.DataFrame(
                    {
                        "file": name,
                        "row": (first.index + 1).astype(str),
                        "submission_id": first["_uuid"].to_numpy(),
                    }
                )
            )
    both = both.merge(pd.concat(rows), on="submission_id", how="left", validate="many_to_one")
    assert both["row"].notna().all()
    log = sim_clean["log"]
    lost_rules = {"missing_code", "out_of_range"}
    lost = set(
        zip(
            *[log.loc[log["rule"].isin(lost_rules), k] for k in ("file", "row", "column")],
            strict=True,
        )
    )
    logged = set(zip(log["file"], log["row"], log["column"], strict=True))
    cells = agree = unrecoverable = 0
    unexplained = []
    for c in cols:  # loop over variables
        a, b = both[c], both[c + "_t"]
        same = (a.astype(object) == b.astype(object)).fillna(False).to_numpy(dtype=bool).copy()
        same |= (a.isna() & b.isna()).to_numpy(dtype=bool)
        cells += len(a)
        agree += int(same.sum())
        header = _header(c)
        for i in np.flatnonzero(~same):  # the few disagreements
            key = (both["file"].iloc[i], both["row"].iloc[i], c)
            raw = (
                sim.raw[key[0]][header].iloc[int(key[1]) - 1] if header in sim.raw[key[0]] else None
            )
            blank = raw is None or str(raw).strip() in ("", "nan", "<NA>", "None")
            if key in lost or blank:
                unrecoverable += 1
            if key in logged or blank:
                continue
            unexplained.append((*key, a.iloc[i], b.iloc[i]))
    total = cells - unrecoverable
    rate = agree / total
    print(
        f"agreement with the clean truth: {rate:.4%} of {total:,} recoverable kept cells; "
        f"{agree / cells:.4%} of all {cells:,} kept cells"
    )
    assert rate >= 0.995
    assert not unexplained, unexplained[:10]


def _header(name: str) -> str:
    try:
        return CB.variable("respondent", name).header
    except KeyError:
        return name


def test_accounting_raw_untouched_and_no_pii(sim_clean) -> None:
    acc = sim_clean["result"].tidy()
    parts = acc[["kept", "rejected", "exact_duplicates", "near_duplicates", "decided_duplicates"]]
    assert (parts.sum(axis=1) == acc["rows_in"]).all()
    raw = sim_clean["root"] / "raw"
    after = {p.name: p.read_bytes() for p in raw.iterdir() if p.is_file()}
    assert after == sim_clean["before"]
    roster = sim_clean["sim"].truth.panel
    pii = set(roster["nik"].astype(str)) | {
        n for n in roster.get("name", pd.Series(dtype=str)).astype(str) if len(n) >= 6
    }
    for frame in sim_clean["sim"].raw.values():
        for col in ("identitas/nama_responden", "identitas/nik", "identitas/no_hp"):
            if col in frame:
                pii |= {str(v) for v in frame[col].dropna() if len(str(v)) >= 6}
    assert len(pii) > 500
    for p in Path(sim_clean["out"]).iterdir():
        blob = p.read_bytes()
        text = blob.decode("utf-8", errors="ignore")
        if p.suffix == ".parquet":
            text += pq.read_table(p).to_pandas().astype(str).to_csv()
        hits = [v for v in pii if v in text]
        assert not hits, (p.name, hits[:3])
        assert not re.search(r"(?<![0-9a-f])\d{16}(?![0-9a-f])", text), p.name


def test_groups_and_costs_equal_the_truth(sim_clean) -> None:
    truth = sim_clean["sim"].truth
    groups = pd.read_parquet(sim_clean["out"] / "groups.parquet")
    g = groups.merge(
        truth.groups, on=["group_id", "wave"], suffixes=("", "_t"), validate="one_to_one"
    )
    assert len(g) == len(groups) == len(truth.groups)
    assert (g["responded"] == g["responded_t"]).all()
    r = g[g["responded"]]
    for c in ("district_code", "arm", "cohort", "visit_date", "business_operating",
              "monthly_revenue", "legal_pirt", "legal_halal", "legal_sni"):  # fmt: skip
        same = (r[c].astype(object) == r[c + "_t"].astype(object)) | (
            r[c].isna() & r[c + "_t"].isna()
        )
        assert same.all(), (c, r.loc[~same, [c, c + "_t"]].head())
    costs = pd.read_parquet(sim_clean["out"] / "costs.parquet")
    key = ["group_id", "component"]
    c = costs.merge(truth.costs, on=key, suffixes=("", "_t"), validate="one_to_one")
    assert len(c) == len(costs) == len(truth.costs)
    assert (c["cost_rp"] == c["cost_rp_t"]).all() and (c["arm"] == c["arm_t"]).all()
