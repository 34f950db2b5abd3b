"""The duty-hour policy: every number the solver obeys and the validator checks.

Defaults are the ACGME common program requirements as docs/RULES.md states them (R1-R6) and
local supervision policy (R7). Each is a field so a program can tighten or relax it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WindowLimits:
    """Limits of one rolling window, already scaled to the horizon (see ``Policy.window``)."""

    days: int
    max_duty_minutes: int
    min_free_days: int
    max_call_nights: int


@dataclass(frozen=True, slots=True)
class Policy:
    """Duty-hour rules R1-R7 with their numbers.

    ``rest_rules_bind_faculty`` extends the rest rules R3-R5 to faculty (on by default):
    the solver books faculty under them and the validator checks them, so a schedule the
    validator passes never keeps a faculty member on duty longer than the solver allows.
    """

    window_days: int = 28
    max_hours_per_week: float = 80.0  # R1, averaged over the window
    min_free_days_per_window: int = 4  # R2, one day in seven
    max_continuous_hours: float = 28.0  # R3, 24 h plus 4 h of transition
    long_duty_hours: float = 24.0  # R4 applies after continuous duty this long
    rest_after_long_duty_hours: float = 14.0  # R4
    rest_between_duty_hours: float = 8.0  # R5
    max_call_nights_per_window: int = 9  # R6, every third night over 28 days
    supervision_capacity: int = 4  # R7: one faculty per this much resident weight
    pgy1_weight: int = 2  # R7: a PGY-1 counts double (1:2); others weigh 1 (1:4)
    senior_weight: int = 1
    rest_rules_bind_faculty: bool = True  # R3-R5 for faculty too (solver and validator)

    @property
    def max_continuous_minutes(self) -> int:
        """R3 limit in minutes."""
        return round(self.max_continuous_hours * 60)

    @property
    def long_duty_minutes(self) -> int:
        """R4 threshold in minutes."""
        return round(self.long_duty_hours * 60)

    @property
    def rest_after_long_duty_minutes(self) -> int:
        """R4 rest in minutes."""
        return round(self.rest_after_long_duty_hours * 60)

    @property
    def rest_between_duty_minutes(self) -> int:
        """R5 rest in minutes."""
        return round(self.rest_between_duty_hours * 60)

    def window(self, horizon_days: int) -> WindowLimits:
        """The rolling window and its limits for a horizon of ``horizon_days`` days.

        Windows lie inside the horizon. A horizon shorter than ``window_days`` has one
        window, the whole horizon, with the limits scaled by ``horizon_days / window_days``:
        maxima rounded down and minima rounded up, so a short horizon is never looser
        than a long one (R1 becomes 80 h x days / 7, as docs/RULES.md states).
        """
        days = min(self.window_days, horizon_days)
        weeks = self.window_days / 7
        full_minutes = self.max_hours_per_week * weeks * 60
        scale = days / self.window_days
        return WindowLimits(
            days=days,
            max_duty_minutes=math.floor(full_minutes * scale + 1e-9),
            min_free_days=math.ceil(self.min_free_days_per_window * scale - 1e-9),
            max_call_nights=math.floor(self.max_call_nights_per_window * scale + 1e-9),
        )

    def resident_weight(self, pgy: int, rotation_pgy1_weight: int | None = None) -> int:
        """Supervision weight of a resident (R7)."""
        if pgy == 1:
            return self.pgy1_weight if rotation_pgy1_weight is None else rotation_pgy1_weight
        return self.senior_weight

    def faculty_needed(self, total_weight: int, rotation_capacity: int | None = None) -> int:
        """Faculty a supervised rotation-session needs for this much resident weight (R7)."""
        capacity = self.supervision_capacity if rotation_capacity is None else rotation_capacity
        return -(-total_weight // capacity)


DEFAULT_POLICY = Policy()
