"""The data-quality report (``quality.json`` and a self-contained ``quality.html``).

What high-frequency checks look at (IPA's ``ipacheck``; DIME Analytics' *Data Handbook*, 2021):
item non-response by variable x district x wave, enumerator flags (short interviews, outlier
rates, duplicate submissions), duplicates, attrition by arm and wave, unknown columns, and the
row accounting. Item non-response counts only answers that were due: the wave asks the question
and the form's skip logic made it relevant. Shares over fewer than ``min_cell`` respondents are
suppressed (reported as ``null`` with ``suppressed: true``).

Examples
--------
>>> import pandas as pd
>>> e = enumerator_flags(pd.DataFrame({"enumerator_id": ["E1"] * 4 + ["E2"] * 4,
...                                    "wave": ["baseline"] * 8,
...                                    "duration_min": [5, 6, 40, 45, 40, 41, 42, 43],
...                                    "_interview": [1] * 8,
...                                    "_outlier_cells": [0] * 8, "_numeric_cells": [5] * 8,
...                                    "_duplicates": [0] * 8}), short_minutes=15)
>>> e[["enumerator_id", "short_interviews", "flagged"]].values.tolist()
[['E1', 2, True], ['E2', 0, False]]
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

import numpy as np
import pandas as pd

from jbp_analysis.clean.validate import relevance
from jbp_analysis.study.codebook import Codebook, Variable

__all__ = ["item_nonresponse", "enumerator_flags", "quality_report", "render_html", "to_json"]

SHORT_SHARE_FLAG = 0.10
DUPLICATE_SHARE_FLAG = 0.05
OUTLIER_RATE_FLAG = 3.0  # times the overall rate


def _asked(v: Variable, wave_codes: np.ndarray, waves: list[str]) -> np.ndarray:
    return np.isin(wave_codes, [i for i, w in enumerate(waves) if w in v.waves])


def item_nonresponse(
    panel: pd.DataFrame, variables: list[Variable], *, codebook: Codebook, min_cell: int = 5
) -> pd.DataFrame:
    """Share of due answers that are missing, by variable x district x wave.

    Columns: ``variable, district_code, wave, due, missing, share, suppressed``.
    """
    responded = panel["responded"].to_numpy(dtype=bool)
    resp = panel if responded.all() else panel[responded]
    wave_cat = pd.Categorical(resp["wave"])
    waves = [str(w) for w in wave_cat.categories]
    wave = np.asarray(wave_cat.codes, dtype=np.int64)
    by_name = {v.name: v for v in variables}
    skipped: dict[str, pd.Series] = {}
    due_cols: dict[str, np.ndarray] = {}
    miss_cols: dict[str, np.ndarray] = {}
    for v in variables:  # loop over variables
        if v.name not in resp.columns:
            continue
        due = _asked(v, wave, waves)
        if v.relevant:
            rel = relevance(v.relevant, resp, variables=by_name, skipped=skipped, codebook=codebook)
            not_asked = rel.eq(False).fillna(False).to_numpy(dtype=bool)
            skipped[v.name] = pd.Series(not_asked, index=resp.index)
            due &= ~not_asked
        due_cols[v.name] = due
        miss_cols[v.name] = due & resp[v.name].isna().to_numpy(dtype=bool)
    cols = ["variable", "district_code", "wave", "due", "missing", "share", "suppressed"]
    if not due_cols:
        return pd.DataFrame(columns=cols)
    d_code, d_names = pd.factorize(resp["district_code"], sort=True)
    g = d_code.astype(np.int64) * len(waves) + wave
    keys = pd.MultiIndex.from_product([[str(d) for d in d_names], waves])
    parts = []
    for name, due in due_cols.items():  # loop over variables; counting is one bincount each
        n_due = np.bincount(g, weights=due, minlength=len(keys)).astype(np.int64)
        n_miss = np.bincount(g, weights=miss_cols[name], minlength=len(keys)).astype(np.int64)
        parts.append(
            pd.DataFrame(
                {
                    "variable": name,
                    "district_code": keys.get_level_values(0),
                    "wave": keys.get_level_values(1),
                    "due": n_due,
                    "missing": n_miss,
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out = out[out["due"] > 0].reset_index(drop=True)
    out["suppressed"] = out["due"] < min_cell
    out["share"] = (out["missing"] / out["due"]).where(~out["suppressed"])
    return out[cols]


def enumerator_flags(rows: pd.DataFrame, *, short_minutes: float) -> pd.DataFrame:
    """Per enumerator (all waves): interviews, short interviews, outlier rate, duplicates, flag.

    ``rows`` has one row per submission with ``enumerator_id``, ``duration_min``,
    ``_interview`` (1 for a kept interview, 0 for a duplicate submission), ``_outlier_cells``,
    ``_numeric_cells`` and ``_duplicates`` (1 for a dropped or conflicting duplicate). An
    enumerator is flagged when more than 10% of their interviews are shorter than
    ``short_minutes``, their outlier rate is over three times that of all other enumerators
    (and at least 1%), or more than 5% of their submissions were duplicates.
    """
    interview = rows["_interview"].to_numpy(dtype=bool)
    dur = pd.to_numeric(rows["duration_min"], errors="coerce")
    r = rows.assign(_short=((dur < short_minutes).fillna(False) & interview).astype(np.int64))
    g = r.groupby(r["enumerator_id"].astype(str), sort=True)
    out = pd.DataFrame(
        {
            "interviews": g["_interview"].sum().astype(np.int64),
            "short_interviews": g["_short"].sum().astype(np.int64),
            "outlier_cells": g["_outlier_cells"].sum().astype(np.int64),
            "numeric_cells": g["_numeric_cells"].sum().astype(np.int64),
            "duplicates": g["_duplicates"].sum().astype(np.int64),
        }
    )
    out.index.name = "enumerator_id"
    out = out.reset_index()
    out["short_share"] = out["short_interviews"] / out["interviews"].where(out["interviews"] > 0)
    out["outlier_rate"] = out["outlier_cells"] / out["numeric_cells"].where(
        out["numeric_cells"] > 0
    )
    others = (out["outlier_cells"].sum() - out["outlier_cells"]) / (
        out["numeric_cells"].sum() - out["numeric_cells"]
    ).where(lambda x: x > 0)
    limit = np.maximum(OUTLIER_RATE_FLAG * others.fillna(0.0), 0.01)
    out["flag_short"] = (out["short_share"] > SHORT_SHARE_FLAG).fillna(False).astype(bool)
    out["flag_outliers"] = (out["outlier_rate"] > limit).fillna(False).astype(bool)
    submissions = out["interviews"] + out["duplicates"]
    out["duplicate_share"] = out["duplicates"] / submissions.where(submissions > 0)
    out["flag_duplicates"] = (out["duplicate_share"] > DUPLICATE_SHARE_FLAG).fillna(False)
    out["flagged"] = out["flag_short"] | out["flag_outliers"] | out["flag_duplicates"]
    return out


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    recs = df.astype(object).where(df.notna(), None).to_dict(orient="records")
    return [{k: _plain(v) for k, v in r.items()} for r in recs]


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 4)
    return v


def quality_report(
    *,
    accounting: pd.DataFrame,
    missingness: pd.DataFrame,
    enumerators: pd.DataFrame,
    attrition: pd.DataFrame,
    duplicates: pd.DataFrame,
    outliers: pd.DataFrame,
    unknown_columns: dict[str, list[str]],
    log: pd.DataFrame | None,
    rejects: pd.DataFrame,
    codebook_version: str,
    unreadable: pd.DataFrame | None = None,
    waves: dict[str, list[str]] | None = None,
    log_by_rule: pd.Series | None = None,
) -> dict[str, Any]:
    """Assemble the report as plain JSON-ready data (deterministic order).

    ``unreadable`` (:func:`jbp_analysis.clean.unreadable.unreadable_table`) gives, per file and
    column, the share of non-blank values that could not be read and the top unreadable values;
    ``waves`` the collected and not yet collected waves. ``log_by_rule`` may give the cleaning
    log's entries per rule (sorted by rule) instead of ``log`` itself (the run writes the log
    piece by piece and never holds it whole).
    """
    if log_by_rule is not None:
        log_counts = log_by_rule
    else:
        log_counts = log.groupby("rule").size().sort_index() if len(log) else pd.Series(dtype=int)
    rej_counts = (
        rejects.groupby("reason").size().sort_index() if len(rejects) else pd.Series(dtype=int)
    )
    dup_sets = duplicates.groupby("dup_set")["resolved"].first() if len(duplicates) else None
    out_counts = (
        outliers.groupby(["variable", "wave"], observed=True).size().rename("flagged").reset_index()
        if len(outliers)
        else pd.DataFrame(columns=["variable", "wave", "flagged"])
    )
    out = {
        "codebook_version": codebook_version,
        "accounting": _records(accounting),
        "unknown_columns": {k: list(v) for k, v in unknown_columns.items()},
        "cleaning_log_by_rule": {k: int(v) for k, v in log_counts.items()},
        "rejects_by_reason": {k: int(v) for k, v in rej_counts.items()},
        "duplicates": {
            "conflict_sets": 0 if dup_sets is None else int(len(dup_sets)),
            "resolved_sets": 0 if dup_sets is None else int(dup_sets.sum()),
            "pending_sets": 0 if dup_sets is None else int((~dup_sets).sum()),
        },
        "attrition": _records(attrition.assign(wave=attrition["wave"].astype(str))),
        "enumerators": _records(enumerators),
        "outliers": _records(out_counts.assign(wave=out_counts["wave"].astype(str))),
        "missingness": _records(missingness),
    }
    if waves is not None:
        out["waves"] = {k: list(v) for k, v in waves.items()}
    if unreadable is not None:
        out["unreadable"] = [
            {
                "file": r["file"],
                "header": r["header"],
                "column": r["column"],
                "non_blank": int(r["non_blank"]),
                "unreadable": int(r["unreadable"]),
                "share": _plain(float(r["share"])),
                "top_values": [{"value": str(v), "cells": int(n)} for v, n in r["values"]],
            }
            for r in unreadable.to_dict(orient="records")
        ]
    return out


def to_json(report: dict[str, Any]) -> str:
    """The report as deterministic, human-readable JSON."""
    return json.dumps(report, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}.flag{background:#fdd}
.note{color:#555;font-size:.9em}
"""


def _table(df: pd.DataFrame, *, flag: str | None = None) -> str:
    if df.empty:
        return "<p class='note'>None.</p>"
    head = "".join(f"<th class='l'>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    flags = df[flag].to_numpy(dtype=bool) if flag else np.zeros(len(df), dtype=bool)
    for rec, fl in zip(df.astype(object).itertuples(index=False), flags, strict=True):
        cells = []
        for v in rec:
            if isinstance(v, float):
                txt = "" if math.isnan(v) else f"{v:.3g}"
            else:
                txt = html.escape(str(v))
            cells.append(f"<td>{txt}</td>")
        body.append(f"<tr{' class=flag' if fl else ''}>{''.join(cells)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _heat(missingness: pd.DataFrame, wave: str) -> str:
    m = missingness[missingness["wave"] == wave]
    if m.empty:
        return "<p class='note'>No interviews.</p>"
    wide = m.pivot(index="variable", columns="district_code", values="share")
    supp = m.pivot(index="variable", columns="district_code", values="suppressed")
    order = list(dict.fromkeys(m["variable"]))
    wide = wide.reindex(order)
    supp = supp.reindex(order)
    head = "<th class='l'>variable</th>" + "".join(f"<th>{c}</th>" for c in wide.columns)
    rows = []
    shares = wide.to_numpy(dtype="float64", na_value=np.nan)
    small = supp.to_numpy(dtype=object)
    for i, var in enumerate(wide.index):  # one line per variable
        cells = []
        for j in range(len(wide.columns)):
            v = shares[i, j]
            if bool(small[i, j]) if pd.notna(small[i, j]) else False:
                cells.append("<td class='note'>n&lt;min</td>")
            elif pd.isna(v):
                cells.append("<td></td>")
            else:
                shade = int(255 - min(float(v), 1.0) * 200)
                cells.append(f"<td style='background:rgb(255,{shade},{shade})'>{v:.1%}</td>")
        rows.append(f"<tr><td class='l'>{html.escape(str(var))}</td>{''.join(cells)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def render_html(report: dict[str, Any]) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no external resources).

    Length: a page template, one block per section of the report.
    """
    acc = pd.DataFrame(report["accounting"])
    enum = pd.DataFrame(report["enumerators"])
    att = pd.DataFrame(report["attrition"])
    outl = pd.DataFrame(report["outliers"])
    miss = pd.DataFrame(report["missingness"])
    waves = list(dict.fromkeys(miss["wave"])) if len(miss) else []
    unknown = "".join(
        f"<li>{html.escape(f)}: {html.escape(', '.join(c))}</li>"
        for f, c in report["unknown_columns"].items()
        if c
    )
    rules = pd.DataFrame(
        {
            "rule": list(report["cleaning_log_by_rule"]),
            "cells": list(report["cleaning_log_by_rule"].values()),
        }
    )
    reasons = pd.DataFrame(
        {
            "reason": list(report["rejects_by_reason"]),
            "rows": list(report["rejects_by_reason"].values()),
        }
    )
    d = report["duplicates"]
    waves_note = ""
    if "waves" in report:
        w = report["waves"]
        waves_note = (
            f"<p>Waves collected: {html.escape(', '.join(w['collected']))}"
            + (
                f"; not yet collected: {html.escape(', '.join(w['not_yet_collected']))}"
                if w["not_yet_collected"]
                else ""
            )
            + ".</p>"
        )
    unread = pd.DataFrame(report.get("unreadable", []))
    n_columns = len(unread)
    if len(unread):
        unread = unread[unread["unreadable"] > 0]
    if len(unread):
        unread = unread.assign(
            share=unread["share"].map(lambda x: f"{x:.2%}"),
            top_values=unread["top_values"].map(
                lambda vs: ", ".join(f"{v['value'][:40]} ({v['cells']})" for v in vs)
            ),
        )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>JBP data quality</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>JBP survey data quality</h1>",
        f"<p class='note'>Codebook version {html.escape(report['codebook_version'])}. "
        "No names, NIKs or phone numbers appear in this report.</p>",
        waves_note,
        "<h2>Row accounting</h2>",
        "<p class='note'>rows_in = kept + rejected + exact_duplicates + near_duplicates + "
        "decided_duplicates, for every file.</p>",
        _table(acc),
        "<h2>Attrition by arm and wave</h2>",
        _table(att),
        "<h2>Duplicates</h2>",
        f"<p>{d['conflict_sets']} conflicting sets: {d['resolved_sets']} resolved by the "
        f"decisions file, {d['pending_sets']} pending (rows rejected until decided; see "
        "duplicates_report.csv).</p>",
        "<h2>Enumerators</h2>",
        "<p class='note'>Flagged (red): more than 10% short interviews, an outlier rate over "
        "three times that of the other enumerators, or more than 5% duplicate submissions.</p>",
        _table(enum, flag="flagged" if len(enum) else None),
        "<h2>Outliers flagged (robust z &gt; 3.5; values kept)</h2>",
        _table(outl),
        "<h2>Cleaning log by rule</h2>",
        _table(rules),
        "<h2>Rejected rows by reason</h2>",
        _table(reasons),
        "<h2>Unreadable values by column</h2>",
        "<p class='note'>Share of non-blank values (other than missing codes) that could not be "
        "read: not a code, choice name, label, alias, number or date. Out-of-range numbers are "
        "read and counted in the cleaning log instead.</p>",
        (
            f"<p>Every non-blank value of all {n_columns} columns was read.</p>"
            if "unreadable" in report and unread.empty
            else _table(unread)
            if "unreadable" in report
            else "<p class='note'>Not computed.</p>"
        ),
        "<h2>Unknown columns (not carried to any output)</h2>",
        f"<ul>{unknown}</ul>" if unknown else "<p class='note'>None.</p>",
        "<h2>Item non-response by variable, district and wave</h2>",
        "<p class='note'>Share of due answers (asked in the wave and relevant by skip logic) "
        "that are missing.</p>",
    ]
    for w in waves:
        parts += [f"<h3>{html.escape(w)}</h3>", _heat(miss, w)]
    parts.append("</body></html>\n")
    return "".join(parts)
