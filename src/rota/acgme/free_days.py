"""R2: one day in seven free, averaged over every rolling window.

A free day is a calendar day that no duty interval touches: a night starting on day ``d``
touches ``d`` and ``d + 1``, so the morning after a night is not free. Every window of
``policy.window(days).days`` days inside the horizon needs ``min_free_days`` of them.
"""

from __future__ import annotations

from rota.acgme.duty import Duty, window_totals
from rota.acgme.violation import Violation, moment, person_label
from rota.domain import MINUTES_PER_DAY, Program
from rota.policy import Policy


def check_r2(program: Program, duty: Duty, policy: Policy) -> list[Violation]:
    """Report every window in which a resident has too few free days.

    Only residents with at least one assignment can break R2: a resident with no duty at
    all has every day free.

    Args:
        program: The program whose horizon sets the windows.
        duty: The schedule laid out by ``build_duty``.
        policy: Supplies the window length and the minimum of free days.

    Returns:
        One violation per (resident, window) under the minimum, in window order.
    """
    limits = policy.window(program.days)
    width, needed = limits.days, limits.min_free_days
    violations: list[Violation] = []
    for person_duty in duty.residents():
        person = person_duty.person
        free = [0 if touched else 1 for touched in person_duty.touched]
        for first, free_days in enumerate(window_totals(free, width)):
            if free_days >= needed:
                continue
            start = moment(program, first * MINUTES_PER_DAY)
            violations.append(
                Violation(
                    rule="R2",
                    person_id=person.id,
                    rotation_id=None,
                    start=start,
                    end=moment(program, (first + width) * MINUTES_PER_DAY),
                    value=float(free_days),
                    limit=float(needed),
                    detail=(
                        f"R2 {person_label(person, person.id)}: {free_days} free days in "
                        f"{width} days from {start.date().isoformat()} (at least {needed})"
                    ),
                )
            )
    return violations
