"""Run the rule checks over a schedule and report every violation, in a stable order.

The validator is independent of the solver: it takes any schedule (a ``Program`` and its
assignments, from the engine, the database or an exported CSV) and never imports
``rota.engine``. R1-R6 share one pass that lays the schedule out per person
(``build_duty``); R7-R10 read the assignments directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rota.acgme.call import check_r6
from rota.acgme.continuity import check_r3, check_r4, check_r5
from rota.acgme.coverage import check_r8
from rota.acgme.duty import Duty, build_duty
from rota.acgme.eligibility import check_r9
from rota.acgme.free_days import check_r2
from rota.acgme.hours import check_r1
from rota.acgme.supervision import check_r7
from rota.acgme.uniqueness import check_r10
from rota.acgme.violation import Violation
from rota.domain import Assignment, Program
from rota.errors import UsageError
from rota.policy import DEFAULT_POLICY, Policy

DutyCheck = Callable[[Program, Duty, Policy], list[Violation]]
"""A check of R1-R6: reads the per-person duty built once by ``build_duty``."""

AssignmentCheck = Callable[[Program, Sequence[Assignment], Policy], list[Violation]]
"""A check of R7-R10: reads the assignments themselves."""

DUTY_CHECKS: dict[str, DutyCheck] = {
    "R1": check_r1,
    "R2": check_r2,
    "R3": check_r3,
    "R4": check_r4,
    "R5": check_r5,
    "R6": check_r6,
}
ASSIGNMENT_CHECKS: dict[str, AssignmentCheck] = {
    "R7": check_r7,
    "R8": check_r8,
    "R9": check_r9,
    "R10": check_r10,
}
RULES: dict[str, DutyCheck | AssignmentCheck] = {**DUTY_CHECKS, **ASSIGNMENT_CHECKS}
"""Every rule id, ``"R1"`` to ``"R10"`` in order, mapped to its check."""


def validate(
    program: Program,
    assignments: Iterable[Assignment],
    policy: Policy = DEFAULT_POLICY,
    rules: Iterable[str] | None = None,
) -> list[Violation]:
    """Check a schedule against the rules and return every violation.

    Args:
        program: The program the schedule is for.
        assignments: The schedule; time off is the absence of an assignment.
        policy: The numbers the rules use.
        rules: Rule ids to check (``"R1"`` ... ``"R10"``); all of them when None.

    Returns:
        The violations sorted by rule number, person (rotation-level ones first), start.
        An empty list means the schedule obeys every rule checked.

    Raises:
        UsageError: A rule id is not one of ``RULES``.
    """
    selected = _select(rules)
    schedule = list(assignments)
    duty = build_duty(program, schedule) if any(r in DUTY_CHECKS for r in selected) else None
    violations: list[Violation] = []
    for rule in selected:
        if duty is not None and rule in DUTY_CHECKS:
            violations.extend(DUTY_CHECKS[rule](program, duty, policy))
        else:
            violations.extend(ASSIGNMENT_CHECKS[rule](program, schedule, policy))
    violations.sort(key=Violation.sort_key)
    return violations


def summarize(violations: Iterable[Violation]) -> dict[str, int]:
    """Count violations per rule: every rule id of ``RULES`` in order, zeros included."""
    counts = dict.fromkeys(RULES, 0)
    for violation in violations:
        counts[violation.rule] = counts.get(violation.rule, 0) + 1
    return counts


def _select(rules: Iterable[str] | None) -> list[str]:
    """The rule ids to run, in rule order, or a ``UsageError`` naming an unknown one."""
    if rules is None:
        return list(RULES)
    wanted = {rule.strip().upper() for rule in rules}
    unknown = sorted(wanted - RULES.keys())
    if unknown:
        raise UsageError(f"unknown rule {', '.join(unknown)}: choose from {', '.join(RULES)}")
    return [rule for rule in RULES if rule in wanted]
