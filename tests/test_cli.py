from __future__ import annotations

import subprocess
import sys

from jbp_analysis.cli import main


def test_help_lists_every_step(capsys) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for step in ("simulate", "clean", "report", "power", "all"):
        assert step in out


def test_user_error_is_one_paragraph_without_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "jbp_analysis.cli", "report", "--district", "../../x"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout


def test_districts_command_lists_35(capsys) -> None:
    assert main(["districts"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 35 and lines[0].startswith("3301")
