"""Wave linkage: the balanced respondent x wave panel, NIK repair and attrition.

The roster is the baseline: every respondent kept at baseline appears in every wave of the
panel, with ``responded`` telling whether they were interviewed (so attrition is explicit, never
a silently missing row). Group, arm, cohort, start month and district come from the
randomisation record via the baseline group (intention to treat).

Later waves are linked on the pseudonymous key (HMAC of the NIK). A later-wave row whose NIK is
not on the roster is repaired when it agrees with exactly one roster member on respondent id,
household id and name, and its NIK is within two edits (Levenshtein 1966) of that member's: a
mis-keyed digit or two swapped digits. The repair is logged with keyed hashes only
(``relink_miskeyed_nik``). Rows that still do not link are rejected (``not_on_baseline_roster``).

Examples
--------
>>> import pandas as pd
>>> p = pd.DataFrame({"arm": ["kontrol"] * 3, "wave": ["baseline", "endline", "followup"],
...                   "responded": [True, True, False]})
>>> attrition(p)[["arm", "wave", "n", "responded", "attrition"]].values.tolist()[-1]
['kontrol', 'followup', 1, 0, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from jbp_analysis.clean.pseudonymise import Secret, nik_numbers, normalise_nik, pseudonymise
from jbp_analysis.study.codebook import Codebook, load_codebook

__all__ = ["Linked", "link_waves", "attrition", "ARMS", "wave_frame", "MAX_NIK_EDITS"]

ARMS = list(load_codebook().arms)
MAX_NIK_EDITS = 2
_ROSTER = ["respondent_key", "respondent_id", "household_id", "group_id"]


@dataclass(frozen=True)
class Linked:
    """Result of :func:`link_waves`.

    ``data`` holds the linked wave rows (one per respondent and wave interviewed, with
    ``respondent_key``, ``wave``, ``_file`` and ``_row``); ``roster`` the baseline respondents;
    ``rejects`` the rows that did not link (``_file``, ``_row``, ``reason``, ``detail``);
    ``relinks`` the repaired NIKs (``_file``, ``_row``, ``old_key``, ``new_key``).
    """

    data: pd.DataFrame = field(repr=False)
    roster: pd.DataFrame = field(repr=False)
    rejects: pd.DataFrame = field(repr=False)
    relinks: pd.DataFrame = field(repr=False)


def wave_frame(codebook: Codebook) -> pd.DataFrame:
    """``wave`` (ordered categorical), ``wave_code`` and ``month`` for the codebook's waves."""
    waves = list(codebook.waves)
    return pd.DataFrame(
        {
            "wave": pd.Categorical(waves, categories=waves, ordered=True),
            "wave_code": pd.array([codebook.waves[w]["code"] for w in waves], dtype="Int64"),
            "month": pd.array([codebook.waves[w]["month"] for w in waves], dtype="Int64"),
        }
    )


def _name_key(name: pd.Series) -> pd.Series:
    return name.astype("string").str.casefold().str.split().str.join(" ")


def _rejects(frame: pd.DataFrame, mask: np.ndarray, reason: str, detail: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "_file": frame["_file"].to_numpy()[mask],
            "_row": frame["_row"].to_numpy()[mask],
            "reason": reason,
            "detail": detail,
        }
    )


def link_waves(
    waves: dict[str, pd.DataFrame],
    *,
    known_groups: pd.Index,
    secret: Secret,
) -> Linked:
    """Link per-wave respondent frames (processed, with ``nik``, ``name``, ``_file``, ``_row``).

    Linking runs on the NIK as a 64-bit integer (fast hash joins); the keyed hash is computed
    once per roster member. Each linked row gets ``_slot``, its position in ``roster``.

    Length: the baseline roster and each later wave are linked through the same slot arrays, and
    each reject reason is recorded where it arises.

    Parameters
    ----------
    waves
        ``{wave: frame}``; ``"baseline"`` is required and defines the roster.
    known_groups
        Group ids of the randomisation record; baseline rows of other groups are rejected.
    secret
        HMAC key for the respondent key.
    """
    rejects: list[pd.DataFrame] = []
    relinks: list[pd.DataFrame] = []
    base = waves["baseline"]
    digits, ok = normalise_nik(base["nik"])
    number = nik_numbers(digits, ok)
    rejects.append(_rejects(base, ~ok, "invalid_nik", "the NIK is not 16 digits"))
    groups = pd.Index(known_groups.to_numpy(dtype=object))
    unknown = ok & (groups.get_indexer(base["group_id"].to_numpy(dtype=object)) < 0)
    rejects.append(_rejects(base, unknown, "unknown_group", "group id not in penugasan_kelompok"))
    keep = ok & ~unknown
    clash = keep & pd.Series(np.where(keep, number, -1)).duplicated(keep=False).to_numpy()
    rejects.append(_rejects(base, clash, "duplicate_nik", "two baseline respondents share one NIK"))
    keep &= ~clash
    base = base[keep]  # a new frame (copy-on-write): the caller's is never modified
    roster_digits = digits[keep]
    roster_number = number[keep]
    base["respondent_key"] = pseudonymise(roster_digits, secret=secret).to_numpy()
    base["wave"] = "baseline"
    base["_slot"] = np.arange(len(base))
    roster = base[_ROSTER].reset_index(drop=True)
    slots = pd.Index(roster_number)
    linked = [base]

    for wave, frame in waves.items():
        if wave == "baseline":
            continue
        f = frame
        w_digits, w_ok = normalise_nik(f["nik"])
        slot = slots.get_indexer(nik_numbers(w_digits, w_ok))
        todo = np.flatnonzero(slot < 0)
        if len(todo):
            cand = pd.DataFrame(
                {
                    "pos": todo,
                    "respondent_id": f["respondent_id"].to_numpy(dtype=object)[todo],
                    "household_id": f["household_id"].to_numpy(dtype=object)[todo],
                    "_nik_w": w_digits.fillna("").to_numpy(dtype=object)[todo],
                }
            ).merge(
                roster[["respondent_id", "household_id"]].assign(_r=np.arange(len(roster))),
                on=["respondent_id", "household_id"],
                how="inner",
            )
            # names and NIK edit distances only for these few candidate pairs
            name_w = _name_key(pd.Series(f["name"].to_numpy(dtype=object)[cand["pos"].to_numpy()]))
            name_b = _name_key(
                pd.Series(base["name"].to_numpy(dtype=object)[cand["_r"].to_numpy()])
            )
            cand = cand[(name_w == name_b).fillna(False).to_numpy(dtype=bool)]
            if len(cand):
                base_nik = roster_digits.to_numpy(dtype=object)[cand["_r"].to_numpy()]
                dist = process.cpdist(
                    cand["_nik_w"].tolist(), base_nik.tolist(), scorer=Levenshtein.distance
                )
                cand = cand[(np.asarray(dist) <= MAX_NIK_EDITS) & (cand["_nik_w"] != "")]
                cand = cand[~cand["pos"].duplicated(keep=False)]
            pos = cand["pos"].to_numpy(dtype=np.int64)
            slot[pos] = cand["_r"].to_numpy()
            old = pseudonymise(w_digits.iloc[pos].where(w_ok[pos]), secret=secret)
            relinks.append(
                pd.DataFrame(
                    {
                        "_file": f["_file"].to_numpy()[pos],
                        "_row": f["_row"].to_numpy()[pos],
                        "old_key": "hmac:" + old.fillna("invalid").astype(str).to_numpy(),
                        "new_key": "hmac:"
                        + roster["respondent_key"].to_numpy(dtype=object)[cand["_r"].to_numpy()],
                    }
                )
            )
        unlinked = slot < 0
        rejects.append(
            _rejects(
                f,
                unlinked,
                "not_on_baseline_roster",
                "NIK not on the baseline roster and no unique match on respondent id, household "
                f"id and name with a NIK within {MAX_NIK_EDITS} edits",
            )
        )
        f = f[~unlinked]
        slot = slot[~unlinked]
        clash = pd.Series(slot).duplicated(keep=False).to_numpy()
        rejects.append(
            _rejects(f, clash, "duplicate_nik", f"two {wave} rows link to one baseline respondent")
        )
        f = f[~clash]
        f["_slot"] = slot[~clash]
        f["respondent_key"] = roster["respondent_key"].to_numpy(dtype=object)[f["_slot"].to_numpy()]
        f["wave"] = wave
        linked.append(f)

    data = pd.concat(linked, ignore_index=True)
    rej = pd.concat([r for r in rejects if len(r)] or [rejects[0]], ignore_index=True)
    rel = (
        pd.concat(relinks, ignore_index=True)
        if relinks
        else pd.DataFrame(columns=["_file", "_row", "old_key", "new_key"])
    )
    return Linked(data=data, roster=roster, rejects=rej, relinks=rel)


def attrition(panel: pd.DataFrame) -> pd.DataFrame:
    """Interviewed and lost respondents by arm and wave.

    Columns: ``arm, wave, n`` (roster size), ``responded``, ``attrition`` (share not
    interviewed).
    """
    g = panel.groupby(["arm", "wave"], observed=True, sort=True)["responded"]
    out = g.agg(n="size", responded="sum").reset_index()
    out["responded"] = out["responded"].astype(np.int64)
    out["attrition"] = 1.0 - out["responded"] / out["n"]
    return out
