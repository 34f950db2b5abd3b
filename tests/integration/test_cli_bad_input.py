"""Bad input: one line on stderr naming the problem and the fix, exit 2, nothing written."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.databases import SKIP_POSTGRES, postgres_server_url

from rota.cli import main


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class BadInput:
    name: str
    argv: Callable[[Path], list[str]]  # given an empty temp dir
    says: str  # a phrase the one-line error must hold


CASES = [
    BadInput(
        "unknown tier",
        lambda d: ["seed", "--tier", "huge", "--db", sqlite_url(d / "r.db")],
        "unknown tier 'huge': choose one of tiny, small",
    ),
    BadInput(
        "seed not an integer",
        lambda d: ["seed", "--tier", "tiny", "--seed", "abc", "--db", sqlite_url(d / "r.db")],
        "seed must be a whole number",
    ),
    BadInput(
        "negative seed",
        lambda d: ["seed", "--tier", "tiny", "--seed", "-1", "--db", sqlite_url(d / "r.db")],
        "seed must be between 0 and",
    ),
    BadInput(
        "unknown option",
        lambda d: ["seed", "--tier", "tiny", "--bogus", "--db", sqlite_url(d / "r.db")],
        "unrecognized arguments: --bogus (see 'rota --help')",
    ),
    BadInput("no command", lambda d: [], "(see 'rota --help')"),
    BadInput(
        "malformed URL",
        lambda d: ["seed", "--tier", "tiny", "--db", "not a url"],
        "malformed database URL 'not a url': write sqlite:///PATH or postgresql://",
    ),
    BadInput(
        "malformed port",
        lambda d: ["datasets", "--db", "postgresql://rota@127.0.0.1:port/rota"],
        "malformed database URL",
    ),
    BadInput(
        "unsupported scheme",
        lambda d: ["seed", "--tier", "tiny", "--db", "mysql://rota@127.0.0.1/rota"],
        "unsupported database URL scheme 'mysql': write sqlite:///PATH or postgresql://",
    ),
    BadInput(
        "unreachable PostgreSQL",
        lambda d: [
            "seed",
            "--tier",
            "tiny",
            "--db",
            f"postgresql://rota@127.0.0.1:{closed_port()}/rota",
        ],
        "cannot reach PostgreSQL at 127.0.0.1:",
    ),
    BadInput(
        "missing directory",
        lambda d: ["seed", "--tier", "tiny", "--db", sqlite_url(d / "missing" / "r.db")],
        "missing does not exist: create it or point --db",
    ),
    BadInput(
        "database path is a directory",
        lambda d: ["seed", "--tier", "tiny", "--db", sqlite_url(d)],
        "is a directory, not a SQLite file",
    ),
    BadInput(
        "read-only command on a missing file",
        lambda d: ["datasets", "--db", sqlite_url(d / "absent.db")],
        "no SQLite database at",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_one_line_and_exit_2(
    case: BadInput, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The error is one line that names the problem; nothing is printed or created."""
    assert main(case.argv(tmp_path)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("rota: error: ")
    assert err.count("\n") == 1, err
    assert case.says in err
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_sqlite_file_is_refused_and_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Seeding into a file opened read-only (a real mode=ro URI) fails cleanly, writes nothing."""
    path = tmp_path / "ro.db"
    path.touch()
    argv = ["seed", "--tier", "tiny", "--db", f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"]
    assert main(argv) == 2
    _, err = capsys.readouterr()
    assert err == (
        f"rota: error: SQLite database {path} is read-only: make it writable or point --db "
        "or ROTA_DATABASE_URL at a writable location\n"
    )
    assert path.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ro.db"]


def test_a_file_that_is_not_a_database_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pointing --db at some other file says so instead of failing with a traceback."""
    path = tmp_path / "notes.db"
    path.write_text("not a database\n" * 200)
    assert main(["datasets", "--db", sqlite_url(path)]) == 2
    assert "is not a SQLite database" in capsys.readouterr().err


@pytest.mark.postgres
def test_a_missing_postgres_database_names_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    """A server that is up but lacks the database: the error says to create it."""
    server = postgres_server_url()
    if server is None:
        pytest.skip(SKIP_POSTGRES)
    url = server.set(database="rota_no_such_database").render_as_string(hide_password=False)
    assert main(["datasets", "--db", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert 'database "rota_no_such_database" does not exist: create it (createdb)' in err
