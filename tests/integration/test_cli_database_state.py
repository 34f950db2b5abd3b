"""A database that is missing, empty or foreign gets one line and exit 2 (issue 8, items 1, 5).

Read-only commands (and ``generate --dataset``, which needs a stored dataset) never create
a SQLite file, and never leave a traceback behind on a file without rota's tables.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.databases import TestDatabase

from rota.cli import main

# Commands that only read a database, or need one that already holds a dataset.
READERS: dict[str, Callable[[str, Path], list[str]]] = {
    "runs": lambda db, d: ["runs", "--db", db],
    "validate --run": lambda db, d: ["validate", "--run", "1", "--db", db],
    "validate --csv": lambda db, d: [
        "validate", "--csv", str(d / "run.csv"), "--dataset", "1", "--db", db
    ],
    "export": lambda db, d: ["export", "--run", "1", "--out", str(d / "out.csv"), "--db", db],
    "generate --dataset": lambda db, d: ["generate", "--dataset", "999", "--db", db],
}  # fmt: skip


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The single ``rota: error:`` line on stderr (asserting nothing else was printed)."""
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("rota: error: "), err
    assert err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("command", list(READERS))
def test_a_missing_sqlite_file_is_refused_and_not_created(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8 item 1: no SQLite file at the path: one line, exit 2, and still no file."""
    path = tmp_path / "new.db"
    assert main(READERS[command](f"sqlite:///{path}", tmp_path)) == 2
    err = one_error_line(capsys)
    assert f"no SQLite database at {path}" in err
    assert "rota seed --tier tiny" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", list(READERS))
def test_an_empty_sqlite_file_names_the_missing_tables_and_the_fix(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8 item 1: an existing file without rota's tables: one line naming what to run."""
    path = tmp_path / "empty.db"
    path.touch()
    (tmp_path / "run.csv").write_text("person_id\n")
    assert main(READERS[command](f"sqlite:///{path}", tmp_path)) == 2
    err = one_error_line(capsys)
    assert f"SQLite database {path} has no rota tables" in err
    assert "rota seed --tier tiny" in err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("command", list(READERS))
def test_a_database_without_tables_is_one_line_on_both_backends(
    command: str, fresh_db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8 item 1: a new PostgreSQL database (or empty SQLite file): one line, exit 2."""
    if fresh_db.backend == "sqlite":
        Path(fresh_db.url.database or "").touch()
    (tmp_path / "run.csv").write_text("person_id\n")
    assert main(READERS[command](fresh_db.url_text(), tmp_path)) == 2
    err = one_error_line(capsys)
    assert "has no rota tables: seed a dataset into it first (rota seed --tier tiny" in err


def test_a_foreign_database_with_some_of_the_tables_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8 item 1: a database holding only some of rota's tables names those missing."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE datasets (id INTEGER PRIMARY KEY)")
    conn.close()
    assert main(["runs", "--db", f"sqlite:///{path}"]) == 2
    err = one_error_line(capsys)
    assert "lacks rota's tables" in err
    assert "schedule_runs" in err


def test_generate_dataset_on_a_new_file_then_the_readers_all_say_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8 item 1, as reported: after ``generate --dataset 999`` the readers still work."""
    db = f"sqlite:///{tmp_path / 'new.db'}"
    for argv in (
        ["generate", "--dataset", "999", "--db", db],
        ["runs", "--db", db],
        ["validate", "--run", "1", "--db", db],
        ["export", "--run", "1", "--db", db],
    ):
        assert main(argv) == 2, argv
        assert "no SQLite database at" in one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_generate_dataset_on_a_seeded_database_still_names_the_unknown_dataset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tables check does not hide the ordinary 'no such dataset' message."""
    db = f"sqlite:///{tmp_path / 'rota.db'}"
    assert main(["seed", "--tier", "tiny", "--db", db]) == 0
    capsys.readouterr()
    assert main(["generate", "--dataset", "999", "--db", db]) == 2
    assert "999" in one_error_line(capsys)


@pytest.mark.parametrize("value", ["", "   "])
@pytest.mark.parametrize("command", ["runs", "datasets", "seed", "generate"])
def test_an_empty_db_option_is_a_usage_error(
    command: str,
    value: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 8 item 5: ``--db ''`` is refused; it does not fall back to ./rota.db."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ROTA_DATABASE_URL", raising=False)
    extra = ["--tier", "tiny"] if command in ("seed", "generate") else []
    assert main([command, *extra, "--db", value]) == 2
    err = one_error_line(capsys)
    assert "--db is empty" in err
    assert list(tmp_path.iterdir()) == []
