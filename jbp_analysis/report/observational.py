"""The observational report's sections: one analysis per primary outcome and wave, in words.

When the plan's design is ``observational`` (groups were not randomised), ``jbp report`` runs
``notebooks/observational_report`` instead of the district report. This module turns
:func:`jbp_analysis.observational.report.observational_analysis` (IPW, AIPW, entropy balancing,
matching and the doubly robust DiD; Hirano, Imbens & Ridder 2003; Robins, Rotnitzky & Zhao 1994;
Hainmueller 2012; Abadie & Imbens 2006; Sant'Anna & Zhao 2020) into bilingual sentences and a
reader table. The wording says in every sentence that the comparison is observational: it never
calls a result an experiment, and it gives the E-value (VanderWeele & Ding 2017) with it.

Examples
--------
>>> from jbp_analysis.report.observational import METHOD_KEYS
>>> sorted(METHOD_KEYS)[:2]
['aipw', 'drdid']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.i18n import outcome_label, t, wave_label
from jbp_analysis.report.disclosure import MARKER, footnote
from jbp_analysis.report.narrative import fmt_effect, fmt_p
from jbp_analysis.report.tables import ReaderTable

__all__ = ["ObservationalSection", "observational_sections", "result_text", "estimates_reader"]

METHOD_KEYS = ("ipw", "aipw", "entropy", "matching", "drdid", "ipwdid")


@dataclass(frozen=True)
class ObservationalSection:
    """One outcome at one wave: the analysis, or why it could not be done."""

    outcome: str
    wave: str
    analysis: Any = None  # ObservationalAnalysis
    problem: str = ""

    @property
    def small(self) -> bool:
        if self.analysis is None:
            return False
        p = self.analysis.primary
        return min(int(p.n_treated), int(p.n_control)) < 10


def observational_sections(
    rep: Any, *, covariates: Sequence[str], outcomes: Sequence[str] | None = None
) -> list[ObservationalSection]:
    """Run the observational analysis of each primary outcome at each reported wave.

    ``rep`` is the notebook's :class:`~jbp_analysis.report.setup.ReportContext`: its rows, its
    plan's design (the most intensive arm against the comparison arm, clustered as the plan
    says) and its waves, latest first. An outcome that cannot be estimated is kept with the
    reason, so the report says so instead of failing.
    """
    from jbp_analysis.observational.report import observational_analysis

    design = rep.plan.design
    names = list(outcomes or [o.name for o in rep.plan.outcomes if o.primary])
    names = [o for o in names if o in rep.data.columns]
    covs = [c for c in covariates if c in rep.data.columns]
    data = rep.data.copy()
    for col in names:  # yes/no outcomes as 0/1 (shares), with missing values kept missing
        if pd.api.types.is_bool_dtype(data[col]) or str(data[col].dtype) == "boolean":
            data[col] = data[col].astype("Float64").astype("float64")
    out = []
    for wave in reversed(list(rep.waves)):
        for outcome in names:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    a = observational_analysis(
                        data,
                        outcome=outcome,
                        covariates=covs,
                        control=design.control,
                        treated=design.treatments[-1],
                        post=wave,
                        baseline=design.baseline,
                        cluster=design.cluster,
                    )
                out.append(ObservationalSection(outcome, wave, a))
            except (JBPInputError, ValueError, np.linalg.LinAlgError) as exc:
                out.append(ObservationalSection(outcome, wave, None, str(exc).splitlines()[0]))
    return out


def result_text(section: ObservationalSection, *, lang: str = "id", min_cell: int = 10) -> str:
    """One sentence: the effect on participants, its interval, method and E-value."""
    what = f"{outcome_label(section.outcome, lang)}, {wave_label(section.wave, lang)}"
    if section.analysis is None:
        return t("obs.not_estimable", lang, what=what, reason=section.problem)
    r = section.analysis.primary
    if min(int(r.n_treated), int(r.n_control)) < min_cell:
        return t("obs.small", lang, what=what, marker=MARKER, n=min_cell)
    e = section.analysis.evalue.iloc[0]
    return t(
        "obs.result",
        lang,
        what=what,
        estimate=fmt_effect(r.estimate, section.outcome, lang),
        low=fmt_effect(r.ci_low, section.outcome, lang),
        high=fmt_effect(r.ci_high, section.outcome, lang),
        level=round(r.level * 100),
        method=t(f"obs.method.{r.method}", lang),
        evalue=f"{float(e['evalue']):.2f}",
    )


def estimates_reader(
    sections: Sequence[ObservationalSection],
    *,
    plan: Any = None,
    lang: str = "id",
    min_cell: int = 10,
) -> ReaderTable:
    """Every method's estimate per outcome and wave (data for Excel, formatted for readers);
    with ``plan``, each row says whether the plan pre-specified its outcome and wave."""
    frames, rows = [], []
    for s in sections:
        if s.analysis is None:
            continue
        est = s.analysis.estimates.assign(wave=s.wave)
        if plan is not None:
            pre = plan.is_prespecified(s.outcome, None, s.wave)
            est = est.assign(analysis="pre-specified" if pre else "exploratory")
        small = (est[["n_treated", "n_control"]].min(axis=1) < min_cell).to_numpy()
        est.loc[small, ["estimate", "std_error", "ci_low", "ci_high", "p_value"]] = np.nan
        frames.append(est)
        for r, is_small in zip(est.itertuples(), small, strict=True):
            rows.append(
                {
                    t("col.wave", lang): wave_label(s.wave, lang),
                    t("col.outcome", lang): outcome_label(s.outcome, lang),
                    t("obs.col.method", lang): t(f"obs.method.{r.method}", lang),
                    t("col.estimate", lang): MARKER
                    if is_small
                    else fmt_effect(r.estimate, s.outcome, lang),
                    t("col.ci_level", lang, level=95): MARKER
                    if is_small
                    else f"{fmt_effect(r.ci_low, s.outcome, lang)} {t('misc.to', lang)} "
                    f"{fmt_effect(r.ci_high, s.outcome, lang)}",
                    t("col.p_value", lang): MARKER if is_small else fmt_p(r.p_value, lang),
                    t("obs.col.n_treated", lang): int(r.n_treated),
                    t("obs.col.n_control", lang): int(r.n_control),
                }
            )
            if plan is not None:
                rows[-1][t("col.analysis", lang)] = t(f"analysis.{r.analysis}", lang)
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    notes = [t("obs.table_note", lang)]
    if any(MARKER in str(v) for row in rows for v in row.values()):
        notes.append(footnote(lang, min_cell=min_cell))
    return ReaderTable(data, pd.DataFrame(rows), tuple(notes))
