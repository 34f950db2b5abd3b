"""The memory pass: peak heap and allocation count with memray, never mixed with timing.

memray intercepts every allocation of every thread (aiosqlite's worker threads included)
while its ``Tracker`` is active, which slows the code down: memory figures come from a
separate pass, never from a timed run. Only one ``Tracker`` can be active per process,
so this cannot run under ``pytest --memray``.

Figures, read back from the capture file with ``memray.FileReader``:

``peak_bytes``
    ``FileReader.metadata.peak_memory``: the highest amount of heap memory allocated
    while tracking and not yet freed. Memory allocated before tracking started is not
    included.
``allocations``
    The number of allocation records whose allocator is not a deallocator (malloc,
    calloc, realloc, mmap, pymalloc ...), the figure ``memray stats`` reports as its
    total number of allocations. ``FileReader.metadata.total_allocations`` is not used:
    it counts every record, frees included, and for the aggregated file format it
    counts aggregated records. The aggregated format keeps no per-allocation records,
    so with it ``allocations`` is ``None``.

Counting reads every record back (a few million per second). For the largest tiers,
``trace_python_allocators=False`` records only the arenas pymalloc takes from the
system: far fewer records, a peak rounded up to arena size, and a smaller count.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import memray

__all__ = [
    "MemoryFigures",
    "measure_memory",
    "measure_memory_async",
    "read_figures",
]


T = TypeVar("T")

_DEALLOCATORS = frozenset(
    {memray.AllocatorType.FREE, memray.AllocatorType.MUNMAP, memray.AllocatorType.PYMALLOC_FREE}
)


@dataclass(frozen=True, slots=True)
class MemoryFigures:
    """What one memory pass measured; see the module docstring for definitions."""

    peak_bytes: int
    allocations: int | None


def measure_memory(
    run: Callable[[], T],
    capture_path: Path,
    *,
    trace_python_allocators: bool = True,
    file_format: memray.FileFormat = memray.FileFormat.ALL_ALLOCATIONS,
    keep: bool = False,
) -> tuple[MemoryFigures, T]:
    """Call ``run()`` under a memray tracker and read its peak memory and allocations.

    Args:
        run: The work to measure.
        capture_path: Where memray writes its capture file; must not exist yet.
        trace_python_allocators: Record each pymalloc allocation rather than only the
            arenas pymalloc takes from the system: exact counts, larger files.
        file_format: ``ALL_ALLOCATIONS`` (default; counts allocations) or
            ``AGGREGATED_ALLOCATIONS`` (far smaller files; ``allocations`` is ``None``).
        keep: Keep the capture file (for ``memray flamegraph`` and friends); by default
            it is deleted, also when ``run`` raises.

    Returns:
        The figures and ``run``'s result.

    Raises:
        FileExistsError: If ``capture_path`` already exists.
    """
    capture_path = Path(capture_path)
    if capture_path.exists():
        raise FileExistsError(f"{capture_path}: memray capture file already exists")
    try:
        with memray.Tracker(
            capture_path,
            native_traces=False,
            trace_python_allocators=trace_python_allocators,
            file_format=file_format,
        ):
            result = run()
        figures = read_figures(capture_path)
    finally:
        if not keep:
            with contextlib.suppress(FileNotFoundError):
                capture_path.unlink()
    return figures, result


def measure_memory_async(
    loop: asyncio.AbstractEventLoop,
    make_coro: Callable[[], Awaitable[T]],
    capture_path: Path,
    *,
    trace_python_allocators: bool = True,
    file_format: memray.FileFormat = memray.FileFormat.ALL_ALLOCATIONS,
    keep: bool = False,
) -> tuple[MemoryFigures, T]:
    """Run ``make_coro()`` to completion on ``loop`` under a memray tracker.

    The tracker is entered outside the coroutine and covers the whole loop thread and
    every other thread, so the loop's own bookkeeping for this run is included (a few
    kilobytes). Arguments and result are as for :func:`measure_memory`; ``loop`` must
    not be running (use :attr:`rota.perf.timing.AsyncRunner.loop`).
    """

    async def work() -> T:
        return await make_coro()

    return measure_memory(
        lambda: loop.run_until_complete(work()),
        capture_path,
        trace_python_allocators=trace_python_allocators,
        file_format=file_format,
        keep=keep,
    )


def read_figures(capture_path: Path) -> MemoryFigures:
    """Read peak memory and allocation count from a memray capture file."""
    reader = memray.FileReader(capture_path)
    try:
        peak = int(reader.metadata.peak_memory)
        if reader.metadata.file_format == memray.FileFormat.AGGREGATED_ALLOCATIONS:
            return MemoryFigures(peak_bytes=peak, allocations=None)
        allocations = sum(
            1 for record in reader.get_allocation_records() if record.allocator not in _DEALLOCATORS
        )
    finally:
        reader.close()
    return MemoryFigures(peak_bytes=peak, allocations=allocations)
