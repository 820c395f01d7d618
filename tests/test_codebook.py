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


def test_choice_names_are_unique_xml_names_per_value_set() -> None:
    import re

    cb = load_codebook()
    for name, codes in cb.value_sets.items():
        choices = [str(spec["choice"]) for spec in codes.values() if "choice" in spec]
        assert len(choices) == len(set(choices)), name
        for c in choices:
            assert re.fullmatch(r"[a-z0-9_]+", c), (name, c)
    missing = [str(spec["choice"]) for spec in cb.missing_codes.values()]
    assert missing == ["tidak_tahu", "menolak"]
    # a missing-code choice never collides with a real answer of a list it is added to
    for v in cb.variables:
        if v.type == "category" and v.missing:
            real = {str(s.get("choice")) for s in cb.value_sets[v.codes].values()}
            assert not real & {str(cb.missing_codes[c]["choice"]) for c in v.missing}, v.name


def test_form_questions_have_unique_names_and_labelled_groups() -> None:
    cb = load_codebook()
    for module in ("respondent", "group"):
        questions = [v for v in cb.module(module) if v.xlsform is not None]
        names = [v.form_name for v in questions]
        assert len(names) == len(set(names)), module  # XLSForm names are unique in a form
        for v in questions:
            assert v.form_group is None or v.form_group in cb.form_groups, v.name
            assert v.form_group != "meta", v.name  # reserved by XLSForm for instanceID etc.
        # only server metadata (_uuid, _submission_time) is outside the form
        outside = [v.header for v in cb.module(module) if v.xlsform is None]
        assert all(h.startswith("_") for h in outside), outside
    assert all(v.xlsform is None for m in ("assignment", "cost") for v in cb.module(m))


def test_form_header_joins_group_and_name() -> None:
    cb = load_codebook()
    v = cb.variable("respondent", "interview_date")
    assert v.form_header() == "wawancara/tanggal_wawancara"
    assert v.form_header("-") == "wawancara-tanggal_wawancara"
    assert cb.variable("group", "visit_date").form_header("-") == "tanggal_kunjungan"
