"""Timing, base against head, measured in the same run with many short-lived workers.

Pairs of worker processes (one base, one head, same ``PYTHONHASHSEED``, in random order)
run until every benchmark is settled, ``max_pairs`` is reached or the budget is spent.
Each process opens the timing tiers from a seeded template, times every still-open
benchmark for a few rounds in a shuffled order, and reports one figure per benchmark: the
median (or minimum, ``statistic``) of its rounds on the configured ``clock``, by default
the process's CPU seconds, which a busy neighbour on a shared machine does not inflate
the way it inflates wall time. The statistics are in :mod:`rota.perf.gate_stats`.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rota.perf.gate_config import GateConfig
from rota.perf.gate_stats import TimingVerdict, holm, judge, p_value, settled_unchanged
from rota.perf.runner import Databases, SourceTree, TimedRounds, WorkerProcess

__all__ = ["TimingRun", "measure_pairs"]

Progress = Callable[[str, int, int], None]  # (what, pairs done, pairs at most)


@dataclass(slots=True)
class TimingRun:
    """Everything the timing comparison measured and decided."""

    verdicts: list[TimingVerdict] = field(default_factory=list)
    #: side -> id -> the judged figure of each pair's process (``clock`` and ``statistic``)
    medians: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    #: side -> id -> every figure of each pair's process: wall/cpu x median/min
    figures: dict[str, dict[str, list[dict[str, float]]]] = field(default_factory=dict)
    clock: str = "cpu"
    statistic: str = "median"
    pairs: int = 0
    rounds: int = 0
    seconds: float = 0.0
    stopped_because: str = ""


def measure_pairs(
    base: SourceTree,
    head: SourceTree,
    benchmarks: Sequence[str],
    config: GateConfig,
    scratch: Path,
    *,
    db_url: str | None = None,
    head_env: Mapping[str, str] | None = None,
    base_env: Mapping[str, str] | None = None,
    budget_seconds: float | None = None,
    progress: Progress | None = None,
    seed: int = 0,
) -> TimingRun:
    """Measure base and head alternately and judge every benchmark.

    Args:
        base: The tree of the base commit.
        head: The tree under review.
        benchmarks: Benchmark ids (``solve[tiny]`` ...), all of tiers in the timing tiers.
        config: Thresholds, alpha, pair limits, rounds per process.
        scratch: Where the workers' SQLite files and templates go.
        db_url: A database URL instead of SQLite files.
        head_env: Extra environment of head workers (an injected slowdown, say).
        base_env: Extra environment of base workers.
        budget_seconds: Stop starting pairs after this long (default: the config's).
        progress: Told after every pair.
        seed: Seeds the random order of sides and benchmarks.
    """
    started = time.perf_counter()
    budget = config.budget_seconds if budget_seconds is None else budget_seconds
    databases = Databases(scratch, db_url)
    rng = random.Random(seed)
    tiers = sorted({name.partition("[")[2].rstrip("]") for name in benchmarks})
    run = TimingRun(
        medians={"base": {}, "head": {}},
        figures={"base": {}, "head": {}},
        rounds=config.rounds,
        clock=config.clock,
        statistic=config.statistic,
    )
    key = f"{config.clock}_{config.statistic}"
    open_benchmarks = list(benchmarks)
    per_pair = 0.0
    while True:
        elapsed = time.perf_counter() - started
        if run.pairs >= config.max_pairs:
            run.stopped_because = f"{config.max_pairs} pairs (the most allowed)"
            break
        if not open_benchmarks:
            run.stopped_because = "every benchmark settled"
            break
        if run.pairs >= config.min_pairs and elapsed + per_pair > budget:
            run.stopped_because = f"the budget of {budget:.0f} s"
            break
        hash_seed = run.pairs
        sides = [("base", base, base_env), ("head", head, head_env)]
        rng.shuffle(sides)
        order = list(open_benchmarks)
        rng.shuffle(order)
        for side, tree, env in sides:
            figures = _one_process(tree, tiers, order, databases, config.rounds, hash_seed, env)
            for name, figure in figures.items():
                run.figures[side].setdefault(name, []).append(figure)
                run.medians[side].setdefault(name, []).append(figure[key])
        run.pairs += 1
        per_pair = (time.perf_counter() - started) / run.pairs
        if run.pairs >= config.min_pairs:
            open_benchmarks = [
                name
                for name in open_benchmarks
                if not settled_unchanged(
                    _log_ratios(run, name),
                    threshold=config.threshold("time", name),
                    confidence=1 - config.alpha / len(benchmarks),
                )
            ]
        if progress is not None:
            progress(f"{run.pairs} pairs, {len(open_benchmarks)} open", run.pairs, config.max_pairs)
    run.seconds = time.perf_counter() - started
    run.verdicts = judge_all(run, benchmarks, config)
    return run


def judge_all(run: TimingRun, benchmarks: Sequence[str], config: GateConfig) -> list[TimingVerdict]:
    """Holm over every benchmark's p-value, then one verdict each."""
    ratios = {name: _log_ratios(run, name) for name in benchmarks}
    raw = [p_value(ratios[name]) for name in benchmarks]
    adjusted = holm(raw)
    return [
        judge(
            name,
            ratios[name],
            threshold=config.threshold("time", name),
            p_adjusted=adjusted[i],
            p_value=raw[i],
            alpha=config.alpha,
            benchmarks=len(benchmarks),
        )
        for i, name in enumerate(benchmarks)
    ]


def _log_ratios(run: TimingRun, name: str) -> list[float]:
    base = run.medians["base"].get(name, [])
    head = run.medians["head"].get(name, [])
    return [math.log(h / b) for b, h in zip(base, head, strict=False) if b > 0 and h > 0]


def _figures(timed: TimedRounds) -> dict[str, float]:
    """One process's figures for one benchmark: median and minimum of wall and CPU rounds."""
    cpu = timed.cpu_samples or timed.samples
    return {
        "wall_median": statistics.median(timed.samples),
        "wall_min": min(timed.samples),
        "cpu_median": statistics.median(cpu),
        "cpu_min": min(cpu),
    }


def _one_process(
    tree: SourceTree,
    tiers: Sequence[str],
    order: Sequence[str],
    databases: Databases,
    rounds: int,
    hash_seed: int,
    env: Mapping[str, str] | None,
) -> dict[str, dict[str, float]]:
    """Start a worker, open the tiers, time each benchmark; its figures per benchmark."""
    urls = []
    try:
        with WorkerProcess(tree, hash_seed=hash_seed, env=env) as worker:
            for tier in tiers:
                url, template = databases.for_worker(tree, tier)
                urls.append(url)
                worker.open(tier, url, template=template)
            return {name: _figures(worker.time(name, rounds=rounds, warmup=1)) for name in order}
    finally:
        for url in urls:
            databases.release(url)
