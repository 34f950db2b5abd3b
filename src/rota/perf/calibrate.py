"""Calibration of the gate: A/A trials and injected slowdowns, beside pytest-benchmark's gate.

A gate is worth its false-alarm and detection rates on the machine it runs on, so both are
measured, not assumed. A trial is one gate timing run (:func:`measure_pairs`) of the
working tree against itself: as it is (A/A: any verdict other than unchanged or
inconclusive is a false alarm) and with a function slowed by a fraction through the
worker's injection (``ROTA_SLOWDOWN``: a ``slower`` verdict on an affected benchmark is
a detection). The same trials run pytest-benchmark's documented gate: one process saves
a run, a second compares with ``--benchmark-compare-fail=median:5%``.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rota.datasets.tiers import Tier
from rota.perf.gate_config import GateConfig, matches
from rota.perf.gate_exact import compare_exact
from rota.perf.gate_timing import measure_pairs
from rota.perf.results import RunResults
from rota.perf.runner import SourceTree
from rota.perf.suite import exact_results
from rota.perf.worker import EXTRA_ALLOCATIONS_ENV, EXTRA_SQL_ENV, SLOWDOWN_ENV

__all__ = ["Calibration", "ExactCalibration", "calibrate", "calibrate_exact"]

#: The exact injections: name -> (the benchmarks it touches, the metric they must fail on).
#: ``+1 SQL statement per load`` wraps ``rota.engine.generate:load`` (``ROTA_EXTRA_SQL``);
#: ``+1% allocations in solve`` adds 1% of the reference's allocations to each
#: ``solve[tier]`` under memray (``ROTA_EXTRA_ALLOCATIONS``, one entry per benchmark).
EXACT_INJECTIONS: dict[str, tuple[str, str]] = {
    "+1 SQL statement per load": ("load[*]", "sql_statements"),
    "+1% allocations in solve": ("solve[*]", "allocations"),
}


def injection_env(name: str, reference: RunResults) -> dict[str, str]:
    """The worker environment of one of :data:`EXACT_INJECTIONS`, sized from ``reference``."""
    if name == "+1 SQL statement per load":
        return {EXTRA_SQL_ENV: "rota.engine.generate:load"}
    pattern, _ = EXACT_INJECTIONS[name]
    counts = [
        f"{b.name}={math.ceil((b.allocations or 0) * 0.01)}"
        for b in reference.benchmarks
        if matches(b.name, pattern)
    ]
    return {EXTRA_ALLOCATIONS_ENV: ",".join(counts)}


Progress = Callable[[str], None]

#: A line of pytest-benchmark's "Performance has regressed:" list (its session.py):
#: ``\tsolve[tiny] (0001_base) - Field 'median' has failed PercentageRegressionCheck: ...``;
#: the comparison table's rows start alike but have no " - Field ".
_REGRESSED = re.compile(r"^\s*(\S+\[\w+\]) \(\d+_\w*\) - Field '\w+' has failed ")


@dataclass(slots=True)
class Calibration:
    """Counts per benchmark over the trials."""

    benchmarks: list[str]
    affected: list[str]
    trials: int = 0
    gate_false: Counter[str] = field(default_factory=Counter)  # A/A runs flagging it
    gate_detected: Counter[str] = field(default_factory=Counter)  # injected runs: slower
    gate_runs_with_false_alarm: int = 0
    gate_runs_detecting_all: int = 0  # injected runs that flagged every affected benchmark
    gate_runs_detecting_any: int = 0  # injected runs that flagged at least one (they fail)
    gate_seconds: list[float] = field(default_factory=list)
    pb_false: Counter[str] = field(default_factory=Counter)
    pb_detected: Counter[str] = field(default_factory=Counter)
    pb_runs_with_false_alarm: int = 0
    pb_ran: bool = False


def calibrate(
    tree: SourceTree,
    benchmarks: Sequence[str],
    affected: Sequence[str],
    inject: str,
    config: GateConfig,
    *,
    trials: int,
    bench_dir: Path | None,
    budget_seconds: float | None = None,
    progress: Progress | None = None,
) -> Calibration:
    """Run ``trials`` A/A and ``trials`` injected trials of the gate and of pytest-benchmark."""
    tell = progress or (lambda _what: None)
    result = Calibration(list(benchmarks), list(affected))
    tiers = sorted({b.partition("[")[2].rstrip("]") for b in benchmarks})
    targets = set(affected)
    # generate[*] holds the injected function too (diluted): neither a catch nor an alarm.
    touched = targets | {b for b in benchmarks if b.startswith("generate[")}
    for trial in range(trials):
        for injected in (False, True):
            kind = "injected" if injected else "A/A"
            env = {SLOWDOWN_ENV: inject} if injected else None
            with tempfile.TemporaryDirectory(prefix="rota-calibrate-") as scratch:
                started = time.perf_counter()
                run = measure_pairs(
                    tree,
                    tree,
                    benchmarks,
                    config,
                    Path(scratch),
                    head_env=env,
                    budget_seconds=budget_seconds,
                    seed=trial * 2 + injected,
                )
                result.gate_seconds.append(time.perf_counter() - started)
            flagged = {v.benchmark for v in run.verdicts if v.verdict in ("slower", "faster")}
            slower = {v.benchmark for v in run.verdicts if v.verdict == "slower"}
            if injected:
                result.gate_detected.update(slower & targets)
                result.gate_false.update(flagged - touched)
                result.gate_runs_detecting_all += targets <= slower
                result.gate_runs_detecting_any += bool(slower & targets)
            else:
                result.gate_false.update(flagged)
                result.gate_runs_with_false_alarm += bool(flagged)
            tell(
                f"trial {trial + 1}/{trials} {kind}: gate flagged {sorted(flagged) or 'nothing'} "
                f"({run.pairs} pairs, {result.gate_seconds[-1]:.0f} s)"
            )
            for v in run.verdicts:
                if v.benchmark in targets or v.benchmark in flagged:
                    tell(
                        f"  {v.benchmark}: {v.verdict}, x{v.ratio:.3f} "
                        f"[{v.ci_low:.3f}, {v.ci_high:.3f}], p (Holm) {v.p_adjusted:.2g}"
                    )
            if bench_dir is not None:
                regressed = _pytest_benchmark_trial(bench_dir, tiers, env)
                result.pb_ran = True
                if injected:
                    result.pb_detected.update(set(regressed) & targets)
                    result.pb_false.update(set(regressed) - touched)
                else:
                    result.pb_false.update(regressed)
                    result.pb_runs_with_false_alarm += bool(regressed)
                tell(f"trial {trial + 1}/{trials} {kind}: pytest-benchmark flagged {regressed}")
        result.trials += 1
    return result


def _pytest_benchmark_trial(
    bench_dir: Path, tiers: Sequence[str], env: dict[str, str] | None
) -> list[str]:
    """Two pytest-benchmark processes: save, then compare with median:5%; what regressed."""
    with tempfile.TemporaryDirectory(prefix="rota-pb-") as storage:
        common = [
            sys.executable,
            "-m",
            "pytest",
            str(bench_dir),
            "--benchmark-only",
            f"--tiers={','.join(tiers)}",
            f"--benchmark-storage=file://{storage}",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--rootdir={bench_dir.parent}",
        ]
        base_env = {k: v for k, v in os.environ.items() if k != SLOWDOWN_ENV}
        subprocess.run(
            [*common, "--benchmark-save=base"],
            env=base_env,
            cwd=storage,
            capture_output=True,
            check=True,
        )
        done = subprocess.run(
            [*common, "--benchmark-compare", "--benchmark-compare-fail=median:5%"],
            env={**base_env, **(env or {})},
            cwd=storage,
            capture_output=True,
            text=True,
            check=False,
        )
    return regressed_in(done.stdout)


def regressed_in(output: str) -> list[str]:
    """The benchmarks pytest-benchmark's compare-fail said regressed, from its output."""
    return sorted({m.group(1) for line in output.splitlines() if (m := _REGRESSED.match(line))})


@dataclass(slots=True)
class ExactCalibration:
    """The exact metrics over repeated measurements: false alarms and catches."""

    benchmarks: list[str] = field(default_factory=list)
    trials: int = 0
    runs_with_false_alarm: int = 0
    false_alarms: Counter[str] = field(default_factory=Counter)  # "bench metric" over A/A
    #: injection -> trials in which every benchmark it touches was failed on its metric
    caught: Counter[str] = field(default_factory=Counter)
    missed: dict[str, list[str]] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)


def calibrate_exact(
    tree: SourceTree,
    tiers: Sequence[Tier],
    config: GateConfig,
    *,
    trials: int,
    progress: Progress | None = None,
) -> ExactCalibration:
    """Measure the exact metrics ``1 + 3 * trials`` times in fresh workers and compare.

    The first measurement is the reference (this machine, this environment, as the
    committed baseline is on the machine that wrote it). Then ``trials`` times: the same
    tree again (A/A: any regression finding is a false alarm), and once with each of
    :data:`EXACT_INJECTIONS` (caught when every benchmark it touches fails on its metric).
    Instructions are left out: they have their own determinism study.
    """
    tell = progress or (lambda _what: None)
    result = ExactCalibration()
    with tempfile.TemporaryDirectory(prefix="rota-calibrate-exact-") as scratch_dir:
        scratch = Path(scratch_dir)

        def measure(env: dict[str, str] | None, label: str) -> list[tuple[str, str]]:
            started = time.perf_counter()
            head = exact_results(tree, tiers, scratch / label, env=env)
            result.seconds.append(time.perf_counter() - started)
            findings = compare_exact(reference, head, config)
            return [(f.benchmark, f.metric) for f in findings if f.status == "regression"]

        tell("measuring the reference")
        started = time.perf_counter()
        reference = exact_results(tree, tiers, scratch / "reference")
        result.seconds.append(time.perf_counter() - started)
        result.benchmarks = [b.name for b in reference.benchmarks]
        for trial in range(trials):
            flagged = measure(None, f"aa-{trial}")
            result.false_alarms.update(f"{b} {m}" for b, m in flagged)
            result.runs_with_false_alarm += bool(flagged)
            tell(f"trial {trial + 1}/{trials} A/A: flagged {flagged or 'nothing'}")
            for name, (pattern, metric) in EXACT_INJECTIONS.items():
                flagged = measure(injection_env(name, reference), f"{metric}-{trial}")
                touched = [b for b in result.benchmarks if matches(b, pattern)]
                missed = [b for b in touched if (b, metric) not in flagged]
                result.caught[name] += not missed
                if missed:
                    result.missed.setdefault(name, []).extend(missed)
                tell(f"trial {trial + 1}/{trials} {name}: {missed or 'caught'}")
            result.trials += 1
    return result
