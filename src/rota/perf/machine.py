"""What a measurement ran on: machine, interpreter, package versions and git state.

Times are only comparable on the same machine, so every results file records this
context. Nothing here raises for missing information: an unknown value is ``None``.
"""

from __future__ import annotations

import hashlib
import os
import platform
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "KEY_PACKAGES",
    "git_info",
    "machine_info",
    "package_versions",
]


#: Distributions whose versions are recorded with every run.
KEY_PACKAGES = (
    "rota",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "pytest-benchmark",
    "memray",
    "asv",
    "numpy",
    "scipy",
    "matplotlib",
)

_GIT_TIMEOUT_S = 10.0


def machine_info() -> dict[str, Any]:
    """Describe this machine and interpreter.

    Returns:
        A JSON-ready dict: ``machine_id`` (12 hex digits, a hash of hostname, CPU model,
        logical cores and total memory, so it changes when any of them does),
        ``hostname``, ``cpu_model``, ``logical_cores``, ``usable_cores`` (this process's
        CPU affinity), ``memory_bytes``, ``os``, ``kernel``, ``arch``, ``python_version``,
        ``python_implementation`` and ``packages`` (distribution name to version, or
        ``None`` when not installed).
    """
    hostname = socket.gethostname()
    cpu_model = _cpu_model()
    logical_cores = os.cpu_count()
    memory_bytes = _memory_bytes()
    identity = "\n".join(str(part) for part in (hostname, cpu_model, logical_cores, memory_bytes))
    return {
        "machine_id": hashlib.sha256(identity.encode()).hexdigest()[:12],
        "hostname": hostname,
        "cpu_model": cpu_model,
        "logical_cores": logical_cores,
        "usable_cores": _usable_cores(),
        "memory_bytes": memory_bytes,
        "os": platform.system(),
        "kernel": platform.release(),
        "arch": platform.machine(),
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "packages": package_versions(),
    }


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str | None]:
    """Return the installed version of each distribution, ``None`` when absent."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_info(path: Path | str = ".") -> dict[str, str | bool | None]:
    """Describe the git checkout containing ``path``.

    Uses only read-only git commands (``status`` with ``--no-optional-locks``, so not
    even the index is refreshed on disk).

    Args:
        path: A directory inside the checkout.

    Returns:
        ``commit`` (full hash), ``branch`` (``None`` when detached) and ``dirty``
        (tracked files modified or staged; untracked files, such as fresh results, do
        not count). All ``None`` outside a git checkout or without git.
    """
    commit = _git(path, "rev-parse", "--verify", "HEAD")
    if commit is None:
        return {"commit": None, "branch": None, "dirty": None}
    branch = _git(path, "symbolic-ref", "--quiet", "--short", "HEAD")
    status = _git(path, "--no-optional-locks", "status", "--porcelain", "--untracked-files=no")
    return {
        "commit": commit,
        "branch": branch,
        "dirty": None if status is None else bool(status),
    }


def _git(path: Path | str, *args: str) -> str | None:
    try:
        completed = subprocess.run(
            ["git", "-C", str(path), *args],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:
        return None
    return completed.stdout.strip()


def _cpu_model() -> str | None:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        # x86 says "model name"; some ARM kernels only say "Hardware" or "Processor".
        if key.strip() in ("model name", "Hardware", "Processor") and value.strip():
            return value.strip()
    return platform.processor() or platform.machine() or None


def _memory_bytes() -> int | None:
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8")
    except OSError:
        text = ""
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            fields = line.split()
            if len(fields) >= 2 and fields[1].isdigit():
                return int(fields[1]) * 1024  # /proc/meminfo reports kibibytes
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _usable_cores() -> int | None:
    if sys.platform.startswith("linux"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()
