"""Power/MDE formulas by hand, the ANOVA ICC by hand, simulation diagnosis and `jbp power`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.cli import main
from jbp_analysis.core.errors import ConfigError
from jbp_analysis.planning.power import (
    cluster_means_estimator,
    design_effect,
    diagnose,
    icc_anova,
    mde,
    normal_cluster_dgp,
    power_at,
    power_table,
    standard_error,
)


def test_mde_matches_hand_computation() -> None:
    """12 groups per arm, m = 25, rho = 0.1, alpha = .05, power = .8 (df = 22).

    SE  = sqrt((0.1 + 0.9/25) * (1/12 + 1/12)) = sqrt(0.136 * 0.1666667) = 0.1505545
    MDE = (t_.975,22 + t_.80,22) * SE = (2.073873 + 0.858266) * 0.1505545 = 0.441449
    """
    assert design_effect(25, 0.1) == pytest.approx(3.4)
    se = standard_error(groups_a=12, groups_b=12, group_size=25, icc=0.1)
    assert se == pytest.approx(0.1505545, abs=1e-7)
    value = mde(groups_a=12, groups_b=12, group_size=25, icc=0.1)
    assert value == pytest.approx((2.073873 + 0.858266) * 0.1505545, abs=1e-6)
    # unbalanced 8 vs 12 with R2 = 0.5 at both levels, sd = 2:
    # SE = 2 sqrt((0.1 * 0.5 + 0.9 * 0.5 / 25) (1/8 + 1/12)) = 2 sqrt(0.068 * 0.2083333)
    se_u = standard_error(
        groups_a=8, groups_b=12, group_size=25, icc=0.1, sd=2.0, r2_group=0.5, r2_individual=0.5
    )
    assert se_u == pytest.approx(2 * np.sqrt(0.068 * 0.2083333), rel=1e-6)


def test_power_inverts_mde_and_exact_power_is_noncentral_t() -> None:
    for groups in (3, 6, 12, 40):
        kw = dict(groups_a=groups, groups_b=groups, group_size=25, icc=0.15)
        assert power_at(mde(power=0.9, **kw), **kw) == pytest.approx(0.9, abs=1e-10)
    kw = dict(groups_a=4, groups_b=4, group_size=25, icc=0.1)
    # exact two-sided power exceeds Bloom's one-tailed approximation at small df
    assert power_at(0.4, exact=True, **kw) > power_at(0.4, **kw) + 0.04
    assert power_at(0.0, exact=True, **kw) == pytest.approx(0.05, abs=1e-12)


def test_icc_anova_by_hand() -> None:
    # balanced: means 2 and 6, grand mean 4; MSB = 3 (2^2 + 2^2) / 1 = 24; MSW = 4 / 4 = 1;
    # icc = (24 - 1) / (24 + 2 * 1) = 23 / 26
    r = icc_anova([1, 2, 3, 5, 6, 7], ["a", "a", "a", "b", "b", "b"])
    assert (r.msb, r.msw, r.n0) == (24.0, 1.0, 3.0)
    assert r.icc == pytest.approx(23 / 26)
    # unbalanced {1, 3}, {4, 5, 6}: n0 = (5 - 13/5) / 1 = 2.4; means 2, 5, grand 3.8;
    # MSB = 2 * 1.8^2 + 3 * 1.2^2 = 10.8; MSW = (1 + 1 + 1 + 0 + 1) / 3 = 4/3
    r = icc_anova([1, 3, 4, 5, 6, np.nan], [0, 0, 1, 1, 1, 1])
    assert r.n0 == pytest.approx(2.4) and r.msb == pytest.approx(10.8)
    assert r.msw == pytest.approx(4 / 3)
    assert r.icc == pytest.approx((10.8 - 4 / 3) / (10.8 + 1.4 * 4 / 3))
    assert r.n_obs == 5


def test_icc_recovers_the_truth() -> None:
    data = normal_cluster_dgp(groups_per_arm=100, group_size=25, icc=0.1, effects={})(3)
    assert icc_anova(data["y"], data["group_id"]).icc == pytest.approx(0.1, abs=0.025)


def test_power_table_rows() -> None:
    t = power_table({"kontrol": 12, "karitatif": 8, "pendampingan": 12}, icc=0.1, effect=0.5)
    t = t.tidy()
    assert t["contrast"].tolist() == [
        "karitatif - kontrol",
        "pendampingan - kontrol",
        "pendampingan - karitatif",
    ]
    assert t["df"].tolist() == [18, 22, 18]
    assert t["mde"].iloc[1] == pytest.approx(mde(groups_a=12, groups_b=12, icc=0.1))
    assert (t["power_exact"] >= t["power"] - 1e-9).all()
    with pytest.raises(ConfigError, match="no entry"):
        power_table({"kontrol": 3}, icc=0.1)
    with pytest.raises(ConfigError, match="icc"):
        mde(groups_a=4, groups_b=4, icc=1.5)


def test_diagnose_reproduces_analytic_power_size_and_coverage() -> None:
    kw = dict(groups_a=6, groups_b=6, group_size=10, icc=0.1)
    effect = mde(**kw)
    dgp = normal_cluster_dgp(
        groups_per_arm=6, group_size=10, icc=0.1, effects={"pendampingan": effect}
    )
    truth = {"pendampingan - kontrol": effect, "karitatif - kontrol": 0.0}
    d = diagnose(dgp, cluster_means_estimator, estimands=truth, draws=400, seed=11).tidy()
    d = d.set_index("estimand")
    exact = power_at(effect, exact=True, **kw)
    pend, kar = d.loc["pendampingan - kontrol"], d.loc["karitatif - kontrol"]
    assert abs(pend["power"] - exact) < 3 * pend["power_se"]
    assert abs(kar["power"] - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 400)
    assert abs(pend["coverage"] - 0.95) < 3 * np.sqrt(0.05 * 0.95 / 400)
    assert abs(pend["bias"]) < 3 * pend["bias_se"]
    again = diagnose(dgp, cluster_means_estimator, estimands=truth, draws=400, seed=11).tidy()
    pd.testing.assert_frame_equal(again.set_index("estimand"), d)


def test_diagnose_with_the_project_simulator() -> None:
    """The generic callables accept the JBP simulator (planted effects as estimands)."""
    sim_mod = pytest.importorskip("jbp_analysis.simulate")

    def dgp(seed: int):
        cfg = sim_mod.SimConfig(
            seed=seed, districts=("3322", "3373"), groups_per_district=6, mess=0.0
        )
        return sim_mod.simulate(cfg).truth

    def estimator(truth):
        endline = truth.panel[truth.panel["wave"] == "endline"]
        data = endline.assign(y=endline["household_income"].astype(float))
        return cluster_means_estimator(data)

    def estimands(truth):
        e = truth.effects
        e = e[(e["outcome"] == "household_income") & (e["wave"] == "endline")]
        e = e[e["subgroup"] == "all"]
        return {f"{a} - kontrol": float(v) for a, v in zip(e["arm"], e["effect"], strict=True)}

    d = diagnose(dgp, estimator, estimands=estimands, draws=12, seed=2).tidy()
    assert set(d["estimand"]) == {"karitatif - kontrol", "pendampingan - kontrol"}
    assert (d["mean_estimand"] > 0).all()
    assert (np.abs(d["bias"]) < 4 * d["bias_se"] + 1.0).all()


def test_cli_prints_the_table(capsys) -> None:
    assert main(["power", "--icc", "0.1", "--groups-per-arm", "12", "--effect", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "design effect 3.40" in out
    line = next(x for x in out.splitlines() if x.strip().startswith("12"))
    assert "0.441" in line and "0.887" in line


def test_cli_estimates_icc_from_the_panel_and_simulates(tmp_path, capsys) -> None:
    data = normal_cluster_dgp(groups_per_arm=10, group_size=25, icc=0.2, effects={})(1)
    panel = pd.DataFrame(
        {
            "wave": pd.Categorical(["baseline"] * len(data)),
            "group_id": data["group_id"].astype(str),
            "responded": True,
            "household_income": pd.array(np.round(1e6 + 1e5 * data["y"]), dtype="Int64"),
            "worked_last_week": pd.array(data["y"] > 0, dtype="boolean"),
        }
    )
    path = tmp_path / "panel.parquet"
    panel.to_parquet(path)
    expected = icc_anova(panel["household_income"].astype(float), panel["group_id"]).icc
    args = ["power", "--panel", str(path), "--groups-per-arm", "8", "--simulate", "50"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"household_income {expected:.3f}" in out
    assert "sim power@MDE" in out


def test_cli_bad_input_is_one_paragraph(tmp_path, capsys) -> None:
    assert main(["power", "--panel", str(tmp_path / "none.parquet")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "--icc" in err
    assert main(["power", "--icc", "0.1", "--groups-per-arm", "1"]) == 2


def test_n_sims_is_the_deprecated_name_of_draws() -> None:
    dgp = normal_cluster_dgp(groups_per_arm=4, group_size=5, icc=0.1, effects={"pendampingan": 0.5})
    kw = dict(estimands={"pendampingan - kontrol": 0.5}, seed=2)
    new = diagnose(dgp, cluster_means_estimator, draws=8, **kw)
    with pytest.warns(DeprecationWarning, match=r"n_sims=.*use draws="):
        old = diagnose(dgp, cluster_means_estimator, n_sims=8, **kw)
    pd.testing.assert_frame_equal(old.tidy(), new.tidy())
    assert new.draws == 8
    with pytest.warns(DeprecationWarning, match="Diagnosis.draws"):
        assert new.n_sims == 8
    with pytest.raises(ConfigError, match="draws must be at least 2"):
        diagnose(dgp, cluster_means_estimator, draws=1, **kw)
