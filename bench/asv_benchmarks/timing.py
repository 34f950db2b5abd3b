"""Time per phase and tier, read by the inner coroutine clock.

asv has no coroutine support and timing ``asyncio.run(...)`` in ``time_`` times the
event loop. Here asv's ``timer`` attribute is an inner clock: it only advances while a
workload's work runs, measured inside the coroutine by ``AsyncRunner.time`` on a loop
created once per process, so the untimed reset between rounds, opening the workbench and
the loop itself never reach a sample.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._api import (
    PHASES,
    TIERS,
    ProcessBench,
    available,
    require_phase,
    seed_databases,
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


def setup_cache() -> dict[str, str]:
    # Once per commit: seed every tier's SQLite file in asv's cache directory (the cwd).
    return seed_databases(Path.cwd())


setup_cache.timeout = 600  # type: ignore[attr-defined]


class TimePhase:
    """Wall time of one phase's work on one tier (the reset between rounds excluded)."""

    params = (list(TIERS), list(PHASES))
    param_names = ("tier", "phase")
    timer = CLOCK
    number = 1  # one work per sample: the reset must run between works
    version = "rota-time-1"

    def setup(self, seeded: dict[str, str], tier: str, phase: str) -> None:
        available(seeded)
        api = workbench_api()
        require_phase(api, phase)
        self.runner_bench: Any = PROCESS.get(api, seeded, tier)
        self.workload = self.runner_bench.workload(phase)

    def time_phase(self, seeded: dict[str, str], tier: str, phase: str) -> None:
        runner = PROCESS.runner
        runner.run(self.workload.reset())
        seconds, _ = runner.time(self.workload.work)
        CLOCK.elapsed += seconds
