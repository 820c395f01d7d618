"""Personal data through every channel: a roster name, NIK or phone number typed where it does
not belong never leaves ``data/raw`` in clear, whichever way it would leave.

The corpus' ``pii`` cases (``test_corpus.py``) plant a value in a kept interview with readable
answers: it reaches the processed tables only. The cases here reach the other channels:

* the enumerator table of the quality report, through a *duplicate* submission (its enumerator
  code is counted for the enumerator's duplicate share, but the row is in no processed table);
* the unreadable-values report, through a coded column: the run summary, ``quality.json`` and
  ``quality.html`` below the threshold; the exit-2 message above it; and ``jbp check``;
* the unknown-columns list, through a header.

Each case runs the command line and asserts that no roster value of the raw files appears in
any output file, on stdout or on stderr, and that each masking is counted in
``quality.json["pii_masked"]`` (for a run that writes one).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_corpus import BASE, SECRET, _outputs_text, read, roster_of, write

from jbp_analysis.cli import main

KINDS = {"name": "identitas/nama_responden", "nik": "identitas/nik", "phone": "identitas/no_hp"}


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    # a planted file is no longer the simulated sample, so the run needs a project secret
    monkeypatch.setenv("JBP_SECRET", SECRET)


def _leaks(text: str, raw: Path) -> list[str]:
    """Roster values of ``raw`` (names, NIKs, phone numbers) found in ``text``."""
    found = []
    for kind, values in roster_of(raw).items():
        found += [f"{kind} {v}" for v in values if len(v) >= 6 and v in text]
    return found


def _clean(raw: Path, out: Path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    rc = main(["clean", "--raw", str(raw), "--out", str(out)])
    cap = capsys.readouterr()
    return rc, cap.out + cap.err


def _check(raw: Path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    rc = main(["check", "--raw", str(raw)])
    cap = capsys.readouterr()
    return rc, cap.out + cap.err


def _masked(out: Path) -> dict[str, dict[str, int]]:
    return json.loads((out / "quality.json").read_text())["pii_masked"]


def _plant_duplicate(raw: Path, value_of: str) -> str:
    """A conflicting duplicate of data row 1 whose enumerator code (in both submissions) is
    the ``value_of`` column of another respondent; returns the value."""
    df = read(raw, BASE)
    value = next(v for v in df[value_of].iloc[2:] if v.strip())
    twin = df.iloc[[0]].copy()
    twin["_uuid"] = "dup-" + twin["_uuid"]
    twin["latar/umur"] = "29" if df.loc[0, "latar/umur"] != "29" else "31"
    twin["meta/kode_enumerator"] = value
    df.loc[0, "meta/kode_enumerator"] = value
    df.loc[len(df)] = twin.iloc[0]
    write(raw, BASE, df)
    return value


def _kept_rows(raw: Path, n: int) -> list[int]:
    """``n`` data rows (0-based) of the baseline whose respondent id occurs once."""
    df = read(raw, BASE)
    ids = df["identitas/id_responden"]
    once = ids.map(ids.value_counts()) == 1
    return [int(i) for i in df.index[once][5 : 5 + n]]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_roster_value_as_enumerator_code_of_a_duplicate_is_masked(kind, raw_copy, prev_out, capsys):
    value = _plant_duplicate(raw_copy, KINDS[kind])
    rc, text = _clean(raw_copy, prev_out, capsys)
    assert rc == 0, text[-3000:]
    assert value not in text and not _leaks(text, raw_copy), "leaked on the terminal"
    body = _outputs_text(prev_out)
    assert value not in body and not _leaks(body, raw_copy), "leaked into an output file"
    q = json.loads((prev_out / "quality.json").read_text())
    # the duplicate submissions are still counted for the (masked) enumerator
    masked_enum = [e for e in q["enumerators"] if e["enumerator_id"].startswith(f"[pii:{kind}:")]
    assert len(masked_enum) == 1 and masked_enum[0]["duplicates"] >= 1, q["enumerators"]
    assert _masked(prev_out).get("quality.json", {}).get("enumerators", 0) >= 1


def _as_text(kind: str, value: str) -> str:
    """A NIK or phone number as typed with separators (text, so unreadable in a coded column;
    a plain number there is read and logged as out of range instead)."""
    if kind == "nik":
        return " ".join(value[i : i + 4] for i in range(0, 16, 4))
    if kind == "phone":
        return f"{value[:4]}-{value[4:8]}-{value[8:]}"
    return value


def _roster_values(raw: Path, kinds: list[str], rows: list[int]) -> list[tuple[str, str]]:
    """For each kind, the value of a respondent other than those at ``rows`` (non-blank),
    and how it is typed into a coded column."""
    df = read(raw, BASE)
    out = []
    for i, kind in enumerate(kinds):
        col = df[KINDS[kind]]
        pick = [j for j in range(len(df)) if j not in rows and col.iloc[j].strip()][i]
        out.append((col.iloc[pick], _as_text(kind, col.iloc[pick])))
    return out


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_roster_value_in_a_coded_column_below_the_threshold_is_masked(
    kind, raw_copy, prev_out, capsys
):
    df = read(raw_copy, BASE)
    row = _kept_rows(raw_copy, 1)[0]
    [(value, typed)] = _roster_values(raw_copy, [kind], [row])
    df.loc[row, "latar/jenis_kelamin"] = typed
    write(raw_copy, BASE, df)
    rc, text = _clean(raw_copy, prev_out, capsys)
    assert rc == 0, text[-3000:]
    assert f"[pii:{kind}:" in text, "the run summary does not list the (masked) value"
    assert typed not in text and value not in text, "leaked on the terminal"
    assert not _leaks(text, raw_copy), "leaked on the terminal"
    body = _outputs_text(prev_out)
    assert typed not in body and value not in body, "leaked into an output file"
    assert not _leaks(body, raw_copy), "leaked into an output file"
    q = json.loads((prev_out / "quality.json").read_text())
    entry = next(u for u in q["unreadable"] if u["column"] == "sex" and u["file"] == BASE)
    assert entry["unreadable"] == 1
    assert entry["top_values"][0]["value"].startswith(f"[pii:{kind}:")
    assert _masked(prev_out)["quality.json"]["unreadable"] == 1
    rc, text = _check(raw_copy, capsys)
    assert rc == 0 and f"[pii:{kind}:" in text, text
    assert typed not in text and value not in text, "`jbp check` printed it"


def test_roster_values_above_the_threshold_stop_the_run_without_printing_them(
    raw_copy, prev_out, capsys
):
    from hostile_support import tree_hash

    df = read(raw_copy, BASE)
    rows = _kept_rows(raw_copy, 6)
    kinds = [*KINDS, *KINDS]
    planted = _roster_values(raw_copy, kinds, rows)
    for row, (_, typed) in zip(rows, planted, strict=True):
        df.loc[row, "latar/jenis_kelamin"] = typed
    write(raw_copy, BASE, df)
    before = tree_hash(prev_out)
    rc, text = _clean(raw_copy, prev_out, capsys)
    assert rc == 2 and "unreadable" in text and "latar/jenis_kelamin" in text, text[-3000:]
    assert all(f"[pii:{k}:" in text for k in KINDS), text[-3000:]
    leaked = [t for v, t in planted if v in text or t in text]
    assert not leaked and not _leaks(text, raw_copy), "the exit-2 message printed personal data"
    assert tree_hash(prev_out) == before
    rc, text = _check(raw_copy, capsys)
    assert rc == 2 and "[unreadable_values]" in text, text
    assert all(f"[pii:{k}:" in text for k in KINDS), text
    leaked = [t for v, t in planted if v in text or t in text]
    assert not leaked and not _leaks(text, raw_copy), "`jbp check` printed personal data"


def test_roster_name_as_a_column_header_is_masked(raw_copy, prev_out, capsys):
    df = read(raw_copy, BASE)
    name = df.loc[4, "identitas/nama_responden"]
    df[name] = "x"
    write(raw_copy, BASE, df)
    rc, text = _clean(raw_copy, prev_out, capsys)
    assert rc == 0, text[-3000:]
    assert "[pii:name:" in text  # the unknown column is still reported
    assert name not in text and not _leaks(text, raw_copy), "leaked on the terminal"
    body = _outputs_text(prev_out)
    assert name not in body and not _leaks(body, raw_copy), "leaked into an output file"
    assert _masked(prev_out)["quality.json"]["unknown_columns"] == 1
    rc, text = _check(raw_copy, capsys)
    assert "[pii:name:" in text and not _leaks(text, raw_copy), text


def test_masking_leaves_readable_runs_alone(raw_copy, prev_out, capsys):
    """Without personal data outside its columns nothing is masked or counted."""
    rc, text = _clean(raw_copy, prev_out, capsys)
    assert rc == 0 and "[pii:" not in text
    assert "pii_masked" not in json.loads((prev_out / "quality.json").read_text())
    assert "[pii:" not in pd.read_parquet(prev_out / "panel.parquet").astype(str).to_csv()
