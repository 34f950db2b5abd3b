"""What a measurement ran on: machine, interpreter, package versions and git state.

Times are only comparable on the same machine, so every results file records this
context. Nothing here raises for missing information: an unknown value is ``None``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
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
    """Describe this machine and interpreter, as pytest-benchmark does, plus what rota needs.

    The facts come from pytest-benchmark's ``pytest_benchmark_generate_machine_info``
    (``node``, ``processor``, ``machine``, ``python_*``, ``release``, ``system`` and
    ``cpu``, py-cpuinfo's dict), so a results file and a pytest-benchmark JSON describe a
    machine the same way.

    Returns:
        Those facts and: ``machine_id`` (12 hex digits, a hash of node, CPU brand, logical
        cores and total memory, so it changes when any of them does), ``usable_cores``
        (this process's CPU affinity), ``memory_bytes`` and ``packages`` (distribution name
        to version, or ``None`` when not installed).
    """
    # Imported here: it imports pytest, which only a measuring command should pay for.
    from pytest_benchmark.plugin import (
        pytest_benchmark_generate_machine_info,
    )

    facts: dict[str, Any] = pytest_benchmark_generate_machine_info()  # type: ignore[no-untyped-call]
    cpu = facts.get("cpu") or {}
    memory_bytes = _memory_bytes()
    identity = "\n".join(
        str(part)
        for part in (facts.get("node"), cpu.get("brand_raw"), cpu.get("count"), memory_bytes)
    )
    return {
        "machine_id": hashlib.sha256(identity.encode()).hexdigest()[:12],
        **facts,
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_bytes": memory_bytes,
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

    Not pytest-benchmark's ``get_commit_info``: that one reads the working directory only
    (the gate describes a base worktree elsewhere) and calls any change dirty, while here
    generated outputs under ``results/`` do not make a checkout dirty.

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
    status = _git(
        path,
        "--no-optional-locks",
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        ".",
        ":(exclude,top)results",
    )
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


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None
