"""Reading datasets back: the whole program in a constant number of bulk queries.

``load_program`` issues one query per table whatever the tier (no N+1), and builds the
plain domain objects the engine works on, with database ids.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rota.db.models import (
    AbsenceRow,
    CoverageRow,
    DatasetRow,
    PersonRow,
    RotationRow,
    SessionRow,
)
from rota.domain import Absence, Coverage, Person, Program, Role, Rotation, SessionDef
from rota.errors import UsageError


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """What is seeded: one dataset's identity and sizes, without its rows."""

    id: int
    tier: str
    seed: int
    fingerprint: str
    start_date: dt.date
    days: int
    created_at: dt.datetime
    residents: int
    faculty: int
    rotations: int


async def load_program(session: AsyncSession, dataset_id: int) -> Program:
    """The program of dataset ``dataset_id``, in six queries whatever its size.

    People and rotations come ordered by code, sessions by start time (then name),
    coverage by session, absences by person code and dates.

    Raises:
        UsageError: no dataset has that id.
    """
    dataset = (
        await session.execute(
            select(DatasetRow.start_date, DatasetRow.days).where(DatasetRow.id == dataset_id)
        )
    ).one_or_none()
    if dataset is None:
        raise UsageError(f"no dataset with id {dataset_id}: 'rota datasets' lists them")

    session_rows = await session.execute(
        select(SessionRow.id, SessionRow.name, SessionRow.start_minute, SessionRow.end_minute)
        .where(SessionRow.dataset_id == dataset_id)
        .order_by(SessionRow.start_minute, SessionRow.name)
    )
    sessions = tuple(SessionDef(*row) for row in session_rows)

    people_rows = await session.execute(
        select(PersonRow.id, PersonRow.code, PersonRow.role, PersonRow.pgy, PersonRow.name)
        .where(PersonRow.dataset_id == dataset_id)
        .order_by(PersonRow.code)
    )
    people = tuple(Person(*row) for row in people_rows)

    coverage = await _coverage_by_rotation(session, dataset_id)
    rotation_rows = await session.execute(
        select(
            RotationRow.id,
            RotationRow.code,
            RotationRow.name,
            RotationRow.kind,
            RotationRow.min_pgy,
            RotationRow.max_pgy,
            RotationRow.supervised,
            RotationRow.supervision_capacity,
            RotationRow.pgy1_weight,
            RotationRow.weekend_rule,
            RotationRow.night_is_call,
        )
        .where(RotationRow.dataset_id == dataset_id)
        .order_by(RotationRow.code)
    )
    rotations = tuple(
        Rotation(
            id=r.id,
            code=r.code,
            name=r.name,
            kind=r.kind,
            min_pgy=r.min_pgy,
            max_pgy=r.max_pgy,
            coverage=tuple(coverage.get(r.id, ())),
            supervised=r.supervised,
            supervision_capacity=r.supervision_capacity,
            pgy1_weight=r.pgy1_weight,
            weekend_rule=r.weekend_rule,
            night_is_call=r.night_is_call,
        )
        for r in rotation_rows
    )

    absence_rows = await session.execute(
        select(AbsenceRow.person_id, AbsenceRow.start_date, AbsenceRow.end_date, AbsenceRow.kind)
        .join(PersonRow, PersonRow.id == AbsenceRow.person_id)
        .where(PersonRow.dataset_id == dataset_id)
        .order_by(PersonRow.code, AbsenceRow.start_date, AbsenceRow.end_date, AbsenceRow.kind)
    )
    absences = tuple(Absence(*row) for row in absence_rows)
    return Program(dataset.start_date, dataset.days, sessions, people, rotations, absences)


async def _coverage_by_rotation(
    session: AsyncSession, dataset_id: int
) -> dict[int, list[Coverage]]:
    rows = await session.execute(
        select(
            CoverageRow.rotation_id,
            CoverageRow.session_id,
            CoverageRow.min_residents,
            CoverageRow.max_residents,
        )
        .join(RotationRow, RotationRow.id == CoverageRow.rotation_id)
        .join(SessionRow, SessionRow.id == CoverageRow.session_id)
        .where(RotationRow.dataset_id == dataset_id)
        .order_by(CoverageRow.rotation_id, SessionRow.start_minute, SessionRow.name)
    )
    coverage: dict[int, list[Coverage]] = defaultdict(list)
    for rotation_id, session_id, low, high in rows:
        coverage[rotation_id].append(Coverage(session_id, low, high))
    return coverage


def _info_query() -> Select[DatasetRow, int, int, int]:
    """Datasets with their sizes, counted by correlated subqueries (one statement)."""
    residents = (
        select(func.count())
        .where(PersonRow.dataset_id == DatasetRow.id, PersonRow.role == Role.RESIDENT)
        .scalar_subquery()
    )
    faculty = (
        select(func.count())
        .where(PersonRow.dataset_id == DatasetRow.id, PersonRow.role == Role.FACULTY)
        .scalar_subquery()
    )
    rotations = (
        select(func.count()).where(RotationRow.dataset_id == DatasetRow.id).scalar_subquery()
    )
    return select(DatasetRow, residents, faculty, rotations)


def _info(row: DatasetRow, residents: int, faculty: int, rotations: int) -> DatasetInfo:
    return DatasetInfo(
        id=row.id,
        tier=row.tier,
        seed=row.seed,
        fingerprint=row.fingerprint,
        start_date=row.start_date,
        days=row.days,
        created_at=row.created_at,
        residents=residents,
        faculty=faculty,
        rotations=rotations,
    )


async def find_dataset(session: AsyncSession, tier: str, seed: int) -> DatasetInfo | None:
    """The dataset seeded for (``tier``, ``seed``), or None when there is none."""
    query = _info_query().where(DatasetRow.tier == tier, DatasetRow.seed == seed)
    row = (await session.execute(query)).one_or_none()
    return None if row is None else _info(*row)


async def list_datasets(session: AsyncSession) -> list[DatasetInfo]:
    """Every seeded dataset, by id."""
    rows = await session.execute(_info_query().order_by(DatasetRow.id))
    return [_info(*row) for row in rows]
