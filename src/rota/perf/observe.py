"""Watching a generation from outside the engine: time and SQL statements per phase.

``rota.engine.generate`` measures nothing; it tells a :class:`PhaseRecorder` when each
phase starts and ends. The recorder reads the clock and installs a
:class:`~rota.perf.sqlcount.SqlCounter` on the engine, so the measurement lives here, in
the layer that imports the engine, never the reverse.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine

from rota.engine.generate import PhaseFigures
from rota.perf.sqlcount import SqlCounter
from rota.perf.timing import Timer

__all__ = ["PhaseRecorder"]


class PhaseRecorder:
    """Times every phase of a generation and counts its SQL statements.

    Use as a context manager around ``generate(..., observer=recorder)``; the counter is
    installed on ``engine`` only inside it.

    Args:
        engine: The engine the generation's sessions are bound to.
        timer: Clock returning seconds.
    """

    def __init__(self, engine: AsyncEngine, *, timer: Timer = time.perf_counter) -> None:
        self._counter = SqlCounter(engine)
        self._timer = timer
        self.seconds: dict[str, float] = {}

    @property
    def sql_statements(self) -> dict[str, int]:
        """SQL statements per phase observed so far."""
        return {name: counts.statements for name, counts in self._counter.phases.items()}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time ``name`` and count its statements."""
        with self._counter.phase(name):
            started = self._timer()
            yield  # a phase that raises records nothing, as the SQL counter does
            self.seconds[name] = self._timer() - started

    def figures(self) -> PhaseFigures:
        """The figures so far, for the engine to store with the run."""
        return PhaseFigures(seconds=dict(self.seconds), sql_statements=self.sql_statements)

    def __enter__(self) -> Self:
        self._counter.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._counter.__exit__(exc_type, exc, tb)
