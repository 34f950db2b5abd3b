"""One schedule generation, phase by phase: load, solve, improve, validate, persist.

Each phase is a function of its own so the benchmarks can time them apart; ``generate``
only runs them in order. It measures nothing itself: a caller that wants figures passes a
:class:`PhaseObserver` (``rota.perf.observe.PhaseRecorder`` times each phase and counts its
SQL), so the engine never imports the layer that measures it. Nothing is stored unless the
schedule validates clean, and the run row is written by the persist phase, in its one
transaction, together with the assignments.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from rota.acgme import Violation, validate
from rota.db.load import load_program
from rota.db.persist import RunRecord, persist_run
from rota.domain import Assignment, Program
from rota.engine.improve import improve_schedule
from rota.engine.problem import compile_problem
from rota.engine.quality import Quality, measure_quality, schedule_hash
from rota.engine.solver import Solution, SolverSettings, solve
from rota.errors import RotaError
from rota.policy import DEFAULT_POLICY, Policy

PHASES = ("load", "solve", "improve", "validate", "persist")


class InvalidScheduleError(RotaError):
    """The solver produced a schedule the validator rejects (a solver bug): not stored."""

    exit_code = 4


@dataclass(frozen=True, slots=True)
class PhaseFigures:
    """Per-phase figures an observer wants stored with the run (phases done so far)."""

    seconds: dict[str, float] = field(default_factory=dict)
    sql_statements: dict[str, int] = field(default_factory=dict)


class PhaseObserver(Protocol):
    """Watches a generation: told around each phase, asked for figures before persist."""

    def phase(self, name: str) -> contextlib.AbstractContextManager[object]:
        """A context around the phase ``name``."""

    def figures(self) -> PhaseFigures:
        """Figures of the phases observed so far, to store in the run row."""


class _Unobserved:
    """The default observer: watches nothing, stores no figures."""

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        yield

    def figures(self) -> PhaseFigures:
        return PhaseFigures()


@dataclass(frozen=True, slots=True)
class GenerationResult:
    """What one generation produced."""

    run_id: int
    dataset_id: int
    seed: int
    schedule_hash: str
    assignments: int
    violations: int
    quality: Quality


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
    """Persist phase: the run row and all its assignments in one transaction."""
    return await persist_run(sessions, record, assignments)


async def generate(
    sessions: async_sessionmaker[AsyncSession],
    dataset_id: int,
    seed: int = 0,
    *,
    policy: Policy = DEFAULT_POLICY,
    settings: SolverSettings | None = None,
    observer: PhaseObserver | None = None,
) -> GenerationResult:
    """Generate, validate and store a schedule for a seeded dataset.

    Args:
        sessions: Session factory of the database holding the dataset.
        dataset_id: The stored dataset to schedule.
        seed: Solver seed.
        policy: The rules' numbers.
        settings: Solver settings (defaults when ``None``).
        observer: Told around every phase; its figures (of load, solve and validate) are
            stored with the run. Persist's own figures exist only once its transaction
            committed, so they are the observer's to report, not the run row's.

    Raises:
        InfeasibleError: the program admits no schedule; nothing is stored.
        InvalidScheduleError: the validator found violations; nothing is stored.
    """
    settings = settings or SolverSettings()
    watch: PhaseObserver = observer or _Unobserved()
    with watch.phase("load"):
        program = await load(sessions, dataset_id)
    with watch.phase("solve"):
        solution = solve_program(program, seed=seed, policy=policy, settings=settings)
    with watch.phase("improve"):
        solution = improve_schedule(program, solution, policy=policy, settings=settings)
    with watch.phase("validate"):
        violations = validate_schedule(program, solution.assignments, policy)
    if violations:
        first = violations[0]
        raise InvalidScheduleError(
            f"the solver's schedule breaks {len(violations)} rules, first {first.detail}; "
            "nothing was stored (this is a bug: please report it with the tier and seed)"
        )
    quality = measure_quality(program, solution.assignments)
    digest = schedule_hash(program, solution.assignments)
    figures = watch.figures()
    record = RunRecord(
        dataset_id=dataset_id,
        seed=seed,
        settings={"policy": asdict(policy), "solver": asdict(settings)},
        timings=dict(figures.seconds),
        sql_statements=dict(figures.sql_statements),
        metrics={
            **quality.as_dict(),
            "violations": 0,
            "repairs": solution.repairs,
            "improvement": solution.improvement.as_dict() if solution.improvement else None,
        },
        schedule_hash=digest,
    )
    with watch.phase("persist"):
        run_id = await persist(sessions, record, solution.assignments)
    return GenerationResult(
        run_id=run_id,
        dataset_id=dataset_id,
        seed=seed,
        schedule_hash=digest,
        assignments=len(solution.assignments),
        violations=0,
        quality=quality,
    )
