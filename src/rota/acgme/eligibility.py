"""R9: everyone on duty is allowed to be there.

Residents only work rotations open to their PGY level; faculty only work supervised
rotations (that is what they are scheduled for); nobody is on duty during one of their
absences: a session counts against every calendar day its interval touches, so a NIGHT
that starts the evening before a vacation and ends on its first morning is a violation.
An assignment naming an unknown person, session or rotation is a violation too, since no
rule can vouch for it.
"""

from __future__ import annotations

from collections.abc import Iterable

from rota.acgme.violation import Violation, person_label, session_span
from rota.domain import MINUTES_PER_DAY, Absence, Assignment, Person, Program, Rotation, SessionDef
from rota.policy import Policy


def check_r9(
    program: Program, assignments: Iterable[Assignment], policy: Policy
) -> list[Violation]:
    """Report every assignment of someone who may not work it.

    Args:
        program: Supplies people, sessions, rotations and absences.
        assignments: The schedule, any dates (outside the horizon is R10's business).
        policy: Unused: eligibility belongs to the rotations. Kept for one signature.

    Returns:
        One violation per problem of an assignment (an ineligible resident who is also
        absent gets two); ``value`` 1 against ``limit`` 0.
    """
    del policy  # every rule check has the same signature
    schedule = list(assignments)
    people = {p.id: p for p in program.people}
    sessions = {s.id: s for s in program.sessions}
    rotations = {r.id: r for r in program.rotations}
    absent = _absence_days(program.absences, schedule, _spill_days(program.sessions))
    violations: list[Violation] = []
    for assignment in schedule:
        person_id, date, session_id, rotation_id = assignment
        person = people.get(person_id)
        session = sessions.get(session_id)
        rotation = rotations.get(rotation_id)
        if person is None or session is None or rotation is None:
            unknown = [
                f"{what} id {value}"
                for what, value, found in (
                    ("person", person_id, person),
                    ("session", session_id, session),
                    ("rotation", rotation_id, rotation),
                )
                if found is None
            ]
            violations.append(
                _violation(assignment, person, session, "unknown " + ", ".join(unknown))
            )
            continue
        problem = _role_problem(person, rotation)
        if problem:
            violations.append(_violation(assignment, person, session, problem))
        absence = _absent_during(absent, person_id, date.toordinal(), session)
        if absence is not None:
            span = f"{absence.start.isoformat()}..{absence.end.isoformat()}"
            violations.append(
                _violation(assignment, person, session, f"absent ({absence.kind} {span})")
            )
    return violations


def _role_problem(person: Person, rotation: Rotation) -> str | None:
    """Why this person may not work this rotation at all, or None when they may."""
    if person.is_resident:
        if rotation.eligible(person.pgy):
            return None
        levels = f"PGY {rotation.min_pgy}" + (
            "+" if rotation.max_pgy is None else f"-{rotation.max_pgy}"
        )
        return f"rotation {rotation.code} is not open to PGY-{person.pgy} (open to {levels})"
    if rotation.supervised:
        return None
    return f"faculty on unsupervised rotation {rotation.code}"


def _spill_days(sessions: Iterable[SessionDef]) -> int:
    """How many calendar days after its own date the longest-reaching session touches."""
    return max((_days_touched(s)[1] for s in sessions), default=0)


def _days_touched(session: SessionDef) -> tuple[int, int]:
    """First and last day offset (from the session's date) that its interval overlaps.

    An interval ending exactly at midnight does not touch the next day; a session of zero
    or negative length touches only its own date.
    """
    first = session.start_minute // MINUTES_PER_DAY
    if session.end_minute <= session.start_minute:
        return first, first
    return first, (session.end_minute - 1) // MINUTES_PER_DAY


def _absent_during(
    absent: dict[tuple[int, int], Absence],
    person_id: int,
    ordinal: int,
    session: SessionDef,
) -> Absence | None:
    """The absence covering a day the session's interval touches, or None."""
    first, last = _days_touched(session)
    for offset in range(first, last + 1):
        absence = absent.get((person_id, ordinal + offset))
        if absence is not None:
            return absence
    return None


def _absence_days(
    absences: Iterable[Absence], schedule: list[Assignment], spill: int
) -> dict[tuple[int, int], Absence]:
    """Absences as (person id, date ordinal) -> absence, for the dates the schedule touches.

    Clipping to the schedule's date range (widened by ``spill`` days for overnight
    sessions) keeps this linear in the schedule's size even when an absence spans years.
    """
    if not schedule:
        return {}
    ordinals = [a.date.toordinal() for a in schedule]
    low, high = min(ordinals), max(ordinals) + spill
    days: dict[tuple[int, int], Absence] = {}
    for absence in absences:
        first = max(absence.start.toordinal(), low)
        last = min(absence.end.toordinal(), high)
        for ordinal in range(first, last + 1):
            days.setdefault((absence.person_id, ordinal), absence)
    return days


def _violation(
    assignment: Assignment, person: Person | None, session: SessionDef | None, problem: str
) -> Violation:
    """One R9 violation of an assignment."""
    start, end = session_span(assignment.date, session)
    where = assignment.date.isoformat() + ("" if session is None else f" {session.name}")
    return Violation(
        rule="R9",
        person_id=assignment.person_id,
        rotation_id=assignment.rotation_id,
        start=start,
        end=end,
        value=1.0,
        limit=0.0,
        detail=f"R9 {person_label(person, assignment.person_id)} on {where}: {problem}",
    )
