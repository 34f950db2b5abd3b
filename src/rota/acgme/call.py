"""R6: in-house call no more often than every third night, averaged over every window.

A call night is an assignment to an overnight session of a rotation whose night counts as
call (``Rotation.night_is_call``); it belongs to the day the night starts. Every window of
``policy.window(days).days`` days inside the horizon holds at most ``max_call_nights``.
"""

from __future__ import annotations

from rota.acgme.duty import Duty, window_totals
from rota.acgme.violation import Violation, moment, person_label
from rota.domain import MINUTES_PER_DAY, Program
from rota.policy import Policy


def check_r6(program: Program, duty: Duty, policy: Policy) -> list[Violation]:
    """Report every window in which a resident takes too many call nights.

    Args:
        program: The program whose horizon sets the windows.
        duty: The schedule laid out by ``build_duty``.
        policy: Supplies the window length and the call-night limit.

    Returns:
        One violation per (resident, window) over the limit, in window order.
    """
    limits = policy.window(program.days)
    width, limit = limits.days, limits.max_call_nights
    violations: list[Violation] = []
    for person_duty in duty.residents():
        person = person_duty.person
        for first, nights in enumerate(window_totals(person_duty.call_nights, width)):
            if nights <= limit:
                continue
            start = moment(program, first * MINUTES_PER_DAY)
            violations.append(
                Violation(
                    rule="R6",
                    person_id=person.id,
                    rotation_id=None,
                    start=start,
                    end=moment(program, (first + width) * MINUTES_PER_DAY),
                    value=float(nights),
                    limit=float(limit),
                    detail=(
                        f"R6 {person_label(person, person.id)}: {nights} call nights in "
                        f"{width} days from {start.date().isoformat()} (limit {limit})"
                    ),
                )
            )
    return violations
