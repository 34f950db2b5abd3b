"""Database fixtures for every backend: SQLite (a real file) and PostgreSQL (a real server).

``backend`` is parametrized over both; PostgreSQL runs when ``ROTA_TEST_POSTGRES_URL``
names a server (``scripts/pg-test-server start`` prints one), is skipped otherwise, and
fails instead when ``ROTA_REQUIRE_POSTGRES=1`` (CI), so a missing server cannot pass.

- ``db_session``: a session inside an outer transaction rolled back after the test;
  commits inside the test become savepoints. On the tables of one database per run
  (PostgreSQL: a fresh database per run, dropped at the end).
- ``db_session_factory``: more sessions inside that same rolled-back transaction, for
  code that opens its own (seeding).
- ``fresh_db``: an empty database of its own (a new SQLite file, a new PostgreSQL
  database) for tests that must really commit: seeding, deferred keys, the CLI.
- ``make_dataset``, ``make_session``, ``make_person``, ``make_rotation``,
  ``make_coverage``, ``make_absence``, ``make_run``, ``make_assignment``: factories
  inserting rows through ``db_session`` (the ``dataset`` fixture owns them).
- ``count_statements``: a context manager counting SQL statements on ``db_engine``.

Two guards keep the suite hermetic (issue 7): Hypothesis keeps its files in the system's
temporary directory, and the suite fails at the end if the checkout's work tree changed
while it ran (every test writes under ``tmp_path``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from tests.databases import (
    SKIP_POSTGRES,
    Factory,
    StatementCounter,
    TestDatabase,
    postgres_server_url,
)

from rota.db import (
    AbsenceRow,
    AssignmentRow,
    Base,
    CoverageRow,
    DatasetRow,
    PersonRow,
    RotationRow,
    RunStatus,
    ScheduleRunRow,
    SessionRow,
    create_tables,
)
from rota.domain import Role, WeekendRule

RowT = TypeVar("RowT", bound=Base)
START = dt.date(2027, 1, 4)  # a Monday

# Ignored directories tools keep in a checkout on their own (bytecode, linters' and
# pytest's caches, the environment): not written by tests, so not watched.
TOOL_CACHES = frozenset({".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})


def _git(root: Path, *args: str) -> str | None:
    """``git -C root ARGS`` output, or None without git or outside a work tree."""
    if shutil.which("git") is None:
        return None
    completed = subprocess.run(  # no optional locks: never touch the checkout's index
        ["git", "--no-optional-locks", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.stdout if completed.returncode == 0 else None


def _is_tool_cache(path: str) -> bool:
    parts = path.rstrip("/").split("/")
    return any(p in TOOL_CACHES or p.endswith(".egg-info") for p in parts)


def work_tree_state(root: Path) -> list[str]:
    """What a test could change in the checkout at ``root``, one line per entry.

    ``git status`` (tracked and untracked files), plus every file under the ignored
    entries that are not tool caches with its size and modification time: generated
    outputs (``.benchmarks/``, ``results/local/``, ``*.db``, memray captures) are
    ignored by git, yet a test writing them has written into the checkout.
    """
    status = _git(root, "status", "--porcelain", "--untracked-files=all") or ""
    ignored = _git(root, "status", "--porcelain", "--ignored=matching", "--untracked-files=all")
    lines = status.splitlines()
    for line in (ignored or "").splitlines():
        if not line.startswith("!! ") or _is_tool_cache(line[3:]):
            continue
        entry = root / line[3:]
        files = sorted(p for p in entry.rglob("*") if p.is_file()) if entry.is_dir() else [entry]
        for path in files:
            stat = path.stat()
            lines.append(f"!! {path.relative_to(root)} {stat.st_size} {stat.st_mtime_ns}")
    return lines


@pytest.fixture(scope="session", autouse=True)
def unchanged_work_tree() -> Iterator[None]:
    """Fail the run if the checkout's work tree changed while the tests ran."""
    root_text = _git(Path(__file__).parent, "rev-parse", "--show-toplevel")
    if root_text is None:  # not a git checkout, or no git: nothing to compare
        yield
        return
    root = Path(root_text.strip())
    before = work_tree_state(root)
    yield
    after = work_tree_state(root)
    if after != before:
        added = sorted(set(after) - set(before))
        gone = sorted(set(before) - set(after))
        pytest.fail(
            "the tests changed the checkout's work tree (write under tmp_path instead):\n"
            + "\n".join([*(f"  now:    {a}" for a in added), *(f"  before: {g}" for g in gone)]),
            pytrace=False,
        )


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis keeps its files outside the checkout (it writes them while collecting).

    Its default is ``.hypothesis/`` in the working directory. The directory chosen here
    lasts between runs, so examples that once failed are still replayed first.
    """
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return  # the developer chose a place
    try:
        from hypothesis.configuration import set_hypothesis_home_dir
    except ImportError:  # hypothesis is a dev extra
        return
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / f"rota-hypothesis-{os.getuid()}")


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def backend(request: pytest.FixtureRequest) -> str:
    """Each database backend in turn."""
    name: str = request.param
    if name == "postgres" and postgres_server_url() is None:
        pytest.skip(SKIP_POSTGRES)
    return name


@pytest.fixture(scope="session")
def shared_db(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    """One database per backend and run, with every table created."""
    database = TestDatabase.create(backend, tmp_path_factory.mktemp(f"shared-{backend}"))

    async def setup() -> None:
        engine = database.engine()
        try:
            await create_tables(engine)
        finally:
            await engine.dispose()

    asyncio.run(setup())
    yield database
    database.drop()


@pytest.fixture
async def db_engine(shared_db: TestDatabase) -> AsyncIterator[AsyncEngine]:
    """An engine on the shared database, disposed of after the test."""
    engine = shared_db.engine()
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_session(db_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose work is rolled back after the test, commits included."""
    async with db_engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            await session.close()
            await outer.rollback()


@pytest.fixture
def db_session_factory(db_session: AsyncSession) -> async_sessionmaker[AsyncSession]:
    """Sessions joining ``db_session``'s outer transaction (their commits are savepoints)."""
    return async_sessionmaker(
        bind=db_session.bind, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def fresh_db(backend: str, tmp_path: Path) -> Iterator[TestDatabase]:
    """An empty database of the test's own, without tables, dropped after it."""
    database = TestDatabase.create(backend, tmp_path)
    yield database
    database.drop()


@pytest.fixture
async def fresh_engine(fresh_db: TestDatabase) -> AsyncIterator[AsyncEngine]:
    """An engine on ``fresh_db``, disposed of after the test."""
    engine = fresh_db.engine()
    yield engine
    await engine.dispose()


@pytest.fixture
def count_statements(db_engine: AsyncEngine) -> Callable[[], StatementCounter]:
    """A context manager counting the statements run on the shared database's engine."""
    return lambda: StatementCounter(db_engine)


# --- factories: rows inserted through db_session, with overridable defaults -------------


async def _add(session: AsyncSession, row: RowT) -> RowT:
    session.add(row)
    await session.flush()
    return row


def _factory(
    session: AsyncSession, model: type[RowT], defaults: Callable[[int], dict[str, Any]]
) -> Factory[RowT]:
    """A factory for ``model`` rows: ``defaults(n)`` for the n-th row, updated by kwargs."""
    counter = itertools.count(1)

    async def make(**fields: Any) -> RowT:
        return await _add(session, model(**(defaults(next(counter)) | fields)))

    return make


@pytest.fixture
def make_dataset(db_session: AsyncSession) -> Factory[DatasetRow]:
    """Datasets of tier ``test`` with seeds 1, 2, ... over two weeks from a Monday."""
    return _factory(
        db_session,
        DatasetRow,
        lambda n: {"tier": "test", "seed": n, "fingerprint": f"{n:064x}",
                   "start_date": START, "days": 14},
    )  # fmt: skip


@pytest.fixture
async def dataset(make_dataset: Factory[DatasetRow]) -> DatasetRow:
    """The dataset the other factories put their rows in."""
    return await make_dataset()


@pytest.fixture
def make_session(db_session: AsyncSession, dataset: DatasetRow) -> Factory[SessionRow]:
    """Sessions S1, S2, ... of five hours each, back to back from 07:00."""
    return _factory(
        db_session,
        SessionRow,
        lambda n: {"dataset_id": dataset.id, "name": f"S{n}",
                   "start_minute": 420 + 300 * (n - 1), "end_minute": 720 + 300 * (n - 1)},
    )  # fmt: skip


@pytest.fixture
def make_person(db_session: AsyncSession, dataset: DatasetRow) -> Factory[PersonRow]:
    """PGY-1 residents R001, R002, ... (pass role=Role.FACULTY, pgy=None for faculty)."""
    return _factory(
        db_session,
        PersonRow,
        lambda n: {"dataset_id": dataset.id, "code": f"R{n:03d}", "role": Role.RESIDENT,
                   "pgy": 1, "name": f"Resident {n}"},
    )  # fmt: skip


@pytest.fixture
def make_rotation(db_session: AsyncSession, dataset: DatasetRow) -> Factory[RotationRow]:
    """Unsupervised, always-staffed rotations ROT1, ROT2, ... open to every PGY level."""
    return _factory(
        db_session,
        RotationRow,
        lambda n: {"dataset_id": dataset.id, "code": f"ROT{n}", "name": f"Rotation {n}",
                   "kind": "ward", "min_pgy": 1, "max_pgy": None, "supervised": False,
                   "supervision_capacity": None, "pgy1_weight": None,
                   "weekend_rule": WeekendRule.STAFFED, "night_is_call": False},
    )  # fmt: skip


@pytest.fixture
def make_coverage(db_session: AsyncSession) -> Factory[CoverageRow]:
    """Coverage rows (pass rotation_id and session_id) of one to two residents."""
    return _factory(db_session, CoverageRow, lambda n: {"min_residents": 1, "max_residents": 2})


@pytest.fixture
def make_absence(db_session: AsyncSession) -> Factory[AbsenceRow]:
    """Vacations (pass person_id) of one week, a week apart."""
    return _factory(
        db_session,
        AbsenceRow,
        lambda n: {"start_date": START + dt.timedelta(days=14 * n),
                   "end_date": START + dt.timedelta(days=14 * n + 6), "kind": "vacation"},
    )  # fmt: skip


@pytest.fixture
def make_run(db_session: AsyncSession, dataset: DatasetRow) -> Factory[ScheduleRunRow]:
    """Succeeded schedule runs of ``dataset`` with seeds 1, 2, ..."""
    return _factory(
        db_session,
        ScheduleRunRow,
        lambda n: {"dataset_id": dataset.id, "seed": n, "status": RunStatus.SUCCEEDED,
                   "settings": {"solver": "test"}},
    )  # fmt: skip


@pytest.fixture
def make_assignment(db_session: AsyncSession) -> Factory[AssignmentRow]:
    """Assignments (pass run_id, person_id, session_id, rotation_id) on successive days."""
    return _factory(db_session, AssignmentRow, lambda n: {"date": START + dt.timedelta(days=n)})
