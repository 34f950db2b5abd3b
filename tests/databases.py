"""Test databases on both backends, and a statement counter (shared by the fixtures)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from rota.db import Base, create_engine

RowT = TypeVar("RowT", bound=Base)
# A row factory fixture: call it with column overrides, await the inserted row.
Factory = Callable[..., Awaitable[RowT]]

POSTGRES_URL_VAR = "ROTA_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_VAR = "ROTA_REQUIRE_POSTGRES"
SKIP_POSTGRES = f"set {POSTGRES_URL_VAR} to run PostgreSQL tests (scripts/pg-test-server start)"


def postgres_server_url() -> URL | None:
    """The test server's URL, None when unset (skip), or a failure when it is required."""
    raw = os.environ.get(POSTGRES_URL_VAR, "").strip()
    if raw:
        return make_url(raw).set(drivername="postgresql+asyncpg")
    if os.environ.get(REQUIRE_POSTGRES_VAR) == "1":
        pytest.fail(f"{REQUIRE_POSTGRES_VAR}=1 but {POSTGRES_URL_VAR} is not set", pytrace=False)
    return None


async def _postgres_admin(server: URL, statement: str) -> None:
    """Run CREATE/DROP DATABASE (which refuse transactions) on the server's own database."""
    engine = create_engine(server).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


class TestDatabase:
    """One test database: its URL and how to make an engine on it, created and dropped."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, backend: str, url: URL, server: URL | None = None) -> None:
        self.backend = backend
        self.url = url
        self._server = server

    def url_text(self) -> str:
        """The URL as a ``--db`` argument (password included)."""
        return self.url.render_as_string(hide_password=False)

    def engine(self) -> AsyncEngine:
        """A new engine on this database (the caller disposes of it)."""
        return create_engine(self.url)

    @classmethod
    def create(cls, backend: str, tmp_dir: Path) -> TestDatabase:
        """A new, empty database of ``backend`` (SQLite: a file in ``tmp_dir``)."""
        if backend == "sqlite":
            return cls(backend, make_url(f"sqlite+aiosqlite:///{tmp_dir / 'rota.db'}"))
        server = postgres_server_url()
        if server is None:
            pytest.skip(SKIP_POSTGRES)
        name = f"rota_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        asyncio.run(_postgres_admin(server, f'CREATE DATABASE "{name}"'))
        return cls(backend, server.set(database=name), server)

    def drop(self) -> None:
        """Drop the database (PostgreSQL; a SQLite file goes with its temp dir)."""
        if self._server is not None:
            statement = f'DROP DATABASE IF EXISTS "{self.url.database}" WITH (FORCE)'
            asyncio.run(_postgres_admin(self._server, statement))


class StatementCounter:
    """Counts the SQL statements an engine executes while active (executemany counts once)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        self.statements: list[str] = []

    def _count(self, *args: Any) -> None:
        self.statements.append(args[2])  # (conn, cursor, statement, parameters, ...)

    def __enter__(self) -> StatementCounter:
        event.listen(self._engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        """Statements seen so far."""
        return len(self.statements)
