"""The report's tables, each in two forms: numbers for Excel/CSV and formatted text for readers.

A :class:`ReaderTable` holds ``data`` (one row per published cell, numeric, codes such as
``pendampingan``: :meth:`~jbp_analysis.report.export.ReportPack.table` translates its headers and
codes and writes it to CSV and the workbook, so policy staff can compute with it) and ``shown``
(the few columns a reader needs, numbers written in the outcome's unit and language: ``−5,2 pp``,
``Rp 481 rb``, ``−9,0 s.d. −1,4 pp``). Cells from fewer than ``min_cell`` respondents hold the
disclosure marker in both forms, with a footnote.

Examples
--------
>>> tidy = pd.DataFrame({"wave": ["endline"] * 2, "outcome": ["openly_unemployed"] * 2,
...     "contrast": ["karitatif - kontrol", "pendampingan - kontrol"], "estimate": [-0.01, -0.06],
...     "std_error": [0.02, 0.02], "ci_low": [-0.05, -0.1], "ci_high": [0.03, -0.02],
...     "p_value": [0.6, 0.004], "n_obs": [8, 300], "n_clusters": [4, 24]})
>>> rt = impact_reader(tidy, lang="en")
>>> rt.shown.iloc[:, 3].tolist()
['×', '−6.0 pp']
>>> rt.data["estimate"].tolist(), rt.footnotes
(['×', -0.06], ('× = suppressed: fewer than 10 respondents.',))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jbp_analysis.i18n import (
    arm_label,
    contrast_arms,
    contrast_label,
    fmt_number,
    outcome_about,
    outcome_label,
    t,
    wave_label,
)
from jbp_analysis.report.contrasts import control_arm, headline_contrast
from jbp_analysis.report.disclosure import MARKER, footnote, is_small, suppress
from jbp_analysis.report.narrative import (
    DUPLICATE_RULES,
    fmt_effect,
    fmt_p,
    fmt_value,
    quality_numbers,
    select,
)
from jbp_analysis.study.codebook import load_codebook

__all__ = [
    "ReaderTable",
    "sample_table",
    "balance_reader",
    "impact_reader",
    "heterogeneity_reader",
    "robustness_reader",
    "lee_reader",
    "attrition_reader",
    "ce_reader",
    "ranking_reader",
    "quality_numbers",
    "quality_reader",
]

ARMS = tuple(load_codebook().arms)
WAVES = tuple(load_codebook().waves)


@dataclass(frozen=True)
class ReaderTable:
    """A table for Excel (``data``) and for readers (``shown``), with its footnotes."""

    data: pd.DataFrame
    shown: pd.DataFrame
    footnotes: tuple[str, ...] = ()
    translated: bool = False  # True when ``data`` already has the reader's headers and labels

    @property
    def footnote(self) -> str | None:
        return " ".join(self.footnotes) or None

    def tidy(self) -> pd.DataFrame:
        return self.data

    def _repr_html_(self) -> str:
        html = self.shown.to_html(index=False, escape=True)
        if self.footnotes:
            html += f'<p class="jbp-footnote">{self.footnote}</p>'
        return html


def _ci(lo: float, hi: float, outcome: str, lang: str) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "-"
    return f"{fmt_effect(lo, outcome, lang)} {t('misc.to', lang)} {fmt_effect(hi, outcome, lang)}"


def _n(x: Any, lang: str) -> str:
    try:
        return fmt_number(int(x), lang, decimals=0)
    except (TypeError, ValueError):
        return "-"


def _small_or_blank(tidy: pd.DataFrame, min_cell: int) -> tuple[np.ndarray, np.ndarray]:
    small = is_small(tidy["n_obs"].to_numpy(), min_cell)
    est = pd.to_numeric(tidy["estimate"], errors="coerce")
    blank = est.isna().to_numpy()
    if "estimable" in tidy:
        blank = blank | ~tidy["estimable"].fillna(False).to_numpy(dtype=bool)
    return small, blank & ~small


def sample_table(panel: pd.DataFrame, *, min_cell: int = 10, lang: str = "id") -> ReaderTable:
    """Groups and baseline respondents per arm (counts below ``min_cell`` suppressed)."""
    base = panel[panel["wave"].astype(str) == "baseline"]
    g = base.groupby(base["arm"].astype(str), observed=True)
    tab = pd.DataFrame({"n_groups": g["group_id"].nunique(), "n": g["respondent_id"].nunique()})
    tab = tab.reindex([a for a in ARMS if a in tab.index]).reset_index(names="arm")
    sup = suppress(tab, count="n", values=["n_groups"], min_cell=min_cell, lang=lang)
    shown = pd.DataFrame(
        {
            t("col.arm", lang): [arm_label(a, lang, long=True) for a in tab["arm"]],
            t("col.n_groups", lang): [
                v if v == MARKER else _n(v, lang) for v in sup.table["n_groups"]
            ],
            t("col.n", lang): [v if v == MARKER else _n(v, lang) for v in sup.table["n"]],
        }
    )
    return ReaderTable(sup.table, shown, (sup.footnote,) if sup.footnote else ())


def balance_reader(
    view, *, lang: str = "id", min_cell: int = 10, control: str | None = None
) -> ReaderTable:
    """The balance table of a :class:`~jbp_analysis.report.estimable.BalanceView`.

    One row per baseline variable: the mean in each arm, in the variable's unit (marker when
    fewer than ``min_cell`` respondents), then the clustered p-value of each treated arm's
    difference from control (the plan's control arm unless ``control`` is given); a last row
    gives the joint F-tests, or says they are not estimable with this few groups.
    """
    ba = view.by_arm.assign(arm=view.by_arm["arm"].astype(str))
    small = is_small(ba["n"].to_numpy(), min_cell)
    arms = [a for a in ARMS if a in set(ba["arm"])]
    control = control_arm(control=control)
    contrasts = [c for c in dict.fromkeys(view.tidy["contrast"]) if contrast_arms(c)[1] == control]
    td = view.tidy.set_index(["variable", "contrast"])
    ft = view.ftest.set_index("contrast")
    data_rows, shown_rows = [], []
    for v in view.variables:
        d: dict[str, Any] = {t("col.variable", lang): outcome_label(v, lang)}
        s: dict[str, str] = {t("col.variable", lang): outcome_label(v, lang)}
        for a in arms:
            hit = ba[(ba["variable"] == v) & (ba["arm"] == a)]
            sm = bool(small[hit.index[0]]) if len(hit) else True
            mean = float(hit["mean"].iloc[0]) if len(hit) else np.nan
            d[f"{t('col.mean', lang)}: {arm_label(a, lang)}"] = MARKER if sm else mean
            d[f"{t('col.n', lang)}: {arm_label(a, lang)}"] = (
                MARKER if sm else (int(hit["n"].iloc[0]) if len(hit) else 0)
            )
            s[arm_label(a, lang)] = MARKER if sm else fmt_value(mean, v, lang)
        for c in contrasts:
            p = float(td.loc[(v, c), "p_value"]) if (v, c) in td.index else np.nan
            d[t("col.p_vs", lang, contrast=contrast_label(c, lang))] = p
            s[t("col.p_vs", lang, contrast=contrast_label(c, lang))] = fmt_p(p, lang)
        data_rows.append(d)
        shown_rows.append(s)
    notes = []
    if small.any():
        notes.append(footnote(lang, min_cell=min_cell))
    d = {t("col.variable", lang): t("col.ftest", lang)}
    s = {t("col.variable", lang): t("col.ftest", lang)}
    for a in arms:
        s[arm_label(a, lang)] = ""
    for c in contrasts:
        ok = c in ft.index and bool(ft.loc[c, "estimable"])
        d[t("col.p_vs", lang, contrast=contrast_label(c, lang))] = (
            float(ft.loc[c, "p_value"]) if ok else t("table.not_estimable_short", lang)
        )
        s[t("col.p_vs", lang, contrast=contrast_label(c, lang))] = (
            fmt_p(float(ft.loc[c, "p_value"]), lang) if ok else t("table.not_estimable", lang)
        )
    data_rows.append(d)
    shown_rows.append(s)
    if ft["estimable"].any():
        n_perm = int(ft.loc[ft["estimable"], "n_perm"].iloc[0])
        notes.append(t("note.ftest_ri", lang, n_perm=fmt_number(n_perm, lang, decimals=0)))
    if not ft["estimable"].all():
        g = int(ft["n_clusters"].min())
        notes.append(t("note.ftest_not_estimable", lang, k=len(view.variables), n_groups=g))
    data = pd.DataFrame(data_rows)
    return ReaderTable(data, pd.DataFrame(shown_rows), tuple(notes), translated=True)


_IMPACT_DATA = (
    "district_code",  # the overview's impacts by district: each row says whose it is
    "wave",
    "outcome",
    "contrast",
    "subgroup",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "q_value",
    "p_romano_wolf",
    "n_obs",
    "n_clusters",
    "control_mean",
    "inference",
    "covariates",
    "analysis",
)


def _district(code: object) -> str:
    from jbp_analysis.study.reference import district_label

    return district_label(str(code))


def _bootstrap_inference(tidy: pd.DataFrame) -> bool:
    """Whether intervals and p-values come from resampling, not from the printed (CR1) SE."""
    if "inference" not in tidy:
        return False
    return bool(tidy["inference"].astype(str).str.match(r"^(wild|ri)").any())


def impact_reader(
    tidy: pd.DataFrame, *, lang: str = "id", level: float = 0.95, min_cell: int = 10
) -> ReaderTable:
    """Impact rows for readers: (district,) wave, outcome, contrast, impact, CI, p-value, the
    family's sharpened q-value and Romano-Wolf p-value, n, groups.

    The shown table has no standard error. In the data (Excel) the CR1 standard error is kept
    as ``std_error_cr1`` with a note when the interval and p-value come from the wild bootstrap
    (or randomisation inference), so that estimate ± 1.96 SE is never mistaken for the interval.
    """
    tidy = tidy.reset_index(drop=True)
    small, blank = _small_or_blank(tidy, min_cell)
    ok = tidy["inference_ok"] if "inference_ok" in tidy else pd.Series(True, index=tidy.index)
    few_ok = ok.fillna(False).to_numpy(dtype=bool)
    cols = [c for c in _IMPACT_DATA if c in tidy]
    values = ["estimate", "std_error", "ci_low", "ci_high", "p_value", "q_value"]
    values += ["p_romano_wolf", "control_mean"]
    sup = suppress(
        tidy[cols], count="n_obs", values=[c for c in values if c in cols], min_cell=min_cell
    )
    resampled = _bootstrap_inference(tidy)
    data_table = (
        sup.table.rename(columns={"std_error": "std_error_cr1"}) if resampled else sup.table
    )
    adjusted = "q_value" in tidy and tidy["q_value"].notna().any()
    rows = []
    for i, r in enumerate(tidy.itertuples()):
        s = {t("col.district", lang): _district(r.district_code)} if "district_code" in tidy else {}
        s |= {
            t("col.wave", lang): wave_label(str(r.wave), lang),
            t("col.outcome", lang): outcome_label(r.outcome, lang),
            t("col.contrast", lang): contrast_label(r.contrast, lang),
        }
        if "subgroup" in tidy:
            s[t("col.subgroup", lang)] = t(f"subgroup.{r.subgroup}", lang)
        est_col, ci_col = t("col.estimate", lang), t("col.ci_level", lang, level=round(level * 100))
        q_col, rw_col = t("col.q_value", lang), t("col.p_romano_wolf", lang)
        if small[i]:
            s |= {est_col: MARKER, ci_col: MARKER, t("col.p_value", lang): MARKER}
            if adjusted:
                s |= {q_col: MARKER, rw_col: MARKER}
        elif blank[i]:
            s |= {
                est_col: t("table.not_estimable_short", lang),
                ci_col: "",
                t("col.p_value", lang): "",
            }
            if adjusted:
                s |= {q_col: "", rw_col: ""}
        elif not few_ok[i]:
            s |= {
                est_col: fmt_effect(r.estimate, r.outcome, lang),
                ci_col: t("table.not_estimable_short", lang),
                t("col.p_value", lang): "",
            }
            if adjusted:
                s |= {q_col: "", rw_col: ""}
        else:
            s |= {
                est_col: fmt_effect(r.estimate, r.outcome, lang),
                ci_col: _ci(r.ci_low, r.ci_high, r.outcome, lang),
                t("col.p_value", lang): fmt_p(r.p_value, lang),
            }
            if adjusted:
                s |= {q_col: fmt_p(r.q_value, lang), rw_col: fmt_p(r.p_romano_wolf, lang)}
        s[t("col.respondents", lang)] = MARKER if small[i] else _n(r.n_obs, lang)
        s[t("col.groups", lang)] = "" if blank[i] else _n(r.n_clusters, lang)
        if "analysis" in tidy:  # pre-specified in the analysis plan, or exploratory
            s[t("col.analysis", lang)] = t(f"analysis.{r.analysis}", lang)
        rows.append(s)
    notes = []
    if small.any():
        notes.append(footnote(lang, min_cell=min_cell))
    if blank.any():
        notes.append(t("note.impact_not_estimable", lang))
    if (~few_ok & ~blank & ~small).any():
        notes.append(t("note.few_groups_ci", lang))
    if "inference" in tidy and tidy["inference"].astype(str).str.startswith("wild").any():
        notes.append(t("note.inference_wild", lang))
    if adjusted:
        notes.append(t("note.adjusted_p", lang))
    if resampled:
        notes.append(t("note.se_cr1", lang))
    covs = tidy["covariates"].dropna().astype(str) if "covariates" in tidy else pd.Series([])
    if len(covs) and covs.iloc[0]:
        labels = ", ".join(outcome_about(c.strip(), lang) for c in covs.iloc[0].split(","))
        notes.append(t("note.covariates", lang, covariates=labels))
    return ReaderTable(data_table, pd.DataFrame(rows), tuple(notes))


def heterogeneity_reader(
    tidy: pd.DataFrame,
    *,
    lang: str = "id",
    level: float = 0.95,
    min_cell: int = 10,
    arm: str | None = None,
    comparison: str | None = None,
) -> ReaderTable:
    """Mentoring vs control by sex from the interacted model: one row per wave and outcome,
    the effect for women and for men (with intervals), their difference, and the interaction
    test's p-value and adjusted q-value (:func:`~jbp_analysis.report.estimable.
    estimate_heterogeneity`). Subgroups with fewer than ``min_cell`` respondents are suppressed.
    The contrast is the plan's headline one (:func:`~jbp_analysis.report.contrasts.
    headline_contrast`) unless ``arm`` or ``comparison`` is given.
    """
    if tidy is None or len(tidy) == 0:
        return ReaderTable(pd.DataFrame(), pd.DataFrame(), ())
    arm, comparison = headline_contrast(arm=arm, comparison=comparison)
    rows = select(tidy, arm=arm, comparison=comparison).reset_index(drop=True)
    data, out = [], []
    any_small = False
    for (w, o), g in rows.groupby(["wave", "outcome"], sort=False):
        s = {
            t("col.wave", lang): wave_label(str(w), lang),
            t("col.outcome", lang): outcome_label(o, lang),
        }
        d: dict[str, Any] = {"wave": w, "outcome": o}
        est = {}
        for sub in ("female", "male"):
            hit = g[g["subgroup"].astype(str) == sub]
            lab = t(f"subgroup.{sub}", lang)
            if hit.empty or is_small(hit["n_obs"].to_numpy(), min_cell)[0]:
                any_small = any_small or not hit.empty
                s[lab] = MARKER
                d |= {f"estimate_{sub}": MARKER, f"ci_low_{sub}": MARKER, f"ci_high_{sub}": MARKER}
                continue
            h = hit.iloc[0]
            est[sub] = float(h["estimate"])
            ci = _ci(float(h["ci_low"]), float(h["ci_high"]), o, lang)
            s[lab] = f"{fmt_effect(est[sub], o, lang)}\n({ci})"
            d |= {
                f"estimate_{sub}": est[sub],
                f"ci_low_{sub}": float(h["ci_low"]),
                f"ci_high_{sub}": float(h["ci_high"]),
            }
        both = len(est) == 2
        p = float(g["interaction_p"].iloc[0]) if both else np.nan
        q = float(g["interaction_q"].iloc[0]) if both and "interaction_q" in g else np.nan
        diff = est["female"] - est["male"] if both else np.nan
        s[t("col.difference_sex", lang)] = fmt_effect(diff, o, lang) if both else MARKER
        s[t("col.interaction_p", lang)] = fmt_p(p, lang) if both else MARKER
        s[t("col.interaction_q", lang)] = fmt_p(q, lang) if both else MARKER
        d |= {
            "difference": diff,
            "interaction_p": p,
            "interaction_q": q,
            "interaction_test": str(g["interaction_test"].iloc[0]),
        }
        data.append(d)
        out.append(s)
    notes = [t("note.heterogeneity_interaction", lang)]
    if any_small:
        notes.append(footnote(lang, min_cell=min_cell))
    if rows["inference"].astype(str).str.startswith("wild").any():
        notes.append(t("note.inference_wild", lang))
    return ReaderTable(pd.DataFrame(data), pd.DataFrame(out), tuple(notes))


def robustness_reader(
    primary: pd.DataFrame,
    bare: pd.DataFrame,
    *,
    lang: str = "id",
    level: float = 0.95,
    min_cell: int = 10,
) -> ReaderTable:
    """The primary estimates (with the baseline covariates) beside the same model without them,
    for each treated arm against control (:func:`~jbp_analysis.report.estimable.
    estimate_impacts` with ``covariates=()``)."""
    keys = ["wave", "outcome", "contrast"]
    a = primary[primary["contrast"].str.endswith(" - kontrol")].reset_index(drop=True)
    b = bare.set_index(keys)
    rows, data = [], []
    small, blank = _small_or_blank(a, min_cell)
    for i, r in a.iterrows():
        s = {
            t("col.wave", lang): wave_label(str(r["wave"]), lang),
            t("col.outcome", lang): outcome_label(r["outcome"], lang),
            t("col.contrast", lang): contrast_label(r["contrast"], lang),
        }
        other = b.loc[tuple(r[k] for k in keys)] if tuple(r[k] for k in keys) in b.index else None
        for col, src in (("col.with_covariates", r), ("col.without_covariates", other)):
            if small[i]:
                s[t(col, lang)] = MARKER
            elif src is None or blank[i] or not np.isfinite(float(src["estimate"])):
                s[t(col, lang)] = t("table.not_estimable_short", lang)
            else:
                ci = _ci(float(src["ci_low"]), float(src["ci_high"]), r["outcome"], lang)
                s[t(col, lang)] = (
                    f"{fmt_effect(float(src['estimate']), r['outcome'], lang)}\n({ci})"
                )
        rows.append(s)
        data.append(
            {
                **{k: r[k] for k in keys},
                "estimate": MARKER if small[i] else r["estimate"],
                "estimate_without_covariates": MARKER
                if small[i] or other is None
                else float(other["estimate"]),
            }
        )
    notes = (footnote(lang, min_cell=min_cell),) if small.any() else ()
    return ReaderTable(pd.DataFrame(data), pd.DataFrame(rows), notes)


def lee_reader(view, *, lang: str = "id", level: float = 0.95, min_cell: int = 10) -> ReaderTable:
    """Lee bounds of every primary outcome at each wave with differential attrition above the
    threshold (an :class:`~jbp_analysis.report.estimable.AttritionView`): uncorrected impact,
    the bounds, and the Imbens-Manski interval that covers them."""
    lee = view.lee
    if lee is None or lee.empty:
        return ReaderTable(pd.DataFrame(), pd.DataFrame(), ())
    rows = []
    ci_col = t("col.ci_set", lang, level=round(level * 100))
    small = is_small(
        (lee["n_observed_plus"].astype(int) + lee["n_observed_minus"].astype(int)).to_numpy(),
        min_cell,
    )
    for i, r in enumerate(lee.itertuples()):
        o = r.outcome
        s = {
            t("col.wave", lang): wave_label(str(r.wave), lang),
            t("col.outcome", lang): outcome_label(o, lang),
            t("col.contrast", lang): contrast_label(r.contrast, lang),
        }
        if small[i]:
            s |= {t("col.naive", lang): MARKER, t("col.lee_bounds", lang): MARKER, ci_col: MARKER}
        else:
            s |= {
                t("col.naive", lang): fmt_effect(r.naive, o, lang),
                t("col.lee_bounds", lang): _ci(r.lower, r.upper, o, lang),
                ci_col: _ci(r.ci_low, r.ci_high, o, lang),
            }
        rows.append(s)
    data = lee.copy()
    for c in ("naive", "lower", "upper", "ci_low", "ci_high", "effect_ci_low", "effect_ci_high"):
        if c in data:
            data[c] = data[c].astype(object).where(~small, MARKER)
    notes = [t("note.lee", lang, draws=fmt_number(int(lee["draws"].iloc[0]), lang, decimals=0))]
    if small.any():
        notes.append(footnote(lang, min_cell=min_cell))
    return ReaderTable(data, pd.DataFrame(rows), tuple(notes))


def attrition_reader(
    tests: pd.DataFrame,
    rates: pd.DataFrame,
    *,
    lang: str = "id",
    min_cell: int = 10,
    control: str | None = None,
) -> ReaderTable:
    """Response rate per arm and wave, and the clustered p-value of each arm's difference from
    control (the plan's control arm unless ``control`` is given)."""
    control = control_arm(control=control)
    data, rows = [], []
    for w, g in rates.groupby(rates["wave"].astype(str), sort=False):
        d: dict[str, Any] = {t("col.wave", lang): wave_label(w, lang)}
        s = {t("col.wave", lang): wave_label(w, lang)}
        for r in g.itertuples():
            small = bool(is_small([r.n], min_cell)[0])
            d[f"{t('col.response_rate', lang)}: {arm_label(r.arm, lang)}"] = (
                MARKER if small else round(100 * float(r.rate), 2)
            )
            s[arm_label(r.arm, lang)] = MARKER if small else fmt_value(r.rate, "responded", lang)
        if len(tests):
            tw = tests[tests["wave"].astype(str) == w]
            for r in tw.itertuples():
                if contrast_arms(r.contrast)[1] != control:
                    continue
                d[t("col.p_vs", lang, contrast=contrast_label(r.contrast, lang))] = float(r.p_value)
                s[t("col.p_vs", lang, contrast=contrast_label(r.contrast, lang))] = fmt_p(
                    r.p_value, lang
                )
        data.append(d)
        rows.append(s)
    small_any = any(v == MARKER for d in data for v in d.values())
    notes = (footnote(lang, min_cell=min_cell),) if small_any else ()
    return ReaderTable(pd.DataFrame(data), pd.DataFrame(rows), notes, translated=True)


_CE_FORMAT = {
    "cost_per_participant_rp": "rupiah",
    "incremental_cost_per_participant_rp": "rupiah",
    "employment_effect": "pp",
    "employed_per_100m_rp": "number",
    "cost_per_additional_employed_rp": "rupiah",
    "income_effect_rp": "rupiah",
    "income_gain_per_rp": "ratio",
    "unemployment_reduction": "pp",
    "out_of_unemployment_per_100m_rp": "number",
    "cost_per_youth_out_of_unemployment_rp": "rupiah",
}


def _fmt_ce(v: float, kind: str, lang: str) -> str:
    from jbp_analysis.i18n import fmt_rp, fmt_signed

    if v is None or not np.isfinite(v):
        return "∞" if v is not None and np.isinf(v) and v > 0 else "-"
    if kind == "rupiah":
        return fmt_rp(v, lang)
    if kind == "pp":
        return fmt_signed(100 * v, lang, decimals=1, suffix=" " + t("unit.pp_short", lang))
    if kind == "ratio":
        return fmt_number(v, lang, decimals=2)
    return fmt_number(v, lang, decimals=1)


def ce_reader(tidy: pd.DataFrame, *, lang: str = "id") -> ReaderTable:
    """Cost-effectiveness: one row per metric, one column per comparison, ``estimate (CI)``."""
    comps = list(dict.fromkeys(tidy["comparison"]))
    rows = []
    for m, g in tidy.groupby("metric", sort=False):
        kind = _CE_FORMAT.get(m, "number")
        s = {t("col.metric", lang): t(f"metric.{m}", lang)}
        for c in comps:
            hit = g[g["comparison"] == c]
            if hit.empty:
                s[contrast_label(c, lang)] = ""
                continue
            r = hit.iloc[0]
            est = _fmt_ce(r["estimate"], kind, lang)
            lo, hi = _fmt_ce(r["ci_low"], kind, lang), _fmt_ce(r["ci_high"], kind, lang)
            if est == "-" and lo == "-":
                s[contrast_label(c, lang)] = "-"
            elif lo == "-" and hi == "-":  # a known quantity (costs): no interval
                s[contrast_label(c, lang)] = est
            else:
                s[contrast_label(c, lang)] = f"{est}\n({lo} {t('misc.to', lang)} {hi})"
        rows.append(s)
    lvl = round(100 * float(tidy["level"].iloc[0])) if "level" in tidy and len(tidy) else 95
    nb = int(tidy["n_boot"].iloc[0]) if "n_boot" in tidy and len(tidy) else 0
    if nb > 0:
        note = t("note.ce_interval", lang, level=lvl, n_boot=fmt_number(nb, lang, decimals=0))
    else:  # from the report's impact estimates (cost_effectiveness_from_impacts)
        how = str(tidy["inference"].iloc[0]) if "inference" in tidy and len(tidy) else ""
        note = t("note.ce_same_model", lang, level=lvl, inference=how)
    return ReaderTable(tidy, pd.DataFrame(rows), (note,))


def ranking_reader(
    by_district: pd.DataFrame,
    *,
    outcome: str,
    wave: str,
    better: int = 1,
    lang: str = "id",
    level: float = 0.95,
    min_cell: int = 10,
    arm: str | None = None,
    comparison: str | None = None,
) -> ReaderTable:
    """Districts ranked by the mentoring-vs-control impact on ``outcome`` in ``wave``.

    Rank 1 is the largest improvement (``better=-1`` when lower is better, as for
    unemployment). Districts with fewer than ``min_cell`` observations, or without an estimate,
    are listed last, suppressed and unranked. The contrast is the plan's headline one
    (:func:`~jbp_analysis.report.contrasts.headline_contrast`) unless ``arm`` or ``comparison``
    is given.
    """
    from jbp_analysis.study.reference import district_label

    arm, comparison = headline_contrast(arm=arm, comparison=comparison)
    rows = select(by_district, arm=arm, comparison=comparison, outcome=outcome, wave=wave)
    rows = rows.reset_index(drop=True)
    small, blank = _small_or_blank(rows, min_cell)
    key = pd.to_numeric(rows["estimate"], errors="coerce").where(~small & ~blank) * better
    rank = key.rank(ascending=False, method="min").astype("Int64")
    order = key.sort_values(ascending=False, na_position="last").index
    cols = ["district_code", "estimate", "ci_low", "ci_high", "p_value", "n_obs", "n_clusters"]
    data = rows[cols].assign(rank=rank)[["rank", *cols]]
    sup = suppress(
        data, count="n_obs", values=["estimate", "ci_low", "ci_high", "p_value"], min_cell=min_cell
    )
    data = sup.table.loc[order].reset_index(drop=True)
    shown = []
    for i in order:
        r = rows.loc[i]
        s = {
            t("col.rank", lang): "" if pd.isna(rank[i]) else str(int(rank[i])),
            t("col.district", lang): district_label(str(r["district_code"])),
        }
        if small[i]:
            s |= {
                t("col.estimate", lang): MARKER,
                t("col.ci_level", lang, level=round(level * 100)): MARKER,
            }
        elif blank[i]:
            s |= {
                t("col.estimate", lang): t("table.not_estimable_short", lang),
                t("col.ci_level", lang, level=round(level * 100)): "",
            }
        else:
            s |= {
                t("col.estimate", lang): fmt_effect(r["estimate"], outcome, lang),
                t("col.ci_level", lang, level=round(level * 100)): _ci(
                    r["ci_low"], r["ci_high"], outcome, lang
                ),
            }
        s[t("col.p_value", lang)] = (
            MARKER if small[i] else ("" if blank[i] else fmt_p(r["p_value"], lang))
        )
        s[t("col.respondents", lang)] = MARKER if small[i] else _n(r["n_obs"], lang)
        shown.append(s)
    notes = (footnote(lang, min_cell=min_cell),) if small.any() else ()
    return ReaderTable(data, pd.DataFrame(shown), notes)


# --------------------------------------------------------------------------- data quality


def _label(prefix: str, code: str, lang: str) -> str:
    from jbp_analysis.i18n import TABLE

    key = f"{prefix}.{code}"
    return t(key, lang) if key in TABLE else str(code).replace("_", " ")


def quality_reader(
    quality: Mapping[str, Any],
    *,
    district: str | None = None,
    label: str = "",
    lang: str = "id",
    waves: Sequence[str] = WAVES,
) -> ReaderTable:
    """The cleaning step's ``quality.json`` as a translated table (measure, scope, value).

    Rows: respondent-file row accounting, pending duplicate sets, corrections by rule, rejects
    by reason, flagged outliers and enumerators (all districts), then the share of required
    answers left blank in ``district`` per wave. ``quality.json`` keys are never shown raw.
    """
    q = quality_numbers(quality, district=district)
    data: list[tuple[str, str, Any]] = []
    if q is not None:
        resp = [r for r in quality["accounting"] if r.get("module") == "respondent"]
        for k in ("rows_in", "kept", "rejected"):
            data.append((f"quality.{k}", "all", q[k]))
        for k in ("exact_duplicates", "near_duplicates", "decided_duplicates"):
            data.append((f"quality.{k}", "all", int(sum(r.get(k, 0) or 0 for r in resp))))
    dup = quality.get("duplicates") or {}
    if "pending_sets" in dup:
        data.append(("quality.pending_sets", "all", int(dup["pending_sets"])))
    rules = (quality.get("cleaning_log_by_rule") or {}).items()
    for rule, n in sorted(rules, key=lambda x: -x[1]):
        if rule not in DUPLICATE_RULES:
            data.append((f"rule.{rule}", "all", int(n)))
    for reason, n in sorted((quality.get("rejects_by_reason") or {}).items(), key=lambda x: -x[1]):
        data.append((f"reason.{reason}", "all", int(n)))
    outl = quality.get("outliers")
    if isinstance(outl, list) and outl:
        data.append(("quality.outliers", "all", int(sum(r.get("flagged", 0) or 0 for r in outl))))
    enum = quality.get("enumerators")
    if isinstance(enum, list) and enum:
        flagged = sum(bool(r.get("flagged")) for r in enum)
        data.append(("quality.enumerators", "all", (flagged, len(enum))))
    unknown = quality.get("unknown_columns") or {}
    n_unknown = sum(len(v) for v in unknown.values()) if isinstance(unknown, Mapping) else 0
    if n_unknown:
        data.append(("quality.unknown_columns", "all", n_unknown))
    if q is not None and district is not None:
        for w in waves:
            if w in q["missing"]:
                m, d = q["missing"][w]
                data.append((f"quality.item_missing|{w}", district, m / d))
    shown, numbers = [], []
    for key, scope, value in data:
        if key.startswith("rule."):
            measure = t("quality.rule", lang, rule=_label("rule", key[5:], lang))
        elif key.startswith("reason."):
            measure = t("quality.reason", lang, reason=_label("reason", key[7:], lang))
        elif "|" in key:
            k, w = key.split("|")
            measure = t(k, lang, wave=wave_label(w, lang))
        else:
            measure = t(key, lang)
        where = t("scope.all", lang) if scope == "all" else label
        if isinstance(value, tuple):
            text = t("quality.of", lang, k=_n(value[0], lang), n=_n(value[1], lang))
            value = value[0]
        elif isinstance(value, float):
            text = fmt_value(value, "responded", lang)
        else:
            text = _n(value, lang)
        shown.append(
            {
                t("col.measure", lang): measure,
                t("col.scope", lang): where,
                t("col.value", lang): text,
            }
        )
        numbers.append({"measure": measure, "scope": where, "value": value})
    cols = [t("col.measure", lang), t("col.scope", lang), t("col.value", lang)]
    return ReaderTable(
        pd.DataFrame(numbers, columns=["measure", "scope", "value"]),
        pd.DataFrame(shown, columns=cols),
    )
