"""Narrative sentences for the reports, built from computed numbers (never typed in).

Every function takes a tidy result (``impact_table`` rows, response rates, cost table, the
cleaning step's ``quality.json``) and returns Markdown text in the reader's language; numbers are
formatted by the outcome's unit (percentage points, rupiah, standard deviations). Cells resting on
fewer than ``min_cell`` respondents, and cells that could not be estimated, are left out.

Examples
--------
>>> import pandas as pd
>>> tidy = pd.DataFrame({"outcome": ["openly_unemployed"], "contrast": ["pendampingan - kontrol"],
...     "estimate": [-0.052], "ci_low": [-0.09], "ci_high": [-0.014], "p_value": [0.008],
...     "n_obs": [300], "wave": ["endline"]})
>>> print(impact_lines(tidy, lang="en")[0])
Endline (m 4): Mentoring vs Control, impact on open unemployment −5.2 pp (95% confidence interval −9.0 pp to −1.4 pp; p = 0.008).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown

from jbp_analysis.i18n import (
    arm_label,
    contrast_arms,
    contrast_label,
    fmt_number,
    fmt_pct,
    fmt_rp,
    fmt_signed,
    outcome_about,
    t,
    wave_label,
)
from jbp_analysis.report.contrasts import between_treatments, control_arm, headline_contrast
from jbp_analysis.report.disclosure import MARKER, is_small
from jbp_analysis.study.codebook import load_codebook
from jbp_analysis.study.plan import default_plan

__all__ = [
    "forest_xlabel",
    "unit_of",
    "better",
    "fmt_effect",
    "fmt_value",
    "fmt_p",
    "heading",
    "bullets",
    "select",
    "reportable",
    "intro_text",
    "quality_numbers",
    "quality_text",
    "balance_text",
    "impact_lines",
    "mentoring_vs_charitable_lines",
    "heterogeneity_lines",
    "unemployment_text",
    "unemployment_levels",
    "lee_text",
    "attrition_lines",
    "cost_text",
    "pooled_lines",
    "caveat_lines",
    "headline",
    "ranking_text",
    "wave_label",
]


def unit_of(variable: str) -> str:
    """``"share"``, ``"rupiah"``, ``"sd"`` or ``"number"``: the study plan's unit for its
    outcomes, else the variable's kind (:meth:`~jbp_analysis.study.plan.AnalysisPlan.unit_of`)."""
    return default_plan().unit_of(variable)


#: Catalogue key of the axis unit of an effect, by the outcome's unit (none for an index).
_EFFECT_UNIT_KEYS = {"share": "unit.pp", "rupiah": "unit.rp_month", "sd": "unit.sd"}


def forest_xlabel(outcome: str, *, wave: str, lang: str = "id") -> str:
    """The forest plot's axis title: the impact at ``wave`` and, when the outcome has one, the
    unit of the effect (an index such as the poverty gap has none: no empty brackets).

    Examples
    --------
    >>> forest_xlabel("unemployed_bps", wave="Follow-up", lang="en")
    'Impact of mentoring vs control, Follow-up (percentage points)'
    >>> forest_xlabel("poverty_gap", wave="Follow-up", lang="en")
    'Impact of mentoring vs control, Follow-up'
    """
    key = _EFFECT_UNIT_KEYS.get(unit_of(outcome))
    if key is None:
        return t("chart.forest.xlabel_plain", lang, wave=wave)
    return t("chart.forest.xlabel", lang, wave=wave, unit=t(key, lang))


def better(outcome: str) -> int:
    """+1 when higher is better, -1 when lower is (the plan's ``direction``; for rankings)."""
    return default_plan().better(outcome)


def _finite(x: Any) -> bool:
    try:
        return x is not None and x is not pd.NA and bool(np.isfinite(float(x)))
    except (TypeError, ValueError):
        return False


def fmt_effect(value: float, outcome: str, lang: str = "id") -> str:
    """An effect in the outcome's unit: ``-0.052`` unemployed -> ``"−5,2 pp"``.

    Examples
    --------
    >>> fmt_effect(-0.052, "openly_unemployed"), fmt_effect(481_000, "income_household", "en")
    ('−5,2 pp', '+Rp 481k')
    """
    if not _finite(value):
        return "-"
    unit = unit_of(outcome)
    if unit == "share":
        return fmt_signed(100 * value, lang, decimals=1, suffix=" " + t("unit.pp_short", lang))
    if unit == "rupiah":
        return fmt_rp(value, lang, signed=True)
    if unit == "sd":
        return fmt_signed(value, lang, decimals=2, suffix=" " + t("unit.sd", lang))
    return fmt_signed(value, lang, decimals=2)


def fmt_value(value: float, variable: str, lang: str = "id") -> str:
    """A level (a mean) in the variable's unit: shares as %, rupiah compact, else 1-2 decimals.

    Examples
    --------
    >>> fmt_value(0.62, "female"), fmt_value(2_751_458, "income_household"), fmt_value(21.57, "age")
    ('62,0%', 'Rp 2,8 jt', '21,6')
    """
    if not _finite(value):
        return "-"
    unit = unit_of(variable)
    if unit == "share":
        return fmt_pct(value, lang, decimals=1)
    if unit == "rupiah":
        return fmt_rp(value, lang)
    if unit == "sd":
        return fmt_number(value, lang, decimals=2)
    return fmt_number(value, lang, decimals=1)


def fmt_p(p: float, lang: str = "id") -> str:
    """A p-value with three decimals, ``< 0,001`` below that."""
    if not _finite(p):
        return "-"
    if p < 0.001:
        return "< " + fmt_number(0.001, lang, decimals=3)
    return fmt_number(p, lang, decimals=3)


def heading(key: str, lang: str = "id", *, level: int = 2, **values: Any) -> Markdown:
    """A Markdown heading from the translation table."""
    return Markdown("#" * level + " " + t(key, lang, **values))


def bullets(lines: Iterable[str]) -> Markdown:
    """Markdown bullet list."""
    return Markdown("\n".join(f"- {x}" for x in lines))


def select(
    tidy: pd.DataFrame,
    *,
    arm: str | None = None,
    comparison: str | None = None,
    outcome: str | None = None,
    wave: str | None = None,
) -> pd.DataFrame:
    """Rows of a stacked tidy impact table for one contrast (``arm`` vs ``comparison``) etc."""
    keep = pd.Series(True, index=tidy.index)
    if arm is not None or comparison is not None:
        pairs = tidy["contrast"].map(contrast_arms)
        if arm is not None:
            keep &= pairs.str[0] == arm
        if comparison is not None:
            keep &= pairs.str[1] == comparison
    if outcome is not None:
        keep &= tidy["outcome"] == outcome
    if wave is not None and "wave" in tidy:
        keep &= tidy["wave"].astype(str) == wave
    return tidy.loc[keep]


def reportable(tidy: pd.DataFrame, *, min_cell: int = 10) -> pd.DataFrame:
    """Rows that may be published: estimated, and from at least ``min_cell`` respondents."""
    keep = ~is_small(tidy["n_obs"].to_numpy(), min_cell)
    keep &= pd.to_numeric(tidy["estimate"], errors="coerce").notna().to_numpy()
    if "estimable" in tidy:
        keep &= tidy["estimable"].fillna(False).to_numpy(dtype=bool)
    return tidy.loc[keep]


def intro_text(panel: pd.DataFrame, *, label: str, lang: str = "id") -> str:
    """One sentence: groups, young people and arms in the report."""
    base = panel.loc[panel["wave"].astype(str) == "baseline", ["arm", "group_id", "respondent_id"]]
    present = set(base["arm"].astype(str).unique())  # once, not once per arm
    arms = [a for a in load_codebook().arms if a in present]
    names = ", ".join(arm_label(a, lang, long=True) for a in arms)
    return t(
        "narr.intro",
        lang,
        n_groups=base["group_id"].nunique(),
        n=fmt_number(base["respondent_id"].nunique(), lang, decimals=0),
        district=label,
        arms=names,
    )


#: Cleaning-log rules that record dropped duplicates, not corrected values.
DUPLICATE_RULES = frozenset({"exact_duplicate", "near_duplicate", "duplicate_decision"})


def quality_numbers(quality: Mapping[str, Any], *, district: str | None = None) -> dict | None:
    """Headline counts of ``quality.json``: respondent-file row accounting, logged changes and,
    for ``district``, ``missing`` = ``{wave: (blank, due)}`` from the item non-response table.

    Returns ``None`` when ``quality.json`` does not have the cleaning step's schema.
    """
    acc = quality.get("accounting")
    if not isinstance(acc, list) or not acc:
        return None
    resp = [r for r in acc if r.get("module") == "respondent"] or acc
    total = {
        k: int(sum(r.get(k, 0) or 0 for r in resp))
        for k in (
            "rows_in",
            "kept",
            "rejected",
            "exact_duplicates",
            "near_duplicates",
            "decided_duplicates",
        )
    }
    out = {k: total[k] for k in ("rows_in", "kept", "rejected")}
    out["duplicates"] = (
        total["exact_duplicates"] + total["near_duplicates"] + total["decided_duplicates"]
    )
    rules = quality.get("cleaning_log_by_rule") or {}
    out["changes"] = int(sum(n for r, n in rules.items() if r not in DUPLICATE_RULES))
    if district is not None:
        miss: dict[str, tuple[int, int]] = {}
        for r in quality.get("missingness") or []:
            if str(r.get("district_code")) != str(district):
                continue
            w = str(r.get("wave"))
            m, d = miss.get(w, (0, 0))
            miss[w] = (m + int(r.get("missing") or 0), d + int(r.get("due") or 0))
        out["missing"] = {w: v for w, v in miss.items() if v[1] > 0}
    return out


def quality_text(
    quality: Mapping[str, Any], *, district: str | None = None, label: str = "", lang: str = "id"
) -> str:
    """The data-quality sentences from the cleaning step's ``quality.json``.

    Row accounting of the respondent files (all districts: the exports are not split by
    district) and, for a district report, the share of required answers left blank there.

    Examples
    --------
    >>> q = {"accounting": [{"module": "respondent", "rows_in": 120, "kept": 100, "rejected": 8,
    ...      "exact_duplicates": 7, "near_duplicates": 5, "decided_duplicates": 0}],
    ...      "cleaning_log_by_rule": {"rupiah_parse": 40, "exact_duplicate": 7},
    ...      "missingness": [{"district_code": "3373", "wave": "baseline", "due": 400,
    ...                       "missing": 6, "suppressed": False}]}
    >>> print(quality_text(q, district="3373", label="Kota Salatiga", lang="en"))
    Of 120 raw respondent rows (all districts), 100 are used, 8 were rejected with a recorded reason and 12 duplicates removed; 40 values were corrected, each one logged. In Kota Salatiga, 1.5% of required answers were left blank (Baseline (m 0)).
    """
    q = quality_numbers(quality, district=district)
    if q is None:
        return t("narr.quality_generic", lang)
    n = {k: fmt_number(v, lang, decimals=0) for k, v in q.items() if k != "missing"}
    text = t("narr.quality", lang, **n)
    miss = q.get("missing", {})
    if district is not None and miss:
        waves = ", ".join(wave_label(w, lang) for w in miss)
        share = sum(m for m, _ in miss.values()) / sum(d for _, d in miss.values())
        text += " " + t(
            "narr.quality_district",
            lang,
            district=label,
            missing=fmt_pct(share, lang, decimals=1),
            waves=waves,
        )
    return text


def balance_text(view, *, lang: str = "id", alpha: float = 0.05, control: str | None = None) -> str:
    """How many differences from control are significant, and the joint tests (or why not).

    ``view`` is a :class:`jbp_analysis.report.estimable.BalanceView`; ``control`` is the plan's
    control arm unless given.
    """
    control = control_arm(control=control)
    td = view.tidy[view.tidy["contrast"].map(lambda c: contrast_arms(c)[1]) == control]
    p = pd.to_numeric(td["p_value"], errors="coerce")
    text = t("narr.balance", lang, n_imbalanced=int((p < alpha).sum()), n_vars=int(p.notna().sum()))
    ft = view.ftest[view.ftest["contrast"].map(lambda c: contrast_arms(c)[1]) == control]
    if not ft["estimable"].all():
        return text + " " + t("narr.balance_few_groups", lang)
    joint = [
        t(
            "narr.balance_joint",
            lang,
            contrast=contrast_label(r.contrast, lang),
            p=fmt_p(r.p_value, lang),
        ).replace("p = < ", "p < ")
        for r in ft.itertuples()
    ]
    return " ".join([text, *joint])


def impact_lines(
    tidy: pd.DataFrame, *, lang: str = "id", level: float = 0.95, min_cell: int = 10
) -> list[str]:
    """One sentence per publishable row (outcome x contrast x wave): estimate, CI, p-value.

    The sentence says which p-value it quotes: the unadjusted one, and beside it the sharpened
    q-value of the row's family (``q_value``, when the table has it; see
    :func:`jbp_analysis.report.estimable.estimate_impacts`).
    """
    out = []
    for r in reportable(tidy, min_cell=min_cell).itertuples():
        if not _finite(r.p_value):  # too few groups for an interval (see estimate_impacts)
            out.append(
                t(
                    "narr.impact_no_ci",
                    lang,
                    wave=wave_label(str(r.wave), lang) if hasattr(r, "wave") else "",
                    contrast=contrast_label(r.contrast, lang),
                    outcome=outcome_about(r.outcome, lang),
                    estimate=fmt_effect(r.estimate, r.outcome, lang),
                )
            )
            continue
        q = getattr(r, "q_value", np.nan)
        out.append(
            t(
                "narr.impact_adjusted" if _finite(q) else "narr.impact",
                lang,
                q=fmt_p(q, lang) if _finite(q) else "",
                wave=wave_label(str(r.wave), lang) if hasattr(r, "wave") else "",
                contrast=contrast_label(r.contrast, lang),
                outcome=outcome_about(r.outcome, lang),
                estimate=fmt_effect(r.estimate, r.outcome, lang),
                level=round(level * 100),
                ci_low=fmt_effect(r.ci_low, r.outcome, lang),
                ci_high=fmt_effect(r.ci_high, r.outcome, lang),
                p=fmt_p(r.p_value, lang),
            )
            .replace("p = < ", "p < ")
            .replace("q = < ", "q < ")
        )
    return out


def _sig(p: float, lang: str, alpha: float = 0.05) -> str:
    if not _finite(p):
        return t("narr.not_testable", lang)
    return t("narr.significant" if p < alpha else "narr.not_significant", lang)


def mentoring_vs_charitable_lines(
    tidy: pd.DataFrame,
    *,
    lang: str = "id",
    min_cell: int = 10,
    arm: str | None = None,
    comparison: str | None = None,
) -> list[str]:
    """Sentences for the contrast between two treatments (JBP: mentoring minus charitable).

    ``arm`` and ``comparison`` default to the plan's first contrast between two treatments
    (:func:`~jbp_analysis.report.contrasts.between_treatments`); when the plan has none, the one
    sentence says so.

    Examples
    --------
    >>> tidy = pd.DataFrame({"outcome": ["openly_unemployed"], "wave": ["endline"],
    ...     "contrast": ["pendampingan - karitatif"], "estimate": [-0.03], "p_value": [0.2],
    ...     "n_obs": [200]})
    >>> mentoring_vs_charitable_lines(tidy, lang="en")
    ['Endline (m 4): compared with the charitable model, the impact of mentoring on open unemployment is −3.0 pp (not statistically significant).']
    >>> mentoring_vs_charitable_lines(tidy, lang="en", arm="pendampingan", comparison="lain")
    []
    """
    if arm is None or comparison is None:
        pair = between_treatments()
        if pair is None:
            return [t("narr.mvc_not_in_plan", lang)]
        arm, comparison = arm or pair[0], comparison or pair[1]
    rows = reportable(select(tidy, arm=arm, comparison=comparison), min_cell=min_cell)
    return [
        t(
            "narr.mvc",
            lang,
            wave=wave_label(str(r.wave), lang),
            outcome=outcome_about(r.outcome, lang),
            estimate=fmt_effect(r.estimate, r.outcome, lang),
            sig=_sig(r.p_value, lang),
        )
        for r in rows.itertuples()
    ]


def heterogeneity_lines(
    tidy: pd.DataFrame,
    *,
    lang: str = "id",
    min_cell: int = 10,
    arm: str | None = None,
    comparison: str | None = None,
) -> list[str]:
    """Mentoring vs control by sex from the interacted model, per outcome and wave.

    The contrast is the plan's headline one (:func:`~jbp_analysis.report.contrasts.
    headline_contrast`) unless ``arm`` or ``comparison`` is given.

    ``tidy`` is :func:`jbp_analysis.report.estimable.estimate_heterogeneity`'s table
    (``subgroup`` male/female, ``interaction_p``, ``interaction_q``). Each sentence gives both
    subgroup effects, their difference and the interaction test with its adjusted q-value, and
    never a per-subgroup significance verdict (Gelman & Stern 2006). Effects resting on fewer
    than ``min_cell`` respondents are suppressed.
    """
    if tidy is None or len(tidy) == 0:
        return []
    arm, comparison = headline_contrast(arm=arm, comparison=comparison)
    rows = select(tidy, arm=arm, comparison=comparison)
    out = []
    for (outcome, wave), g in rows.groupby(["outcome", "wave"], sort=False, observed=True):
        vals: dict[str, str] = {}
        est: dict[str, float] = {}
        for s in ("male", "female"):
            hit = g[g["subgroup"].astype(str) == s]
            if hit.empty or is_small(hit["n_obs"].to_numpy(), min_cell)[0]:
                vals[s] = MARKER
                continue
            est[s] = float(hit["estimate"].iloc[0])
            vals[s] = fmt_effect(est[s], outcome, lang)
        if MARKER in vals.values():
            diff, p, q = MARKER, MARKER, MARKER
        else:
            diff = fmt_effect(est["female"] - est["male"], outcome, lang)
            p = fmt_p(float(g["interaction_p"].iloc[0]), lang)
            q = fmt_p(float(g["interaction_q"].iloc[0]), lang) if "interaction_q" in g else "-"
        text = t(
            "narr.heterogeneity_interaction",
            lang,
            outcome=outcome_about(outcome, lang),
            wave=wave_label(str(wave), lang),
            difference=diff,
            p=p,
            q=q,
            **vals,
        )
        out.append(text.replace("p = < ", "p < ").replace("q = < ", "q < "))
    return out


def unemployment_text(lang: str = "id") -> str:
    """Which unemployment definitions the report uses (BPS headline, ILO beside it)."""
    return t("narr.unemployment_definitions", lang)


def unemployment_levels(
    data: pd.DataFrame, *, wave: str, lang: str = "id", min_cell: int = 10
) -> str:
    """Open unemployment by arm in ``wave`` as Indonesian readers know it: the BPS share of
    young people, the TPT (BPS unemployed over the BPS labour force, :func:`~jbp_analysis.
    outcomes.build.tpt_rate`) and the ILO share. ``data``: interviewed rows with
    ``unemployed_bps``, ``unemployed_ilo`` and ``unemployed`` (the TPT indicator). A share
    resting on fewer than ``min_cell`` young people is suppressed.
    """
    from jbp_analysis.outcomes.build import tpt_rate

    rows = data[data["wave"].astype(str).eq(wave).to_numpy()]
    arm = rows["arm"].astype(str)
    vals: dict[str, str] = {}
    tpt = tpt_rate(rows.assign(arm=arm), by="arm").set_index("arm")
    for a in load_codebook().arms:
        mine = rows[arm.eq(a).to_numpy()]
        for key, col in (("bps", "unemployed_bps"), ("ilo", "unemployed_ilo")):
            x = mine[col].dropna().astype(float) if col in mine else pd.Series([], dtype=float)
            small = len(x) == 0 or is_small([len(x)], min_cell)[0]
            vals[f"{key}_{a}"] = MARKER if small else fmt_pct(float(x.mean()), lang, decimals=1)
        ok = a in tpt.index and not is_small([tpt.loc[a, "labour_force"]], min_cell)[0]
        vals[f"tpt_{a}"] = fmt_pct(tpt.loc[a, "tpt"] / 100, lang, decimals=1) if ok else MARKER
    return t("narr.unemployment_levels", lang, wave=wave_label(wave, lang), **vals)


def lee_text(view, *, lang: str = "id") -> list[str]:
    """Whether differential attrition calls for Lee bounds, per wave (an
    :class:`~jbp_analysis.report.estimable.AttritionView`)."""
    thr = fmt_number(100 * view.threshold, lang, decimals=0)
    over = view.differential[view.differential["max_difference"] > view.threshold]
    if over.empty:
        return [t("narr.lee_none", lang, threshold=thr)]
    return [
        t(
            "narr.lee",
            lang,
            wave=wave_label(str(r.wave), lang),
            gap=fmt_signed(100 * r.max_difference, lang, decimals=1, suffix=" pp").lstrip("+"),
            threshold=thr,
        )
        for r in over.itertuples()
    ]


def attrition_lines(rates: pd.DataFrame, *, lang: str = "id") -> list[str]:
    """Per wave: overall and per-arm response rates (``wave, arm, n, responded, rate``)."""
    out = []
    for wave, g in rates.groupby("wave", sort=False):
        per = dict.fromkeys(load_codebook().arms, MARKER)
        for r in g.itertuples():
            if np.isfinite(r.rate):
                per[r.arm] = fmt_pct(r.rate, lang, decimals=0)
        ok = g[np.isfinite(g["rate"].astype(float))]
        total = ok["responded"].sum() / ok["n"].sum() if ok["n"].sum() else np.nan
        out.append(
            t(
                "narr.attrition",
                lang,
                wave=wave_label(str(wave), lang),
                rate=fmt_pct(total, lang, decimals=0),
                **per,
            )
        )
    return out


def cost_text(costs: pd.DataFrame, *, lang: str = "id") -> str:
    """Cost per participant of the two treated arms (``arm, value`` table)."""
    per = {a: MARKER for a in ("karitatif", "pendampingan")}
    for r in costs.itertuples():
        if r.arm in per and np.isfinite(r.value):
            per[r.arm] = fmt_rp(r.value, lang)
    return t("narr.cost", lang, **per)


def pooled_lines(
    tidy: pd.DataFrame,
    *,
    n_districts: int,
    lang: str = "id",
    level: float = 0.95,
    min_cell: int = 10,
    arm: str | None = None,
    comparison: str | None = None,
) -> list[str]:
    """Province-wide mentoring-vs-control sentences, with confidence intervals.

    The contrast is the plan's headline one (:func:`~jbp_analysis.report.contrasts.
    headline_contrast`) unless ``arm`` or ``comparison`` is given.
    """
    arm, comparison = headline_contrast(arm=arm, comparison=comparison)
    rows = reportable(select(tidy, arm=arm, comparison=comparison), min_cell=min_cell)
    return [
        t(
            "narr.pooled",
            lang,
            n_districts=n_districts,
            n=fmt_number(r.n_obs, lang, decimals=0),
            outcome=outcome_about(r.outcome, lang),
            estimate=fmt_effect(r.estimate, r.outcome, lang),
            ci_low=fmt_effect(r.ci_low, r.outcome, lang),
            ci_high=fmt_effect(r.ci_high, r.outcome, lang),
            level=round(level * 100),
            wave=wave_label(str(r.wave), lang),
        )
        for r in rows.itertuples()
    ]


def caveat_lines(
    *,
    n_groups: int,
    min_cell: int,
    simulated: bool,
    lang: str = "id",
    province: bool = False,
    attrition: bool = True,
) -> list[str]:
    """The standard caveats. ``attrition=False`` (a report without a follow-up wave, hence
    without an attrition section) leaves out the caveat that points to that section."""
    lines = []
    if not province:
        lines.append(t("caveat.small_sample", lang, n_groups=n_groups))
    if attrition:
        lines.append(t("caveat.attrition", lang))
    lines += [
        t("caveat.multiple", lang),
        t("caveat.disclosure", lang, min_cell=min_cell, marker=MARKER),
    ]
    if simulated:
        lines.append(t("caveat.simulated", lang))
    return lines


def headline(
    tidy: pd.DataFrame,
    *,
    outcomes: Sequence[str],
    min_cell: int = 10,
    arm: str | None = None,
    comparison: str | None = None,
) -> dict:
    """Headline numbers for ``summary.json``: mentoring vs control, per outcome and wave.

    The contrast is the plan's headline one (:func:`~jbp_analysis.report.contrasts.
    headline_contrast`) unless ``arm`` or ``comparison`` is given.
    """
    out: dict[str, Any] = {}
    arm, comparison = headline_contrast(arm=arm, comparison=comparison)
    rows = reportable(select(tidy, arm=arm, comparison=comparison), min_cell=min_cell)
    for r in rows.itertuples():
        if r.outcome not in outcomes:
            continue
        out[f"{r.outcome}.{r.wave}"] = {
            "estimate": float(r.estimate),
            "ci_low": float(r.ci_low) if _finite(r.ci_low) else None,
            "ci_high": float(r.ci_high) if _finite(r.ci_high) else None,
            "p_value": float(r.p_value) if _finite(r.p_value) else None,
            "n_obs": int(r.n_obs),
        }
    return out


def ranking_text(*, outcome: str, wave: str, lang: str = "id") -> str:
    """The sentence introducing the ranking table."""
    return t(
        "narr.ranking", lang, outcome=outcome_about(outcome, lang), wave=wave_label(wave, lang)
    )
