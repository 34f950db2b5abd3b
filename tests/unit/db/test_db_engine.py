"""Engines: SQLite connection settings, transactional DDL, savepoints, fixable failures."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from tests.databases import Factory

from rota.db import Base, DatasetRow, create_engine, create_tables, has_tables, open_database
from rota.errors import UsageError


async def test_every_sqlite_connection_enforces_keys_and_uses_wal(tmp_path: Path) -> None:
    """Foreign keys on, WAL journal and synchronous=NORMAL on each pooled connection."""
    engine = create_engine(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        async with engine.connect() as first, engine.connect() as second:
            for conn in (first, second):
                pragmas = [
                    (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                    for name in ("foreign_keys", "journal_mode", "synchronous")
                ]
                assert pragmas == [1, "wal", 1]  # synchronous: 1 is NORMAL
    finally:
        await engine.dispose()


async def test_ddl_is_transactional(fresh_engine: AsyncEngine) -> None:
    """Tables created in a rolled-back transaction do not exist afterwards."""
    async with fresh_engine.connect() as conn:
        transaction = await conn.begin()
        await conn.run_sync(Base.metadata.create_all)
        await transaction.rollback()
    assert not await has_tables(fresh_engine)


async def test_create_tables_makes_every_table(fresh_engine: AsyncEngine) -> None:
    """After create_tables the database holds rota's eight tables."""
    assert not await has_tables(fresh_engine)
    await create_tables(fresh_engine)
    async with fresh_engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert names >= {"datasets", "sessions", "people", "rotations", "rotation_coverage",
                     "absences", "schedule_runs", "assignments"}  # fmt: skip


async def test_every_load_query_has_an_index(fresh_engine: AsyncEngine) -> None:
    """Tables loaded by dataset have an index leading with dataset_id; absences by person.

    A unique constraint on (dataset_id, code) counts: its index leads with dataset_id.
    """
    await create_tables(fresh_engine)

    def leading_columns(sync: Any) -> dict[str, set[str]]:
        inspector = inspect(sync)
        leading: dict[str, set[str]] = {}
        for table in inspector.get_table_names():
            indexes = inspector.get_indexes(table) + inspector.get_unique_constraints(table)
            primary = inspector.get_pk_constraint(table)["constrained_columns"]
            firsts = {str(ix["column_names"][0]) for ix in indexes} | set(primary[:1])
            leading[table] = firsts
        return leading

    async with fresh_engine.connect() as conn:
        leading = await conn.run_sync(leading_columns)
    for table in ("sessions", "people", "rotations", "schedule_runs"):
        assert "dataset_id" in leading[table], table
    assert "person_id" in leading["absences"]
    assert "rotation_id" in leading["rotation_coverage"]
    assert "run_id" in leading["assignments"]


async def test_a_rolled_back_savepoint_keeps_the_outer_work(
    db_session: AsyncSession, make_dataset: Factory[DatasetRow]
) -> None:
    """Nested transactions (SAVEPOINT) work on both backends, aiosqlite included."""
    kept = await make_dataset()
    savepoint = await db_session.begin_nested()
    await make_dataset()
    await savepoint.rollback()
    ids = (await db_session.scalars(select(DatasetRow.id))).all()
    assert ids == [kept.id]


async def test_a_read_only_sqlite_uri_opens_and_reads(tmp_path: Path) -> None:
    """A file opened with mode=ro connects (no journal-mode switch) and can be read."""
    path = tmp_path / "ro.db"
    writer = create_engine(f"sqlite:///{path}")
    await create_tables(writer)
    await writer.dispose()
    async with open_database(make_url(f"sqlite:///file:{path}?mode=ro&uri=true")) as engine:
        assert await has_tables(engine)


async def test_a_missing_directory_is_refused_before_anything_is_created(
    tmp_path: Path,
) -> None:
    """A SQLite path in a missing directory names the directory and creates nothing."""
    url = make_url(f"sqlite+aiosqlite:///{tmp_path / 'nope' / 'rota.db'}")
    with pytest.raises(UsageError, match=r"directory .*nope does not exist"):
        async with open_database(url):
            pass
    assert not (tmp_path / "nope").exists()


def test_a_read_only_command_does_not_create_a_missing_file(tmp_path: Path) -> None:
    """With create=False, a missing SQLite file is an error and stays missing."""
    url = make_url(f"sqlite+aiosqlite:///{tmp_path / 'absent.db'}")

    async def open_read_only() -> None:
        async with open_database(url, create=False):
            pass

    with pytest.raises(UsageError, match="no SQLite database at"):
        asyncio.run(open_read_only())
    assert list(tmp_path.iterdir()) == []


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_an_unreachable_postgres_is_a_usage_error() -> None:
    """Connection refused becomes a one-line UsageError naming host, port and the fix."""
    url = make_url(f"postgresql+asyncpg://rota@127.0.0.1:{closed_port()}/rota")
    with pytest.raises(UsageError, match=r"cannot reach PostgreSQL at 127\.0\.0\.1:\d+") as info:
        async with open_database(url):
            pass
    assert "pg-test-server" in str(info.value)


def test_importing_the_package_creates_no_engine(tmp_path: Path) -> None:
    """Importing rota's modules opens no database and creates no file (no import-time work)."""
    probe = (
        "import gc, rota.db, rota.cli, rota.datasets.seed\n"
        "from sqlalchemy.engine import Engine\n"
        "from sqlalchemy.ext.asyncio import AsyncEngine\n"
        "rota.cli.build_parser()\n"
        "assert not [o for o in gc.get_objects() if isinstance(o, (Engine, AsyncEngine))]\n"
    )
    subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, check=True)
    assert list(tmp_path.iterdir()) == []


async def test_sql_text_runs_unchanged_on_both_backends(db_session: AsyncSession) -> None:
    """The same statement runs on SQLite and PostgreSQL (one code path)."""
    assert (await db_session.execute(text("SELECT 1 + 1"))).scalar() == 2


async def test_timestamps_read_back_as_aware_utc(
    db_session: AsyncSession, make_dataset: Factory[DatasetRow]
) -> None:
    """An aware timestamp comes back as the same instant in UTC, on SQLite too."""
    moment = dt.datetime(2027, 1, 4, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    row_id = (await make_dataset(created_at=moment)).id
    db_session.expunge_all()  # read from the database, not the identity map
    stored = await db_session.scalar(select(DatasetRow.created_at).where(DatasetRow.id == row_id))
    assert stored == moment
    assert stored is not None
    assert stored.utcoffset() == dt.timedelta(0)  # aware, and in UTC


async def test_naive_timestamps_are_refused(
    db_session: AsyncSession, make_dataset: Factory[DatasetRow]
) -> None:
    """A naive datetime is an error, not silently taken for some zone."""
    with pytest.raises(StatementError, match="naive datetime"):
        await make_dataset(created_at=dt.datetime(2027, 1, 4, 9, 30))
