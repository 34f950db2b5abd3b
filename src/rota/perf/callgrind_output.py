"""Read callgrind's profile files: which benchmark a dump belongs to and its total cost.

A callgrind profile is text (the "callgrind format"): a header of ``key: value`` lines,
then per-function costs, and a ``totals:`` line with the whole profile's cost per event.
A dump made by a client request names its trigger in the header::

    desc: Trigger: Client Request: solve[tiny]
    events: Ir
    totals: 48123456

Only the header and the totals are read here; the per-function costs are for
``callgrind_annotate`` and KCachegrind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CallgrindFormatError",
    "CallgrindProfile",
    "read_profile",
    "read_profiles",
]

_CLIENT_REQUEST = "Client Request: "


class CallgrindFormatError(ValueError):
    """A file is not a callgrind profile, or one without totals."""


@dataclass(frozen=True, slots=True)
class CallgrindProfile:
    """The header facts and total costs of one callgrind profile file."""

    path: Path
    pid: int | None
    part: int | None  # dump number within the process; the final dump has the highest
    trigger: str  # e.g. "Client Request: solve[tiny]", "Program termination"
    totals: dict[str, int]  # event name (Ir, ...) -> total cost

    @property
    def label(self) -> str | None:
        """The label a client-request dump was made with, else ``None``."""
        if self.trigger.startswith(_CLIENT_REQUEST):
            return self.trigger[len(_CLIENT_REQUEST) :]
        return None

    @property
    def instructions(self) -> int:
        """Instructions executed (the ``Ir`` event)."""
        try:
            return self.totals["Ir"]
        except KeyError:
            raise CallgrindFormatError(f"{self.path}: no Ir event in the profile") from None


def read_profile(path: Path) -> CallgrindProfile:
    """Read one profile's header and totals.

    Raises:
        CallgrindFormatError: If ``path`` is not a callgrind profile or has no totals.
    """
    path = Path(path)
    header: dict[str, str] = {}
    trigger = ""
    events: list[str] = []
    totals: list[int] | None = None
    summary: list[int] | None = None
    with path.open(encoding="utf-8", errors="replace") as lines:
        first = lines.readline()
        if not first.startswith("# callgrind format") and not first.startswith("version:"):
            raise CallgrindFormatError(f"{path}: not a callgrind profile")
        for line in lines:
            key, sep, value = line.partition(":")
            if not sep or " " in key or "=" in key:
                continue  # cost lines and name definitions (fn=, calls=) carry no header
            value = value.strip()
            if key == "desc" and value.startswith("Trigger:"):
                trigger = value[len("Trigger:") :].strip()
            elif key == "events":
                events = value.split()
            elif key == "totals":
                totals = _costs(path, value)
            elif key == "summary":
                summary = _costs(path, value)
            elif key in ("pid", "part"):
                header[key] = value
    costs = totals if totals is not None else summary
    if costs is None or not events:
        raise CallgrindFormatError(f"{path}: no events or totals line")
    # Trailing events with zero cost may be left out of a cost line.
    padded = costs + [0] * (len(events) - len(costs))
    return CallgrindProfile(
        path=path,
        pid=_int_or_none(header.get("pid")),
        part=_int_or_none(header.get("part")),
        trigger=trigger,
        totals=dict(zip(events, padded, strict=False)),
    )


def read_profiles(paths: Iterable[Path]) -> dict[str, CallgrindProfile]:
    """Read client-request dumps by label; other profiles (the final dump) are left out.

    Raises:
        CallgrindFormatError: If a file is not a profile, or two dumps share a label.
    """
    profiles: dict[str, CallgrindProfile] = {}
    for path in sorted(paths):
        profile = read_profile(path)
        if profile.label is None:
            continue
        if profile.label in profiles:
            raise CallgrindFormatError(
                f"two dumps labelled {profile.label!r}: {profiles[profile.label].path}, {path}"
            )
        profiles[profile.label] = profile
    return profiles


def _costs(path: Path, value: str) -> list[int]:
    try:
        return [int(part) for part in value.split()]
    except ValueError:
        raise CallgrindFormatError(f"{path}: malformed cost line {value!r}") from None


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None
