"""Reports cost their district: inputs prepared once per batch, one partition per district."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fixtures.processed import make_processed, write_processed

from jbp_analysis.report import setup
from jbp_analysis.report.inputs import (
    INPUTS_ENV,
    inputs_for,
    prepare_report_inputs,
    read_district_inputs,
)

DISTRICTS = ("3322", "3373", "3374")


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("inputs")
    return write_processed(base / "processed", make_processed(seed=3, districts=DISTRICTS))


def _reading_only_inputs(monkeypatch, inputs: Path, *, who: str) -> list[str]:
    """Point reports at the prepared ``inputs``, refuse the whole processed sample, and return
    the list that records every parquet file read from now on."""
    opened: list[str] = []
    real = pd.read_parquet

    def spy(path, *args, **kwargs):
        opened.append(str(path))
        return real(path, *args, **kwargs)

    def refuse(*args, **kwargs):
        raise AssertionError(f"{who} loaded the whole processed sample")

    monkeypatch.setenv(INPUTS_ENV, str(inputs))
    monkeypatch.setattr(setup, "load_processed", refuse)
    monkeypatch.setattr(pd, "read_parquet", spy)
    return opened


def test_partitions_equal_the_whole_sample_split_by_district(processed, tmp_path) -> None:
    inputs = prepare_report_inputs(setup.report_data(processed), processed, root=tmp_path)
    whole = setup.report_data(processed)
    assert sorted(p.name for p in inputs.glob("district=*")) == [f"district={d}" for d in DISTRICTS]
    for code in DISTRICTS:
        part = read_district_inputs(inputs, code)
        for name in ("outcomes", "panel", "groups", "costs"):
            want = whole[name][whole[name]["district_code"].astype(str) == code]
            pd.testing.assert_frame_equal(part[name], want.reset_index(drop=True))
    # built once: a second batch on the same data reuses the folder
    assert prepare_report_inputs(setup.report_data(processed), processed, root=tmp_path) == inputs


def test_a_district_report_opens_only_its_own_partition(processed, tmp_path, monkeypatch) -> None:
    inputs = prepare_report_inputs(setup.report_data(processed), processed, root=tmp_path)
    full = setup.start_report(
        district="3373", processed_dir=processed, reports_root=tmp_path, output_dir=tmp_path / "a"
    )
    full.pack.discard()
    opened = _reading_only_inputs(monkeypatch, inputs, who="a district report")
    part = setup.start_report(
        district="3373", processed_dir=processed, reports_root=tmp_path, output_dir=tmp_path / "b"
    )
    part.pack.discard()
    assert opened and all("district=3373" in p for p in opened), opened
    assert set(part.data["district_code"].astype(str)) == {"3373"}
    pd.testing.assert_frame_equal(part.data, full.data)
    pd.testing.assert_frame_equal(part.panel, full.panel)
    rows_whole = len(setup.report_data(processed)["outcomes"])
    assert len(part.data) < rows_whole / 2  # it read its third of the rows, not all of them


def test_inputs_of_other_data_are_never_used(processed, tmp_path, monkeypatch) -> None:
    inputs = prepare_report_inputs(setup.report_data(processed), processed, root=tmp_path)
    monkeypatch.setenv(INPUTS_ENV, str(inputs))
    assert inputs_for(processed) == inputs
    (processed / "costs.parquet").touch()  # the processed data changed since
    assert inputs_for(processed) is None


def test_the_overview_reads_only_its_columns_of_the_prepared_inputs(
    processed, tmp_path, monkeypatch
) -> None:
    from jbp_analysis.report.inputs import province_columns

    inputs = prepare_report_inputs(setup.report_data(processed), processed, root=tmp_path)
    whole = setup.report_data(processed)
    opened = _reading_only_inputs(monkeypatch, inputs, who="the overview")
    rep = setup.start_report(
        district="all", processed_dir=processed, reports_root=tmp_path, output_dir=tmp_path / "o"
    )
    rep.pack.discard()
    assert opened and all("/province/" in p for p in opened), opened
    cols = province_columns(list(whole["outcomes"].columns))
    assert list(rep.data.columns) == cols
    assert len(cols) < len(whole["outcomes"].columns) - 10  # item-level answers are left out
    pd.testing.assert_frame_equal(rep.data, whole["outcomes"][cols].reset_index(drop=True))
    assert rep.districts == list(DISTRICTS)


def test_the_overview_takes_each_districts_own_estimates(processed, tmp_path, monkeypatch):
    """A district report of the batch keeps its impacts; the overview shows exactly those rows
    (its q-values span the district's waves) and estimates only the districts without them."""
    from jbp_analysis.report import estimable

    inputs = prepare_report_inputs(setup.report_data(processed), processed, root=tmp_path)
    monkeypatch.setenv(INPUTS_ENV, str(inputs))
    waves = ["endline", "followup"]
    kw = {"processed_dir": processed, "reports_root": tmp_path, "waves": waves}
    dist = setup.start_report(district="3322", output_dir=tmp_path / "d", **kw)
    dist.pack.discard()
    fu = dist.data[dist.data["wave"].astype(str).isin(waves) & dist.data["responded"]]
    opts = {"outcomes": estimable.REPORT_OUTCOMES, "strata": "stratum", "seed": dist.seed}
    own = estimable.estimate_impacts(fu, waves=waves, level=0.9, **opts)
    dist.keep_summary("impacts", own, level=0.9, strata="stratum")

    ov = setup.start_report(district="all", output_dir=tmp_path / "o", **kw)
    ov.pack.discard()
    followups = ov.data[ov.data["wave"].astype(str).isin(waves) & ov.data["responded"]]
    calls: list[set] = []
    real = estimable.estimate_impacts

    def spy(data, **k):
        calls.append(set(data["district_code"].astype(str)))
        return real(data, **k)

    monkeypatch.setattr(estimable, "estimate_impacts", spy)
    got = ov.district_impacts(followups, wave="followup", level=0.9, strata="stratum")
    assert calls == [{"3373"}, {"3374"}]  # 3322's were kept by its report
    mine = got[got["district_code"] == "3322"].drop(columns="district_code")
    want = own[own["wave"] == "followup"].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), want)
    # another level is another set of numbers: not taken from the kept summary
    calls.clear()
    ov.district_impacts(followups, wave="followup", level=0.95, strata="stratum")
    assert calls == [{"3322"}, {"3373"}, {"3374"}]
    # the district's rows estimated directly agree except for the family-wide adjustments
    alone = real(
        followups[followups["district_code"].astype(str) == "3322"],
        waves=["followup"],
        level=0.9,
        **opts,
    )
    same = ["estimate", "std_error", "ci_low", "ci_high", "p_value", "n_obs"]
    pd.testing.assert_frame_equal(mine.reset_index(drop=True)[same], alone[same])
