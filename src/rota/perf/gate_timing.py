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

import contextlib
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

#: A benchmark whose first round takes longer than this is timed by that round alone.
LONG_ROUND_S = 0.25
#: A short benchmark gets enough rounds to fill about this much time per process...
SHORT_ROUNDS_S = 0.1
#: ... but never more rounds than this.
MAX_ROUNDS = 40


def _rounds_for(warmup_seconds: float, rounds: int) -> int:
    """Timed rounds per process for a benchmark whose warm-up round took this long.

    ``rounds`` (the config's) at least; a short benchmark more, up to :data:`MAX_ROUNDS`,
    so that its median is taken over about :data:`SHORT_ROUNDS_S` of work (a 2 ms round
    is at the mercy of every interrupt).
    """
    if warmup_seconds <= 0:
        return MAX_ROUNDS
    return max(rounds, min(MAX_ROUNDS, math.ceil(SHORT_ROUNDS_S / warmup_seconds)))


@dataclass(slots=True)
class TimingRun:
    """Everything the timing comparison measured and decided."""

    verdicts: list[TimingVerdict] = field(default_factory=list)
    #: side -> id -> every figure of each pair's process: wall/cpu x median/min
    figures: dict[str, dict[str, list[dict[str, float]]]] = field(default_factory=dict)
    clock: str = "cpu"
    statistic: str = "median"
    pairs: int = 0
    rounds: int = 0
    seconds: float = 0.0
    stopped_because: str = ""

    def judged(self) -> dict[str, dict[str, list[float]]]:
        """The figure judged per pair, by side and id: ``{clock}_{statistic}`` of ``figures``."""
        return {
            side: {name: self.judged_of(side, name) for name in by_name}
            for side, by_name in self.figures.items()
        }

    def judged_of(self, side: str, name: str) -> list[float]:
        """The judged figure of each pair's process for one side and benchmark."""
        key = f"{self.clock}_{self.statistic}"
        return [f[key] for f in self.figures.get(side, {}).get(name, [])]


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
        figures={"base": {}, "head": {}},
        rounds=config.rounds,
        clock=config.clock,
        statistic=config.statistic,
    )
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
        sides = [("base", base, base_env), ("head", head, head_env)]
        order = list(open_benchmarks)
        rng.shuffle(order)
        pair = _one_pair(sides, tiers, order, databases, config.rounds, run.pairs, rng)
        for side, figures in pair.items():
            for name, figure in figures.items():
                run.figures[side].setdefault(name, []).append(figure)
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
    base = run.judged_of("base", name)
    head = run.judged_of("head", name)
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


def _one_pair(
    sides: Sequence[tuple[str, SourceTree, Mapping[str, str] | None]],
    tiers: Sequence[str],
    order: Sequence[str],
    databases: Databases,
    rounds: int,
    hash_seed: int,
    rng: random.Random,
) -> dict[str, dict[str, dict[str, float]]]:
    """One base and one head worker, alive together, their rounds interleaved.

    Both workers start (same ``PYTHONHASHSEED``) and open the tiers; then, benchmark by
    benchmark in ``order``, each side runs one discarded round and then timed ones (how
    many: :func:`_rounds_for`), alternating round by round in a random order per round.
    A benchmark whose first round takes over :data:`LONG_ROUND_S` (improve and generate
    on medium) is timed by that first round alone: it already spans the machine's short
    spells, the one-time costs it carries are the same on both sides, and its repeats
    would cost most of the budget. Only one worker works at any moment (the other waits
    for its next request), and the two sides' rounds of a benchmark are taken within
    moments of each other, so a slow spell of the machine lands on both sides of the pair
    instead of on one process. Still two processes: what differs between processes stays
    in the pair's ratio.

    Returns:
        side -> benchmark -> that process's figures (:func:`_figures`).
    """
    urls: list[str] = []
    with contextlib.ExitStack() as stack:

        def release() -> None:
            for url in urls:
                databases.release(url)

        stack.callback(release)  # after both workers have stopped
        workers: dict[str, WorkerProcess] = {}
        for side, tree, env in sides:
            workers[side] = stack.enter_context(WorkerProcess(tree, hash_seed=hash_seed, env=env))
            for tier in tiers:
                url, template = databases.for_worker(tree, tier)
                urls.append(url)
                workers[side].open(tier, url, template=template)
        names = [side for side, _, _ in sides]
        figures: dict[str, dict[str, dict[str, float]]] = {side: {} for side in names}
        for name in order:
            timed = {side: TimedRounds([], [], []) for side in names}
            warmup = {side: workers[side].time(name, rounds=1) for side in names}
            longest = max(max(w.samples) for w in warmup.values())
            if longest >= LONG_ROUND_S:  # one long round is the sample: it spans the spells
                for side in names:
                    figures[side][name] = _figures(warmup[side])
                continue
            for _ in range(_rounds_for(longest, rounds)):
                rng.shuffle(names)
                for side in names:
                    got = workers[side].time(name, rounds=1)
                    timed[side].samples.extend(got.samples)
                    timed[side].cpu_samples.extend(got.cpu_samples)
            for side in names:
                figures[side][name] = _figures(timed[side])
        return figures
