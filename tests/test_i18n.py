from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
from fixtures.processed import make_processed

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.i18n import (
    CATALOGUE_FILE,
    LANGS,
    NEUTRAL,
    TABLE,
    contrast_arms,
    contrast_label,
    fmt_pct,
    fmt_rp,
    outcome_label,
    read_catalogue,
    t,
)


def test_every_key_has_both_languages_and_they_differ() -> None:
    for key, entry in TABLE.items():
        assert set(entry) == set(LANGS), key
        assert all(entry[lang].strip() for lang in LANGS), key
        if key not in NEUTRAL:
            assert entry["id"] != entry["en"], f"{key} is the same in id and en"


def test_catalogue_is_a_key_id_en_csv_with_one_row_per_key() -> None:
    import csv

    with CATALOGUE_FILE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["key", "id", "en"]
    assert all(len(r) == 3 for r in rows), "every row has exactly key, id and en"
    keys = [r[0] for r in rows[1:]]
    assert len(keys) == len(set(keys)) == len(TABLE)
    assert TABLE == {r[0]: {"id": r[1], "en": r[2]} for r in rows[1:]}
    for key, entry in TABLE.items():  # a spreadsheet's stray spaces would reach the reader
        assert all(entry[lang] == entry[lang].strip() for lang in LANGS), key


def test_the_package_holds_no_translated_text_in_code() -> None:
    import ast
    import inspect

    import jbp_analysis.i18n as i18n

    tree = ast.parse(inspect.getsource(i18n))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            texts = {
                k.value
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant)
                and isinstance(v, ast.Constant | ast.JoinedStr)
                and isinstance(getattr(v, "value", ""), str)
            }
            assert not set(LANGS) <= texts, (
                f"line {node.lineno}: a translation written as code; add it to {CATALOGUE_FILE.name}"
            )


def test_catalogue_is_read_once() -> None:
    import jbp_analysis.i18n as i18n

    assert i18n.TABLE is i18n.TABLE
    assert t("arm.kontrol", "en") == "Control"


@pytest.mark.parametrize(
    ("text", "match", "row", "column"),
    [
        ("key,id\narm.x,X\n", "lacks column", 0, None),
        ("key,id,en\narm.x,X,Y\narm.x,X,Z\n", "written twice", 2, "key"),
        ("key,id,en\narm.x,X,\n", "no 'en' text", 1, "en"),
        ("key,id,en\n,X,Y\n", "key is empty", 1, "key"),
    ],
)
def test_a_bad_catalogue_is_a_clear_error(tmp_path, text, match, row, column) -> None:
    path = tmp_path / "catalogue.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(JBPInputError, match=match) as err:
        read_catalogue(path)
    assert (err.value.file, err.value.row, err.value.column) == (str(path), row, column)


def test_catalogue_saved_by_excel_reads_the_same(tmp_path) -> None:
    path = tmp_path / "catalogue.csv"  # Excel's "CSV UTF-8" adds a byte-order mark and CRLF
    text = CATALOGUE_FILE.read_text(encoding="utf-8").replace("\n", "\r\n")
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    assert read_catalogue(path) == TABLE


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
