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

__all__ = [
    "ObservationalSection",
    "observational_sections",
    "result_text",
    "estimates_reader",
    "balance_text",
    "warning_texts",
    "inference_text",
    "overlap_figure",
    "love_figure",
]

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
                # the estimators' warnings are kept in the analysis (warned) and worded by
                # warning_texts(); none is lost by silencing them here
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
                        few_cluster_threshold=rep.plan.few_cluster_threshold,
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
    any_unclustered = False
    for s in sections:
        if s.analysis is None:
            continue
        est = s.analysis.estimates.assign(wave=s.wave)
        if plan is not None:
            pre = plan.is_prespecified(s.outcome, None, s.wave)
            est = est.assign(analysis="pre-specified" if pre else "exploratory")
        small = (est[["n_treated", "n_control"]].min(axis=1) < min_cell).to_numpy()
        est.loc[small, ["estimate", "std_error", "ci_low", "ci_high", "p_value"]] = np.nan
        # matching takes no clusters: with clustered rows its interval would be too narrow
        unclustered = (est["method"] == "matching").to_numpy() & (
            s.analysis.primary.n_clusters is not None
        )
        est.loc[unclustered, ["std_error", "ci_low", "ci_high", "p_value"]] = np.nan
        any_unclustered = any_unclustered or bool(unclustered.any())
        frames.append(est)
        for r, is_small, no_ci in zip(est.itertuples(), small, unclustered, strict=True):
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
                    else "–"
                    if no_ci
                    else f"{fmt_effect(r.ci_low, s.outcome, lang)} {t('misc.to', lang)} "
                    f"{fmt_effect(r.ci_high, s.outcome, lang)}",
                    t("col.p_value", lang): MARKER
                    if is_small
                    else "–"
                    if no_ci
                    else fmt_p(r.p_value, lang),
                    t("obs.col.n_treated", lang): int(r.n_treated),
                    t("obs.col.n_control", lang): int(r.n_control),
                }
            )
            if plan is not None:
                rows[-1][t("col.analysis", lang)] = t(f"analysis.{r.analysis}", lang)
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    notes = [t("obs.table_note", lang)]
    if any_unclustered:
        notes.append(t("obs.matching_unclustered", lang))
    if any(MARKER in str(v) for row in rows for v in row.values()):
        notes.append(footnote(lang, min_cell=min_cell))
    return ReaderTable(data, pd.DataFrame(rows), tuple(notes))


def balance_text(section: ObservationalSection, *, lang: str = "id") -> str:
    """The balance sentence: Austin's (2009) rule, and the characteristics that still differ by
    more than :data:`~jbp_analysis.observational.diagnostics.BALANCE_THRESHOLD` after weighting.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> b = pd.DataFrame({"variable": ["age_bl", "x_bl"], "std_diff_after": [0.02, -0.11]})
    >>> s = ObservationalSection("y", "endline", SimpleNamespace(balance=b))
    >>> balance_text(s, lang="en").split(". ")[-1]
    'After IPW weighting, these characteristics still differ by more than 0.1 (Austin 2009), so the groups are not comparable on them: x_bl (0.11).'
    """
    from jbp_analysis.observational.diagnostics import BALANCE_THRESHOLD

    text = t("obs.balance_text", lang)
    if section.analysis is None:
        return text
    b = section.analysis.balance
    after = b["std_diff_after"].abs()
    bad = b.loc[after > BALANCE_THRESHOLD].assign(_a=after).sort_values("_a", ascending=False)
    if bad.empty:
        return f"{text} {t('obs.balance_ok', lang)}"
    dec = "," if lang == "id" else "."
    listed = ", ".join(
        f"{v} ({f'{a:.2f}'.replace('.', dec)})"
        for v, a in zip(bad["variable"], bad["_a"], strict=True)
    )
    return f"{text} {t('obs.balance_flag', lang, variables=listed)}"


def _what(section: ObservationalSection, lang: str) -> str:
    return f"{outcome_label(section.outcome, lang)}, {wave_label(section.wave, lang)}"


def _pct(x: float, lang: str) -> str:
    return f"{x:.0%}".replace(".", ",") if lang == "id" else f"{x:.0%}"


def warning_texts(sections: Sequence[ObservationalSection], *, lang: str = "id") -> list[str]:
    """The estimators' warnings (extreme weights, poor overlap, few treated clusters), worded.

    The warnings are the ones :func:`~jbp_analysis.observational.att` raised (the analysis
    records them in ``warned``); the numbers are recomputed from the results: the largest
    comparison weight share and Kish's effective number of comparison units, or the share of
    participants above every comparison score and above 0.95 (as in
    :mod:`jbp_analysis.observational.diagnostics`).
    """
    from jbp_analysis.observational.inference import MIN_TREATED_CLUSTERS

    out: list[str] = []
    for s in sections:
        a = s.analysis
        if a is None:
            continue
        what = _what(s, lang)
        for method, kind in a.warned:
            if kind == "ExtremeWeightsWarning" and method in a.results:
                r = a.results[method]
                wc = np.asarray(r.weights)[~np.asarray(r.treated_mask)]
                wc = wc[wc > 0] / wc[wc > 0].sum()
                out.append(
                    t(
                        "obs.warn.weights",
                        lang,
                        what=what,
                        method=t(f"obs.method.{method}", lang),
                        share=_pct(float(wc.max()), lang),
                        ess=f"{1.0 / np.sum(wc**2):.0f}",
                        n=int(r.n_treated),
                    )
                )
            elif kind == "OverlapWarning" and method == "overlap":
                ps, d = np.asarray(a.overlap.ps), np.asarray(a.overlap.treated_mask)
                above = float(np.mean(ps[d] > ps[~d].max()))
                high = float(np.mean(ps[d] > 0.95))
                out.append(
                    t("obs.warn.overlap", lang, what=what, above=_pct(above, lang),
                      high=_pct(high, lang))
                )  # fmt: skip
        p = a.primary
        if p.n_clusters is not None:
            frame_clusters = _cluster_counts(p)
            if frame_clusters is not None and min(frame_clusters) < MIN_TREATED_CLUSTERS:
                out.append(
                    t("obs.warn.few_treated_clusters", lang, what=what,
                      treated=frame_clusters[0], control=frame_clusters[1])
                )  # fmt: skip
    return list(dict.fromkeys(out))


def _cluster_counts(result: Any) -> tuple[int, int] | None:
    """Treated and comparison clusters, read from the note of
    :func:`~jbp_analysis.observational.inference.few_cluster_note`."""
    import re

    for n in result.notes:
        m = re.match(r"Only (\d+) treated and (\d+) comparison clusters", n)
        if m:
            return int(m.group(1)), int(m.group(2))
    return None


def inference_text(sections: Sequence[ObservationalSection], *, plan: Any, lang: str = "id") -> str:
    """How the intervals account for the clustering: t(G - 1) below the plan's few-cluster
    threshold (Cameron & Miller 2015), the normal reference above it; empty without clusters."""
    for s in sections:
        if s.analysis is None or s.analysis.primary.n_clusters is None:
            continue
        g = int(s.analysis.primary.n_clusters)
        threshold = int(plan.few_cluster_threshold)
        if g < threshold:
            return t("obs.inference_few", lang, clusters=g, threshold=threshold, df=g - 1)
        return t("obs.inference_many", lang, clusters=g)
    return ""


def _translate_axes(ax: Any, lang: str, keys: Sequence[str]) -> Any:
    """Replace the plot functions' English labels by their ``lang`` translations."""
    en = {t(k, "en"): t(k, lang) for k in keys}
    ax.set_xlabel(en.get(ax.get_xlabel(), ax.get_xlabel()))
    ax.set_ylabel(en.get(ax.get_ylabel(), ax.get_ylabel()))
    leg = ax.get_legend()
    if leg is not None:
        for text in leg.get_texts():
            text.set_text(en.get(text.get_text(), text.get_text()))
    return ax


def overlap_figure(section: ObservationalSection, *, lang: str = "id") -> Any:
    """The propensity-score overlap chart of ``section`` with its words in ``lang``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from jbp_analysis.observational import overlap
    >>> rng = np.random.default_rng(0); x = rng.normal(size=300)
    >>> d = (rng.uniform(size=300) < 1 / (1 + np.exp(-x))).astype(int)
    >>> ov = overlap(pd.DataFrame({"x": x, "d": d}), treatment="d", covariates=["x"])
    >>> ax = overlap_figure(ObservationalSection("y", "endline", SimpleNamespace(overlap=ov)))
    >>> ax.get_xlabel(), [x.get_text() for x in ax.get_legend().get_texts()]
    ('skor kecenderungan', ['peserta', 'pembanding'])
    """
    keys = ("obs.plot.treated", "obs.plot.comparison", "obs.plot.score", "obs.plot.density",
            "obs.plot.density_symlog")  # fmt: skip
    return _translate_axes(section.analysis.overlap.plot(), lang, keys)


def love_figure(section: ObservationalSection, *, lang: str = "id") -> Any:
    """The love plot (balance before and after IPW weighting) with its words in ``lang``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> b = pd.DataFrame({"variable": ["x"], "std_diff_before": [0.5], "std_diff_after": [0.01]})
    >>> ax = love_figure(ObservationalSection("y", "endline", SimpleNamespace(balance=b)))
    >>> ax.get_xlabel(), [x.get_text() for x in ax.get_legend().get_texts()]
    ('selisih terstandar absolut', ['sebelum', 'sesudah'])
    """
    from jbp_analysis.observational import plot_love

    keys = ("obs.plot.before", "obs.plot.after", "obs.plot.abs_std_diff", "obs.plot.std_diff")
    return _translate_axes(plot_love(section.analysis.balance), lang, keys)
