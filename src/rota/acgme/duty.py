"""Per-person duty on the horizon timeline: the one pass over a schedule R1-R6 share.

Minute 0 is the horizon's start date at 00:00; an assignment on horizon day ``d`` in a
session spans ``d * 1440 + start_minute`` to ``d * 1440 + end_minute``. Everything here is
integer minutes in plain lists, built in one pass over the assignments plus one sort per
person, so the window checks can run on prefix sums instead of rescanning.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import sub

from rota.domain import MINUTES_PER_DAY, Assignment, Person, Program

Interval = tuple[int, int, bool]
"""A duty interval ``(start_minute, end_minute, is_call)`` on the horizon timeline."""

Chain = tuple[int, int]
"""A maximal run of back-to-back (or overlapping) duty intervals ``(start, end)``."""


@dataclass(frozen=True, slots=True)
class PersonDuty:
    """One person's duty over the horizon.

    Attributes:
        person: Whose duty this is.
        intervals: Duty intervals sorted by start then end, exactly as assigned (a
            duplicate assignment appears twice; R10 reports it).
        chains: Maximal runs of intervals where each starts at or before the previous
            end, in time order; overlaps are merged, so the chains are disjoint.
        day_minutes: Duty minutes per horizon day: the chains split at midnight, minutes
            past the horizon's last day dropped. Overlaps count once.
        touched: Per horizon day, True when some duty overlaps the day by a minute or more
            (a night on day ``d`` touches ``d`` and ``d + 1``).
        call_nights: Per horizon day, 1 when a call night starts that day, else 0.
    """

    person: Person
    intervals: list[Interval]
    chains: list[Chain]
    day_minutes: list[int]
    touched: list[bool]
    call_nights: list[int]


@dataclass(frozen=True, slots=True)
class Duty:
    """Duty of every person with at least one assignment, keyed by person id."""

    program: Program
    people: dict[int, PersonDuty]

    def residents(self) -> list[PersonDuty]:
        """Duty of the residents (whom R1-R6 limit), in person-id order."""
        return [
            self.people[pid] for pid in sorted(self.people) if self.people[pid].person.is_resident
        ]

    def rest_bound(self, faculty: bool) -> list[PersonDuty]:
        """Duty of everyone the rest rules R3-R5 bind, in person-id order.

        Args:
            faculty: Whether the policy extends the rest rules to faculty
                (``Policy.rest_rules_bind_faculty``); residents are always bound.
        """
        if not faculty:
            return self.residents()
        return [self.people[pid] for pid in sorted(self.people)]


def build_duty(program: Program, assignments: Iterable[Assignment]) -> Duty:
    """Group a schedule by person and lay it out on the horizon timeline.

    Assignments naming an unknown person or session, or dated outside the horizon, are
    left out: R9 and R10 report them. An unknown rotation still counts as duty (not
    call). A session of zero or negative length carries no duty.
    """
    sessions = {
        s.id: (s.start_minute, s.end_minute, s.overnight)
        for s in program.sessions
        if s.end_minute > s.start_minute
    }
    call_rotations = {r.id for r in program.rotations if r.night_is_call}
    people = {p.id: p for p in program.people}
    origin = program.start_date.toordinal()
    days = program.days
    grouped: dict[int, list[Interval]] = {}
    for person_id, date, session_id, rotation_id in assignments:
        session = sessions.get(session_id)
        day = date.toordinal() - origin
        if session is None or person_id not in people or not 0 <= day < days:
            continue
        base = day * MINUTES_PER_DAY
        start, end, overnight = session
        interval = (base + start, base + end, overnight and rotation_id in call_rotations)
        if person_id in grouped:
            grouped[person_id].append(interval)
        else:
            grouped[person_id] = [interval]
    return Duty(
        program=program,
        people={pid: _lay_out(people[pid], ivs, days) for pid, ivs in grouped.items()},
    )


def _lay_out(person: Person, intervals: list[Interval], days: int) -> PersonDuty:
    """Sort one person's intervals, merge them into chains and fill the per-day arrays."""
    intervals.sort()
    chains: list[Chain] = []
    horizon_end = days * MINUTES_PER_DAY
    call_nights = [0] * days
    chain_start, chain_end = intervals[0][0], intervals[0][1]
    for start, end, is_call in intervals:
        if is_call and 0 <= start < horizon_end:
            call_nights[start // MINUTES_PER_DAY] = 1
        if start > chain_end:
            chains.append((chain_start, chain_end))
            chain_start, chain_end = start, end
        elif end > chain_end:
            chain_end = end
    chains.append((chain_start, chain_end))

    day_minutes = [0] * days
    touched = [False] * days
    for chain_start, chain_end in chains:
        # Clip to the horizon: only its days are counted (a session is data and could
        # even start before midnight of its own day).
        start, end = max(chain_start, 0), min(chain_end, horizon_end)
        # Each chain visits only the days it covers, and chains are disjoint, so this
        # loop is linear in the number of duty days, not in days x chains.
        for day in range(start // MINUTES_PER_DAY, (end - 1) // MINUTES_PER_DAY + 1):
            midnight = day * MINUTES_PER_DAY
            day_minutes[day] += min(end, midnight + MINUTES_PER_DAY) - max(start, midnight)
            touched[day] = True
    return PersonDuty(person, intervals, chains, day_minutes, touched, call_nights)


def window_totals(per_day: Sequence[int], width: int) -> list[int]:
    """Totals of every run of ``width`` consecutive days, indexed by the run's first day.

    Linear time through prefix sums; empty when ``width`` is not in ``1..len(per_day)``.
    """
    if not 0 < width <= len(per_day):
        return []
    prefix = list(accumulate(per_day, initial=0))
    return list(map(sub, prefix[width:], prefix[:-width]))


SlotKey = tuple[int, int, int]
"""A rotation-session of one day: ``(horizon day, session id, rotation id)``."""


@dataclass(frozen=True, slots=True)
class Staffing:
    """Who works each rotation-session: distinct resident and faculty ids per slot."""

    residents: dict[SlotKey, set[int]]
    faculty: dict[SlotKey, set[int]]


def build_staffing(program: Program, assignments: Iterable[Assignment]) -> Staffing:
    """Group a schedule by rotation-session, for the supervision and coverage checks.

    Only assignments with a known person, session and rotation, dated inside the horizon,
    count (R9 and R10 report the rest); a person listed twice in a slot counts once.
    """
    people = {p.id: p.is_resident for p in program.people}
    sessions = {s.id for s in program.sessions}
    rotations = {r.id for r in program.rotations}
    origin = program.start_date.toordinal()
    days = program.days
    residents: dict[SlotKey, set[int]] = {}
    faculty: dict[SlotKey, set[int]] = {}
    for person_id, date, session_id, rotation_id in assignments:
        is_resident = people.get(person_id)
        day = date.toordinal() - origin
        if (
            is_resident is None
            or session_id not in sessions
            or rotation_id not in rotations
            or not 0 <= day < days
        ):
            continue
        slots = residents if is_resident else faculty
        key = (day, session_id, rotation_id)
        if key in slots:
            slots[key].add(person_id)
        else:
            slots[key] = {person_id}
    return Staffing(residents, faculty)
