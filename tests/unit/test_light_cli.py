"""A light CLI: commands that plot, test or trace nothing import no such library (issue 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("matplotlib", "scipy", "pytest", "memray", "pytest_benchmark")

# Runs the CLI in a fresh interpreter, then reports on its own last line which heavy
# libraries are loaded (stdout before it is the command's own output).
PROBE = f"""
import json, sys
from rota.cli import main
code = main(sys.argv[1:])
print(json.dumps({{"code": code, "loaded": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


@pytest.mark.parametrize("argv", [["tiers"], ["--help"]], ids=["tiers", "help"])
def test_light_commands_import_no_plotting_stats_test_or_tracing_library(
    argv: list[str], tmp_path: Path
) -> None:
    """``rota tiers`` and ``rota --help`` load none of matplotlib, scipy, pytest, memray."""
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(completed.stdout.splitlines()[-1])
    assert report["code"] == 0
    assert report["loaded"] == []
    assert list(tmp_path.iterdir()) == []
