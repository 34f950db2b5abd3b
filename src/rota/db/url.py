"""Which database to use: the ``--db`` option, else the environment, else ``./rota.db``.

Users write the URLs they know (``sqlite:///rota.db``, ``postgresql://user@host/db``);
the engine needs the async drivers, so this module maps each supported scheme to one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from rota.errors import UsageError

ENV_VAR = "ROTA_DATABASE_URL"
DEFAULT_SQLITE_FILE = "rota.db"
SUPPORTED_FORMS = "sqlite:///PATH or postgresql://USER@HOST:PORT/DBNAME"

# Every scheme a user may write, and the async driver it means.
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def resolve_url(option: str | None, environ: Mapping[str, str] | None = None) -> URL:
    """The async database URL from the option, else the environment, else ``./rota.db``.

    Raises:
        UsageError: ``option`` is given but blank (``--db ''``): a forgotten variable in
            a script must not silently fall back to ``./rota.db``. A blank environment
            variable counts as unset, as is usual.
    """
    env = os.environ if environ is None else environ
    if option is not None and not option.strip():
        raise UsageError(
            f"--db is empty: give a database URL ({SUPPORTED_FORMS}), or leave --db out "
            f"to use ${ENV_VAR}, else ./{DEFAULT_SQLITE_FILE}"
        )
    raw = option or env.get(ENV_VAR, "").strip() or f"sqlite:///{DEFAULT_SQLITE_FILE}"
    return normalize_url(raw)


def normalize_url(raw: str | URL) -> URL:
    """Parse ``raw`` (unless already a URL) and point it at the async driver of its backend.

    Raises:
        UsageError: the URL is malformed or names a backend other than SQLite or
            PostgreSQL (or a driver other than aiosqlite or asyncpg).
    """
    try:
        url = raw if isinstance(raw, URL) else make_url(raw.strip())
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise UsageError(
            f"malformed database URL {_redacted(str(raw))!r}: write {SUPPORTED_FORMS}"
        ) from None
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise UsageError(
            f"unsupported database URL scheme {url.drivername!r}: write {SUPPORTED_FORMS}"
        )
    return url.set(drivername=driver)


def display_url(url: URL) -> str:
    """The URL as it is safe and readable to print: password hidden, paths unescaped."""
    if url.get_backend_name() == "sqlite":
        query = "&".join(f"{k}={v}" for k, v in sorted(url.query.items()))
        return f"{url.drivername}:///{url.database or ''}" + (f"?{query}" if query else "")
    return url.render_as_string(hide_password=True)


def _redacted(raw: str) -> str:
    """``raw`` with anything between ``:`` and ``@`` of its authority hidden."""
    scheme, sep, rest = raw.partition("://")
    authority, at, tail = rest.partition("@")
    if not sep or not at or ":" not in authority:
        return raw
    user = authority.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}"


@dataclass(frozen=True, slots=True)
class SqliteTarget:
    """The file behind a SQLite URL and how it is opened."""

    path: Path
    read_only: bool


def sqlite_target(url: URL) -> SqliteTarget | None:
    """The file a SQLite URL names, or None for PostgreSQL and in-memory databases.

    Understands the plain form (``sqlite+aiosqlite:///PATH``) and the URI form
    (``sqlite+aiosqlite:///file:PATH?mode=ro&uri=true``).
    """
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if url.query.get("uri") in ("true", "1"):
        if not database.startswith("file:"):
            return None
        path = database.removeprefix("file:").split("?", 1)[0]
        mode = url.query.get("mode")
        if path in ("", ":memory:") or mode == "memory":
            return None
        return SqliteTarget(Path(path), read_only=mode == "ro")
    if database in ("", ":memory:"):
        return None
    return SqliteTarget(Path(database), read_only=False)
