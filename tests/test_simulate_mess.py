"""The planted mess: rates, the log's completeness and accuracy, and each type's shape."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from rapidfuzz.distance import OSA, Levenshtein

from jbp_analysis.core.paths import PACKAGE_DATA
from jbp_analysis.simulate import SimConfig, simulate
from jbp_analysis.simulate.mess import district_variants, rupiah_text
from jbp_analysis.simulate.skiplogic import relevant_mask
from jbp_analysis.study.codebook import load_codebook
from jbp_analysis.study.reference import AMBIGUOUS_NAMES, districts

CB = load_codebook()
CATALOGUE = yaml.safe_load((PACKAGE_DATA / "mess_types.yaml").read_text(encoding="utf-8"))["types"]
RAISED = {"exact_duplicate": 0.03, "near_duplicate": 0.03, "conflicting_duplicate": 0.03,
          "out_of_range": 0.03, "miskeyed_id": 0.05, "skip_logic": 0.05}  # fmt: skip
CONFIG = {"seed": 3, "districts": ("3322", "3374", "3373"), "groups_per_district": 6}
DUPLICATES = {"exact_duplicate", "near_duplicate", "conflicting_duplicate"}
MODULE = {
    "responden": "respondent",
    "kelompok": "group",
    "penugasan": "assignment",
    "biaya": "cost",
}


@pytest.fixture(scope="module")
def messy():
    return simulate(SimConfig(**CONFIG, mess_rates=RAISED))


@pytest.fixture(scope="module")
def clean():
    return simulate(SimConfig(**CONFIG, mess=0))


def _var(file: str, header: str):
    module = MODULE[file.split("_")[0]]
    return CB.variable(module, CB.header_map(module)[header])


def test_every_type_occurs_at_about_its_configured_rate() -> None:
    sim = simulate(SimConfig(seed=9))  # the default sample and rates
    s = sim.mess_summary
    assert set(s.mess_type) == set(CATALOGUE)
    by_type = s[s.mess_type != "csv_dialect"].groupby("mess_type")[["eligible", "planted"]].sum()
    for mess_type, row in by_type.iterrows():
        p = CATALOGUE[mess_type]["rate"]
        expected, sd = row.eligible * p, np.sqrt(row.eligible * p * (1 - p))
        assert row.eligible > 1000 or mess_type in DUPLICATES | {"skip_logic", "miskeyed_id"}
        assert abs(row.planted - expected) <= 4.5 * sd + 2, (mess_type, row.planted, expected)
    # the log holds exactly what the summary counts (one log row per planted cell or row)
    log = sim.mess_log
    counted = log[log.mess_type != "conflicting_duplicate"].groupby("mess_type").size()
    for mess_type, n in counted.items():
        assert n == s.loc[s.mess_type == mess_type, "planted"].sum(), mess_type
    conflicts = log[log.mess_type == "conflicting_duplicate"]
    assert (
        conflicts[["file", "row"]].drop_duplicates().shape[0]
        == by_type.loc["conflicting_duplicate", "planted"]
    )
    dialect = s[s.mess_type == "csv_dialect"]
    assert dialect.planted.sum() == 2 and set(dialect[dialect.planted == 1].file) == {
        "responden_followup.csv",
        "kelompok_baseline.csv",
    }


def test_mess_level_scales_the_rates() -> None:
    base = simulate(SimConfig(seed=9, mess=0.5)).mess_summary
    grouped = base[base.mess_type == "label_instead_of_code"][["eligible", "planted"]].sum()
    assert abs(grouped.planted / grouped.eligible - 0.015) < 0.004
    assert (base.loc[base.mess_type == "label_instead_of_code", "rate"] == 0.015).all()


def test_mess_zero_plants_nothing_at_all(clean, tmp_path) -> None:
    assert clean.mess_log.empty
    s = clean.mess_summary
    assert (s.planted == 0).all() and s.eligible.sum() > 10_000
    clean.write(tmp_path)
    for name, table in clean.tables.items():
        assert (table.separator, table.encoding, table.bom, table.decimal) == (
            ",",
            "utf-8",
            False,
            ".",
        )
        if name.endswith(".csv"):
            raw = (tmp_path / name).read_bytes()
            assert not raw.startswith(b"\xef\xbb\xbf")
            raw.decode("utf-8")
    truth = clean.truth.panel
    base = clean.raw["responden_baseline.csv"]
    assert len(base) == (truth.wave == "baseline").sum()  # no duplicates


def test_every_changed_cell_is_in_the_log_with_its_clean_and_raw_text(messy, clean) -> None:
    log = messy.mess_log
    for name, raw in messy.raw.items():
        mine = log[log.file == name]
        dup_rows = mine.loc[mine.mess_type.isin(DUPLICATES), "row"].to_numpy()
        kept = raw.drop(index=dup_rows - 1).reset_index(drop=True).fillna("")
        ref = clean.raw[name].fillna("")
        assert kept.shape == ref.shape, name
        if messy.tables[name].decimal == ",":
            for h in kept.columns:
                if _var(name, h).type == "number":
                    kept[h] = kept[h].str.replace(",", ".", regex=False)
        cells = mine[mine.column.notna() & ~mine.mess_type.isin(DUPLICATES)]
        # map logged rows (in the written file) to rows of the clean file
        shift = np.searchsorted(np.sort(dup_rows), cells.row.to_numpy(), side="left")
        clean_row = cells.row.to_numpy() - 1 - shift
        changed = kept.ne(ref)
        found = {(int(r), c) for r, c in zip(*np.nonzero(changed.to_numpy()), strict=True)}
        logged = {
            (int(r), kept.columns.get_loc(c)) for r, c in zip(clean_row, cells.column, strict=True)
        }
        assert found == logged, name
        for r, c, before, after in zip(
            clean_row, cells.column, cells.clean_value, cells.raw_value, strict=True
        ):
            assert ref.at[r, c] == ("" if pd.isna(before) else before)
            assert kept.at[r, c] == ("" if pd.isna(after) else after)


def test_rupiah_texts_are_exactly_the_clean_amount(messy) -> None:
    log = messy.mess_log
    rp = log[log.mess_type == "rupiah_format"]
    assert len(rp) > 100 and rp.file.nunique() >= 6
    for clean_value, raw in zip(rp.clean_value, rp.raw_value, strict=True):
        assert _parse_rupiah(raw) == int(clean_value), (raw, clean_value)
    forms = rupiah_text(np.array([1_500_000] * 400 + [-250_000] * 100), np.random.default_rng(0))
    assert {
        "Rp 1.500.000",
        "1,5 juta",
        "1.5jt",
        "2.000.000,-".replace("2.000.000", "1.500.000"),
    } <= set(forms)
    assert all(
        _parse_rupiah(f) == v
        for f, v in zip(forms, [1_500_000] * 400 + [-250_000] * 100, strict=True)
    )
    small = rupiah_text(np.array([750_000] * 200), np.random.default_rng(1))
    assert {"750rb", "750 ribu"} <= set(small)


def _parse_rupiah(text: str) -> int:
    """An independent parser of the documented forms (test oracle)."""
    t = text.strip().lower()
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("-").removeprefix("rp").strip()
    m = re.fullmatch(r"(\d+)(?:[.,](\d+))?\s*(juta|jt|ribu|rb)", t)
    if m:
        unit = 1_000_000 if m.group(3) in ("juta", "jt") else 1_000
        frac = m.group(2) or ""
        return sign * (
            int(m.group(1)) * unit + (int(frac) * unit // 10 ** len(frac) if frac else 0)
        )
    m = re.fullmatch(r"(\d{1,3}(?:\.\d{3})*|\d+)(?:,00|,-)?", t)
    assert m, text
    return sign * int(m.group(1).replace(".", ""))


def test_district_spellings_resolve_to_one_district(messy) -> None:
    ref = districts()
    log = messy.mess_log
    spell = log[log.mess_type == "district_spelling"]
    assert len(spell) > 20
    assert (spell.clean_value != spell.raw_value).all()
    for code in ref.bps_code:
        label = ref.set_index("bps_code").at[code, "label"]
        name = ref.set_index("bps_code").at[code, "name"]
        for v in district_variants(code):
            core = re.sub(r"^(kabupaten|kab\.?|kota)\s*", "", v.strip().lower()).strip()
            assert OSA.distance(core, name.lower()) <= 1, (code, v)  # one typo at most
            if name in AMBIGUOUS_NAMES:
                assert re.match(r"(?i)\s*(kab|kota)", v), (code, v)
            assert v != label
    assert "Kab. Semarnag" in district_variants("3322")
    assert "Salatiga" in district_variants("3373") and "Semarang" not in district_variants("3374")


def test_missing_codes_only_where_the_codebook_allows_them(messy) -> None:
    log = messy.mess_log
    miss = log[log.mess_type == "missing_code"]
    gates = {"worked_last_week", "temp_absent", "own_business"}
    assert {"-99", "-98"} <= set(miss.raw_value.dropna()) and miss.raw_value.isna().any()
    for f, h, raw in zip(miss.file, miss.column, miss.raw_value, strict=True):
        v = _var(f, h)
        assert v.missing and v.name not in gates
        assert pd.isna(raw) or int(raw) in v.missing


def test_out_of_range_values_are_outside_the_codebook_range(messy) -> None:
    oor = messy.mess_log[messy.mess_log.mess_type == "out_of_range"]
    assert len(oor) > 20
    for f, h, raw in zip(oor.file, oor.column, oor.raw_value, strict=True):
        v = _var(f, h)
        lo, hi = v.range if v.range else (1, 5)
        x = float(raw)
        assert x >= 0 and not lo <= x <= hi, (h, raw)


def test_labels_replace_codes_with_the_codebook_label(messy) -> None:
    lab = messy.mess_log[messy.mess_log.mess_type == "label_instead_of_code"]
    assert len(lab) > 50
    for f, h, code, raw in zip(lab.file, lab.column, lab.clean_value, lab.raw_value, strict=True):
        assert CB.labels(_var(f, h).codes, lang="id")[int(code)] == raw


def test_miskeyed_nik_is_one_typo_away_and_nobody_elses(messy) -> None:
    mk = messy.mess_log[messy.mess_log.mess_type == "miskeyed_id"]
    assert len(mk) >= 5 and not mk.file.str.contains("baseline").any()
    all_nik = set(messy.truth.panel.nik)
    truth = messy.truth.panel.drop_duplicates("respondent_id").set_index("respondent_id")["nik"]
    for key, before, after in zip(mk.key, mk.clean_value, mk.raw_value, strict=True):
        assert truth[key] == before and re.fullmatch(r"\d{16}", after)
        assert after[:4] == before[:4] and after not in all_nik
        swapped = sorted(after) == sorted(before) and Levenshtein.distance(before, after) == 2
        assert Levenshtein.distance(before, after) == 1 or swapped


def test_skip_logic_answers_are_ones_the_form_hides(messy) -> None:
    sk = messy.mess_log[messy.mess_log.mess_type == "skip_logic"]
    assert len(sk) >= 10
    assert sk.clean_value.isna().all() and sk.raw_value.notna().all()
    assert not sk.duplicated(["file", "row"]).any()  # one question per row
    for (f, row), cells in sk.groupby(["file", "row"]):
        raw = messy.raw[f]
        record = raw.iloc[row - 1]
        codes = {}
        for v in (_var(f, h) for h in raw.columns):
            if v.codes == "yes_no":
                text = record[v.header]
                codes[v.name] = np.array(
                    [
                        int(text)
                        if str(text) in ("1", "2")
                        else {"Ya": 1, "Tidak": 2}.get(str(text), 0)
                    ]
                )
        for h in cells.column:
            assert not relevant_mask(_var(f, h).relevant, codes)[0], (f, row, h)


def test_duplicates_copy_their_original(messy) -> None:
    log = messy.mess_log
    header = {v.name: v.header for v in CB.module("respondent")}
    uuid, time, rid = header["submission_id"], header["submission_time"], header["respondent_id"]
    for mess_type in DUPLICATES:
        dups = log[log.mess_type == mess_type].drop_duplicates(["file", "row"])
        assert len(dups) >= 5, mess_type
        for f, row, orig, key in zip(dups.file, dups.row, dups.duplicate_of, dups.key, strict=True):
            raw = messy.raw[f].fillna("")
            a, b = raw.iloc[orig - 1], raw.iloc[row - 1]
            assert a[rid] == b[rid] == key
            differ = set(a.index[a != b])
            if mess_type == "exact_duplicate":
                assert not differ and row == orig + 1 or not differ
            elif mess_type == "near_duplicate":
                assert differ == {uuid, time} and b[time] > a[time]
            else:
                changed = set(log[(log.file == f) & (log.row == row)].column)
                assert differ - {uuid, time} == changed and b[time] > a[time]


def test_dialect_files_are_written_in_their_dialect(messy, tmp_path) -> None:
    messy.write(tmp_path)
    fol = (tmp_path / "responden_followup.csv").read_bytes()
    assert fol.startswith(b'"_uuid";"_submission_time";')
    text = fol.decode("latin-1")
    assert re.search(r'"\d+,\d"\n', text)  # durations with a decimal comma
    frame = pd.read_csv(tmp_path / "responden_followup.csv", sep=";", encoding="latin-1", dtype=str)
    assert len(frame) == len(messy.raw["responden_followup.csv"])
    if any("é" in n for n in messy.truth.panel.name):
        with pytest.raises(UnicodeDecodeError):
            fol.decode("utf-8")
    assert (tmp_path / "kelompok_baseline.csv").read_bytes().startswith(b'\xef\xbb\xbf"_uuid"')
    assert not (tmp_path / "kelompok_followup.csv").read_bytes().startswith(b"\xef\xbb\xbf")
