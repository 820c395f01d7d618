"""One translation table for every word a reader sees: Bahasa Indonesia (default) and English.

Charts, tables, the reader HTML, the index page and the narrative sentences of the notebooks
all take their words from :data:`TABLE` through :func:`t`. The words themselves are data, not
code: ``catalogue.csv`` beside this file has one row per text and the columns ``key,id,en``, so a
translator can edit it in a spreadsheet (save as "CSV UTF-8"). It is read once, on first use.
Placeholders are :meth:`str.format` names (``{n}``, ``{district}``) and must match in both languages.

Numbers are formatted for the reader's language by :func:`fmt_number`, :func:`fmt_pct` and
:func:`fmt_rp` (Indonesian uses a decimal comma and ``jt``/``rb`` for *juta*/*ribu*: ``Rp 1,5 jt``).

Examples
--------
>>> t("arm.pendampingan"), t("arm.pendampingan", "en")
('Pendampingan', 'Mentoring')
>>> fmt_rp(1_500_000), fmt_rp(1_500_000, "en")
('Rp 1,5 jt', 'Rp 1.5m')
>>> t("caption.source", "en", n=250)
'Source: JBP evaluation survey; n = 250 respondents.'
"""

from __future__ import annotations

import csv
import functools
import math
import re
from pathlib import Path
from typing import Literal

from jbp_analysis.study.codebook import load_codebook

__all__ = [
    "LANGS",
    "Lang",
    "TABLE",
    "CATALOGUE_FILE",
    "NEUTRAL",
    "read_catalogue",
    "item_label",
    "t",
    "check_lang",
    "arm_label",
    "wave_label",
    "outcome_label",
    "outcome_about",
    "contrast_label",
    "contrast_arms",
    "fmt_number",
    "fmt_pct",
    "fmt_rp",
    "fmt_signed",
]

Lang = Literal["id", "en"]
LANGS: tuple[str, ...] = ("id", "en")

#: key -> {"id": ..., "en": ...}, read from :data:`CATALOGUE_FILE` on first use (see ``__getattr__``).
TABLE: dict[str, dict[str, str]]

#: The catalogue a translator edits: one row per text, columns ``key,id,en``.
CATALOGUE_FILE: Path = Path(__file__).with_name("catalogue.csv")


def read_catalogue(path: str | Path = CATALOGUE_FILE) -> dict[str, dict[str, str]]:
    """Read a ``key,id,en`` translation catalogue into ``{key: {"id": ..., "en": ...}}``.

    The file is UTF-8 CSV with a header row; a byte-order mark (as Excel writes "CSV UTF-8") is
    accepted, and columns other than ``key``, ``id`` and ``en`` (a translator's notes) are ignored.
    Texts are kept exactly as written; placeholders use :meth:`str.format` names (``{n}``).

    Raises
    ------
    JBPInputError
        A missing column, an empty key or text, or a key written twice, naming the file, row
        (1-based data row, the header is row 0) and column.

    Examples
    --------
    >>> read_catalogue()["arm.kontrol"]
    {'id': 'Kontrol', 'en': 'Control'}
    """
    from jbp_analysis.core.errors import JBPInputError

    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("key", *LANGS) if c not in (reader.fieldnames or [])]
        if missing:
            raise JBPInputError(
                f"the header lacks column(s) {', '.join(missing)}",
                file=path,
                row=0,
                hint="The first row must be: key,id,en.",
            )
        table: dict[str, dict[str, str]] = {}
        for row_no, row in enumerate(reader, start=1):
            key = (row["key"] or "").strip()
            if not key:
                raise JBPInputError("the key is empty", file=path, row=row_no, column="key")
            if key in table:
                raise JBPInputError(
                    f"key {key!r} is written twice",
                    file=path,
                    row=row_no,
                    column="key",
                    hint="Keep one row per key.",
                )
            for lang in LANGS:
                if not (row[lang] or "").strip():
                    raise JBPInputError(
                        f"no {lang!r} text for key {key!r}",
                        file=path,
                        row=row_no,
                        column=lang,
                        hint="Every key needs both languages.",
                    )
            table[key] = {lang: row[lang] for lang in LANGS}
    return table


@functools.cache
def _catalogue() -> dict[str, dict[str, str]]:
    """The shipped catalogue, read once per process."""
    return read_catalogue(CATALOGUE_FILE)


def __getattr__(name: str) -> object:
    # ``TABLE`` is read from catalogue.csv on first use, not at import (PEP 562).
    if name == "TABLE":
        return _catalogue()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Keys whose text is the same in both languages on purpose (symbols, templates, loanwords).
NEUTRAL: frozenset[str] = frozenset({"contrast.vs", "unit.pp_short", "unit.sd"})

_SPACE_BEFORE_UNIT = {"id": True, "en": False}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported language, else raise ``ConfigError``."""
    if lang not in LANGS:
        from jbp_analysis.core.errors import ConfigError

        raise ConfigError(f"language {lang!r} is not supported; use 'id' (Indonesian) or 'en'")
    return lang


def t(key: str, lang: str = "id", /, **values: object) -> str:
    """Translate ``key`` into ``lang``, filling ``{placeholders}`` from ``values``.

    Examples
    --------
    >>> t("legend.arm", "en")
    'Arm'
    """
    check_lang(lang)
    try:
        text = _catalogue()[key][lang]
    except KeyError:
        raise KeyError(f"no translation for {key!r}") from None
    return text.format(**values) if values else text


def arm_label(arm: str, lang: str = "id", *, long: bool = False) -> str:
    """Display label of an arm (``"pendampingan"`` -> ``"Pendampingan"``/``"Mentoring"``)."""
    return t(f"arm.long.{arm}" if long else f"arm.{arm}", lang)


def item_label(item: str, lang: str = "id") -> str:
    """Short chart label of a critical-awareness item (``"ca05_petty_bribe_ok"``)."""
    return t(f"item.{item}", lang)


def wave_label(wave: str, lang: str = "id") -> str:
    """Display label of a survey wave."""
    return t(f"wave.{wave}", lang)


def outcome_label(outcome: str, lang: str = "id") -> str:
    """Display label of an outcome; unknown outcomes fall back to a tidied variable name."""
    key = f"outcome.{outcome}"
    if key in _catalogue():
        return t(key, lang)
    if outcome.startswith("ca") and outcome[2:4].isdigit():
        from jbp_analysis.study.codebook import load_codebook

        for v in load_codebook().awareness_items():
            if v.name == outcome:
                return v.label[lang]
    return outcome.replace("_", " ")


def outcome_about(outcome: str, lang: str = "id") -> str:
    """How an outcome is named inside a sentence: ``"openly_unemployed"`` -> ``"pengangguran
    terbuka"``; otherwise the label without its unit, in lower case.

    Examples
    --------
    >>> outcome_about("income_household", "en"), outcome_about("age", "en")
    ('household income', 'age')
    """
    key = f"about.{outcome}"
    if key in _catalogue():
        return t(key, lang)
    label = re.sub(r"\s*\([^)]*\)\s*$", "", outcome_label(outcome, lang))
    return label[:1].lower() + label[1:]


_ARMS = tuple(load_codebook().arms)


def contrast_arms(contrast: str) -> tuple[str, str]:
    """The two arms of a contrast name written as ``A vs B``, ``A - B`` or ``A_vs_B``.

    Examples
    --------
    >>> contrast_arms("pendampingan - kontrol")
    ('pendampingan', 'kontrol')
    """
    found = sorted(
        ((m.start(), arm) for arm in _ARMS for m in re.finditer(arm, str(contrast))),
    )
    arms = [a for _, a in found]
    if len(arms) == 1:
        return arms[0], "kontrol"
    if len(arms) != 2:
        raise ValueError(f"cannot read the two arms of contrast {contrast!r}")
    return arms[0], arms[1]


def contrast_label(contrast: str, lang: str = "id") -> str:
    """``"pendampingan_vs_kontrol"`` -> ``"Pendampingan vs Kontrol"``."""
    a, b = contrast_arms(contrast)
    return t("contrast.vs", lang, a=arm_label(a, lang), b=arm_label(b, lang))


def _num(x: float, decimals: int, lang: str) -> str:
    text = f"{x:,.{decimals}f}"
    if lang == "id":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def fmt_number(x: float | None, lang: str = "id", *, decimals: int = 1) -> str:
    """Format a number for ``lang``: ``1234.5`` -> ``"1.234,5"`` (id) or ``"1,234.5"`` (en)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return _num(float(x), decimals, lang).replace("-", "\u2212")


def fmt_signed(x: float | None, lang: str = "id", *, decimals: int = 1, suffix: str = "") -> str:
    """Format with an explicit sign: ``+1,5`` / ``\u22121,5``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    sign = "+" if x > 0 else ""
    return sign + fmt_number(x, lang, decimals=decimals) + suffix


def fmt_pct(share: float | None, lang: str = "id", *, decimals: int = 1) -> str:
    """Format a share (0..1) as a percentage: ``0.123`` -> ``"12,3%"``."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "-"
    return fmt_number(100 * float(share), lang, decimals=decimals) + "%"


def fmt_rp(x: float | None, lang: str = "id", *, decimals: int = 1, signed: bool = False) -> str:
    """Format rupiah compactly: ``1_500_000`` -> ``"Rp 1,5 jt"`` (id) or ``"Rp 1.5m"`` (en).

    Trailing zero decimals are dropped (``"Rp 2 jt"``). Negative amounts get a minus sign
    before ``Rp``.

    Examples
    --------
    >>> fmt_rp(750_000), fmt_rp(-2_000_000, "en"), fmt_rp(2.5e9)
    ('Rp 750 rb', '\u2212Rp 2m', 'Rp 2,5 M')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    x = float(x)
    sign = "\u2212" if x < 0 else ("+" if signed and x > 0 else "")
    a = abs(x)
    for scale, key in ((1e9, "num.billion"), (1e6, "num.million"), (1e3, "num.thousand")):
        if a >= scale * 0.9995:
            v = round(a / scale, decimals)
            body = _num(v, decimals, lang)
            if decimals and re.search(r"[.,]0+$", body):
                body = re.sub(r"[.,]0+$", "", body)
            unit = t(key, lang)
            sep = " " if _SPACE_BEFORE_UNIT[lang] else ""
            return f"{sign}Rp {body}{sep}{unit}"
    return f"{sign}Rp {_num(a, 0, lang)}"
