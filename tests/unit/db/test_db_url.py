"""Database URLs: where they come from, and the async driver each scheme means."""

from __future__ import annotations

from pathlib import Path

import pytest

from rota.db.url import (
    ENV_VAR,
    SUPPORTED_FORMS,
    SqliteTarget,
    display_url,
    normalize_url,
    resolve_url,
    sqlite_target,
)
from rota.errors import UsageError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sqlite:///rota.db", "sqlite+aiosqlite:///rota.db"),
        ("sqlite:////tmp/x/rota.db", "sqlite+aiosqlite:////tmp/x/rota.db"),
        ("sqlite+aiosqlite:///rota.db", "sqlite+aiosqlite:///rota.db"),
        ("postgresql://u@h:5433/db", "postgresql+asyncpg://u@h:5433/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("  sqlite:///padded.db  ", "sqlite+aiosqlite:///padded.db"),
    ],
)
def test_supported_schemes_map_to_async_drivers(raw: str, expected: str) -> None:
    """Plain and async forms of both backends normalize to aiosqlite and asyncpg."""
    assert normalize_url(raw).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize(
    "raw",
    ["mysql://u@h/db", "sqlite+pysqlite:///x.db", "postgresql+psycopg://u@h/db", "http://h"],
)
def test_other_schemes_are_refused_naming_the_supported_forms(raw: str) -> None:
    """Any other backend or driver is a UsageError that says what to write instead."""
    with pytest.raises(UsageError, match="unsupported database URL scheme") as info:
        normalize_url(raw)
    assert SUPPORTED_FORMS in str(info.value)


@pytest.mark.parametrize("raw", ["not a url", "postgresql://h:port/db", "://nothing"])
def test_malformed_urls_are_refused(raw: str) -> None:
    """Text that is not a URL (or has a non-numeric port) is a UsageError."""
    with pytest.raises(UsageError, match="malformed database URL"):
        normalize_url(raw)


def test_a_malformed_url_does_not_echo_its_password() -> None:
    """The error quotes the URL with its password hidden."""
    with pytest.raises(UsageError) as info:
        normalize_url("postgresql://me:s3cret@h:nope/db")
    assert "s3cret" not in str(info.value)


def test_option_beats_environment_beats_default() -> None:
    """``--db`` wins over ROTA_DATABASE_URL, which wins over ./rota.db."""
    env = {ENV_VAR: "postgresql://u@h/envdb"}
    assert resolve_url("sqlite:///opt.db", env).database == "opt.db"
    assert resolve_url(None, env).database == "envdb"
    default = resolve_url(None, {})
    assert (default.drivername, default.database) == ("sqlite+aiosqlite", "rota.db")


def test_display_hides_the_password_and_keeps_sqlite_paths_readable() -> None:
    """Printed URLs show no password, and a SQLite URI path is not percent-escaped."""
    assert "s3cret" not in display_url(normalize_url("postgresql://me:s3cret@h/db"))
    uri = normalize_url("sqlite:///file:/tmp/r.db?mode=ro&uri=true")
    assert display_url(uri) == "sqlite+aiosqlite:///file:/tmp/r.db?mode=ro&uri=true"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sqlite:///rota.db", SqliteTarget(Path("rota.db"), read_only=False)),
        ("sqlite:///file:/tmp/r.db?mode=ro&uri=true", SqliteTarget(Path("/tmp/r.db"), True)),
        ("sqlite:///file:/tmp/r.db?mode=rw&uri=true", SqliteTarget(Path("/tmp/r.db"), False)),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql://u@h/db", None),
    ],
)
def test_sqlite_target_names_the_file_behind_the_url(
    raw: str, expected: SqliteTarget | None
) -> None:
    """Plain and URI SQLite URLs name their file; memory and PostgreSQL name none."""
    assert sqlite_target(normalize_url(raw)) == expected
