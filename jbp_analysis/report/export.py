"""Save report outputs: charts (PNG >= 200 dpi, SVG, a PDF chart pack), tables (CSV and one
XLSX workbook, a sheet per table) and ``summary.json`` (headline numbers and provenance).

Everything is written inside the reports root (:func:`safe_path` refuses anything else), into a
staging folder that replaces the district folder only when :meth:`ReportPack.close` succeeds, so
a failed run leaves no partial report. Outputs are byte-identical for identical inputs, except
the generation time in ``summary.json``.

Examples
--------
>>> import tempfile, pandas as pd, matplotlib.pyplot as plt
>>> root = Path(tempfile.mkdtemp())
>>> pack = ReportPack(root / "3373-kota-salatiga", root=root, lang="en")
>>> fig, ax = plt.subplots(); _ = ax.plot([1, 2])
>>> _ = pack.figure(fig, "line")
>>> _ = pack.table(pd.DataFrame({"arm": ["kontrol"], "n": [40]}), "sample", title="Sample")
>>> sorted(p.name for p in pack.close().iterdir())
['charts.pdf', 'figures', 'summary.json', 'tables', 'tables.xlsx']
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jbp_analysis import __version__
from jbp_analysis.core import io as _io
from jbp_analysis.core.errors import ConfigError
from jbp_analysis.core.paths import PROJECT_ROOT, REPORTS_DIR
from jbp_analysis.i18n import (
    TABLE,
    arm_label,
    check_lang,
    contrast_label,
    fmt_number,
    outcome_label,
    t,
    wave_label,
)
from jbp_analysis.report.disclosure import MARKER, Suppressed

__all__ = [
    "safe_path",
    "tight_bbox",
    "save_figure",
    "write_workbook",
    "write_csv",
    "file_hash",
    "data_hash",
    "code_version",
    "translate_table",
    "ReportPack",
    "DisplayTable",
    "PNG_DPI",
]

PNG_DPI = 200
_DISPLAY_DPI = 100
_HEADLINE_DPI = 72
#: Tables with at least this many columns, or wider than ``WIDE_CHARACTERS`` (see
#: :func:`_table_width`), are "wide" in the reader HTML (smaller type, intervals that may wrap),
#: so they fit the page instead of running off its right edge (measured in headless chromium:
#: 117 characters fit the page at the normal table type, 139 did not).
WIDE_COLUMNS = 8
WIDE_CHARACTERS = 125


def _thumbnail(png: bytes, *, dpi: int, rgba: np.ndarray | None = None) -> bytes:
    """The chart's PNG scaled from :data:`PNG_DPI` to ``dpi`` (for the index page).

    ``rgba`` may hold the PNG's pixels (``height x width x 4``, as rendered): the PNG is then
    not decoded again (the same pixels, so the same thumbnail).
    """
    from PIL import Image

    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    if rgba is not None and rgba.shape == (height, width, 4) and rgba.dtype == np.uint8:
        img = Image.frombuffer("RGBA", (width, height), np.ascontiguousarray(rgba), "raw")
    else:
        img = Image.open(io.BytesIO(png))
    size = (round(img.width * dpi / PNG_DPI), round(img.height * dpi / PNG_DPI))
    out = io.BytesIO()
    img.convert("RGB").resize(size, Image.Resampling.LANCZOS).save(out, format="PNG", optimize=True)
    return out.getvalue()


def safe_path(path: str | os.PathLike, *, root: str | os.PathLike = REPORTS_DIR) -> Path:
    """Resolve ``path`` and return it if it lies inside ``root``; else raise ``ConfigError``.

    Examples
    --------
    >>> safe_path("/tmp/reports/x/y.png", root="/tmp/reports").name
    'y.png'
    >>> safe_path("/tmp/reports/../etc/passwd", root="/tmp/reports")
    Traceback (most recent call last):
    ...
    jbp_analysis.core.errors.ConfigError: refusing to write /tmp/etc/passwd: it is outside the reports folder /tmp/reports
    """
    root_r = Path(root).resolve()
    p = Path(path)
    if not p.is_absolute():
        p = root_r / p
    resolved = p.resolve()
    if resolved != root_r and root_r not in resolved.parents:
        raise ConfigError(
            f"refusing to write {resolved}: it is outside the reports folder {root_r}"
        )
    return resolved


def file_hash(paths: Iterable[str | os.PathLike]) -> str:
    """SHA-256 over the names and bytes of ``paths`` (sorted by name; missing files skipped)."""
    h = hashlib.sha256()
    for p in sorted(Path(x) for x in paths):
        if p.is_file():
            h.update(p.name.encode())
            _io.sha256_update(h, p)
    return h.hexdigest()


def data_hash(processed_dir: str | os.PathLike) -> str:
    """Hash of the processed data files the reports read."""
    d = Path(processed_dir)
    return file_hash(
        d / n for n in ("panel.parquet", "groups.parquet", "costs.parquet", "quality.json")
    )


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """``git describe --always --dirty`` of the project, or the package version.

    Computed once per process: the report runner's warm kernels ask for it once per report.
    """
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return __version__


def tight_bbox(fig):
    """The figure's tight bounding box (inches), padded as ``savefig(bbox_inches="tight")``.

    Computing it once and passing it to every ``savefig`` (PNG, SVG, PDF page) saves the extra
    layout pass that ``bbox_inches="tight"`` makes on each call.
    """
    import matplotlib as mpl

    renderer = fig.canvas.get_renderer()
    return fig.get_tightbbox(renderer).padded(mpl.rcParams["savefig.pad_inches"])


def save_figure(
    fig,
    stem: str,
    *,
    out_dir: str | os.PathLike,
    root: str | os.PathLike = REPORTS_DIR,
    bbox=None,
) -> tuple[Path, Path, bytes]:
    """Save ``fig`` as ``<stem>.png`` (200 dpi) and ``<stem>.svg``; returns paths and PNG bytes."""
    out = safe_path(Path(out_dir), root=root)
    out.mkdir(parents=True, exist_ok=True)
    png = safe_path(out / f"{stem}.png", root=root)
    svg = safe_path(out / f"{stem}.svg", root=root)
    bbox = tight_bbox(fig) if bbox is None else bbox
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, bbox_inches=bbox, metadata={"Software": None})
    data = buf.getvalue()
    png.write_bytes(data)
    fig.savefig(svg, format="svg", bbox_inches=bbox, metadata={"Date": None})
    return png, svg, data


def write_workbook(
    tables: Mapping[str, pd.DataFrame],
    path: str | os.PathLike,
    *,
    root: str | os.PathLike = REPORTS_DIR,
    notes: Mapping[str, str] | None = None,
    about: pd.DataFrame | None = None,
    about_title: str = "About",
) -> Path:
    """Write one XLSX workbook, a sheet per table (sheet name = key, shortened to 31 chars).

    ``notes`` maps a table key to a footnote written two rows under that table. ``about``
    becomes a first sheet. Deterministic: fixed document times and zip timestamps.
    """
    target = safe_path(path, root=root)
    sheets = {**({about_title: about} if about is not None else {}), **dict(tables)}
    return _io.write_xlsx(sheets, target, notes=notes)


def write_csv(df: pd.DataFrame, path: str | os.PathLike, *, root=REPORTS_DIR) -> Path:
    """Write a table as UTF-8 CSV with a byte-order mark (so Excel shows accents and ``×``),
    formula cells neutralised (:func:`jbp_analysis.core.io.neutralise_frame`), atomically."""
    target = safe_path(path, root=root)
    target.parent.mkdir(parents=True, exist_ok=True)
    safe = _io.neutralise_frame(df)
    # a bare carriage return is not quoted by the csv module (lineterminator is "\n"), and
    # spreadsheets would start a new row there: line breaks inside cells become "\n" (quoted)
    for c in safe.columns:
        col = safe[c]
        if pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col):
            fixed = col.map(lambda v: re.sub(r"\r\n?", "\n", v) if isinstance(v, str) else v)
            if not fixed.equals(col):
                safe = safe.copy() if safe is df else safe
                safe[c] = fixed
    text = safe.to_csv(index=False, lineterminator="\n")
    return _io.atomic_write_bytes(target, b"\xef\xbb\xbf" + text.encode("utf-8"))


_VALUE_COLUMNS = {
    "arm": arm_label,
    "trimmed_arm": arm_label,  # Lee bounds: the arm whose observed outcomes are trimmed
    "wave": wave_label,
    "outcome": outcome_label,
}


def translate_table(df: pd.DataFrame, lang: str = "id") -> pd.DataFrame:
    """Translate the headers (``col.*`` keys) and the codes in the arm, wave, outcome, contrast,
    metric, subgroup, analysis (pre-specified or exploratory) and district columns."""
    out = df.copy()
    for col, fn in _VALUE_COLUMNS.items():
        if col in out:
            out[col] = [fn(str(v), lang) if pd.notna(v) else v for v in out[col]]
    for col in ("contrast", "comparison"):
        if col in out:
            out[col] = [contrast_label(str(v), lang) for v in out[col]]
    if "metric" in out:
        out["metric"] = [
            t(f"metric.{v}", lang) if f"metric.{v}" in TABLE else v for v in out["metric"]
        ]
    if "analysis" in out:  # pre-specified in the analysis plan, or exploratory
        out["analysis"] = [
            t(f"analysis.{v}", lang) if f"analysis.{v}" in TABLE else v for v in out["analysis"]
        ]
    if "subgroup" in out:
        out["subgroup"] = [
            t(f"subgroup.{v}", lang) if f"subgroup.{v}" in TABLE else v for v in out["subgroup"]
        ]
    if "district_code" in out:
        from jbp_analysis.study.reference import district_label

        out["district_code"] = [district_label(str(v)) for v in out["district_code"]]
        out = out.rename(columns={"district_code": "district"})
    return out.rename(columns={c: t(f"col.{c}", lang) for c in out.columns if f"col.{c}" in TABLE})


_NUMBER = re.compile(r"^\s*(?:[<>]\s*)?[+\u2212-]?\s*(?:Rp\s*)?[\d.,]+")


def _table_width(shown: pd.DataFrame, kinds: list[str]) -> int:
    """The narrowest the table can be set, in characters: a number column is as wide as its
    longest line (numbers do not wrap), a text column as its longest word, a header as its
    longest word; two characters of padding per column.

    Examples
    --------
    >>> _table_width(pd.DataFrame({"Outcome": ["Household income"], "Impact": ["+Rp 18.8k"]}),
    ...              ["txt", "num"])
    22
    """
    total = 0
    for col, kind in zip(shown.columns, kinds, strict=True):
        cells = [str(v) for v in shown[col]]
        pieces = (
            [line for v in cells for line in v.split("\n")]
            if kind == "num"
            else [w for v in cells for w in v.split()]
        )
        total += max([len(x) for x in (*str(col).split(), *pieces)] or [0]) + 2
    return total


def _numeric_column(col: pd.Series) -> bool:
    """True when every filled cell of a formatted column starts with a number (or is a marker)."""
    vals = [str(v) for v in col if str(v).strip() not in ("", "-", MARKER)]
    return bool(vals) and all(_NUMBER.match(v) for v in vals)


@dataclass(frozen=True)
class DisplayTable:
    """A table as shown in the notebook/HTML: numbers in the reader's format, with a footnote."""

    table: pd.DataFrame
    lang: str = "id"
    footnote: str | None = None
    decimals: int = 2

    def _fmt(self, v: Any) -> str:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return "-"
        if isinstance(v, bool | np.bool_):
            return t("misc.yes" if v else "misc.no", self.lang)
        if isinstance(v, int | np.integer):
            return fmt_number(int(v), self.lang, decimals=0)
        if isinstance(v, float | np.floating):
            d = 0 if float(v).is_integer() and abs(v) >= 100 else self.decimals
            return fmt_number(float(v), self.lang, decimals=d)
        return str(v)

    def _repr_html_(self) -> str:
        import html as _html

        shown = self.table.map(self._fmt)
        kinds = ["num" if _numeric_column(shown[c]) else "txt" for c in shown.columns]
        to = _html.escape(t("misc.to", self.lang))

        def cell(tag: str, kind: str, value: Any) -> str:
            text = _html.escape(str(value))
            if tag == "td" and kind == "num":  # "−Rp 287,7 rb" never breaks; "s.d." may
                text = text.replace(" ", "&#160;").replace(f"&#160;{to}&#160;", f"&#160;{to} ")
            text = text.replace("\n", "<br>")
            return f'<{tag} class="{kind}">{text}</{tag}>'

        head = "".join(cell("th", k, c) for k, c in zip(kinds, shown.columns, strict=True))
        body = "".join(
            "<tr>" + "".join(cell("td", k, v) for k, v in zip(kinds, row, strict=True)) + "</tr>"
            for row in shown.itertuples(index=False)
        )
        # a wide table (an impact table has 11 columns; the heterogeneity table's intervals in
        # Indonesian) is set smaller and its intervals may wrap, so it fits the page; the
        # wrapper scrolls on a narrow screen (template CSS)
        too_wide = _table_width(shown, kinds) > WIDE_CHARACTERS
        wide = " jbp-wide" if len(shown.columns) >= WIDE_COLUMNS or too_wide else ""
        out = (
            f'<div class="jbp-table-wrap"><table class="jbp-table{wide}"><thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></div>"
        )
        if self.footnote:
            out += f'<p class="jbp-footnote">{_html.escape(self.footnote)}</p>'
        return out

    def tidy(self) -> pd.DataFrame:
        return self.table


class ReportPack:
    """Collects one report's charts and tables and writes them, all or nothing.

    Parameters
    ----------
    out_dir
        The report folder, e.g. ``reports/3373-kota-salatiga``; must be inside ``root``.
    root
        The reports root; nothing is written outside it.
    lang
        Language of headers and sheet names.
    parameters
        Notebook parameters, recorded in ``summary.json``.
    processed_dir
        Processed data folder, hashed into ``summary.json``.
    plan
        The analysis plan's provenance (version, SHA-256, registered copy), for ``summary.json``.
    """

    def __init__(
        self,
        out_dir: str | os.PathLike,
        *,
        root: str | os.PathLike = REPORTS_DIR,
        lang: str = "id",
        parameters: Mapping[str, Any] | None = None,
        processed_dir: str | os.PathLike | None = None,
        plan: Mapping[str, Any] | None = None,
    ) -> None:
        self.lang = check_lang(lang)
        self.plan = dict(plan or {})
        self.root = Path(root).resolve()
        self.out_dir = safe_path(out_dir, root=self.root)
        if self.out_dir == self.root:
            raise ConfigError("the report folder must be a sub-folder of the reports root")
        # a staging folder of its own (two runs of one district never share one); stale ones
        # left by killed runs are removed by the next `jbp report` (runner.remove_stale)
        self.stage = safe_path(
            self.out_dir.with_name(
                f".{self.out_dir.name}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            ),
            root=root,
        )
        (self.stage / "figures").mkdir(parents=True)
        self.parameters = dict(parameters or {})
        self.processed_dir = processed_dir
        self.tables: dict[str, pd.DataFrame] = {}
        self.notes: dict[str, str] = {}
        self.figures: list[str] = []
        self.headline: dict[str, Any] = {}
        self._pdf = None
        self._closed = False

    # -- charts
    def figure(self, fig_or_ax, name: str, *, headline: bool = False):
        """Save a chart (PNG, SVG, PDF page), close it, and return it for display."""
        import matplotlib.pyplot as plt
        from IPython.display import Image

        fig = getattr(fig_or_ax, "figure", fig_or_ax)
        if not re.fullmatch(r"[a-z0-9_]+", name):
            raise ConfigError(f"chart name {name!r}: use lower-case letters, digits and _")
        bbox = tight_bbox(fig)
        _, _, png = save_figure(
            fig, name, out_dir=self.stage / "figures", root=self.root, bbox=bbox
        )
        rgba = None
        if headline:  # the PNG's pixels, still on the Agg canvas (the SVG does not draw there)
            with contextlib.suppress(AttributeError, TypeError, ValueError):
                rgba = np.array(fig.canvas.buffer_rgba(), dtype=np.uint8)
        if self._pdf is None:
            from matplotlib.backends.backend_pdf import PdfPages

            self._pdf = PdfPages(
                self.stage / "charts.pdf", metadata={"CreationDate": None, "ModDate": None}
            )
        self._pdf.savefig(fig, bbox_inches=bbox)
        if headline:
            safe_path(self.stage / "headline.png", root=self.root).write_bytes(
                _thumbnail(png, dpi=_HEADLINE_DPI, rgba=rgba)
            )
        width = int(fig.get_figwidth() * _DISPLAY_DPI * 1.15)
        plt.close(fig)
        self.figures.append(name)
        return Image(data=png, format="png", width=width)

    # -- tables
    def table(
        self,
        df: pd.DataFrame | Suppressed | Any,
        name: str,
        *,
        title: str,
        footnote: str | None = None,
        translate: bool = True,
        decimals: int = 2,
    ) -> DisplayTable:
        """Record a table (CSV now, XLSX sheet at close) and return it for display.

        ``df`` may be a :class:`~jbp_analysis.report.disclosure.Suppressed` table, or a
        :class:`~jbp_analysis.report.tables.ReaderTable` (its ``data`` goes to CSV and the
        workbook, its formatted ``shown`` to the reader); their footnote is used unless
        ``footnote`` is given.
        """
        from jbp_analysis.report.tables import ReaderTable

        display = None
        if isinstance(df, ReaderTable):
            footnote = footnote or df.footnote
            display = df.shown
            translate = translate and not df.translated
            df = df.data
        elif isinstance(df, Suppressed):
            footnote = footnote or df.footnote
            df = df.table
        if not re.fullmatch(r"[a-z0-9_]+", name):
            raise ConfigError(f"table name {name!r}: use lower-case letters, digits and _")
        saved = translate_table(df, self.lang) if translate else df.copy()
        write_csv(saved, self.stage / "tables" / f"{name}.csv", root=self.root)
        self.tables[title] = saved
        if footnote:
            self.notes[title] = footnote
        return DisplayTable(saved if display is None else display, self.lang, footnote, decimals)

    def set_headline(self, **numbers: Any) -> None:
        """Record headline numbers for ``summary.json`` and the index page."""
        self.headline.update({k: _json_value(v) for k, v in numbers.items()})

    # -- finish
    def close(self) -> Path:
        """Write the workbook, PDF pack and ``summary.json``; swap the folder into place."""
        if self._closed:
            return self.out_dir
        if self._pdf is not None:
            self._pdf.close()
        if self.tables:
            about = pd.DataFrame(
                {
                    t("col.measure", self.lang): ["marker", "code_version"],
                    t("col.value", self.lang): [MARKER, code_version()],
                }
            )
            write_workbook(
                self.tables,
                self.stage / "tables.xlsx",
                root=self.root,
                notes=self.notes,
                about=about,
                about_title=t("sheet.readme", self.lang),
            )
        summary = {
            "headline": self.headline,
            "figures": self.figures,
            "tables": list(self.tables),
            "provenance": {
                "input_data_sha256": data_hash(self.processed_dir) if self.processed_dir else None,
                "code_version": code_version(),
                "package_version": __version__,
                "parameters": {k: _json_value(v) for k, v in self.parameters.items()},
                "analysis_plan": {k: _json_value(v) for k, v in self.plan.items()},
                "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            },
        }
        (self.stage / "summary.json").write_text(
            json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
            + "\n",
            encoding="utf-8",
        )
        self._publish()
        self._closed = True
        return self.out_dir

    def _publish(self) -> None:
        """Swap the staging folder into place in one atomic exchange (the old folder, if any,
        is then removed): a reader sees the whole old report or the whole new one."""
        from jbp_analysis.core.publish import exchange

        old = exchange(self.stage, self.out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        """Remove the staging folder (a failed or interrupted report leaves nothing)."""
        if self._pdf is not None:
            with contextlib.suppress(Exception):
                self._pdf.close()
            self._pdf = None
        shutil.rmtree(self.stage, ignore_errors=True)


def _json_value(v: Any) -> Any:
    """A value JSON can hold (recursively): NaN and infinities become ``null``."""
    if isinstance(v, Mapping):
        return {str(k): _json_value(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_json_value(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and (np.isnan(v) or np.isinf(v)):
        return None
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, tuple):
        return list(v)
    return v
