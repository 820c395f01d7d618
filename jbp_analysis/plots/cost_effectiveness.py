"""Cost-effectiveness comparison: one horizontal bar per treated arm, with an optional CI.

The chart draws whatever cost measure it is given (cost per participant, or rupiah per unit of
impact from :mod:`jbp_analysis.analyses.cost_effectiveness`); :func:`cost_per_participant` gives the
first from the processed cost records.

Examples
--------
>>> panel = pd.DataFrame({  # baseline rosters: 3 groups of 10 per arm
...     "respondent_id": np.arange(90),
...     "group_id": np.arange(90) // 10,
...     "arm": np.repeat(["kontrol", "karitatif", "pendampingan"], 30),
...     "wave": "baseline",
... })
>>> costs = pd.DataFrame({"arm": ["karitatif", "pendampingan"], "cost_rp": [45e6, 90e6]})
>>> tab = cost_per_participant(costs, panel)
>>> tab[["arm", "n_groups", "n", "value"]].values.tolist()
[['karitatif', 3, 30, 1500000.0], ['pendampingan', 3, 30, 3000000.0]]
>>> ax = plot(tab, lang="en")
>>> len(ax.patches)  # karitatif and pendampingan (the control arm costs nothing)
2
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jbp_analysis.i18n import arm_label, fmt_rp, t
from jbp_analysis.plots._base import (
    add_caption,
    caption_text,
    get_ax,
    mark_suppressed,
    no_data,
    rp_formatter,
)
from jbp_analysis.plots.theme import ARM_COLORS, ARM_ORDER, theme_context
from jbp_analysis.report.disclosure import MIN_CELL, is_small

__all__ = ["plot", "cost_per_participant", "roster_by_group"]


def cost_per_participant(costs: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Total cost, groups, participants (baseline roster) and cost per participant by arm.

    Only arms with recorded costs are returned (the wait-list control has none).
    """
    c = costs.assign(arm=costs["arm"].astype(str))
    total = c.groupby("arm")["cost_rp"].sum().astype(float)
    base = panel[panel["wave"].astype(str) == "baseline"]
    people = base.groupby(base["arm"].astype(str), observed=True)["respondent_id"].nunique()
    groups = base.groupby(base["arm"].astype(str), observed=True)["group_id"].nunique()
    out = pd.DataFrame({"total_cost": total})
    out["n_groups"] = groups.reindex(out.index).fillna(0).astype(int)
    out["n"] = people.reindex(out.index).fillna(0).astype(int)
    out["value"] = out["total_cost"] / out["n"].where(out["n"] > 0)
    out = out.reset_index(names="arm")
    out["_o"] = out["arm"].map({a: i for i, a in enumerate(ARM_ORDER)})
    return out.sort_values("_o").drop(columns="_o").reset_index(drop=True)


def roster_by_group(panel: pd.DataFrame) -> pd.DataFrame:
    """Participants of each group: its baseline roster (``group_id, arm, participants``).

    Costs are spent on every enrolled member, interviewed later or not, so cost per participant
    divides by the roster (as :func:`cost_per_participant` does), not by later respondents.
    """
    base = panel[panel["wave"].astype(str) == "baseline"]
    g = base.groupby(base["group_id"].astype(str), observed=True)
    out = pd.DataFrame(
        {"arm": g["arm"].first().astype(str), "participants": g["respondent_id"].nunique()}
    )
    return out.reset_index(names="group_id")


def plot(
    data: pd.DataFrame,
    *,
    value: str = "value",
    ci_low: str | None = None,
    ci_high: str | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    lang: str = "id",
    min_cell: int = MIN_CELL,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of a rupiah cost measure per arm (``arm``, ``value``, ``n`` columns).

    Non-positive or missing values (e.g. a cost per unit of impact where the impact is not
    positive) are labelled "not estimable" instead of drawn.
    """
    df = data[data["arm"].astype(str).isin(ARM_ORDER)].copy()
    df["arm"] = df["arm"].astype(str)
    df["_o"] = df["arm"].map({a: i for i, a in enumerate(ARM_ORDER)})
    df = df.sort_values("_o").reset_index(drop=True)
    df["suppressed"] = is_small(df["n"].to_numpy(), min_cell)
    vals = pd.to_numeric(df[value], errors="coerce").astype(float)
    with theme_context():
        ax = get_ax(ax, figsize=(7.0, 1.6 + 0.7 * max(len(df), 1)))
        if df.empty:
            no_data(ax, lang)
        ys = np.arange(len(df))[::-1]
        for y, (_, r), v in zip(ys, df.iterrows(), vals, strict=True):
            color = ARM_COLORS[r["arm"]]
            if r["suppressed"]:
                mark_suppressed(ax, 0.03, y, transform=ax.get_yaxis_transform(), color=color)
                continue
            if not np.isfinite(v) or v <= 0:
                ax.text(
                    0.01,
                    y,
                    t("chart.ce.not_estimable", lang),
                    transform=ax.get_yaxis_transform(),
                    va="center",
                    ha="left",
                    fontsize=9,
                    color="#555555",
                ).set_gid("not_estimable")
                continue
            ax.barh(y, v, 0.6, color=color)
            right = v
            if ci_low and ci_high and np.isfinite(r[ci_low]) and np.isfinite(r[ci_high]):
                ax.plot([r[ci_low], r[ci_high]], [y, y], color="#222222", lw=1.2)
                right = max(v, float(r[ci_high]))
            ax.annotate(
                fmt_rp(v, lang),
                (right, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
            )
        ax.set_yticks(ys, [arm_label(a, lang) for a in df["arm"]])
        ax.set_ylim(-0.6, len(df) - 0.4)
        ax.grid(axis="y", visible=False)
        finite = vals[np.isfinite(vals) & (vals > 0) & ~df["suppressed"].to_numpy()]
        if len(finite):
            top = float(finite.max())
            if ci_high:
                top = max(top, float(pd.to_numeric(df[ci_high], errors="coerce").max()))
            ax.set_xlim(0, top * 1.22)
        ax.xaxis.set_major_formatter(rp_formatter(lang))
        ax.set_xlabel(xlabel or t("chart.ce.xlabel_cost", lang))
        ax.set_title(title or t("chart.ce.cost_title", lang))
        n = int(pd.to_numeric(df["n"], errors="coerce").sum()) if len(df) else 0
        groups = int(df["n_groups"].sum()) if "n_groups" in df else 0
        base = (
            t("caption.source_groups", lang, groups=groups, n=n)
            if groups
            else t("caption.source", lang, n=n)
        )
        add_caption(
            ax,
            caption_text(
                base, lang=lang, min_cell=min_cell, suppressed=bool(df["suppressed"].any())
            ),
        )
    return ax
