"""Seeding real databases: all rows in one transaction, idempotent, all-or-nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

import rota.datasets.seed as seed_module
from rota.datasets.fingerprint import fingerprint
from rota.datasets.generator import GeneratedDataset, generate_dataset
from rota.datasets.seed import seed_dataset
from rota.db import (
    AbsenceRow,
    CoverageRow,
    DatasetRow,
    PersonRow,
    RotationRow,
    SessionRow,
    has_tables,
    list_datasets,
    session_factory,
)
from rota.errors import UsageError

TABLES = (DatasetRow, SessionRow, PersonRow, RotationRow, CoverageRow, AbsenceRow)


async def table_counts(engine: AsyncEngine) -> dict[str, int]:
    """Rows in each dataset table."""
    async with engine.connect() as conn:
        return {
            t.__tablename__: (await conn.scalar(select(func.count()).select_from(t))) or 0
            for t in TABLES
        }


def expected_counts(*datasets: GeneratedDataset) -> dict[str, int]:
    """Rows the datasets should occupy, table by table."""
    programs = [d.program for d in datasets]
    return {
        "datasets": len(programs),
        "sessions": sum(len(p.sessions) for p in programs),
        "people": sum(len(p.people) for p in programs),
        "rotations": sum(len(p.rotations) for p in programs),
        "rotation_coverage": sum(len(r.coverage) for p in programs for r in p.rotations),
        "absences": sum(len(p.absences) for p in programs),
    }


async def test_seeding_inserts_every_row_of_the_dataset(fresh_engine: AsyncEngine) -> None:
    """A first seed creates the tables and stores each generated row once."""
    tiny = generate_dataset("tiny", 0)
    result = await seed_dataset(fresh_engine, tiny)
    assert (result.created, result.replaced) == (True, False)
    assert result.rows == sum(expected_counts(tiny).values())
    assert (result.dataset.tier, result.dataset.seed) == ("tiny", 0)
    assert result.dataset.fingerprint == tiny.fingerprint
    assert await table_counts(fresh_engine) == expected_counts(tiny)


async def test_seeding_the_same_tier_and_seed_again_reports_the_stored_dataset(
    fresh_engine: AsyncEngine,
) -> None:
    """Seeding is idempotent: the second call inserts nothing and names the first."""
    tiny = generate_dataset("tiny", 0)
    first = await seed_dataset(fresh_engine, tiny)
    again = await seed_dataset(fresh_engine, generate_dataset("tiny", 0))
    assert (again.created, again.rows) == (False, 0)
    assert again.dataset.id == first.dataset.id
    assert await table_counts(fresh_engine) == expected_counts(tiny)


async def test_other_datasets_are_added_beside_the_existing_ones(
    fresh_engine: AsyncEngine,
) -> None:
    """A new tier or seed is a new dataset; the ones already there are untouched."""
    datasets = [generate_dataset("tiny", 0), generate_dataset("small", 0),
                generate_dataset("tiny", 1)]  # fmt: skip
    for generated in datasets:
        assert (await seed_dataset(fresh_engine, generated)).created
    assert await table_counts(fresh_engine) == expected_counts(*datasets)
    async with session_factory(fresh_engine)() as session:
        listed = [(d.tier, d.seed, d.fingerprint) for d in await list_datasets(session)]
    assert listed == [(d.tier.name, d.seed, d.fingerprint) for d in datasets]


def inject_fault(monkeypatch: pytest.MonkeyPatch, table: type) -> None:
    """Make seeding fail when it reaches ``table``, after the tables before it."""
    real = seed_module.insert_rows

    async def failing(conn: Any, model: type, *args: Any, **kwargs: Any) -> dict[Any, int]:
        if model is table:
            raise RuntimeError(f"injected fault at {model.__name__}")
        return await real(conn, model, *args, **kwargs)

    monkeypatch.setattr(seed_module, "insert_rows", failing)


async def test_a_failed_seed_leaves_the_database_as_it_was(
    fresh_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure half-way (after people, before coverage) rolls everything back."""
    tiny = generate_dataset("tiny", 0)
    await seed_dataset(fresh_engine, tiny)
    before = await table_counts(fresh_engine)

    inject_fault(monkeypatch, CoverageRow)
    with pytest.raises(RuntimeError, match="injected fault"):
        await seed_dataset(fresh_engine, generate_dataset("small", 0))

    assert await table_counts(fresh_engine) == before == expected_counts(tiny)


async def test_a_failed_first_seed_leaves_no_tables_behind(
    fresh_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Table creation shares the seed's transaction, so it is rolled back too."""
    inject_fault(monkeypatch, AbsenceRow)
    with pytest.raises(RuntimeError, match="injected fault"):
        await seed_dataset(fresh_engine, generate_dataset("tiny", 0))
    assert not await has_tables(fresh_engine)


def changed(generated: GeneratedDataset) -> GeneratedDataset:
    """The same (tier, seed) as a changed generator would make it: one name differs."""
    people = list(generated.program.people)
    people[0] = replace(people[0], name=people[0].name + " Jr")
    program = replace(generated.program, people=tuple(people))
    return replace(generated, program=program, fingerprint=fingerprint(program))


async def test_a_changed_dataset_is_refused_unless_replaced(fresh_engine: AsyncEngine) -> None:
    """A stored (tier, seed) with another fingerprint is refused unless replaced.

    The error names ``--replace``; with it, the old rows are swapped for the new ones.
    """
    original = generate_dataset("tiny", 0)
    first = await seed_dataset(fresh_engine, original)
    newer = changed(original)

    with pytest.raises(UsageError, match="--replace"):
        await seed_dataset(fresh_engine, newer)

    swapped = await seed_dataset(fresh_engine, newer, replace=True)
    assert (swapped.created, swapped.replaced) == (True, True)
    assert swapped.dataset.fingerprint == newer.fingerprint != first.dataset.fingerprint
    assert await table_counts(fresh_engine) == expected_counts(newer)


async def test_a_progress_bar_does_not_disturb_seeding(fresh_engine: AsyncEngine) -> None:
    """With the progress bar forced on, seeding stores the same rows."""
    large = generate_dataset("large", 0)
    result = await seed_dataset(fresh_engine, large, progress=True)
    assert result.created
    assert await table_counts(fresh_engine) == expected_counts(large)
