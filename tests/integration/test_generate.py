"""Schedule generation against real databases: stored runs, determinism, atomicity."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from tests.databases import TestDatabase

import rota.db.persist
from rota.acgme import validate
from rota.datasets import TIERS, generate_dataset
from rota.datasets.seed import seed_dataset
from rota.db import AssignmentRow, ScheduleRunRow, create_engine, load_program, session_factory
from rota.db.persist import get_run, load_assignments
from rota.domain import Assignment
from rota.engine.generate import PHASES, generate, solve_program
from rota.engine.improve import improve_schedule
from rota.engine.quality import schedule_hash
from rota.perf.observe import PhaseRecorder

POSTGRES_TIERS = ("tiny", "small", "medium", "large")
# Every tier; the stress tier takes seconds, so `pytest -m "not slow"` leaves it out.
EVERY_TIER = [pytest.param(t, marks=pytest.mark.slow) if t == "stress" else t for t in TIERS]


async def _seeded(engine: AsyncEngine, tier: str, seed: int = 0) -> int:
    return (await seed_dataset(engine, generate_dataset(tier, seed))).dataset.id


async def _counts(engine: AsyncEngine) -> tuple[int, int]:
    async with session_factory(engine)() as s:
        runs = await s.scalar(select(func.count()).select_from(ScheduleRunRow))
        rows = await s.scalar(select(func.count()).select_from(AssignmentRow))
    return int(runs or 0), int(rows or 0)


@pytest.mark.parametrize("tier", EVERY_TIER)
async def test_generate_stores_a_complete_clean_run(
    tier: str, backend: str, fresh_engine: AsyncEngine
) -> None:
    """Every tier (tiny..large on PostgreSQL) stores a run with zero violations.

    The stored schedule reads back clean, and its hash equals the in-memory solve's,
    which is what makes the hash identical on SQLite and PostgreSQL.
    """
    if backend == "postgres" and tier not in POSTGRES_TIERS:
        pytest.skip("the big tiers run on SQLite; PostgreSQL covers tiny..large")
    dataset_id = await _seeded(fresh_engine, tier)
    sessions = session_factory(fresh_engine)
    with PhaseRecorder(fresh_engine) as recorder:
        result = await generate(sessions, dataset_id, 0, observer=recorder)

    program = generate_dataset(tier, 0).program
    improved = improve_schedule(program, solve_program(program, seed=0))
    assert result.schedule_hash == schedule_hash(program, improved.assignments)
    async with sessions() as s:
        run = await get_run(s, result.run_id)
        stored = await load_assignments(s, result.run_id)
        loaded = await load_program(s, dataset_id)
    assert run.status == "succeeded"
    assert run.schedule_hash == result.schedule_hash
    # The run row is written by persist, so it holds the figures of the phases before it.
    assert set(run.timings) == {"load", "solve", "improve", "validate"}
    assert set(recorder.seconds) == set(PHASES)
    assert run.sql_statements["solve"] == 0
    assert run.sql_statements["improve"] == 0
    assert run.sql_statements["validate"] == 0
    assert run.metrics["violations"] == 0
    assert len(stored) == result.assignments
    assert validate(loaded, stored) == []
    assert schedule_hash(loaded, stored) == result.schedule_hash


async def test_same_dataset_and_seed_give_the_same_hash_in_two_runs(
    fresh_engine: AsyncEngine,
) -> None:
    """Generating twice stores two distinct runs with one schedule hash."""
    dataset_id = await _seeded(fresh_engine, "small")
    sessions = session_factory(fresh_engine)
    first = await generate(sessions, dataset_id, 3)
    second = await generate(sessions, dataset_id, 3)
    assert first.run_id != second.run_id
    assert first.schedule_hash == second.schedule_hash


async def test_statement_counts_are_the_same_on_every_tier(fresh_engine: AsyncEngine) -> None:
    """Load and persist issue a constant number of statements: no N+1 anywhere."""
    sessions = session_factory(fresh_engine)
    counts = []
    for tier in ("tiny", "medium", "large"):
        with PhaseRecorder(fresh_engine) as recorder:
            await generate(sessions, await _seeded(fresh_engine, tier), 0, observer=recorder)
        counts.append(recorder.sql_statements)
    assert counts[0] == counts[1] == counts[2]
    assert counts[0]["persist"] == 2  # the run row and the assignments, nothing after


async def test_generation_without_an_observer_stores_no_figures(
    fresh_engine: AsyncEngine,
) -> None:
    """Unobserved, the engine measures nothing: the run row has no timings."""
    sessions = session_factory(fresh_engine)
    result = await generate(sessions, await _seeded(fresh_engine, "tiny"), 0)
    async with sessions() as s:
        run = await get_run(s, result.run_id)
    assert run.timings == {}
    assert run.sql_statements == {}


@pytest.mark.parametrize("fault", [RuntimeError("disk full"), KeyboardInterrupt()])
async def test_fault_during_persist_leaves_no_partial_run(
    fault: BaseException, fresh_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception or interrupt after half the assignments are inserted stores nothing."""
    dataset_id = await _seeded(fresh_engine, "small")
    real_insert = rota.db.persist.insert_assignments

    async def half_then_fail(
        session: AsyncSession, run_id: int, assignments: Sequence[Assignment]
    ) -> None:
        await real_insert(session, run_id, assignments[: len(assignments) // 2])
        raise fault

    monkeypatch.setattr(rota.db.persist, "insert_assignments", half_then_fail)
    with pytest.raises(type(fault)):
        await generate(session_factory(fresh_engine), dataset_id, 0)
    assert await _counts(fresh_engine) == (0, 0)


@pytest.mark.postgres
async def test_concurrent_generations_on_postgres_persist_complete_distinct_runs(
    backend: str, fresh_db: TestDatabase
) -> None:
    """Two generations started together on PostgreSQL both store every assignment."""
    if backend != "postgres":
        pytest.skip("concurrent writers are a PostgreSQL scenario")
    setup = fresh_db.engine()
    dataset_id = await _seeded(setup, "medium")
    await setup.dispose()
    engines = [create_engine(fresh_db.url) for _ in range(2)]
    try:
        first, second = await asyncio.gather(
            *(generate(session_factory(e), dataset_id, 0) for e in engines)
        )
        assert first.run_id != second.run_id
        assert first.schedule_hash == second.schedule_hash
        runs, rows = await _counts(engines[0])
        assert runs == 2
        assert rows == first.assignments + second.assignments
    finally:
        for engine in engines:
            await engine.dispose()
