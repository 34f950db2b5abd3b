"""pytest-benchmark set-up for the phase benchmarks: tiers, databases, the async runner.

Run with ``pytest bench --benchmark-only`` (tiers tiny..large), ``--tiers all`` or
``--tiers xlarge,stress`` for the big ones, ``--bench-db URL`` for PostgreSQL. Every
tier gets its own SQLite file by default; seeding, engine creation and the event loop's
start are never inside a timed region.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rota.datasets.tiers import DEFAULT_TIERS, get_tier, parse_tiers
from rota.db.url import normalize_url
from rota.perf.async_bench import benchmark_async
from rota.perf.timing import AsyncRunner
from rota.perf.worker import SLOWDOWN_ENV, inject_slowdown, settle_heap
from rota.perf.workloads import Workbench

# Measured rounds per tier: enough for a stable median, within ~3 minutes for tiny..large.
ROUNDS = {"tiny": 30, "small": 20, "medium": 15, "large": 10, "xlarge": 5, "stress": 3}
WARMUP_ROUNDS = 1


def pytest_configure(config: pytest.Config) -> None:
    # Calibration of the gate (rota gate calibrate) slows a function down on purpose,
    # through the same documented mechanism as the workers: ROTA_SLOWDOWN.
    spec = os.environ.get(SLOWDOWN_ENV)
    if spec:
        inject_slowdown(spec)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rota", "rota benchmarks")
    group.addoption(
        "--tiers",
        default=",".join(DEFAULT_TIERS),
        help="comma list of tiers to benchmark, or 'all' (default: %(default)s)",
    )
    group.addoption(
        "--bench-db",
        default=None,
        metavar="URL",
        help="database URL to benchmark on (default: a fresh SQLite file per tier)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "tier" in metafunc.fixturenames:
        tiers = parse_tiers(metafunc.config.getoption("--tiers"))
        metafunc.parametrize("tier", [t.name for t in tiers], ids=[t.name for t in tiers])


@pytest.fixture(scope="session")
def runner() -> Iterator[AsyncRunner]:
    """One event loop for the whole session, started outside every timed region."""
    with AsyncRunner() as loop_runner:
        yield loop_runner


@pytest.fixture(scope="session")
def workbenches(
    runner: AsyncRunner, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Workbench]]:
    """Open (once) the workbench of a tier: its database seeded, its inputs prepared."""
    opened: dict[str, Workbench] = {}
    url_option: str | None = request.config.getoption("--bench-db")
    directory: Path = tmp_path_factory.mktemp("bench-db")

    def open_tier(name: str) -> Workbench:
        if name not in opened:
            url = normalize_url(url_option or f"sqlite:///{directory / name}.db")
            opened[name] = runner.run(Workbench.open(get_tier(name), url))
            settle_heap()  # as a worker does after opening: set-up out of the collector's way
        return opened[name]

    yield open_tier
    for bench in opened.values():
        runner.run(bench.close())


@pytest.fixture
def bench_phase(
    benchmark: Any, runner: AsyncRunner, workbenches: Callable[[str], Workbench]
) -> Callable[[str, str], None]:
    """Benchmark one phase on one tier, and store its exact counters in extra_info."""

    def run(phase: str, tier: str) -> None:
        bench = workbenches(tier)
        workload = bench.workload(phase)
        benchmark.group = phase
        benchmark.name = workload.name

        async def reset() -> None:
            await workload.reset()
            gc.collect()  # every round starts from the same collector state, as in a worker

        benchmark_async(
            benchmark,
            runner,
            workload.work,
            setup=reset,
            rounds=ROUNDS[tier],
            warmup_rounds=WARMUP_ROUNDS,
        )
        benchmark.extra_info.update({"benchmark_id": workload.name, "phase": phase, "tier": tier})
        benchmark.extra_info.update(runner.run(bench.count(phase)))
        assert benchmark.extra_info.get("violations", 0) == 0

    return run
