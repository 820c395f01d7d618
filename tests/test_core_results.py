"""One base result type (:class:`jbp_analysis.core.results.Result`): every public result type
subclasses it, has ``tidy()`` with the standard columns it declares, and renders the shared
``_repr_html_``.

The result types are discovered, not listed: the return types of the researcher API
(``jbp_analysis.__all__``) and every class with a ``tidy()`` method in the analysis layers. A new
result type that does not inherit the base, or that has no example below, fails here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

import jbp_analysis
from jbp_analysis.core.results import STATISTICS, Result

#: Packages whose classes with a ``tidy()`` must all be results.
ANALYSIS_PACKAGES = ("estimate", "analyses", "observational", "planning", "inference")

#: API functions whose return value is not a result, and why.
NOT_RESULTS = {
    "load": "returns the study's data (StudyData), a container, not an estimate",
    "load_plan": "returns the analysis plan (AnalysisPlan)",
    "StudyDesign": "is the design class itself",
    "build_outcomes": "returns the outcomes DataFrame",
    "impact_table": "returns a DataFrame (the stacked tidy() of ImpactResults)",
}


def _api_result_types() -> set[type]:
    out = set()
    for name in jbp_analysis.__all__:
        if name == "__version__" or name in NOT_RESULTS:
            continue
        func = getattr(jbp_analysis, name)
        returns = typing.get_type_hints(inspect.unwrap(func))["return"]
        assert inspect.isclass(returns), f"{name}() has no result class as return annotation"
        out.add(returns)
    return out


def _classes_with_tidy() -> set[type]:
    out = set()
    for pkg in ANALYSIS_PACKAGES:
        package = importlib.import_module(f"jbp_analysis.{pkg}")
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == module.__name__ and callable(getattr(cls, "tidy", None)):
                    out.add(cls)
    return out


# ----------------------------------------------------------------------------- examples


@pytest.fixture(scope="module")
def trial() -> pd.DataFrame:
    """36 groups of 6 in three arms and two strata, with response and costs (hand-made)."""
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(36), 6)
    arm = np.array(["kontrol", "karitatif", "pendampingan"])[g % 3]
    effect = pd.Series(arm).map({"kontrol": 0.0, "karitatif": 0.2, "pendampingan": 0.5})
    y0 = rng.normal(size=g.size)
    y = effect.to_numpy() + 0.5 * y0 + rng.normal(0, 0.4, 36)[g] + rng.normal(size=g.size)
    return pd.DataFrame(
        {
            "group_id": g,
            "arm": arm,
            "stratum": (g // 3) % 2,
            "y": y,
            "y0": y0,
            "half": np.where(np.arange(g.size) % 2 == 0, "a", "b"),
            "responded": rng.random(g.size) < np.where(arm == "kontrol", 0.75, 0.9),
            "employed": (rng.random(g.size) < 0.4 + 0.2 * effect.to_numpy()).astype(float),
            "household_income": rng.lognormal(14, 0.4, g.size),
            "wave": "endline",
        }
    )


def _examples(df: pd.DataFrame) -> dict[str, Callable[[], Result]]:
    """``{result class name: build one}``, small and fast."""
    from jbp_analysis.inference import cr2, randomization_test, wild_cluster_bootstrap
    from jbp_analysis.observational import att, drdid, overlap
    from jbp_analysis.planning import power

    J = jbp_analysis
    kw = dict(arm="arm", control="kontrol", cluster="group_id")
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    d = (rng.uniform(size=300) < 1 / (1 + np.exp(-x))).astype(int)
    obs = pd.DataFrame({"x": x, "d": d, "y": x + d + rng.normal(size=300)})
    panel = pd.concat(
        [obs.assign(t=0, id=obs.index), obs.assign(t=1, id=obs.index, y=obs.y + 0.5 * obs.d)]
    )
    by_group = df.groupby("group_id")["arm"].first()
    costs = pd.DataFrame({"group_id": by_group.index, "arm": by_group.to_numpy()})
    costs["cost_rp"] = np.where(costs["arm"] == "kontrol", 0.0, 5e7)
    X = np.column_stack([np.ones(len(df)), df["arm"] == "pendampingan"]).astype(float)
    y, g = df["y"].to_numpy(), df["group_id"].to_numpy()
    dgp = power.normal_cluster_dgp(
        groups_per_arm=4, group_size=5, icc=0.1, effects={"pendampingan": 0.5}
    )
    two_waves = pd.concat([df, df.assign(wave="followup", y=df.y + 0.1)], ignore_index=True)
    cohorts = df.assign(cohort=np.where(df.group_id < 18, 1, 2))
    did = pd.concat([df.assign(t=0, y=df.y0), df.assign(t=1)], ignore_index=True)
    lee = df.assign(y=df.y.where(df.responded))
    return {
        "ImpactResult": lambda: J.impact(df, outcome="y", baseline="y0", **kw),
        "BalanceTable": lambda: J.balance_table(
            df, variables=["y0", "employed"], strata="stratum", **kw
        ),
        "LeeBounds": lambda: J.lee_bounds(lee, outcome="y", responded="responded", **kw),
        "AttritionReport": lambda: J.attrition(df, outcomes="y", draws=9, **kw),
        "HeterogeneityResult": lambda: J.heterogeneity(
            df, outcome="y", by="half", baseline="y0", **kw
        ),
        "WaveEffectsResult": lambda: J.wave_effects(two_waves, outcome="y", baseline="y0", **kw),
        "CohortEffectsResult": lambda: J.cohort_effects(
            cohorts, outcome="y", baseline="y0", cohort="cohort", **kw
        ),
        "DiDTable": lambda: J.did_table(did, outcome="y", time="t", **kw),
        "CEResult": lambda: J.cost_effectiveness(costs, df, strata=None, draws=19),
        "PowerTable": lambda: J.power_table(10, group_size=8, icc=0.1),
        "ICCResult": lambda: power.icc_anova(df["y"], df["group_id"]),
        "Diagnosis": lambda: power.diagnose(
            dgp, power.cluster_means_estimator, estimands={"pendampingan - kontrol": 0.5}, draws=5
        ),
        "ATTResult": lambda: drdid(
            panel, outcome="y", treatment="d", covariates=["x"], unit="id", wave="t", pre=0, post=1
        ),
        "OverlapResult": lambda: overlap(obs, treatment="d", covariates=["x"]),
        "ATTResult (att)": lambda: att(obs, outcome="y", treatment="d", covariates=["x"]),
        "WildResult": lambda: wild_cluster_bootstrap(X, y, g, restriction=1),
        "CR2Result": lambda: cr2(X, y, g, contrasts=1),
        "RIResult": lambda: randomization_test(
            y, arm=df["arm"], group=g, control="kontrol", draws=99
        ),
    }


#: The examples of :func:`_examples`, by name (``"Class"`` or ``"Class (how)"``).
EXAMPLE_NAMES = (
    "ImpactResult",
    "BalanceTable",
    "LeeBounds",
    "AttritionReport",
    "HeterogeneityResult",
    "WaveEffectsResult",
    "CohortEffectsResult",
    "DiDTable",
    "CEResult",
    "PowerTable",
    "ICCResult",
    "Diagnosis",
    "ATTResult",
    "OverlapResult",
    "ATTResult (att)",
    "WildResult",
    "CR2Result",
    "RIResult",
)


@pytest.fixture(scope="module")
def results(trial: pd.DataFrame) -> dict[str, Result]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few-cluster and overlap warnings of the tiny examples
        return {name: build() for name, build in _examples(trial).items()}


# ----------------------------------------------------------------------------- discovery


def test_every_api_result_type_and_every_class_with_tidy_is_a_result() -> None:
    found = _api_result_types() | _classes_with_tidy()
    assert {"ImpactResult", "AttritionReport", "ATTResult", "CR2Result"} <= {
        c.__name__ for c in found
    }
    bad = sorted(f"{c.__module__}.{c.__qualname__}" for c in found if not issubclass(c, Result))
    assert not bad, f"result types that do not inherit jbp_analysis.core.results.Result: {bad}"


def test_every_result_type_has_an_example() -> None:
    found = {c.__name__ for c in _api_result_types() | _classes_with_tidy()}
    missing = found - {n.split(" ")[0] for n in EXAMPLE_NAMES}
    assert not missing, f"add an example of {sorted(missing)} to _examples()"


def test_the_examples_are_the_listed_ones(trial: pd.DataFrame) -> None:
    assert tuple(_examples(trial)) == EXAMPLE_NAMES


def test_discovery_sees_a_new_result_type_that_does_not_inherit(monkeypatch) -> None:
    # a stand-in API function returning a class with tidy() but no base: the check must see it
    class Loose:
        def tidy(self) -> pd.DataFrame:
            return pd.DataFrame()

    def loose_analysis() -> Loose:
        return Loose()

    loose_analysis.__annotations__["return"] = Loose
    monkeypatch.setattr(jbp_analysis, "__all__", [*jbp_analysis.__all__, "loose_analysis"])
    monkeypatch.setattr(jbp_analysis, "loose_analysis", loose_analysis, raising=False)
    assert Loose in _api_result_types()
    with pytest.raises(AssertionError, match="Loose"):
        test_every_api_result_type_and_every_class_with_tidy_is_a_result()


# ----------------------------------------------------------------------------- the contract


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_tidy_has_the_standard_columns_it_declares(results: dict[str, Result], name: str) -> None:
    res = results[name]
    assert isinstance(res, Result) and type(res).__name__ == name.split(" ")[0]
    tidy = res.tidy()
    assert isinstance(tidy, pd.DataFrame) and len(tidy) > 0
    declared = type(res).tidy_statistics
    assert set(declared) <= set(STATISTICS)
    # exactly the declared standard columns: none claimed but missing, none present but unsaid
    assert [c for c in STATISTICS if c in tidy.columns] == [c for c in STATISTICS if c in declared]
    # tidy() is a new frame: changing it does not change the result
    col = tidy.select_dtypes("float64").columns[0]
    tidy.loc[tidy.index[0], col] = -999.0
    assert res.tidy().loc[tidy.index[0], col] != -999.0


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_the_shared_html_and_summary(results: dict[str, Result], name: str) -> None:
    res = results[name]
    assert "_repr_html_" not in type(res).__dict__, "use the hooks; _repr_html_ is written once"
    page = res._repr_html_()
    assert page.startswith("<div><p>") and page.endswith("</table></div>")
    assert page.count("<table") == len(res._html_tables()) >= 1
    assert type(res).__name__ not in page.split("</p>")[0], "give the result a caption"
    text = res.summary()
    assert "<b>" not in text and "&amp;" not in text and text.splitlines()[0]


# ----------------------------------------------------------------------------- the base


@dataclass(frozen=True)
class _Mean(Result):
    value: float
    notes: tuple[str, ...] = ()
    tidy_statistics = ("estimate",)

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame({"what": ["mean"], "estimate": [self.value]})


def test_a_result_must_implement_tidy() -> None:
    class NoTidy(Result):
        pass

    with pytest.raises(TypeError, match="tidy"):
        NoTidy()


def test_default_rendering_escapes_and_lists_notes() -> None:
    r = _Mean(1.23456, notes=("a <note>",))
    page = r._repr_html_()
    assert page.startswith("<div><p>_Mean<br><small>a &lt;note&gt;</small></p><table")
    assert "<td>1.235</td>" in page  # html_float_format "{:.4g}"
    assert r.summary().splitlines()[:2] == ["_Mean", "a <note>"]


def test_titled_tables_and_drop_columns() -> None:
    @dataclass(frozen=True)
    class Two(_Mean):
        html_drop = ("what",)

        def _html_caption(self) -> str:
            return "Two &amp; <b>tables</b>"

        def _html_tables(self) -> list[tuple[str, pd.DataFrame]]:
            return [*super()._html_tables(), ("Second", self.tidy())]

    r = Two(2.0)
    page = r._repr_html_()
    assert page.count("<table") == 2 and "<h4>Second</h4>" in page
    assert page.split("<h4>")[0].count("<th>what</th>") == 0  # dropped from the first table
    assert r.summary().splitlines()[0] == "Two & tables"


def test_examples_run() -> None:
    import doctest

    from jbp_analysis.core import results as module

    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
