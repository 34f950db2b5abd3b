"""R8: every rotation-session holds between its minimum and maximum of residents.

Coverage rows give the bounds per session on the days a rotation is open
(``Rotation.open_on``). On a closed day, and in a session without a coverage row, the
rotation takes no residents at all. Faculty do not count toward coverage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from rota.acgme.duty import build_staffing
from rota.acgme.violation import Violation, session_span
from rota.domain import Assignment, Program, Rotation, SessionDef
from rota.policy import Policy


def check_r8(
    program: Program, assignments: Iterable[Assignment], policy: Policy
) -> list[Violation]:
    """Report every (date, session, rotation) whose resident count is out of bounds.

    Args:
        program: Supplies rotations (coverage, weekend rule), sessions and the horizon.
        assignments: The schedule; unknown ids and dates outside the horizon are skipped.
        policy: Unused: coverage bounds belong to the rotations. Kept for one signature.

    Returns:
        One violation per slot out of bounds; ``value`` is the resident count and
        ``limit`` the bound it broke (0 on closed days and uncovered sessions).
    """
    del policy  # every rule check has the same signature
    residents = build_staffing(program, assignments).residents
    dates = [program.date_of(day) for day in range(program.days)]
    violations: list[Violation] = []
    for rotation in program.rotations:
        bounds = {c.session_id: (c.min_residents, c.max_residents) for c in rotation.coverage}
        for day, date in enumerate(dates):
            is_open = rotation.open_on(date)
            for session in program.sessions:
                count = len(residents.get((day, session.id, rotation.id), ()))
                low, high = bounds.get(session.id, (0, 0)) if is_open else (0, 0)
                if low <= count <= high:
                    continue
                reason = _reason(count, low, high, is_open=is_open, covered=session.id in bounds)
                limit = low if count < low else high
                violations.append(_violation(rotation, session, date, count, limit, reason))
    return violations


def _reason(count: int, low: int, high: int, *, is_open: bool, covered: bool) -> str:
    """Why ``count`` residents are out of bounds, for the message."""
    if not is_open:
        return "rotation closed on this day (limit 0)"
    if not covered:
        return "no coverage defined for this session (limit 0)"
    return f"at least {low}" if count < low else f"at most {high}"


def _violation(
    rotation: Rotation, session: SessionDef, date: dt.date, count: int, limit: int, reason: str
) -> Violation:
    """One R8 violation of a rotation-session on a date."""
    start, end = session_span(date, session)
    return Violation(
        rule="R8",
        person_id=None,
        rotation_id=rotation.id,
        start=start,
        end=end,
        value=float(count),
        limit=float(limit),
        detail=(
            f"R8 rotation {rotation.code} {date.isoformat()} {session.name}: "
            f"{count} residents ({reason})"
        ),
    )
