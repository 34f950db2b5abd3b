"""The memray memory pass reports peak memory and allocations, and cleans up after itself."""

from __future__ import annotations

import asyncio
from pathlib import Path

import memray
import pytest

from rota.perf.memory import measure_memory, measure_memory_async, read_figures

FIFTY_MB = 50_000_000


def allocate_fifty_mb() -> int:
    block = bytearray(FIFTY_MB)
    return len(block)


def test_peak_covers_a_fifty_megabyte_allocation(tmp_path: Path) -> None:
    """A 50 MB bytearray shows as a peak of at least 50 MB with allocations counted."""
    capture = tmp_path / "capture.bin"
    figures, result = measure_memory(allocate_fifty_mb, capture)
    assert result == FIFTY_MB
    assert figures.peak_bytes >= FIFTY_MB
    assert figures.allocations is not None
    assert figures.allocations > 0
    assert not capture.exists()


def test_capture_file_is_kept_on_request(tmp_path: Path) -> None:
    """keep=True leaves the capture file, which reads back to the same figures."""
    capture = tmp_path / "capture.bin"
    figures, _ = measure_memory(allocate_fifty_mb, capture, keep=True)
    assert capture.exists()
    assert read_figures(capture) == figures


def test_aggregated_format_reports_peak_without_allocations(tmp_path: Path) -> None:
    """The aggregated format still gives the peak, but no allocation count."""
    figures, _ = measure_memory(
        allocate_fifty_mb,
        tmp_path / "capture.bin",
        file_format=memray.FileFormat.AGGREGATED_ALLOCATIONS,
    )
    assert figures.peak_bytes >= FIFTY_MB
    assert figures.allocations is None


def test_capture_file_is_removed_when_the_work_raises(tmp_path: Path) -> None:
    """An error in the measured work propagates and leaves no capture file."""
    capture = tmp_path / "capture.bin"

    def broken() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        measure_memory(broken, capture)
    assert not capture.exists()


def test_existing_capture_file_is_not_overwritten(tmp_path: Path) -> None:
    """An existing capture path is refused rather than clobbered."""
    capture = tmp_path / "capture.bin"
    capture.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        measure_memory(allocate_fifty_mb, capture)
    assert capture.read_bytes() == b"precious"


def test_async_variant_measures_the_coroutine(tmp_path: Path) -> None:
    """A coroutine run on a given loop is measured like a function."""

    async def allocate_later() -> int:
        await asyncio.sleep(0)
        return allocate_fifty_mb()

    loop = asyncio.new_event_loop()
    try:
        figures, result = measure_memory_async(loop, allocate_later, tmp_path / "capture.bin")
    finally:
        loop.close()
    assert result == FIFTY_MB
    assert figures.peak_bytes >= FIFTY_MB
