"""aiosqlite's requests run in the calling thread inside ``inline_requests`` (issue 11)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from rota.perf.inline_sqlite import inline_requests


async def _thread_of_a_query(path: Path) -> tuple[int, int]:
    """The thread SQLite ran a query in, and how many threads were alive meanwhile."""
    seen: list[int] = []

    def whose() -> int:
        seen.append(threading.get_ident())
        return 1

    async with aiosqlite.connect(path) as db:
        await db.create_function("whose", 0, whose)
        async with db.execute("SELECT whose()") as cursor:
            assert [tuple(row) for row in await cursor.fetchall()] == [(1,)]
        alive = threading.active_count()
    return seen[0], alive


async def test_requests_run_in_the_calling_thread_and_no_thread_starts(tmp_path: Path) -> None:
    before = threading.active_count()
    with inline_requests():
        ident, alive = await _thread_of_a_query(tmp_path / "a.db")
    assert ident == threading.get_ident()
    assert alive == before


async def test_outside_the_block_connections_get_their_thread_again(tmp_path: Path) -> None:
    with inline_requests():
        pass
    ident, _ = await _thread_of_a_query(tmp_path / "a.db")
    assert ident != threading.get_ident()  # the connection's own thread


async def test_an_error_reaches_the_awaiting_caller_and_the_connection_goes_on(
    tmp_path: Path,
) -> None:
    with inline_requests():
        async with aiosqlite.connect(tmp_path / "a.db") as db:
            with pytest.raises(sqlite3.OperationalError, match="no such table"):
                await db.execute("SELECT * FROM missing")
            await db.execute("CREATE TABLE t (x INTEGER)")
            await db.execute("INSERT INTO t VALUES (7)")
            await db.commit()
            async with db.execute("SELECT x FROM t") as cursor:
                assert [tuple(row) for row in await cursor.fetchall()] == [(7,)]


async def test_sqlalchemy_async_engine_works_inline(tmp_path: Path) -> None:
    with inline_requests():
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
        try:
            async with engine.begin() as conn:
                await conn.execute(text("CREATE TABLE t (x INTEGER)"))
                await conn.execute(text("INSERT INTO t VALUES (1), (2)"))
            async with engine.connect() as conn:
                assert (await conn.execute(text("SELECT sum(x) FROM t"))).scalar_one() == 3
        finally:
            await engine.dispose()
