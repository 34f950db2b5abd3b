"""Timing coroutines on an event loop without timing the loop.

Timing ``asyncio.run(work())`` measures creating, running and tearing down an event loop
as well as the work. Here the clock is read inside a wrapper coroutine, on a loop created
beforehand, outside any timed region (pyperf's ``bench_async_func`` does the same).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self, TypeVar

__all__ = [
    "AsyncRunner",
    "Timer",
    "time_coroutine",
]


T = TypeVar("T")

Timer = Callable[[], float]


def time_coroutine(
    loop: asyncio.AbstractEventLoop,
    make_coro: Callable[[], Awaitable[T]],
    *,
    timer: Timer = time.perf_counter,
) -> tuple[float, T]:
    """Run ``make_coro()`` to completion on ``loop`` and time only the awaited work.

    The clock is read at the first step of a wrapper task, before ``make_coro()`` is
    called, and again as soon as the awaited work returns, so neither starting the loop
    nor callbacks that were already queued on it are timed.

    Args:
        loop: An existing event loop that is not running.
        make_coro: Builds the awaitable to time; called once, inside the timed region.
        timer: Clock returning seconds.

    Returns:
        The elapsed seconds and the awaitable's result.

    Raises:
        RuntimeError: If called while an event loop is running in this thread (from an
            ``async def`` test, for example): a running loop cannot start another.
    """
    _ensure_no_running_loop()

    async def timed() -> tuple[float, T]:
        start = timer()
        result = await make_coro()
        elapsed = timer() - start
        return elapsed, result

    return loop.run_until_complete(timed())


class AsyncRunner:
    """One event loop, created up front, for untimed set-up and timed work alike.

    Use one runner per benchmark and create every loop-bound resource (an ``AsyncEngine``
    and its pooled connections, for instance) through :meth:`run` on this runner: such
    resources belong to the loop they were created on. Call from synchronous code only.

    Example:
        >>> runner = AsyncRunner()
        >>> async def work() -> int:
        ...     return 42
        >>> seconds, value = runner.time(work)
        >>> value
        42
        >>> runner.close()
    """

    def __init__(self, *, timer: Timer = time.perf_counter) -> None:
        self._timer = timer
        self._loop = asyncio.new_event_loop()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The runner's event loop."""
        return self._loop

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run."""
        return self._loop.is_closed()

    def run(self, awaitable: Awaitable[T]) -> T:
        """Run ``awaitable`` to completion, untimed (set-up, reset, teardown)."""
        _ensure_no_running_loop()
        return self._loop.run_until_complete(awaitable)

    def time(self, make_coro: Callable[[], Awaitable[T]]) -> tuple[float, T]:
        """Time ``make_coro()`` as :func:`time_coroutine` does; returns (seconds, result)."""
        return time_coroutine(self._loop, make_coro, timer=self._timer)

    def close(self) -> None:
        """Cancel leftover tasks, shut down generators and the executor, close the loop.

        Safe to call more than once.
        """
        loop = self._loop
        if loop.is_closed():
            return
        try:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _ensure_no_running_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        "an event loop is already running in this thread; time coroutines from "
        "synchronous code (benchmarks must be plain `def` tests, not `async def`)"
    )
