"""The simulator's public API, files, determinism, command line and configuration errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.cli import main
from jbp_analysis.core.errors import ConfigError
from jbp_analysis.simulate import SimConfig, Simulation, simulate
from jbp_analysis.study.codebook import load_codebook, processed_dtype

CB = load_codebook()
SMALL = {"seed": 5, "districts": ("3322", "3373"), "groups_per_district": 6}


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return simulate(SimConfig(**SMALL))


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(tmp_path) -> None:
    cfg = SimConfig(**SMALL)
    simulate(cfg).write(tmp_path / "a")
    simulate(cfg).write(tmp_path / "b")
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert a == b
    assert {"responden_endline.xlsx", "kelompok_endline.xlsx", "_truth/panel.parquet"} <= set(a)
    other = _hashes(
        Path(simulate(SimConfig(**{**SMALL, "seed": 6})).write(tmp_path / "c")[0]).parent
    )
    assert other["responden_baseline.csv"] != a["responden_baseline.csv"]


def test_written_files_hold_what_sim_raw_says(sim, tmp_path) -> None:
    paths = sim.write(tmp_path)
    names = {p.name for p in paths}
    assert (
        set(sim.raw) <= names and {"SIMULATED.json", "panel.parquet", "mess_log.parquet"} <= names
    )
    for name, frame in sim.raw.items():
        path = tmp_path / name
        if name.endswith(".xlsx"):
            back = pd.read_excel(path, dtype=str, keep_default_na=False)
            back = back.apply(lambda s: s.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True))
        else:
            t = sim.tables[name]
            back = pd.read_csv(
                path,
                sep=t.separator,
                encoding="utf-8-sig" if t.bom else t.encoding,
                dtype=str,
                keep_default_na=False,
            )
        assert list(back.columns) == list(frame.columns), name
        pd.testing.assert_frame_equal(
            back.astype(object), frame.fillna("").astype(object), check_dtype=False, obj=name
        )
    marker = json.loads((tmp_path / "SIMULATED.json").read_text())
    assert marker["simulated"] is True and marker["seed"] == 5
    assert marker["config"]["districts"] == ["3322", "3373"]
    truth = pd.read_parquet(tmp_path / "_truth" / "panel.parquet")
    pd.testing.assert_frame_equal(truth, sim.truth.panel, check_dtype=False)


def test_headers_all_map_through_the_codebook(sim) -> None:
    module_of = {"responden": "respondent", "kelompok": "group", "penugasan": "assignment",
                 "biaya": "cost"}  # fmt: skip
    for name, frame in sim.raw.items():
        module = module_of[name.split("_")[0]]
        expected = [
            v.header
            for v in CB.module(module)
            if "all" in v.waves or name.split("_")[1].split(".")[0] in v.waves
        ]
        assert list(frame.columns) == expected, name
        assert set(frame.columns) <= set(CB.header_map(module)), name


def test_file_names_and_formats_follow_the_codebook(sim) -> None:
    assert sorted(sim.raw) == sorted(
        [f"responden_{w}.{'xlsx' if w == 'endline' else 'csv'}" for w in CB.waves]
        + [f"kelompok_{w}.{'xlsx' if w == 'endline' else 'csv'}" for w in CB.waves]
        + ["penugasan_kelompok.csv", "biaya_program.csv"]
    )
    csv_only = simulate(SimConfig(**SMALL, file_format="csv"))
    assert all(n.endswith(".csv") for n in csv_only.files)
    big = SimConfig(districts=("3322",), groups_per_district=2001)  # 50,025 respondents
    assert big.resolved_format == "csv" and SimConfig().resolved_format == "mixed"


def test_truth_panel_has_the_processed_schema(sim) -> None:
    panel = sim.truth.panel
    n = SimConfig(**SMALL).n_respondents
    assert len(panel) == 3 * n and panel.respondent_id.nunique() == n
    lead = ["respondent_id", "household_id", "wave", "wave_code", "month", "district_code",
            "group_id", "arm", "cohort", "start_month", "responded"]  # fmt: skip
    assert list(panel.columns[: len(lead)]) == lead
    assert panel["wave"].cat.categories.tolist() == ["baseline", "endline", "followup"]
    assert panel["wave"].cat.ordered
    assert panel["arm"].cat.categories.tolist() == ["kontrol", "karitatif", "pendampingan"]
    assert panel.groupby("wave", observed=True)["month"].first().tolist() == [0, 4, 12]
    for v in CB.module("respondent"):
        if v.pii or v.name in ("district", "wave_code"):
            continue
        assert v.name in panel, v.name
        want = processed_dtype(v, CB)
        assert panel[v.name].dtype == want, (v.name, panel[v.name].dtype, want)
    assert {"nik", "awareness_latent"} <= set(panel.columns)
    groups = sim.truth.groups
    assert len(groups) == 3 * 12 and groups.responded.all()
    assert set(sim.truth.costs.columns) == {
        "group_id",
        "district_code",
        "arm",
        "component",
        "cost_rp",
    }
    assert sim.truth.assignment.columns.tolist() == [
        "group_id",
        "district_code",
        "arm",
        "cohort",
        "start_month",
    ]


def test_non_responders_have_values_but_no_interview(sim) -> None:
    p = sim.truth.panel
    gone = p[~p.responded]
    assert len(gone) > 0 and (p.loc[p.wave == "baseline", "responded"]).all()
    assert gone["household_income"].notna().all() and gone["ca01_know_dana_desa"].notna().all()
    assert gone["interview_date"].isna().all() and gone["submission_id"].isna().all()
    per_wave = p[p.responded].groupby("wave", observed=True).size()
    clean = simulate(SimConfig(**SMALL, mess=0))
    for w in ("baseline", "endline", "followup"):
        name = [n for n in clean.raw if n.startswith(f"responden_{w}")][0]
        assert len(clean.raw[name]) == per_wave[w]


def test_effects_table_lists_every_outcome_the_analysis_estimates(sim) -> None:
    fx = sim.truth.effects
    outcomes = {"employed", "unemployed", "own_business", "household_income", "business_profit",
                "awareness_latent", "awareness_index", "awareness_klk", "awareness_anderson",
                "business_operating", "monthly_revenue", "legalised"}  # fmt: skip
    assert outcomes <= set(fx.outcome)
    assert set(fx.arm) == {"karitatif", "pendampingan"}
    assert set(fx.wave) == {"baseline", "endline", "followup"}
    assert (fx.loc[fx.wave == "baseline", "effect"] == 0).all()
    assert set(fx.loc[fx.level == "respondent", "subgroup"]) == {"all", "male", "female"}
    allfx = fx[(fx.subgroup == "all") & (fx.wave != "baseline")].set_index(
        ["outcome", "arm", "wave"]
    )
    for o in ("employed", "own_business", "household_income", "awareness_latent",
              "business_operating", "legalised"):  # fmt: skip
        # defaults: mentoring beats charitable, which beats control; charitable fades
        for w in ("endline", "followup"):
            assert (
                allfx.loc[(o, "pendampingan", w), "planted"]
                > allfx.loc[(o, "karitatif", w), "planted"]
                > 0
            )
        assert (
            allfx.loc[(o, "karitatif", "followup"), "planted"]
            < allfx.loc[(o, "karitatif", "endline"), "planted"]
        )
    assert allfx.loc[("unemployed", "pendampingan", "endline"), "planted"] < 0


def test_cli_writes_the_sample(tmp_path, capsys) -> None:
    out = tmp_path / "raw"
    assert main(["simulate", "--out", str(out), "--seed", "1", "--districts", "3373",
                 "--groups-per-district", "3", "--cohorts", "1"]) == 0  # fmt: skip
    files = sorted(p.name for p in out.iterdir())
    assert "SIMULATED.json" in files and "responden_baseline.csv" in files
    assert "75 respondents" in capsys.readouterr().out
    # rerunning over a simulated sample is fine; a folder with real data is refused
    assert main(["simulate", "--out", str(out), "--seed", "2", "--districts", "3373",
                 "--groups-per-district", "3", "--format", "csv"]) == 0  # fmt: skip
    assert not (out / "responden_endline.xlsx").exists()
    (out / "survey_real.csv").write_text("a,b\n")
    assert main(["simulate", "--out", str(out), "--seed", "3"]) == 2
    err = capsys.readouterr().err
    assert "survey_real.csv" in err and "Traceback" not in err and err.count("\n") == 1


def test_cli_scale_sets_groups_per_district(tmp_path, capsys) -> None:
    assert main(["simulate", "--out", str(tmp_path), "--districts", "3322,Kota Salatiga",
                 "--scale", "260", "--mess", "0", "--format", "csv"]) == 0  # fmt: skip
    assert "300 respondents in 12 groups" in capsys.readouterr().out


def test_jbp_all_calls_the_command_with_out_and_seed(tmp_path) -> None:
    from jbp_analysis.cli import simulate as cmd

    cmd.command(out=tmp_path, seed=3)
    assert json.loads((tmp_path / "SIMULATED.json").read_text())["seed"] == 3


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"districts": ("9999",)}, "unknown BPS district code '9999'"),
        ({"districts": ("Semarang",)}, "ambiguous"),
        ({"districts": ("3322", "3322")}, "more than once"),
        ({"groups_per_district": 0}, "groups_per_district must be a positive whole number"),
        ({"n_cohorts": 0}, "n_cohorts must be a positive whole number"),
        ({"n_cohorts": 13}, "n_cohorts must be at most"),
        ({"group_size": 120}, "group_size must be at most 99"),
        ({"mess": -0.5}, "mess must be 0"),
        ({"mess_rates": {"rupiah_format": -0.1}}, "must be >= 0"),
        ({"mess_rates": {"typo_everywhere": 0.1}}, "unknown mess type"),
        ({"mess": 6.0}, "> 1"),
        ({"attrition": {"kontrol": (0.1, 1.0)}}, "must be a probability in [0, 1)"),
        ({"attrition": {"kontrol": (-0.1, 0.2)}}, "must be a probability in [0, 1)"),
        ({"attrition": {"treated": (0.1, 0.2)}}, "unknown arm"),
        ({"effects": {"employed": {"pendampingan": (1.2, 0.1)}}}, "strictly between -1 and 1"),
        ({"effects": {"employed": {"kontrol": (0.1, 0.1)}}}, "against kontrol"),
        ({"effects": {"happiness": {}}}, "unknown effect parameter"),
        ({"icc": {"labour": 0.9}}, "between 0 and 0.6"),
        ({"female_share": 1.5}, "female_share must be in [0, 1]"),
        ({"first_start": "April 2017"}, "first_start must be a month"),
        ({"file_format": "pdf"}, "file_format must be"),
        ({"rupiah_precision": 7}, "must divide 1,000,000"),
        ({"seed": -1}, "seed must be"),
        ({"groups_per_district": 2.5}, "groups_per_district must be a positive whole number"),
    ],
)
def test_bad_configuration_is_a_clear_error(settings, message) -> None:
    with pytest.raises(ConfigError) as err:
        SimConfig(**settings)
    assert message in str(err.value)


def test_bad_cli_options_exit_2_with_one_paragraph(tmp_path, capsys) -> None:
    for args in (["--districts", "9999"], ["--mess", "-1"], ["--cohorts", "0"], ["--scale", "0"]):
        assert main(["simulate", "--out", str(tmp_path / "x"), *args]) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("Error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x").exists()  # nothing written


def test_simulate_accepts_keywords_or_config_not_both() -> None:
    assert simulate(**SMALL).config == SimConfig(**SMALL)
    with pytest.raises(ConfigError):
        simulate(SimConfig(), seed=1)
    with pytest.raises(ConfigError):
        simulate({"seed": 1})  # type: ignore[arg-type]
    assert "Simulation(seed=5" in repr(simulate(**SMALL))
    assert np.isclose(SimConfig().rate("rupiah_format"), 0.2)


def test_docstring_examples_run() -> None:
    import doctest
    import importlib
    import pkgutil

    import jbp_analysis.cli.simulate as cmd
    import jbp_analysis.simulate as pkg

    modules = [pkg, cmd] + [
        importlib.import_module(f"jbp_analysis.simulate.{m.name}")
        for m in pkgutil.iter_modules(pkg.__path__)
    ]
    attempted = 0
    for module in modules:
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted > 20
