"""What a report says about the analysis plan: pre-specified or exploratory, and every deviation.

Referees compare a paper with its pre-analysis plan (Olken 2015; the AEA RCT Registry's and 3ie
RIDIE's registration practice). Each report therefore:

* marks every result row **pre-specified** (outcome, contrast and wave declared in the plan) or
  **exploratory** (:func:`mark_prespecified`);
* lists, in "Deviations from the plan" (:func:`deviations_table`), every difference from the
  registered plan (outcomes, covariates, contrasts, model or inference changed since
  registration) and every pre-specified result this report could not estimate, with the reason.

Examples
--------
>>> from jbp_analysis.study.plan import load_plan
>>> plan = load_plan()
>>> res = pd.DataFrame({"outcome": ["unemployed_bps", "income_per_capita"],
...                     "contrast": ["pendampingan - kontrol"] * 2, "wave": ["followup"] * 2})
>>> mark_prespecified(res, plan)["analysis"].tolist()
['pre-specified', 'exploratory']
>>> deviations_table(plan, plan, estimates=res, lang="en").data.empty  # nothing missing
False
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from jbp_analysis.i18n import contrast_label, outcome_label, t, wave_label
from jbp_analysis.report.tables import ReaderTable
from jbp_analysis.study.plan import AnalysisPlan

__all__ = ["mark_prespecified", "deviations_table", "plan_line"]

PRESPECIFIED, EXPLORATORY = "pre-specified", "exploratory"


def mark_prespecified(
    results: pd.DataFrame,
    plan: AnalysisPlan,
    *,
    outcome: str = "outcome",
    contrast: str = "contrast",
    wave: str = "wave",
) -> pd.DataFrame:
    """Add ``analysis``: ``"pre-specified"`` when the plan declares the row's outcome, contrast
    and wave (columns that are absent are not checked), else ``"exploratory"``."""
    cols = [c for c in (outcome, contrast, wave) if c in results.columns]
    flags = [
        plan.is_prespecified(
            row[outcome],
            row[contrast] if contrast in cols else None,
            str(row[wave]) if wave in cols else None,
        )
        for row in results[cols].to_dict("records")
    ]
    return results.assign(analysis=[PRESPECIFIED if f else EXPLORATORY for f in flags])


def _missing_results(
    plan: AnalysisPlan,
    estimates: pd.DataFrame | None,
    waves: Sequence[str] | None,
    lang: str,
) -> list[dict[str, str]]:
    """Pre-specified (outcome, contrast, wave) cells this report has no estimate for; a wave not
    yet collected is one row."""
    if estimates is None:
        return []
    rows = []
    waves = list(plan.design.analysis_waves if waves is None else waves)
    have = estimates
    if "estimable" in have.columns:
        have = have[have["estimable"].fillna(False).astype(bool)]
    if "estimate" in have.columns:
        have = have[pd.to_numeric(have["estimate"], errors="coerce").notna()]
    got = {
        (r.outcome, r.contrast, str(r.wave))
        for r in have[["outcome", "contrast", "wave"]].itertuples(index=False)
    }
    reasons = {}
    if "reason" in estimates.columns:
        for r in estimates[["outcome", "contrast", "wave", "reason"]].itertuples(index=False):
            if isinstance(r.reason, str) and r.reason:
                reasons[(r.outcome, r.contrast, str(r.wave))] = r.reason
    n_cells = len(plan.outcomes) * len(plan.contrasts)
    for w in plan.design.analysis_waves:
        if w not in waves:
            rows.append(
                {
                    "item": t("dev.wave_results", lang, wave=wave_label(w, lang), n=n_cells),
                    "kind": "not estimated",
                    "reason": t("dev.not_collected", lang),
                }
            )
            continue
        for o in plan.outcomes:
            for c in plan.contrast_labels:
                if (o.name, c, w) in got:
                    continue
                item = ", ".join(
                    (outcome_label(o.name, lang), contrast_label(c, lang), wave_label(w, lang))
                )
                why = reasons.get((o.name, c, w), t("dev.not_estimable", lang))
                rows.append({"item": item, "kind": "not estimated", "reason": why})
    return rows


def deviations_table(
    plan: AnalysisPlan,
    registered: AnalysisPlan | None,
    *,
    estimates: pd.DataFrame | None = None,
    waves: Sequence[str] | None = None,
    exploratory: Sequence[str] = (),
    lang: str = "id",
) -> ReaderTable:
    """Every difference between this report and the registered plan, one row each.

    Parameters
    ----------
    plan, registered
        The plan the report used and the most recently registered plan (``None``: the plan was
        never registered, which is itself listed).
    estimates
        The report's impact table (``outcome``, ``contrast``, ``wave``, ``estimate`` and
        optionally ``estimable``/``reason``): pre-specified cells without an estimate are listed.
    waves
        The follow-up waves this report covers (others are "not yet collected").
    exploratory
        Names of analyses the report adds beyond the plan (listed as "added").
    """
    rows: list[dict[str, str]] = []
    if registered is None:
        rows.append({"item": plan.path.name, "kind": "not registered", "reason": ""})
    else:
        for r in plan.deviations(registered).itertuples():
            rows.append(
                {
                    "item": r.item,
                    "kind": r.kind,
                    "reason": f"{r.registered or '-'} -> {r.current or '-'}",
                }
            )
    rows += _missing_results(plan, estimates, waves, lang)
    rows += [{"item": name, "kind": "added (exploratory)", "reason": ""} for name in exploratory]
    data = pd.DataFrame(rows, columns=["item", "kind", "reason"])
    shown = data.rename(
        columns={
            "item": t("dev.item", lang),
            "kind": t("dev.kind", lang),
            "reason": t("dev.reason", lang),
        }
    )
    if not data.empty:
        shown[t("dev.kind", lang)] = [t(f"dev.kind.{_key(k)}", lang) for k in data["kind"]]
    note = t(
        "dev.footnote",
        lang,
        version=plan.version,
        sha=plan.short_hash,
        registered=registered.path.name if registered is not None else "-",
    )
    return ReaderTable(data=data, shown=shown, footnotes=(note,))


def _key(kind: str) -> str:
    return {
        "not registered": "unregistered",
        "not estimated": "not_estimated",
        "added (exploratory)": "exploratory",
    }.get(kind, kind)


def plan_line(plan: AnalysisPlan, lang: str = "id") -> str:
    """One sentence naming the plan a report follows: version and SHA-256 prefix."""
    return t("dev.plan_line", lang, version=plan.version, sha=plan.short_hash)
