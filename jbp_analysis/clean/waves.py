"""Which waves the raw folder holds, and the waves of a file that holds several.

A wave with no file is *not yet collected*: cleaning works on the waves that exist (the panel
has rows for them only, so a missing wave is never read as 100% attrition). A file that the file
map places without a wave (one form for all waves) is split by its wave column (``gelombang``):
the wave code, the wave name or its label.

Examples
--------
>>> from jbp_analysis.study.codebook import load_codebook
>>> wave_of(pd.Series(["0", "endline", "Survei lanjutan (bulan ke-12)", "7"]), load_codebook())
['baseline', 'endline', 'followup', None]
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from jbp_analysis.clean.inputs import MappedTable, with_wave
from jbp_analysis.clean.normalise import answer_key
from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.study.codebook import Codebook

__all__ = ["wave_of", "split_waves", "collected_waves"]


def _wave_keys(codebook: Codebook) -> dict[str, str]:
    keys: dict[str, str] = {}
    for wave, spec in codebook.waves.items():
        labels = spec.get("label", {})
        for text in (wave, spec.get("code"), labels.get("id"), labels.get("en")):
            if text is not None:
                keys[answer_key(text)] = wave
    return keys


def wave_of(text: pd.Series, codebook: Codebook) -> list[str | None]:
    """The wave of each cell (code, name or label; None when it is none of them)."""
    keys = _wave_keys(codebook)
    idx, uniq = pd.factorize(text.astype("string"), use_na_sentinel=True)
    u = [keys.get(answer_key(str(x).strip().removesuffix(".0"))) for x in uniq] + [None]
    arr = np.array(u, dtype=object)[np.where(idx >= 0, idx, len(uniq))]
    return arr.tolist()


def split_waves(mapped: MappedTable, codebook: Codebook) -> list[MappedTable]:
    """The parts of a multi-wave export, one per wave, in wave order.

    Raises
    ------
    JBPInputError
        The wave column is blank or holds a value that is no wave, naming the rows.
    """
    src = mapped.source
    waves = np.array(wave_of(mapped.frame["wave_code"], codebook), dtype=object)
    bad = np.flatnonzero(pd.isna(waves))
    if len(bad):
        rows = mapped.raw.rows[bad]
        shown = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
        col = mapped.headers.get("wave_code", "gelombang")
        values = pd.Series(mapped.frame["wave_code"].to_numpy()[bad]).astype(str).unique()[:5]
        raise JBPInputError(
            f"{len(bad):,} row(s) have no wave ({', '.join(map(repr, values))}), rows {shown}: "
            "the file map gives this file no wave, so the wave column must say which wave each "
            "row is",
            file=src.path,
            column=col,
            hint=f"Give each row a wave ({', '.join(codebook.waves)} or its code), or add a rule "
            "with `wave:` for this file to study/file_map.yaml.",
        )
    parts = []
    for wave in codebook.waves:
        pos = np.flatnonzero(waves == wave)
        if not len(pos):
            continue
        raw = dataclasses.replace(
            mapped.raw,
            frame=mapped.raw.frame.iloc[pos].reset_index(drop=True),
            rows=np.asarray(mapped.raw.rows)[pos],
        )
        parts.append(
            dataclasses.replace(
                mapped,
                source=with_wave(src, wave),
                raw=raw,
                frame=mapped.frame.iloc[pos].reset_index(drop=True),
            )
        )
    return parts


def collected_waves(mapped: list[MappedTable], codebook: Codebook) -> list[str]:
    """Waves with at least one respondent row, in codebook order."""
    have = {m.source.wave for m in mapped if m.source.module == "respondent" and len(m.frame)}
    return [w for w in codebook.waves if w in have]
