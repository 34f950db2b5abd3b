"""The parent side of the worker protocol: start workers for a source tree and drive them.

A :class:`WorkerProcess` is one benchmark worker (``rota.perf.worker``, see its docstring
for the protocol) running with a chosen source tree first on ``PYTHONPATH``. The parent
decides everything a worker must not: how many processes, their order, their hash seeds,
where their databases live, and what to show while they run. Workers of one tree and
tier share one seeded SQLite template (:class:`Databases`), so starting one costs the
interpreter, the imports and a file copy, not a seeding.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from rota.errors import RotaError
from rota.perf import worker as worker_module

__all__ = [
    "Databases",
    "SourceTree",
    "TimedRounds",
    "WorkerApiError",
    "WorkerFailed",
    "WorkerProcess",
]

WORKER_FILE = Path(worker_module.__file__)


class WorkerFailed(RotaError):
    """A worker crashed, broke the protocol, or its work raised; the message says which."""

    exit_code = 3


class WorkerApiError(WorkerFailed):
    """The source tree lacks what was asked (the workloads API, or a phase)."""


@dataclass(frozen=True, slots=True)
class SourceTree:
    """A tree of rota source to benchmark: the directory that holds the ``rota`` package.

    Attributes:
        path: The directory containing ``rota/`` (a checkout's ``src``, or site-packages).
        label: How reports name it (``head``, ``base 1a2b3c4``).
    """

    path: Path
    label: str

    @classmethod
    def installed(cls, label: str = "head") -> SourceTree:
        """The tree this process imports ``rota`` from (a checkout or an installed package)."""
        import rota

        return cls(Path(rota.__file__).resolve().parent.parent, label)

    @classmethod
    def checkout(cls, root: Path, label: str) -> SourceTree:
        """The ``src`` directory of a checkout at ``root``."""
        return cls((Path(root) / "src").resolve(), label)

    @property
    def key(self) -> str:
        """A file-name-safe name for this tree's scratch files."""
        return "".join(c if c.isalnum() else "-" for c in self.label)


@dataclass(frozen=True, slots=True)
class TimedRounds:
    """What one ``time`` request returned: samples in seconds and the threads seen."""

    samples: list[float]
    threads: list[str]
    cpu_samples: list[float] = field(default_factory=list)  # the process's CPU seconds


class Databases:
    """Where each worker's database lives, and the seeded template per tree and tier.

    With no ``url`` every worker gets its own SQLite file in ``scratch``, copied from
    ``scratch/<tree>/template-<tier>.db`` (written by the first worker of that tree and
    tier). With a ``url`` (PostgreSQL, or one SQLite file) every worker uses it as is; the
    workbench seeds it once and finds the dataset afterwards.
    """

    def __init__(self, scratch: Path, url: str | None = None) -> None:
        self.scratch = Path(scratch)
        self.url = url
        self._count = 0

    def for_worker(self, tree: SourceTree, tier: str) -> tuple[str, str | None]:
        """A database URL for a new worker's ``tier`` and the template it may use."""
        if self.url is not None:
            return self.url, None
        self._count += 1
        folder = self.scratch / tree.key
        folder.mkdir(parents=True, exist_ok=True)
        database = folder / f"w{self._count}-{tier}.db"
        return f"sqlite:///{database}", str(folder / f"template-{tier}.db")

    def release(self, url: str) -> None:
        """Delete a worker's own SQLite file (and its WAL companions)."""
        if self.url is not None:
            return
        path = worker_module.sqlite_path(url)
        if path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


class WorkerProcess:
    """One benchmark worker process for ``tree``.

    Args:
        tree: The source tree the worker imports ``rota`` from.
        hash_seed: ``PYTHONHASHSEED`` of the worker (``None``: inherit the parent's).
        python: The interpreter (default: this one, so the same packages).
        env: Extra environment variables.
    """

    def __init__(
        self,
        tree: SourceTree,
        *,
        hash_seed: int | None = 0,
        python: str = sys.executable,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.tree = tree
        self.hash_seed = hash_seed
        self.python = python
        self.extra_env = dict(env or {})
        self._process: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self.pid = 0
        self.phases: tuple[str, ...] = ()

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> Self:
        """Start the worker and wait for it to say it is ready.

        Raises:
            WorkerApiError: The tree lacks the workloads API.
            WorkerFailed: The worker died or said something else.
        """
        env = dict(os.environ)
        env.pop("PYTHONSTARTUP", None)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(self.tree.path), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        if self.hash_seed is not None:
            env["PYTHONHASHSEED"] = str(self.hash_seed)
        env.update(self.extra_env)
        # Closed in close(): it outlives this method, for the error reports.
        self._stderr = tempfile.TemporaryFile(  # noqa: SIM115
            "w+", encoding="utf-8", errors="replace"
        )
        self._process = subprocess.Popen(
            [self.python, "-P", str(WORKER_FILE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
            env=env,
            cwd=tempfile.gettempdir(),
        )
        hello = self._read()
        if not hello.get("ok"):
            error = self._error(hello)
            self.close()
            raise error
        if hello.get("protocol") != worker_module.PROTOCOL_VERSION:
            self.close()
            raise WorkerFailed(
                f"{self.tree.label}: worker speaks protocol {hello.get('protocol')}, "
                f"expected {worker_module.PROTOCOL_VERSION}"
            )
        self.pid = int(hello["pid"])
        self.phases = tuple(hello.get("phases", ()))
        return self

    def close(self) -> None:
        """Ask the worker to quit; kill it if it does not within a few seconds."""
        process = self._process
        if process is None:
            return
        self._process = None
        try:
            if process.stdin is not None:
                with contextlib.suppress(OSError):  # a dead worker: nothing to tell
                    if process.poll() is None:
                        process.stdin.write('{"op": "quit"}\n')
                        process.stdin.flush()
                with contextlib.suppress(OSError):
                    process.stdin.close()
            if process.poll() is None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        finally:
            if process.stdout is not None:
                process.stdout.close()
            if self._stderr is not None:
                self._stderr.close()
                self._stderr = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- requests ----------------------------------------------------------------------------
    def request(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """Send one request and return the worker's answer (``ok`` true).

        Raises:
            WorkerApiError: The tree lacks what was asked.
            WorkerFailed: Any other refusal, a crash, or a broken protocol.
        """
        process = self._require()
        assert process.stdin is not None
        try:
            process.stdin.write(json.dumps(message) + "\n")
            process.stdin.flush()
        except OSError:
            self._died()
        answer = self._read()
        if not answer.get("ok"):
            raise self._error(answer)
        return answer

    def open(
        self,
        tier: str,
        db: str,
        *,
        template: str | None = None,
        seed: int = 0,
        cpu: int | None = None,
    ) -> float:
        """Open ``tier``'s workbench on ``db``; return the seconds it took (untimed work)."""
        answer = self.request(
            {"op": "open", "tier": tier, "db": db, "template": template, "seed": seed, "cpu": cpu}
        )
        return float(answer["seconds"])

    def time(self, benchmark: str, *, rounds: int, warmup: int = 0) -> TimedRounds:
        """Time ``rounds`` rounds of ``benchmark`` after ``warmup`` discarded ones."""
        answer = self.request(
            {"op": "time", "benchmark": benchmark, "rounds": rounds, "warmup": warmup}
        )
        return TimedRounds(
            [float(s) for s in answer["samples"]],
            list(answer["threads"]),
            [float(s) for s in answer.get("cpu_samples", [])],
        )

    def count(self, benchmark: str) -> dict[str, Any]:
        """The exact counters of one untimed run of ``benchmark``."""
        return dict(self.request({"op": "count", "benchmark": benchmark})["counters"])

    def memory(self, benchmark: str, *, capture: Path | None = None) -> tuple[int, int]:
        """Peak bytes and allocations of one run under memray (capture kept if given)."""
        answer = self.request(
            {"op": "memory", "benchmark": benchmark, "capture": str(capture) if capture else None}
        )
        return int(answer["peak_bytes"]), int(answer["allocations"])

    # -- internals ---------------------------------------------------------------------------
    def _require(self) -> subprocess.Popen[str]:
        if self._process is None:
            raise RuntimeError("the worker is not running: call start() first")
        return self._process

    def _read(self) -> dict[str, Any]:
        process = self._require()
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            self._died()
        try:
            answer = json.loads(line)
        except ValueError:
            self.close()
            raise WorkerFailed(
                f"{self.tree.label}: worker broke the protocol with {line[:200]!r}"
            ) from None
        if not isinstance(answer, dict):
            raise WorkerFailed(f"{self.tree.label}: worker answered {answer!r}")
        return answer

    def _stderr_saved(self) -> str:
        """Keep what the worker wrote on stderr in a log file; say where, or nothing."""
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        text = self._stderr.read()
        if not text.strip():
            return ""
        fd, path = tempfile.mkstemp(prefix="rota-worker-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as log:
            log.write(text)
        return f" (the worker's output is in {path})"

    def _died(self) -> None:
        process = self._require()
        code = process.wait()
        saved = self._stderr_saved()
        self.close()
        raise WorkerFailed(f"{self.tree.label}: worker exited with status {code}{saved}")

    def _error(self, answer: Mapping[str, Any]) -> WorkerFailed:
        kind = answer.get("kind")
        message = f"{self.tree.label}: {answer.get('error', 'worker failed')}"
        if kind == "api":
            return WorkerApiError(message)
        if kind == "failure":
            return WorkerFailed(message + self._stderr_saved())
        return WorkerFailed(message)
