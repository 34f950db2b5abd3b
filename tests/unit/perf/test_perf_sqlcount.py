"""SqlCounter counts statements and rows exactly, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from rota.perf.sqlcount import SqlCounter, SqlCounts

metadata = MetaData()
item = Table(
    "perf_sqlcount_item",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False),
    Column("qty", Integer, nullable=False),
)

CREATE_SQL = (
    "CREATE TABLE perf_sqlcount_item (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, "
    "qty INTEGER NOT NULL)"
)


@pytest.fixture
def engine(fresh_engine: AsyncEngine) -> AsyncEngine:
    """The project's engine on an empty database of each backend (see tests/conftest.py)."""
    return fresh_engine


async def test_known_sequence_counts_exactly(engine: AsyncEngine) -> None:
    """DDL, a 50-row executemany, 3 selects and a 10-row update count 6 statements, 60 rows."""
    with SqlCounter(engine) as counter:
        async with engine.begin() as conn:
            with counter.phase("ddl"):
                await conn.execute(text(CREATE_SQL))
            with counter.phase("insert"):
                rows = [{"id": i, "name": f"n{i}", "qty": i} for i in range(1, 51)]
                await conn.execute(item.insert(), rows)
            with counter.phase("select"):
                for _ in range(3):
                    assert len((await conn.execute(select(item))).all()) == 50
            with counter.phase("update"):
                await conn.execute(update(item).where(item.c.id <= 10).values(qty=0))

    counts = counter.snapshot()
    assert (counts.statements, counts.rows_written) == (6, 60)
    assert counter.phases == {
        "ddl": SqlCounts(1, 0, 1),
        "insert": SqlCounts(1, 50, 1),
        "select": SqlCounts(3, 0, 3),
        "update": SqlCounts(1, 10, 1),
    }


async def test_batched_bulk_insert_is_one_statement(engine: AsyncEngine) -> None:
    """An insertmanyvalues INSERT sent in several batches counts as one statement."""
    async with engine.begin() as conn:
        await conn.execute(text(CREATE_SQL))
    rows = [{"id": i, "name": f"n{i}", "qty": i} for i in range(1, 2501)]
    with SqlCounter(engine) as counter:
        async with engine.begin() as conn:
            result = await conn.execute(item.insert().returning(item.c.id), rows)
            assert len(result.all()) == 2500
    counts = counter.snapshot()
    assert (counts.statements, counts.rows_written) == (1, 2500)
    assert counts.cursor_executions > 1  # the batches themselves are still visible


async def test_textual_and_returning_dml_count_reported_rows(engine: AsyncEngine) -> None:
    """Textual DML and DML with RETURNING count the rows the driver reports."""
    async with engine.begin() as conn:
        await conn.execute(text(CREATE_SQL))
        await conn.execute(item.insert(), [{"id": i, "name": "a", "qty": i} for i in range(1, 21)])
    with SqlCounter(engine) as counter:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE perf_sqlcount_item SET qty = 1 WHERE id <= 3"))
            deleted = await conn.execute(item.delete().where(item.c.id > 15).returning(item.c.id))
            assert len(deleted.all()) == 5
            await conn.execute(text("DELETE FROM perf_sqlcount_item WHERE id > 1000"))
    counts = counter.snapshot()
    assert (counts.statements, counts.rows_written) == (3, 8)


async def test_transaction_control_is_not_a_statement(engine: AsyncEngine) -> None:
    """BEGIN, SAVEPOINT, RELEASE and COMMIT are not counted, whatever the backend sends."""
    with SqlCounter(engine) as counter:
        async with engine.begin() as conn:
            async with conn.begin_nested():
                await conn.execute(text("SELECT 1"))
            await conn.execute(text("SELECT 2"))
    counts = counter.snapshot()
    assert counts.statements == 2
    assert counts.cursor_executions >= 4  # at least SAVEPOINT and RELEASE went through a cursor


async def test_listeners_are_removed_on_exit(engine: AsyncEngine) -> None:
    """After the block, the engine has no counter listeners and counts stop changing."""
    counter = SqlCounter(engine)
    with counter:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    assert not counter.installed
    listener = counter._before_cursor_execute
    assert not event.contains(engine.sync_engine, "before_cursor_execute", listener)
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    assert counter.statements == 1


async def test_listeners_are_removed_when_the_block_raises(engine: AsyncEngine) -> None:
    """An error inside the block still removes the listeners and records no phase."""
    counter = SqlCounter(engine)

    async def failing_phase() -> None:
        with counter, counter.phase("broken"):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await failing_phase()
    assert not counter.installed
    assert counter.phases == {}
    assert counter.statements == 1


def test_counter_cannot_be_installed_twice(tmp_path: Path) -> None:
    """Entering an installed counter again is an error, not double counting."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'twice.db'}")
    counter = SqlCounter(engine)
    with counter, pytest.raises(RuntimeError, match="already installed"), counter:
        pass
    assert not counter.installed


def test_counts_add_and_subtract() -> None:
    """SqlCounts support the arithmetic phases use."""
    assert SqlCounts(3, 10, 4) - SqlCounts(1, 5, 1) == SqlCounts(2, 5, 3)
    assert SqlCounts(1, 1, 1) + SqlCounts(2, 2, 2) == SqlCounts(3, 3, 3)
    assert SqlCounts(1, 2, 3).as_dict() == {
        "statements": 1,
        "rows_written": 2,
        "cursor_executions": 3,
    }
