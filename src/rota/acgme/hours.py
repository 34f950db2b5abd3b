"""R1: at most 80 duty hours a week, averaged over every rolling window.

Every window of ``policy.window(days).days`` consecutive calendar days inside the horizon
holds at most ``max_duty_minutes`` of duty, counted exactly (minute by minute within the
window's days). A horizon shorter than the window has one window, the whole horizon, with
the limit scaled by ``Policy.window``.
"""

from __future__ import annotations

from rota.acgme.duty import Duty, window_totals
from rota.acgme.violation import Violation, hours, moment, person_label
from rota.domain import MINUTES_PER_DAY, Program
from rota.policy import Policy


def check_r1(program: Program, duty: Duty, policy: Policy) -> list[Violation]:
    """Report every window in which a resident's duty exceeds the R1 limit.

    Args:
        program: The program whose horizon sets the windows.
        duty: The schedule laid out by ``build_duty``.
        policy: Supplies the window length and its duty-minute limit.

    Returns:
        One violation per (resident, window) over the limit, in window order.
    """
    limits = policy.window(program.days)
    width, limit = limits.days, limits.max_duty_minutes
    violations: list[Violation] = []
    for person_duty in duty.residents():
        person = person_duty.person
        for first, total in enumerate(window_totals(person_duty.day_minutes, width)):
            if total <= limit:
                continue
            start = moment(program, first * MINUTES_PER_DAY)
            violations.append(
                Violation(
                    rule="R1",
                    person_id=person.id,
                    rotation_id=None,
                    start=start,
                    end=moment(program, (first + width) * MINUTES_PER_DAY),
                    value=hours(total),
                    limit=hours(limit),
                    detail=(
                        f"R1 {person_label(person, person.id)}: {hours(total):.1f} h in "
                        f"{width} days from {start.date().isoformat()} "
                        f"(limit {hours(limit):.1f} h)"
                    ),
                )
            )
    return violations
