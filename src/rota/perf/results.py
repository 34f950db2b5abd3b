"""The results store: one versioned JSON file per run of the benchmark suite.

Files live in a directory (``results/runs/`` by default) and are named
``<UTC timestamp>-<short commit>.json``, e.g. ``20250301T101500Z-1a2b3c4.json``
(``nogit`` outside a checkout; ``-1``, ``-2`` ... appended when the name is taken).
They are written atomically and never overwritten. The schema is described in
``results/FORMAT.md``; its history, newest last:

- version 1: first format. ``version``, ``created_at`` (ISO 8601, UTC), ``machine``,
  ``git`` (``commit``, ``branch``, ``dirty``), ``settings`` and ``benchmarks``, each with
  ``name``, ``phase``, ``tier``, ``size``, ``samples`` (seconds), ``summary``,
  ``counters``, ``peak_memory_bytes`` and ``allocations``.
- version 2: the process is the unit of measurement. ``samples`` becomes ``processes``
  (a list per worker process of its samples); ``instructions`` (callgrind count, or
  null) is added; ``counters`` hold only the counters a phase has. A version-1 file reads
  as one process holding all its samples, with no instruction count.

A reader refuses a version it does not know, naming the file and what to do.
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self, TypeGuard, TypeVar

from rota.errors import ResultsError
from rota.perf.atomic import create_atomic, is_temp_file
from rota.perf.stats import TimingSummary, summarize

__all__ = [
    "DEFAULT_RESULTS_DIR",
    "RESULTS_FORMAT_VERSION",
    "BenchmarkResult",
    "Counter",
    "ResultsStore",
    "RunResults",
    "decode",
    "encode",
]


# Results format history:
#
# - version 1: first format (rota 0.1). See results/FORMAT.md.
# - version 2: samples grouped by worker process (``processes``); ``instructions``.
#
# Bump the version for any change a version-1 reader would misread or reject, add a line
# above and to results/FORMAT.md, and keep a decoder for every older version.
RESULTS_FORMAT_VERSION = 2

DEFAULT_RESULTS_DIR = Path("results/runs")

Counter = int | float | str

_V = TypeVar("_V")

_NAME = re.compile(r"^(?P<stem>\d{8}T\d{6}Z-[^-]+)(?:-(?P<n>\d+))?\.json$")


@dataclass(frozen=True, slots=True, kw_only=True)
class BenchmarkResult:
    """One benchmark (tier x phase) of one run.

    Attributes:
        name: Benchmark id carrying the tier, e.g. ``"generate[large]"``.
        phase: ``seed``, ``load``, ``solve``, ``validate``, ``persist`` or ``generate``
            (end to end).
        tier: Dataset tier name.
        size: Resident-sessions of the tier's dataset.
        processes: Timing samples in seconds, one list per worker process that timed
            the benchmark (the unit of replication); empty when nothing was timed.
        summary: Summary of all samples pooled; ``None`` exactly when there are none.
        counters: Exact figures: SQL statements and rows, dataset fingerprint, schedule
            hash, violations, quality figures.
        peak_memory_bytes: Peak memory from the memory pass, if one ran.
        allocations: Allocation count from the memory pass, if one ran and counted them.
        instructions: Instructions counted under callgrind, if the instruction pass ran.
    """

    name: str
    phase: str
    tier: str
    size: int
    processes: list[list[float]]
    summary: TimingSummary | None
    counters: dict[str, Counter] = field(default_factory=dict)
    peak_memory_bytes: int | None = None
    allocations: int | None = None
    instructions: int | None = None

    @property
    def samples(self) -> list[float]:
        """Every sample, process after process."""
        return [s for process in self.processes for s in process]

    @property
    def process_medians(self) -> list[float]:
        """The median of each process's samples: what the gate compares."""
        return [summarize(p).median for p in self.processes if p]

    def __post_init__(self) -> None:
        if any(not process for process in self.processes):
            raise ValueError(f"{self.name}: a process with no samples")
        if (self.summary is None) != (not self.samples):
            raise ValueError(f"{self.name}: summary must be given exactly when samples are")
        if self.summary is not None and self.summary.rounds != len(self.samples):
            raise ValueError(
                f"{self.name}: summary covers {self.summary.rounds} rounds, "
                f"samples hold {len(self.samples)}"
            )

    @classmethod
    def from_samples(
        cls,
        *,
        name: str,
        phase: str,
        tier: str,
        size: int,
        samples: list[float] | None = None,
        processes: list[list[float]] | None = None,
        counters: dict[str, Counter] | None = None,
        peak_memory_bytes: int | None = None,
        allocations: int | None = None,
        instructions: int | None = None,
    ) -> Self:
        """Build a result from one process's ``samples`` or several ``processes``."""
        if samples is not None and processes is not None:
            raise ValueError("give samples (one process) or processes, not both")
        grouped = [list(p) for p in processes] if processes is not None else []
        if samples:
            grouped = [list(samples)]
        pooled = [s for p in grouped for s in p]
        return cls(
            name=name,
            phase=phase,
            tier=tier,
            size=size,
            processes=grouped,
            summary=summarize(pooled) if pooled else None,
            counters=dict(counters or {}),
            peak_memory_bytes=peak_memory_bytes,
            allocations=allocations,
            instructions=instructions,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResults:
    """Everything one run of the suite measured, with its context.

    Attributes:
        version: Results format version; always :data:`RESULTS_FORMAT_VERSION` once
            loaded, since older versions are converted and unknown ones refused.
        created_at: When the run started, timezone-aware (stored as UTC).
        machine: :func:`rota.perf.machine.machine_info` output.
        git: :func:`rota.perf.machine.git_info` output.
        benchmarks: The results, in the order they ran.
        settings: How the suite ran (rounds, database URL kind, tiers ...).
    """

    version: int = RESULTS_FORMAT_VERSION
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    machine: dict[str, Any] = field(default_factory=dict)
    git: dict[str, Any] = field(default_factory=dict)
    benchmarks: list[BenchmarkResult] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")

    def benchmark(self, name: str) -> BenchmarkResult | None:
        """Return the benchmark called ``name``, or ``None``."""
        return next((b for b in self.benchmarks if b.name == name), None)


class ResultsStore:
    """A directory of results files, one per run.

    Args:
        directory: Where the files live; created on first save.
    """

    def __init__(self, directory: Path | str = DEFAULT_RESULTS_DIR) -> None:
        self.directory = Path(directory)

    def save(self, run: RunResults) -> Path:
        """Write ``run`` to a new file and return its path.

        The write is atomic and never replaces an existing file: if the name is taken by
        a different file, ``-1``, ``-2`` ... is appended. Saving the same run twice
        returns the existing file.
        """
        data = encode(run)
        self.directory.mkdir(parents=True, exist_ok=True)
        commit = run.git.get("commit")
        short = commit[:7] if isinstance(commit, str) and commit else "nogit"
        stem = f"{run.created_at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{short}"
        attempt = 0
        while True:
            suffix = f"-{attempt}" if attempt else ""
            path = self.directory / f"{stem}{suffix}.json"
            if create_atomic(path, data):
                return path
            if _same_content(path, data):
                return path
            attempt += 1

    def load(self, path: Path | str) -> RunResults:
        """Read one results file.

        Raises:
            ResultsError: If the file is missing, unreadable, not JSON, of an unknown
                format version, or does not match the schema; the one-line message names
                the file and the problem.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ResultsError(f"{path}: no such results file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ResultsError(f"{path}: cannot read results file ({exc})") from None
        return decode(text, source=str(path))

    def list(self) -> list[Path]:
        """Return the results files, oldest first (empty if the directory is missing)."""
        if not self.directory.is_dir():
            return []
        files = [
            p
            for p in self.directory.glob("*.json")
            if p.is_file() and not is_temp_file(p) and not p.name.startswith(".")
        ]
        return sorted(files, key=_sort_key)

    def load_all(self) -> builtins.list[RunResults]:
        """Read every results file, oldest first.

        Raises:
            ResultsError: If any file cannot be read (truncated, corrupt, of an unknown
                version): a reader of the directory refuses it by name rather than
                skipping it without a word. The one line names every such file.
        """
        runs: builtins.list[RunResults] = []  # ``list`` is the method above, here
        refused: builtins.list[str] = []
        for path in self.list():
            try:
                runs.append(self.load(path))
            except ResultsError as exc:
                refused.append(str(exc))
        if refused:
            more = f" (and {len(refused) - 1} more unreadable files)" if len(refused) > 1 else ""
            raise ResultsError(
                f"{refused[0]}{more}: restore or delete it (git checkout, rm) so that "
                f"{self.directory} can be read"
            )
        return runs

    def latest(self) -> RunResults:
        """Load the newest results file, once every file in the directory reads.

        Raises:
            ResultsError: If there is none, or any of them cannot be read.
        """
        runs = self.load_all()
        if not runs:
            raise ResultsError(f"{self.directory}: no results files; run the benchmarks first")
        return runs[-1]


def encode(run: RunResults) -> bytes:
    """Serialize ``run`` in the current format (UTF-8 JSON, stable key order)."""
    document = {
        "version": RESULTS_FORMAT_VERSION,
        "created_at": run.created_at.astimezone(UTC).isoformat(),
        "machine": run.machine,
        "git": run.git,
        "settings": run.settings,
        "benchmarks": [_encode_benchmark(b) for b in run.benchmarks],
    }
    # allow_nan=False: NaN and Infinity are not JSON; a non-finite sample is a bug.
    return (json.dumps(document, indent=2, allow_nan=False) + "\n").encode()


def decode(text: str, *, source: str) -> RunResults:
    """Parse results-file text, naming ``source`` in any :class:`ResultsError`."""
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        raise ResultsError(f"{source}: not valid JSON ({exc}); the file is corrupt") from None
    if not isinstance(document, dict):
        raise ResultsError(f"{source}: expected a JSON object at the top level")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ResultsError(f"{source}: no results format version; not a rota results file?")
    decoder = _DECODERS.get(version)
    if decoder is None:
        hint = (
            "it was written by a newer rota: upgrade rota to read it"
            if version > RESULTS_FORMAT_VERSION
            else "re-run the benchmarks to produce a current file"
        )
        raise ResultsError(
            f"{source}: unknown results format version {version} "
            f"(this rota reads versions {sorted(_DECODERS)}); {hint}"
        )
    try:
        return decoder(document)
    except _SchemaError as exc:
        raise ResultsError(f"{source}: {exc}; the file is corrupt or was edited") from None


class _SchemaError(Exception):
    """A document does not match the schema; the message names the field."""


def _decode_v1(doc: Mapping[str, Any]) -> RunResults:
    return _decode_run(doc, _decode_benchmark_v1)


def _decode_v2(doc: Mapping[str, Any]) -> RunResults:
    return _decode_run(doc, _decode_benchmark_v2)


def _decode_run(
    doc: Mapping[str, Any], decode_benchmark: Callable[[object, str], BenchmarkResult]
) -> RunResults:
    created_text = _get(doc, "created_at", str, "")
    try:
        created_at = datetime.fromisoformat(created_text)
    except ValueError:
        raise _SchemaError(f"created_at: not an ISO 8601 time: {created_text!r}") from None
    if created_at.tzinfo is None:
        raise _SchemaError("created_at: has no time zone")
    git = _get(doc, "git", dict, "")
    for key in ("commit", "branch"):
        if git.get(key) is not None and not isinstance(git.get(key), str):
            raise _SchemaError(f"git.{key}: expected a string or null")
    benchmarks = _get(doc, "benchmarks", list, "")
    return RunResults(
        version=RESULTS_FORMAT_VERSION,
        created_at=created_at.astimezone(UTC),
        machine=_get(doc, "machine", dict, ""),
        git=git,
        settings=_get(doc, "settings", dict, ""),
        benchmarks=[decode_benchmark(b, f"benchmarks[{i}]") for i, b in enumerate(benchmarks)],
    )


def _decode_benchmark_v1(item: object, where: str) -> BenchmarkResult:
    if not isinstance(item, dict):
        raise _SchemaError(f"{where}: expected an object")
    samples = _numbers(_get(item, "samples", list, where), f"{where}.samples")
    return _decode_benchmark(item, where, [samples] if samples else [], None)


def _decode_benchmark_v2(item: object, where: str) -> BenchmarkResult:
    if not isinstance(item, dict):
        raise _SchemaError(f"{where}: expected an object")
    processes = [
        _numbers(p, f"{where}.processes[{i}]")
        for i, p in enumerate(_get(item, "processes", list, where))
    ]
    return _decode_benchmark(
        item, where, processes, _get_optional(item, "instructions", int, where)
    )


def _numbers(value: object, where: str) -> list[float]:
    if not isinstance(value, list) or not all(_is_number(s) for s in value):
        raise _SchemaError(f"{where}: expected a list of numbers")
    return [float(s) for s in value]


def _decode_benchmark(
    item: dict[str, Any], where: str, processes: list[list[float]], instructions: int | None
) -> BenchmarkResult:
    raw_summary = _get_optional(item, "summary", dict, where)
    summary = None if raw_summary is None else _decode_summary(raw_summary, f"{where}.summary")
    counters = _get(item, "counters", dict, where)
    for key, value in counters.items():
        if not (_is_number(value) or isinstance(value, str)):
            raise _SchemaError(f"{where}.counters.{key}: expected a number or a string")
    try:
        return BenchmarkResult(
            name=_get(item, "name", str, where),
            phase=_get(item, "phase", str, where),
            tier=_get(item, "tier", str, where),
            size=_get(item, "size", int, where),
            processes=processes,
            summary=summary,
            counters=counters,
            peak_memory_bytes=_get_optional(item, "peak_memory_bytes", int, where),
            allocations=_get_optional(item, "allocations", int, where),
            instructions=instructions,
        )
    except ValueError as exc:
        raise _SchemaError(f"{where}: {exc}") from None


def _decode_summary(raw: Mapping[str, Any], where: str) -> TimingSummary:
    values: dict[str, Any] = {}
    for f in dataclasses.fields(TimingSummary):
        if f.name == "rounds":
            values[f.name] = _get(raw, f.name, int, where)
        else:
            value = raw.get(f.name)
            if not _is_number(value):
                raise _SchemaError(f"{where}.{f.name}: expected a number")
            values[f.name] = float(value)
    return TimingSummary(**values)


def _encode_benchmark(result: BenchmarkResult) -> dict[str, Any]:
    return {
        "name": result.name,
        "phase": result.phase,
        "tier": result.tier,
        "size": result.size,
        "processes": result.processes,
        "summary": None if result.summary is None else result.summary.as_dict(),
        "counters": result.counters,
        "peak_memory_bytes": result.peak_memory_bytes,
        "allocations": result.allocations,
        "instructions": result.instructions,
    }


_DECODERS: dict[int, Callable[[Mapping[str, Any]], RunResults]] = {1: _decode_v1, 2: _decode_v2}

_TYPE_NAMES = {str: "a string", int: "an integer", dict: "an object", list: "a list"}


def _get(obj: Mapping[str, Any], key: str, kind: type[_V], where: str) -> _V:
    value = _get_optional(obj, key, kind, where)
    if value is None:
        raise _SchemaError(f"{_join(where, key)}: missing")
    return value


def _get_optional(obj: Mapping[str, Any], key: str, kind: type[_V], where: str) -> _V | None:
    value = obj.get(key)
    if value is None:
        return None
    # bool is an int subclass, but true is not a size or a byte count.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        expected = _TYPE_NAMES.get(kind, kind.__name__)
        raise _SchemaError(f"{_join(where, key)}: expected {expected}")
    return value


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed in a results file")


def _same_content(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _sort_key(path: Path) -> tuple[str, int, str]:
    match = _NAME.match(path.name)
    if match is None:
        return (path.name, 0, path.name)
    return (match["stem"], int(match["n"] or 0), path.name)
