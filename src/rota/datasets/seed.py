"""Seeding: one generated dataset into the database, in one transaction, with bulk inserts.

Every table is one executemany (a list of dicts); the new ids come back through
RETURNING (SQLAlchemy's insertmanyvalues) and are matched to the generator's local ids by
natural key, so the cost is linear in the rows. The tables are created in the same
transaction when missing, and a failure anywhere leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import delete, insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from rota.datasets.generator import GeneratedDataset
from rota.datasets.progress import SeedProgress
from rota.datasets.tiers import TIERS
from rota.db.engine import for_writing
from rota.db.load import DatasetInfo, find_dataset
from rota.db.models import (
    AbsenceRow,
    Base,
    CoverageRow,
    DatasetRow,
    PersonRow,
    RotationRow,
    SessionRow,
)
from rota.errors import UsageError

# Tiers at least this big (large and up) show a progress bar on stderr.
PROGRESS_FROM = TIERS["large"].resident_sessions
# Rows per executemany when a table is long enough to report progress in steps.
CHUNK_ROWS = 1000

SeedTarget: TypeAlias = AsyncEngine | async_sessionmaker[AsyncSession]


@dataclass(frozen=True, slots=True)
class SeedResult:
    """What seeding did: the dataset as stored, whether it is new, and how long it took."""

    dataset: DatasetInfo
    created: bool
    replaced: bool
    rows: int
    seconds: float


async def seed_dataset(
    target: SeedTarget,
    generated: GeneratedDataset,
    *,
    replace: bool = False,
    progress: bool | None = None,
) -> SeedResult:
    """Insert ``generated`` unless its (tier, seed) is already seeded.

    Args:
        target: an engine, or a session factory (whose sessions may join an outer
            transaction, as in tests).
        generated: the dataset to insert.
        replace: delete a stored dataset of the same (tier, seed) whose fingerprint
            differs (with its runs) and insert this one.
        progress: show a progress bar on stderr; by default for tiers large and up.

    Raises:
        UsageError: the stored dataset of this (tier, seed) has another fingerprint
            (the generator changed) and ``replace`` is False.
    """
    started = time.perf_counter()
    show = generated.tier.resident_sessions >= PROGRESS_FROM if progress is None else progress
    try:
        async with _transaction(target) as (session, conn):
            await conn.run_sync(Base.metadata.create_all)
            existing = await find_dataset(session, generated.tier.name, generated.seed)
            replaced = False
            if existing is not None:
                if existing.fingerprint == generated.fingerprint:
                    return SeedResult(existing, False, False, 0, time.perf_counter() - started)
                if not replace:
                    raise _stale(existing, generated)
                await conn.execute(delete(DatasetRow).where(DatasetRow.id == existing.id))
                replaced = True
            with SeedProgress(generated, enabled=show) as bar:
                dataset, rows = await _insert_dataset(conn, generated, bar)
    except IntegrityError:
        # Another process may have seeded the same (tier, seed) meanwhile: report it.
        existing = await _seeded_meanwhile(target, generated)
        if existing is None:
            raise
        return SeedResult(existing, False, False, 0, time.perf_counter() - started)
    return SeedResult(dataset, True, replaced, rows, time.perf_counter() - started)


async def _seeded_meanwhile(target: SeedTarget, generated: GeneratedDataset) -> DatasetInfo | None:
    """The same dataset, if a concurrent seed stored it; None for any other state."""
    try:
        async with _transaction(target) as (session, _):
            existing = await find_dataset(session, generated.tier.name, generated.seed)
    except DBAPIError:  # e.g. the tables this seed was creating were rolled back
        return None
    if existing is None or existing.fingerprint != generated.fingerprint:
        return None
    return existing


def _stale(existing: DatasetInfo, generated: GeneratedDataset) -> UsageError:
    return UsageError(
        f"dataset {existing.tier} seed {existing.seed} is stored with fingerprint "
        f"{existing.fingerprint[:12]} but the generator now makes "
        f"{generated.fingerprint[:12]}: reseed with --replace (deletes its runs) "
        f"or use another database"
    )


@asynccontextmanager
async def _transaction(target: SeedTarget) -> AsyncIterator[tuple[AsyncSession, AsyncConnection]]:
    """A session in a transaction (committed on success) and its connection."""
    # The transaction reads (tables, the stored dataset) before it writes: on SQLite it
    # must hold the write lock from BEGIN to wait for a concurrent seed (see for_writing).
    factory = async_sessionmaker(for_writing(target)) if isinstance(target, AsyncEngine) else target
    async with factory() as session, session.begin():
        yield session, await session.connection()


async def insert_rows(
    conn: AsyncConnection,
    table: type[Base],
    rows: Sequence[Mapping[str, Any]],
    *,
    returning: tuple[InstrumentedAttribute[Any], InstrumentedAttribute[int]] | None = None,
) -> dict[Any, int]:
    """Insert ``rows`` in one executemany; with ``returning`` (key, id), map keys to new ids.

    A module-level function so that tests can inject a fault between two tables.
    """
    if not rows:
        return {}
    statement = insert(table)
    if returning is None:
        await conn.execute(statement, list(rows))
        return {}
    result = await conn.execute(statement.returning(*returning), list(rows))
    return {key: new_id for key, new_id in result}  # noqa: C416 - a Result is no mapping


async def _insert_dataset(
    conn: AsyncConnection, generated: GeneratedDataset, bar: SeedProgress
) -> tuple[DatasetInfo, int]:
    program = generated.program
    created_at = dt.datetime.now(dt.UTC)
    dataset_row = {
        "tier": generated.tier.name,
        "seed": generated.seed,
        "fingerprint": generated.fingerprint,
        "start_date": program.start_date,
        "days": program.days,
        "created_at": created_at,
    }
    inserted = await conn.execute(insert(DatasetRow).returning(DatasetRow.id), dataset_row)
    dataset_id = inserted.scalar_one()
    bar.advance(1)

    sessions = [
        {"dataset_id": dataset_id, "name": s.name, "start_minute": s.start_minute,
         "end_minute": s.end_minute}
        for s in program.sessions
    ]  # fmt: skip
    session_ids = await insert_rows(
        conn, SessionRow, sessions, returning=(SessionRow.name, SessionRow.id)
    )
    bar.advance(len(sessions))
    session_id = {s.id: session_ids[s.name] for s in program.sessions}

    people = [
        {"dataset_id": dataset_id, "code": p.code, "role": p.role, "pgy": p.pgy, "name": p.name}
        for p in program.people
    ]
    person_ids = await insert_rows(
        conn, PersonRow, people, returning=(PersonRow.code, PersonRow.id)
    )
    bar.advance(len(people))
    person_id = {p.id: person_ids[p.code] for p in program.people}

    rotations = [
        {"dataset_id": dataset_id, "code": r.code, "name": r.name, "kind": r.kind,
         "min_pgy": r.min_pgy, "max_pgy": r.max_pgy, "supervised": r.supervised,
         "supervision_capacity": r.supervision_capacity, "pgy1_weight": r.pgy1_weight,
         "weekend_rule": r.weekend_rule, "night_is_call": r.night_is_call}
        for r in program.rotations
    ]  # fmt: skip
    rotation_ids = await insert_rows(
        conn, RotationRow, rotations, returning=(RotationRow.code, RotationRow.id)
    )
    bar.advance(len(rotations))

    coverage = [
        {"rotation_id": rotation_ids[r.code], "session_id": session_id[c.session_id],
         "min_residents": c.min_residents, "max_residents": c.max_residents}
        for r in program.rotations
        for c in r.coverage
    ]  # fmt: skip
    await insert_rows(conn, CoverageRow, coverage)
    bar.advance(len(coverage))

    absences = [
        {"person_id": person_id[a.person_id], "start_date": a.start, "end_date": a.end,
         "kind": a.kind}
        for a in program.absences
    ]  # fmt: skip
    for start in range(0, len(absences), CHUNK_ROWS):
        chunk = absences[start : start + CHUNK_ROWS]
        await insert_rows(conn, AbsenceRow, chunk)
        bar.advance(len(chunk))

    rows = 1 + len(sessions) + len(people) + len(rotations) + len(coverage) + len(absences)
    info = DatasetInfo(
        id=dataset_id,
        tier=generated.tier.name,
        seed=generated.seed,
        fingerprint=generated.fingerprint,
        start_date=program.start_date,
        days=program.days,
        created_at=created_at,
        residents=len(program.residents),
        faculty=len(program.faculty),
        rotations=len(program.rotations),
    )
    return info, rows
