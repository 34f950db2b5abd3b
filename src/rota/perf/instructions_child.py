"""The process the instruction pass runs under callgrind: one profile per benchmark.

Started by :func:`rota.perf.instructions.instruction_pass` as
``python -m rota.perf.instructions_child SPEC`` under ``valgrind --tool=callgrind
--instr-atstart=no``, so nothing is counted until this process asks. For each tier it
opens the tier's :class:`~rota.perf.workloads.Workbench` (seeding and preparing, not
counted), and for each phase runs warm-up rounds (reset then work, not counted, as the
timing pass warms up: first-call imports, SQLAlchemy's statement cache and CPython's
quickening and specialising of code that has run a few times, at most 8 calls in 3.11,
are not the phase's steady cost). Then per counted round: the reset again, a full
garbage collection (so a count does not depend on the allocations before it), and the
work once through :class:`~rota.perf.timing.AsyncRunner` with a
:class:`~rota.perf.callgrind.CollectionSwitch` as its clock: counting starts and stops
exactly where the timing pass reads its clock, and the profile is dumped under the
benchmark id (``solve[tiny]``). Each finished id is printed on stdout, one per line.

``SPEC`` is JSON: ``{"tiers": [names], "phases": [names], "db_url": str | null,
"scratch": dir, "rounds": n, "warmup": {tier: n}, "sqlite_thread": bool}``; without ``db_url``
each tier gets the SQLite file ``<scratch>/<tier>.db``. Each counted round is dumped as
``<id>#<round>``. Unless ``sqlite_thread`` is true, aiosqlite runs its requests in the
main thread (:mod:`rota.perf.inline_sqlite`, which says why).

Sensitivity hook, for tests only: with ``ROTA_INSTRUCTIONS_BALLAST=PHASE:N`` in the
environment, every benchmark of ``PHASE`` also runs ``N`` iterations of a fixed pure
Python loop inside its counted region, and the loop is counted once alone, as
``ballast[N]``. That adds a known, deterministic amount of work to one phase only.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rota.datasets.tiers import get_tier
from rota.db.url import normalize_url
from rota.perf.callgrind import CollectionSwitch
from rota.perf.inline_sqlite import inline_requests
from rota.perf.timing import AsyncRunner
from rota.perf.workloads import Work, Workbench

__all__ = [
    "BALLAST_ENV",
    "LAYOUT_ENV",
    "SWITCH_INTERVAL",
    "ballast",
    "layout_noise",
    "main",
    "parse_ballast",
    "round_label",
    "split_label",
]

BALLAST_ENV = "ROTA_INSTRUCTIONS_BALLAST"
LAYOUT_ENV = "ROTA_INSTRUCTIONS_LAYOUT_NOISE"  # test hook: see layout_noise
SWITCH_INTERVAL = 60.0  # seconds: no clock-driven GIL hand-offs while counting


def ballast(iterations: int) -> int:
    """A fixed pure-Python loop: the same instructions per iteration, every run."""
    total = 0
    for i in range(iterations):
        total ^= i
    return total


def layout_noise(classes: int) -> list[object]:
    """Classes and objects rota does not use, made before anything is counted.

    A stand-in for an unrelated change (one more import, a new class somewhere): the
    work is the same, only the interpreter's state around it moves (the order in which
    types get their attribute-cache tags, where objects land in memory). Counting with
    a few values of ``classes`` shows how much such a change moves the counts.
    """
    made: list[object] = []
    for i in range(classes):
        cls = type(f"Noise{i}", (), {"value": i, "double": lambda self: self.value * 2})
        made.append(cls)
        made.extend(cls() for _ in range(i % 7 + 1))
        getattr(made[-1], "double")()  # noqa: B009 - the lookup is the point
    return made


def parse_ballast(value: str | None) -> tuple[str, int] | None:
    """``"solve:1200"`` -> ``("solve", 1200)``; ``None`` or ``""`` -> ``None``.

    Raises:
        ValueError: If ``value`` is not ``PHASE:N`` with ``N >= 0``.
    """
    if not value:
        return None
    phase, sep, count = value.partition(":")
    if not sep or not phase or not count.isdigit():
        raise ValueError(f"{BALLAST_ENV}={value!r}: expected PHASE:N, e.g. solve:1000")
    return phase, int(count)


def round_label(benchmark_id: str, round_: int) -> str:
    """The label of one counted round's profile: ``solve[tiny]`` round 2 -> ``solve[tiny]#2``."""
    return f"{benchmark_id}#{round_}"


def split_label(label: str) -> tuple[str, int]:
    """``solve[tiny]#2`` -> ``("solve[tiny]", 2)``; a label without a round is round 1."""
    name, sep, round_ = label.rpartition("#")
    if sep and round_.isdigit():
        return name, int(round_)
    return label, 1


def main(argv: Sequence[str] | None = None) -> int:
    """Count every (tier, phase) of ``SPEC`` under the callgrind switch; see the module doc."""
    args = sys.argv[1:] if argv is None else list(argv)
    if len(args) != 1:
        print("usage: python -m rota.perf.instructions_child SPEC_JSON", file=sys.stderr)
        return 2
    spec: dict[str, Any] = json.loads(args[0])
    extra = parse_ballast(os.environ.get(BALLAST_ENV))
    kept = layout_noise(int(os.environ.get(LAYOUT_ENV) or 0))
    # The GIL changes hands on a clock (every 5 ms by default) when a second thread
    # wants it: at wall-clock moments, so at different instructions from run to run, and
    # under valgrind some 50 times more often per instruction than natively. Hand-offs
    # where a thread waits (aiosqlite's queue, the loop's selector, SQLite's calls) stay.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    threads = contextlib.nullcontext() if spec.get("sqlite_thread") else inline_requests()
    try:
        with threads:
            _count_all(spec, extra)
    finally:
        sys.setswitchinterval(interval)
    del kept
    return 0


def _count_all(spec: dict[str, Any], extra: tuple[str, int] | None) -> None:
    rounds = int(spec.get("rounds", 1))
    warmup: dict[str, int] = spec.get("warmup", {})
    switch = CollectionSwitch()
    with AsyncRunner(timer=switch) as runner:
        if extra is not None:
            for round_ in range(1, rounds + 1):
                label = round_label(f"ballast[{extra[1]}]", round_)
                _count(runner, switch, label, _ballast_work(extra[1]))
        for tier in (get_tier(name) for name in spec["tiers"]):
            url = normalize_url(
                spec["db_url"] or f"sqlite:///{Path(spec['scratch'], tier.name)}.db"
            )
            bench = runner.run(Workbench.open(tier, url))
            try:
                for phase in spec["phases"]:
                    workload = bench.workload(phase)
                    work = workload.work
                    if extra is not None and extra[0] == phase:
                        work = _with_ballast(work, extra[1])
                    for _ in range(warmup.get(tier.name, 1)):  # not counted
                        runner.run(workload.reset())
                        runner.run(work())
                    for round_ in range(1, rounds + 1):
                        runner.run(workload.reset())
                        _count(runner, switch, round_label(workload.name, round_), work)
            finally:
                runner.run(bench.close())


def _count(runner: AsyncRunner, switch: CollectionSwitch, label: str, work: Work) -> None:
    gc.collect()
    gc.freeze()  # as the timing worker does: the heap before the round is never scanned
    switch.label = label
    try:
        runner.time(work)  # the switch dumps the profile as the clock stops
    finally:
        switch.abort()  # only if the work raised: stop counting, no profile
    print(label, flush=True)


def _ballast_work(iterations: int) -> Work:
    async def work() -> int:
        return ballast(iterations)

    return work


def _with_ballast(work: Work, iterations: int) -> Work:
    async def inflated() -> Any:
        result = await work()
        ballast(iterations)
        return result

    return inflated


if __name__ == "__main__":
    sys.exit(main())
