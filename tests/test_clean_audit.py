from __future__ import annotations

import numpy as np
import pandas as pd

from jbp_analysis.clean.audit import Audit


def test_pii_is_redacted_in_the_log_unless_already_hashed() -> None:
    a = Audit(pii={"nik", "name", "phone"})
    entry = pd.DataFrame(
        {
            "row": [3],
            "column": ["nik"],
            "old": ["3322014501990001"],
            "new": ["3322014501990010"],
            "rule": ["r"],
            "detail": [""],
        }
    )
    a.log("b.csv", entry)
    a.log("a.csv", entry.assign(old="hmac:abc", new="hmac:def"), hashed=True)
    a.log("a.csv", entry.assign(column="age", old="61", new="NA", row=1))
    t = a.log_table(file_order=["b.csv", "a.csv"])
    assert t["file"].tolist() == ["b.csv", "a.csv", "a.csv"]
    assert t["row"].tolist() == [3, 1, 3]
    assert t["old"].tolist() == ["[redacted]", "61", "hmac:abc"]
    assert "3322014501990001" not in t.to_csv()


def test_rejects_keep_original_values_without_pii() -> None:
    a = Audit(pii={"nik", "name", "phone"})
    values = pd.DataFrame(
        {
            "respondent_id": ["R1"],
            "name": ["Sri Wahyuni"],
            "nik": ["3322014501990001"],
            "age": ["61"],
            "district": [None],
        }
    )
    a.reject("r.csv", np.array([7]), "district_unmatched", "did you mean Kab. Semarang?", values)
    t = a.reject_table()
    assert t.loc[0, ["file", "row", "reason"]].tolist() == ["r.csv", 7, "district_unmatched"]
    assert '"respondent_id":"R1"' in t.loc[0, "values"] and '"age":"61"' in t.loc[0, "values"]
    assert "Sri" not in t.loc[0, "values"] and "3322014501990001" not in t.loc[0, "values"]


def _log_parts(seed: int) -> list[tuple[str, pd.DataFrame]]:
    rng = np.random.default_rng(seed)
    words = np.array(["a", "B", "é", "Ä", "z z", "", "=1", "50 ribu", "nik", "x,y", "ü"], object)
    parts = []
    for _ in range(12):
        n = int(rng.integers(0, 40))

        def text(k: int, n: int = n) -> pd.Series:
            v = words[rng.integers(0, k, n)].copy()
            v[rng.random(n) < 0.15] = None  # missing values
            return pd.Series(v, dtype="str")

        parts.append(
            (
                str(rng.choice(["f.csv", "g.csv", "h.csv", "ö.csv"])),
                pd.DataFrame(
                    {
                        "row": rng.integers(1, 15, n),
                        "column": text(6),
                        "old": text(len(words)),
                        "new": text(len(words)),
                        "rule": text(4),
                        "detail": text(3),
                    }
                ),
            )
        )
    return parts


def test_log_table_from_dictionary_codes_equals_sorting_the_plain_entries() -> None:
    """The log is kept dictionary-encoded and sorted on the codes; the table must be the one
    that concatenating and sorting the plain entries gives: same order (ties in logging order),
    values, missing values as "" and dtypes."""
    from jbp_analysis.clean.audit import LOG_COLUMNS, _expand, _sorted

    by = ["file", "row", "column", "rule"]
    for seed in range(20):
        a = Audit(pii={"nik"})
        for file, entries in _log_parts(seed):
            a.log(file, entries)
        for order in (None, ["h.csv", "f.csv", "g.csv"]):
            plain = pd.DataFrame({c: _expand([p[c] for p in a._log]) for c in LOG_COLUMNS})
            want = _sorted([plain], LOG_COLUMNS, by, order)
            got = a.log_table(file_order=order)
            pd.testing.assert_frame_equal(got, want)
            pieces = list(a.log_chunks(file_order=order, rows=7))
            assert all(len(p) <= 7 for p in pieces)
            pd.testing.assert_frame_equal(pd.concat(pieces, ignore_index=True), want)
        assert a.log_rows() == len(want)
        a.release_log()
        assert len(a.log_table()) == 0
        (empty,) = a.log_chunks()
        pd.testing.assert_frame_equal(empty, a.log_table())
