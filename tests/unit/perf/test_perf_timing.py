"""Async timing: only the awaited work is timed, never the loop or the set-up."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from rota.perf.timing import AsyncRunner, time_coroutine

SLEEP_S = 0.05
SLOW_SETUP_S = 0.2


async def _sleep_then(value: str) -> str:
    await asyncio.sleep(SLEEP_S)
    return value


def _within_sleep_ratio(seconds: float) -> bool:
    # A ratio on a known sleep, not a speed assertion: the measured time must be the
    # sleep (asyncio never wakes early), plus scheduling noise, and not the set-up.
    return 0.9 <= seconds / SLEEP_S <= 2.0


def test_time_coroutine_measures_only_the_awaited_work() -> None:
    """A 0.05 s sleep is measured as 0.05 s although slow work was queued on the loop."""
    with AsyncRunner() as runner:
        runner.loop.call_soon(time.sleep, SLOW_SETUP_S)  # runs inside run_until_complete
        outer_start = time.perf_counter()
        seconds, value = runner.time(lambda: _sleep_then("done"))
        outer = time.perf_counter() - outer_start
    assert value == "done"
    assert _within_sleep_ratio(seconds)
    assert outer >= SLOW_SETUP_S  # the queued work did run, outside the timed region


def test_untimed_async_setup_runs_on_the_same_loop() -> None:
    """Set-up run with ``run`` is not timed, and loop-bound state survives into ``time``."""
    with AsyncRunner() as runner:

        async def make_event() -> asyncio.Event:
            await asyncio.sleep(SLOW_SETUP_S)
            event = asyncio.Event()
            event.set()
            return event

        event = runner.run(make_event())

        async def work() -> bool:
            await asyncio.sleep(SLEEP_S)
            return await event.wait()

        seconds, value = runner.time(work)
    assert value is True
    assert _within_sleep_ratio(seconds)


def test_time_coroutine_accepts_a_custom_timer() -> None:
    """The timer is read exactly twice, inside the coroutine, around the work."""
    ticks = iter([10.0, 12.5])
    loop = asyncio.new_event_loop()
    try:
        seconds, value = time_coroutine(loop, lambda: _sleep_then("x"), timer=lambda: next(ticks))
    finally:
        loop.close()
    assert seconds == pytest.approx(2.5)
    assert value == "x"


async def test_time_coroutine_refuses_to_run_inside_a_running_loop() -> None:
    """Calling from ``async def`` code raises a clear error instead of nesting loops."""
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            time_coroutine(loop, lambda: _sleep_then("never"))
    finally:
        loop.close()


def test_close_cancels_leftover_tasks_and_is_idempotent() -> None:
    """Closing cancels tasks left on the loop and can be repeated."""
    runner = AsyncRunner()

    async def start_forever() -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(asyncio.sleep(3600))

    task = runner.run(start_forever())
    runner.close()
    runner.close()
    assert runner.closed
    assert task.cancelled()


INNER_TESTS = textwrap.dedent(
    """
    import asyncio
    import json
    import os
    import time

    from rota.perf.async_bench import TIMING_INFO_KEY, benchmark_async
    from rota.perf.timing import AsyncRunner


    def _report(name, run):
        path = os.environ["ROTA_TEST_REPORT_DIR"] + f"/{name}.json"
        with open(path, "w") as handle:
            json.dump({"samples": run.samples, "warmup": run.warmup_samples,
                       "recorded": run.recorded, "result": run.result}, handle)


    def test_queued_loop_work_and_slow_setup(benchmark):
        runner = AsyncRunner()

        def setup():
            time.sleep(0.1)  # slow set-up, untimed by pytest-benchmark itself
            # Queued now, so it runs inside the target call, before the coroutine starts:
            # outer timing would see 0.25 s, inner timing 0.05 s.
            runner.loop.call_soon(time.sleep, 0.2)

        async def work():
            await asyncio.sleep(0.05)
            return "ok"

        try:
            run = benchmark_async(benchmark, runner, work, setup=setup, rounds=3, warmup_rounds=1)
        finally:
            runner.close()
        _report("sync_setup", run)


    def test_async_setup(benchmark):
        runner = AsyncRunner()
        state = {"resets": 0}

        async def reset():
            await asyncio.sleep(0.1)
            state["resets"] += 1

        async def work():
            await asyncio.sleep(0.05)
            return state["resets"]

        try:
            run = benchmark_async(benchmark, runner, work, setup=reset, rounds=2)
        finally:
            runner.close()
        _report("async_setup", run)
    """
)


def _run_inner_pytest(tmp_path: Path, *options: str) -> dict[str, dict[str, object]]:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n"
    )
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    report_dir = tmp_path / "reports"
    report_dir.mkdir()
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *options, "test_inner.py"],
        cwd=tmp_path,
        env={**os.environ, "ROTA_TEST_REPORT_DIR": str(report_dir)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return {p.stem: json.loads(p.read_text()) for p in report_dir.glob("*.json")}


def test_benchmark_async_feeds_inner_times_to_pytest_benchmark(tmp_path: Path) -> None:
    """pytest-benchmark's saved stats hold the inner 0.05 s, not the 0.25 s outer call."""
    reports = _run_inner_pytest(tmp_path, "--benchmark-json=bench.json")
    saved = json.loads((tmp_path / "bench.json").read_text())
    by_name = {b["name"]: b for b in saved["benchmarks"]}

    stats = by_name["test_queued_loop_work_and_slow_setup"]["stats"]
    assert stats["rounds"] == 3
    assert all(_within_sleep_ratio(s) for s in stats["data"])
    assert _within_sleep_ratio(stats["max"])
    info = by_name["test_queued_loop_work_and_slow_setup"]["extra_info"]
    assert "rota_timing" in info

    sync_report = reports["sync_setup"]
    assert sync_report["recorded"] is True
    assert sync_report["samples"] == stats["data"]
    assert len(sync_report["warmup"]) == 1  # type: ignore[arg-type]
    assert sync_report["result"] == "ok"

    async_report = reports["async_setup"]
    assert async_report["result"] == 2  # the async set-up ran before each of the 2 rounds
    assert by_name["test_async_setup"]["stats"]["rounds"] == 2


def test_benchmark_async_runs_once_when_benchmarks_are_disabled(tmp_path: Path) -> None:
    """Under ``--benchmark-disable`` the work runs once, is timed, and nothing is recorded."""
    reports = _run_inner_pytest(tmp_path, "--benchmark-disable")
    report = reports["sync_setup"]
    assert report["recorded"] is False
    samples = report["samples"]
    assert isinstance(samples, list)
    assert len(samples) == 1
    assert _within_sleep_ratio(samples[0])
    assert reports["async_setup"]["result"] == 1
