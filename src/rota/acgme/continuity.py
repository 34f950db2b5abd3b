"""R3-R5: how long continuous duty may last and how much rest must follow it.

A chain is a maximal run of back-to-back duty intervals (the next starts where the
previous ends); ``build_duty`` has already merged them, and merged overlapping intervals
too (an overlap is R10's business, not a rest violation). A gap of zero is continuation.
After the last chain of the horizon there is no next duty, so nothing to check.

The rules bind residents, and faculty too when ``Policy.rest_rules_bind_faculty`` is set
(the default): the solver books faculty under them, and the validator proves what the
solver promises.
"""

from __future__ import annotations

from collections.abc import Iterator

from rota.acgme.duty import Chain, Duty
from rota.acgme.violation import Violation, hours, moment, person_label, stamp
from rota.domain import Person, Program
from rota.policy import Policy


def check_r3(program: Program, duty: Duty, policy: Policy) -> list[Violation]:
    """Report every chain of continuous duty longer than ``max_continuous_minutes``.

    Args:
        program: The program whose start date anchors the timeline.
        duty: The schedule laid out by ``build_duty``.
        policy: Supplies the continuous-duty limit (24 h plus 4 h of transition).

    Returns:
        One violation per over-long chain; ``start``/``end`` are the chain's.
    """
    limit = policy.max_continuous_minutes
    violations: list[Violation] = []
    for person_duty in duty.rest_bound(policy.rest_rules_bind_faculty):
        person = person_duty.person
        for start, end in person_duty.chains:
            if end - start <= limit:
                continue
            begin = moment(program, start)
            violations.append(
                Violation(
                    rule="R3",
                    person_id=person.id,
                    rotation_id=None,
                    start=begin,
                    end=moment(program, end),
                    value=hours(end - start),
                    limit=hours(limit),
                    detail=(
                        f"R3 {person_label(person, person.id)}: {hours(end - start):.1f} h "
                        f"continuous duty from {stamp(begin)} (limit {hours(limit):.1f} h)"
                    ),
                )
            )
    return violations


def check_r4(program: Program, duty: Duty, policy: Policy) -> list[Violation]:
    """Report every rest shorter than ``rest_after_long_duty_minutes`` after long duty.

    Long duty is a chain of at least ``long_duty_minutes``; the rest is the gap from its
    end to the start of the next chain.

    Returns:
        One violation per short rest; ``start``/``end`` are the rest's.
    """
    return _short_rests(program, duty, policy, long=True)


def check_r5(program: Program, duty: Duty, policy: Policy) -> list[Violation]:
    """Report every rest shorter than ``rest_between_duty_minutes`` after ordinary duty.

    Ordinary duty is a chain shorter than ``long_duty_minutes`` (R4 covers the others).

    Returns:
        One violation per short rest; ``start``/``end`` are the rest's.
    """
    return _short_rests(program, duty, policy, long=False)


def _short_rests(program: Program, duty: Duty, policy: Policy, *, long: bool) -> list[Violation]:
    """The rests that break R4 (after long chains) or R5 (after the others)."""
    rule = "R4" if long else "R5"
    needed = policy.rest_after_long_duty_minutes if long else policy.rest_between_duty_minutes
    threshold = policy.long_duty_minutes
    violations: list[Violation] = []
    for person_duty in duty.rest_bound(policy.rest_rules_bind_faculty):
        for (start, end), next_start in _rests(person_duty.chains):
            if ((end - start) >= threshold) is not long or next_start - end >= needed:
                continue
            violations.append(
                _rest_violation(program, person_duty.person, rule, (start, end), next_start, needed)
            )
    return violations


def _rests(chains: list[Chain]) -> Iterator[tuple[Chain, int]]:
    """Each chain with the start of the chain after it (chains are disjoint and ordered)."""
    for index in range(len(chains) - 1):
        yield chains[index], chains[index + 1][0]


def _rest_violation(
    program: Program, person: Person, rule: str, chain: Chain, next_start: int, needed: int
) -> Violation:
    """A too-short rest from the end of ``chain`` to ``next_start``."""
    start, end = chain
    rest_from = moment(program, end)
    kind = f"after {hours(end - start):.1f} h duty" if rule == "R4" else "between duty periods"
    return Violation(
        rule=rule,
        person_id=person.id,
        rotation_id=None,
        start=rest_from,
        end=moment(program, next_start),
        value=hours(next_start - end),
        limit=hours(needed),
        detail=(
            f"{rule} {person_label(person, person.id)}: {hours(next_start - end):.1f} h rest "
            f"{kind} ending {stamp(rest_from)} (at least {hours(needed):.1f} h)"
        ),
    )
