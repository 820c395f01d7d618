"""Report sections that more than one notebook shows: attrition and the deviations from the plan.

A section is the list of things a notebook displays, in order (headings, sentences, tables and
charts already saved to the report's pack), so that the district report and the provincial
overview show the same section from the same library calls, and a test can read it without a
kernel. The notebooks display them with ``for item in section.items: display(item)``.

* :func:`attrition_section`: response rates by arm and wave, the differential-attrition tests
  (:func:`~jbp_analysis.report.estimable.attrition_view`: the same few-cluster inference as the
  impact tables) and, at each wave where the gap in response rates exceeds the plan's threshold,
  Lee (2009) bounds for every primary outcome, trimmed within strata, with clustered
  Imbens-Manski (2004) intervals.
* :func:`lifted_section`: households lifted above the BPS poverty line per Rp 100 million
  (:func:`~jbp_analysis.analyses.poverty.households_lifted` on the impact table's P0 rows).
* :func:`deviations_section`: "Deviations from the plan"
  (:func:`~jbp_analysis.report.deviations.deviations_table`).

Examples
--------
>>> from types import SimpleNamespace
>>> from jbp_analysis.study.plan import load_plan
>>> class Pack:  # what a ReportPack does with a table: save it, give back what to display
...     saved = []
...     def table(self, rt, name, *, title, translate=True):
...         self.saved.append(name)
...         return rt
>>> plan = load_plan()
>>> rep = SimpleNamespace(lang="en", waves=("followup",), pack=Pack(), plan=plan,
...                       registered_plan=plan)
>>> est = pd.DataFrame({"outcome": [o.name for o in plan.outcomes]}).merge(
...     pd.DataFrame({"contrast": plan.contrast_labels}), how="cross")
>>> sec = deviations_section(rep, estimates=est.assign(wave="followup", estimate=0.1),
...                          exploratory=["District ranking"])
>>> [type(i).__name__ for i in sec.items], rep.pack.saved
(['Markdown', 'ReaderTable'], ['deviations'])
>>> sec.table.data[["item", "kind"]].values.tolist()[-1]
['District ranking', 'added (exploratory)']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from IPython.display import Markdown

from jbp_analysis.i18n import t
from jbp_analysis.report import narrative as nar
from jbp_analysis.report import tables
from jbp_analysis.report.deviations import deviations_table
from jbp_analysis.report.estimable import AttritionView, attrition_view
from jbp_analysis.report.tables import ReaderTable

__all__ = ["Section", "attrition_section", "deviations_section", "lifted_section"]


@dataclass(frozen=True)
class Section:
    """What a notebook displays for one section (``items``, in order), and its results.

    ``attrition``: the :class:`~jbp_analysis.report.estimable.AttritionView` of an attrition
    section; ``table``: the deviations :class:`~jbp_analysis.report.tables.ReaderTable`.
    """

    items: list[Any] = field(default_factory=list)
    attrition: AttritionView | None = None
    table: ReaderTable | None = None
    lifted: pd.DataFrame | None = None


def attrition_section(
    rep: Any,
    *,
    outcomes: Sequence[str],
    strata: str | None,
    level: float = 0.95,
    threshold: float | None = None,
    notes: Sequence[str] = (),
) -> Section:
    """The attrition section of a report (``rep``: a
    :class:`~jbp_analysis.report.setup.ReportContext` with a follow-up wave).

    Heading; one sentence per wave with the response rates by arm
    (:func:`~jbp_analysis.plots.attrition.summarise`, disclosure-controlled); the response-rate
    chart; the table of response rates with the p-value of each arm's difference from control
    (:func:`~jbp_analysis.report.estimable.attrition_view` on ``rep.data``: every randomised
    respondent, strata fixed effects, clustered by group, ``inference="auto"`` as in the impact
    tables); whether any wave's gap exceeds the plan's threshold; and, where one does, the Lee
    bounds of every one of ``outcomes`` at that wave, trimmed within ``strata``, with
    Imbens-Manski intervals. The tables are saved to ``rep.pack`` as ``attrition`` and
    ``lee_bounds``, the chart as ``attrition``.

    Parameters
    ----------
    rep
        The report (its ``data``, ``waves``, ``pack``, ``lang``, ``seed``, ``min_cell``).
    outcomes
        The outcomes to bound (the plan's primary outcomes).
    strata
        The randomisation strata column: Lee bounds are trimmed within each stratum and the
        tests have its fixed effects (``"stratum"``: district x cohort).
    level
        Confidence level of the intervals.
    threshold
        Differential attrition above which a wave's outcomes are bounded; ``None``: the plan's
        (:data:`~jbp_analysis.report.estimable.ATTRITION_THRESHOLD`).
    notes
        Sentences shown after the first paragraph (e.g. what a pooled section pools).

    Examples
    --------
    See ``tests/test_report_sections.py`` (a report on the test fixture).
    """
    from jbp_analysis import plots

    lang, min_cell = rep.lang, rep.min_cell
    rates = plots.attrition.summarise(rep.data, waves=rep.waves, min_cell=min_cell)
    items: list[Any] = [nar.heading("section.attrition", lang)]
    items.append(Markdown(" ".join([*nar.attrition_lines(rates, lang=lang), *notes])))
    items.append(
        rep.pack.figure(
            plots.attrition.plot(rep.data, waves=rep.waves, lang=lang, min_cell=min_cell),
            "attrition",
        )
    )
    lost = attrition_view(
        rep.data,
        outcomes=outcomes,
        waves=rep.waves,
        threshold=threshold,
        strata=strata,
        level=level,
        seed=rep.seed,
    )
    items.append(
        rep.pack.table(
            tables.attrition_reader(lost.tests, rates, lang=lang, min_cell=min_cell),
            "attrition",
            title=rep.t("section.attrition"),
        )
    )
    items.append(Markdown(" ".join(nar.lee_text(lost, lang=lang))))
    if not lost.lee.empty:
        items.append(
            rep.pack.table(
                tables.lee_reader(lost, lang=lang, level=level, min_cell=min_cell),
                "lee_bounds",
                title=rep.t("col.lee_bounds"),
            )
        )
    return Section(items=items, attrition=lost)


def deviations_section(
    rep: Any, *, estimates: pd.DataFrame | None, exploratory: Sequence[str] = ()
) -> Section:
    """ "Deviations from the plan": heading, then the table of
    :func:`~jbp_analysis.report.deviations.deviations_table` (saved to ``rep.pack`` as
    ``deviations``), or one sentence when the report follows the registered plan in full.

    ``estimates`` is the report's impact table (``None`` when the report has no impacts, a
    baseline report: every pre-specified result is then "not estimated"); ``exploratory`` names
    the analyses the report adds beyond the plan.
    """
    lang = rep.lang
    if estimates is None:
        estimates = pd.DataFrame(columns=["outcome", "contrast", "wave"])
    table = deviations_table(
        rep.plan,
        rep.registered_plan,
        estimates=estimates,
        waves=rep.waves,
        exploratory=list(exploratory),
        lang=lang,
    )
    items: list[Any] = [nar.heading("dev.section", lang)]
    # the CSV and workbook get the reader's table (headers and kinds in the report's language)
    saved = ReaderTable(table.shown, table.shown, table.footnotes, translated=True)
    items.append(
        rep.pack.table(saved, "deviations", title=t("dev.section", lang))
        if len(table.data)
        else Markdown(t("dev.none", lang))
    )
    return Section(items=items, table=table)


def lifted_section(
    rep: Any,
    *,
    impacts: pd.DataFrame,
    wave: str,
    level: float,
    notes: Sequence[str] = (),
) -> Section:
    """Households lifted above the poverty line per Rp 100 million: ``notes``, one sentence per
    arm and the table (saved to ``rep.pack`` as ``poverty_lifted``).

    The P0 effect and its interval are ``impacts``' own rows at ``wave`` (same ANCOVA, same
    inference as every outcome), divided by the cost per participant of ``rep.costs`` over the
    rosters of ``rep.panel`` (:func:`~jbp_analysis.analyses.poverty.households_lifted`).
    """
    from jbp_analysis.analyses.poverty import households_lifted
    from jbp_analysis.report import poverty as pov
    from jbp_analysis.report.estimable import roster_by_group

    lang = rep.lang
    lifted = households_lifted(
        rep.costs,
        impacts[impacts["wave"].astype(str) == wave],
        participants=roster_by_group(rep.panel),
        level=level,
    )
    items: list[Any] = [Markdown(n) for n in notes]
    items.append(nar.bullets(pov.answer_lines(lifted, lang=lang)))
    items.append(
        rep.pack.table(
            pov.lifted_reader(lifted, lang=lang), "poverty_lifted", title=t("poverty.lifted", lang)
        )
    )
    return Section(items=items, lifted=lifted)
