"""R2: free calendar days per rolling window."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rota.acgme.duty import build_duty
from rota.acgme.free_days import check_r2
from rota.domain import Assignment, Program
from rota.policy import DEFAULT_POLICY

MakeProgram = Callable[..., Program]
Assign = Callable[..., Assignment]

SESSIONS = [("PM", 720, 1020), ("NIGHT", 1020, 1860), ("LATE", 1020, 1440)]


@pytest.mark.parametrize(
    ("free", "other", "other_session", "expected_free"),
    [
        pytest.param({3, 10, 17, 24}, set(), "PM", None, id="4-free-days-pass"),
        pytest.param({3, 10, 17}, set(), "PM", 3, id="3-free-days-fail"),
        pytest.param({3, 10, 17, 24}, {23}, "NIGHT", 3, id="night-touches-next-day"),
        pytest.param({3, 10, 17, 24}, {25}, "NIGHT", None, id="night-after-free-day"),
        pytest.param({3, 10, 17, 24}, {23}, "LATE", None, id="duty-ending-at-midnight"),
        pytest.param({3, 10, 17, 24}, {27}, "NIGHT", None, id="night-on-last-day"),
    ],
)
def test_r2_free_day_boundary(
    make_program: MakeProgram,
    assign: Assign,
    free: set[int],
    other: set[int],
    other_session: str,
    expected_free: int | None,
) -> None:
    """Four untouched days pass, three fail, and a night makes the next day not free."""
    program = make_program(days=28, sessions=SESSIONS)
    schedule = [
        assign(program, 1, day, other_session if day in other else "PM")
        for day in range(28)
        if day not in free
    ]
    violations = check_r2(program, build_duty(program, schedule), DEFAULT_POLICY)
    assert [(v.rule, v.person_id, v.value, v.limit) for v in violations] == (
        [] if expected_free is None else [("R2", 1, expected_free, 4)]
    )


def test_r2_scales_to_a_short_horizon(make_program: MakeProgram, assign: Assign) -> None:
    """A 14-day horizon needs two free days: two pass, one fails."""
    program = make_program(days=14, sessions=SESSIONS)
    two_free = [assign(program, 1, day, "PM") for day in range(14) if day not in (4, 11)]
    one_free = [assign(program, 2, day, "PM") for day in range(14) if day != 4]
    violations = check_r2(program, build_duty(program, two_free + one_free), DEFAULT_POLICY)
    assert [(v.person_id, v.value, v.limit) for v in violations] == [(2, 1, 2)]
    assert (
        violations[0].detail
        == "R2 resident R002: 1 free days in 14 days from 2027-01-04 (at least 2)"
    )


def test_r2_reports_every_window_short_of_free_days(
    make_program: MakeProgram, assign: Assign
) -> None:
    """Of the three windows of a 30-day horizon, only the one short of free days is listed."""
    program = make_program(days=30, sessions=SESSIONS)
    # Window 0 (days 0-27) holds 0, 7, 14, 21; window 1 (1-28) only 7, 14, 21; window 2
    # (2-29) holds 7, 14, 21, 29.
    free = {0, 7, 14, 21, 29}
    schedule = [assign(program, 1, day, "PM") for day in range(30) if day not in free]
    violations = check_r2(program, build_duty(program, schedule), DEFAULT_POLICY)
    assert [(v.start.date(), v.end.date(), v.value) for v in violations] == [
        (program.date_of(1), program.date_of(29), 3),
    ]


def test_r2_ignores_faculty(make_program: MakeProgram, assign: Assign) -> None:
    """Faculty without a free day break no rule."""
    program = make_program(days=28, sessions=SESSIONS)
    schedule = [assign(program, 101, day, "PM") for day in range(28)]
    assert check_r2(program, build_duty(program, schedule), DEFAULT_POLICY) == []
