"""Async engines and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg).

The same code runs on both; what differs is set up here, per connection. Nothing here
runs at import time: callers create an engine when they need one and dispose of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from rota.db.errors import check_sqlite_location, missing_tables_error, translate_errors
from rota.db.models import Base
from rota.db.url import normalize_url, sqlite_target

# Seconds to wait for a PostgreSQL server before calling it unreachable.
DEFAULT_CONNECT_TIMEOUT = 5.0
# Seconds a SQLite connection waits for another process's lock before "database is locked".
SQLITE_BUSY_TIMEOUT = 30.0
# Execution option of ``for_writing``: begin SQLite transactions with BEGIN IMMEDIATE.
_WRITE_LOCK = "rota_sqlite_write_lock"

# Run on every new SQLite connection. The journal mode comes first: read-only files skip it.
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",  # readers do not block the writer; persists in the file
    "PRAGMA foreign_keys=ON",  # off by default, and set per connection
    "PRAGMA synchronous=NORMAL",  # safe with WAL: fsync at checkpoints, not every commit
)


def create_engine(
    url: URL | str,
    *,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    connect_args: Mapping[str, Any] | None = None,
) -> AsyncEngine:
    """An async engine for ``url`` (normalized to its async driver).

    Args:
        url: a database URL; plain ``sqlite:``/``postgresql:`` forms are accepted.
        connect_timeout: PostgreSQL only: seconds before an unreachable server is an error.
        connect_args: extra driver arguments, e.g. asyncpg ``server_settings``.
    """
    url = normalize_url(url)
    args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        args["timeout"] = connect_timeout
    else:  # sqlite3's busy timeout: wait this long for another process's lock
        args["timeout"] = SQLITE_BUSY_TIMEOUT
    args.update(connect_args or {})
    engine = _create_async_engine(url, connect_args=args)
    if url.get_backend_name() == "sqlite":
        target = sqlite_target(url)
        # A read-only file cannot switch journal mode, and is never written anyway.
        pragmas = _SQLITE_PRAGMAS[1:] if target and target.read_only else _SQLITE_PRAGMAS
        event.listen(engine.sync_engine, "connect", partial(_sqlite_on_connect, pragmas))
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(
    pragmas: tuple[str, ...], dbapi_connection: Any, _record: ConnectionPoolEntry
) -> None:
    # The driver's own transaction handling skips BEGIN before DDL and SAVEPOINT; turn it
    # off (isolation_level=None) and emit BEGIN ourselves in _sqlite_on_begin, so DDL is
    # transactional and savepoints nest (the recipe of SQLAlchemy's SQLite docs).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in pragmas:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    write_lock = connection.get_execution_options().get(_WRITE_LOCK, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write_lock else "BEGIN")


def for_writing(engine: AsyncEngine) -> AsyncEngine:
    """``engine`` whose SQLite transactions take the write lock at BEGIN (BEGIN IMMEDIATE).

    A SQLite transaction that reads before it writes cannot wait for another process's
    write: once that one commits, the reader's snapshot is stale and SQLite fails at once
    with "database is locked", whatever the busy timeout. Taking the lock first makes such
    a transaction (create the tables, look the dataset up, insert it) wait its turn
    instead. The returned engine shares ``engine``'s pool; other backends are unaffected.
    """
    return engine.execution_options(**{_WRITE_LOCK: True})


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on ``engine`` that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def open_database(
    url: URL | str, *, create: bool = True, require_tables: bool = False
) -> AsyncIterator[AsyncEngine]:
    """An engine on ``url``, checked reachable, disposed of on exit.

    Database errors a user can fix (no server, wrong port, a missing directory, a
    read-only file) raised while connecting or inside the block become ``UsageError``.

    Args:
        url: the database URL (see ``rota.db.url.resolve_url``).
        create: False for read-only commands: a missing SQLite file is an error, not
            an empty database to create.
        require_tables: True for commands that read stored data: a database without
            rota's tables (new, empty or another program's) is a ``UsageError`` naming
            what to run, not a "no such table" traceback.
    """
    url = normalize_url(url)
    check_sqlite_location(url, create=create)
    engine = create_engine(url)
    try:
        with translate_errors(url):
            async with engine.connect():
                pass
            if require_tables:
                missing = await missing_tables(engine)
                if missing:
                    raise missing_tables_error(url, missing, of=len(Base.metadata.tables))
            yield engine
    finally:
        await engine.dispose()


async def create_tables(engine: AsyncEngine) -> None:
    """Create every missing table and index, in one transaction."""
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


async def has_tables(engine: AsyncEngine) -> bool:
    """True when the database holds rota's tables (False for a new, empty one)."""
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: inspect(sync).has_table("datasets"))


async def missing_tables(engine: AsyncEngine) -> list[str]:
    """The names of rota's tables the database lacks, sorted (empty when all are there)."""
    async with engine.connect() as conn:
        present = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    return sorted(set(Base.metadata.tables) - present)
