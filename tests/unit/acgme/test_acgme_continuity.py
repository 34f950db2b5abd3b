"""R3-R5: continuous duty and the rest after it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from rota.acgme.continuity import check_r3, check_r4, check_r5
from rota.acgme.duty import build_duty
from rota.domain import Assignment, Program
from rota.policy import DEFAULT_POLICY

MakeProgram = Callable[..., Program]
Assign = Callable[..., Assignment]


@pytest.mark.parametrize(
    ("transition_minutes", "fails"),
    [
        pytest.param(210, False, id="27.5h"),
        pytest.param(240, False, id="28h"),
        pytest.param(270, True, id="28.5h"),
    ],
)
def test_r3_continuous_duty_boundary(
    make_program: MakeProgram, assign: Assign, transition_minutes: int, fails: bool
) -> None:
    """A 28 h chain (day, night, morning transition) passes and 28.5 h fails."""
    program = make_program(
        days=3,
        sessions=[
            ("DAY", 420, 1020),
            ("NIGHT", 1020, 1860),
            ("TRANS", 420, 420 + transition_minutes),
        ],
    )
    schedule = [
        assign(program, 1, 0, "DAY"),
        assign(program, 1, 0, "NIGHT"),
        assign(program, 1, 1, "TRANS"),
    ]
    violations = check_r3(program, build_duty(program, schedule), DEFAULT_POLICY)
    expected = 24 + transition_minutes / 60
    assert [v.rule for v in violations] == (["R3"] if fails else [])
    assert [x for v in violations for x in (v.value, v.limit)] == pytest.approx(
        [expected, 28.0] if fails else []
    )
    if fails:
        assert (violations[0].start.isoformat(), violations[0].end.isoformat()) == (
            "2027-01-04T07:00:00",
            "2027-01-05T11:30:00",
        )
        assert violations[0].detail == (
            "R3 resident R001: 28.5 h continuous duty from 2027-01-04T07:00 (limit 28.0 h)"
        )


def test_r3_merges_duplicates_and_stops_at_a_gap(make_program: MakeProgram, assign: Assign) -> None:
    """A duplicated interval does not lengthen a chain, and a one-minute gap splits one."""
    program = make_program(
        days=3, sessions=[("DAY", 420, 1020), ("NIGHT", 1020, 1860), ("LATE", 421, 1020)]
    )
    schedule = [
        assign(program, 1, 0, "DAY"),
        assign(program, 1, 0, "NIGHT"),
        assign(program, 1, 0, "NIGHT"),
        assign(program, 1, 1, "LATE"),  # starts 07:01, one minute after the night ends
    ]
    assert check_r3(program, build_duty(program, schedule), DEFAULT_POLICY) == []


LONG_DAY = [("DAY", 420, 1020), ("NIGHT", 1020, 1860)]


@pytest.mark.parametrize(
    ("day_start", "next_start", "r4", "r5"),
    [
        pytest.param(420, 1260, [], [], id="24h-then-14h-rest"),
        pytest.param(420, 1230, [13.5], [], id="24h-then-13.5h-rest"),
        pytest.param(420, 870, [7.5], [], id="24h-then-7.5h-rest-is-R4-only"),
        pytest.param(450, 1230, [], [], id="23.5h-then-13.5h-rest"),
        pytest.param(450, 870, [], [7.5], id="23.5h-then-7.5h-rest"),
    ],
)
def test_r4_rest_after_long_duty_boundary(
    make_program: MakeProgram,
    assign: Assign,
    day_start: int,
    next_start: int,
    r4: list[float],
    r5: list[float],
) -> None:
    """After 24 h of duty 14 h of rest pass and 13.5 h fail; shorter duty needs only 8 h."""
    program = make_program(
        days=3,
        sessions=[
            ("DAY", day_start, 1020),
            ("NIGHT", 1020, 1860),
            ("NEXT", next_start, next_start + 60),
        ],
    )
    schedule = [
        assign(program, 1, 0, "DAY"),
        assign(program, 1, 0, "NIGHT"),
        assign(program, 1, 1, "NEXT"),
    ]
    duty = build_duty(program, schedule)
    assert [v.value for v in check_r4(program, duty, DEFAULT_POLICY)] == pytest.approx(r4)
    assert [v.value for v in check_r5(program, duty, DEFAULT_POLICY)] == pytest.approx(r5)


def test_r4_violation_spans_the_rest(make_program: MakeProgram, assign: Assign) -> None:
    """An R4 violation runs from the end of the long duty to the start of the next."""
    program = make_program(days=3, sessions=[*LONG_DAY, ("NEXT", 1230, 1290)])
    schedule = [
        assign(program, 1, 0, "DAY"),
        assign(program, 1, 0, "NIGHT"),
        assign(program, 1, 1, "NEXT"),
    ]
    (violation,) = check_r4(program, build_duty(program, schedule), DEFAULT_POLICY)
    assert (violation.start.isoformat(), violation.end.isoformat()) == (
        "2027-01-05T07:00:00",
        "2027-01-05T20:30:00",
    )
    assert violation.person_id == 1
    assert violation.limit == pytest.approx(14.0)
    assert violation.detail == (
        "R4 resident R001: 13.5 h rest after 24.0 h duty ending 2027-01-05T07:00 (at least 14.0 h)"
    )


@pytest.mark.parametrize(
    ("next_session", "next_day", "expected"),
    [
        pytest.param("EARLY", 1, [], id="8h-rest"),
        pytest.param("EARLIER", 1, [7.5], id="7.5h-rest"),
        pytest.param("NIGHT", 0, [], id="back-to-back-is-continuation"),
        pytest.param("EVENING", 0, [3.0], id="3h-rest-same-day"),
    ],
)
def test_r5_rest_between_duty_boundary(
    make_program: MakeProgram,
    assign: Assign,
    next_session: str,
    next_day: int,
    expected: list[float],
) -> None:
    """Between ordinary duty periods 8 h of rest pass, 7.5 h fail, and no gap is no rest."""
    program = make_program(
        days=2,
        sessions=[
            ("PM", 720, 1020),
            ("NIGHT", 1020, 1860),
            ("EARLY", 60, 120),
            ("EARLIER", 30, 120),
            ("EVENING", 1200, 1260),
        ],
    )
    schedule = [assign(program, 1, 0, "PM"), assign(program, 1, next_day, next_session)]
    violations = check_r5(program, build_duty(program, schedule), DEFAULT_POLICY)
    assert [v.value for v in violations] == pytest.approx(expected)
    assert all(v.limit == pytest.approx(8.0) for v in violations)


def test_rest_rules_ignore_the_end_of_the_horizon_and_unbound_faculty(
    make_program: MakeProgram, assign: Assign
) -> None:
    """The last duty has no next duty to rest before; faculty rest is unchecked when off."""
    program = make_program(days=2, sessions=[*LONG_DAY, ("NEXT", 1230, 1290)])
    schedule = [
        assign(program, 1, 1, "DAY"),
        assign(program, 1, 1, "NIGHT"),
        assign(program, 101, 0, "DAY"),
        assign(program, 101, 0, "NIGHT"),
        assign(program, 101, 1, "NEXT"),
    ]
    duty = build_duty(program, schedule)
    policy = replace(DEFAULT_POLICY, rest_rules_bind_faculty=False)
    for check in (check_r3, check_r4, check_r5):
        assert check(program, duty, policy) == []
