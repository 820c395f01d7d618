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
# # JBP provincial overview
#
# Researcher notes (removed from the reader HTML): pooled impacts with the randomisation
# strata (district x cohort) as fixed effects, one
# estimate per district (forest plots) and a ranking, pooled attrition with Lee bounds, and the
# deviations from the analysis plan (the same sections as the district report, from
# `jbp_analysis.report.sections`). `jbp report --all` runs it after the
# district reports. Missing data? Run `make report`.

# %% tags=["parameters"]
district: str = "all"  # always all: the overview pools every district in the processed data
waves: list = ["endline", "followup"]  # survey waves whose impacts are reported
lang: str = "id"  # language of every visible word: id (Bahasa Indonesia) or en (English)
output_dir: str = ""  # report folder; empty means <reports_root>/33-jawa-tengah
reports_root: str = "reports"  # nothing is written outside this folder (relative to the project)
processed_dir: str = "data/processed"  # cleaned data written by `jbp clean` (or `make report`)
seed: int = 20170401  # seed for anything random in the analysis
min_cell: int = 0  # fewest respondents behind a published number; 0: the plan's min_cell

# %%
import pandas as pd
from IPython.display import Markdown, display

from jbp_analysis import plots
from jbp_analysis.report import narrative as nar
from jbp_analysis.report import tables
from jbp_analysis.report.contrasts import headline_contrast
from jbp_analysis.report.deviations import mark_prespecified, plan_line
from jbp_analysis.report.estimable import PRIMARY_OUTCOMES, REPORT_OUTCOMES, estimate_impacts
from jbp_analysis.report.sections import attrition_section, deviations_section, lifted_section
from jbp_analysis.report.setup import start_report

rep = start_report(
    district="all",
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
HEAD_ARM, HEAD_VS = headline_contrast(rep.plan)  # the forest plots' contrast (the plan's)
STRATA = "stratum"  # randomisation strata: district x cohort
FOLLOW_UP = bool(rep.waves)  # False until a follow-up wave is collected: a baseline report
LAST_WAVE = rep.waves[-1] if FOLLOW_UP else "baseline"
FOREST_WAVE = nar.wave_label(LAST_WAVE, lang)
followups = rep.data[rep.data["wave"].astype(str).isin(rep.waves) & rep.data["responded"]]
display(nar.heading("overview.title", lang, level=1))
display(Markdown(nar.intro_text(rep.panel, label=rep.label, lang=lang)))
display(Markdown(plan_line(rep.plan, lang)))
if not FOLLOW_UP:
    display(Markdown(rep.t("report.baseline_only")))

# %%
if FOLLOW_UP:  # impacts need a follow-up wave (none yet: a baseline report)
    display(nar.heading("section.pooled", lang))
    display(Markdown(nar.unemployment_text(lang)))
    display(
        Markdown(
            nar.unemployment_levels(followups, wave=rep.waves[-1], lang=lang, min_cell=min_cell)
        )
    )
    pooled = estimate_impacts(
        followups,
        outcomes=REPORT_OUTCOMES,
        waves=rep.waves,
        strata=STRATA,
        level=LEVEL,
        seed=seed,
    )
    pooled = mark_prespecified(pooled, rep.plan)  # declared in the plan, or exploratory
    display(
        rep.pack.figure(
            plots.coefficients.plot(pooled, level=LEVEL, lang=lang, min_cell=min_cell),
            "impacts",
            headline=True,
        )
    )
    display(
        nar.bullets(
            nar.pooled_lines(
                pooled, n_districts=len(rep.districts), lang=lang, level=LEVEL, min_cell=min_cell
            )
        )
    )
    display(
        rep.pack.table(
            tables.impact_reader(pooled, lang=lang, level=LEVEL, min_cell=min_cell),
            "pooled",
            title=rep.t("section.pooled"),
        )
    )

# %%
if FOLLOW_UP:  # impacts need a follow-up wave (none yet: a baseline report)
    display(nar.heading("section.forest", lang))
    # each district's estimates as its own report has them (estimated here if it has none)
    by_district = rep.district_impacts(followups, wave=LAST_WAVE, level=LEVEL, strata=STRATA)
    by_district = mark_prespecified(by_district, rep.plan)  # as in each district's report
    for outcome in OUTCOME_LIST:
        display(
            rep.pack.figure(
                plots.forest.plot(
                    nar.select(by_district, arm=HEAD_ARM, comparison=HEAD_VS, outcome=outcome),
                    outcome=outcome,
                    scale=100 if nar.unit_of(outcome) == "share" else 1,
                    xlabel=nar.forest_xlabel(outcome, wave=FOREST_WAVE, lang=lang),
                    lang=lang,
                    min_cell=min_cell,
                    pooled=nar.select(
                        pooled,
                        arm=HEAD_ARM,
                        comparison=HEAD_VS,
                        outcome=outcome,
                        wave=LAST_WAVE,
                    ).iloc[0],
                ),
                f"forest_{outcome}",
            )
        )

# %%
if FOLLOW_UP:  # impacts need a follow-up wave (none yet: a baseline report)
    display(nar.heading("section.ranking", lang))
    RANK_OUTCOME = OUTCOME_LIST[0]
    display(Markdown(nar.ranking_text(outcome=RANK_OUTCOME, wave=LAST_WAVE, lang=lang)))
    display(
        rep.pack.table(
            tables.ranking_reader(
                by_district,
                outcome=RANK_OUTCOME,
                wave=LAST_WAVE,
                better=nar.better(RANK_OUTCOME),
                lang=lang,
                level=LEVEL,
                min_cell=min_cell,
            ),
            "ranking",
            title=rep.t("section.ranking"),
        )
    )
    by_district_table = rep.pack.table(  # in the workbook, with a district column; not shown
        tables.impact_reader(by_district, lang=lang, level=LEVEL, min_cell=min_cell),
        "by_district",
        title=rep.t("section.forest"),
    )

# %%
if FOLLOW_UP:  # attrition needs a follow-up wave (none yet: a baseline report)
    # every randomised youth of the province: response rates by arm and wave, differential
    # attrition with the impact tables' inference, Lee bounds trimmed within district x cohort
    attrition = attrition_section(
        rep,
        outcomes=PRIMARY_OUTCOMES,
        strata=STRATA,
        level=LEVEL,
        notes=[rep.t("overview.attrition_pooled", n_districts=len(rep.districts))],
    )
    for item in attrition.items:
        display(item)

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
                poverty_chart.plot(rep.data, wave=LAST_WAVE, lang=lang, min_cell=min_cell),
                "poverty_distribution",
            )
        )
        # the pooled P0 effect and its interval (same ANCOVA, same inference) per rupiah of
        # the province: every district's costs and rosters
        for item in lifted_section(
            rep,
            impacts=pooled,
            wave=LAST_WAVE,
            level=LEVEL,
            notes=[rep.t("overview.lifted_pooled", n_districts=len(rep.districts))],
        ).items:
            display(item)
        display(Markdown(pov.lines_note(rep.data, lang=lang)))

# %%
# every difference from the registered plan; the district ranking is an added analysis
for item in deviations_section(
    rep, estimates=pooled if FOLLOW_UP else None, exploratory=[rep.t("section.ranking")]
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
            province=True,
            attrition=FOLLOW_UP,  # "see the attrition section": there is one
        )
    )
)
rep.pack.set_headline(
    district="all",
    label=rep.label,
    n_districts=len(rep.districts),
    n_respondents=int(rep.panel["respondent_id"].nunique()),
    n_groups=int(rep.panel["group_id"].nunique()),
    impacts=nar.headline(pooled, outcomes=OUTCOME_LIST, min_cell=min_cell) if FOLLOW_UP else {},
)
report_dir = rep.pack.close()
