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

# %% [markdown]
# # Index construction (exploratory, for researchers)
#
# How the outcome indicators of `jbp_analysis.outcomes.build` are built from the processed panel:
# labour-force status (BPS Sakernas / ILO), the income measures and their winsorisation, and the
# critical-awareness scale (items reverse-coded and standardised on the control arm at baseline;
# Anderson 2008 inverse-covariance weights; Kling, Liebman & Katz 2007 equal weights; Cronbach's
# alpha). Run `make report` first.

# %% tags=["parameters"]
district: str = "all"  # BPS code such as 3322 to look at one district, or all
waves: list = ["endline", "followup"]  # follow-up waves shown next to the baseline
lang: str = "en"  # language of labels: id (Bahasa Indonesia) or en (English)
output_dir: str = ""  # unused here: this notebook writes nothing
reports_root: str = "reports"  # unused here: this notebook writes nothing
processed_dir: str = "data/processed"  # cleaned data written by `jbp clean` (or `make report`)
seed: int = 20170401  # unused here: nothing random
min_cell: int = 10  # cells over fewer respondents are not shown

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from jbp_analysis.i18n import check_lang, item_label
from jbp_analysis.outcomes.build import awareness_scale, cronbach_alpha, tpt_rate
from jbp_analysis.plots import apply_theme
from jbp_analysis.report.disclosure import suppress
from jbp_analysis.report.setup import report_data
from jbp_analysis.study.reference import resolve_district

lang = check_lang(lang)
apply_theme()
data = report_data(processed_dir, lang=lang)
out = data["outcomes"]
if str(district).lower() != "all":
    out = out[out["district_code"].astype(str) == resolve_district(district)]
shown_waves = ["baseline", *waves]
resp = out[out["responded"] & out["wave"].astype(str).isin(shown_waves)]

# %% [markdown]
# ## Labour-force status
# Employed: worked at least one hour last week or temporarily absent. Unemployed: not employed and
# looking for work, preparing a business or available. `openly_unemployed` (over everyone) is the
# impact outcome; the TPT (over the labour force) is BPS's headline rate.

# %%
status = resp.groupby(["wave", "arm"], observed=True)["lf_status"].value_counts(normalize=True)
display(status.unstack().style.format("{:.1%}"))
display(tpt_rate(resp, by=["wave", "arm"]).round(2))

# %% [markdown]
# ## Income
# Household income is winsorised at the 99th percentile within wave; the inverse hyperbolic
# sine is there for skewness checks.

# %%
cols = ["household_income", "income_household", "income_household_ihs", "income_per_capita"]
q = resp.groupby("wave", observed=True)[cols].quantile([0.5, 0.9, 0.99, 1.0]).unstack()
display(q.round(0))

# %% [markdown]
# ## Critical-awareness scale
# Fitted on the control arm at baseline, over every district, so that every wave and district
# is on the same scale.

# %%
scale = awareness_scale(data["panel"])
items = pd.DataFrame(
    {
        "item": [item_label(i, lang) for i in scale.items],
        "reversed": [i in scale.reversed_items for i in scale.items],
        "reference mean": np.round(scale.item_mean, 3),
        "reference SD": np.round(scale.item_sd, 3),
        "Anderson weight": np.round(scale.weights, 3),
    }
)
display(items)
display(
    Markdown(
        f"Cronbach's alpha on the reference sample ({scale.n_reference} respondents): "
        f"**{scale.alpha:.3f}**; alpha on every baseline respondent: "
        f"**{cronbach_alpha(scale.reverse(out[out['wave'].astype(str) == 'baseline'])):.3f}**."
    )
)

# %%
corr = pd.DataFrame(scale.zscores(resp), columns=[item_label(i, lang) for i in scale.items]).corr()
display(corr.style.format("{:.2f}").background_gradient(cmap="RdBu_r", vmin=-1, vmax=1))

# %% [markdown]
# The two indices by arm and wave (means in control-at-baseline SDs), and how closely they agree.

# %%
means = resp.groupby(["wave", "arm"], observed=True)[["awareness_anderson", "awareness_klk"]].agg(
    ["mean", "size"]
)
means.columns = ["anderson", "n", "klk", "n_klk"]
means = suppress(
    means.drop(columns="n_klk").reset_index(),
    count="n",
    values=["anderson", "klk"],
    min_cell=min_cell,
).table
display(means.round(3))
display(
    Markdown(
        f"Correlation of the Anderson and KLK indices: "
        f"**{resp[['awareness_anderson', 'awareness_klk']].corr().iloc[0, 1]:.3f}**."
    )
)
