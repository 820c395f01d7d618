# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["researcher-note"]
# # JBP district report
#
# Researcher notes (removed from the reader HTML). Run top to bottom on the defaults, or
# `jbp report --district 3322`. Every visible word comes from `jbp_analysis.i18n`; every number
# from a library call. Missing data? Run `make report` (simulate -> clean -> reports).

# %% tags=["parameters"]
district: str = "3373"  # BPS code such as 3322, or an exact name such as Kota Salatiga, or all
waves: list = ["endline", "followup"]  # survey waves whose impacts are reported
lang: str = "id"  # language of every visible word: id (Bahasa Indonesia) or en (English)
output_dir: str = ""  # report folder; empty means <reports_root>/<code>-<slug>
reports_root: str = "reports"  # nothing is written outside this folder (relative to the project)
processed_dir: str = "data/processed"  # cleaned data written by `jbp clean` (or `make report`)
seed: int = 20170401  # seed for anything random in the analysis
min_cell: int = 0  # fewest respondents behind a published number; 0: the plan's min_cell

# %%
from IPython.display import Markdown, display

from jbp_analysis import plots
from jbp_analysis.report import narrative as nar
from jbp_analysis.report import tables
from jbp_analysis.report.deviations import mark_prespecified, plan_line
from jbp_analysis.report.estimable import (
    BALANCE_VARIABLES,
    PRIMARY_OUTCOMES,
    REPORT_OUTCOMES,
    balance_view,
    cost_per_participant_view,
    estimate_heterogeneity,
    estimate_impacts,
    roster_by_group,
)
from jbp_analysis.report.sections import attrition_section, deviations_section, lifted_section
from jbp_analysis.report.setup import start_report

rep = start_report(
    district=district,
    processed_dir=processed_dir,
    reports_root=reports_root,
    output_dir=output_dir,
    lang=lang,
    waves=waves,
    seed=seed,
    min_cell=min_cell,
)
min_cell = rep.min_cell  # resolved: the parameter, or the plan's disclosure.min_cell
OUTCOME_LIST = [o for family in REPORT_OUTCOMES.values() for o in family]
LEVEL = rep.plan.level  # confidence level of every interval: the plan's models.level
STRATA = "stratum"  # randomisation strata: district x cohort (cohort within one district)
baseline = rep.data[rep.data["wave"].astype(str).eq("baseline")]
followups = rep.data[rep.data["wave"].astype(str).isin(rep.waves) & rep.data["responded"]]
FOLLOW_UP = bool(rep.waves)  # False until a follow-up wave is collected: a baseline report
display(nar.heading("report.title", lang, level=1, district=rep.label))
display(Markdown(nar.intro_text(rep.panel, label=rep.label, lang=lang)))
display(Markdown(plan_line(rep.plan, lang)))
if not FOLLOW_UP:
    display(Markdown(rep.t("report.baseline_only")))

# %%
display(nar.heading("section.quality", lang))
display(Markdown(nar.quality_text(rep.quality, district=rep.code, label=rep.label, lang=lang)))
display(
    rep.pack.table(
        tables.quality_reader(rep.quality, district=rep.code, label=rep.label, lang=lang),
        "quality",
        title=rep.t("section.quality"),
    )
)

# %%
display(nar.heading("section.sample", lang))
display(
    rep.pack.table(
        tables.sample_table(rep.panel, min_cell=min_cell, lang=lang),
        "sample",
        title=rep.t("section.sample"),
    )
)
balance = balance_view(baseline, variables=BALANCE_VARIABLES, strata=STRATA, seed=seed)
display(Markdown(nar.balance_text(balance, lang=lang)))
display(
    rep.pack.table(
        tables.balance_reader(balance, lang=lang, min_cell=min_cell),
        "balance",
        title=rep.t("col.variable") + " - " + rep.t("section.sample"),
    )
)

# %%
if FOLLOW_UP:  # impacts need a follow-up wave (none yet: a baseline report)
    display(nar.heading("section.impacts", lang))
    display(Markdown(nar.unemployment_text(lang)))
    display(
        Markdown(
            nar.unemployment_levels(followups, wave=rep.waves[-1], lang=lang, min_cell=min_cell)
        )
    )
    # primary ANCOVA: baseline outcome, pre-specified baseline covariates, strata fixed effects
    impacts = estimate_impacts(
        followups, outcomes=REPORT_OUTCOMES, waves=rep.waves, strata=STRATA, level=LEVEL, seed=seed
    )
    rep.keep_summary("impacts", impacts, level=LEVEL, strata=STRATA)  # for the overview's forest
    impacts = mark_prespecified(impacts, rep.plan)  # declared in the plan, or exploratory
    display(
        rep.pack.figure(
            plots.coefficients.plot(impacts, level=LEVEL, lang=lang, min_cell=min_cell),
            "impacts",
            headline=True,
        )
    )
    display(
        nar.bullets(
            nar.impact_lines(
                nar.select(impacts, comparison=rep.plan.design.control),
                lang=lang,
                level=LEVEL,
                min_cell=min_cell,
            )
        )
    )
    display(
        rep.pack.table(
            tables.impact_reader(impacts, lang=lang, level=LEVEL, min_cell=min_cell),
            "impacts",
            title=rep.t("section.impacts"),
        )
    )

# %%
if FOLLOW_UP:  # impacts need a follow-up wave (none yet: a baseline report)
    display(nar.heading("section.robustness", lang, level=3))
    without_covariates = estimate_impacts(
        followups,
        outcomes=REPORT_OUTCOMES,
        waves=rep.waves,
        strata=STRATA,
        level=LEVEL,
        seed=seed,
        covariates=(),
    )
    display(
        rep.pack.table(
            tables.robustness_reader(
                impacts, without_covariates, lang=lang, level=LEVEL, min_cell=min_cell
            ),
            "robustness",
            title=rep.t("section.robustness"),
        )
    )

# %%
if FOLLOW_UP:  # impacts need a follow-up wave (none yet: a baseline report)
    display(
        rep.pack.figure(
            plots.trajectories.plot(rep.data, y="unemployed_bps", lang=lang, min_cell=min_cell),
            "trajectory_unemployment",
        )
    )
    display(
        rep.pack.figure(
            plots.trajectories.plot(rep.data, y="income_household", lang=lang, min_cell=min_cell),
            "trajectory_income",
        )
    )
    display(
        rep.pack.figure(
            plots.income.plot(rep.data, y="income_household", lang=lang, min_cell=min_cell),
            "income_distribution",
        )
    )
    display(
        rep.pack.figure(
            plots.trajectories.plot(rep.data, y="awareness_anderson", lang=lang, min_cell=min_cell),
            "trajectory_awareness",
        )
    )
    display(
        rep.pack.figure(
            plots.awareness.plot(rep.data, wave=rep.waves[-1], lang=lang, min_cell=min_cell),
            "awareness_items",
        )
    )

# %%
if FOLLOW_UP:  # impacts need a follow-up wave (none yet: a baseline report)
    display(nar.heading("section.mentoring_vs_charitable", lang))
    display(nar.bullets(nar.mentoring_vs_charitable_lines(impacts, lang=lang, min_cell=min_cell)))

# %%
if FOLLOW_UP:  # impacts need a follow-up wave (none yet: a baseline report)
    display(nar.heading("section.heterogeneity", lang))
    # one interacted model (arm x sex) per outcome and wave; its interaction test, adjusted
    by_sex = estimate_heterogeneity(
        followups,
        outcomes=PRIMARY_OUTCOMES,
        waves=rep.waves,
        by="sex",
        strata=STRATA,
        level=LEVEL,
        seed=seed,
    )
    display(nar.bullets(nar.heterogeneity_lines(by_sex, lang=lang, min_cell=min_cell)))
    display(
        rep.pack.table(
            tables.heterogeneity_reader(by_sex, lang=lang, level=LEVEL, min_cell=min_cell),
            "heterogeneity",
            title=rep.t("section.heterogeneity"),
        )
    )

# %%
if FOLLOW_UP:  # attrition needs a follow-up wave (none yet: a baseline report)
    # response rates by arm and wave, differential attrition with the impact tables'
    # inference, Lee bounds trimmed within strata (the overview's section, on this district)
    attrition = attrition_section(rep, outcomes=PRIMARY_OUTCOMES, strata=STRATA, level=LEVEL)
    for item in attrition.items:
        display(item)

# %%
from jbp_analysis.analyses.cost_effectiveness import cost_effectiveness_from_impacts

if FOLLOW_UP:  # impacts need a follow-up wave (none yet: a baseline report)
    display(nar.heading("section.cost", lang))
    per_participant = cost_per_participant_view(rep.costs, rep.panel)
    display(Markdown(nar.cost_text(per_participant, lang=lang)))
    display(
        rep.pack.figure(
            plots.cost_effectiveness.plot(per_participant, lang=lang, min_cell=min_cell),
            "cost_per_participant",
        )
    )
    # the effects and their intervals are the impact table's own (same ANCOVA, same inference)
    ce = cost_effectiveness_from_impacts(
        rep.costs,
        impacts[impacts["wave"].astype(str) == rep.waves[-1]],
        participants=roster_by_group(rep.panel),
        level=LEVEL,
    )
    display(
        rep.pack.table(
            tables.ce_reader(ce.tidy(), lang=lang),
            "cost_effectiveness",
            title=rep.t("section.cost"),
        )
    )

# %%
from jbp_analysis.plots import poverty as poverty_chart
from jbp_analysis.report import poverty as pov

if FOLLOW_UP:  # impacts need a follow-up wave (none yet: a baseline report)
    if pov.has_poverty(rep.data):  # the consumption module was asked: BPS lines, FGT P0/P1
        display(nar.heading("poverty.section", lang))
        display(Markdown(rep.t("poverty.intro")))
        display(
            rep.pack.table(
                pov.share_reader(rep.data, lang=lang, min_cell=min_cell),
                "poverty_share",
                title=rep.t("poverty.share_table"),
            )
        )
        display(
            rep.pack.figure(
                poverty_chart.plot(rep.data, wave=rep.waves[-1], lang=lang, min_cell=min_cell),
                "poverty_distribution",
            )
        )
        # the P0 effect and its interval are the impact table's own (same ANCOVA, same inference)
        for item in lifted_section(rep, impacts=impacts, wave=rep.waves[-1], level=LEVEL).items:
            display(item)
        display(Markdown(pov.lines_note(rep.data, lang=lang)))

# %%
# every difference from the registered plan; the robustness check is an added analysis
for item in deviations_section(
    rep, estimates=impacts if FOLLOW_UP else None, exploratory=[rep.t("section.robustness")]
).items:
    display(item)

# %%
display(nar.heading("section.caveats", lang))
display(
    nar.bullets(
        nar.caveat_lines(
            n_groups=rep.panel["group_id"].nunique(),
            min_cell=min_cell,
            lang=lang,
            simulated=rep.simulated,
            province=rep.is_province,
            attrition=FOLLOW_UP,  # "see the attrition section": there is one
        )
    )
)
rep.pack.set_headline(
    district=rep.code,
    label=rep.label,
    n_respondents=int(rep.panel["respondent_id"].nunique()),
    n_groups=int(rep.panel["group_id"].nunique()),
    impacts=nar.headline(impacts, outcomes=OUTCOME_LIST, min_cell=min_cell) if FOLLOW_UP else {},
)
report_dir = rep.pack.close()
