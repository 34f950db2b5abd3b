"""Deletes cascade as a user expects, and never silently take a schedule's rows with them.

These tests commit for real (a fresh database each): keys from assignments are checked at
commit, so a rolled-back test transaction would prove nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Select, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import InstrumentedAttribute
from tests.unit.db.programs import as_generated, hand_built_program

from rota.datasets.generator import GeneratedDataset
from rota.datasets.seed import seed_dataset
from rota.db import (
    AbsenceRow,
    AssignmentRow,
    CoverageRow,
    PersonRow,
    RotationRow,
    RunStatus,
    ScheduleRunRow,
    SessionRow,
)
from rota.db.models import DatasetRow


async def seed_with_run(engine: AsyncEngine, generated: GeneratedDataset) -> tuple[int, int]:
    """Seed ``generated`` and store a run assigning every resident to WARD AM for 3 days."""
    dataset_id = (await seed_dataset(engine, generated)).dataset.id
    async with engine.begin() as conn:
        run_id = (
            await conn.execute(
                insert(ScheduleRunRow).returning(ScheduleRunRow.id),
                {"dataset_id": dataset_id, "seed": 0, "status": RunStatus.SUCCEEDED,
                 "settings": {}, "timings": {}, "sql_statements": {}, "metrics": {}},
            )
        ).scalar_one()  # fmt: skip
        people = (
            await conn.scalars(
                select(PersonRow.id).where(
                    PersonRow.dataset_id == dataset_id, PersonRow.role == "resident"
                )
            )
        ).all()
        ward = await conn.scalar(
            select(RotationRow.id).where(RotationRow.dataset_id == dataset_id,
                                         RotationRow.code == "WARD")
        )  # fmt: skip
        am = await conn.scalar(
            select(SessionRow.id).where(SessionRow.dataset_id == dataset_id,
                                        SessionRow.name == "AM")
        )  # fmt: skip
        start = generated.program.start_date
        await conn.execute(
            insert(AssignmentRow),
            [{"run_id": run_id, "person_id": p, "date": start + dt.timedelta(days=d),
              "session_id": am, "rotation_id": ward}
             for p in people for d in range(3)],
        )  # fmt: skip
    return dataset_id, run_id


def _by_dataset(dataset_id: int) -> dict[str, Select[int]]:
    count = func.count()
    return {
        "datasets": select(count).where(DatasetRow.id == dataset_id),
        "sessions": select(count).where(SessionRow.dataset_id == dataset_id),
        "people": select(count).where(PersonRow.dataset_id == dataset_id),
        "rotations": select(count).where(RotationRow.dataset_id == dataset_id),
        "rotation_coverage": select(count)
        .select_from(CoverageRow)
        .join(RotationRow)
        .where(RotationRow.dataset_id == dataset_id),
        "absences": select(count)
        .select_from(AbsenceRow)
        .join(PersonRow)
        .where(PersonRow.dataset_id == dataset_id),
        "schedule_runs": select(count).where(ScheduleRunRow.dataset_id == dataset_id),
        "assignments": select(count)
        .select_from(AssignmentRow)
        .join(ScheduleRunRow)
        .where(ScheduleRunRow.dataset_id == dataset_id),
    }


async def row_counts(conn: AsyncConnection, dataset_id: int) -> dict[str, int]:
    """Rows of every table that belong to ``dataset_id``."""
    return {
        name: (await conn.scalar(query)) or 0 for name, query in _by_dataset(dataset_id).items()
    }


async def test_deleting_a_dataset_deletes_all_its_rows_and_nothing_else(
    fresh_engine: AsyncEngine,
) -> None:
    """Deleting a dataset deletes all its rows; another dataset keeps all of its own.

    The cascade reaches sessions, people, rotations, coverage, absences, runs and their
    assignments.
    """
    doomed, _ = await seed_with_run(fresh_engine, as_generated(hand_built_program(), seed=1))
    kept, _ = await seed_with_run(fresh_engine, as_generated(hand_built_program(), seed=2))
    async with fresh_engine.connect() as conn:
        before = await row_counts(conn, kept)
        assert all(before.values()), before

    async with fresh_engine.begin() as conn:
        await conn.execute(delete(DatasetRow).where(DatasetRow.id == doomed))

    async with fresh_engine.connect() as conn:
        assert set((await row_counts(conn, doomed)).values()) == {0}
        assert await row_counts(conn, kept) == before


async def test_deleting_a_run_deletes_only_its_assignments(fresh_engine: AsyncEngine) -> None:
    """A run takes its assignments with it; the dataset and its other rows stay."""
    dataset_id, run_id = await seed_with_run(fresh_engine, as_generated(hand_built_program()))
    async with fresh_engine.connect() as conn:
        before = await row_counts(conn, dataset_id)

    async with fresh_engine.begin() as conn:
        await conn.execute(delete(ScheduleRunRow).where(ScheduleRunRow.id == run_id))

    async with fresh_engine.connect() as conn:
        after = await row_counts(conn, dataset_id)
    assert after == before | {"schedule_runs": 0, "assignments": 0}


@pytest.mark.parametrize(
    ("model", "column", "value"),
    [
        (PersonRow, PersonRow.code, "R001"),
        (RotationRow, RotationRow.code, "WARD"),
        (SessionRow, SessionRow.name, "AM"),
    ],
    ids=["person", "rotation", "session"],
)
async def test_a_row_named_by_assignments_cannot_be_deleted(
    fresh_engine: AsyncEngine,
    model: type[PersonRow | RotationRow | SessionRow],
    column: InstrumentedAttribute[str],
    value: str,
) -> None:
    """Deleting a person, rotation or session that a schedule names fails, at commit.

    The row and the schedule stay as they were.
    """
    dataset_id, _ = await seed_with_run(fresh_engine, as_generated(hand_built_program()))
    async with fresh_engine.connect() as conn:
        before = await row_counts(conn, dataset_id)

    with pytest.raises(IntegrityError):
        async with fresh_engine.begin() as conn:
            await conn.execute(delete(model).where(model.dataset_id == dataset_id, column == value))

    async with fresh_engine.connect() as conn:
        assert await row_counts(conn, dataset_id) == before


async def test_a_person_without_assignments_is_deleted_with_their_absences(
    fresh_engine: AsyncEngine,
) -> None:
    """Nothing restricts deleting a person no schedule names; their absences go too."""
    dataset_id, _ = await seed_with_run(fresh_engine, as_generated(hand_built_program()))
    async with fresh_engine.begin() as conn:  # F001 is faculty: in no assignment, one absence
        await conn.execute(
            delete(PersonRow).where(PersonRow.dataset_id == dataset_id, PersonRow.code == "F001")
        )
    async with fresh_engine.connect() as conn:
        counts = await row_counts(conn, dataset_id)
    assert (counts["people"], counts["absences"]) == (3, 1)
