"""The one result type of every rule check: a ``Violation`` of one rule.

A violation names the rule, who or what broke it, when (the window, interval, chain or
session it concerns, as local date-times), and by how much (``value`` against ``limit`` in
the rule's natural unit: hours for R1 and R3-R5, days for R2, call nights for R6, faculty
for R7, residents for R8, counts for R9 and R10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rota.domain import MINUTES_PER_DAY, Person, Program, SessionDef


@dataclass(frozen=True, slots=True)
class Violation:
    """One breach of one rule, with a one-line human message in ``detail``."""

    rule: str
    person_id: int | None
    rotation_id: int | None
    start: dt.datetime
    end: dt.datetime
    value: float
    limit: float
    detail: str

    @property
    def rule_number(self) -> int:
        """The rule's number (``"R7"`` -> 7), for ordering R10 after R9."""
        return int(self.rule.removeprefix("R"))

    def sort_key(self) -> tuple[int, int, dt.datetime, int, dt.datetime, str]:
        """Order of a validation report: rule number, person, start, then the rest."""
        return (
            self.rule_number,
            -1 if self.person_id is None else self.person_id,
            self.start,
            -1 if self.rotation_id is None else self.rotation_id,
            self.end,
            self.detail,
        )


def moment(program: Program, minute: int) -> dt.datetime:
    """Local date-time of a minute on the horizon timeline (minute 0 = start date 00:00)."""
    origin = dt.datetime.combine(program.start_date, dt.time())
    return origin + dt.timedelta(minutes=minute)


def session_span(date: dt.date, session: SessionDef | None) -> tuple[dt.datetime, dt.datetime]:
    """Local start and end of a session on a date; the whole day when the session is unknown."""
    midnight = dt.datetime.combine(date, dt.time())
    if session is None:
        return midnight, midnight + dt.timedelta(minutes=MINUTES_PER_DAY)
    return (
        midnight + dt.timedelta(minutes=session.start_minute),
        midnight + dt.timedelta(minutes=session.end_minute),
    )


def person_label(person: Person | None, person_id: int) -> str:
    """How a message names a person: ``resident R012``, or ``person #7`` when unknown."""
    if person is None:
        return f"person #{person_id}"
    return f"{person.role.value} {person.code}"


def stamp(when: dt.datetime) -> str:
    """A date-time in messages: ``2027-01-04T17:00``, or just the date at midnight."""
    if when.hour == 0 and when.minute == 0:
        return when.date().isoformat()
    return when.strftime("%Y-%m-%dT%H:%M")


def hours(minutes: int) -> float:
    """Minutes as hours, the unit R1 and R3-R5 report in."""
    return minutes / 60
