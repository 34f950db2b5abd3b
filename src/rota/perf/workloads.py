"""The benchmark workloads: every phase of schedule generation on one tier's dataset.

One definition serves the pytest-benchmark timing pass (``bench/``), the memray memory
pass and ``rota bench``. A ``Workbench`` owns one tier's database and everything the
phases need, prepared untimed: the seeded dataset, its program, a solved schedule and
its run record. ``Workbench.workload(phase)`` returns the untimed reset to run before
every round and the timed work, always a coroutine factory, so every phase is timed the
same way: the clock starts inside the coroutine on a loop that is already running.

Phases: ``seed`` (generate and bulk-insert the dataset into a database without it),
``load``, ``solve``, ``validate``, ``persist`` and ``generate`` (end to end: load, solve,
validate and persist, as ``rota generate`` does).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from rota.datasets.generator import GeneratedDataset, generate_dataset
from rota.datasets.seed import seed_dataset
from rota.datasets.tiers import Tier
from rota.db.engine import create_engine, create_tables, session_factory
from rota.db.load import find_dataset
from rota.db.models import DatasetRow, ScheduleRunRow
from rota.db.persist import RunRecord
from rota.domain import Program
from rota.engine.generate import generate, load, persist, solve_program, validate_schedule
from rota.engine.improve import improve_schedule
from rota.engine.quality import QUALITY_DEFINITION, measure_quality, schedule_hash
from rota.engine.solver import Solution
from rota.perf.sqlcount import SqlCounter

PHASES = ("seed", "load", "solve", "improve", "validate", "persist", "generate")

Work = Callable[[], Awaitable[Any]]
Reset = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Workload:
    """One phase on one tier: an untimed reset before each round, and the timed work."""

    name: str  # benchmark id, e.g. "generate[large]"
    phase: str
    tier: str
    reset: Reset
    work: Work


class Workbench:
    """One tier's database and prepared inputs, for benchmarking its phases.

    Create with ``await Workbench.open(...)`` and ``await close()`` when done.
    """

    def __init__(
        self, tier: Tier, seed: int, engine: AsyncEngine, generated: GeneratedDataset
    ) -> None:
        self.tier = tier
        self.seed = seed
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
        self.generated = generated
        self.dataset_id = 0
        self.prepared_for = -1  # the dataset id the inputs below were prepared from
        self.program: Program
        self.constructed: Solution  # the solve phase's output, the improve phase's input
        self.solution: Solution  # after improvement: what validate and persist work on
        self.record = RunRecord(dataset_id=0, seed=seed)

    @classmethod
    async def open(cls, tier: Tier, url: URL, *, seed: int = 0) -> Workbench:
        """Seed ``tier`` into the database at ``url`` and prepare every phase's inputs."""
        bench = cls(tier, seed, create_engine(url), generate_dataset(tier, seed))
        await create_tables(bench.engine)
        await bench.prepare()
        return bench

    async def prepare(self) -> None:
        """Seed the dataset if missing and (re)build the phases' inputs if it changed.

        The seed phase deletes and re-inserts the dataset, which gives its rows new ids;
        the program, the solved schedule and the run record then follow them here.
        """
        await self._seeded()
        if self.prepared_for == self.dataset_id:
            return
        self.program = await load(self.sessions, self.dataset_id)
        self.constructed = solve_program(self.program, seed=self.seed)
        self.solution = improve_schedule(self.program, self.constructed)
        quality = measure_quality(self.program, self.solution.assignments)
        self.record = RunRecord(
            dataset_id=self.dataset_id,
            seed=self.seed,
            metrics=quality.as_dict(),
            schedule_hash=schedule_hash(self.program, self.solution.assignments),
        )
        self.prepared_for = self.dataset_id

    async def close(self) -> None:
        """Dispose of the engine (the database itself is the caller's)."""
        await self.engine.dispose()

    @property
    def size(self) -> int:
        """Resident-sessions of the tier: the size benchmarks are plotted against."""
        return self.tier.resident_sessions

    def workload(self, phase: str) -> Workload:
        """The reset and timed work of ``phase`` on this tier."""
        resets: dict[str, Reset] = {
            "seed": self._drop_dataset,
            "persist": self._drop_runs,
            "generate": self._drop_runs,
        }  # every other phase: prepare(), which is a no-op unless the dataset changed
        works: dict[str, Work] = {
            "seed": self._seed,
            "load": lambda: load(self.sessions, self.dataset_id),
            "solve": self._solve,
            "improve": self._improve,
            "validate": self._validate,
            "persist": lambda: persist(self.sessions, self.record, self.solution.assignments),
            "generate": lambda: generate(self.sessions, self.dataset_id, self.seed),
        }
        if phase not in works:
            raise ValueError(f"unknown phase {phase!r}: one of {', '.join(PHASES)}")
        return Workload(
            f"{phase}[{self.tier.name}]",
            phase,
            self.tier.name,
            resets.get(phase, self.prepare),
            works[phase],
        )

    async def count(self, phase: str) -> dict[str, Any]:
        """Exact counters of one untimed run of ``phase``: only those the phase has.

        Every phase has its SQL statements and rows written, the tier's size and the
        dataset fingerprint. Phases that produce or check a schedule add what describes
        it: ``solve`` and ``generate`` the schedule hash, assignments, violations and
        quality figures; ``validate`` the violations; ``persist`` the assignments stored.
        Seeding and loading have no schedule, so their rows carry none.
        """
        workload = self.workload(phase)
        await workload.reset()
        with SqlCounter(self.engine) as counter:
            await workload.work()
        sql = counter.snapshot()
        await self.prepare()  # the seed phase leaves a fresh dataset id
        counters: dict[str, Any] = {
            "sql_statements": sql.statements,
            "sql_rows_written": sql.rows_written,
            "resident_sessions": self.size,
            "fingerprint": self.generated.fingerprint,
        }
        if phase in ("solve", "improve", "validate", "generate"):
            counters["violations"] = len(validate_schedule(self.program, self.solution.assignments))
        if phase in ("solve", "improve", "persist", "generate"):
            counters["assignments"] = len(self.solution.assignments)
        quality: dict[str, Any] = {}
        if phase == "solve":  # construction alone: its own schedule and quality
            quality = measure_quality(self.program, self.constructed.assignments).as_dict()
            counters["schedule_hash"] = schedule_hash(self.program, self.constructed.assignments)
        if phase in ("improve", "generate"):
            quality = self.record.metrics
            counters["schedule_hash"] = self.record.schedule_hash or ""
        if phase in ("solve", "improve", "generate"):
            counters.update(
                coverage_ratio=quality["coverage_ratio"],
                extra_coverage=quality["extra_coverage"],
                rotation_switches=quality["rotation_switches"],
                objective=quality["objective"],
                max_call_spread=max(quality["call_spread"].values()),
                max_weekend_spread=max(quality["weekend_spread"].values()),
                max_hours_spread=max(quality["hours_spread"].values()),
                quality_definition=QUALITY_DEFINITION,
            )
        return counters

    # -- phases and resets ----------------------------------------------------------------
    async def _seed(self) -> int:
        # progress=False: a progress bar (a refresh thread, redirected output) must never
        # run inside a timed round.
        result = await seed_dataset(
            self.engine, generate_dataset(self.tier, self.seed), progress=False
        )
        self.dataset_id = result.dataset.id
        return self.dataset_id

    async def _solve(self) -> Solution:
        return solve_program(self.program, seed=self.seed)

    async def _improve(self) -> Solution:
        return improve_schedule(self.program, self.constructed)

    async def _validate(self) -> int:
        return len(validate_schedule(self.program, self.solution.assignments))

    async def _seeded(self) -> None:
        """Make sure the dataset is stored and ``dataset_id`` names it."""
        async with self.sessions() as session:
            info = await find_dataset(session, self.tier.name, self.seed)
        if info is None:
            await self._seed()
        else:
            self.dataset_id = info.id

    async def _drop_dataset(self) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(delete(DatasetRow).where(DatasetRow.id == self.dataset_id))

    async def _drop_runs(self) -> None:
        await self.prepare()
        async with self.sessions() as session, session.begin():
            await session.execute(
                delete(ScheduleRunRow).where(ScheduleRunRow.dataset_id == self.dataset_id)
            )
