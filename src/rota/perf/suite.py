"""One run of the benchmark suite in worker processes: timing, counters, memory, results.

The parent (this module, under ``rota bench``) starts workers (``rota.perf.runner``) and
shows progress; the workers measure. The timing pass gives every tier ``processes``
fresh workers, each timing every phase for its share of the rounds in an order shuffled
per process (so an order effect spreads over the phases instead of always hitting the
same one); the samples stay grouped by process, the unit of replication. The exact
counters come from an untimed run in the first worker of each tier. The memory pass runs
every (phase, tier) once more under memray in a worker of its own, never beside timing;
its capture of the largest tier's end-to-end generation is kept for flame graphs. The
instruction pass (``rota.perf.instructions``) counts the instructions of every phase of
``instruction_tiers`` under callgrind, in a child process of its own, after the others.

The same workloads back ``pytest bench --benchmark-only`` (one process, pytest-benchmark's
storage), which stays the way to use pytest-benchmark's own tooling.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rota.datasets.tiers import Tier
from rota.db.url import normalize_url
from rota.perf.machine import git_info, machine_info
from rota.perf.results import BenchmarkResult, RunResults
from rota.perf.runner import Databases, SourceTree, WorkerFailed, WorkerProcess
from rota.perf.workloads import PHASES

Progress = Callable[[str], None]  # told what just finished, once per step

#: Measured rounds per benchmark and tier, split across the processes of the tier.
ROUNDS: Mapping[str, int] = {
    "tiny": 30,
    "small": 20,
    "medium": 15,
    "large": 10,
    "xlarge": 5,
    "stress": 3,
}
WARMUP_ROUNDS = 1
DEFAULT_PROCESSES = 3

#: Threads a worker may run while it times a round: the event loop's (and its default
#: executor's) and the SQLite driver's.
ALLOWED_THREADS = frozenset({"main", "sqlite-driver", "loop-executor"})


@dataclass(frozen=True, slots=True)
class SuiteSettings:
    """How to run the suite."""

    tiers: tuple[Tier, ...]
    phases: tuple[str, ...] = PHASES
    db_url: str | None = None  # None: a SQLite file per worker, copied from a template
    processes: int = DEFAULT_PROCESSES
    rounds: Mapping[str, int] = field(default_factory=lambda: dict(ROUNDS))
    warmup: int = WARMUP_ROUNDS
    memory: bool = True
    capture_dir: Path | None = None  # where the largest tier's generate capture is kept
    tree: SourceTree | None = None  # None: the rota this process imports
    hash_seed: int = 0
    instruction_tiers: tuple[str, ...] = ()  # tiers counted under callgrind (none: no pass)
    instructions_note: str | None = None  # why there is no instruction pass, when asked

    def rounds_per_process(self, tier: str) -> int:
        """Each process's share of the tier's rounds (at least one)."""
        total = self.rounds.get(tier, 3)
        return max(1, -(-total // self.processes))


def total_steps(settings: SuiteSettings) -> int:
    """How many progress steps a suite run makes."""
    per_tier = len(settings.phases) * (settings.processes + (1 if settings.memory else 0))
    counted = len(settings.phases) * len(settings.instruction_tiers)
    return len(settings.tiers) * per_tier + counted


def kept_capture(settings: SuiteSettings) -> Path | None:
    """Where the memory pass keeps the largest tier's end-to-end capture, if anywhere."""
    if settings.capture_dir is None or not settings.memory or "generate" not in settings.phases:
        return None
    largest = max(settings.tiers, key=lambda t: t.resident_sessions)
    # Absolute: the worker runs in another working directory.
    return settings.capture_dir.resolve() / f"generate-{largest.name}.bin"


def run_suite(settings: SuiteSettings, progress: Progress | None = None) -> RunResults:
    """Run the timing pass, the counters and the memory pass; return what they measured."""
    tree = settings.tree or SourceTree.installed()
    tell = progress or (lambda _step: None)
    if settings.db_url is not None:
        normalize_url(settings.db_url)  # a bad URL fails here, in one line, before any work
    with tempfile.TemporaryDirectory(prefix="rota-bench-") as scratch:
        databases = Databases(Path(scratch), settings.db_url)
        samples, counters, threads = timing_pass(settings, tree, databases, tell)
        memory = memory_pass(settings, tree, databases, tell) if settings.memory else {}
    instructions = instructions_pass(settings, tree, tell)
    benchmarks = []
    for tier in settings.tiers:
        for phase in settings.phases:
            name = f"{phase}[{tier.name}]"
            peak, allocations = memory.get(name, (None, None))
            benchmarks.append(
                BenchmarkResult.from_samples(
                    name=name,
                    phase=phase,
                    tier=tier.name,
                    size=tier.resident_sessions,
                    processes=samples[name],
                    counters=counters[name],
                    peak_memory_bytes=peak,
                    allocations=allocations,
                    instructions=instructions.get(name),
                )
            )
    return RunResults(
        machine=machine_info(),
        git=git_info(tree.path),
        benchmarks=benchmarks,
        settings={
            "instructions": instructions_settings(settings.instruction_tiers)
            if instructions
            else settings.instructions_note,
            "tiers": [t.name for t in settings.tiers],
            "database": _database_kind(settings.db_url),
            "processes_per_tier": settings.processes,
            "rounds_per_process": {
                t.name: settings.rounds_per_process(t.name) for t in settings.tiers
            },
            "warmup_rounds": settings.warmup,
            "memory_pass": settings.memory,
            "timing": "worker processes, inner coroutine clock, reset and gc.collect per round",
            "threads_seen": sorted(threads),
        },
    )


def timing_pass(
    settings: SuiteSettings, tree: SourceTree, databases: Databases, tell: Progress
) -> tuple[dict[str, list[list[float]]], dict[str, dict[str, Any]], set[str]]:
    """Time every (phase, tier) in fresh workers; count each once, untimed.

    Returns:
        Samples per benchmark grouped by process, counters per benchmark, and every
        thread class seen around the timed rounds.

    Raises:
        WorkerFailed: A worker ran a thread other than the loop's and the driver's
            during a round (a measurement that cannot be trusted), or failed.
    """
    samples: dict[str, list[list[float]]] = {}
    counters: dict[str, dict[str, Any]] = {}
    threads: set[str] = set()
    for tier in settings.tiers:
        rounds = settings.rounds_per_process(tier.name)
        for index in range(settings.processes):
            order = list(settings.phases)
            random.Random(index).shuffle(order)
            with _opened(tree, databases, tier.name, settings.hash_seed) as worker:
                for phase in order:
                    name = f"{phase}[{tier.name}]"
                    timed = worker.time(name, rounds=rounds, warmup=settings.warmup)
                    samples.setdefault(name, []).append(timed.samples)
                    threads.update(timed.threads)
                    tell(f"timing {name} ({index + 1}/{settings.processes})")
                if index == 0:
                    for phase in settings.phases:
                        name = f"{phase}[{tier.name}]"
                        counters[name] = worker.count(name)
    strangers = threads - ALLOWED_THREADS
    if strangers:
        raise WorkerFailed(
            f"a worker ran {', '.join(sorted(strangers))} beside the timed work; "
            "its timings cannot be trusted"
        )
    return samples, counters, threads


def instructions_pass(settings: SuiteSettings, tree: SourceTree, tell: Progress) -> dict[str, int]:
    """Instructions of every phase of ``settings.instruction_tiers``, under callgrind."""
    if not settings.instruction_tiers:
        return {}
    from rota.datasets.tiers import get_tier
    from rota.perf.instructions import instruction_pass

    return instruction_pass(
        [get_tier(name) for name in settings.instruction_tiers],
        settings.phases,
        db_url=settings.db_url,
        source=tree.path,
        progress=lambda name: tell(f"instructions {name}"),
    )


def instructions_settings(tiers: Sequence[str]) -> dict[str, Any]:
    """What a results file says about its instruction counts: tiers and how they were made."""
    from rota.perf.instructions import instructions_environment

    return {"tiers": list(tiers), **instructions_environment()}


def memory_pass(
    settings: SuiteSettings, tree: SourceTree, databases: Databases, tell: Progress
) -> dict[str, tuple[int, int]]:
    """Peak memory and allocations of every (phase, tier), in one worker per tier."""
    figures: dict[str, tuple[int, int]] = {}
    keep = kept_capture(settings)
    if keep is not None:
        keep.parent.mkdir(parents=True, exist_ok=True)
    for tier in settings.tiers:
        with _opened(tree, databases, tier.name, settings.hash_seed) as worker:
            for phase in settings.phases:
                name = f"{phase}[{tier.name}]"
                capture = keep if keep is not None and keep.stem == f"{phase}-{tier.name}" else None
                figures[name] = worker.memory(name, capture=capture)
                tell(f"memory {name}")
    return figures


def exact_results(
    tree: SourceTree,
    tiers: Sequence[Tier],
    scratch: Path,
    *,
    db_url: str | None = None,
    phases: Sequence[str] | None = None,
    hash_seed: int = 0,
    instruction_tiers: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> RunResults:
    """Counters, peak memory, allocations and instructions of every phase and tier; no timing.

    One worker per tier counts each phase (untimed) and runs it once under memray; the
    phases of ``instruction_tiers`` are also counted under callgrind. The phases are the
    tree's own unless ``phases`` narrows them; this is what the gate compares exactly and
    what ``results/baseline.json`` holds. A tree that cannot be counted under callgrind
    (no valgrind here, or a tree from before the instruction pass) has no instruction
    counts, and its settings say why.
    """
    databases = Databases(scratch, db_url)
    benchmarks = []
    tree_phases: list[str] = []
    for tier in tiers:
        with _opened(tree, databases, tier.name, hash_seed, env) as worker:
            tree_phases = list(phases or worker.phases)
            for phase in tree_phases:
                name = f"{phase}[{tier.name}]"
                counters = worker.count(name)
                peak, allocations = worker.memory(name)
                benchmarks.append(
                    BenchmarkResult.from_samples(
                        name=name,
                        phase=phase,
                        tier=tier.name,
                        size=tier.resident_sessions,
                        counters=counters,
                        peak_memory_bytes=peak,
                        allocations=allocations,
                    )
                )
    counted = [t for t in instruction_tiers if t in {tier.name for tier in tiers}]
    instructions: dict[str, int] = {}
    about: str | dict[str, Any] | None = None
    if counted:
        instructions, about = _exact_instructions(tree, counted, tree_phases, db_url)
        benchmarks = [replace(b, instructions=instructions.get(b.name)) for b in benchmarks]
    return RunResults(
        machine=machine_info(),
        git=git_info(tree.path),
        benchmarks=benchmarks,
        settings={
            "tiers": [t.name for t in tiers],
            "database": _database_kind(db_url),
            "pass": "exact (counters, memray and callgrind; no timing)",
            "hash_seed": hash_seed,
            "instructions": about,
        },
    )


def _exact_instructions(
    tree: SourceTree, tiers: Sequence[str], phases: Sequence[str], db_url: str | None
) -> tuple[dict[str, int], str | dict[str, Any]]:
    from rota.datasets.tiers import get_tier
    from rota.perf.instructions import InstructionsError, instruction_pass, valgrind_available

    missing = valgrind_available()
    if missing is not None:
        return {}, missing
    if not (tree.path / "rota" / "perf" / "instructions_child.py").is_file():
        return {}, f"instructions unavailable: {tree.label} has no instruction pass"
    try:
        counts = instruction_pass(
            [get_tier(t) for t in tiers], phases, db_url=db_url, source=tree.path
        )
    except InstructionsError as error:
        return {}, f"instructions unavailable: {tree.label}: {str(error).splitlines()[0]}"
    return counts, instructions_settings(tiers)


@contextlib.contextmanager
def _opened(
    tree: SourceTree,
    databases: Databases,
    tier: str,
    hash_seed: int,
    env: Mapping[str, str] | None = None,
) -> Iterator[WorkerProcess]:
    """A started worker with ``tier`` open; its own database released afterwards."""
    url, template = databases.for_worker(tree, tier)
    try:
        with WorkerProcess(tree, hash_seed=hash_seed, env=env) as worker:
            worker.open(tier, url, template=template)
            yield worker
    finally:
        databases.release(url)


def _database_kind(db_url: str | None) -> str:
    if db_url is None:
        return "sqlite (a file per worker, copied from a seeded template)"
    return normalize_url(db_url).drivername
