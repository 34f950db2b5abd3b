"""Database failures a user can fix, turned into one-line ``UsageError`` messages.

Only failures with a known cause and fix are translated (no server, wrong port or name,
a missing directory, a read-only file); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from rota.db.url import ENV_VAR, display_url, sqlite_target
from rota.errors import UsageError

_WHERE = f"--db or {ENV_VAR}"

# PostgreSQL SQLSTATE codes of connection failures, and what to do about each.
_PG_STATES = {
    "3D000": "create it (createdb) or fix the database name in " + _WHERE,
    "28000": "create the role or fix the user name in " + _WHERE,
    "28P01": "fix the password in " + _WHERE,
    "57P03": "wait for the server to finish starting, then retry",
    "53300": "too many connections: close some or raise max_connections",
}


def check_sqlite_location(url: URL, *, create: bool) -> None:
    """Fail early, before SQLite creates anything, when its file cannot be right.

    Args:
        url: a normalized URL; anything but a SQLite file passes.
        create: whether a missing file may be created (False for read-only commands).

    Raises:
        UsageError: the file's directory is missing, the path is a directory, or the
            file is missing and ``create`` is False.
    """
    target = sqlite_target(url)
    if target is None:
        return
    path = target.path
    if path.is_dir():
        raise UsageError(f"{path} is a directory, not a SQLite file: point {_WHERE} at a file")
    if not path.exists():
        if not create or target.read_only:
            raise UsageError(
                f"no SQLite database at {path}: seed one first (rota seed --tier tiny) "
                f"or point {_WHERE} at an existing database"
            )
        parent = path.parent
        if not parent.is_dir():
            raise UsageError(
                f"directory {parent} does not exist: create it or point {_WHERE} elsewhere"
            )


def missing_tables_error(url: URL, missing: list[str], *, of: int) -> UsageError:
    """The one-line error for a database lacking rota's tables (``missing`` of ``of``)."""
    target = sqlite_target(url)
    where = f"SQLite database {target.path}" if target else display_url(url)
    if len(missing) >= of:
        what = "has no rota tables"
    else:
        what = f"lacks rota's tables {', '.join(missing)}"
    return UsageError(
        f"{where} {what}: seed a dataset into it first (rota seed --tier tiny with the "
        f"same --db), or point {_WHERE} at a rota database"
    )


@contextmanager
def translate_errors(url: URL) -> Iterator[None]:
    """Turn fixable connection and file errors raised in the block into ``UsageError``."""
    try:
        yield
    except DBAPIError as exc:
        message = _describe_dbapi_error(url, exc)
        if message is None:
            raise
        raise UsageError(message) from exc
    except OSError as exc:  # asyncpg raises socket errors as they are
        if url.get_backend_name() != "postgresql":
            raise
        raise UsageError(_describe_unreachable(url, exc)) from exc


def _describe_unreachable(url: URL, exc: OSError) -> str:
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    if isinstance(exc, ConnectionRefusedError):
        cause = "connection refused"
    elif isinstance(exc, TimeoutError):
        cause = "timed out"
    else:
        cause = str(exc) or type(exc).__name__
    return (
        f"cannot reach PostgreSQL at {where} ({cause}): start the server "
        f"(scripts/pg-test-server start) or fix the host and port in {_WHERE}"
    )


def _describe_dbapi_error(url: URL, exc: DBAPIError) -> str | None:
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    target = sqlite_target(url)
    if url.get_backend_name() == "postgresql":
        fix = _PG_STATES.get(getattr(exc.orig, "sqlstate", None) or "")
        if fix is None:
            return None
        return f"PostgreSQL at {display_url(url)}: {detail}: {fix}"
    if target is None:
        return None
    path = target.path
    if "readonly database" in detail:
        return (
            f"SQLite database {path} is read-only: make it writable "
            f"or point {_WHERE} at a writable location"
        )
    if "unable to open database file" in detail:
        return (
            f"cannot open SQLite database {path}: check that its directory exists and "
            f"is writable, or point {_WHERE} elsewhere"
        )
    if "database is locked" in detail:
        return (
            f"SQLite database {path} stayed locked by another process past the busy "
            f"timeout: retry when that process finishes (PostgreSQL suits many concurrent "
            f"writers)"
        )
    if "file is not a database" in detail:
        return f"{path} is not a SQLite database: point {_WHERE} at a rota database"
    return None
