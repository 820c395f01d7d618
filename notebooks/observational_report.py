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
# # JBP observational report
#
# Researcher notes (removed from the reader HTML). For evaluations where kelompok were **not**
# assigned at random: the study plan's `design: type: observational` makes `jbp report` run this
# notebook instead of the district report. Participants are compared with similar
# non-participants on baseline characteristics (selection on observables: IPW, AIPW, entropy
# balancing, matching) and with the doubly robust difference-in-differences of Sant'Anna & Zhao
# (2020). Every number comes from `jbp_analysis.observational` (see docs/observational.md); the
# words never call the comparison an experiment.

# %% tags=["parameters"]
district: str = "3373"  # BPS code such as 3322, or an exact name such as Kota Salatiga, or all
waves: list = ["endline", "followup"]  # survey waves whose effects are reported
lang: str = "id"  # language of every visible word: id (Bahasa Indonesia) or en (English)
output_dir: str = ""  # report folder; empty means <reports_root>/<code>-<slug>
reports_root: str = "reports"  # nothing is written outside this folder (relative to the project)
processed_dir: str = "data/processed"  # cleaned data written by `jbp clean` (or `make report`)
seed: int = 20170401  # seed for anything random in the analysis
min_cell: int = 0  # fewest respondents behind a published number; 0: the plan's min_cell

# %%
import pandas as pd
from IPython.display import Markdown, display

from jbp_analysis.report import narrative as nar
from jbp_analysis.report.deviations import plan_line
from jbp_analysis.report.observational import (
    balance_text,
    estimates_reader,
    inference_text,
    love_figure,
    observational_sections,
    overlap_figure,
    result_text,
    warning_texts,
)
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
display(nar.heading("obs.title", lang, level=1, district=rep.label))
display(Markdown(rep.t("obs.intro")))
display(Markdown(plan_line(rep.plan, lang)))
# one analysis per primary outcome of the plan and follow-up wave (the last wave first)
sections = observational_sections(rep, covariates=rep.plan.covariates)

# %%
if sections:
    first = sections[0]
    display(nar.heading("obs.overlap", lang))
    display(Markdown(rep.t("obs.overlap_text")))
    display(rep.pack.figure(overlap_figure(first, lang=lang), "overlap"))
    display(nar.heading("obs.balance", lang))
    display(Markdown(balance_text(first, lang=lang)))
    display(rep.pack.figure(love_figure(first, lang=lang), "balance_love"))
else:
    display(Markdown(rep.t("report.baseline_only")))

# %%
if sections:
    display(nar.heading("obs.estimates", lang))
    for s in sections:
        display(Markdown(result_text(s, lang=lang, min_cell=min_cell)))
    display(Markdown(inference_text(sections, plan=rep.plan, lang=lang)))
    display(
        rep.pack.table(
            estimates_reader(sections, plan=rep.plan, lang=lang, min_cell=min_cell),
            "observational_estimates",
            title=rep.t("obs.estimates"),
        )
    )

# %%
display(nar.heading("obs.warnings", lang))
alerts = warning_texts(sections, lang=lang)
display(Markdown("\n".join(f"- {a}" for a in alerts) if alerts else rep.t("obs.warn.none")))
display(nar.heading("section.caveats", lang))
display(Markdown(rep.t("obs.caveat")))
rep.pack.set_headline(
    district=rep.code,
    label=rep.label,
    design="observational",
    n_respondents=int(rep.panel["respondent_id"].nunique()),
    n_groups=int(rep.panel["group_id"].nunique()),
)
report_dir = rep.pack.close()
