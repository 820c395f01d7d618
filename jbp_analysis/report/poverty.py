"""The poverty section of the district and provincial reports: shares, lines used, households lifted.

The impact on P0 and P1 comes from the analysis plan's ``poverty`` family through the same
:func:`~jbp_analysis.report.estimable.estimate_impacts` as every other outcome (same model, same
few-cluster inference, same multiple-testing family). This module adds the pieces only poverty
has: the share of households below the line by arm and wave (small cells suppressed), the
households lifted above the line per Rp 100 million (:mod:`jbp_analysis.analyses.poverty`) and
the note listing every BPS line used with its source.

Examples
--------
>>> panel = pd.DataFrame({"arm": ["kontrol"] * 12 + ["pendampingan"] * 4, "wave": "followup",
...     "poor": [True] * 3 + [False] * 9 + [True, False, False, False]})
>>> shown = share_reader(panel, lang="en").shown
>>> shown.iloc[:, 1].tolist(), shown.iloc[:, 2].tolist()  # share, n (small cells hidden)
(['25%', '×'], ['12', '×'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jbp_analysis.i18n import arm_label, fmt_number, fmt_pct, fmt_rp, t, wave_label
from jbp_analysis.report.contrasts import control_arm
from jbp_analysis.report.disclosure import MARKER, footnote, is_small
from jbp_analysis.report.tables import ReaderTable
from jbp_analysis.study.codebook import load_codebook
from jbp_analysis.study.poverty_lines import lines_used

__all__ = [
    "has_poverty",
    "share_table",
    "share_reader",
    "lifted_reader",
    "answer_lines",
    "lines_note",
]

_ARMS = tuple(load_codebook().arms)
_WAVES = tuple(load_codebook().waves)


def has_poverty(panel: pd.DataFrame) -> bool:
    """Whether the panel carries the consumption-poverty outcomes (the module was asked)."""
    return "poor" in panel.columns and bool(panel["poor"].notna().any())


def share_table(panel: pd.DataFrame, *, y: str = "poor", min_cell: int = 10) -> pd.DataFrame:
    """Share of households with ``y`` by arm and wave: ``arm, wave, n, share, suppressed``."""
    d = panel[panel[y].notna()]
    if "responded" in d:
        d = d[d["responded"].fillna(False).astype(bool)]
    g = d.groupby([d["arm"].astype(str), d["wave"].astype(str)], observed=True)[y]
    out = pd.DataFrame({"n": g.size(), "share": g.apply(lambda s: float(s.astype(float).mean()))})
    out = out.reset_index(names=["arm", "wave"])
    out["suppressed"] = is_small(out["n"].to_numpy(), min_cell)
    out.loc[out["suppressed"], "share"] = np.nan
    rank = {a: i for i, a in enumerate(_ARMS)} | {w: i for i, w in enumerate(_WAVES)}
    order = np.lexsort((out["wave"].map(rank).fillna(9), out["arm"].map(rank).fillna(9)))
    return out.iloc[order].reset_index(drop=True)


def share_reader(
    panel: pd.DataFrame, *, y: str = "poor", lang: str = "id", min_cell: int = 10
) -> ReaderTable:
    """Households below the line (%) by arm (rows) and wave (columns), ``n`` beside each share."""
    tab = share_table(panel, y=y, min_cell=min_cell)
    waves = [w for w in _WAVES if w in set(tab["wave"])]
    rows = []
    for arm, g in tab.groupby("arm", sort=False):
        row = {t("col.arm", lang): arm_label(arm, lang, long=True)}
        for w in waves:
            hit = g[g["wave"] == w]
            if hit.empty:
                row[wave_label(w, lang)] = ""
                continue
            r = hit.iloc[0]
            row[wave_label(w, lang)] = (
                MARKER if r["suppressed"] else fmt_pct(r["share"], lang, decimals=0)
            )
        rows.append(row)
    notes = [footnote(lang, min_cell=min_cell)] if tab["suppressed"].any() else []
    if y == "income_poor":
        notes.append(t("poverty.proxy_note", lang))
    shown = pd.DataFrame(rows)
    if not shown.empty:
        n_col = t("col.n", lang)
        totals = tab.groupby("arm", sort=False)["n"].max()
        shown[n_col] = [
            MARKER
            if is_small(totals[a], min_cell)[0]
            else fmt_number(int(totals[a]), lang, decimals=0)
            for a in tab["arm"].unique()
        ]
    return ReaderTable(tab, shown, tuple(notes))


def lifted_reader(tidy: pd.DataFrame, *, lang: str = "id") -> ReaderTable:
    """:func:`~jbp_analysis.analyses.poverty.households_lifted`: metrics x comparisons, ``est (CI)``.

    Also reads :func:`~jbp_analysis.analyses.poverty.households_lifted_bootstrap` (bootstrap note).
    """
    from jbp_analysis.i18n import contrast_label

    labels = {
        "poverty_effect": t("outcome.poor", lang),
        "lifted_per_100m_rp": t("poverty.lifted", lang),
        "cost_per_household_lifted_rp": t("poverty.cost_per_lifted", lang),
    }

    def fmt(v: float, metric: str) -> str:
        if v is None or not np.isfinite(v):
            return "∞" if v is not None and np.isinf(v) and v > 0 else "-"
        if metric == "poverty_effect":
            return fmt_number(100 * v, lang, decimals=1) + " " + t("unit.pp_short", lang)
        if metric.endswith("_rp") and metric != "lifted_per_100m_rp":
            return fmt_rp(v, lang)
        return fmt_number(v, lang, decimals=1)

    comps = list(dict.fromkeys(tidy["comparison"]))
    rows = []
    for metric, g in tidy.groupby("metric", sort=False):
        row = {t("col.metric", lang): labels.get(metric, metric)}
        for c in comps:
            r = g[g["comparison"] == c]
            if r.empty:
                row[contrast_label(c, lang)] = ""
                continue
            r = r.iloc[0]
            est = fmt(r["estimate"], metric)
            lo, hi = fmt(r["ci_low"], metric), fmt(r["ci_high"], metric)
            row[contrast_label(c, lang)] = (
                est if est == "-" else f"{est}\n({lo} {t('misc.to', lang)} {hi})"
            )
        rows.append(row)
    lvl = round(100 * float(tidy["level"].iloc[0])) if "level" in tidy and len(tidy) else 95
    nb = int(tidy["n_boot"].iloc[0]) if "n_boot" in tidy and len(tidy) else 0
    if nb > 0:  # households_lifted_bootstrap
        note = t("note.ce_interval", lang, level=lvl, n_boot=fmt_number(nb, lang, decimals=0))
    else:  # households_lifted: the impact table's own intervals
        how = str(tidy["inference"].iloc[0]) if "inference" in tidy and len(tidy) else ""
        note = t("poverty.note_same_model", lang, level=lvl, inference=how)
    return ReaderTable(tidy, pd.DataFrame(rows), (note,))


def lines_note(panel: pd.DataFrame, *, lang: str = "id") -> str:
    """Markdown: every BPS line the panel's households were compared with, and its source."""
    d = panel[panel["poverty_line"].notna()] if "poverty_line" in panel else panel.iloc[:0]
    if d.empty:
        return ""
    used = lines_used(d)
    status = {"published": t("poverty.published", lang), "derived": t("poverty.derived", lang)}
    cls = {
        "urban": t("poverty.urban", lang),
        "rural": t("poverty.rural", lang),
        "total": t("poverty.total", lang),
    }
    lines = [t("poverty.lines_note", lang)]
    for r in used.itertuples(index=False):
        lines.append(
            f"- {r.area} {r.period}, {cls.get(r.urban_rural, r.urban_rural)}: "
            f"{fmt_rp(float(r.rp_per_capita_per_month), lang, decimals=0)} "
            f"({status.get(r.status, r.status)}). {r.source}"
        )
    return "\n".join(lines)


def answer_lines(tidy: pd.DataFrame, *, lang: str = "id", control: str | None = None) -> list[str]:
    """One sentence per arm against control: the change in P0 and households lifted per Rp 100M.

    ``control`` is the plan's control arm unless given.

    Examples
    --------
    >>> tidy = pd.DataFrame({"comparison": ["pendampingan vs kontrol"] * 2,
    ...     "metric": ["poverty_effect", "lifted_per_100m_rp"], "estimate": [-0.12, 6.0],
    ...     "ci_low": [-0.2, 2.0], "ci_high": [-0.04, 10.0]})
    >>> answer_lines(tidy, lang="en")[0]
    'Mentoring vs control: poor households −12.0 pp (−20.0 pp to −4.0 pp); 6.0 households lifted above the line per Rp 100 million (2.0 to 10.0).'
    """
    control = control_arm(control=control)
    lines = []
    for comp, g in tidy.groupby("comparison", sort=False):
        a, _, b = str(comp).partition(" vs ")
        if b != control:
            continue
        m = g.set_index("metric")
        if "poverty_effect" not in m.index or "lifted_per_100m_rp" not in m.index:
            continue
        e, lf = m.loc["poverty_effect"], m.loc["lifted_per_100m_rp"]

        def pp(v: float) -> str:
            if not np.isfinite(v):
                return "-"
            return fmt_number(100 * v, lang, decimals=1) + " " + t("unit.pp_short", lang)

        def num(v: float) -> str:
            return fmt_number(v, lang, decimals=1) if np.isfinite(v) else "-"

        lines.append(
            t(
                "poverty.answer",
                lang,
                arm=arm_label(a, lang),
                control=arm_label(b, lang).lower(),
                effect=pp(e["estimate"]),
                lo=pp(e["ci_low"]),
                hi=pp(e["ci_high"]),
                lifted=num(lf["estimate"]),
                lifted_lo=num(lf["ci_low"]),
                lifted_hi=num(lf["ci_high"]),
            )
        )
    return lines
