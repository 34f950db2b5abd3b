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

from rota.perf.gate_config import GateConfig
from rota.perf.gate_timing import measure_pairs
from rota.perf.runner import SourceTree
from rota.perf.worker import SLOWDOWN_ENV

__all__ = ["Calibration", "calibrate"]

Progress = Callable[[str], None]

_REGRESSED = re.compile(r"^\s*(\S+\[\w+\]) \(\d+_")


@dataclass(slots=True)
class Calibration:
    """Counts per benchmark over the trials."""

    benchmarks: list[str]
    affected: list[str]
    trials: int = 0
    gate_false: Counter[str] = field(default_factory=Counter)  # A/A runs flagging it
    gate_detected: Counter[str] = field(default_factory=Counter)  # injected runs: slower
    gate_runs_with_false_alarm: int = 0
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
                result.gate_detected.update(slower & set(affected))
                result.gate_false.update(flagged - set(affected))
            else:
                result.gate_false.update(flagged)
                result.gate_runs_with_false_alarm += bool(flagged)
            tell(f"trial {trial + 1}/{trials} {kind}: gate flagged {sorted(flagged) or 'nothing'}")
            if bench_dir is not None:
                regressed = _pytest_benchmark_trial(bench_dir, tiers, env)
                result.pb_ran = True
                if injected:
                    result.pb_detected.update(set(regressed) & set(affected))
                    result.pb_false.update(set(regressed) - set(affected))
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
    return sorted(
        {m.group(1) for line in done.stdout.splitlines() if (m := _REGRESSED.match(line))}
    )
