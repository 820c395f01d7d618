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
