"""Property test: the window and chain rules agree with a minute-by-minute brute force.

The reference below shares nothing with the validator but the domain types and the
policy's numbers: it paints every duty minute into a byte array, counts minutes and free
days by rescanning every window, and finds chains as runs of painted minutes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from rota.acgme import validate
from rota.domain import (
    Assignment,
    Coverage,
    Person,
    Program,
    Role,
    Rotation,
    SessionDef,
    WeekendRule,
)
from rota.policy import Policy

DAY = 1440
START = dt.datetime(2027, 1, 4)
CALL, FLOAT = 1, 2
Key = tuple[str, int, int, int]


def _rotation(rotation_id: int, code: str, *, call: bool, sessions: int) -> Rotation:
    coverage = tuple(Coverage(s, 0, 99) for s in range(1, sessions + 1))
    return Rotation(
        rotation_id,
        code,
        code,
        "test",
        1,
        None,
        coverage,
        True,
        None,
        None,
        WeekendRule.STAFFED,
        call,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Program, list[Assignment], Policy]:
    """A random program (1-35 days, 1-4 random sessions) with a dense random schedule."""
    days = draw(st.integers(1, 35))
    session_count = draw(st.integers(1, 4))
    sessions = []
    for index in range(1, session_count + 1):
        start = draw(st.integers(0, 47)) * 30
        length = draw(st.integers(1, 48)) * 30
        sessions.append(SessionDef(index, f"S{index}", start, start + length))
    residents = draw(st.integers(1, 3))
    people = tuple(
        Person(i, f"R{i:03}", Role.RESIDENT, 1 + i % 3, "") for i in range(1, residents + 1)
    )
    people += (Person(100, "F001", Role.FACULTY, None, ""),)
    program = Program(
        dt.date(2027, 1, 4),
        days,
        tuple(sessions),
        people,
        (
            _rotation(CALL, "CALL", call=True, sessions=session_count),
            _rotation(FLOAT, "FLOAT", call=False, sessions=session_count),
        ),
        (),
    )
    assignments: list[Assignment] = []
    for person in people:
        # Per day: one bit per session (on duty or not), and one bit for the rotation.
        masks = draw(
            st.lists(st.integers(0, 2 ** (session_count + 1) - 1), min_size=days, max_size=days)
        )
        for day, mask in enumerate(masks):
            rotation = CALL if mask >> session_count else FLOAT
            assignments.extend(
                Assignment(person.id, program.date_of(day), s.id, rotation)
                for s in sessions
                if mask >> (s.id - 1) & 1
            )
    if assignments:
        assignments += draw(st.lists(st.sampled_from(assignments), max_size=3))  # duplicates
    policy = Policy(
        window_days=draw(st.sampled_from([7, 14, 28])),
        max_hours_per_week=draw(st.sampled_from([40.0, 60.0, 80.0])),
        min_free_days_per_window=draw(st.integers(0, 4)),
        max_continuous_hours=draw(st.sampled_from([8.0, 16.0, 28.0])),
        long_duty_hours=draw(st.sampled_from([6.0, 12.0, 24.0])),
        rest_after_long_duty_hours=draw(st.sampled_from([10.0, 14.0])),
        rest_between_duty_hours=draw(st.sampled_from([4.0, 8.0])),
        max_call_nights_per_window=draw(st.integers(0, 9)),
        rest_rules_bind_faculty=draw(st.booleans()),
    )
    return program, assignments, policy


def _reference(program: Program, assignments: Sequence[Assignment], policy: Policy) -> set[Key]:
    """R1-R6 violations as (rule, person, start minute, value in minutes or units)."""
    sessions = {s.id: s for s in program.sessions}
    limits = policy.window(program.days)
    width = limits.days
    found: set[Key] = set()
    for person in program.people:
        if not person.is_resident and not policy.rest_rules_bind_faculty:
            continue
        busy = bytearray((program.days + 2) * DAY)
        calls: set[int] = set()
        for a in assignments:
            if a.person_id != person.id:
                continue
            session, day = sessions[a.session_id], program.day_of(a.date)
            low, high = day * DAY + session.start_minute, day * DAY + session.end_minute
            busy[low:high] = b"\x01" * (high - low)
            if session.end_minute > DAY and a.rotation_id == CALL:
                calls.add(day)
        for first in range(program.days - width + 1 if person.is_resident else 0):
            low, high = first * DAY, (first + width) * DAY
            minutes = busy.count(1, low, high)
            if minutes > limits.max_duty_minutes:
                found.add(("R1", person.id, low, minutes))
            free = sum(
                1 for d in range(first, first + width) if busy.count(1, d * DAY, (d + 1) * DAY) == 0
            )
            if free < limits.min_free_days:
                found.add(("R2", person.id, low, free))
            nights = sum(1 for d in calls if first <= d < first + width)
            if nights > limits.max_call_nights:
                found.add(("R6", person.id, low, nights))
        runs = []
        position = busy.find(1)
        while position >= 0:
            end = busy.find(0, position)
            runs.append((position, end))
            position = busy.find(1, end)
        for start, end in runs:
            if end - start > policy.max_continuous_minutes:
                found.add(("R3", person.id, start, end - start))
        for (start, end), (next_start, _) in itertools.pairwise(runs):
            long = end - start >= policy.long_duty_minutes
            rest = next_start - end
            if long and rest < policy.rest_after_long_duty_minutes:
                found.add(("R4", person.id, end, rest))
            if not long and rest < policy.rest_between_duty_minutes:
                found.add(("R5", person.id, end, rest))
    return found


@settings(max_examples=150, deadline=None)
@given(scenario=scenarios(), seed=st.randoms(use_true_random=False))
def test_window_and_chain_rules_match_brute_force(
    scenario: tuple[Program, list[Assignment], Policy], seed: random.Random
) -> None:
    """R1-R6 report exactly what a minute-by-minute rescan finds, whatever the input order."""
    program, assignments, policy = scenario
    rules = ["R1", "R2", "R3", "R4", "R5", "R6"]
    violations = validate(program, assignments, policy, rules=rules)
    hourly = {"R1", "R3", "R4", "R5"}
    got = {
        (
            v.rule,
            v.person_id or 0,
            round((v.start - START).total_seconds() / 60),
            round(v.value * 60) if v.rule in hourly else round(v.value),
        )
        for v in violations
    }
    assert len(got) == len(violations)
    assert got == _reference(program, assignments, policy)
    shuffled = list(assignments)
    seed.shuffle(shuffled)
    assert validate(program, shuffled, policy, rules=rules) == violations
