"""Cost-effectiveness: a small example worked by hand, the cluster bootstrap, bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.analyses.cost_effectiveness import (
    METRICS,
    cost_effectiveness,
    cost_per_participant,
    costs_by_group,
)
from jbp_analysis.core.errors import ConfigError, JBPInputError

ARMS = ("kontrol", "karitatif", "pendampingan")


def _hand_example():
    """2 districts x 3 arms x 2 groups of 4 members; every group of an arm is identical.

    employed per group: kontrol 1/4, karitatif 2/4, pendampingan 3/4;
    monthly income: 1.0m, 1.1m, 1.3m; cost per group: kontrol 100k (admin), karitatif 1m,
    pendampingan 1.5m + 0.5m (two components).
    """
    rows, costs = [], []
    for district in ("3322", "3373"):
        for a, employed, income in zip(ARMS, (1, 2, 3), (1.0e6, 1.1e6, 1.3e6), strict=True):
            for j in range(2):
                gid = f"{district}-{a}-{j}"
                for m in range(4):
                    rows.append((gid, district, a, m < employed, income))
                if a == "kontrol":
                    costs.append((gid, a, "admin", 100_000))
                elif a == "karitatif":
                    costs.append((gid, a, "grant", 1_000_000))
                else:
                    costs += [(gid, a, "mentor", 1_500_000), (gid, a, "training", 500_000)]
    data = pd.DataFrame(
        rows, columns=["group_id", "district_code", "arm", "employed", "household_income"]
    )
    data["arm"] = pd.Categorical(data["arm"], categories=ARMS)
    cost = pd.DataFrame(costs, columns=["group_id", "arm", "component", "cost_rp"])
    return cost, data


def test_small_example_worked_by_hand() -> None:
    """cost per participant: kontrol 100k/4 = 25k, karitatif 1m/4 = 250k, pendampingan 2m/4 = 500k.

    karitatif vs kontrol:  dC = 225k, dE = .25 -> 900k per additional employed,
        .25 / 225k * 1e8 = 111.11 employed per Rp 100m, dY = 100k -> 12 * 100k / 225k = 5.333.
    pendampingan vs kontrol: dC = 475k, dE = .5 -> 950k; 105.26 per 100m; 12 * 300k / 475k = 7.579.
    pendampingan vs karitatif: dC = 250k, dE = .25 -> 1m; 100 per 100m; 12 * 200k / 250k = 9.6.
    """
    cost, data = _hand_example()
    res = cost_effectiveness(cost, data, draws=200, seed=1)
    t = res.table.set_index(["comparison", "metric"])["estimate"]
    expected = {
        "karitatif vs kontrol": [250_000, 225_000, 0.25, 1e8 * 0.25 / 225_000, 900_000,
                                 100_000, 12 * 100_000 / 225_000],
        "pendampingan vs kontrol": [500_000, 475_000, 0.5, 1e8 * 0.5 / 475_000, 950_000,
                                    300_000, 12 * 300_000 / 475_000],
        "pendampingan vs karitatif": [500_000, 250_000, 0.25, 100.0, 1_000_000,
                                      200_000, 9.6],
    }  # fmt: skip
    for comparison, values in expected.items():
        np.testing.assert_allclose(
            [t[(comparison, m)] for m in METRICS], values, rtol=1e-12, err_msg=comparison
        )
    # identical groups within each arm: resampling within arms cannot move anything
    np.testing.assert_allclose(res.table["ci_low"], res.table["estimate"], rtol=1e-12)
    np.testing.assert_allclose(res.table["ci_high"], res.table["estimate"], rtol=1e-12)
    cpp = cost_per_participant(
        cost,
        data.groupby("group_id")
        .agg(arm=("arm", "first"), participants=("arm", "size"))
        .reset_index(),
    )
    assert cpp.set_index("arm")["cost_per_participant_rp"].to_dict() == {
        "kontrol": 25_000.0, "karitatif": 250_000.0, "pendampingan": 500_000.0}  # fmt: skip


def _random_trial(seed: int, groups_per_cell: int = 5):
    rng = np.random.default_rng(seed)
    rows, costs = [], []
    for district in ("3322", "3373", "3374"):
        for a, p, mu, c in zip(ARMS, (0.3, 0.4, 0.5), (1.0, 1.1, 1.3), (0, 9e6, 14e6), strict=True):
            for j in range(groups_per_cell):
                gid = f"{district}-{a}-{j}"
                n = int(rng.integers(15, 26))
                u = rng.normal(0, 0.1)
                for _ in range(n):
                    rows.append(
                        (gid, district, a, rng.random() < p + u, mu * 1e6 * rng.lognormal(0, 0.3))
                    )
                costs.append((gid, a, c * rng.uniform(0.8, 1.2)))
    data = pd.DataFrame(
        rows, columns=["group_id", "district_code", "arm", "employed", "household_income"]
    )
    data.loc[data.index[::17], "household_income"] = np.nan  # missing values are ignored
    return pd.DataFrame(costs, columns=["group_id", "arm", "cost_rp"]), data


def test_callable_estimator_equals_vectorised_path_and_resamples_within_cells() -> None:
    cost, data = _random_trial(3, groups_per_cell=3)
    cells_seen = []

    def means(sample: pd.DataFrame) -> dict:
        per_group = sample.groupby("group_id")[["arm", "district_code"]].first()
        cells_seen.append(per_group.value_counts().sort_index())
        out = {}
        for name in ("employed", "household_income"):
            for a, v in sample.groupby("arm")[name].mean().items():
                out[(name, a)] = float(v)
        return out

    fast = cost_effectiveness(cost, data, draws=30, seed=5)
    slow = cost_effectiveness(cost, data, draws=30, seed=5, arm_means=means)
    pd.testing.assert_frame_equal(fast.table, slow.table, rtol=1e-10)
    assert len(cells_seen) == 31
    for counts in cells_seen:  # every replicate keeps 3 groups per arm x district cell
        assert (counts == 3).all() and len(counts) == 9


def test_bootstrap_spread_matches_clustered_standard_error() -> None:
    cost, data = _random_trial(7, groups_per_cell=20)
    res = cost_effectiveness(cost, data, draws=2000, seed=2, treated=["pendampingan"])
    boot_sd = res.replicates["pendampingan vs kontrol|employment_effect"].std()
    # analytic bootstrap variance of each arm's ratio-of-sums mean, linearised by group:
    # r_g = (sum_g - mean * n_g) / N_arm, resampled within districts: sum_cells sum (r - rbar)^2
    d = data.assign(y=data["employed"].astype(float))
    var = 0.0
    for a in ("kontrol", "pendampingan"):
        g = d[d["arm"] == a].groupby(["district_code", "group_id"])["y"].agg(["sum", "size"])
        mean = g["sum"].sum() / g["size"].sum()
        r = (g["sum"] - mean * g["size"]) / g["size"].sum()
        var += float(r.groupby(level=0).apply(lambda x: ((x - x.mean()) ** 2).sum()).sum())
    assert boot_sd == pytest.approx(np.sqrt(var), rel=0.07)
    row = res.table.set_index("metric").loc["employment_effect"]
    assert row["ci_low"] < row["estimate"] < row["ci_high"]


def test_deterministic() -> None:
    cost, data = _random_trial(1, groups_per_cell=2)
    a = cost_effectiveness(cost, data, draws=100, seed=9).tidy()
    b = cost_effectiveness(cost, data, draws=100, seed=9).tidy()
    pd.testing.assert_frame_equal(a, b)
    assert set(a["metric"]) == set(METRICS) and len(a) == 3 * len(METRICS)


def test_costs_by_group_and_bad_inputs() -> None:
    cost, data = _hand_example()
    per_group = costs_by_group(cost)
    assert per_group.loc[per_group["group_id"] == "3322-pendampingan-0", "cost_rp"].item() == 2e6
    bad = cost.copy()
    bad.loc[3, "cost_rp"] = -5
    with pytest.raises(
        JBPInputError, match=r"costs, row 4, column 'cost_rp': cost -5 is missing or negative"
    ):
        cost_effectiveness(bad, data, draws=10)
    bad = pd.concat([cost, pd.DataFrame([{"group_id": "ghost", "arm": "kontrol", "cost_rp": 1}])])
    with pytest.raises(JBPInputError, match="ghost"):
        cost_effectiveness(bad, data, draws=10)
    bad = cost.copy()
    bad.loc[bad["group_id"] == "3322-kontrol-0", "arm"] = "karitatif"
    with pytest.raises(JBPInputError, match="'karitatif' in the costs but 'kontrol'"):
        cost_effectiveness(bad, data, draws=10)
    with pytest.raises(JBPInputError, match="employed"):
        cost_effectiveness(cost, data.drop(columns="employed"), draws=10)
    with pytest.raises(ConfigError, match="placebo"):
        cost_effectiveness(cost, data, treated=["placebo"], draws=10)
    with pytest.raises(ConfigError, match="draws"):
        cost_effectiveness(cost, data, draws=1)


# --------------------------------------------------------------------------- from the report's impacts
def test_ratio_interval_inverts_the_effect_interval() -> None:
    from jbp_analysis.analyses.cost_effectiveness import ratio_interval

    # effect 0.1 in [0.05, 0.2]: cost 1m per participant -> 10m per unit, in [5m, 20m]
    assert ratio_interval(1e6, 0.1, 0.05, 0.2) == pytest.approx((1e7, 5e6, 2e7))
    # the interval includes 0: no upper bound
    est, lo, hi = ratio_interval(1e6, 0.1, -0.05, 0.2)
    assert (est, lo) == pytest.approx((1e7, 5e6)) and np.isinf(hi)
    # a negative estimate whose interval reaches above 0: no estimate, unbounded interval
    est, lo, hi = ratio_interval(1e6, -0.01, -0.05, 0.2)
    assert np.isnan(est) and lo == pytest.approx(5e6) and np.isinf(hi)
    # no gain anywhere in the interval, or no extra cost: nothing to report
    assert np.isnan(ratio_interval(1e6, -0.1, -0.2, -0.05)).all()
    assert np.isnan(ratio_interval(0.0, 0.1, 0.05, 0.2)).all()


def test_cost_effectiveness_from_impacts_uses_the_impact_rows() -> None:
    from jbp_analysis.analyses.cost_effectiveness import cost_effectiveness_from_impacts
    from jbp_analysis.estimate import impact_table

    rng = np.random.default_rng(4)
    g = np.repeat(np.arange(18), 15)
    arm = np.array(["kontrol", "karitatif", "pendampingan"])[g % 3]
    y0 = (rng.random(g.size) < 0.3).astype(float)
    y = (rng.random(g.size) < 0.3 - 0.1 * (arm == "pendampingan")).astype(float)
    inc = rng.normal(2e6, 4e5, g.size) + 3e5 * (arm == "pendampingan")
    data = pd.DataFrame(
        {"group_id": g, "arm": arm, "unemployed_bps": y, "unemployed_bps_bl": y0,
         "income_household": inc, "income_household_bl": rng.normal(2e6, 4e5, g.size)}
    )  # fmt: skip
    imp = impact_table(
        data,
        outcomes=["unemployed_bps", "income_household"],
        baseline="{outcome}_bl",
        arm="arm",
        control="kontrol",
        cluster="group_id",
        inference="auto",
    )
    groups = data.groupby("group_id")["arm"].first().reset_index()
    costs = groups.assign(
        cost_rp=groups["arm"].map({"kontrol": 0, "karitatif": 3e6, "pendampingan": 6e6})
    )
    people = groups.assign(participants=15)
    res = cost_effectiveness_from_impacts(costs, imp, participants=people, level=0.95)
    t_ = res.tidy().set_index(["comparison", "metric"])
    row = imp.set_index(["contrast", "outcome"]).loc[("pendampingan - kontrol", "unemployed_bps")]
    red = t_.loc[("pendampingan vs kontrol", "unemployment_reduction")]
    # the reduction is minus the impact table's estimate, with the same interval
    assert red["estimate"] == pytest.approx(-row["estimate"])
    assert (red["ci_low"], red["ci_high"]) == pytest.approx((-row["ci_high"], -row["ci_low"]))
    d_cost = 6e6 / 15 - 0.0
    assert t_.loc[
        ("pendampingan vs kontrol", "incremental_cost_per_participant_rp"), "estimate"
    ] == (pytest.approx(d_cost))
    cpu = t_.loc[("pendampingan vs kontrol", "cost_per_youth_out_of_unemployment_rp")]
    assert cpu["estimate"] == pytest.approx(d_cost / -row["estimate"])
    assert cpu["ci_low"] == pytest.approx(d_cost / -row["ci_low"])
    assert bool(cpu["unbounded"]) == (row["ci_high"] >= 0)
    gain = t_.loc[("pendampingan vs kontrol", "income_gain_per_rp")]
    inc_row = imp.set_index(["contrast", "outcome"]).loc[
        ("pendampingan - kontrol", "income_household")
    ]
    assert gain["estimate"] == pytest.approx(inc_row["estimate"] * 12 / d_cost)
    assert res.tidy()["inference"].str.startswith("wild").all()
    # the generic cost per unit of improvement gives the same cost per youth
    from jbp_analysis.analyses.cost_effectiveness import cost_per_improvement

    gen = cost_per_improvement(
        costs, imp, participants=people, outcome="unemployed_bps", better=-1
    ).set_index("comparison")
    assert gen.loc["pendampingan vs kontrol", "estimate"] == pytest.approx(cpu["estimate"])
    assert gen.loc["pendampingan vs kontrol", "ci_low"] == pytest.approx(cpu["ci_low"])
    assert gen.loc["pendampingan vs kontrol", "unbounded"] == bool(cpu["unbounded"])
    with pytest.raises(ConfigError, match="better"):
        cost_per_improvement(costs, imp, participants=people, outcome="unemployed_bps", better=0)


def test_n_boot_is_the_deprecated_name_of_draws() -> None:
    cost, data = _random_trial(1, groups_per_cell=2)
    new = cost_effectiveness(cost, data, draws=30, seed=4)
    with pytest.warns(DeprecationWarning, match=r"n_boot=.*use draws="):
        old = cost_effectiveness(cost, data, n_boot=30, seed=4)
    pd.testing.assert_frame_equal(old.tidy(), new.tidy())
    assert new.draws == 30 and new.tidy()["n_boot"].eq(30).all()
    with pytest.warns(DeprecationWarning, match="CEResult.draws"):
        assert new.n_boot == 30
    with pytest.raises(TypeError, match="both"):
        cost_effectiveness(cost, data, n_boot=30, draws=30)
