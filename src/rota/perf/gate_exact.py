"""Exact metrics, compared one to one: SQL, rows, violations, quality, memory, instructions.

Counts are the same on every run of the same code, so there is no statistics here: a
metric is worse than its reference (the committed baseline, or the base commit measured
in the same run) by more than its threshold, or it is not. Memory, allocations and
instructions depend on the interpreter and the packages, so they are compared only when
the Python version and the key packages match the reference's; the report says which
were skipped and why. A statement count that changes with the tier is the N+1 signature
and fails whatever the reference says.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from rota.perf.gate_config import ABSOLUTE, GateConfig
from rota.perf.results import BenchmarkResult, RunResults
from rota.perf.stats import fit_loglog_slope

__all__ = [
    "ENVIRONMENT_METRICS",
    "Finding",
    "compare_exact",
    "environment_mismatch",
    "instructions_mismatch",
]

Status = Literal["regression", "improvement", "unchanged", "accepted", "broken", "new"]

#: Counter keys compared exactly (a subset of what a phase records).
COUNTER_METRICS = (
    "sql_statements",
    "sql_rows_written",
    "violations",
    "objective",
    "max_call_spread",
    "max_weekend_spread",
    "max_hours_spread",
)
#: Figures whose meaning is the quality definition's (compared only under the same one).
QUALITY_METRICS = frozenset(
    {"objective", "max_call_spread", "max_weekend_spread", "max_hours_spread"}
)
#: Metrics that depend on the interpreter and packages, not only on rota's code.
ENVIRONMENT_METRICS = ("peak_memory", "allocations", "instructions")
#: Packages whose versions must match for the environment metrics to be compared.
ENVIRONMENT_PACKAGES = ("sqlalchemy", "aiosqlite", "asyncpg", "memray")


@dataclass(frozen=True, slots=True)
class Finding:
    """One metric of one benchmark against its reference."""

    benchmark: str
    metric: str
    base: float | None
    head: float | None
    threshold: float
    status: Status
    note: str = ""

    @property
    def change(self) -> float | None:
        """Head minus base (absolute metrics) or head / base - 1 (relative ones)."""
        if self.base is None or self.head is None:
            return None
        if self.metric in ABSOLUTE:
            return self.head - self.base
        return self.head / self.base - 1 if self.base else (0.0 if self.head == 0 else None)


def metrics_of(result: BenchmarkResult) -> dict[str, float]:
    """The exact metrics a benchmark result carries."""
    values = {
        key: float(value)
        for key in COUNTER_METRICS
        if isinstance(value := result.counters.get(key), int | float)
        and not isinstance(value, bool)
    }
    if result.peak_memory_bytes is not None:
        values["peak_memory"] = float(result.peak_memory_bytes)
    if result.allocations is not None:
        values["allocations"] = float(result.allocations)
    if result.instructions is not None:
        values["instructions"] = float(result.instructions)
    return values


def environment_mismatch(reference: RunResults, head: RunResults) -> str | None:
    """Why environment metrics cannot be compared, or ``None`` when they can."""
    ref_python = reference.machine.get("python_version")
    head_python = head.machine.get("python_version")
    if ref_python != head_python:
        return f"Python {head_python} here, {ref_python} in the reference"
    ref_packages = reference.machine.get("packages") or {}
    head_packages = head.machine.get("packages") or {}
    for name in ENVIRONMENT_PACKAGES:
        if ref_packages.get(name) != head_packages.get(name):
            here, there = head_packages.get(name), ref_packages.get(name)
            return f"{name} {here} here, {there} in the reference"
    return None


def instructions_mismatch(reference: RunResults, head: RunResults) -> str | None:
    """Why instruction counts cannot be compared, or ``None`` when they can.

    Each results file says how its counts were made (``settings["instructions"]``:
    the method, valgrind's version, the CPU) or, as a string, why it has none.
    """
    here = head.settings.get("instructions")
    there = reference.settings.get("instructions")
    if not isinstance(here, dict):
        return here if isinstance(here, str) else "not counted here"
    if not isinstance(there, dict):
        return "the reference has no instruction counts"
    for key in ("method", "valgrind", "cpu"):
        if here.get(key) != there.get(key):
            return f"{key} {here.get(key)!r} here, {there.get(key)!r} in the reference"
    return None


def compare_exact(reference: RunResults, head: RunResults, config: GateConfig) -> list[Finding]:
    """Every exact metric of ``head`` against ``reference``, plus the N+1 and slope checks."""
    mismatch = environment_mismatch(reference, head)
    counted_alike = instructions_mismatch(reference, head) is None
    findings: list[Finding] = []
    for result in head.benchmarks:
        head_metrics = metrics_of(result)
        ref_result = reference.benchmark(result.name)
        ref_metrics = metrics_of(ref_result) if ref_result is not None else {}
        same_quality = (ref_result is None) or (
            ref_result.counters.get("quality_definition")
            == result.counters.get("quality_definition")
        )
        for metric, value in head_metrics.items():
            threshold = config.threshold(metric, result.name)
            if metric in QUALITY_METRICS and not same_quality:
                continue  # another quality definition: not comparable (see quality_skips)
            if metric == "violations" and value > 0:
                findings.append(
                    Finding(result.name, metric, ref_metrics.get(metric), value, 0.0, "broken")
                )
                continue
            if metric in ENVIRONMENT_METRICS and mismatch is not None:
                continue  # reported once, by the caller, with the reason
            if metric == "instructions" and not counted_alike:
                continue  # reported once, by the caller, with the reason
            if metric not in ref_metrics:
                findings.append(Finding(result.name, metric, None, value, threshold, "new"))
                continue
            findings.append(_judge(config, result.name, metric, ref_metrics[metric], value))
    measured = {b.name for b in head.benchmarks}
    head_tiers = {b.tier for b in head.benchmarks}
    findings.extend(
        Finding(
            missing.name,
            "benchmark",
            None,
            None,
            0.0,
            "regression",
            "in the reference but not measured here (a phase removed or broken?)",
        )
        for missing in reference.benchmarks
        if missing.name not in measured and missing.tier in head_tiers
    )
    findings.extend(_statement_growth(head))
    findings.extend(_slopes(reference, head, config, mismatch))
    return findings


def quality_skips(reference: RunResults, head: RunResults) -> list[str]:
    """Benchmarks whose quality figures were not compared: another quality definition."""
    notes = []
    for result in head.benchmarks:
        ref = reference.benchmark(result.name)
        if ref is None:
            continue
        ours, theirs = (r.counters.get("quality_definition") for r in (result, ref))
        if ours != theirs and (ours is not None or theirs is not None):
            notes.append(
                f"{result.name} quality figures not compared: definition {ours} here, "
                f"{theirs or 'quality-1'} in the reference"
            )
    return notes


def _judge(config: GateConfig, benchmark: str, metric: str, base: float, head: float) -> Finding:
    threshold = config.threshold(metric, benchmark)
    if metric in ABSOLUTE:
        worse_by = head - base
    else:
        worse_by = (head / base - 1) if base else (float("inf") if head > 0 else 0.0)
    if worse_by > threshold:
        accepted = config.acceptance(metric, benchmark)
        if accepted is not None and _within(accepted.allowed, metric, base, head):
            return Finding(benchmark, metric, base, head, threshold, "accepted", accepted.reason)
        return Finding(benchmark, metric, base, head, threshold, "regression")
    # A count (threshold 0) that drops has improved; a measured figure must drop by more
    # than its threshold, or run-to-run wobble would read as progress.
    if (worse_by < 0 and -worse_by > threshold) or (threshold == 0 and worse_by < 0):
        return Finding(benchmark, metric, base, head, threshold, "improvement")
    return Finding(benchmark, metric, base, head, threshold, "unchanged")


def _within(allowed: float, metric: str, base: float, head: float) -> bool:
    if metric in ABSOLUTE:
        return head - base <= allowed
    return base > 0 and head / base - 1 <= allowed


def _statement_growth(head: RunResults) -> list[Finding]:
    """A phase whose statement count differs between tiers issues queries per row: N+1."""
    by_phase: dict[str, dict[str, float]] = defaultdict(dict)
    for result in head.benchmarks:
        statements = result.counters.get("sql_statements")
        if isinstance(statements, int | float):
            by_phase[result.phase][result.tier] = float(statements)
    findings = []
    for phase, counts in by_phase.items():
        if len(set(counts.values())) > 1:
            detail = ", ".join(f"{tier} {int(n)}" for tier, n in counts.items())
            findings.append(
                Finding(
                    f"{phase}[*]",
                    "sql_statements",
                    None,
                    max(counts.values()),
                    0.0,
                    "regression",
                    f"changes with the tier ({detail}): the N+1 signature",
                )
            )
    return findings


def _slopes(
    reference: RunResults, head: RunResults, config: GateConfig, mismatch: str | None
) -> list[Finding]:
    """The scaling slope of peak memory across tiers, head against reference."""
    if mismatch is not None:
        return []
    findings = []
    # Fit both over the tiers both measured: a slope over other tiers is another figure.
    common = {b.tier for b in head.benchmarks} & {b.tier for b in reference.benchmarks}
    for phase in sorted({b.phase for b in head.benchmarks}):
        head_slope = _memory_slope(head, phase, common)
        ref_slope = _memory_slope(reference, phase, common)
        if head_slope is None or ref_slope is None:
            continue
        findings.append(_judge(config, f"{phase}[*]", "memory_slope", ref_slope, head_slope))
    return findings


def _memory_slope(run: RunResults, phase: str, tiers: set[str]) -> float | None:
    points = [
        (b.size, float(b.peak_memory_bytes))
        for b in run.benchmarks
        if b.phase == phase and b.tier in tiers and b.peak_memory_bytes
    ]
    if len({size for size, _ in points}) < 2:
        return None
    return fit_loglog_slope([p[0] for p in points], [p[1] for p in points]).slope
