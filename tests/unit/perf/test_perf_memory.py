"""The worker's memray pass reports peak memory and allocations, and cleans up after itself."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import memray
import pytest

from rota.perf.worker import MemoryFigures, measure_memory

FIFTY_MB = 50_000_000


async def allocate_fifty_mb() -> int:
    await asyncio.sleep(0)
    block = bytearray(FIFTY_MB)
    return len(block)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop of the test's own, as a worker holds one."""
    event_loop = asyncio.new_event_loop()
    yield event_loop
    event_loop.close()


def test_peak_covers_a_fifty_megabyte_allocation(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    """A 50 MB bytearray made in the coroutine shows as a peak of at least 50 MB."""
    capture = tmp_path / "capture.bin"
    figures = measure_memory(loop, allocate_fifty_mb, capture)
    assert isinstance(figures, MemoryFigures)
    assert figures.peak_bytes >= FIFTY_MB
    assert figures.allocations > 0
    assert not capture.exists()


def test_capture_file_is_kept_on_request(loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    """keep=True leaves the capture file, whose metadata holds the same peak."""
    capture = tmp_path / "capture.bin"
    figures = measure_memory(loop, allocate_fifty_mb, capture, keep=True)
    assert capture.exists()
    reader = memray.FileReader(capture)
    try:
        assert reader.metadata.peak_memory == figures.peak_bytes
    finally:
        reader.close()


def test_capture_file_is_removed_when_the_work_raises(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    """An error in the measured work propagates and leaves no capture file."""
    capture = tmp_path / "capture.bin"

    async def broken() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        measure_memory(loop, broken, capture)
    assert not capture.exists()


def test_a_stale_capture_file_is_replaced(loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    """A capture left by an earlier run is replaced by this run's, not refused."""
    capture = tmp_path / "capture.bin"
    capture.write_bytes(b"stale")
    figures = measure_memory(loop, allocate_fifty_mb, capture, keep=True)
    assert capture.read_bytes() != b"stale"
    assert figures.peak_bytes >= FIFTY_MB


def test_the_work_runs_on_the_given_loop(loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    """The coroutine runs on the caller's loop, so loop-bound set-up is usable inside it."""
    ready = loop.run_until_complete(_set_event())
    seen: list[asyncio.AbstractEventLoop] = []

    async def work() -> None:
        await ready.wait()
        seen.append(asyncio.get_running_loop())

    measure_memory(loop, work, tmp_path / "capture.bin")
    assert seen == [loop]


async def _set_event() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event
