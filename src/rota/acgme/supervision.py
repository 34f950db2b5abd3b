"""R7: enough faculty on every supervised rotation-session that has residents.

A supervised rotation-session with residents needs at least
``policy.faculty_needed(sum of resident weights, rotation capacity)`` faculty assigned to
the same rotation in the same session of the same day. A PGY-1 weighs ``pgy1_weight``
(the rotation's own when set), everyone else ``senior_weight``. These ratios are local
policy (docs/RULES.md), configurable per rotation.
"""

from __future__ import annotations

from collections.abc import Iterable

from rota.acgme.duty import build_staffing
from rota.acgme.violation import Violation, session_span
from rota.domain import Assignment, Program
from rota.policy import Policy


def check_r7(
    program: Program, assignments: Iterable[Assignment], policy: Policy
) -> list[Violation]:
    """Report every supervised rotation-session with too few faculty for its residents.

    Args:
        program: Supplies people (PGY levels), rotations (supervision settings) and sessions.
        assignments: The schedule; unknown ids and dates outside the horizon are skipped.
        policy: Supplies the default weights and capacity.

    Returns:
        One violation per under-supervised (date, session, rotation); ``value`` is the
        faculty count and ``limit`` the faculty needed.
    """
    pgy = {p.id: p.pgy for p in program.people}
    rotations = {r.id: r for r in program.rotations if r.supervised}
    sessions = {s.id: s for s in program.sessions}
    staffing = build_staffing(program, assignments)
    violations: list[Violation] = []
    for key, residents in staffing.residents.items():
        day, session_id, rotation_id = key
        rotation = rotations.get(rotation_id)
        if rotation is None:
            continue
        weight = sum(
            # A resident without a PGY level is malformed data; weigh it as a senior.
            policy.resident_weight(pgy[pid] or 0, rotation.pgy1_weight)
            for pid in residents
        )
        needed = policy.faculty_needed(weight, rotation.supervision_capacity)
        present = len(staffing.faculty.get(key, ()))
        if present >= needed:
            continue
        date = program.date_of(day)
        session = sessions[session_id]
        start, end = session_span(date, session)
        violations.append(
            Violation(
                rule="R7",
                person_id=None,
                rotation_id=rotation.id,
                start=start,
                end=end,
                value=float(present),
                limit=float(needed),
                detail=(
                    f"R7 rotation {rotation.code} {date.isoformat()} {session.name}: "
                    f"{present} faculty for {len(residents)} residents of weight {weight} "
                    f"(need {needed})"
                ),
            )
        )
    return violations
