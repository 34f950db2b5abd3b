"""The suite's report: slopes per phase and the N+1 flag on statement counts."""

from __future__ import annotations

import pytest

from rota.perf.report import results_table, scaling, scaling_lines
from rota.perf.results import BenchmarkResult, RunResults


def _result(phase: str, tier: str, size: int, seconds: float, statements: int) -> BenchmarkResult:
    return BenchmarkResult.from_samples(
        name=f"{phase}[{tier}]",
        phase=phase,
        tier=tier,
        size=size,
        samples=[seconds, seconds * 1.01, seconds * 0.99],
        counters={"sql_statements": statements, "violations": 0},
        peak_memory_bytes=size * 1000,
        allocations=size,
    )


def test_linear_phase_has_slope_one_and_constant_statements() -> None:
    """Time proportional to size fits slope 1; equal statement counts raise no flag."""
    run = RunResults(
        benchmarks=[
            _result("load", t, s, s * 1e-5, 6) for t, s in (("a", 100), ("b", 1000), ("c", 10000))
        ]
    )
    (fit,) = scaling(run)
    assert fit.time is not None
    assert fit.time.slope == pytest.approx(1.0, abs=0.01)
    assert fit.memory is not None
    assert fit.memory.slope == pytest.approx(1.0, abs=0.01)
    assert not fit.statements_vary
    assert "SQL statements 6 on every tier" in scaling_lines([fit])[0]


def test_statements_growing_with_the_tier_are_flagged_as_n_plus_1() -> None:
    """A phase whose SQL statement count differs between tiers is reported as possible N+1."""
    run = RunResults(
        benchmarks=[_result("load", "a", 100, 0.01, 6), _result("load", "b", 1000, 0.02, 60)]
    )
    (fit,) = scaling(run)
    assert fit.statements_vary
    assert "possible N+1" in scaling_lines([fit])[0]


def test_one_tier_has_no_slope() -> None:
    """With a single size there is nothing to fit: the slope is reported as missing."""
    (fit,) = scaling(RunResults(benchmarks=[_result("solve", "a", 100, 0.01, 0)]))
    assert fit.time is None
    assert scaling_lines([fit])[0].startswith("solve     time -")


def test_table_has_a_row_per_benchmark() -> None:
    """The rich table lists every benchmark once."""
    run = RunResults(benchmarks=[_result("load", "a", 100, 0.01, 6)])
    assert results_table(run).row_count == 1
