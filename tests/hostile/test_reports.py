"""Reports that cannot lie: a failed district's card, unknown notebook parameters, notebooks run
directly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jbp_analysis.report.index import render_index


def test_failed_district_card_says_so_and_links_nothing_stale(tmp_path):
    root = tmp_path / "reports"
    folder = root / "3322-kab-semarang"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<p>previous run</p>")
    (folder / "tables.xlsx").write_bytes(b"old")
    (folder / "summary.json").write_text(
        json.dumps({"headline": {"label": "Kab. Semarang", "n_respondents": 123456, "impacts": {}}})
    )
    (root / "_failed").mkdir()
    (root / "_failed" / "3322-kab-semarang.ipynb").write_text("{}")
    page = render_index(root, lang="en", failed={"3322-kab-semarang": "cell 7: ValueError: boom"})
    card = page.split('class="card failed"', 1)[1].split("</div>", 1)[0]
    assert "cell 7: ValueError: boom" in card
    assert "report.html" not in card and "tables.xlsx" not in card
    assert "123,456" not in card and "123.456" not in card  # the previous run's numbers
    assert "_failed/3322-kab-semarang.ipynb" in card
    ok = render_index(root, lang="en")  # once it succeeds, the card links the report again
    assert "3322-kab-semarang/report.html" in ok


def test_failures_are_remembered_until_the_district_succeeds(tmp_path):
    from jbp_analysis.report.runner import load_failed, save_failed

    save_failed(tmp_path, {"3322-kab-semarang": "cell 2: KeyError: 'x'"})
    assert load_failed(tmp_path) == {"3322-kab-semarang": "cell 2: KeyError: 'x'"}
    save_failed(tmp_path, {})
    assert load_failed(tmp_path) == {} and not (tmp_path / ".jbp_failed.json").exists()


def test_unknown_parameter_check_names_the_closest():
    from jbp_analysis.core.errors import ConfigError
    from jbp_analysis.report.prelude import check_parameters

    known = {"district", "lang", "waves", "output_dir", "reports_root", "processed_dir"}
    injected = '# Parameters\ndistrcit = "3322"\nlang = "en"\n'
    with pytest.raises(ConfigError, match=r"'distrcit' \(did you mean 'district'\?\).*Nothing"):
        check_parameters({"In": ["", 'district: str = "3373"', injected]}, known)
    check_parameters({"In": ["", 'district: str = "3373"', "x = compute()"]}, known)


@pytest.mark.notebook
def test_papermill_typo_fails_and_builds_nothing(baseline_out, tmp_path):
    import papermill

    from jbp_analysis.report.runner import DISTRICT_NOTEBOOK

    root = tmp_path / "reports"
    with pytest.raises(papermill.PapermillExecutionError, match="did you mean 'district'"):
        papermill.execute_notebook(
            str(DISTRICT_NOTEBOOK),
            str(tmp_path / "out.ipynb"),
            parameters={
                "distrcit": "3322",
                "processed_dir": str(baseline_out),
                "reports_root": str(root),
            },
            cwd=str(DISTRICT_NOTEBOOK.parent),
            progress_bar=False,
        )
    assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.notebook
def test_notebook_run_directly_never_touches_the_published_folder(baseline_out, tmp_path):
    import papermill

    from jbp_analysis.report.runner import DISTRICT_NOTEBOOK

    root = tmp_path / "reports"
    published = root / "3322-kab-semarang"
    published.mkdir(parents=True)
    (published / "report.html").write_text("published by jbp report")
    try:
        papermill.execute_notebook(
            str(DISTRICT_NOTEBOOK),
            str(tmp_path / "out.ipynb"),
            parameters={
                "district": "3322",
                "processed_dir": str(baseline_out),
                "reports_root": str(root),
            },
            cwd=str(DISTRICT_NOTEBOOK.parent),
            progress_bar=False,
        )
        built = True
    except papermill.PapermillExecutionError:
        built = False  # a tiny sample may not support every estimate; the folder rule still holds
    assert sorted(p.name for p in published.iterdir()) == ["report.html"]
    assert (published / "report.html").read_text() == "published by jbp report"
    if built:
        assert (root / "_scratch" / "3322-kab-semarang" / "summary.json").is_file()
    assert not list(Path(root).glob(".*.partial*"))
