"""Run aiosqlite's requests in the calling thread: the instruction pass's one change.

aiosqlite gives every connection a thread: the event loop puts each request (execute,
fetch, commit) on a queue, the thread runs it and hands the result back through
``loop.call_soon_threadsafe``. Under callgrind the two threads take turns on valgrind's
lock at moments the kernel decides, so from process to process the loop polls its
selector a different number of times, the GIL changes hands by different paths and
objects are allocated in a different order (hence different addresses, dict probes and
type-cache hits). Measured on the tiny tier (five processes each): up to 0.03% at a
quiet moment here, 0.37% with other work running, and 2.8% between two processes on the
CI machine, more than the 1% change the pass exists to show; inline, 0.0003% (README).

:func:`inline_requests` replaces each new connection's queue by one that runs the request at
once, in the thread that asks, and resolves the future before it is awaited. SQLite,
the sqlite3 module, aiosqlite's request functions, SQLAlchemy and the engine all run
as they do normally; what is left out is the hand-off itself, whose cost per request
does not depend on rota (the statement count, an exact metric of its own, counts the
requests). Only the instruction child calls it; timing and memory passes keep the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import aiosqlite.core

__all__ = ["InlineQueue", "inline_requests"]

Request = tuple["asyncio.Future[Any] | None", Callable[[], Any]]


class InlineQueue:
    """Stands in for a connection's request queue: each request runs as it is put."""

    def put_nowait(self, request: Request) -> None:
        """Run ``function`` now and settle ``future`` with its result or exception."""
        future, function = request
        try:
            result = function()
        except BaseException as error:
            if future is not None and not future.done():
                future.set_exception(error)
        else:
            if future is not None and not future.done():
                future.set_result(result)


class _NoThread:
    """Stands in for the connection's thread, which is never started.

    aiosqlite only starts it; SQLAlchemy's dialect sets ``daemon`` on it.
    """

    daemon = False

    def start(self) -> None:
        """Nothing to start: requests run in the caller's thread."""


@contextlib.contextmanager
def inline_requests() -> Iterator[None]:
    """While open, every new aiosqlite connection runs its requests in the caller's thread.

    Connections opened before keep their thread; on exit, new connections get one again.
    """
    original = aiosqlite.core.Connection.__init__

    def __init__(self: aiosqlite.core.Connection, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._tx = InlineQueue()  # type: ignore[assignment]
        self._thread = _NoThread()  # type: ignore[assignment]

    aiosqlite.core.Connection.__init__ = __init__  # type: ignore[method-assign]
    try:
        yield
    finally:
        aiosqlite.core.Connection.__init__ = original  # type: ignore[method-assign]
