from __future__ import annotations

import pytest

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.core.paths import PROJECT_ROOT
from jbp_analysis.study.reference import district_label, district_slug, districts, resolve_district


def test_reference_table_is_the_35_central_java_districts() -> None:
    d = districts()
    assert len(d) == 35
    assert d.bps_code.is_unique
    assert (d.bps_code.str[:2] == "33").all()
    assert (d["type"] == "Kota").sum() == 6
    assert district_label("3373") == "Kota Salatiga"
    assert district_slug("3322") == "3322-kab-semarang"


def test_reference_copy_matches_shared_reference() -> None:
    shared = PROJECT_ROOT.parent / "shared" / "reference" / "central_java_districts.csv"
    if not shared.exists():
        pytest.skip("shared/ not beside the checkout")
    ours = (PROJECT_ROOT / "study" / "reference" / "central_java_districts.csv").read_text()
    assert ours == shared.read_text()


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("3322", "3322"),
        ("Kab. Semarang", "3322"),
        ("Kota Semarang", "3374"),
        ("kabupaten tegal", "3328"),
        ("Salatiga", "3373"),
        ("boyolali", "3309"),
    ],
)
def test_resolve_district(given: str, code: str) -> None:
    assert resolve_district(given) == code


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("Semarang", "ambiguous"),
        ("9999", "unknown BPS district code"),
        ("../../x", "not a BPS code"),
        ('Kab. "Semarang"', "not a BPS code"),
        ("Atlantis", "unknown district"),
    ],
)
def test_resolve_district_rejects_bad_parameters(given: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_district(given)
