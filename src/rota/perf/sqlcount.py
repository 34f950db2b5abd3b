"""Exact SQL statement and row counts from SQLAlchemy engine events.

What is counted, while a :class:`SqlCounter` is installed on an engine:

``statements``
    SQLAlchemy executions that reached the DBAPI cursor: one per execution context, seen
    at its first ``before_cursor_execute`` event. An executemany is ONE statement, and so
    is an "insertmanyvalues" bulk INSERT that SQLAlchemy splits into several batches
    (how many depends on the dialect's bind-parameter limit, so counting batches would
    make the figure differ between SQLite and PostgreSQL). Executions without a context
    (sequence and default pre-fetches) count one each. SELECT, DML, DDL and the
    dialect's own reflection queries all count; the last differ between dialects
    (``create_all`` checks each table with two PRAGMAs on SQLite, with catalog queries
    on PostgreSQL), so keep schema creation out of compared phases.

    Transaction control does not count: whether BEGIN reaches a cursor depends on the
    driver and engine set-up (rota's SQLite engine emits BEGIN itself in a ``begin``
    event; asyncpg starts transactions without a cursor), so statements starting with
    BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, SAVEPOINT or RELEASE are left out
    of ``statements`` (they still count as cursor executions).
    Never seen at all: statements run directly on a DBAPI connection (PRAGMAs set in a
    ``connect`` event listener), the dialect's initialization queries on first connect
    (SQLAlchemy runs them with events off), and asyncpg's type-introspection queries.

``rows_written``
    For an INSERT, UPDATE or DELETE (SQLAlchemy's compiled flags, or the first keyword
    of textual SQL, with REPLACE and MERGE too): the number of parameter sets for an
    executemany (rows submitted; counted when sent), else the driver's
    ``cursor.rowcount`` after execution when it is reported (>= 0). Both aiosqlite and
    asyncpg report exact counts for single DML, RETURNING included (their SQLAlchemy
    adapters fetch the returned rows during execute). An executemany UPDATE or DELETE
    counts parameter sets, not matched rows, because asyncpg reports no rowcount for an
    executemany.

``cursor_executions``
    Every DBAPI execute or executemany call, batches included. It shows round trips, and
    unlike the two figures above it depends on the dialect and its batch size.

Rows read are not counted: the rows a SELECT returns are only visible by wrapping the
cursor's fetch methods, which is driver-specific and intrusive; code that loads rows
knows how many it loaded and can report that figure itself.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.engine import Engine, ExecutionContext
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "SqlCounter",
    "SqlCounts",
]


_DML_KEYWORD = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE)
_TRANSACTION_KEYWORD = re.compile(
    r"\s*(?:BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class SqlCounts:
    """A set of SQL counts; see the module docstring for the definitions."""

    statements: int = 0
    rows_written: int = 0
    cursor_executions: int = 0

    def __add__(self, other: SqlCounts) -> SqlCounts:
        return SqlCounts(
            self.statements + other.statements,
            self.rows_written + other.rows_written,
            self.cursor_executions + other.cursor_executions,
        )

    def __sub__(self, other: SqlCounts) -> SqlCounts:
        return SqlCounts(
            self.statements - other.statements,
            self.rows_written - other.rows_written,
            self.cursor_executions - other.cursor_executions,
        )

    def as_dict(self) -> dict[str, int]:
        """Return the counts keyed by name, for a results file's counters."""
        return asdict(self)


class SqlCounter:
    """Count SQL statements and rows written on one engine, optionally per phase.

    Example:
        >>> with SqlCounter(engine) as counter:                      # doctest: +SKIP
        ...     with counter.phase("load"):
        ...         problem = await load(session)
        >>> counter.phases["load"].statements                        # doctest: +SKIP
        4

    Entering installs the listeners and resets all counts; leaving removes them (also on
    error), and the counts stay readable. Safe to use from several threads.
    """

    def __init__(self, engine: Engine | AsyncEngine) -> None:
        self._engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
        self._lock = threading.Lock()
        self._counts = SqlCounts()
        # Contexts already counted: insertmanyvalues sends one context in several batches.
        self._seen: weakref.WeakSet[ExecutionContext] = weakref.WeakSet()
        self._installed = False
        self.phases: dict[str, SqlCounts] = {}
        """Counts per phase name, filled by :meth:`phase`."""

    @property
    def installed(self) -> bool:
        """Whether the listeners are currently installed on the engine."""
        return self._installed

    def snapshot(self) -> SqlCounts:
        """Return the totals counted so far."""
        with self._lock:
            return self._counts

    @property
    def statements(self) -> int:
        """Statements counted so far."""
        return self.snapshot().statements

    @property
    def rows_written(self) -> int:
        """Rows written so far."""
        return self.snapshot().rows_written

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Count the statements of the enclosed block under ``phases[name]``.

        A name used again adds to its earlier counts. Nothing is recorded for a block
        that raises: a partial count would look like a real one.
        """
        start = self.snapshot()
        yield
        delta = self.snapshot() - start
        with self._lock:
            self.phases[name] = self.phases.get(name, SqlCounts()) + delta

    def __enter__(self) -> Self:
        if self._installed:
            raise RuntimeError("this SqlCounter is already installed")
        with self._lock:
            self._counts = SqlCounts()
            self._seen = weakref.WeakSet()
            self.phases = {}
        event.listen(self._engine, "before_cursor_execute", self._before_cursor_execute)
        event.listen(self._engine, "after_cursor_execute", self._after_cursor_execute)
        self._installed = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._installed:
            return
        event.remove(self._engine, "before_cursor_execute", self._before_cursor_execute)
        event.remove(self._engine, "after_cursor_execute", self._after_cursor_execute)
        self._installed = False

    def _before_cursor_execute(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        if _TRANSACTION_KEYWORD.match(statement):
            with self._lock:
                self._counts = self._counts + SqlCounts(cursor_executions=1)
            return
        with self._lock:
            new_statement = context is None or context not in self._seen
            rows = 0
            if new_statement and context is not None:
                self._seen.add(context)
                if context.executemany and _is_dml(context, statement):
                    rows = len(_parameter_sets(context))
            self._counts = self._counts + SqlCounts(int(new_statement), rows, 1)

    def _after_cursor_execute(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        if executemany or (context is not None and context.executemany):
            return  # counted from its parameter sets when sent
        if not _is_dml(context, statement):
            return
        rowcount = cursor.rowcount
        if isinstance(rowcount, int) and rowcount >= 0:
            with self._lock:
                self._counts = self._counts + SqlCounts(rows_written=rowcount)


def _is_dml(context: ExecutionContext | None, statement: str) -> bool:
    if context is not None and (
        getattr(context, "isinsert", False)
        or getattr(context, "isupdate", False)
        or getattr(context, "isdelete", False)
    ):
        return True
    return _DML_KEYWORD.match(statement) is not None


def _parameter_sets(context: ExecutionContext) -> Sequence[Any]:
    # For an executemany (insertmanyvalues included) SQLAlchemy keeps every compiled
    # parameter set on the context, before any batching.
    parameters: Sequence[Any] = getattr(context, "parameters", ())
    return parameters
