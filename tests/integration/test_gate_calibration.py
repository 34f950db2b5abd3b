"""The calibration's injections and its exact-metric trials, in real worker processes.

A calibration is only as honest as what it injects: one more SQL statement must be exactly
one more on the counters, "1% more allocations" must read as about 1% under memray, and a
slowdown must show in the CPU seconds the gate judges. Then ``calibrate_exact`` on the tiny
tier must flag nothing in A/A runs and catch both injections.
"""

from __future__ import annotations

import math
import statistics
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from rota.datasets.tiers import get_tier
from rota.perf.calibrate import EXACT_INJECTIONS, calibrate_exact
from rota.perf.gate_config import GateConfig
from rota.perf.runner import SourceTree, WorkerFailed, WorkerProcess
from rota.perf.worker import EXTRA_ALLOCATIONS_ENV, EXTRA_SQL_ENV, SLOWDOWN_ENV

TIER = "tiny"


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's temporary files (and its workers') under tmp_path."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    monkeypatch.setenv("TMPDIR", str(directory))
    return directory


def _worker(tmp_path: Path, name: str, env: dict[str, str] | None) -> Iterator[WorkerProcess]:
    with WorkerProcess(SourceTree.installed(), env=env) as worker:
        worker.open(TIER, f"sqlite:///{tmp_path / f'{name}.db'}")
        yield worker


@pytest.fixture
def plain(tmp_path: Path, temp_dir: Path) -> Iterator[WorkerProcess]:
    """A worker with nothing injected."""
    yield from _worker(tmp_path, "plain", None)


def test_extra_statement_is_exactly_one_more_in_load_and_generate(
    plain: WorkerProcess, tmp_path: Path
) -> None:
    """``ROTA_EXTRA_SQL`` on ``load`` adds one statement to load and generate, none elsewhere."""
    env = {EXTRA_SQL_ENV: "rota.engine.generate:load"}
    for injected in _worker(tmp_path, "sql", env):
        for phase, more in [("load", 1), ("generate", 1), ("solve", 0), ("persist", 0)]:
            name = f"{phase}[{TIER}]"
            before = plain.count(name)["sql_statements"]
            after = injected.count(name)["sql_statements"]
            assert after - before == more, name


def test_extra_allocations_are_the_count_asked(plain: WorkerProcess, tmp_path: Path) -> None:
    """``ROTA_EXTRA_ALLOCATIONS=solve[tiny]=N`` adds about N allocations to solve, none to load.

    The count of one process differs from another's by a few tenths of a percent of the
    phase's allocations (the driver's thread, the allocator's arenas), hence the bounds.
    """
    _, solve_before = plain.memory(f"solve[{TIER}]")
    _, load_before = plain.memory(f"load[{TIER}]")
    extra = math.ceil(solve_before * 0.01)
    env = {EXTRA_ALLOCATIONS_ENV: f"solve[{TIER}]={extra}"}
    for injected in _worker(tmp_path, "alloc", env):
        _, solve_after = injected.memory(f"solve[{TIER}]")
        _, load_after = injected.memory(f"load[{TIER}]")
    assert 1.007 <= solve_after / solve_before <= 1.013
    assert abs(load_after / load_before - 1) < 0.003


def test_slowdown_shows_in_the_cpu_seconds(plain: WorkerProcess, tmp_path: Path) -> None:
    """A 50% slowdown of solve_program spins on the CPU, so the CPU clock sees it too.

    Medians of many rounds of one process each; the bound is loose (+25%) because this
    is a check of the mechanism, not a measurement.
    """
    env = {SLOWDOWN_ENV: "rota.engine.generate:solve_program=0.5"}
    name = f"solve[{TIER}]"
    base = statistics.median(plain.time(name, rounds=15, warmup=2).cpu_samples)
    for injected in _worker(tmp_path, "slow", env):
        slow = statistics.median(injected.time(name, rounds=15, warmup=2).cpu_samples)
    assert slow > base * 1.25


def test_a_statement_injection_into_a_missing_function_is_a_clear_error(
    tmp_path: Path, temp_dir: Path
) -> None:
    """A misspelt function to inject into stops the worker with its name, not silently."""
    env = {EXTRA_SQL_ENV: "rota.engine.generate:persist_nothing"}
    with pytest.raises(WorkerFailed, match="ROTA_EXTRA_SQL entry"):
        for _ in _worker(tmp_path, "bad", env):
            pass


def test_calibrate_exact_flags_nothing_in_a_a_and_catches_both_injections(
    temp_dir: Path,
) -> None:
    """Two trials of each kind on tiny: no A/A false alarm, both injections caught twice."""
    cal = calibrate_exact(SourceTree.installed(), [get_tier(TIER)], GateConfig(), trials=2)
    assert cal.trials == 2
    assert cal.runs_with_false_alarm == 0, cal.false_alarms
    assert cal.caught == dict.fromkeys(EXACT_INJECTIONS, 2), cal.missed
