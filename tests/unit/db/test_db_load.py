"""Loading: a stored dataset comes back as the same program, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tests.databases import StatementCounter
from tests.unit.db.programs import as_generated, hand_built_program

from rota.datasets.fingerprint import fingerprint
from rota.datasets.generator import GeneratedDataset, generate_dataset
from rota.datasets.seed import seed_dataset
from rota.db import PersonRow, find_dataset, list_datasets, load_program
from rota.errors import UsageError


async def test_a_loaded_program_has_the_fingerprint_it_was_seeded_with(
    db_session: AsyncSession,
    db_session_factory: async_sessionmaker[AsyncSession],
    hand_dataset: GeneratedDataset,
) -> None:
    """Seeding then loading gives the same rows, hence the generator's fingerprint."""
    seeded = await seed_dataset(db_session_factory, hand_dataset)
    program = await load_program(db_session, seeded.dataset.id)
    assert fingerprint(program) == hand_dataset.fingerprint == seeded.dataset.fingerprint


async def test_a_loaded_program_is_ordered_and_carries_database_ids(
    db_session: AsyncSession,
    db_session_factory: async_sessionmaker[AsyncSession],
    hand_dataset: GeneratedDataset,
) -> None:
    """People and rotations by code, sessions by start; ids are the database's."""
    dataset_id = (await seed_dataset(db_session_factory, hand_dataset)).dataset.id
    program = await load_program(db_session, dataset_id)

    assert [p.code for p in program.people] == ["F001", "R001", "R002", "R003"]
    assert [r.code for r in program.rotations] == ["CLINIC", "ICU", "WARD"]
    assert [s.name for s in program.sessions] == ["AM", "PM", "NIGHT"]
    stored = dict(
        (await db_session.execute(
            select(PersonRow.code, PersonRow.id).where(PersonRow.dataset_id == dataset_id)
        )).all()
    )  # fmt: skip
    assert {p.code: p.id for p in program.people} == stored


async def test_loaded_coverage_and_absences_point_at_the_right_rows(
    db_session: AsyncSession,
    db_session_factory: async_sessionmaker[AsyncSession],
    hand_dataset: GeneratedDataset,
) -> None:
    """Coverage names the session it was seeded for; absences the person they belong to."""
    dataset_id = (await seed_dataset(db_session_factory, hand_dataset)).dataset.id
    program = await load_program(db_session, dataset_id)
    session_name = {s.id: s.name for s in program.sessions}
    code = {p.id: p.code for p in program.people}

    ward = next(r for r in program.rotations if r.code == "WARD")
    assert [(session_name[c.session_id], c.min_residents, c.max_residents)
            for c in ward.coverage] == [("AM", 1, 2), ("PM", 1, 2), ("NIGHT", 1, 1)]  # fmt: skip
    assert (ward.supervised, ward.night_is_call, ward.supervision_capacity) == (True, True, 4)
    assert [(code[a.person_id], a.start, a.end, a.kind) for a in program.absences] == [
        ("F001", dt.date(2027, 1, 5), dt.date(2027, 1, 5), "conference"),
        ("R002", dt.date(2027, 1, 6), dt.date(2027, 1, 8), "vacation"),
    ]


async def test_loading_takes_the_same_number_of_statements_on_tiny_and_small(
    db_session: AsyncSession,
    db_session_factory: async_sessionmaker[AsyncSession],
    count_statements: Callable[[], StatementCounter],
) -> None:
    """No N+1: a bigger tier loads with exactly as many statements as a smaller one."""
    await db_session.execute(select(1))  # joins the outer transaction (a SAVEPOINT) first
    counts = {}
    for tier in ("tiny", "small"):
        generated = generate_dataset(tier, 0)
        dataset_id = (await seed_dataset(db_session_factory, generated)).dataset.id
        with count_statements() as counter:
            program = await load_program(db_session, dataset_id)
        assert fingerprint(program) == generated.fingerprint
        counts[tier] = counter.count
    assert counts == {"tiny": 6, "small": 6}  # one per table, the dataset's included


async def test_loading_an_unknown_dataset_is_a_usage_error(db_session: AsyncSession) -> None:
    """A dataset id that does not exist is reported, not loaded as an empty program."""
    with pytest.raises(UsageError, match="no dataset with id 999999"):
        await load_program(db_session, 999999)


async def test_find_and_list_report_sizes(
    db_session: AsyncSession,
    db_session_factory: async_sessionmaker[AsyncSession],
    hand_dataset: GeneratedDataset,
) -> None:
    """find_dataset looks up (tier, seed); list_datasets lists all, with their sizes."""
    other = as_generated(hand_built_program(), seed=7)
    first = (await seed_dataset(db_session_factory, hand_dataset)).dataset
    second = (await seed_dataset(db_session_factory, other)).dataset

    found = await find_dataset(db_session, "hand", 7)
    assert found is not None
    assert (found.id, found.residents, found.faculty, found.rotations) == (second.id, 3, 1, 3)
    assert await find_dataset(db_session, "hand", 8) is None
    assert [d.id for d in await list_datasets(db_session)] == [first.id, second.id]
