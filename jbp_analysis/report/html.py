"""Reader HTML: an executed notebook rendered for policy staff.

nbconvert's HTML exporter with ``exclude_input=True`` (no code cells), our ``jbp_reader``
template (the JupyterLab look without require.js, MathJax, mermaid or widget scripts from a
CDN), error outputs and stderr streams dropped (no tracebacks or warnings), and images embedded
as ``data:`` URIs, so the single file works when e-mailed and opened offline.

Examples
--------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hi"),
...                                      nbformat.v4.new_code_cell("secret_code = 1")])
>>> html = notebook_to_html(nb, title="Demo")
>>> "secret_code" in html, "<script src=" in html
(False, False)
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import nbformat

__all__ = ["notebook_to_html", "external_resources", "TEMPLATE_DIR"]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


#: Cells with these tags are for researchers in JupyterLab and never reach the reader HTML.
HIDDEN_TAGS = frozenset({"researcher-note", "parameters", "injected-parameters"})


def _clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if not HIDDEN_TAGS & set(c.get("metadata", {}).get("tags", []))]
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [
            o
            for o in cell.get("outputs", [])
            if o.get("output_type") != "error"
            and not (o.get("output_type") == "stream" and o.get("name") == "stderr")
        ]
    nb.metadata.pop("widgets", None)
    return nb


@functools.lru_cache(maxsize=4)
def _exporter(lang: str):
    """One exporter per language and process: loading its templates is the slow part."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="jbp_reader",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code=lang,
    )


def notebook_to_html(
    nb: nbformat.NotebookNode, *, title: str = "Laporan JBP", lang: str = "id"
) -> str:
    """Render an executed notebook to a self-contained reader HTML page (a string)."""
    exporter = _exporter(lang)
    nb = _clean(nb)
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb)
    return body


_EXTERNAL = re.compile(
    r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"(?:@import|url\()\s*[\"']?(?:https?:)?//", re.IGNORECASE)


def external_resources(html: str) -> list[str]:
    """Tags or CSS rules in ``html`` that would fetch something from the network."""
    found = [m.group(0) for m in _EXTERNAL.finditer(html)]
    found += [m.group(0) for m in _CSS_URL.finditer(html)]
    return found
