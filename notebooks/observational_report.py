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
# Researcher notes. For evaluations where kelompok were **not** assigned at random (the study
# plan's `design: observational`): participants are compared with similar non-participants on
# baseline characteristics (selection on observables) and with the doubly robust
# difference-in-differences of Sant'Anna & Zhao (2020). Every number comes from
# `jbp_analysis.observational` (see docs/observational.md). English only for now.

# %% tags=["parameters"]
district: str = "all"  # BPS code such as 3322, or all: whose respondents are compared
waves: list = ["followup"]  # post-programme survey waves whose effects are estimated
lang: str = "en"  # language of the text: only en (English) is written so far
output_dir: str = ""  # unused: this notebook writes no files, it only displays
reports_root: str = "reports"  # unused: every report notebook takes the same parameters
processed_dir: str = "data/processed"  # cleaned data written by `jbp clean` (or `make report`)
seed: int = 20170401  # seed for anything random in the analysis (none at present)
min_cell: int = 10  # disclosure control: fewest respondents in either group to show an estimate

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from jbp_analysis import load
from jbp_analysis.observational import plot_love
from jbp_analysis.observational.report import observational_analysis

data = load(processed_dir)
panel = data.outcomes()
panel = panel if district == "all" else panel[panel["district_code"].astype(str).eq(district)]
OUTCOME = "income_household"  # monthly household income, rupiah
COVARIATES = ["age", "female", "education", "runs_business"]  # measured at baseline
TREATED = data.design.treatments[-1]
analyses = {
    wave: observational_analysis(
        panel,
        outcome=OUTCOME,
        covariates=COVARIATES,
        control=data.design.control,
        treated=TREATED,
        post=wave,
        cluster=data.design.cluster,
    )
    for wave in waves
}
first = analyses[waves[0]]
display(Markdown(f"## {TREATED} compared with {data.design.control}: an observational comparison"))

# %% [markdown]
# ## Who can be compared: overlap of the propensity score

# %%
display(first.overlap.tidy())
first.overlap.plot()
plt.show()

# %% [markdown]
# ## Balance of baseline characteristics before and after weighting

# %%
display(first.balance.round(3))
plot_love(first.balance)
plt.show()

# %% [markdown]
# ## Estimated effect on participants, by method

# %%
for wave, a in analyses.items():
    shown = min(a.primary.n_treated, a.primary.n_control) >= min_cell
    display(Markdown(f"### {wave}"))
    display(
        a.estimates.round(3)
        if shown
        else Markdown(f"Fewer than {min_cell} respondents in a group: not shown.")
    )
    display(Markdown(a.text() if shown else ""))
    display(a.evalue.round(3))
    display(Markdown("\n".join(f"- {n}" for n in a.notes)))
