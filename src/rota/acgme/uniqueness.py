"""R10: one activity per person per session, and only on the horizon's days.

Two assignments of one person to the same session of the same date (same rotation or
not) break R10 once per (person, date, session). An assignment dated outside the horizon
breaks it on its own: the schedule covers the horizon and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from rota.acgme.violation import Violation, person_label, session_span
from rota.domain import Assignment, Program
from rota.policy import Policy


def check_r10(
    program: Program, assignments: Iterable[Assignment], policy: Policy
) -> list[Violation]:
    """Report duplicate (person, date, session) assignments and dates outside the horizon.

    Args:
        program: Supplies the horizon, people and sessions (for messages).
        assignments: The schedule.
        policy: Unused: uniqueness has no number to configure. Kept for one signature.

    Returns:
        One violation per duplicated (person, date, session), ``value`` the number of
        assignments against ``limit`` 1; one per assignment outside the horizon, ``value``
        1 against ``limit`` 0.
    """
    del policy  # every rule check has the same signature
    people = {p.id: p for p in program.people}
    sessions = {s.id: s for s in program.sessions}
    first, last = program.start_date, program.date_of(program.days - 1)
    horizon = f"{first.isoformat()}..{last.isoformat()}"
    counts: Counter[tuple[int, dt.date, int]] = Counter()
    violations: list[Violation] = []
    for person_id, date, session_id, rotation_id in assignments:
        counts[person_id, date, session_id] += 1
        if first <= date <= last:
            continue
        start, end = session_span(date, sessions.get(session_id))
        violations.append(
            Violation(
                rule="R10",
                person_id=person_id,
                rotation_id=rotation_id,
                start=start,
                end=end,
                value=1.0,
                limit=0.0,
                detail=(
                    f"R10 {person_label(people.get(person_id), person_id)}: assignment on "
                    f"{date.isoformat()} outside the horizon {horizon}"
                ),
            )
        )
    for (person_id, date, session_id), count in counts.items():
        if count < 2:
            continue
        session = sessions.get(session_id)
        start, end = session_span(date, session)
        name = f"session #{session_id}" if session is None else session.name
        violations.append(
            Violation(
                rule="R10",
                person_id=person_id,
                rotation_id=None,
                start=start,
                end=end,
                value=float(count),
                limit=1.0,
                detail=(
                    f"R10 {person_label(people.get(person_id), person_id)} on "
                    f"{date.isoformat()} {name}: {count} assignments (at most 1)"
                ),
            )
        )
    return violations
