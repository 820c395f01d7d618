from __future__ import annotations

import hashlib
import hmac

import pandas as pd

from jbp_analysis.clean.link import attrition, link_waves
from jbp_analysis.clean.pseudonymise import Secret

KEY = Secret(key=b"a-test-secret-of-enough-length", source="argument")


def _wave(rows: list[tuple], file: str) -> pd.DataFrame:
    f = pd.DataFrame(rows, columns=["respondent_id", "household_id", "name", "nik", "group_id"])
    f["_file"] = file
    f["_row"] = range(1, len(f) + 1)
    return f


BASE = _wave(
    [
        ("R1", "H1", "Sri Wahyuni", "3322014501990001", "G1"),
        ("R2", "H2", "Budi Santoso", "3322010101990002", "G1"),
        ("R3", "H3", "Eko Prasetyo", "3322010101990003", "G2"),
    ],
    "b.csv",
)


def _key(nik: str) -> str:
    return hmac.new(KEY.key, nik.encode(), hashlib.sha256).hexdigest()


def test_linking_repairs_miskeyed_niks_with_hashed_log_only() -> None:
    end = _wave(
        [
            ("R1", "H1", "sri  wahyuni", "3322014501990010", "G1"),  # last two digits swapped
            ("R2", "H2", "Budi Santoso", "3322010101990002", "G1"),  # exact
            ("R3", "H3", "Eko Prasetyo", "3322010101997777", "G2"),  # 4 digits off: not repaired
            ("R2", "H9", "Budi Santoso", "3322010101990099", "G1"),  # other household
        ],
        "e.csv",
    )
    linked = link_waves(
        {"baseline": BASE, "endline": end}, known_groups=pd.Index(["G1", "G2"]), secret=KEY
    )
    e = linked.data[linked.data["wave"] == "endline"]
    assert sorted(e["_row"].tolist()) == [1, 2]
    assert e.set_index("_row").loc[1, "respondent_key"] == _key("3322014501990001")
    assert linked.relinks["_row"].tolist() == [1]
    assert linked.relinks["old_key"].iloc[0] == "hmac:" + _key("3322014501990010")
    assert linked.relinks["new_key"].iloc[0] == "hmac:" + _key("3322014501990001")
    assert sorted(linked.rejects["_row"].tolist()) == [3, 4]
    assert set(linked.rejects["reason"]) == {"not_on_baseline_roster"}


def test_baseline_rejects_invalid_niks_unknown_groups_and_shared_niks() -> None:
    base = _wave(
        [
            ("R1", "H1", "A", "3322014501990001", "G1"),
            ("R2", "H2", "B", "12345", "G1"),
            ("R3", "H3", "C", "3322010101990003", "G9"),
            ("R4", "H4", "D", "3322010101990004", "G1"),
            ("R5", "H5", "E", "3322 0101 0199 0004", "G1"),
        ],
        "b.csv",
    )
    linked = link_waves({"baseline": base}, known_groups=pd.Index(["G1"]), secret=KEY)
    reasons = dict(zip(linked.rejects["_row"], linked.rejects["reason"], strict=True))
    assert reasons == {2: "invalid_nik", 3: "unknown_group", 4: "duplicate_nik", 5: "duplicate_nik"}
    assert linked.roster["respondent_id"].tolist() == ["R1"]


def test_attrition_by_arm_and_wave() -> None:
    panel = pd.DataFrame(
        {
            "arm": pd.Categorical(["kontrol"] * 4 + ["pendampingan"] * 4),
            "wave": pd.Categorical(
                ["baseline", "endline"] * 4, categories=["baseline", "endline"], ordered=True
            ),
            "responded": [True, True, True, False, True, False, True, False],
        }
    )
    a = attrition(panel)
    got = {(r.arm, r.wave): (r.n, r.responded, r.attrition) for r in a.itertuples()}
    assert got[("kontrol", "endline")] == (2, 1, 0.5)
    assert got[("pendampingan", "endline")] == (2, 0, 1.0)
    assert got[("kontrol", "baseline")] == (2, 2, 0.0)
