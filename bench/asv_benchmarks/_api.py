"""The guard between asv and the rota API of the commit under test.

Every benchmark reaches rota through :func:`workbench_api`. A commit that predates the
workloads API (or one of the modules it needs) raises ``NotImplementedError`` from a
benchmark's ``setup``, which asv records as skipped (n/a), never as a failure.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

# The tiers and phases asv knows. Params must be the same at every commit; a phase a
# commit lacks reports n/a there (``improve`` before 1d21562). Adding a value keeps the
# results recorded before it: asv reads them for the parameters they share, and the new
# combinations are blank there until those commits are recorded again.
TIERS = ("tiny", "small", "medium")
PHASES = ("seed", "load", "solve", "improve", "validate", "persist", "generate")
SEED = 0
# A comma list of tiers to prepare (default: all of TIERS): `rota history run --tiers`
# sets it, with a matching --bench filter, for quick runs such as the tests'.
TIERS_VARIABLE = "ROTA_ASV_TIERS"


def _load_api() -> SimpleNamespace | NotImplementedError:
    try:
        from rota.datasets.tiers import get_tier
        from rota.db.url import normalize_url
        from rota.perf.timing import AsyncRunner
        from rota.perf.workloads import PHASES as KNOWN_PHASES
        from rota.perf.workloads import Workbench
    except ImportError as exc:
        return NotImplementedError(f"no rota workloads API at this commit ({exc})")
    measure_memory_async = _memory_measurer()
    if isinstance(measure_memory_async, NotImplementedError):
        return measure_memory_async
    return SimpleNamespace(
        get_tier=get_tier,
        normalize_url=normalize_url,
        measure_memory_async=measure_memory_async,
        AsyncRunner=AsyncRunner,
        phases=tuple(KNOWN_PHASES),
        Workbench=Workbench,
    )


def _memory_measurer() -> Any:
    """The commit's memray measurement: the worker's (now) or rota.perf.memory's (before).

    Both are called as ``(loop, work, capture) -> (figures, _)`` with ``peak_bytes`` and
    ``allocations`` on the figures.
    """
    try:
        from rota.perf.worker import measure_memory
    except ImportError:
        try:
            from rota.perf.memory import (  # type: ignore[import-not-found]  # older commits
                measure_memory_async,
            )
        except ImportError as exc:
            return NotImplementedError(f"no memray measurement at this commit ({exc})")
        return measure_memory_async

    def measure(loop: Any, work: Any, capture: Path) -> tuple[Any, None]:
        return measure_memory(loop, work, capture), None

    return measure


# Imported with the suite, on purpose: asv's forkserver imports the suite once per commit
# and forks every benchmark process from it, so rota, SQLAlchemy and memray are imported
# once per commit rather than once per benchmark. Only names are bound here; no engine,
# loop or database exists until a benchmark asks for one.
_API = _load_api()


def workbench_api() -> SimpleNamespace:
    """The rota names the benchmarks use, or ``NotImplementedError`` (asv: skipped)."""
    if isinstance(_API, NotImplementedError):
        raise NotImplementedError(*_API.args)
    return _API


def require_phase(api: SimpleNamespace, phase: str) -> None:
    """Skip (n/a) a phase this commit does not define."""
    if phase not in api.phases:
        raise NotImplementedError(f"phase {phase!r} does not exist at this commit")


# The key of a setup_cache result made at a commit without the API. asv drops a ``None``
# cache instead of passing it on, so the reason travels in a dict.
UNAVAILABLE = "unavailable"


def available(cache: dict[str, Any]) -> None:
    """Skip (n/a) when ``setup_cache`` found no workloads API at this commit."""
    if UNAVAILABLE in cache:
        raise NotImplementedError(cache[UNAVAILABLE])


def setup_cache() -> dict[str, Any]:
    """Once per commit, shared by every benchmark: seeded databases and exact counters.

    asv keys a ``setup_cache`` by the module that defines it, so defining it here and
    importing it into ``timing`` and ``counters`` makes one cache for both. It seeds one
    SQLite file per tier in asv's cache directory (the working directory), which every
    timing process copies, and measures every counter of every (tier, phase) once:
    SQL statements and rows written with ``Workbench.count``, peak heap and allocations
    with memray. Counts are exact, so once per commit is enough. Without the API the
    cache only says why (see ``UNAVAILABLE``).
    """
    try:
        api = workbench_api()
    except NotImplementedError as exc:
        return {UNAVAILABLE: str(exc)}
    seeded: dict[str, str] = {}
    counters: dict[str, dict[str, Any]] = {}
    tiers = [t for t in TIERS if t in os.environ.get(TIERS_VARIABLE, ",".join(TIERS)).split(",")]
    runner = api.AsyncRunner()
    try:
        with tempfile.TemporaryDirectory(prefix="rota-asv-memray-") as scratch:
            for tier in tiers:
                path = Path.cwd() / f"rota-{tier}.db"
                path.unlink(missing_ok=True)
                url = api.normalize_url(f"sqlite:///{path}")
                bench = runner.run(api.Workbench.open(api.get_tier(tier), url, seed=SEED))
                try:
                    for phase in PHASES:
                        if phase in api.phases:
                            counters[f"{tier}/{phase}"] = _count(
                                api, runner, bench, phase, Path(scratch)
                            )
                finally:
                    runner.run(bench.close())
                seeded[tier] = str(path)
    finally:
        runner.close()
    return {"seeded": seeded, "counters": counters}


setup_cache.timeout = 600  # type: ignore[attr-defined]


def _count(api: Any, runner: Any, bench: Any, phase: str, scratch: Path) -> dict[str, Any]:
    figures = dict(runner.run(bench.count(phase)))
    workload = bench.workload(phase)
    runner.run(workload.reset())
    memory, _ = api.measure_memory_async(runner.loop, workload.work, scratch / f"{phase}.bin")
    runner.run(bench.prepare())  # the seed phase leaves a fresh dataset id behind
    figures["peak_bytes"] = memory.peak_bytes
    figures["allocations"] = memory.allocations
    return figures


class ProcessBench:
    """One event loop and one workbench per benchmark process, opened untimed, once.

    asv runs every parameter combination in its own process and re-runs ``setup``
    before every timed call, so the workbench is opened on first use and kept here.
    It works on a private copy of the seeded database, so no benchmark sees another's
    writes.
    """

    def __init__(self) -> None:
        self.runner: Any = None
        self.benches: dict[str, Any] = {}
        self.tmp: Path | None = None

    def get(self, api: SimpleNamespace, seeded: dict[str, str], tier: str) -> Any:
        """The workbench of ``tier`` (opened from the seeded copy on first use)."""
        if tier in self.benches:
            return self.benches[tier]
        if tier not in seeded:
            raise NotImplementedError(f"tier {tier!r} was not prepared (see {TIERS_VARIABLE})")
        if self.runner is None:
            self.runner = api.AsyncRunner(timer=time.process_time)
            self.tmp = Path(tempfile.mkdtemp(prefix="rota-asv-"))
            atexit.register(self.close)
        assert self.tmp is not None
        path = self.tmp / f"{tier}.db"
        shutil.copyfile(seeded[tier], path)
        url = api.normalize_url(f"sqlite:///{path}")
        bench = self.runner.run(api.Workbench.open(api.get_tier(tier), url, seed=SEED))
        self.benches[tier] = bench
        return bench

    def close(self) -> None:
        """Dispose of the engines, close the loop and delete the private copies."""
        if self.runner is not None:
            for bench in self.benches.values():
                self.runner.run(bench.close())
            self.runner.close()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.runner, self.benches, self.tmp = None, {}, None
