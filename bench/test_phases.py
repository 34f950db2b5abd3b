"""One benchmark per (phase, tier): ``test_<phase>[<tier>]``, grouped by phase."""

from __future__ import annotations

from collections.abc import Callable

Phase = Callable[[str, str], None]


def test_seed(bench_phase: Phase, tier: str) -> None:
    """Generate the tier's dataset and bulk-insert it into a database without it."""
    bench_phase("seed", tier)


def test_load(bench_phase: Phase, tier: str) -> None:
    """Read the program back in a constant number of queries."""
    bench_phase("load", tier)


def test_solve(bench_phase: Phase, tier: str) -> None:
    """Build the schedule in memory (no database)."""
    bench_phase("solve", tier)


def test_improve(bench_phase: Phase, tier: str) -> None:
    """Improve the constructed schedule's fairness with the deterministic local search."""
    bench_phase("improve", tier)


def test_validate(bench_phase: Phase, tier: str) -> None:
    """Check the schedule against R1-R10 with the independent validator."""
    bench_phase("validate", tier)


def test_persist(bench_phase: Phase, tier: str) -> None:
    """Store the run and all its assignments in one transaction."""
    bench_phase("persist", tier)


def test_generate(bench_phase: Phase, tier: str) -> None:
    """End to end: load, solve, validate and persist, as ``rota generate`` does."""
    bench_phase("generate", tier)
