"""The guard between asv and the rota API of the commit under test.

Every benchmark reaches rota through :func:`workbench_api`. A commit that predates the
workloads API (or one of the modules it needs) raises ``NotImplementedError`` from a
benchmark's ``setup``, which asv records as skipped (n/a), never as a failure.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

# The tiers and phases asv knows. Params must be the same at every commit; a phase a
# commit lacks (``improve`` before it exists, for instance) reports n/a there.
TIERS = ("tiny", "small", "medium")
PHASES = ("seed", "load", "solve", "validate", "persist", "generate")
SEED = 0


def workbench_api() -> SimpleNamespace:
    """The rota names the benchmarks use, or ``NotImplementedError`` (asv: skipped)."""
    try:
        from rota.datasets.tiers import get_tier
        from rota.db.url import normalize_url
        from rota.perf.memory import measure_memory_async
        from rota.perf.timing import AsyncRunner
        from rota.perf.workloads import PHASES as KNOWN_PHASES
        from rota.perf.workloads import Workbench
    except ImportError as exc:
        raise NotImplementedError(f"no rota workloads API at this commit ({exc})") from None
    return SimpleNamespace(
        get_tier=get_tier,
        normalize_url=normalize_url,
        measure_memory_async=measure_memory_async,
        AsyncRunner=AsyncRunner,
        phases=tuple(KNOWN_PHASES),
        Workbench=Workbench,
    )


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


def seed_databases(directory: Path) -> dict[str, str]:
    """Seed one SQLite file per tier in ``directory``, or say why not (see UNAVAILABLE).

    Runs in asv's ``setup_cache``: once per commit, not once per benchmark process.
    """
    try:
        api = workbench_api()
    except NotImplementedError as exc:
        return {UNAVAILABLE: str(exc)}
    paths: dict[str, str] = {}
    runner = api.AsyncRunner()
    try:
        for tier in TIERS:
            path = directory / f"rota-{tier}.db"
            path.unlink(missing_ok=True)
            url = api.normalize_url(f"sqlite:///{path}")
            bench = runner.run(api.Workbench.open(api.get_tier(tier), url, seed=SEED))
            runner.run(bench.close())
            paths[tier] = str(path.resolve())
    finally:
        runner.close()
    return paths


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
        if self.runner is None:
            self.runner = api.AsyncRunner()
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
