"""Several ``rota generate`` processes on one new SQLite file (issue 8, item 3).

Each process either waits for the others (SQLite's busy timeout) and stores its run, or
fails with one line; none prints a traceback, and the dataset is seeded once.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from rota.cli import main

# The CLI as a separate interpreter, exactly as the console script calls it.
ROTA = [sys.executable, "-c", "import sys; from rota.cli import main; sys.exit(main())"]


def start_generate(db: str, tier: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*ROTA, "generate", "--tier", tier, "--db", db],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("tier", "processes"),
    [("large", 2), ("tiny", 4)],  # large: as reported; tiny: four at once, a tighter race
)
@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_concurrent_generate_on_a_new_sqlite_file_waits_or_fails_in_one_line(
    tier: str, processes: int, attempt: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8 item 3: no 'database is locked' traceback; every success is stored once."""
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    started = [start_generate(db, tier, tmp_path) for _ in range(processes)]
    finished = [(p.wait(timeout=300), *p.communicate()) for p in started]
    succeeded = 0
    for code, out, err in finished:
        assert "Traceback" not in err, err
        if code == 0:
            succeeded += 1
            assert out.startswith("run "), out
        else:
            assert code == 2, (code, err)
            assert err.startswith("rota: error: "), err
            assert err.count("\n") == 1, err
    assert main(["runs", "--db", db]) == 0
    assert capsys.readouterr().out.count(f"{tier}/0") == succeeded
    assert main(["datasets", "--db", db]) == 0
    assert capsys.readouterr().out.count(f" {tier} ") == 1


def test_a_lock_held_past_the_busy_timeout_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8 item 3: when waiting is not enough, 'database is locked' is one line, exit 2."""
    path = tmp_path / "busy.db"
    assert main(["seed", "--tier", "tiny", "--db", f"sqlite:///{path}"]) == 0
    capsys.readouterr()
    monkeypatch.setattr("rota.db.engine.SQLITE_BUSY_TIMEOUT", 0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process's write, never finishing
        assert main(["seed", "--tier", "small", "--db", f"sqlite:///{path}"]) == 2
    finally:
        holder.close()
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1, err
    assert f"rota: error: SQLite database {path} stayed locked by another process" in err
