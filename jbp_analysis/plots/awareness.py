"""Critical-awareness item profile: mean agreement (1-5) with each item, by arm, in one wave.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> items = [v.name for v in load_codebook().awareness_items()]  # agreement 1-5
>>> panel = pd.DataFrame({"arm": np.repeat(["kontrol", "karitatif", "pendampingan"], 20)})
>>> panel = panel.assign(wave="endline", **{i: rng.integers(1, 6, 60) for i in items})
>>> ax = plot(panel, wave="endline", lang="en")
>>> len(ax.collections)  # one scatter per arm
3
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from jbp_analysis.i18n import arm_label, item_label, t, wave_label
from jbp_analysis.plots._base import (
    add_caption,
    caption_text,
    get_ax,
    mark_suppressed,
    no_data,
    number_formatter,
)
from jbp_analysis.plots._data import WAVE_ORDER
from jbp_analysis.plots.theme import ARM_ORDER, arm_color, arm_marker, theme_context
from jbp_analysis.report.disclosure import MIN_CELL, is_small
from jbp_analysis.study.codebook import load_codebook

__all__ = ["plot", "summarise"]


def summarise(
    data: pd.DataFrame, *, wave: str = "endline", min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Long table ``item, reverse, arm, n, mean, suppressed`` for one wave."""
    items = load_codebook().awareness_items()
    d = data[data["wave"].astype(str) == wave]
    if "responded" in d:
        d = d[d["responded"].fillna(False).astype(bool)]
    rows = []
    for v in items:
        if v.name not in d:
            continue
        vals = pd.to_numeric(d[v.name].astype("Float64"), errors="coerce").astype(float)
        g = vals.groupby(d["arm"].astype(str), observed=True)
        part = pd.DataFrame({"n": g.count(), "mean": g.mean()}).reset_index(names="arm")
        part.insert(0, "reverse", v.reverse)
        part.insert(0, "item", v.name)
        rows.append(part)
    out = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(columns=["item", "reverse", "arm", "n", "mean"])
    )
    out["suppressed"] = is_small(out["n"].to_numpy(), min_cell)
    out.loc[out["suppressed"], "mean"] = float("nan")
    return out


def plot(
    data: pd.DataFrame,
    *,
    wave: str | None = None,
    lang: str = "id",
    min_cell: int = MIN_CELL,
    ax: Axes | None = None,
) -> Axes:
    """Dot plot of mean agreement with each awareness item, one marker per arm.

    ``wave`` defaults to the last wave with interviews.
    """
    if wave is None:
        resp = data["responded"] if "responded" in data else pd.Series(True, index=data.index)
        present = data.loc[resp.fillna(False).astype(bool), "wave"].astype(str)
        wave = next((w for w in reversed(WAVE_ORDER) if w in set(present)), WAVE_ORDER[0])
    summ = summarise(data, wave=wave, min_cell=min_cell)
    items = list(dict.fromkeys(summ["item"]))
    ypos = {it: len(items) - 1 - i for i, it in enumerate(items)}
    arms = [a for a in ARM_ORDER if a in set(summ["arm"])]
    off = {a: (j - (len(arms) - 1) / 2) * 0.2 for j, a in enumerate(arms)}
    with theme_context():
        ax = get_ax(ax, figsize=(8.0, 1.5 + 0.42 * max(len(items), 1)))
        if summ.empty:
            no_data(ax, lang)
        for arm in arms:
            s = summ[(summ["arm"] == arm)]
            ok = s[~s["suppressed"]]
            ax.scatter(
                ok["mean"].to_numpy(dtype=float),
                ok["item"].map(ypos).to_numpy(dtype=float) - off[arm],
                color=arm_color(arm),
                marker=arm_marker(arm),
                s=36,
                label=arm_label(arm, lang),
                zorder=3,
            )
            for it in s.loc[s["suppressed"], "item"]:
                mark_suppressed(ax, 1.1, ypos[it] - off[arm], color=arm_color(arm))
        labels = [
            item_label(it, lang)
            + (" (\u2212)" if bool(summ.loc[summ.item == it, "reverse"].iloc[0]) else "")
            for it in items
        ]
        ax.set_yticks([ypos[i] for i in items], labels)
        ax.set_xlim(1, 5)
        ax.set_ylim(-0.6, len(items) - 0.4)
        ax.xaxis.set_major_formatter(number_formatter(lang))
        ax.set_xticks([1, 2, 3, 4, 5])
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(t("chart.awareness.xlabel", lang))
        ax.set_title(t("chart.awareness.title", lang, wave=wave_label(wave, lang)))
        if arms:
            ax.legend(title=t("legend.arm", lang), loc="upper left", bbox_to_anchor=(1.0, 1.0))
        n = int(summ.groupby("item")["n"].sum().max()) if not summ.empty else 0
        cap = caption_text(
            t("caption.source", lang, n=n),
            lang=lang,
            min_cell=min_cell,
            suppressed=bool(summ["suppressed"].any()),
            extra=t("chart.awareness.reverse", lang),
        )
        add_caption(ax, cap)
    return ax
