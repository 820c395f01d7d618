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
# # Data quality (exploratory, for researchers)
#
# What the cleaning step did and what it left: row accounting per raw file, corrections by rule,
# rejects by reason, duplicate sets awaiting the field team, item non-response by district and
# wave, enumerator flags and response rates. Everything comes from `quality.json` and the
# processed panel written by `jbp clean` (run `make report` first). No values of individual
# respondents are shown. Labels here are the cleaning step's codes, for researchers; the reader
# reports translate them.

# %% tags=["parameters"]
district: str = "all"  # BPS code such as 3322 to focus the district tables, or all
waves: list = ["endline", "followup"]  # follow-up waves for the response-rate table
lang: str = "en"  # language of chart labels: id (Bahasa Indonesia) or en (English)
output_dir: str = ""  # unused here: this notebook writes nothing
reports_root: str = "reports"  # unused here: this notebook writes nothing
processed_dir: str = "data/processed"  # cleaned data written by `jbp clean` (or `make report`)
seed: int = 20170401  # unused here: nothing random
min_cell: int = 10  # shares over fewer respondents are not shown

# %%
import pandas as pd
from IPython.display import Markdown, display

from jbp_analysis.i18n import arm_label, check_lang, wave_label
from jbp_analysis.plots import apply_theme
from jbp_analysis.report.disclosure import suppress
from jbp_analysis.report.setup import report_data
from jbp_analysis.study.reference import district_label, resolve_district

lang = check_lang(lang)
apply_theme()
data = report_data(processed_dir, lang=lang)
quality, panel = data["quality"], data["panel"]
code = None if str(district).lower() == "all" else resolve_district(district)
display(
    Markdown(
        f"Codebook version: `{quality.get('codebook_version', '?')}`; "
        f"{panel['district_code'].nunique()} districts, "
        f"{panel['respondent_key'].nunique():,} respondents on the baseline roster."
    )
)

# %% [markdown]
# ## Row accounting
# Every raw row is kept, rejected with a reason, or dropped as a duplicate:
# `rows_in = kept + rejected + exact_duplicates + near_duplicates + decided_duplicates`.

# %%
accounting = pd.DataFrame(quality.get("accounting", []))
parts = ["kept", "rejected", "exact_duplicates", "near_duplicates", "decided_duplicates"]
accounting = accounting.assign(balanced=accounting["rows_in"] == accounting[parts].sum(axis=1))
display(accounting)

# %% [markdown]
# ## Corrections and rejects

# %%
rules = pd.Series(quality.get("cleaning_log_by_rule", {}), name="cells").sort_values()
reasons = pd.Series(quality.get("rejects_by_reason", {}), name="rows").sort_values()
ax = rules.plot.barh(title="Cleaning-log entries by rule", xlabel="cells changed")
display(ax.figure)
display(reasons.to_frame())
display(pd.Series(quality.get("duplicates", {}), name="sets").to_frame())

# %% [markdown]
# ## Item non-response
# Share of *due* answers left blank (skip logic respected), by variable and district, per wave.
# Cells over fewer than the cleaning step's minimum are blank.

# %%
missing = pd.DataFrame(quality.get("missingness", []))
if code is not None:
    missing = missing[missing["district_code"].astype(str) == code]
for wave, part in missing.groupby("wave", sort=False):
    wide = part.pivot(index="variable", columns="district_code", values="share")
    wide = wide.loc[wide.max(axis=1).sort_values(ascending=False).index]
    display(Markdown(f"**{wave_label(wave, lang)}**: the 10 variables with most blanks"))
    display(wide.head(10).style.format("{:.1%}", na_rep="").background_gradient(cmap="Reds"))

# %% [markdown]
# ## Enumerators and outliers

# %%
enumerators = pd.DataFrame(quality.get("enumerators", []))
display(Markdown(f"{int(enumerators['flagged'].sum())} of {len(enumerators)} enumerators flagged."))
display(enumerators.sort_values(["flagged", "short_share"], ascending=False).head(10))
display(pd.DataFrame(quality.get("outliers", [])))

# %% [markdown]
# ## Response rates by district, arm and wave
# Baseline roster members interviewed again; cells from fewer than `min_cell` are suppressed.

# %%
rows = panel if code is None else panel[panel["district_code"].astype(str) == code]
rows = rows[rows["wave"].astype(str).isin(waves)]
rates = (
    rows.groupby(["district_code", "wave", "arm"], observed=True)["responded"]
    .agg(n="size", rate="mean")
    .reset_index()
)
rates = suppress(rates, count="n", values=["rate"], min_cell=min_cell, lang=lang).table
rates["district"] = [district_label(str(c)) for c in rates["district_code"]]
rates["arm"] = [arm_label(str(a), lang) for a in rates["arm"]]
display(rates.pivot(index="district", columns=["wave", "arm"], values="rate"))
