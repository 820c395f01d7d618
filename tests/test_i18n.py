from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.i18n import (
    LANGS,
    NEUTRAL,
    TABLE,
    contrast_arms,
    contrast_label,
    fmt_pct,
    fmt_rp,
    outcome_label,
    t,
)
from jbp_analysis.report._fixture import make_processed


def test_every_key_has_both_languages_and_they_differ() -> None:
    for key, entry in TABLE.items():
        assert set(entry) == set(LANGS), key
        assert all(entry[lang].strip() for lang in LANGS), key
        if key not in NEUTRAL:
            assert entry["id"] != entry["en"], f"{key} is the same in id and en"


def test_placeholders_match_between_languages() -> None:
    for key, entry in TABLE.items():
        names = [set(re.findall(r"{(\w+)}", entry[lang])) for lang in LANGS]
        assert names[0] == names[1], key


def test_unknown_language_and_key_are_clear_errors() -> None:
    with pytest.raises(ConfigError, match="language 'fr'"):
        t("legend.arm", "fr")
    with pytest.raises(KeyError, match="no translation"):
        t("no.such.key")


def test_number_formats() -> None:
    assert fmt_rp(1_500_000) == "Rp 1,5 jt"
    assert fmt_rp(1_500_000, "en") == "Rp 1.5m"
    assert fmt_rp(2_000_000) == "Rp 2 jt"
    assert fmt_rp(-750_000) == "\u2212Rp 750 rb"
    assert fmt_rp(3.25e9, decimals=2) == "Rp 3,25 M"
    assert fmt_pct(0.1234) == "12,3%" and fmt_pct(0.1234, "en") == "12.3%"


def test_contrast_names_from_the_estimator_are_read() -> None:
    assert contrast_arms("pendampingan - karitatif") == ("pendampingan", "karitatif")
    assert contrast_label("karitatif - kontrol", "en") == "Charitable vs Control"
    assert outcome_label("income_household", "id").startswith("Pendapatan")


def _chart_words(ax) -> list[str]:
    texts = [ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()]
    texts += [x.get_text() for x in ax.get_xticklabels() + ax.get_yticklabels()]
    texts += [x.get_text() for x in ax.texts]
    leg = ax.get_legend()
    if leg is not None:
        texts += [x.get_text() for x in leg.get_texts()] + [leg.get_title().get_text()]
    words = set()
    for s in texts:
        words |= {w for w in re.findall(r"[A-Za-z]{4,}", s)}
    return sorted(words)


def test_switching_language_changes_every_visible_word_of_a_chart() -> None:
    from jbp_analysis import plots

    panel = make_processed().panel
    words = {}
    for lang in LANGS:
        ax = plots.attrition.plot(panel, lang=lang)
        words[lang] = set(_chart_words(ax))
        plt.close(ax.figure)
    shared = words["id"] & words["en"]
    # only proper nouns / acronyms may appear in both languages
    assert shared <= {"JBP"}, shared
