"""Real data stay safe: SIMULATED.json hashes decide the demo key and where `jbp simulate` may write."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jbp_analysis.clean.pseudonymise import DEMO_KEY, SECRET_ENV, resolve_secret
from jbp_analysis.cli import main
from jbp_analysis.core.errors import ConfigError
from jbp_analysis.core.io import sha256_file
from jbp_analysis.core.simulated import (
    MARKER,
    folder_files,
    is_untouched_simulation,
    unverified_files,
)

SMALL = ["--districts", "3322", "--groups-per-district", "3", "--cohorts", "1", "--format", "mixed"]


@pytest.fixture(autouse=True)
def _no_secret(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.config/jbp/secret either
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "raw"
    assert main(["simulate", "--out", str(out), *SMALL]) == 0
    return out


def _copy(sample: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "raw"
    shutil.copytree(sample, dst)
    return dst


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p: (folder / p).read_bytes() for p in folder_files(folder)} | {
        MARKER: (folder / MARKER).read_bytes()
    }


def test_marker_records_the_hash_of_every_file_written(sample: Path) -> None:
    marker = json.loads((sample / MARKER).read_text())
    files = folder_files(sample)
    assert sorted(marker["sha256"]) == files
    assert any(f.startswith("_truth/") for f in files) and "responden_baseline.csv" in files
    for name in files:
        assert marker["sha256"][name] == sha256_file(sample / name)
    assert is_untouched_simulation(sample)


def test_same_seed_gives_the_same_marker(sample: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert main(["simulate", "--out", str(again), *SMALL]) == 0
    assert (again / MARKER).read_bytes() == (sample / MARKER).read_bytes()


def test_untouched_sample_may_be_resimulated(sample: Path, tmp_path: Path) -> None:
    raw = _copy(sample, tmp_path)
    assert main(["simulate", "--out", str(raw), *SMALL, "--seed", "5"]) == 0
    assert is_untouched_simulation(raw)
    assert json.loads((raw / MARKER).read_text())["seed"] == 5


def test_simulate_refuses_an_edited_export_and_leaves_it_byte_identical(
    sample: Path, tmp_path: Path, capsys
) -> None:
    raw = _copy(sample, tmp_path)
    target = raw / "responden_baseline.csv"
    target.write_bytes(target.read_bytes().replace(b"Kab.", b"Kab ", 1))  # a field correction
    before = _snapshot(raw)
    assert main(["simulate", "--out", str(raw), *SMALL]) == 2
    err = capsys.readouterr().err
    assert "responden_baseline.csv (changed since jbp simulate wrote it)" in err
    assert "Traceback" not in err
    assert _snapshot(raw) == before  # nothing touched, not even the untouched files


def test_simulate_refuses_a_folder_with_real_exports(tmp_path: Path, capsys) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "README.md").write_text("notes\n")
    real = raw / "JBP_responden_-_all_versions_-_False_-_2017-08-01-10-00-00.csv"
    real.write_bytes(b"start,end,_uuid\n2017-08-01,2017-08-01,abc\n")
    assert main(["simulate", "--out", str(raw), *SMALL]) == 2
    assert "not verified: no SIMULATED.json" in capsys.readouterr().err
    assert real.read_bytes() == b"start,end,_uuid\n2017-08-01,2017-08-01,abc\n"
    assert sorted(p.name for p in raw.iterdir()) == sorted(["README.md", real.name])


def test_simulate_refuses_real_files_next_to_a_simulated_sample(
    sample: Path, tmp_path: Path, capsys
) -> None:
    raw = _copy(sample, tmp_path)
    (raw / "kelompok_endline_koreksi.xlsx").write_bytes(b"PK\x03\x04 not really")
    assert main(["simulate", "--out", str(raw), *SMALL]) == 2
    assert "kelompok_endline_koreksi.xlsx (not written by jbp simulate)" in capsys.readouterr().err


def test_demo_key_only_for_the_untouched_sample(sample: Path, tmp_path: Path) -> None:
    assert resolve_secret(sample).key == DEMO_KEY
    raw = _copy(sample, tmp_path)
    shutil.copy(raw / "responden_endline.xlsx", raw / "responden_endline_v2.xlsx")
    with pytest.raises(ConfigError, match=r"responden_endline_v2.xlsx \(not written by"):
        resolve_secret(raw)
    # with a secret, real data are fine
    assert resolve_secret(raw, secret="a-long-enough-project-secret").source == "argument"


def test_real_files_with_a_leftover_marker_get_no_demo_key(sample: Path, tmp_path: Path) -> None:
    """Real exports copied over the sample keep the sample's names; the hashes tell them apart."""
    raw = _copy(sample, tmp_path)
    for name in ("responden_baseline.csv", "penugasan_kelompok.csv"):
        (raw / name).write_bytes((raw / name).read_bytes() + b"\n")
    with pytest.raises(ConfigError) as info:
        resolve_secret(raw)
    text = str(info.value)
    assert "treated as real" in text and "responden_baseline.csv" in text
    assert "penugasan_kelompok.csv" in text


def test_marker_without_hashes_verifies_nothing(sample: Path, tmp_path: Path) -> None:
    raw = _copy(sample, tmp_path)
    marker = json.loads((raw / MARKER).read_text())
    del marker["sha256"]
    (raw / MARKER).write_text(json.dumps(marker))
    assert {f.reason for f in unverified_files(raw)} == {
        "not verified: SIMULATED.json records no hashes"
    }
    with pytest.raises(ConfigError, match="treated as real") as info:
        resolve_secret(raw)
    assert "run `jbp simulate` again" in str(info.value)  # the way out for an old sample


def test_clean_refuses_real_data_without_a_secret(sample: Path, tmp_path: Path, capsys) -> None:
    raw = _copy(sample, tmp_path)
    target = raw / "responden_followup.csv"
    target.write_bytes(target.read_bytes() + b"\n")
    out = tmp_path / "processed"
    assert main(["clean", "--raw", str(raw), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "responden_followup.csv (changed since jbp simulate wrote it)" in err
    assert not out.exists() or not any(out.iterdir())
