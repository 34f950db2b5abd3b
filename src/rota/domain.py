"""Plain in-memory domain types shared by the generator, the solver and the validator.

The engine works on these; SQLAlchemy lives at the edges (``rota.db``). Nothing here
knows about the database, the solver or the validator, so each of those can import it
without importing the others.

Time is measured in whole minutes. A session is an interval of a day given as offsets
from that day's midnight; an overnight session ends after minute 1440 (NIGHT 17:00-07:00
is ``start_minute=1020, end_minute=1860``). A duty interval on horizon day ``d`` spans
minutes ``d * 1440 + start_minute`` to ``d * 1440 + end_minute`` of the horizon.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

MINUTES_PER_DAY = 1440


class Role(StrEnum):
    """What a person is in the program."""

    RESIDENT = "resident"
    FACULTY = "faculty"


class WeekendRule(StrEnum):
    """Whether a rotation runs on Saturdays and Sundays."""

    STAFFED = "staffed"  # same coverage every day of the week
    CLOSED = "closed"  # no sessions on Saturday or Sunday (clinics)


@dataclass(frozen=True, slots=True)
class SessionDef:
    """One session of the day, e.g. AM 07:00-12:00 (data, never a constant in code)."""

    id: int
    name: str
    start_minute: int
    end_minute: int

    @property
    def minutes(self) -> int:
        """Length of the session in minutes."""
        return self.end_minute - self.start_minute

    @property
    def overnight(self) -> bool:
        """True when the session ends on the next calendar day."""
        return self.end_minute > MINUTES_PER_DAY


@dataclass(frozen=True, slots=True)
class Person:
    """A resident (with a PGY level) or a faculty member (``pgy`` is None)."""

    id: int
    code: str
    role: Role
    pgy: int | None
    name: str

    @property
    def is_resident(self) -> bool:
        """True for residents, whose duty the ACGME rules R1-R6 limit."""
        return self.role is Role.RESIDENT


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many residents a rotation needs in one session of the day."""

    session_id: int
    min_residents: int
    max_residents: int


@dataclass(frozen=True, slots=True)
class Rotation:
    """An activity residents are scheduled on.

    ``supervised`` rotations need faculty in every staffed session (rule R7): at least
    ``ceil(sum of resident weights / capacity)``; ``supervision_capacity`` and
    ``pgy1_weight`` override the policy defaults when not None. When ``night_is_call``
    is set, an overnight session of this rotation counts as an in-house call night (R6).
    """

    id: int
    code: str
    name: str
    kind: str
    min_pgy: int
    max_pgy: int | None
    coverage: tuple[Coverage, ...]
    supervised: bool
    supervision_capacity: int | None
    pgy1_weight: int | None
    weekend_rule: WeekendRule
    night_is_call: bool

    def eligible(self, pgy: int | None) -> bool:
        """True when a resident of this PGY level may work on the rotation (R9)."""
        if pgy is None:
            return False
        return pgy >= self.min_pgy and (self.max_pgy is None or pgy <= self.max_pgy)

    def open_on(self, day: dt.date) -> bool:
        """True when the rotation runs on this calendar day (weekend rule)."""
        return self.weekend_rule is WeekendRule.STAFFED or day.weekday() < 5


@dataclass(frozen=True, slots=True)
class Absence:
    """A person unavailable from ``start`` to ``end`` inclusive (vacation, conference, sick)."""

    person_id: int
    start: dt.date
    end: dt.date
    kind: str


@dataclass(frozen=True, slots=True)
class Program:
    """A residency program over a horizon: the whole input of one schedule generation."""

    start_date: dt.date
    days: int
    sessions: tuple[SessionDef, ...]
    people: tuple[Person, ...]
    rotations: tuple[Rotation, ...]
    absences: tuple[Absence, ...]

    def date_of(self, day: int) -> dt.date:
        """Calendar date of horizon day ``day`` (0-based)."""
        return self.start_date + dt.timedelta(days=day)

    def day_of(self, date: dt.date) -> int:
        """Horizon day index (0-based) of a calendar date."""
        return (date - self.start_date).days

    @property
    def residents(self) -> tuple[Person, ...]:
        """The residents, in program order."""
        return tuple(p for p in self.people if p.is_resident)

    @property
    def faculty(self) -> tuple[Person, ...]:
        """The faculty members, in program order."""
        return tuple(p for p in self.people if not p.is_resident)

    @property
    def resident_sessions(self) -> int:
        """Residents x days x sessions: the size every benchmark is plotted against."""
        return len(self.residents) * self.days * len(self.sessions)


class Assignment(NamedTuple):
    """One person on duty on one rotation in one session of one date.

    A schedule is a list of these; time off is the absence of an assignment.
    """

    person_id: int
    date: dt.date
    session_id: int
    rotation_id: int
