"""A benchmark worker: one process that opens workbenches untimed and times rounds on request.

The pyperf model: a parent process (``rota.perf.runner``) starts workers, tells them what
to measure and owns everything else (progress display, statistics, results). A worker
runs nothing but the work while it times a round: no progress bar, no logging handler, no
redirected output, no thread but the event loop's and the database driver's.

**This file is the harness, not the code under test.** The parent runs *this* file by path
(``python -P .../rota/perf/worker.py``) with the source tree to measure first on
``PYTHONPATH``, so ``import rota`` inside the worker finds that tree (the base commit of a
gate run, say) while the measuring code below is the same for every tree. It therefore
imports only the standard library and memray at module level, and from the tree only
the workloads API: ``rota.perf.workloads.Workbench`` (``open(tier, url, seed=)``,
``workload(phase)`` with ``reset``/``work``, ``count(phase)``), ``rota.datasets.tiers.get_tier``
and ``rota.perf.workloads.PHASES``. A tree without them gets a clear ``api`` error.

Protocol (version :data:`PROTOCOL_VERSION`): JSON objects, one per line. The parent writes
requests to the worker's stdin; the worker answers each with one line on its stdout,
which carries nothing else (``sys.stdout`` is pointed at stderr, so a stray ``print`` in
the code under test cannot corrupt the protocol). First, unasked, the worker says
``{"ok": true, "event": "ready", "protocol": 1, "pid": ..., "phases": [...], "rota": path}``
or ``{"ok": false, "kind": "api", "error": ...}`` and exits with status 3.

``{"op": "open", "tier": T, "db": URL, "template": PATH|null, "seed": S}``
    Open tier ``T``'s workbench on ``URL`` (untimed). For SQLite a ``template`` file is
    the tier's seeded database: copied when it exists, written (atomically) after
    seeding when it does not, so the workers of one tier seed once. Replies ``seconds``
    (the start-up cost of this workbench).
``{"op": "time", "benchmark": "solve[small]", "rounds": N, "warmup": W}``
    ``W`` discarded rounds, then ``N`` timed ones. Before every round: the workload's
    untimed reset, then a full garbage collection, so each round starts from the same
    collector state. Replies ``samples`` (wall seconds), ``cpu_samples`` (the process's
    CPU seconds over the same regions: every thread's) and ``threads`` (every thread alive
    around the timed rounds, classified ``main``, ``sqlite-driver``, ``loop-executor``
    or ``other:<name>``).
``{"op": "count", "benchmark": B}``
    One untimed run under the workbench's exact counters; replies ``counters``.
``{"op": "memory", "benchmark": B, "capture": PATH|null}``
    One run under a memray tracker (Python allocators traced); replies ``peak_bytes`` and
    ``allocations``; keeps the capture at ``PATH`` if given.
``{"op": "quit"}``
    Close the workbenches and exit 0.

Errors reply ``{"ok": false, "kind": K, "error": one line}`` with ``K`` one of
``usage`` (a bad request), ``api`` (the tree lacks what was asked, e.g. a phase), or
``failure`` (the work raised).

Noise the harness removes (measured in the issue "A benchmark runner you can trust"): after
the workbenches are open the worker collects and then freezes the heap (``gc.freeze``), so
objects made during set-up are never traversed by a collection inside a timed round; a
collection before every round makes rounds independent of the garbage earlier rounds
left. ``PYTHONHASHSEED`` and CPU placement are the parent's to set (environment,
``cpu`` in ``open``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

PROTOCOL_VERSION = 1

#: Exit status of a worker whose source tree lacks the workloads API.
EXIT_API = 3


class WorkerError(Exception):
    """A request the worker cannot serve; ``kind`` is ``usage``, ``api`` or ``failure``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


# -- timing a round -----------------------------------------------------------------------


def classify_thread(thread: threading.Thread) -> str:
    """Name what a live thread is: the loop's, the database driver's, or something else."""
    if thread is threading.main_thread():
        return "main"
    target = getattr(thread, "_target", None)
    module = getattr(target, "__module__", "") or ""
    if module.startswith("aiosqlite"):
        return "sqlite-driver"
    if thread.name.startswith("asyncio"):  # the loop's default executor (getaddrinfo ...)
        return "loop-executor"
    return f"other:{thread.name}"


def live_threads() -> set[str]:
    """The classification of every thread alive now."""
    return {classify_thread(t) for t in threading.enumerate()}


def time_round(
    loop: asyncio.AbstractEventLoop,
    work: Callable[[], Awaitable[object]],
    *,
    timer: Callable[[], float] = time.perf_counter,
) -> tuple[float, float, set[str]]:
    """Time one ``await work()`` with the clocks read inside the coroutine.

    The loop exists and is idle before the round, so neither its start nor callbacks
    already queued on it are timed (pyperf's ``bench_async_func`` does the same). The
    threads alive are read just before the clocks start and just after they stop.

    Returns:
        The elapsed seconds of ``timer`` (wall time by default), the CPU seconds of the
        whole process over the same region (every thread's, so the database driver's
        too), and the threads seen around the timed region.
    """

    async def timed() -> tuple[float, float, set[str]]:
        seen = live_threads()
        cpu_start = time.process_time()
        start = timer()
        await work()
        elapsed = timer() - start
        cpu = time.process_time() - cpu_start
        return elapsed, cpu, seen | live_threads()

    return loop.run_until_complete(timed())


def time_rounds(
    loop: asyncio.AbstractEventLoop,
    reset: Callable[[], Awaitable[object]],
    work: Callable[[], Awaitable[object]],
    *,
    rounds: int,
    warmup: int = 0,
    timer: Callable[[], float] = time.perf_counter,
) -> tuple[list[float], set[str], list[float]]:
    """Run ``warmup`` then ``rounds`` rounds, each after an untimed reset and collection.

    Returns:
        The measured rounds' seconds, in order, every thread seen around them, and the
        rounds' process CPU seconds, in the same order.
    """
    samples: list[float] = []
    cpu_samples: list[float] = []
    threads: set[str] = set()
    for index in range(warmup + rounds):
        loop.run_until_complete(reset())
        gc.collect()
        elapsed, cpu, seen = time_round(loop, work, timer=timer)
        if index >= warmup:
            samples.append(elapsed)
            cpu_samples.append(cpu)
            threads |= seen
    return samples, threads, cpu_samples


def settle_heap() -> None:
    """Collect, then move every survivor to the permanent generation (``gc.freeze``).

    Called once set-up is done: objects made while opening workbenches are then never
    traversed by a collection inside a timed round, so a round's collector work depends
    on the round, not on how much set-up (or which other tiers) came before it.
    """
    gc.collect()
    gc.freeze()


# -- memory ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemoryFigures:
    """Peak heap bytes and allocation count of one run under memray.

    ``peak_bytes`` is memray's ``metadata.peak_memory``: the most heap allocated while
    tracking and not yet freed. ``allocations`` counts the allocation records that are
    not deallocations (malloc, calloc, realloc, mmap, pymalloc ...), the figure
    ``memray stats`` reports as its total number of allocations.
    """

    peak_bytes: int
    allocations: int


def measure_memory(
    loop: asyncio.AbstractEventLoop,
    work: Callable[[], Awaitable[object]],
    capture: Path,
    *,
    keep: bool = False,
) -> MemoryFigures:
    """Run ``await work()`` on ``loop`` under a memray tracker that traces every allocator.

    The tracker covers every thread (aiosqlite's included); only one can be active per
    process, which is one more reason memory is measured in a worker, never in the
    parent or beside timing.
    """
    import memray

    capture = Path(capture)
    capture.unlink(missing_ok=True)

    async def run() -> None:
        await work()

    deallocators = {
        memray.AllocatorType.FREE,
        memray.AllocatorType.MUNMAP,
        memray.AllocatorType.PYMALLOC_FREE,
    }
    try:
        with memray.Tracker(capture, native_traces=False, trace_python_allocators=True):
            loop.run_until_complete(run())
        reader = memray.FileReader(capture)
        try:
            peak = int(reader.metadata.peak_memory)
            allocations = sum(
                1 for r in reader.get_allocation_records() if r.allocator not in deallocators
            )
        finally:
            reader.close()
    finally:
        if not keep:
            capture.unlink(missing_ok=True)
    return MemoryFigures(peak_bytes=peak, allocations=allocations)


# -- databases ------------------------------------------------------------------------------


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite`` URL (any driver), ``None`` for other databases."""
    scheme, _, rest = url.partition("://")
    if not scheme.startswith("sqlite") or not rest.startswith("/"):
        return None
    path = rest[1:].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database consistently (WAL included) with the backup API, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with (
            contextlib.closing(sqlite3.connect(source)) as src,
            contextlib.closing(sqlite3.connect(temp)) as dst,
        ):
            src.backup(dst)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


# -- injected slowdowns (calibration) --------------------------------------------------------

#: ``module:function=fraction`` (several separated by commas): make those functions slower.
SLOWDOWN_ENV = "ROTA_SLOWDOWN"


def inject_slowdown(spec: str) -> list[str]:
    """Make named functions slower by a fraction of their own time, for calibration.

    ``rota.engine.generate:solve_program=0.05`` replaces ``solve_program`` (in its module
    and in every loaded module that imported it by name) with a wrapper that runs it, then
    spins for 5% of the time it took. The added work is proportional to the function's
    own, on any machine and tier, which is what "5% slower" means; spinning (not
    sleeping) keeps the CPU busy as real work would. Coroutine functions are handled.

    Returns:
        The ``module:function`` names patched.

    Raises:
        WorkerError: A malformed spec, or a function that does not exist.
    """
    import inspect

    patched = []
    for item in _entries(spec):
        target, _, fraction_text = item.partition("=")
        try:
            fraction = float(fraction_text)
        except ValueError as exc:
            raise WorkerError("usage", f"bad {SLOWDOWN_ENV} entry {item!r}: {exc}") from None
        original = _resolve(target, SLOWDOWN_ENV)

        def spin(started: float, fraction: float = fraction) -> None:
            until = time.perf_counter() + (time.perf_counter() - started) * fraction
            while time.perf_counter() < until:
                pass

        wrapper: Callable[..., Any]
        if inspect.iscoroutinefunction(original):

            async def async_wrapper(*args: Any, _f: Any = original, **kwargs: Any) -> Any:
                started = time.perf_counter()
                result = await _f(*args, **kwargs)
                spin(started)
                return result

            wrapper = async_wrapper
        else:

            def sync_wrapper(*args: Any, _f: Any = original, **kwargs: Any) -> Any:
                started = time.perf_counter()
                result = _f(*args, **kwargs)
                spin(started)
                return result

            wrapper = sync_wrapper
        _replace_everywhere(original, wrapper)
        patched.append(target)
    return patched


#: ``module:function`` (several separated by commas): one more SQL statement per call.
EXTRA_SQL_ENV = "ROTA_EXTRA_SQL"

#: ``benchmark=count`` (several separated by commas, e.g. ``solve[tiny]=153``): that
#: benchmark makes ``count`` more small-object allocations, after its work and inside the
#: memory op's tracked region.
EXTRA_ALLOCATIONS_ENV = "ROTA_EXTRA_ALLOCATIONS"


def inject_extra_statement(spec: str) -> list[str]:
    """Make named coroutine functions run one more SQL statement per call, for calibration.

    ``rota.engine.generate:load`` is replaced (in its module and wherever it was imported
    by name, as :func:`inject_slowdown` does) by a wrapper that awaits it, then runs
    ``SELECT 1`` through the first ``AsyncSession`` or ``async_sessionmaker`` among its
    arguments: exactly one statement more, on the engine the counters watch.

    Raises:
        WorkerError: A malformed spec, a missing function, or one that is not a coroutine.
    """
    import inspect

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    async def one_more(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        for value in (*args, *kwargs.values()):
            if isinstance(value, AsyncSession):
                await value.execute(text("SELECT 1"))
                return
            if isinstance(value, async_sessionmaker):
                async with value() as session:
                    await session.execute(text("SELECT 1"))
                return
        raise WorkerError("usage", f"{EXTRA_SQL_ENV}: the call had no session to run it on")

    patched = []
    for target in _entries(spec):
        original = _resolve(target, EXTRA_SQL_ENV)
        if not inspect.iscoroutinefunction(original):
            raise WorkerError("usage", f"{EXTRA_SQL_ENV}: {target} is not a coroutine function")

        async def wrapper(*args: Any, _f: Any = original, **kwargs: Any) -> Any:
            result = await _f(*args, **kwargs)
            await one_more(args, kwargs)
            return result

        _replace_everywhere(original, wrapper)
        patched.append(target)
    return patched


def extra_allocations(spec: str) -> dict[str, int]:
    """Benchmark id -> how many more allocations ``spec`` asks of it under the memory op."""
    counts = {}
    for item in _entries(spec):
        benchmark, _, count_text = item.rpartition("=")
        try:
            counts[benchmark] = int(count_text)
        except ValueError:
            raise WorkerError("usage", f"bad {EXTRA_ALLOCATIONS_ENV} entry {item!r}") from None
    return counts


def _entries(spec: str) -> list[str]:
    """The comma-separated entries of an injection spec, blanks dropped."""
    return [part.strip() for part in spec.split(",") if part.strip()]


def _resolve(target: str, env_name: str) -> Any:
    """The function named ``module:function`` (importing its module), or a usage error."""
    import importlib

    module_name, _, function_name = target.partition(":")
    try:
        return getattr(importlib.import_module(module_name), function_name)
    except (ValueError, ImportError, AttributeError) as exc:
        raise WorkerError("usage", f"bad {env_name} entry {target!r}: {exc}") from None


def _replace_everywhere(original: object, wrapper: object) -> None:
    """Point every loaded module's global bound to ``original`` at ``wrapper``."""
    for loaded in list(sys.modules.values()):
        for name, value in list(getattr(loaded, "__dict__", {}).items()):
            if value is original:
                setattr(loaded, name, wrapper)


# -- the worker -----------------------------------------------------------------------------


class Worker:
    """Serves requests on one event loop; holds the open workbenches by tier."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.benches: dict[str, Any] = {}
        self.api = _workloads_api()
        spec = os.environ.get(SLOWDOWN_ENV)
        if spec:
            inject_slowdown(spec)
        extra_sql = os.environ.get(EXTRA_SQL_ENV)
        if extra_sql:
            inject_extra_statement(extra_sql)
        self.extra_allocations = extra_allocations(os.environ.get(EXTRA_ALLOCATIONS_ENV, ""))

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Serve one request; raise ``WorkerError`` for one that cannot be served."""
        op = request.get("op")
        handler = {
            "open": self._open,
            "time": self._time,
            "count": self._count,
            "memory": self._memory,
        }.get(str(op))
        if handler is None:
            raise WorkerError("usage", f"unknown op {op!r}")
        return handler(request)

    def close(self) -> None:
        """Close every workbench and the loop."""
        try:
            for bench in self.benches.values():
                self.loop.run_until_complete(bench.close())
        finally:
            self.loop.close()

    def _open(self, request: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        tier_name = _field(request, "tier", str)
        url = _field(request, "db", str)
        if tier_name in self.benches:
            raise WorkerError("usage", f"tier {tier_name} is already open in this worker")
        if request.get("cpu") is not None:
            os.sched_setaffinity(0, {_field(request, "cpu", int)})
        try:
            tier = self.api.get_tier(tier_name)
        except Exception as exc:
            raise WorkerError("usage", f"unknown tier {tier_name!r} ({exc})") from None
        template = Path(_field(request, "template", str)) if request.get("template") else None
        database = sqlite_path(url)
        if template is not None and database is not None and template.exists():
            copy_sqlite(template, database)
        bench = self.loop.run_until_complete(
            self.api.Workbench.open(
                tier, self.api.normalize_url(url), seed=_field(request, "seed", int, 0)
            )
        )
        self.benches[tier_name] = bench
        if template is not None and database is not None and not template.exists():
            copy_sqlite(database, template)
        settle_heap()
        return {"seconds": time.perf_counter() - started}

    def _workload(self, benchmark: str) -> Any:
        phase, _, rest = benchmark.partition("[")
        tier = rest.rstrip("]")
        if tier not in self.benches:
            raise WorkerError("usage", f"{benchmark}: tier {tier!r} is not open in this worker")
        if phase not in self.api.phases:
            raise WorkerError("api", f"{benchmark}: this source tree has no {phase!r} phase")
        return self.benches[tier].workload(phase)

    def _time(self, request: dict[str, Any]) -> dict[str, Any]:
        workload = self._workload(_field(request, "benchmark", str))
        rounds, warmup = _field(request, "rounds", int), _field(request, "warmup", int, 0)
        if rounds < 1 or warmup < 0:
            raise WorkerError("usage", "rounds must be at least 1 and warmup at least 0")
        samples, threads, cpu_samples = time_rounds(
            self.loop, workload.reset, workload.work, rounds=rounds, warmup=warmup
        )
        return {"samples": samples, "cpu_samples": cpu_samples, "threads": sorted(threads)}

    def _count(self, request: dict[str, Any]) -> dict[str, Any]:
        workload = self._workload(_field(request, "benchmark", str))
        bench = self.benches[workload.tier]
        counters = self.loop.run_until_complete(bench.count(workload.phase))
        return {"counters": counters}

    def _memory(self, request: dict[str, Any]) -> dict[str, Any]:
        workload = self._workload(_field(request, "benchmark", str))
        self.loop.run_until_complete(workload.reset())
        gc.collect()
        keep = _field(request, "capture", str) if request.get("capture") else None
        capture = Path(keep) if keep else Path(tempfile.mkdtemp()) / "capture.bin"
        work = workload.work
        extra = self.extra_allocations.get(workload.name, 0)
        if extra > 0:  # calibration (rota.perf.calibrate)
            work = _allocating_more(workload.work, extra)
        figures = measure_memory(self.loop, work, capture, keep=bool(keep))
        if not keep:
            shutil.rmtree(capture.parent, ignore_errors=True)
        return {"peak_bytes": figures.peak_bytes, "allocations": figures.allocations}


def _allocating_more(
    work: Callable[[], Awaitable[object]], count: int
) -> Callable[[], Awaitable[object]]:
    """``work`` followed by ``count`` more small-object allocations (calibration)."""

    async def more() -> object:
        result = await work()
        kept: list[object] = [None] * count  # one allocation, then ``count`` small objects
        for index in range(count):
            kept[index] = object()
        del kept
        return result

    return more


@dataclass(frozen=True, slots=True)
class _Api:
    """What the worker takes from the source tree under test."""

    Workbench: Any
    get_tier: Callable[[str], Any]
    normalize_url: Callable[[str], Any]
    phases: tuple[str, ...]
    origin: str


def _workloads_api() -> _Api:
    """Import the workloads API from the tree on ``sys.path``, or raise an ``api`` error."""
    try:
        import rota
        from rota.datasets.tiers import get_tier
        from rota.db.url import normalize_url
        from rota.perf import workloads
    except ImportError as exc:
        raise WorkerError(
            "api",
            f"this source tree has no workloads API ({exc}); it predates "
            "rota.perf.workloads and cannot be benchmarked by this runner",
        ) from None
    bench = getattr(workloads, "Workbench", None)
    phases = getattr(workloads, "PHASES", None)
    if bench is None or phases is None or not hasattr(bench, "open"):
        raise WorkerError("api", "rota.perf.workloads lacks Workbench or PHASES")
    return _Api(bench, get_tier, normalize_url, tuple(phases), str(Path(rota.__file__).parent))


def _parse(line: str) -> dict[str, Any]:
    try:
        request = json.loads(line)
    except ValueError as exc:
        raise WorkerError("usage", f"a request is not JSON ({exc})") from None
    if not isinstance(request, dict):
        raise WorkerError("usage", "a request must be a JSON object")
    return request


def _field(request: dict[str, Any], key: str, kind: type[Any], default: Any = None) -> Any:
    value = request.get(key, default)
    if value is None and default is None:
        raise WorkerError("usage", f"request {request.get('op')!r} needs {key!r}")
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise WorkerError("usage", f"{key!r} must be an integer, not {value!r}")
    elif not isinstance(value, kind):
        raise WorkerError("usage", f"{key!r} must be a {kind.__name__}, not {value!r}")
    return value


def _reply(stream: IO[str], message: dict[str, Any]) -> None:
    stream.write(json.dumps(message, allow_nan=False) + "\n")
    stream.flush()


@contextlib.contextmanager
def _protocol_stream() -> Iterator[IO[str]]:
    """Keep the real stdout for the protocol; point fd 1 and ``sys.stdout`` at stderr."""
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        yield protocol
    finally:
        protocol.close()


def main() -> int:
    """Serve requests from stdin until ``quit`` or end of input."""
    with _protocol_stream() as out:
        try:
            worker = Worker()
        except WorkerError as exc:
            _reply(out, {"ok": False, "kind": exc.kind, "error": str(exc)})
            return EXIT_API
        _reply(
            out,
            {
                "ok": True,
                "event": "ready",
                "protocol": PROTOCOL_VERSION,
                "pid": os.getpid(),
                "phases": list(worker.api.phases),
                "rota": worker.api.origin,
            },
        )
        try:
            for line in sys.stdin:
                if not line.strip():
                    continue
                try:
                    request = _parse(line)
                    if request.get("op") == "quit":
                        break
                    _reply(out, {"ok": True, **worker.handle(request)})
                except WorkerError as exc:
                    _reply(out, {"ok": False, "kind": exc.kind, "error": str(exc)})
                except Exception as exc:
                    traceback.print_exc()  # to stderr: the parent keeps it for the report
                    message = " ".join(f"{type(exc).__name__}: {exc}".split())
                    _reply(out, {"ok": False, "kind": "failure", "error": message})
        finally:
            worker.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
