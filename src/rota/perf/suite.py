"""One run of the benchmark suite: the timing pass, then the memory pass, then a results file.

The timing pass is ``pytest bench --benchmark-only`` run in this process, so the suite has
one set of benchmark definitions and pytest-benchmark's own storage stays usable
(``--benchmark-autosave``, ``--benchmark-compare``). The memory pass runs every
(phase, tier) once more under a memray tracker, after the timing pass and never inside
it; its capture of the largest tier's end-to-end generation is kept for flame graphs.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL

from rota.datasets.tiers import Tier
from rota.db.url import normalize_url
from rota.errors import UsageError
from rota.perf.machine import git_info, machine_info
from rota.perf.memory import MemoryFigures, measure_memory_async
from rota.perf.results import BenchmarkResult, RunResults
from rota.perf.timing import AsyncRunner
from rota.perf.workloads import PHASES, Workbench

Progress = Callable[[str], None]  # told the benchmark id each time one finishes


@dataclass(frozen=True, slots=True)
class SuiteSettings:
    """How to run the suite."""

    tiers: tuple[Tier, ...]
    bench_dir: Path
    db_url: str | None = None  # None: a fresh SQLite file per tier
    memory: bool = True
    capture_dir: Path = Path("results/memray")
    autosave: bool = True  # also keep pytest-benchmark's own record (.benchmarks/)


def find_bench_dir(explicit: Path | None = None) -> Path:
    """The ``bench/`` directory of the checkout rota runs from."""
    candidates = (
        [explicit]
        if explicit
        else [Path.cwd() / "bench", Path(__file__).resolve().parents[3] / "bench"]
    )
    for candidate in candidates:
        if candidate is not None and (candidate / "test_phases.py").is_file():
            return candidate
    raise UsageError(
        "benchmarks not found (no bench/test_phases.py): run 'rota bench' from the "
        "repository root or pass --bench-dir"
    )


def run_suite(settings: SuiteSettings, progress: Progress | None = None) -> RunResults:
    """Run the timing and memory passes and return everything they measured."""
    timing = timing_pass(settings, progress)
    memory = memory_pass(settings, progress) if settings.memory else {}
    benchmarks = [
        BenchmarkResult.from_samples(
            name=name,
            phase=str(info["phase"]),
            tier=str(info["tier"]),
            size=int(info["resident_sessions"]),
            samples=samples,
            counters={
                k: v
                for k, v in info.items()
                if k not in ("phase", "tier", "rota_timing", "benchmark_id")
            },
            peak_memory_bytes=memory[name].peak_bytes if name in memory else None,
            allocations=memory[name].allocations if name in memory else None,
        )
        for name, (samples, info) in timing.items()
    ]
    return RunResults(
        machine=machine_info(),
        git=git_info(settings.bench_dir),
        benchmarks=benchmarks,
        settings={
            "tiers": [t.name for t in settings.tiers],
            "database": _database_kind(settings.db_url),
            "memory_pass": settings.memory,
            "timing": "pytest-benchmark pedantic, inner coroutine clock",
        },
    )


def timing_pass(
    settings: SuiteSettings, progress: Progress | None = None
) -> dict[str, tuple[list[float], dict[str, Any]]]:
    """Run ``pytest bench --benchmark-only``; return samples and extra_info per benchmark."""
    with tempfile.TemporaryDirectory(prefix="rota-bench-") as scratch:
        json_path = Path(scratch) / "benchmarks.json"
        args = [
            str(settings.bench_dir),
            "--benchmark-only",
            f"--tiers={','.join(t.name for t in settings.tiers)}",
            f"--benchmark-json={json_path}",
            f"--rootdir={settings.bench_dir.parent}",
            "-p",
            "no:cacheprovider",
            "-q",
        ]
        if settings.db_url:
            args.append(f"--bench-db={settings.db_url}")
        if settings.autosave:
            args.append("--benchmark-autosave")
        output = io.StringIO()  # pytest's report, shown only if the pass fails
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            code = pytest.main(args, plugins=[_ProgressPlugin(progress)])
        if code != 0 or not json_path.exists():
            tail = "\n".join(output.getvalue().splitlines()[-25:])
            raise UsageError(f"the timing pass failed (pytest exit code {code}):\n{tail}")
        document = json.loads(json_path.read_text())
    return {
        b["name"]: ([float(x) for x in b["stats"]["data"]], dict(b["extra_info"]))
        for b in document["benchmarks"]
    }


def memory_pass(
    settings: SuiteSettings, progress: Progress | None = None
) -> dict[str, MemoryFigures]:
    """Run every (phase, tier) once under memray; keep the largest tier's end-to-end capture."""
    figures: dict[str, MemoryFigures] = {}
    largest = max(settings.tiers, key=lambda t: t.resident_sessions)
    settings.capture_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rota-memory-") as scratch, AsyncRunner() as runner:
        for tier in settings.tiers:
            url = _tier_url(settings.db_url, Path(scratch), tier)
            bench = runner.run(Workbench.open(tier, url))
            try:
                for phase in PHASES:
                    workload = bench.workload(phase)
                    runner.run(workload.reset())
                    keep = tier == largest and phase == "generate"
                    capture = (settings.capture_dir if keep else Path(scratch)) / (
                        f"{phase}-{tier.name}.bin"
                    )
                    capture.unlink(missing_ok=True)
                    # memray notes on stderr that greenlet (used by SQLAlchemy's asyncio
                    # layer) support is experimental; it would print over the progress bar.
                    with contextlib.redirect_stderr(io.StringIO()):
                        figures[workload.name], _ = measure_memory_async(
                            runner.loop, workload.work, capture, keep=keep
                        )
                    if progress:
                        progress(f"memory {workload.name}")
            finally:
                runner.run(bench.close())
    return figures


def kept_capture(settings: SuiteSettings) -> Path:
    """Where the memory pass keeps the largest tier's end-to-end capture."""
    largest = max(settings.tiers, key=lambda t: t.resident_sessions)
    return settings.capture_dir / f"generate-{largest.name}.bin"


def _tier_url(db_url: str | None, scratch: Path, tier: Tier) -> URL:
    return normalize_url(db_url or f"sqlite:///{scratch / tier.name}.db")


def _database_kind(db_url: str | None) -> str:
    return "sqlite (fresh file per tier)" if db_url is None else normalize_url(db_url).drivername


class _ProgressPlugin:
    """Tells the caller each time a benchmark test finishes."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" and self.progress is not None:
            self.progress(f"timing {report.nodeid.split('::')[-1]}")


def total_steps(tiers: Sequence[Tier], memory: bool) -> int:
    """How many progress steps a suite run makes."""
    return len(tiers) * len(PHASES) * (2 if memory else 1)
