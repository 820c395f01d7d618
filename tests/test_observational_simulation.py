"""The simulator's observational mode (jbp_analysis.simulate.observational)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.observational import att, drdid
from jbp_analysis.simulate.observational import COVARIATES, population_att, simulate_observational


@pytest.fixture(scope="module")
def sim():
    return simulate_observational(seed=11)


def test_same_seed_same_data(sim):
    again = simulate_observational(seed=11)
    pd.testing.assert_frame_equal(sim.panel, again.panel)
    other = simulate_observational(seed=12)
    assert not np.allclose(other.respondents["income"], sim.respondents["income"])


def test_groups_formed_where_youths_are_more_educated_and_in_business(sim):
    r = sim.respondents
    m = r.groupby("treated")[["education", "own_business_baseline", "income_baseline"]].mean()
    assert (m.loc[1] > m.loc[0]).all()
    # Assignment is by kelompok: every group is wholly treated or wholly comparison.
    assert (r.groupby("group_id")["treated"].nunique() == 1).all()
    assert set(r["arm"]) == {"kontrol", "pendampingan"}


def test_truth_is_the_mean_effect_on_the_treated(sim):
    r = sim.respondents
    t = r["treated"] == 1
    assert sim.att == pytest.approx(r.loc[t, "tau"].mean())
    np.testing.assert_allclose(r["income"] - r["income_untreated"], r["tau"] * r["treated"])
    # Effects grow with education and business, which selection favours: ATT > average effect.
    assert sim.att > r["tau"].mean()
    assert sim.naive > sim.att * 1.1  # the naive comparison is biased upwards


def test_panel_layout(sim):
    p = sim.panel
    assert p["wave"].value_counts().to_dict() == {"baseline": 3600, "endline": 3600}
    base = p[p["wave"] == "baseline"].set_index("respondent_id")["income"]
    pd.testing.assert_series_equal(
        base, sim.respondents.set_index("respondent_id")["income_baseline"], check_names=False
    )
    assert p["respondent_id"].str.match(r"^\d{4}-G\d{3}-\d{2}$").all()


def test_population_att_is_stable():
    assert population_att() == pytest.approx(population_att(), rel=0)
    assert 300_000 < population_att() < 420_000


def test_one_draw_recovered_by_aipw_and_drdid(sim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = att(sim.respondents, outcome="income", treatment="treated", cluster="group_id",
                covariates=COVARIATES + " + income_baseline")  # fmt: skip
        d = drdid(sim.panel, outcome="income", treatment="treated", covariates=COVARIATES,
                  unit="respondent_id", pre="baseline", post="endline", cluster="group_id")  # fmt: skip
    for r in (a, d):
        assert r.ci_low < sim.att_population < r.ci_high
        assert not r.ci_low < sim.naive < r.ci_high


def test_bad_settings():
    with pytest.raises(ConfigError):
        simulate_observational(groups_per_district=1)
    with pytest.raises(ConfigError):
        simulate_observational(treated_share=1.0)


@pytest.mark.slow
def test_coverage_of_planted_att():
    """200 draws: AIPW intervals cover the population ATT at about 95% (benchmark: 1000 draws)."""
    hits = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(200):
            s = simulate_observational(seed=seed)
            r = att(s.respondents, outcome="income", treatment="treated", cluster="group_id",
                    covariates=COVARIATES + " + income_baseline")  # fmt: skip
            hits.append(r.ci_low <= s.att_population <= r.ci_high)
    assert 0.91 <= np.mean(hits) <= 0.99


# --- the full simulator's observational switch ----------------------------------------------------


@pytest.fixture(scope="module")
def full_obs():
    from jbp_analysis.simulate import SimConfig, simulate

    return simulate(
        SimConfig(seed=2, groups_per_district=20, group_size=10, design="observational", mess=0)
    )


def test_full_simulator_forms_groups_on_education_and_business(full_obs):
    b = full_obs.truth.panel
    b = b[b["wave"] == "baseline"]
    programme = b["arm"] != "kontrol"
    edu = b["education"].cat.codes.astype(float)
    own = b["own_business"].astype("Float64").fillna(0).astype(float)
    assert edu[programme].mean() > edu[~programme].mean() + 0.05
    assert own[programme].mean() > 1.3 * own[~programme].mean()
    assert set(b["arm"].astype(str)) == {"kontrol", "karitatif", "pendampingan"}
    assert full_obs.config.to_dict()["design"] == "observational"


def test_full_simulator_planted_att(full_obs):
    from jbp_analysis.simulate.design import build_design
    from jbp_analysis.simulate.observational import planted_att, select_groups

    d = select_groups(build_design(full_obs.config))
    att_p = planted_att(d, "employed", "pendampingan", "followup")
    # Effects differ by sex only: the ATT lies between the planted effects for men and women.
    from jbp_analysis.simulate.effects import effect_table

    tau = effect_table(full_obs.config, "employed")[2, 2]  # pendampingan, follow-up: (men, women)
    assert tau[0] < att_p < tau[1]
    women = d.female[d.arm == 2].mean()
    assert att_p == pytest.approx((1 - women) * tau[0] + women * tau[1])
    assert planted_att(d, "employed", "pendampingan", "baseline") == 0.0
    np.testing.assert_array_equal(d.group_arm, full_obs.truth.groups.drop_duplicates("group_id")
                                  .sort_values("group_id")["arm"].cat.codes.to_numpy())  # fmt: skip


def test_randomised_default_is_unchanged():
    from jbp_analysis.simulate import SimConfig

    assert "design" not in SimConfig().to_dict()  # SIMULATED.json of randomised samples as before
    with pytest.raises(ConfigError, match="design"):
        SimConfig(design="quasi")


def test_cli_simulate_design_option(tmp_path, capsys):
    import json

    from jbp_analysis.cli import main

    out = tmp_path / "raw"
    args = ["simulate", "--out", str(out), "--districts", "3373", "--groups-per-district", "3"]
    assert main([*args, "--mess", "0", "--design", "observational"]) == 0
    marker = json.loads((out / "SIMULATED.json").read_text())
    assert marker["config"]["design"] == "observational"
    assert main([*args, "--design", "quasi"]) == 2
    assert "design must be randomised or observational" in capsys.readouterr().err
