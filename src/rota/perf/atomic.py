"""Atomic file writes: a reader sees the old file, the complete new one, or nothing.

The data goes to a temporary file in the destination's directory (same file system, so
the final step is a rename), is flushed and fsynced, then published; the directory is
fsynced too so the new name survives a crash. On any failure the temporary file is
removed and the destination is untouched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

__all__ = [
    "create_atomic",
    "is_temp_file",
    "write_atomic",
]


_TEMP_SUFFIX = ".tmp"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, replacing any existing file atomically."""
    temp = _write_temp(path, data)
    try:
        os.replace(temp, path)
    except BaseException:
        _unlink_quietly(temp)
        raise
    _fsync_directory(path.parent)


def create_atomic(path: Path, data: bytes) -> bool:
    """Create ``path`` holding ``data`` unless it already exists; never overwrite.

    Publishing uses a hard link, which fails if the name is taken, so two writers
    racing for one name cannot overwrite each other. Where the file system has no hard
    links the name is checked and then replaced, which leaves a tiny race window.

    Returns:
        True if the file was created, False if ``path`` already existed (nothing written).
    """
    temp = _write_temp(path, data)
    try:
        try:
            os.link(temp, path)
        except FileExistsError:
            return False
        except OSError:
            # No hard links here (some network and FUSE file systems).
            if path.exists():
                return False
            os.replace(temp, path)
    finally:
        _unlink_quietly(temp)
    _fsync_directory(path.parent)
    return True


def is_temp_file(path: Path) -> bool:
    """Return whether ``path`` is one of this module's temporary files."""
    return path.name.startswith(".") and path.name.endswith(_TEMP_SUFFIX)


def _write_temp(path: Path, data: bytes) -> Path:
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}{_TEMP_SUFFIX}")
    # 0o666 minus the umask, like an ordinary file (mkstemp would force 0o600).
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        _unlink_quietly(temp)
        raise
    return temp


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _fsync_directory(directory: Path) -> None:
    # Not every platform can open a directory (Windows cannot); durability is then
    # best effort, atomicity is unaffected.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
