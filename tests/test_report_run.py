"""End-to-end: `jbp report --all` on a small processed fixture, then checks on every output.

One `--all` run executes the notebooks (two districts and the overview on two warm-kernel
workers) with a third district planted to fail, so the same run checks failure isolation.
The fixture has 9 groups per district (3 per arm): too few for the balance table's joint test,
so the district reports must say so instead of failing. Marked `notebook`; the browser test also
`browser`; the run on the real simulate -> clean pipeline is `slow`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import typer
from fixtures.processed import make_processed, write_processed
from openpyxl import load_workbook

from jbp_analysis.cli.report import command
from jbp_analysis.i18n import contrast_label, t
from jbp_analysis.report import runner
from jbp_analysis.report.estimable import REPORT_OUTCOMES
from jbp_analysis.report.html import external_resources
from jbp_analysis.report.runner import (
    DISTRICT_NOTEBOOK,
    district_job,
    job_hashes,
    load_state,
    overview_job,
    save_state,
)

pytestmark = pytest.mark.notebook

DISTRICTS = ("3301", "3322", "3373")
BROKEN = "3301"  # Kab. Cilacap: its notebook fails on purpose
GOOD = ["3322-kab-semarang", "33-jawa-tengah", "3373-kot-salatiga"]


@pytest.fixture(scope="module")
def fixture_data():
    return make_processed(seed=11, districts=DISTRICTS, groups_per_district=9)


@pytest.fixture(scope="module")
def run(tmp_path_factory, fixture_data):
    base = tmp_path_factory.mktemp("jbp_run")
    processed = write_processed(base / "processed", fixture_data)
    reports = base / "reports"
    broken = base / "broken.ipynb"
    nb = nbformat.read(DISTRICT_NOTEBOOK, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell('raise RuntimeError("planted failure")'))
    nbformat.write(nb, broken)
    real = runner.district_job

    def planted(code, **kw):
        return real(code, **kw, **({"notebook": broken} if code == BROKEN else {}))

    mp = pytest.MonkeyPatch()
    mp.setattr(runner, "district_job", planted)
    code = 0
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            command(all_districts=True, processed=processed, out=reports, jobs=2, progress=False)
    except typer.Exit as exc:
        code = exc.exit_code
    finally:
        mp.undo()
    return {"base": base, "processed": processed, "reports": reports, "code": code, "err": err}


def _folders(reports: Path) -> list[Path]:
    return sorted(p for p in reports.iterdir() if p.is_dir() and p.name[:2] == "33")


def test_good_reports_and_index_are_built(run) -> None:
    reports = run["reports"]
    assert sorted(p.name for p in _folders(reports)) == sorted(GOOD)
    assert (reports / "index.html").is_file()
    for folder in _folders(reports):
        for name in ("report.html", "report.ipynb", "tables.xlsx", "charts.pdf", "summary.json"):
            assert (folder / name).is_file(), folder / name
        pngs = sorted((folder / "figures").glob("*.png"))
        assert len(pngs) >= 4 and len(pngs) == len(list((folder / "figures").glob("*.svg")))
        assert len(list((folder / "tables").glob("*.csv"))) >= 3
    assert not list(reports.glob(".*partial"))


def test_one_failing_district_does_not_stop_the_others(run) -> None:
    reports = run["reports"]
    assert run["code"] == 1
    assert not (reports / "3301-kab-cilacap").exists()  # no partial report
    failed = reports / "_failed" / "3301-kab-cilacap.ipynb"
    assert failed.is_file()
    err = run["err"].getvalue()
    assert "FAILED 3301 Kab. Cilacap: cell 4: RuntimeError: planted failure" in err
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "planted failure" in index and 'class="card failed"' in index
    assert "3301" not in load_state(reports) and set(load_state(reports)) == {
        "3322",
        "3373",
        "overview",
    }


def test_charts_are_at_least_200_dpi_and_have_captions(run) -> None:
    from PIL import Image

    folder = run["reports"] / "3322-kab-semarang" / "figures"
    for png in folder.glob("*.png"):
        assert round(Image.open(png).info["dpi"][0]) >= 200, png
    svg = (folder / "trajectory_income.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and svg.count("<path") > 10
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)  # the words stay text in the SVG
    assert any(x.endswith(t("chart.traj.title", outcome="").strip()) for x in texts), texts
    assert t("outcome.income_household") in texts and any(x.startswith("Rp ") for x in texts)
    assert any(x.startswith("Sumber:") and "n = " in x for x in texts)


def test_reader_html_has_no_code_tracebacks_or_network(run) -> None:
    for folder in _folders(run["reports"]):
        html = (folder / "report.html").read_text(encoding="utf-8")
        body = re.sub(r"<style.*?</style>", "", html, flags=re.S)
        assert "jp-InputArea" not in body and "import pandas" not in body
        assert "Traceback" not in body and "Error" not in body
        assert "without encryption" not in body
        assert external_resources(html) == []
        assert "data:image/png;base64," in html
        assert "<h1" in html


def test_district_report_reads_well(run) -> None:
    """Translated data-quality keys, tidy impact table, 'not estimable' with 3 groups per arm."""
    html = (run["reports"] / "3322-kab-semarang" / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))
    assert t("quality.rows_in") in text and "rows_in" not in text
    assert "cleaning_log_by_rule" not in text and t("rule.rupiah_parse") in text
    assert t("table.not_estimable") in text  # the joint test, 6 groups for 6 variables
    assert t("narr.balance_few_groups") in text
    impacts = pd.read_csv(run["reports"] / "3322-kab-semarang" / "tables" / "impacts.csv")
    assert t("col.estimate") in impacts.columns and t("col.ci_low") in impacts.columns
    assert set(impacts[t("col.wave")]) == {t("wave.endline"), t("wave.followup")}
    # the reader's impact table: 11 columns (with the family's q-value and Romano-Wolf p, and
    # whether the analysis plan pre-specified the row), effects written in their unit
    heads = [h for h in re.findall(r"<thead><tr>(.*?)</tr>", html) if t("col.estimate") in h]
    assert heads and len(re.findall(r"<th ", heads[0])) == 11
    assert t("col.q_value") in heads[0] and t("col.p_romano_wolf") in heads[0]
    assert t("col.analysis") in heads[0] and t("analysis.pre-specified") in text
    assert t("dev.section") in text  # the deviations section closes every report
    assert re.search(r"[−+]\d+,\d pp", text) and re.search(r"[−+]Rp \d", text)


def test_district_report_has_the_shared_sections(run) -> None:
    """The district report shows the overview's attrition and deviations sections
    (report.sections): translated deviation headers and kinds, the caveat pointing to its
    attrition section, and no untranslated header in any of its tables (cost_effectiveness.csv's
    ``unbounded`` included)."""
    folder = run["reports"] / "3322-kab-semarang"
    html = (folder / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))
    assert t("section.attrition") in text and t("caveat.attrition") in text
    deviations = pd.read_csv(folder / "tables" / "deviations.csv")
    assert list(deviations.columns) == [t("dev.item"), t("dev.kind"), t("dev.reason")]
    listed = dict(zip(deviations[t("dev.item")], deviations[t("dev.kind")], strict=False))
    assert listed[t("section.robustness")] == t("dev.kind.exploratory")
    assert t("col.unbounded") in pd.read_csv(folder / "tables" / "cost_effectiveness.csv").columns
    for csv in (folder / "tables").glob("*.csv"):
        raw = [c for c in pd.read_csv(csv, nrows=0).columns if re.fullmatch(r"[a-z0-9_]+", c)]
        assert raw == [], (csv.name, raw)


def test_wide_tables_fit_the_page(run) -> None:
    """The reader HTML sets tables of 8+ columns (the impact tables) smaller, in a wrapper that
    scrolls on a narrow screen, so their last columns are not cut off at the page's edge."""
    for folder in ("3322-kab-semarang", "33-jawa-tengah"):
        html = (run["reports"] / folder / "report.html").read_text(encoding="utf-8")
        assert (
            ".jbp-table-wrap { overflow-x: auto;" in html and "table.jbp-table.jbp-wide {" in html
        )
        wide = re.findall(r'<div class="jbp-table-wrap"><table class="jbp-table jbp-wide">', html)
        assert wide, folder  # the impact table
        for head in re.findall(r'<table class="jbp-table">\s*<thead><tr>(.*?)</tr>', html):
            assert len(re.findall(r"<th ", head)) < 8, folder


def test_overview_answers_households_lifted_per_rupiah(run, fixture_data) -> None:
    """Issue 15 section 4 for the province: per arm, the pooled effect on P0 and the households
    lifted above the line per Rp 100 million, with its table; the rupiah are the province's
    (every district's costs over every district's roster), and the P0 effect is the pooled
    impact table's own."""
    folder = run["reports"] / "33-jawa-tengah"
    html = (folder / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))
    assert t("poverty.lifted") in text and t("overview.lifted_pooled", n_districts=3) in text
    lifted = pd.read_csv(folder / "tables" / "poverty_lifted.csv")
    comp, metric, est = t("col.comparison"), t("col.metric"), t("col.estimate")
    table = lifted.set_index([comp, metric])[est]
    vs = contrast_label("pendampingan - kontrol")
    effect = table[(vs, t("metric.poverty_effect"))]
    per_100m = table[(vs, t("metric.lifted_per_100m_rp"))]
    # one sentence per treated arm against control
    template = t("poverty.answer")
    said = template[template.index("{lifted} ") + 9 : template.index(" ({lifted_lo}")]
    assert len(re.findall(re.escape(said) + r" \(", text)) == 2
    # province-wide incremental cost per participant of this comparison's arms
    panel, costs = fixture_data.panel, fixture_data.costs
    base = panel[panel["wave"].astype(str) == "baseline"]
    roster = base.groupby(base["arm"].astype(str))["respondent_id"].nunique()
    spent = costs.groupby(costs["arm"].astype(str))["cost_rp"].sum()  # control: no cost rows
    per_person = spent.reindex(roster.index, fill_value=0).astype(float) / roster
    a, b = (s.strip() for s in str(vs).split(" vs "))
    labels = {t(f"arm.{k}"): k for k in per_person.index}
    d_cost = per_person[labels[a]] - per_person[labels[b]]
    assert per_100m == pytest.approx(-effect * 1e8 / d_cost, rel=1e-9)
    pooled = pd.read_csv(folder / "tables" / "pooled.csv")
    last = pooled[t("col.wave")].iloc[-1]
    p0 = pooled[
        (pooled[t("col.outcome")] == t("outcome.poor"))
        & (pooled[t("col.wave")] == last)
        & (pooled[t("col.contrast")] == vs)
    ]
    assert float(p0[t("col.estimate")].iloc[0]) == pytest.approx(effect, rel=1e-12)


def test_summary_json_has_headline_and_provenance(run) -> None:
    s = json.loads((run["reports"] / "33-jawa-tengah" / "summary.json").read_text())
    prov = s["provenance"]
    assert len(prov["input_data_sha256"]) == 64 and prov["code_version"]
    plan = prov["analysis_plan"]  # the plan the report followed, by version and hash
    assert len(plan["plan_sha256"]) == 64 and plan["plan_version"] and plan["registered_file"]
    assert prov["parameters"]["district"] == "all" and prov["generated_at"]
    impacts = s["headline"]["impacts"]
    assert set(impacts) == {
        f"{o}.{w}"
        for o in [o for fam in REPORT_OUTCOMES.values() for o in fam]
        for w in ("endline", "followup")
    }
    assert s["headline"]["n_districts"] == len(DISTRICTS)
    # the planted mentoring effect on income (Rp 400,000) is inside the pooled interval
    inc = impacts["income_household.followup"]
    assert inc["ci_low"] < 400_000 < inc["ci_high"]


def test_workbook_opens_with_the_expected_sheets(run) -> None:
    folder = run["reports"] / "33-jawa-tengah"
    wb = load_workbook(folder / "tables.xlsx")
    expected = [t("sheet.readme"), t("section.pooled"), t("section.ranking"), t("section.forest")]
    expected.append(t("section.attrition"))
    if (folder / "tables" / "lee_bounds.csv").is_file():  # differential attrition over the plan's
        expected.append(t("col.lee_bounds"))
    expected.append(t("poverty.share_table"))  # the fixture has the consumption module
    expected.append(t("poverty.lifted"))  # households lifted per Rp 100 million, province-wide
    expected.append(t("dev.section"))  # the ranking is an added analysis: never empty
    assert wb.sheetnames == [s.replace("/", "-")[:31] for s in expected]
    ws = wb[t("section.ranking").replace("/", "-")[:31]]
    header = [c.value for c in ws[1]]
    assert header[:2] == [t("col.rank"), t("col.district")]
    assert ws.max_row == 1 + len(DISTRICTS)
    ranks = [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)]
    assert ranks == sorted(ranks)


def test_committed_notebooks_carry_no_outputs() -> None:
    for path in Path(DISTRICT_NOTEBOOK).parent.rglob("*.ipynb"):
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, path


def test_no_pii_in_any_output(run, fixture_data) -> None:
    names = set(fixture_data.pii["name"])
    numbers = set(fixture_data.pii["nik"]) | set(fixture_data.pii["phone"])
    files = [p for p in run["reports"].rglob("*") if p.is_file()]
    assert len(files) > 50
    for path in files:
        blobs = [path.read_bytes()]
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                blobs = [z.read(n) for n in z.namelist()]
        for blob in blobs:
            text = blob.decode("latin-1")
            assert not re.search(r"(?<![\d.])33\d{14}(?![\d.])", text), path  # any NIK
            runs = re.findall(r"\d{10,}", text)  # every long number, e.g. a phone or a NIK
            assert not [r for r in runs for x in numbers if x in r], path
            pairs = set(re.findall(r"[A-Z][a-z]+ [A-Z][a-z]+", text))  # "First Last"
            assert not pairs & names, (path, pairs & names)


def test_changed_skips_unchanged_reports(run, capsys) -> None:
    root, processed = run["reports"], run["processed"]
    jobs = [district_job(c, processed_dir=processed, root=root) for c in ("3322", "3373")]
    # Fresh hashes: the package source may have been edited since the run (e.g. by a developer).
    save_state(root, {**load_state(root), **job_hashes(jobs)})
    command(district=["3322", "3373"], processed=processed, out=root, changed=True, progress=False)
    assert "--changed: 0 of 2 reports need regenerating" in capsys.readouterr().out


def test_changed_data_changes_only_its_district_and_the_overview(run, tmp_path) -> None:
    src = run["processed"]
    dst = tmp_path / "processed"
    shutil.copytree(src, dst)
    keys = {"3322": None, "3373": None}

    def hashes(pdir: Path) -> dict[str, str]:
        jobs = [district_job(c, processed_dir=pdir, root=tmp_path / "r") for c in keys]
        jobs.append(overview_job(processed_dir=pdir, root=tmp_path / "r"))
        return job_hashes(jobs)

    before = hashes(dst)
    assert hashes(dst) == before  # deterministic
    panel = pd.read_parquet(dst / "panel.parquet")
    row = panel.index[(panel["district_code"] == "3373") & panel["responded"]][0]
    panel.loc[row, "household_income"] += 1000
    panel.to_parquet(dst / "panel.parquet", index=False)
    after = hashes(dst)
    assert after["3322"] == before["3322"]
    assert after["3373"] != before["3373"] and after["overview"] != before["overview"]


@pytest.mark.parametrize("bad", ["../../x", 'Kab. "Semarang', "3322/../..", "'; rm -rf /"])
def test_unsafe_district_names_are_rejected(bad, tmp_path) -> None:
    from jbp_analysis.core.errors import ConfigError

    with pytest.raises(ConfigError):
        command(district=[bad], processed=tmp_path, out=tmp_path / "r")
    assert not (tmp_path / "r").exists()


def _chromium() -> str:
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    if Path(exe).exists():
        return exe
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "chromium"],
            capture_output=True,
            timeout=900,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        if Path("/usr/bin/chromium").exists():
            return "/usr/bin/chromium"
    pytest.skip("chromium is not installed and cannot be installed (needs root and apt-get)")


_CHECK = """<script>window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !i.complete || i.naturalWidth === 0; }).length;
  document.body.setAttribute('data-jbp-images', imgs.length + ':' + broken);
  document.body.setAttribute('data-jbp-text', document.body.innerText.trim().length);
});</script>"""

_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=5000",
]


@pytest.mark.browser
def test_real_browser_renders_index_and_a_report(run, tmp_path) -> None:
    from PIL import Image, ImageStat

    exe = _chromium()
    pages = [run["reports"] / "index.html", run["reports"] / "3322-kab-semarang" / "report.html"]
    for page in pages:
        probe = page.with_name(".probe-" + page.name)
        probe.write_text(
            page.read_text(encoding="utf-8").replace("</body>", _CHECK + "</body>"),
            encoding="utf-8",
        )
        profile = tmp_path / f"profile-{page.parent.name}"
        try:
            dom = subprocess.run(
                [exe, *_FLAGS, f"--user-data-dir={profile}", "--dump-dom", probe.as_uri()],
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            probe.unlink()
        m = re.search(r'data-jbp-images="(\d+):(\d+)"', dom.stdout)
        assert m, dom.stderr[-2000:]
        n_img = len(re.findall(r"<img\b", page.read_text(encoding="utf-8")))
        assert int(m.group(1)) == n_img >= 1 and int(m.group(2)) == 0, m.group(0)
        assert int(re.search(r'data-jbp-text="(\d+)"', dom.stdout).group(1)) > 500
        shot = tmp_path / f"{page.parent.name}.png"
        subprocess.run(
            [
                exe,
                *_FLAGS,
                f"--user-data-dir={profile}-shot",
                f"--screenshot={shot}",
                "--window-size=1200,900",
                page.as_uri(),
            ],
            capture_output=True,
            timeout=120,
        )
        img = Image.open(shot).convert("L")
        assert ImageStat.Stat(img).stddev[0] > 10  # not a blank page


@pytest.mark.slow
def test_report_all_on_the_real_pipeline(tmp_path) -> None:
    """simulate -> clean.run -> `jbp report --all --lang en`, 6 groups per district (2 per arm)."""
    from jbp_analysis.clean import run as clean
    from jbp_analysis.simulate import SimConfig, simulate

    simulate(SimConfig(seed=3, districts=("3322", "3373"), groups_per_district=6)).write(
        tmp_path / "raw"
    )
    clean(tmp_path / "raw", tmp_path / "processed", secret="report-test-secret-0123456789")
    command(
        all_districts=True,
        processed=tmp_path / "processed",
        out=tmp_path / "reports",
        lang="en",
        jobs=2,
        progress=False,
    )
    html = (tmp_path / "reports" / "3373-kot-salatiga" / "report.html").read_text("utf-8")
    assert t("table.not_estimable", "en") in html
    assert "Raw rows (respondents)" in html and "Rows kept" in html
    assert (tmp_path / "reports" / "33-jawa-tengah" / "report.html").is_file()


def test_overview_shows_each_districts_own_estimates(run) -> None:
    """The overview runs after the districts and takes their estimates: its by-district table
    has, for Kab. Semarang, the rows of that district's impact table in the last wave, with the
    same q-values and Romano-Wolf p-values (a family over the district report's waves)."""
    reports = run["reports"]
    by = pd.read_csv(reports / "33-jawa-tengah" / "tables" / "by_district.csv", dtype=str)
    own = pd.read_csv(reports / "3322-kab-semarang" / "tables" / "impacts.csv", dtype=str)
    district, wave = t("col.district", "id"), t("col.wave", "id")
    assert district in by.columns and set(by[district]) >= {"Kab. Semarang", "Kota Salatiga"}
    last = by[wave].iloc[0]
    mine = by[by[district] == "Kab. Semarang"].drop(columns=district).reset_index(drop=True)
    want = own[own[wave] == last][list(mine.columns)].reset_index(drop=True)
    assert len(mine) > 0
    pd.testing.assert_frame_equal(mine, want)


def test_overview_follows_the_plan_and_bounds_attrition(run) -> None:
    """The overview has the district report's plan machinery (a pre-specified/exploratory column
    on its result rows, a "Deviations from the plan" section listing the added ranking), a
    pooled attrition section (the caveat that points to it now points to a real section), with
    Lee bounds for every primary outcome at each wave whose response rates differ by more than
    the plan's threshold, and no untranslated header in any of its tables."""
    from jbp_analysis.report.estimable import ATTRITION_THRESHOLD, PRIMARY_OUTCOMES

    folder = run["reports"] / "33-jawa-tengah"
    html = (folder / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))
    headings = [
        re.sub(r"<[^>]+>", "", h).strip().rstrip("¶")  # without the anchor link
        for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    ]
    assert t("section.attrition") in headings and t("dev.section") in headings
    assert t("caveat.attrition") in text
    pooled = pd.read_csv(folder / "tables" / "pooled.csv")
    # the plan's outcomes and waves, said in the reader's language
    assert set(pooled[t("col.analysis")]) == {t("analysis.pre-specified")}
    heads = [h for h in re.findall(r"<thead><tr>(.*?)</tr>", html) if t("col.estimate") in h]
    assert heads and t("col.analysis") in heads[0] and t("analysis.pre-specified") in text
    by = pd.read_csv(folder / "tables" / "by_district.csv")
    assert set(by[t("col.analysis")]) == {t("analysis.pre-specified")}
    deviations = pd.read_csv(folder / "tables" / "deviations.csv")
    assert t("section.ranking") in set(deviations[t("dev.item")])
    # Lee bounds exactly at the waves whose largest gap in response rates exceeds the threshold
    rates = pd.read_csv(folder / "tables" / "attrition.csv").set_index(t("col.wave"))
    rates = rates[[c for c in rates.columns if c.startswith(t("col.response_rate"))]] / 100
    over = {w for w, r in rates.iterrows() if r.max() - r.min() > ATTRITION_THRESHOLD}
    lee_file = folder / "tables" / "lee_bounds.csv"
    assert lee_file.is_file() == bool(over)
    if over:
        lee = pd.read_csv(lee_file)
        assert set(lee[t("col.wave")]) == over
        assert set(lee[t("col.outcome")]) == {t(f"outcome.{o}") for o in PRIMARY_OUTCOMES}
        assert (lee[t("col.n_strata")] > 1).all()  # trimmed within district x cohort
        assert t("col.lee_bounds") in text
    for csv in (folder / "tables").glob("*.csv"):
        raw = [c for c in pd.read_csv(csv, nrows=0).columns if re.fullmatch(r"[a-z0-9_]+", c)]
        assert raw == [], (csv.name, raw)
    assert t("col.std_error_cr1") in pooled.columns and t("col.covariates") in pooled.columns
    impacts = pd.read_csv(run["reports"] / "3322-kab-semarang" / "tables" / "impacts.csv")
    assert {t("col.std_error_cr1"), t("col.covariates")} <= set(impacts.columns)


def test_baseline_only_overview_lists_the_waves_to_come(tmp_path) -> None:
    """With baseline data only, the overview has no impacts and no attrition section, so its
    caveats do not point to one; its deviations name the waves not yet collected."""
    import dataclasses

    data = make_processed(seed=9, districts=("3322",))
    keep = lambda df: df[df["wave"].astype(str) == "baseline"].reset_index(drop=True)  # noqa: E731
    data = dataclasses.replace(data, panel=keep(data.panel), groups=keep(data.groups))
    processed = write_processed(tmp_path / "processed", data)
    with contextlib.redirect_stderr(io.StringIO()):
        command(
            all_districts=True, processed=processed, out=tmp_path / "r", lang="en", progress=False
        )
    folder = tmp_path / "r" / "33-jawa-tengah"
    html = (folder / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))
    assert t("report.baseline_only", "en") in text and t("dev.section", "en") in text
    assert t("section.attrition", "en") not in text and t("caveat.attrition", "en") not in text
    deviations = pd.read_csv(folder / "tables" / "deviations.csv")
    assert t("dev.not_collected", "en") in set(deviations[t("dev.reason", "en")])
