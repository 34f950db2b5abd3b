"""The six dataset tiers of docs/RULES.md: fixed sizes every benchmark names."""

from __future__ import annotations

from dataclasses import dataclass

from rota.errors import UsageError


@dataclass(frozen=True, slots=True)
class Tier:
    """Size of one seeded dataset."""

    name: str
    pgy_counts: tuple[int, ...]  # residents per PGY level, PGY-1 first
    faculty: int
    rotations: int
    days: int
    sessions_per_day: int = 3

    @property
    def residents(self) -> int:
        """Number of residents over all PGY levels."""
        return sum(self.pgy_counts)

    @property
    def resident_sessions(self) -> int:
        """Residents x days x sessions per day."""
        return self.residents * self.days * self.sessions_per_day


TIERS: dict[str, Tier] = {
    t.name: t
    for t in (
        Tier("tiny", (2, 2, 2), faculty=3, rotations=4, days=14),
        Tier("small", (4, 4, 4), faculty=6, rotations=6, days=28),
        Tier("medium", (8, 8, 8), faculty=10, rotations=8, days=28),
        Tier("large", (22, 20, 18), faculty=20, rotations=10, days=56),
        Tier("xlarge", (36, 34, 30), faculty=30, rotations=12, days=84),
        Tier("stress", (64, 60, 56), faculty=60, rotations=14, days=364),
    )
}
DEFAULT_TIERS = ("tiny", "small", "medium", "large")


def get_tier(name: str) -> Tier:
    """The tier called ``name``, or a ``UsageError`` listing the known ones."""
    try:
        return TIERS[name]
    except KeyError:
        known = ", ".join(TIERS)
        raise UsageError(f"unknown tier {name!r}: choose one of {known}") from None


def parse_tiers(spec: str) -> tuple[Tier, ...]:
    """Tiers from a comma list such as ``"tiny,small"``, or ``"all"``."""
    if spec.strip() == "all":
        return tuple(TIERS.values())
    names = [part.strip() for part in spec.split(",") if part.strip()]
    if not names:
        raise UsageError("no tier given: pass a comma list such as tiny,small or 'all'")
    return tuple(get_tier(name) for name in names)
