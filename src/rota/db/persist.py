"""Storing a schedule run: the run and all its assignments in one transaction.

Either the whole run is stored or nothing is: an exception or an interrupt anywhere
before the commit rolls everything back, so no partial run is ever visible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from rota.db.models import AssignmentRow, Base, RunStatus, ScheduleRunRow
from rota.domain import Assignment
from rota.errors import UsageError

# The Core table: a Core executemany skips the ORM's per-row bookkeeping.
ASSIGNMENTS = Base.metadata.tables["assignments"]


@dataclass(slots=True)
class RunRecord:
    """What a run row holds besides its assignments."""

    dataset_id: int
    seed: int
    status: RunStatus = RunStatus.SUCCEEDED
    settings: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    sql_statements: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    schedule_hash: str | None = None


async def persist_run(
    sessions: async_sessionmaker[AsyncSession],
    record: RunRecord,
    assignments: Sequence[Assignment],
) -> int:
    """Insert the run and its assignments with two bulk statements; return the run id."""
    async with sessions() as session, session.begin():
        run_id = await insert_run(session, record)
        await insert_assignments(session, run_id, assignments)
    return run_id


async def insert_run(session: AsyncSession, record: RunRecord) -> int:
    """Insert the run row (inside the caller's transaction) and return its id."""
    values: Mapping[str, Any] = {
        "dataset_id": record.dataset_id,
        "seed": record.seed,
        "status": record.status,
        "settings": record.settings,
        "timings": record.timings,
        "sql_statements": record.sql_statements,
        "metrics": record.metrics,
        "schedule_hash": record.schedule_hash,
        "created_at": dt.datetime.now(dt.UTC),
        "finished_at": dt.datetime.now(dt.UTC),
    }
    result = await session.execute(
        insert(ScheduleRunRow).values(**values).returning(ScheduleRunRow.id)
    )
    return int(result.scalar_one())


async def insert_assignments(
    session: AsyncSession, run_id: int, assignments: Sequence[Assignment]
) -> None:
    """Insert every assignment of a run with one executemany (inside the transaction)."""
    if not assignments:
        return
    rows = [
        {
            "run_id": run_id,
            "person_id": a.person_id,
            "date": a.date,
            "session_id": a.session_id,
            "rotation_id": a.rotation_id,
        }
        for a in assignments
    ]
    await session.execute(insert(ASSIGNMENTS), rows)


async def load_assignments(session: AsyncSession, run_id: int) -> list[Assignment]:
    """The assignments of a stored run, in one query."""
    result = await session.execute(
        select(
            AssignmentRow.person_id,
            AssignmentRow.date,
            AssignmentRow.session_id,
            AssignmentRow.rotation_id,
        ).where(AssignmentRow.run_id == run_id)
    )
    return [Assignment(*row) for row in result]


async def get_run(session: AsyncSession, run_id: int) -> ScheduleRunRow:
    """The stored run ``run_id``, or a ``UsageError`` saying how to list the runs."""
    run = await session.get(ScheduleRunRow, run_id)
    if run is None:
        raise UsageError(f"no schedule run with id {run_id}: 'rota runs' lists them")
    return run


async def list_runs(session: AsyncSession) -> list[ScheduleRunRow]:
    """Every stored run, newest first, in one query."""
    result = await session.execute(select(ScheduleRunRow).order_by(ScheduleRunRow.id.desc()))
    return list(result.scalars())
