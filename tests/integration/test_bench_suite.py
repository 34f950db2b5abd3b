"""The benchmark suite itself: ``pytest bench --benchmark-only`` and ``rota bench``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rota.perf.results import ResultsStore
from rota.perf.workloads import PHASES

ROOT = Path(__file__).resolve().parents[2]
COUNTERS = {
    "sql_statements",
    "sql_rows_written",
    "resident_sessions",
    "fingerprint",
    "schedule_hash",
    "violations",
    "coverage_ratio",
    "rotation_switches",
    "objective",
}


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_pytest_bench_on_tiny_times_every_phase_with_counters(tmp_path: Path) -> None:
    """Each phase gets a benchmark ``<phase>[tiny]`` with inner-clock stats and counters."""
    out = tmp_path / "bench.json"
    proc = _run(
        [
            sys.executable,
            "-m",
            "pytest",
            "bench",
            "--benchmark-only",
            "--tiers",
            "tiny",
            f"--benchmark-json={out}",
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    benchmarks = {b["name"]: b for b in json.loads(out.read_text())["benchmarks"]}
    assert set(benchmarks) == {f"{phase}[tiny]" for phase in PHASES}
    for name, b in benchmarks.items():
        info = b["extra_info"]
        assert set(info) >= COUNTERS, name
        assert info["violations"] == 0
        assert info["resident_sessions"] == 252
        assert info["rota_timing"].startswith("inner coroutine clock")
        assert b["stats"]["rounds"] == len(b["stats"]["data"]) == 30
    assert benchmarks["solve[tiny]"]["extra_info"]["sql_statements"] == 0
    assert benchmarks["load[tiny]"]["extra_info"]["sql_statements"] > 0


@pytest.mark.slow
def test_rota_bench_writes_results_table_plot_and_capture(tmp_path: Path) -> None:
    """``rota bench`` on two tiers stores a results file with memory figures and a plot."""
    results, plot = tmp_path / "runs", tmp_path / "scaling.png"
    proc = _run(
        [
            sys.executable,
            "-m",
            "rota",
            "bench",
            "--tiers",
            "tiny,small",
            "--results-dir",
            str(results),
            "--plot",
            str(plot),
        ],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    run = ResultsStore(results).latest()
    assert {b.name for b in run.benchmarks} == {
        f"{phase}[{tier}]" for phase in PHASES for tier in ("tiny", "small")
    }
    assert all(b.peak_memory_bytes and b.allocations for b in run.benchmarks)
    assert run.machine
    assert run.git["commit"]
    assert plot.read_bytes().startswith(b"\x89PNG")
    assert "time slope" in proc.stdout
    assert "SQL statements 6 on every tier" in proc.stdout  # load: no N+1
    assert (ROOT / "results" / "memray" / "generate-small.bin").exists()
