"""R1: duty hours per rolling window."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rota.acgme.duty import build_duty
from rota.acgme.hours import check_r1
from rota.domain import Assignment, Program
from rota.policy import DEFAULT_POLICY, Policy

MakeProgram = Callable[..., Program]
Assign = Callable[..., Assignment]


def _loaded(
    make_program: MakeProgram, assign: Assign, days: int, long_days: int, extra: int
) -> tuple[Program, list[Assignment]]:
    """A program whose resident 1 works ``long_days`` 12 h shifts plus one of ``extra`` min."""
    program = make_program(days=days, sessions=[("LONG", 360, 1080), ("EXTRA", 360, 360 + extra)])
    schedule = [assign(program, 1, day, "LONG") for day in range(long_days)]
    schedule.append(assign(program, 1, long_days, "EXTRA"))
    return program, schedule


@pytest.mark.parametrize(
    ("days", "long_days", "extra_hours", "fails"),
    [
        pytest.param(28, 26, 7.5, False, id="28d-319.5h"),
        pytest.param(28, 26, 8.0, False, id="28d-320h"),
        pytest.param(28, 26, 8.5, True, id="28d-320.5h"),
        pytest.param(14, 13, 4.0, False, id="14d-160h"),
        pytest.param(14, 13, 4.5, True, id="14d-160.5h"),
        pytest.param(7, 6, 8.0, False, id="7d-80h"),
        pytest.param(7, 6, 8.5, True, id="7d-80.5h"),
    ],
)
def test_r1_limit_boundary(
    make_program: MakeProgram,
    assign: Assign,
    days: int,
    long_days: int,
    extra_hours: float,
    fails: bool,
) -> None:
    """A window at exactly the (scaled) limit passes and half an hour more fails."""
    program, schedule = _loaded(make_program, assign, days, long_days, round(extra_hours * 60))
    violations = check_r1(program, build_duty(program, schedule), DEFAULT_POLICY)
    total = long_days * 12 + extra_hours
    limit = 80 * days / 7
    assert [(v.rule, v.person_id) for v in violations] == ([("R1", 1)] if fails else [])
    assert [x for v in violations for x in (v.value, v.limit)] == pytest.approx(
        [total, limit] if fails else []
    )


def test_r1_reports_each_failing_window_of_a_longer_horizon(
    make_program: MakeProgram, assign: Assign
) -> None:
    """Only the windows that contain enough of the overload are reported, with their dates."""
    program = make_program(days=30, sessions=[("LONG", 360, 1080), ("EXTRA", 360, 870)])
    # Days 2..27 hold 26 x 12 h, day 28 holds 8.5 h: windows starting on day 1 and 2 see
    # 320.5 h; the window starting on day 0 misses day 28.
    schedule = [assign(program, 1, day, "LONG") for day in range(2, 28)]
    schedule.append(assign(program, 1, 28, "EXTRA"))
    violations = check_r1(program, build_duty(program, schedule), DEFAULT_POLICY)
    assert [(v.start.date(), v.end.date()) for v in violations] == [
        (program.date_of(1), program.date_of(29)),
        (program.date_of(2), program.date_of(30)),
    ]
    assert violations[0].detail == (
        "R1 resident R001: 320.5 h in 28 days from 2027-01-05 (limit 320.0 h)"
    )


def test_r1_counts_only_the_part_of_a_night_inside_the_window(
    make_program: MakeProgram, assign: Assign
) -> None:
    """A night crossing the window's last midnight contributes only its evening hours."""
    program = make_program(days=29, sessions=[("LONG", 360, 1080), ("NIGHT", 1020, 1860)])
    # 26 x 12 h = 312 h on days 0..25, then a night on day 27: 7 h fall on day 27 (inside
    # window 0, total 319 h) and 7 h on day 28 (outside window 0).
    schedule = [assign(program, 1, day, "LONG") for day in range(26)]
    schedule.append(assign(program, 1, 27, "NIGHT"))
    assert check_r1(program, build_duty(program, schedule), DEFAULT_POLICY) == []


def test_r1_ignores_faculty(make_program: MakeProgram, assign: Assign) -> None:
    """Faculty duty is never limited by R1."""
    program = make_program(days=7, sessions=[("DAY", 0, 1440)])
    schedule = [assign(program, 101, day, "DAY") for day in range(7)]
    assert check_r1(program, build_duty(program, schedule), DEFAULT_POLICY) == []


def test_r1_follows_the_policy_numbers(make_program: MakeProgram, assign: Assign) -> None:
    """A stricter policy lowers the limit the same check applies."""
    program, schedule = _loaded(make_program, assign, 28, 26, 8 * 60)
    strict = Policy(max_hours_per_week=60.0)
    violations = check_r1(program, build_duty(program, schedule), strict)
    assert [v.limit for v in violations] == [pytest.approx(240.0)]
