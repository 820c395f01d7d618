"""Waves arrive one at a time: reports for baseline only, and for baseline plus endline."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re

import pytest
import typer
from fixtures.processed import make_processed, write_processed

from jbp_analysis.cli.report import command
from jbp_analysis.i18n import t

pytestmark = pytest.mark.notebook


def _only(data, waves):
    keep = lambda df: df[df["wave"].astype(str).isin(waves)].reset_index(drop=True)  # noqa: E731
    return dataclasses.replace(data, panel=keep(data.panel), groups=keep(data.groups))


@pytest.mark.parametrize(
    ("waves", "impact_waves"),
    [(("baseline",), set()), (("baseline", "endline"), {"endline"})],
    ids=["baseline-only", "baseline-endline"],
)
def test_reports_cover_the_waves_that_exist(tmp_path, waves, impact_waves) -> None:
    data = _only(make_processed(seed=9, districts=("3322",)), waves)
    processed = write_processed(tmp_path / "processed", data)
    reports = tmp_path / "reports"
    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out):
        try:
            command(district=["3322"], processed=processed, out=reports, lang="en", progress=False)
        except typer.Exit as exc:  # a failed report exits 1
            code = exc.exit_code
    assert code == 0, out.getvalue()
    folder = reports / "3322-kab-semarang"
    html = (folder / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    reported = {k.split(".", 1)[1] for k in summary["headline"]["impacts"]}
    assert reported == impact_waves
    assert summary["provenance"]["parameters"]["waves"] == sorted(impact_waves)
    if not impact_waves:
        assert t("report.baseline_only", "en") in text
        assert t("section.impacts", "en") not in text
    else:
        assert t("section.impacts", "en") in text
    # the sample and balance sections are there either way, and the deviations name the
    # waves not yet collected
    assert t("section.sample", "en") in text and t("dev.not_collected", "en") in text
    assert "LinAlgError" not in text and "Traceback" not in text
