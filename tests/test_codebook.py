from __future__ import annotations

import pandas as pd

from jbp_analysis.study.codebook import load_codebook, processed_dtype


def test_codebook_headers_are_unique_within_module() -> None:
    cb = load_codebook()
    for module in ("respondent", "group", "assignment", "cost"):
        headers = [h for v in cb.module(module) for h in v.headers]
        assert len(headers) == len(set(headers)), module
        names = [v.name for v in cb.module(module)]
        assert len(names) == len(set(names)), module


def test_codebook_entries_are_complete() -> None:
    cb = load_codebook()
    for v in cb.variables:
        assert v.label["id"] and v.label["en"], v.name
        assert v.name == v.name.lower() and " " not in v.name
        if v.type == "category":
            assert v.codes in cb.value_sets, v.name
        for code in v.missing:
            assert code in cb.missing_codes, (v.name, code)
        if v.relevant:
            names = {x.name for x in cb.module(v.module)}
            for token in v.relevant.replace("(", " ").split():
                if token.isidentifier() and token not in {"and", "or", "not"}:
                    assert token in names, (v.name, token)


def test_awareness_scale_has_reverse_items() -> None:
    items = load_codebook().awareness_items()
    assert 8 <= len(items) <= 12
    assert 1 <= sum(v.reverse for v in items) < len(items)


def test_pii_and_processed_types() -> None:
    cb = load_codebook()
    assert cb.pii_names() == ["name", "nik", "phone"]
    assert processed_dtype(cb.variable("respondent", "household_income")) == "Int64"
    dt = processed_dtype(cb.variable("respondent", "education"))
    assert isinstance(dt, pd.CategoricalDtype) and dt.ordered and dt.categories[0] == "none"
