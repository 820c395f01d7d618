"""Report sections shared by the district report and the provincial overview (report.sections):
attrition with Lee bounds, and the deviations from the plan, on the small processed fixture
(three districts, 9 groups each) as the overview sees it (district "all")."""

from __future__ import annotations

import doctest

import matplotlib
import pandas as pd
import pytest
from fixtures.processed import make_processed, write_processed
from IPython.display import Markdown

from jbp_analysis.i18n import t
from jbp_analysis.report import sections
from jbp_analysis.report.estimable import ATTRITION_THRESHOLD, PRIMARY_OUTCOMES
from jbp_analysis.report.sections import attrition_section, deviations_section
from jbp_analysis.report.setup import start_report

matplotlib.use("Agg")


def test_examples_run() -> None:
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(sections, optionflags=flags, verbose=False, report=True)
    assert result.attempted > 0 and result.failed == 0


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    base = tmp_path_factory.mktemp("sections")
    data = make_processed(seed=11, districts=("3301", "3322", "3373"), groups_per_district=9)
    return write_processed(base / "processed", data), base


def _province(processed, lang: str = "id"):
    pdir, base = processed
    return start_report(
        district="all",
        processed_dir=pdir,
        reports_root=base / f"reports-{lang}",
        output_dir=base / f"reports-{lang}" / "33-jawa-tengah",
        lang=lang,
        seed=5,
    )


def _text(items) -> str:
    return " ".join(i.data for i in items if isinstance(i, Markdown))


def test_pooled_attrition_bounds_every_primary_outcome_above_the_threshold(processed) -> None:
    """Threshold 0: every wave is bounded, for every primary outcome and contrast, trimmed
    within the 6 strata (3 districts x 2 cohorts), the Imbens-Manski interval around the
    bounds; the response-rate table and the Lee table are saved to the report."""
    rep = _province(processed)
    sec = attrition_section(rep, outcomes=PRIMARY_OUTCOMES, strata="stratum", threshold=0.0)
    text = _text(sec.items)
    assert sec.items[0].data == "## " + t("section.attrition")
    lee = sec.attrition.lee
    assert set(lee["wave"]) == set(rep.waves)
    assert set(lee["outcome"]) == set(PRIMARY_OUTCOMES)
    assert len(lee) == len(rep.waves) * len(PRIMARY_OUTCOMES) * 3  # three contrasts
    assert (lee["n_strata"] == rep.data["stratum"].nunique()).all() and (lee["n_strata"] == 6).all()
    assert (lee["n_clusters"] > 0).all() and (lee["draws"] > 0).all()
    assert (lee["ci_low"] <= lee["lower"]).all() and (lee["lower"] <= lee["upper"]).all()
    assert (lee["upper"] <= lee["ci_high"]).all()
    # the tests of differential attrition use the impact tables' rule (auto: wild below 50)
    assert sec.attrition.tests["inference"].str.startswith("wild (auto").all()
    tables = rep.pack.stage / "tables"
    assert (tables / "attrition.csv").is_file() and (tables / "lee_bounds.csv").is_file()
    assert t("wave.followup") in text and t("narr.lee_none", threshold="0") not in text


def test_attrition_below_the_threshold_has_no_bounds(processed) -> None:
    rep = _province(processed, lang="en")
    sec = attrition_section(rep, outcomes=PRIMARY_OUTCOMES, strata="stratum", threshold=1.0)
    assert sec.attrition.lee.empty
    assert t("narr.lee_none", "en", threshold="100") in _text(sec.items)
    assert not (rep.pack.stage / "tables" / "lee_bounds.csv").exists()
    assert sec.attrition.threshold == 1.0 and ATTRITION_THRESHOLD < 1.0


def test_lee_table_headers_and_arm_codes_are_translated(processed) -> None:
    """Every header of the saved attrition and Lee tables is a reader's word (no code such as
    ``trim_share``), and the trimmed arm is named in the reader's language."""
    rep = _province(processed)
    attrition_section(rep, outcomes=PRIMARY_OUTCOMES, strata="stratum", threshold=0.0)
    for name in ("attrition", "lee_bounds"):
        df = pd.read_csv(rep.pack.stage / "tables" / f"{name}.csv")
        raw = [c for c in df.columns if c.replace("_", "").isalpha() and c == c.lower()]
        assert raw == [], (name, raw)
    lee = pd.read_csv(rep.pack.stage / "tables" / "lee_bounds.csv")
    assert t("col.lower") in lee.columns and t("col.trim_share") in lee.columns
    arms = ("kontrol", "karitatif", "pendampingan")
    assert set(lee[t("col.trimmed_arm")]) <= {t(f"arm.{a}") for a in arms}  # not the codes


def test_deviations_section_lists_missing_results_and_added_analyses(processed) -> None:
    """No impacts (a baseline report): every pre-specified result is 'not estimated'; the
    added analysis is listed; the table is saved as deviations.csv."""
    rep = _province(processed, lang="en")
    sec = deviations_section(rep, estimates=None, exploratory=["District ranking"])
    assert sec.items[0].data == "## " + t("dev.section", "en")
    kinds = sec.table.data["kind"].tolist()
    n_cells = len(rep.plan.outcomes) * len(rep.plan.contrasts) * len(rep.waves)
    assert kinds.count("not estimated") == n_cells
    assert kinds[-1] == "added (exploratory)"
    assert (rep.pack.stage / "tables" / "deviations.csv").is_file()
