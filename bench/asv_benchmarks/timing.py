"""Time per phase and tier, read by the inner coroutine clock.

asv has no coroutine support and timing ``asyncio.run(...)`` in ``time_`` times the
event loop. Here asv's ``timer`` attribute is an inner clock: it only advances while a
workload's work runs, measured inside the coroutine by ``AsyncRunner.time`` on a loop
created once per process, so the untimed reset between rounds, opening the workbench and
the loop itself never reach a sample.

The clock is the process's CPU time (``time.process_time``: every thread, aiosqlite's
included), not wall time. The history is recorded commit after commit on a shared
machine whose load changes between them; wall times of the same code then differed up to
threefold from one commit to the next here, which hides any real step, while CPU time
barely moves with other processes' load. Time spent blocked (on disk, on a lock) is not
counted: the SQL counters show more statements, and wall time is measured by
``rota bench`` and compared by the gate, interleaved on one machine.
"""

from __future__ import annotations

from typing import Any

from ._api import (
    PHASES,
    TIERS,
    ProcessBench,
    available,
    require_phase,
    setup_cache,
    workbench_api,
)


class InnerClock:
    """A clock for asv's ``timer``: the total seconds of timed work so far."""

    def __init__(self) -> None:
        self.elapsed = 0.0

    def __call__(self) -> float:
        return self.elapsed


CLOCK = InnerClock()
PROCESS = ProcessBench()
__all__ = ["CLOCK", "PROCESS", "TimePhase", "setup_cache"]  # setup_cache: asv's, shared


class TimePhase:
    """CPU time of one phase's work on one tier (the reset between rounds excluded)."""

    params = (list(TIERS), list(PHASES))
    param_names = ("tier", "phase")
    timer = CLOCK
    number = 1  # one work per sample: the reset must run between works
    version = "rota-cpu-time-1"  # pinned: edits to this file must not drop the history

    def setup(self, cache: dict[str, Any], tier: str, phase: str) -> None:
        available(cache)
        api = workbench_api()
        require_phase(api, phase)
        self.workload = PROCESS.get(api, cache["seeded"], tier).workload(phase)

    def time_phase(self, cache: dict[str, Any], tier: str, phase: str) -> None:
        runner = PROCESS.runner
        runner.run(self.workload.reset())
        seconds, _ = runner.time(self.workload.work)
        CLOCK.elapsed += seconds
