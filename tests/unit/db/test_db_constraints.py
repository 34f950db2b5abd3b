"""Every unique and check constraint rejects a bad row, on every backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from tests.databases import Factory

from rota.db import (
    AbsenceRow,
    AssignmentRow,
    CoverageRow,
    DatasetRow,
    PersonRow,
    RotationRow,
    ScheduleRunRow,
    SessionRow,
)
from rota.domain import Role

# A violation: given the fixtures (by name), insert a row the database must refuse.
Violation = Callable[[dict[str, Any]], Awaitable[object]]


@dataclass(frozen=True)
class Case:
    name: str
    violate: Violation
    match: str  # a regex the error names: the constraint (checks) or its columns (unique)


async def _dup_dataset(f: dict[str, Any]) -> object:
    first = await f["make_dataset"]()
    return await f["make_dataset"](seed=first.seed)


async def _dup_session(f: dict[str, Any]) -> object:
    await f["make_session"](name="AM")
    return await f["make_session"](name="AM")


async def _dup_person(f: dict[str, Any]) -> object:
    await f["make_person"](code="R001")
    return await f["make_person"](code="R001")


async def _dup_rotation(f: dict[str, Any]) -> object:
    await f["make_rotation"](code="WARD")
    return await f["make_rotation"](code="WARD")


async def _coverage(f: dict[str, Any], **fields: int) -> object:
    rotation, session = await f["make_rotation"](), await f["make_session"]()
    return await f["make_coverage"](rotation_id=rotation.id, session_id=session.id, **fields)


async def _dup_coverage(f: dict[str, Any]) -> object:
    rotation, session = await f["make_rotation"](), await f["make_session"]()
    await f["make_coverage"](rotation_id=rotation.id, session_id=session.id)
    return await f["make_coverage"](rotation_id=rotation.id, session_id=session.id)


async def _dup_assignment(f: dict[str, Any]) -> object:
    run, person = await f["make_run"](), await f["make_person"]()
    session, rotation = await f["make_session"](), await f["make_rotation"]()
    keys = {"run_id": run.id, "person_id": person.id, "session_id": session.id}
    await f["make_assignment"](**keys, rotation_id=rotation.id, date=dt.date(2027, 1, 5))
    other = await f["make_rotation"]()
    return await f["make_assignment"](**keys, rotation_id=other.id, date=dt.date(2027, 1, 5))


async def _absence(f: dict[str, Any], **fields: Any) -> object:
    person = await f["make_person"]()
    return await f["make_absence"](person_id=person.id, **fields)


async def _raw_weekend_rule(f: dict[str, Any]) -> object:
    # Through SQL: the ORM refuses an unknown enum value before the database could.
    session: AsyncSession = f["db_session"]
    statement = text(
        "INSERT INTO rotations (dataset_id, code, name, kind, min_pgy, supervised, "
        "weekend_rule, night_is_call) VALUES (:d, 'X', 'X', 'ward', 1, false, 'sometimes', false)"
    )
    return await session.execute(statement, {"d": f["dataset"].id})


async def _raw_run_status(f: dict[str, Any]) -> object:
    session: AsyncSession = f["db_session"]
    statement = text(
        "INSERT INTO schedule_runs (dataset_id, seed, status, settings, timings, "
        "sql_statements, metrics, created_at) "
        "VALUES (:d, 0, 'done-ish', '{}', '{}', '{}', '{}', CURRENT_TIMESTAMP)"
    )
    return await session.execute(statement, {"d": f["dataset"].id})


CASES = [
    Case("datasets unique (tier, seed)", _dup_dataset, r"tier|uq_datasets"),
    Case("datasets days > 0", lambda f: f["make_dataset"](days=0), "ck_datasets_days_positive"),
    Case("sessions unique (dataset, name)", _dup_session, r"name|uq_sessions"),
    Case(
        "sessions start < end",
        lambda f: f["make_session"](start_minute=720, end_minute=720),
        "ck_sessions_start_before_end",
    ),
    Case(
        "sessions start >= 0",
        lambda f: f["make_session"](start_minute=-60, end_minute=60),
        "ck_sessions_start_not_negative",
    ),
    Case("people unique (dataset, code)", _dup_person, r"code|uq_people"),
    Case("people pgy >= 1", lambda f: f["make_person"](pgy=0), "ck_people_pgy_positive"),
    Case(
        "residents have a pgy",
        lambda f: f["make_person"](pgy=None),
        "ck_people_pgy_matches_role",
    ),
    Case(
        "faculty have no pgy",
        lambda f: f["make_person"](role=Role.FACULTY, pgy=2),
        "ck_people_pgy_matches_role",
    ),
    Case("rotations unique (dataset, code)", _dup_rotation, r"code|uq_rotations"),
    Case(
        "rotations supervision_capacity > 0",
        lambda f: f["make_rotation"](supervision_capacity=0),
        "ck_rotations_capacity_positive",
    ),
    Case(
        "rotations max_pgy >= min_pgy",
        lambda f: f["make_rotation"](min_pgy=3, max_pgy=2),
        "ck_rotations_pgy_range",
    ),
    Case(
        "rotations min_pgy >= 1",
        lambda f: f["make_rotation"](min_pgy=0),
        "ck_rotations_min_pgy_positive",
    ),
    Case("rotations weekend rule is known", _raw_weekend_rule, "ck_rotations_weekend_rule"),
    Case(
        "rotations pgy1_weight > 0",
        lambda f: f["make_rotation"](pgy1_weight=0),
        "ck_rotations_pgy1_weight_positive",
    ),
    Case(
        "coverage min <= max",
        lambda f: _coverage(f, min_residents=3, max_residents=2),
        "ck_rotation_coverage_min_within_max",
    ),
    Case(
        "coverage min >= 0",
        lambda f: _coverage(f, min_residents=-1, max_residents=2),
        "ck_rotation_coverage_min_not_negative",
    ),
    Case("coverage primary key (rotation, session)", _dup_coverage, r"rotation_coverage"),
    Case(
        "absences start <= end",
        lambda f: _absence(f, start_date=dt.date(2027, 1, 9), end_date=dt.date(2027, 1, 8)),
        "ck_absences_start_before_end",
    ),
    Case("run status is known", _raw_run_status, "ck_schedule_runs_run_status"),
    Case("assignments unique (run, person, date, session)", _dup_assignment, r"assignments"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_constraint_rejects_bad_row(
    case: Case,
    db_session: AsyncSession,
    dataset: DatasetRow,
    make_dataset: Factory[DatasetRow],
    make_session: Factory[SessionRow],
    make_person: Factory[PersonRow],
    make_rotation: Factory[RotationRow],
    make_coverage: Factory[CoverageRow],
    make_absence: Factory[AbsenceRow],
    make_run: Factory[ScheduleRunRow],
    make_assignment: Factory[AssignmentRow],
) -> None:
    """The database refuses the row with an IntegrityError naming the constraint."""
    fixtures = dict(locals())
    savepoint = await db_session.begin_nested()
    with pytest.raises(IntegrityError, match=case.match):
        await case.violate(fixtures)
    await savepoint.rollback()


async def test_valid_rows_are_accepted(
    db_session: AsyncSession,
    make_person: Factory[PersonRow],
    make_rotation: Factory[RotationRow],
    make_session: Factory[SessionRow],
    make_coverage: Factory[CoverageRow],
) -> None:
    """Rows at the edge of every constraint are stored (the checks are not too strict)."""
    await make_person(role=Role.FACULTY, pgy=None)
    await make_person(pgy=1)
    rotation = await make_rotation(min_pgy=2, max_pgy=2, supervision_capacity=1, pgy1_weight=1)
    session = await make_session(start_minute=0, end_minute=1)
    await make_coverage(rotation_id=rotation.id, session_id=session.id, min_residents=0,
                        max_residents=0)  # fmt: skip
    await db_session.flush()
