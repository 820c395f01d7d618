"""``reports/index.html``: every district with its headline chart (embedded) and links.

The page is one self-contained file: its CSS is inline and each headline chart is a small PNG
embedded as a ``data:`` URI, so it also works when e-mailed. Links point to each district's
reader HTML, workbook, PDF chart pack and executed notebook (relative paths).

Examples
--------
>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> path = write_index(root, lang="en")
>>> "JBP evaluation reports by district" in path.read_text()
True
"""

from __future__ import annotations

import base64
import html
import json
import os
from pathlib import Path
from typing import Any

from jbp_analysis.core.io import atomic_write_text
from jbp_analysis.i18n import check_lang, fmt_number, outcome_about, t, wave_label
from jbp_analysis.report.estimable import REPORT_OUTCOMES
from jbp_analysis.report.export import code_version, safe_path
from jbp_analysis.report.narrative import fmt_effect
from jbp_analysis.study.codebook import load_codebook
from jbp_analysis.study.plan import default_design

__all__ = ["write_index", "render_index"]

_WAVE_ORDER = list(load_codebook().waves)
#: Folder of the area-wide overview report (from the study design).
OVERVIEW = default_design().area_slug
#: Outcomes listed on each card, in this order: the reports' outcomes.
_HEADLINE_OUTCOMES = tuple(o for fam in REPORT_OUTCOMES.values() for o in fam)

_CSS = """
body{font-family:"DejaVu Sans","Segoe UI",Arial,sans-serif;margin:0;background:#f6f7f9;color:#1d1d1d}
header{background:#0072B2;color:#fff;padding:1.2rem 2rem}
header h1{margin:0;font-size:1.6rem}
header p{margin:.3rem 0 0}
main{padding:1.5rem 2rem;display:grid;grid-template-columns:repeat(auto-fill,minmax(24rem,1fr));gap:1.2rem}
.card{background:#fff;border:1px solid #dde2e8;border-radius:6px;padding:1rem}
.card h2{margin:0 0 .4rem;font-size:1.15rem}
.card h2 a{color:#0b4f7c;text-decoration:none}
.card img{width:100%;height:auto;border:1px solid #eee}
.card p{margin:.4rem 0;font-size:.9rem}
.card.overview{border:2px solid #0072B2}
.card.failed{border:2px solid #D55E00}
.links a{margin-right:.8rem;font-size:.85rem}
ul.headline{margin:.2rem 0 .6rem;padding-left:1.2rem;font-size:.9rem}
footer{padding:0 2rem 2rem;font-size:.8rem;color:#555}
"""


def _data_uri(path: Path) -> str | None:
    if not path.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _card(folder: Path, root: Path, lang: str, *, overview: bool, error: str | None) -> str:
    """One report's card on the index page: title, links, headline numbers or the failure.

    Length: an HTML template with one branch per state of a report (built, failed, missing summary).
    """
    summary: dict[str, Any] = {}
    sj = folder / "summary.json"
    if sj.is_file():
        summary = json.loads(sj.read_text(encoding="utf-8"))
    head = summary.get("headline", {})
    label = head.get("label") or folder.name
    rel = folder.relative_to(root).as_posix()
    title = t("index.overview", lang) + ": " + label if overview else label
    parts = [f'<div class="card{" overview" if overview else ""}{" failed" if error else ""}">']
    if error:
        # the last run failed: say so, with the cell and error, and show nothing of the folder
        # (its numbers and links are the previous run's)
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(f"<p>{html.escape(t('index.failed', lang, error=error))}</p>")
        nb = root / "_failed" / f"{folder.name}.ipynb"
        if nb.is_file():
            href = html.escape(f"_failed/{folder.name}.ipynb")
            parts.append(
                f'<p class="links"><a href="{href}">{html.escape(t("index.notebook", lang))}</a></p>'
            )
        parts.append("</div>")
        return "\n".join(parts)
    link = f"{rel}/report.html"
    if (folder / "report.html").is_file():
        parts.append(f'<h2><a href="{html.escape(link)}">{html.escape(title)}</a></h2>')
    else:
        parts.append(f"<h2>{html.escape(title)}</h2>")
    n = head.get("n_respondents")
    if n is not None:
        parts.append(
            f"<p>{html.escape(t('caption.source', lang, n=fmt_number(n, lang, decimals=0)))}</p>"
        )
    plan = (summary.get("provenance") or {}).get("analysis_plan") or {}
    if plan.get("plan_version"):
        line = t(
            "index.plan",
            lang,
            version=plan["plan_version"],
            sha=str(plan.get("plan_sha256", ""))[:12],
            n=plan.get("deviations_from_registered") if plan.get("registered_file") else "-",
        )
        parts.append(f'<p class="plan"><small>{html.escape(line)}</small></p>')
    impacts = head.get("impacts", {})
    waves = sorted({k.split(".", 1)[1] for k in impacts}, key=_WAVE_ORDER.index)
    if waves:
        last = waves[-1]  # the latest wave reported: the longest-run impact
        items = []
        for outcome in _HEADLINE_OUTCOMES:
            v = impacts.get(f"{outcome}.{last}")
            if v is None:
                continue
            ci = ""
            if v.get("ci_low") is not None and v.get("ci_high") is not None:
                ci = (
                    f"{fmt_effect(v['ci_low'], outcome, lang)} {t('misc.to', lang)} "
                    f"{fmt_effect(v['ci_high'], outcome, lang)}"
                )
                ci = f" <small>({html.escape(ci)})</small>"
            items.append(
                f"<li>{html.escape(outcome_about(outcome, lang))}: "
                f"<b>{html.escape(fmt_effect(v['estimate'], outcome, lang))}</b>{ci}</li>"
            )
        if items:
            parts.append(
                f"<p>{html.escape(t('index.headline', lang, wave=wave_label(last, lang)))}</p>"
                f'<ul class="headline">{"".join(items)}</ul>'
            )
    uri = _data_uri(folder / "headline.png")
    if uri:
        alt = html.escape(t("chart.coef.title", lang))
        parts.append(f'<a href="{html.escape(link)}"><img src="{uri}" alt="{alt}"></a>')
    links = [
        ("report.html", "index.report"),
        ("tables.xlsx", "index.tables"),
        ("charts.pdf", "index.charts"),
        ("report.ipynb", "index.notebook"),
    ]
    items = [
        f'<a href="{html.escape(rel + "/" + f)}">{html.escape(t(k, lang))}</a>'
        for f, k in links
        if (folder / f).is_file()
    ]
    parts.append(f'<p class="links">{"".join(items)}</p></div>')
    return "\n".join(parts)


def render_index(
    root: str | os.PathLike,
    *,
    lang: str = "id",
    overview: str | None = OVERVIEW,
    failed: dict[str, str] | None = None,
) -> str:
    """The index page for every report folder under ``root`` (``<code>-<slug>``)."""
    lang = check_lang(lang)
    root = Path(root).resolve()
    failed = failed or {}
    folders = (
        sorted(
            p for p in root.iterdir() if p.is_dir() and p.name[:4].isdigit() and p.name != overview
        )
        if root.is_dir()
        else []
    )
    names = {p.name for p in folders}
    cards = []
    if overview and (root / overview).is_dir():
        cards.append(_card(root / overview, root, lang, overview=True, error=failed.get(overview)))
    for p in folders:
        cards.append(_card(p, root, lang, overview=False, error=failed.get(p.name)))
    for name, err in sorted(failed.items()):
        if name not in names and name != overview:
            cards.append(
                f'<div class="card failed"><h2>{html.escape(name)}</h2>'
                f"<p>{html.escape(t('index.failed', lang, error=err))}</p></div>"
            )
    body = "\n".join(cards)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(t('index.title', lang))}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<header><h1>{html.escape(t('index.title', lang))}</h1>"
        f"<p>{html.escape(t('index.intro', lang, n=len(folders)))}</p></header>\n"
        f"<main>\n{body}\n</main>\n"
        f"<footer>{html.escape(t('index.generated', lang, version=code_version()))}</footer>\n"
        "</body>\n</html>\n"
    )


def write_index(
    root: str | os.PathLike,
    *,
    lang: str = "id",
    overview: str | None = OVERVIEW,
    failed: dict[str, str] | None = None,
) -> Path:
    """Write ``<root>/index.html`` (atomically) and return its path."""
    root_p = Path(root).resolve()
    root_p.mkdir(parents=True, exist_ok=True)
    target = safe_path(root_p / "index.html", root=root_p)
    return atomic_write_text(
        target, render_index(root_p, lang=lang, overview=overview, failed=failed)
    )
