"""The suite's report: slopes per phase and the N+1 flag on statement counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from rota.perf.report import (
    draw_scaling_plot,
    quality_table,
    results_table,
    scaling,
    scaling_caption,
    scaling_lines,
)
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


def test_one_tier_draws_no_plot_and_says_so(tmp_path: Path) -> None:
    """Issue 8 item 11: one tier: no plot, the old PNG untouched, and a line saying both."""
    out = tmp_path / "scaling.png"
    out.write_bytes(b"an earlier plot")
    run = RunResults(benchmarks=[_result(p, "tiny", 252, 0.01, 6) for p in ("solve", "generate")])
    plotted = draw_scaling_plot(run, out)
    assert plotted.path is None
    assert plotted.message.startswith("scaling plot: not drawn, only tiny ran")
    assert f"{out} is an earlier run's" in plotted.message
    assert out.read_bytes() == b"an earlier plot"


def test_two_tiers_draw_every_phase_and_say_where(tmp_path: Path) -> None:
    """Issue 8 item 11: with two tiers the plot is written and the message names it."""
    out = tmp_path / "plots" / "scaling.png"
    run = RunResults(
        benchmarks=[
            _result(phase, tier, size, size * 1e-5, 6)
            for phase in ("seed", "load", "solve", "validate", "persist", "generate")
            for tier, size in (("tiny", 252), ("small", 1008))
        ]
    )
    plotted = draw_scaling_plot(run, out)
    assert plotted.path == out
    assert plotted.message == f"scaling plot: {out}"
    assert out.read_bytes().startswith(b"\x89PNG")


def test_caption_names_commit_date_and_machine() -> None:
    """Issue 8 item 11: the caption says which code ran, when, and on what."""
    run = RunResults(
        created_at=datetime(2026, 11, 22, 2, 19, 36, tzinfo=UTC),
        git={"commit": "8e75191d35c9760abcfe01fd6333a282283ebdce", "branch": "main", "dirty": True},
        machine={
            "cpu_model": "AMD EPYC",
            "logical_cores": 2,
            "memory_bytes": 24 * 1024**3,
            "os": "Linux",
            "arch": "x86_64",
            "python_implementation": "CPython",
            "python_version": "3.11.7",
            "hostname": "vm",
        },
        settings={"database": "sqlite (fresh file per tier)"},
    )
    assert scaling_caption(run) == (
        "commit 8e75191 with uncommitted changes (main) · 2026-11-22 02:19 UTC · "
        "AMD EPYC, 2 cores, 24 GiB, Linux x86_64, CPython 3.11.7, host vm · "
        "sqlite (fresh file per tier)"
    )


def _quality(phase: str, objective: float, switches: int, spread: float) -> BenchmarkResult:
    return BenchmarkResult.from_samples(
        name=f"{phase}[small]",
        phase=phase,
        tier="small",
        size=1008,
        samples=[0.02, 0.03, 0.04] if phase == "solve" else [1.5, 1.5, 1.5],
        counters={
            "objective": objective,
            "max_call_spread": spread,
            "max_weekend_spread": spread * 2,
            "max_hours_spread": spread * 10,
            "rotation_switches": switches,
        },
    )


def test_quality_table_sets_the_improvement_beside_construction() -> None:
    """One row per tier: solve's figures, then improve's, the change and both medians."""
    run = RunResults(
        benchmarks=[_quality("solve", 300.0, 8, 6.5), _quality("improve", 75.0, 40, 1.0)]
    )
    table = quality_table(run)
    assert table is not None
    row = [column._cells[0] for column in table.columns]
    assert row == [
        "small",
        "300.0 -> 75.0",
        "-75.0%",
        "6.50 -> 1.00",
        "13.00 -> 2.00",
        "65.0 -> 10.0",
        "8 -> 40",
        "30.00 ms",
        "1.500 s",
    ]


def test_quality_table_needs_both_phases() -> None:
    """A run without the improve phase (or without quality counters) has no quality table."""
    assert quality_table(RunResults(benchmarks=[_quality("solve", 300.0, 8, 6.5)])) is None
    assert quality_table(RunResults(benchmarks=[_result("solve", "a", 100, 0.01, 0)])) is None
