"""Reference data: the districts of the study (JBP: the 35 kabupaten/kota of Central Java).

The table is the study folder's (``reference: districts:`` in ``study.yaml``); the JBP study's is
``study/reference/central_java_districts.csv``, 35 kabupaten/kota of Jawa Tengah (province code 33).

Source: BPS, *Jawa Tengah Dalam Angka*; Kemendagri region codes (as listed on id.wikipedia.org,
"Daftar kecamatan dan kelurahan di Jawa Tengah"). Copied from ``shared/reference``; see
``study/reference/README.md``.

Four names occur twice, once as Kabupaten and once as Kota (Magelang, Semarang, Pekalongan,
Tegal): a bare name is ambiguous, the four-digit BPS code is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from jbp_analysis.core.errors import ConfigError

__all__ = ["districts", "district_label", "district_slug", "resolve_district", "AMBIGUOUS_NAMES"]

AMBIGUOUS_NAMES: frozenset[str] = frozenset({"Magelang", "Semarang", "Pekalongan", "Tegal"})


def _districts() -> pd.DataFrame:
    """The districts table of the study folder in use (cached with the folder)."""
    from jbp_analysis.study.folder import active_study

    return active_study().districts


def districts() -> pd.DataFrame:
    """Return the reference table: ``bps_code, type, name, seat, label, slug`` (35 rows).

    Examples
    --------
    >>> d = districts()
    >>> len(d), d.loc[d.bps_code == "3373", "label"].item()
    (35, 'Kota Salatiga')
    """
    return _districts().copy()


def district_label(code: str) -> str:
    """``"3322"`` -> ``"Kab. Semarang"``."""
    return _lookup(code)["label"]


def district_slug(code: str) -> str:
    """``"3322"`` -> ``"3322-kab-semarang"``, safe as a folder name."""
    return _lookup(code)["slug"]


def _lookup(code: str) -> pd.Series:
    d = _districts()
    hit = d[d.bps_code == str(code)]
    if hit.empty:
        raise ConfigError(
            f"unknown BPS district code {code!r}; valid codes are 3301-3329 and 3371-3376"
        )
    return hit.iloc[0]


_EXACT_FORMS = re.compile(r"^(kabupaten|kab\.?|kota)\s+(.+)$", re.IGNORECASE)


def resolve_district(value: str | int) -> str:
    """Resolve a user-typed district parameter (code, or unambiguous exact name) to its BPS code.

    This is for parameters typed by evaluators, so it is strict: no fuzzy matching, and
    anything that is not a plain name or code (``../../x``, quotes) is rejected. Survey data go
    through the fuzzy matcher in the cleaning step instead.

    Examples
    --------
    >>> resolve_district("3322"), resolve_district("Kab. Semarang"), resolve_district("Salatiga")
    ('3322', '3322', '3373')
    """
    text = str(value).strip()
    d = _districts()
    if re.fullmatch(r"\d{4}", text):
        _lookup(text)
        return text
    if not re.fullmatch(r"[A-Za-z .]+", text):
        raise ConfigError(
            f"district {value!r} is not a BPS code or a district name (only letters, spaces and dots "
            "are allowed)"
        )
    m = _EXACT_FORMS.match(text)
    if m:
        kind = "Kota" if m.group(1).lower() == "kota" else "Kabupaten"
        name = m.group(2).strip().lower()
        hit = d[(d["type"] == kind) & (d["name"].str.lower() == name)]
    else:
        hit = d[d["name"].str.lower() == text.lower()]
        if len(hit) > 1:
            codes = ", ".join(f"{r.label} = {r.bps_code}" for r in hit.itertuples())
            raise ConfigError(
                f"district {value!r} is ambiguous: {codes}. Give the code or 'Kab.'/'Kota'."
            )
    if hit.empty:
        raise ConfigError(f"unknown district {value!r}; see `jbp districts` for the 35 valid names")
    return hit["bps_code"].iloc[0]


def resolve_districts(values: Iterable[str | int]) -> list[str]:
    """Resolve several district parameters; see :func:`resolve_district`."""
    return [resolve_district(v) for v in values]
