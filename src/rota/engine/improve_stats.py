"""The figures of one improvement phase, and its move kinds."""

from __future__ import annotations

from dataclasses import dataclass, field

MOVE_KINDS = ("block", "trade", "call", "weekend", "hours", "continuity")
"""Kinds of exchange the improvement phase makes, in the order its passes take turns."""


@dataclass(slots=True)
class ImprovementStats:
    """What the improvement phase did: moves tried and kept, objective before and after."""

    budget: int = 0
    tried: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MOVE_KINDS, 0))
    accepted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MOVE_KINDS, 0))
    objective_before: float = 0.0
    objective_after: float = 0.0

    @property
    def moves_tried(self) -> int:
        """Moves evaluated, all kinds."""
        return sum(self.tried.values())

    @property
    def moves_accepted(self) -> int:
        """Moves kept, all kinds."""
        return sum(self.accepted.values())

    def as_dict(self) -> dict[str, object]:
        """The figures as JSON-able data for a run record."""
        return {
            "budget": self.budget,
            "moves_tried": self.moves_tried,
            "moves_accepted": self.moves_accepted,
            "tried": dict(self.tried),
            "accepted": dict(self.accepted),
            "objective_before": self.objective_before,
            "objective_after": self.objective_after,
        }
