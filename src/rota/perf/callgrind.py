"""Switch callgrind's counting on only around the work: client requests from Python.

The instruction pass runs a process under ``valgrind --tool=callgrind
--instr-atstart=no``: nothing is counted until the process asks. Around each benchmark's
work it zeroes the costs, starts instrumentation, stops it, and dumps one profile under
the benchmark id. Instrumentation is a global switch, so every thread is counted while
it is on (aiosqlite runs SQLite in a thread of its own); callgrind's other switch,
``CALLGRIND_TOGGLE_COLLECT``, is per thread and would miss that work.

How the requests are made, and why this way:

- **A tiny C extension, ``rota.perf._callgrind``** (chosen). A client request is a
  magic instruction sequence that only compiled code can execute; the extension expands
  the macros of the installed valgrind's own ``<valgrind/callgrind.h>``, so the requests
  always match the valgrind that runs them. It is some 80 lines, built by setuptools at
  install as an *optional* extension: without valgrind's headers or a C compiler the
  install still succeeds and :func:`unavailable_reason` says what is missing.
- pytest-codspeed's compiled instrument hooks (rejected): the same five macros, but in
  a private module (``dist_instrument_hooks``) whose public wrapper refuses to start
  outside CodSpeed's runner (``CODSPEED_ENV``), marks libpython and the interpreter as
  skipped objects and switches on the perf trampoline. Installing it registers a pytest
  plugin in every test run that takes over the ``benchmark`` fixture and blocks
  pytest-benchmark when enabled, and its extra pins an older pytest-benchmark (5.0).
- Whole-process differences, setup alone versus setup plus work (rejected as the
  mechanism, kept as the idea behind the sensitivity check): two valgrind runs per
  benchmark, a difference of two large numbers each carrying interpreter start-up
  noise, and no per-function profile of the work alone.

Every function here is a no-op outside valgrind (the request sequences do nothing
natively) and also when the extension was not built.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = [
    "CollectionSwitch",
    "dump_stats_at",
    "running_on_valgrind",
    "start_instrumentation",
    "stop_instrumentation",
    "unavailable_reason",
    "zero_stats",
]


def _load() -> tuple[ModuleType | None, str | None]:
    try:
        return importlib.import_module("rota.perf._callgrind"), None
    except ImportError as error:
        return None, (
            "rota's callgrind extension (rota.perf._callgrind) was not built: install "
            "valgrind's headers (Debian package valgrind) and a C compiler, then "
            f"reinstall rota (pip install -e .) [{error}]"
        )


_EXTENSION, _MISSING = _load()


def unavailable_reason() -> str | None:
    """Why client requests cannot be made here, or ``None`` when they can."""
    return _MISSING


def running_on_valgrind() -> bool:
    """Whether this process runs under valgrind (``False`` without the extension)."""
    return _EXTENSION is not None and int(_EXTENSION.running_on_valgrind()) > 0


def zero_stats() -> None:
    """Zero the costs collected so far."""
    if _EXTENSION is not None:
        _EXTENSION.zero_stats()


def start_instrumentation() -> None:
    """Count every thread's instructions from here on."""
    if _EXTENSION is not None:
        _EXTENSION.start_instrumentation()


def stop_instrumentation() -> None:
    """Stop counting, in every thread."""
    if _EXTENSION is not None:
        _EXTENSION.stop_instrumentation()


def dump_stats_at(label: str) -> None:
    """Write the costs so far as one profile whose trigger names ``label``, then zero them."""
    if _EXTENSION is not None:
        _EXTENSION.dump_stats_at(label)


class CollectionSwitch:
    """A stand-in clock for :class:`rota.perf.timing.AsyncRunner` that counts instead.

    ``AsyncRunner.time`` reads its clock once as the wrapper coroutine starts and once as
    soon as the awaited work returns. With this switch as the clock, the first reading
    zeroes the costs and starts instrumentation and the second stops it and dumps a
    profile named :attr:`label`, so the instruction pass counts exactly the region the
    timing pass times, through the same code. Readings are always ``0.0``.
    """

    def __init__(self) -> None:
        self.label = ""
        self._on = False

    @property
    def on(self) -> bool:
        """Whether the switch has started instrumentation and not stopped it yet."""
        return self._on

    def __call__(self) -> float:
        """Read the clock: switch counting on, or off with a dump if it was on."""
        if self._on:
            self.finish()
        else:
            zero_stats()
            start_instrumentation()
            self._on = True
        return 0.0

    def finish(self) -> None:
        """Stop instrumentation and dump :attr:`label`'s profile; no-op when already off."""
        if self._on:
            self.abort()
            dump_stats_at(self.label)

    def abort(self) -> None:
        """Stop instrumentation without a profile (the work raised); no-op when off."""
        if self._on:
            stop_instrumentation()
            self._on = False
