"""Benchmark coroutines with pytest-benchmark, timing only the awaited work.

pytest-benchmark has no asyncio support (its issue #66) and no public way to hand it
durations measured elsewhere (issue #52): it times its target from the outside. Timing a
target that calls ``loop.run_until_complete`` would include starting the loop, scheduling
the task and every callback already queued on the loop.

The approach, checked against pytest-benchmark 5.3's ``BenchmarkFixture._raw_pedantic``:

1. The target handed to ``benchmark.pedantic`` is a plain callable that runs the work
   through :meth:`AsyncRunner.time` (clock read inside the coroutine) and appends the
   inner duration to a list. ``iterations=1``, so every target call is one round.
2. pedantic calls the target for ``warmup_rounds`` rounds (not recorded), then ``rounds``
   rounds (each one ``Metadata.update(outer_duration)``), then possibly again for
   ``--benchmark-cprofile``. The inner list is therefore warm-up first, then the measured
   rounds in order, then anything else; the measured slice is
   ``inner[warmup_rounds:warmup_rounds + rounds]``.
3. After pedantic returns, ``benchmark.stats`` (the ``Metadata`` pytest-benchmark reports
   and saves at the end of the session) gets a fresh ``Stats`` object fed the inner
   durations through its own ``Metadata.update``, so the table, ``--benchmark-json``,
   ``--benchmark-autosave`` and ``--benchmark-compare`` all see inner times only. The
   helper first checks that pytest-benchmark recorded exactly ``rounds`` outer durations
   and raises if not, so a change in pytest-benchmark fails loudly instead of silently
   reporting outer times.

Swapping the fixture's private ``_timer`` for a clock that only advances inside the
coroutine would also work, but a renamed private attribute would go unnoticed; replacing
the stats is checked. With ``--benchmark-disable`` pedantic runs set-up and target once
and keeps no stats (``benchmark.stats`` is ``None``): the helper still runs the work and
returns its one inner duration, with ``recorded=False``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from rota.perf.timing import AsyncRunner

__all__ = [
    "TIMING_INFO_KEY",
    "TIMING_INFO_VALUE",
    "AsyncBenchmarkRun",
    "BenchmarkFixtureLike",
    "benchmark_async",
]


T = TypeVar("T")

#: ``benchmark.extra_info`` key telling readers of pytest-benchmark's output that its
#: stats are inner coroutine times measured by this module.
TIMING_INFO_KEY = "rota_timing"
TIMING_INFO_VALUE = "inner coroutine clock (rota.perf.async_bench)"


class BenchmarkFixtureLike(Protocol):
    """The part of pytest-benchmark's ``BenchmarkFixture`` this module uses."""

    extra_info: dict[str, Any]
    stats: Any

    def pedantic(
        self,
        target: Callable[[], Any],
        *,
        setup: Callable[[], None],
        rounds: int,
        warmup_rounds: int,
        iterations: int,
    ) -> Any:
        """Run ``target`` for the given rounds, timing each from the outside."""


@dataclass(frozen=True, slots=True)
class AsyncBenchmarkRun(Generic[T]):
    """What :func:`benchmark_async` measured.

    Attributes:
        result: The work's result in the last measured round.
        samples: Inner durations of the measured rounds, seconds, in order.
        warmup_samples: Inner durations of the warm-up rounds, seconds.
        recorded: Whether pytest-benchmark's stats now hold ``samples``; false when
            benchmarks are disabled and the work ran once as a smoke test.
    """

    result: T
    samples: list[float]
    warmup_samples: list[float]
    recorded: bool


def benchmark_async(
    benchmark: BenchmarkFixtureLike,
    runner: AsyncRunner,
    make_coro: Callable[[], Awaitable[T]],
    *,
    setup: Callable[[], Awaitable[object] | None] | None = None,
    rounds: int,
    warmup_rounds: int = 0,
) -> AsyncBenchmarkRun[T]:
    """Benchmark ``await make_coro()`` with pytest-benchmark, recording inner times only.

    See the module docstring for how the inner times reach pytest-benchmark's stats.

    Args:
        benchmark: pytest-benchmark's ``benchmark`` fixture, not yet used in this test.
        runner: Owns the event loop; ``make_coro`` and ``setup`` run on it.
        make_coro: Builds the work to time, once per round.
        setup: Untimed preparation before every round (reset the database, say); may be
            synchronous or return an awaitable, which is run on ``runner``.
        rounds: Measured rounds, at least 1.
        warmup_rounds: Rounds run and discarded before the measured ones.

    Returns:
        The inner samples and the last result.

    Raises:
        RuntimeError: If pytest-benchmark did not record the rounds as expected.
    """
    inner: list[float] = []

    def target() -> T:
        seconds, result = runner.time(make_coro)
        inner.append(seconds)
        return result

    def untimed_setup() -> None:
        # Must return None: pedantic unpacks a returned value as (args, kwargs).
        if setup is not None:
            prepared = setup()
            if prepared is not None:
                runner.run(prepared)

    result: T = benchmark.pedantic(
        target,
        setup=untimed_setup,
        rounds=rounds,
        warmup_rounds=warmup_rounds,
        iterations=1,
    )
    metadata = benchmark.stats
    if metadata is None:
        # Benchmarks are disabled: pedantic ran set-up and target once, recording nothing.
        return AsyncBenchmarkRun(result, samples=list(inner), warmup_samples=[], recorded=False)

    warmup = inner[:warmup_rounds]
    measured = inner[warmup_rounds : warmup_rounds + rounds]
    outer_rounds = len(metadata.stats.data)
    if len(measured) != rounds or outer_rounds != rounds or metadata.iterations != 1:
        raise RuntimeError(
            f"pytest-benchmark recorded {outer_rounds} rounds of {metadata.iterations} "
            f"iterations and the target ran {len(inner)} times, expected {rounds} measured "
            f"rounds after {warmup_rounds} warm-up rounds; rota.perf.async_bench relies on "
            "pytest-benchmark 5.x pedantic() semantics"
        )
    metadata.stats = type(metadata.stats)()
    for seconds in measured:
        metadata.update(seconds)
    benchmark.extra_info[TIMING_INFO_KEY] = TIMING_INFO_VALUE
    return AsyncBenchmarkRun(result, samples=measured, warmup_samples=warmup, recorded=True)
