"""One schedule generation, phase by phase: load, solve, validate, persist.

Each phase is a function of its own so the benchmarks can time them apart; ``generate``
runs them in order, times them, counts their SQL statements, and stores the run record.
Nothing is stored unless the schedule validates clean.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from rota.acgme import Violation, validate
from rota.db.load import load_program
from rota.db.models import ScheduleRunRow
from rota.db.persist import RunRecord, persist_run
from rota.domain import Assignment, Program
from rota.engine.problem import compile_problem
from rota.engine.quality import Quality, measure_quality, schedule_hash
from rota.engine.solver import Solution, SolverSettings, solve
from rota.errors import RotaError
from rota.perf.sqlcount import SqlCounter
from rota.policy import DEFAULT_POLICY, Policy

PHASES = ("load", "solve", "validate", "persist")


class InvalidScheduleError(RotaError):
    """The solver produced a schedule the validator rejects (a solver bug): not stored."""

    exit_code = 4


@dataclass(slots=True)
class GenerationResult:
    """What one generation produced and measured."""

    run_id: int
    dataset_id: int
    seed: int
    schedule_hash: str
    assignments: int
    violations: int
    quality: Quality
    seconds: dict[str, float] = field(default_factory=dict)
    sql_statements: dict[str, int] = field(default_factory=dict)


async def load(sessions: async_sessionmaker[AsyncSession], dataset_id: int) -> Program:
    """Load phase: the program of a dataset, in a constant number of bulk queries."""
    async with sessions() as session:
        return await load_program(session, dataset_id)


def solve_program(
    program: Program,
    *,
    seed: int,
    policy: Policy = DEFAULT_POLICY,
    settings: SolverSettings | None = None,
) -> Solution:
    """Solve phase: plain in-memory work, no database access."""
    return solve(compile_problem(program, policy), seed=seed, settings=settings)


def validate_schedule(
    program: Program, assignments: Sequence[Assignment], policy: Policy = DEFAULT_POLICY
) -> list[Violation]:
    """Validate phase: the independent ACGME validator over the whole schedule."""
    return validate(program, list(assignments), policy)


async def persist(
    sessions: async_sessionmaker[AsyncSession],
    record: RunRecord,
    assignments: Sequence[Assignment],
) -> int:
    """Persist phase: the run and all its assignments in one transaction."""
    return await persist_run(sessions, record, assignments)


async def generate(
    sessions: async_sessionmaker[AsyncSession],
    dataset_id: int,
    seed: int = 0,
    *,
    policy: Policy = DEFAULT_POLICY,
    settings: SolverSettings | None = None,
) -> GenerationResult:
    """Generate, validate and store a schedule for a seeded dataset.

    Raises:
        InfeasibleError: the program admits no schedule; nothing is stored.
        InvalidScheduleError: the validator found violations; nothing is stored.
    """
    settings = settings or SolverSettings()
    seconds: dict[str, float] = {}
    engine = _engine_of(sessions)
    with SqlCounter(engine) as counter:
        with counter.phase("load"):
            started = time.perf_counter()
            program = await load(sessions, dataset_id)
            seconds["load"] = time.perf_counter() - started
        with counter.phase("solve"):
            started = time.perf_counter()
            solution = solve_program(program, seed=seed, policy=policy, settings=settings)
            seconds["solve"] = time.perf_counter() - started
        with counter.phase("validate"):
            started = time.perf_counter()
            violations = validate_schedule(program, solution.assignments, policy)
            seconds["validate"] = time.perf_counter() - started
        if violations:
            first = violations[0]
            raise InvalidScheduleError(
                f"the solver's schedule breaks {len(violations)} rules, first {first.detail}; "
                "nothing was stored (this is a bug: please report it with the tier and seed)"
            )
        quality = measure_quality(program, solution.assignments)
        digest = schedule_hash(program, solution.assignments)
        record = RunRecord(
            dataset_id=dataset_id,
            seed=seed,
            settings={"policy": asdict(policy), "solver": asdict(settings)},
            timings=dict(seconds),
            sql_statements={k: v.statements for k, v in counter.phases.items()},
            metrics={**quality.as_dict(), "violations": 0, "repairs": solution.repairs},
            schedule_hash=digest,
        )
        with counter.phase("persist"):
            started = time.perf_counter()
            run_id = await persist(sessions, record, solution.assignments)
            seconds["persist"] = time.perf_counter() - started
    statements = {k: v.statements for k, v in counter.phases.items()}
    await _store_persist_figures(sessions, run_id, seconds, statements)
    return GenerationResult(
        run_id=run_id,
        dataset_id=dataset_id,
        seed=seed,
        schedule_hash=digest,
        assignments=len(solution.assignments),
        violations=0,
        quality=quality,
        seconds=seconds,
        sql_statements=statements,
    )


async def _store_persist_figures(
    sessions: async_sessionmaker[AsyncSession],
    run_id: int,
    seconds: dict[str, float],
    statements: dict[str, int],
) -> None:
    """Add the persist phase's own time and statement count to the stored run.

    They are known only once the persist transaction committed, so they follow in a
    small update of their own (not counted in the persist figures).
    """
    async with sessions() as session, session.begin():
        run = await session.get_one(ScheduleRunRow, run_id)
        run.timings = dict(seconds)
        run.sql_statements = dict(statements)


def _engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    bind: Any = sessions.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        raise TypeError("generate() needs a session factory bound to an AsyncEngine")
    return bind
