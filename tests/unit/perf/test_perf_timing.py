"""Async timing: only the awaited work is timed, never the loop, the set-up or the reset.

Every test here times against a fake clock that moves only when the code under test says
so (``FakeClock.advance``): the work advances it by ``WORK_S``, set-up and queued loop
callbacks by other amounts. A measured duration of exactly ``WORK_S`` therefore shows
which region was timed, with no wall-clock ratio that a loaded machine could break.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rota.perf import worker
from rota.perf.timing import AsyncRunner, time_coroutine

WORK_S = 0.05
SLOW_SETUP_S = 0.2
QUEUED_S = 0.3


class FakeClock:
    """A clock that reads ``now`` and moves only when advanced."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _working(clock: FakeClock, value: str) -> Callable[[], Any]:
    """A coroutine factory whose work takes ``WORK_S`` on ``clock`` and yields to the loop."""

    async def work() -> str:
        clock.advance(WORK_S)
        await asyncio.sleep(0)
        return value

    return work


def test_time_coroutine_measures_only_the_awaited_work() -> None:
    """Work queued on the loop before the round runs, but outside the timed region."""
    clock = FakeClock()
    with AsyncRunner(timer=clock) as runner:
        runner.loop.call_soon(clock.advance, QUEUED_S)  # runs inside run_until_complete
        before = clock.now
        seconds, value = runner.time(_working(clock, "done"))
        total = clock.now - before
    assert value == "done"
    assert seconds == pytest.approx(WORK_S)
    assert total == pytest.approx(QUEUED_S + WORK_S)  # the queued work did run, untimed


def test_untimed_async_setup_runs_on_the_same_loop() -> None:
    """Set-up run with ``run`` is not timed, and loop-bound state survives into ``time``."""
    clock = FakeClock()
    with AsyncRunner(timer=clock) as runner:

        async def make_event() -> asyncio.Event:
            clock.advance(SLOW_SETUP_S)
            await asyncio.sleep(0)
            event = asyncio.Event()
            event.set()
            return event

        event = runner.run(make_event())

        async def work() -> bool:
            clock.advance(WORK_S)
            return await event.wait()

        seconds, value = runner.time(work)
    assert value is True
    assert seconds == pytest.approx(WORK_S)


def test_time_coroutine_accepts_a_custom_timer() -> None:
    """The timer is read exactly twice, inside the coroutine, around the work."""
    ticks = iter([10.0, 12.5])

    async def work() -> str:
        await asyncio.sleep(0)
        return "x"

    loop = asyncio.new_event_loop()
    try:
        seconds, value = time_coroutine(loop, work, timer=lambda: next(ticks))
    finally:
        loop.close()
    assert seconds == pytest.approx(2.5)
    assert value == "x"


async def test_time_coroutine_refuses_to_run_inside_a_running_loop() -> None:
    """Calling from ``async def`` code raises a clear error instead of nesting loops."""
    loop = asyncio.new_event_loop()
    work = _working(FakeClock(), "never")
    try:
        with pytest.raises(RuntimeError, match="already running"):
            time_coroutine(loop, work)
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


# -- the worker's rounds ----------------------------------------------------------------------


def test_worker_round_times_only_the_work_and_sees_the_main_thread() -> None:
    """A worker round reads the clock inside the coroutine and reports the live threads."""
    clock = FakeClock()
    loop = asyncio.new_event_loop()
    try:
        loop.call_soon(clock.advance, QUEUED_S)
        seconds, _cpu, threads = worker.time_round(loop, _working(clock, "done"), timer=clock)
    finally:
        loop.close()
    assert seconds == pytest.approx(WORK_S)
    assert clock.reads == 2
    assert "main" in threads


def test_worker_rounds_reset_and_collect_untimed_before_each_round() -> None:
    """Each round runs reset, then a full collection, then the work; only the work is timed."""
    clock = FakeClock()
    events: list[str] = []

    async def reset() -> None:
        events.append("R")
        clock.advance(SLOW_SETUP_S)

    async def work() -> None:
        events.append("W")
        clock.advance(WORK_S)
        await asyncio.sleep(0)

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and info["generation"] == 2:
            events.append("C")

    loop = asyncio.new_event_loop()
    gc.callbacks.append(on_gc)
    try:
        samples, threads, cpu = worker.time_rounds(
            loop, reset, work, rounds=3, warmup=1, timer=clock
        )
    finally:
        gc.callbacks.remove(on_gc)
        loop.close()
    assert samples == pytest.approx([WORK_S] * 3)  # the warm-up round is discarded
    assert len(cpu) == 3
    # A collection may also start on its own inside the work; one must precede every round.
    assert re.fullmatch(r"(?:RC+WC*){4}", "".join(events)), events
    assert "main" in threads


def test_worker_round_cpu_clock_counts_computing_and_not_waiting() -> None:
    """The CPU seconds of a round hold the work the process did, not time spent waiting."""
    spin_s = 0.03

    async def computing() -> None:
        until = time.process_time() + spin_s
        while time.process_time() < until:
            pass

    async def waiting() -> None:
        await asyncio.sleep(0.1)

    loop = asyncio.new_event_loop()
    try:
        _, busy, _ = worker.time_round(loop, computing)
        _, idle, _ = worker.time_round(loop, waiting)
    finally:
        loop.close()
    assert busy >= spin_s
    assert idle < spin_s


def test_settle_heap_freezes_the_survivors_of_set_up() -> None:
    """After set-up the heap is collected and frozen, so rounds never traverse it."""
    gc.unfreeze()
    try:
        worker.settle_heap()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_threads_are_classified_by_owner() -> None:
    """The main thread is ``main``; an unknown thread is ``other:<name>``."""
    stranger = threading.Thread(target=lambda: None, name="progress-refresh")
    assert worker.classify_thread(threading.main_thread()) == "main"
    assert worker.classify_thread(stranger) == "other:progress-refresh"


# -- pytest-benchmark, through an inner pytest run ------------------------------------------

INNER_TESTS = textwrap.dedent(
    """
    import asyncio
    import json
    import os

    from rota.perf.async_bench import benchmark_async
    from rota.perf.timing import AsyncRunner

    WORK_S = 0.05


    class FakeClock:
        def __init__(self):
            self.now = 1000.0

        def __call__(self):
            return self.now

        def advance(self, seconds):
            self.now += seconds


    def _report(name, run):
        path = os.environ["ROTA_TEST_REPORT_DIR"] + f"/{name}.json"
        with open(path, "w") as handle:
            json.dump({"samples": run.samples, "warmup": run.warmup_samples,
                       "recorded": run.recorded, "result": run.result}, handle)


    def test_queued_loop_work_and_slow_setup(benchmark):
        clock = FakeClock()
        runner = AsyncRunner(timer=clock)

        def setup():
            clock.advance(0.1)  # slow set-up, untimed by pytest-benchmark itself
            # Queued now, so it runs inside the target call, before the coroutine starts:
            # a clock read around the target would see 0.25 s, the inner clock 0.05 s.
            runner.loop.call_soon(clock.advance, 0.2)

        async def work():
            clock.advance(WORK_S)
            await asyncio.sleep(0)
            return "ok"

        try:
            run = benchmark_async(benchmark, runner, work, setup=setup, rounds=3, warmup_rounds=1)
        finally:
            runner.close()
        _report("sync_setup", run)


    def test_async_setup(benchmark):
        clock = FakeClock()
        runner = AsyncRunner(timer=clock)
        state = {"resets": 0}

        async def reset():
            clock.advance(0.1)
            await asyncio.sleep(0)
            state["resets"] += 1

        async def work():
            clock.advance(WORK_S)
            await asyncio.sleep(0)
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
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--benchmark-storage=file://{tmp_path / 'storage'}",
            *options,
            "test_inner.py",
        ],
        cwd=tmp_path,
        env={
            **os.environ,
            "ROTA_TEST_REPORT_DIR": str(report_dir),
            "PYTHONDONTWRITEBYTECODE": "1",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return {p.stem: json.loads(p.read_text()) for p in report_dir.glob("*.json")}


def test_benchmark_async_feeds_inner_times_to_pytest_benchmark(tmp_path: Path) -> None:
    """pytest-benchmark's saved stats hold the inner work's time, not the set-up or queue."""
    reports = _run_inner_pytest(tmp_path, "--benchmark-json=bench.json")
    saved = json.loads((tmp_path / "bench.json").read_text())
    by_name = {b["name"]: b for b in saved["benchmarks"]}

    stats = by_name["test_queued_loop_work_and_slow_setup"]["stats"]
    assert stats["rounds"] == 3
    # Real outer timings of these rounds are microseconds; the fake clock gives 0.05 s.
    assert stats["data"] == pytest.approx([WORK_S] * 3)
    assert stats["max"] == pytest.approx(WORK_S)
    info = by_name["test_queued_loop_work_and_slow_setup"]["extra_info"]
    assert "rota_timing" in info

    sync_report = reports["sync_setup"]
    assert sync_report["recorded"] is True
    assert sync_report["samples"] == stats["data"]
    assert sync_report["warmup"] == pytest.approx([WORK_S])
    assert sync_report["result"] == "ok"

    async_report = reports["async_setup"]
    assert async_report["result"] == 2  # the async set-up ran before each of the 2 rounds
    async_stats = by_name["test_async_setup"]["stats"]
    assert async_stats["rounds"] == 2
    assert async_stats["data"] == pytest.approx([WORK_S] * 2)


def test_benchmark_async_runs_once_when_benchmarks_are_disabled(tmp_path: Path) -> None:
    """Under ``--benchmark-disable`` the work runs once, is timed, and nothing is recorded."""
    reports = _run_inner_pytest(tmp_path, "--benchmark-disable")
    report = reports["sync_setup"]
    assert report["recorded"] is False
    assert report["samples"] == pytest.approx([WORK_S])
    assert reports["async_setup"]["result"] == 1
