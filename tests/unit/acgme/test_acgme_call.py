"""R6: call nights per rolling window."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rota.acgme.call import check_r6
from rota.acgme.duty import build_duty
from rota.domain import Assignment, Program, Rotation
from rota.policy import DEFAULT_POLICY

MakeProgram = Callable[..., Program]
MakeDomainRotation = Callable[..., Rotation]
Assign = Callable[..., Assignment]


@pytest.mark.parametrize(
    ("days", "nights", "limit"),
    [
        pytest.param(28, 9, 9, id="28d-9-nights"),
        pytest.param(28, 10, 9, id="28d-10-nights"),
        pytest.param(14, 4, 4, id="14d-4-nights"),
        pytest.param(14, 5, 4, id="14d-5-nights"),
    ],
)
def test_r6_call_night_boundary(
    make_program: MakeProgram, assign: Assign, days: int, nights: int, limit: int
) -> None:
    """At most nine call nights in 28 days (four in 14) pass; one more fails."""
    program = make_program(days=days)
    schedule = [assign(program, 1, 3 * index % days, "NIGHT") for index in range(nights)]
    assert len({a.date for a in schedule}) == nights
    violations = check_r6(program, build_duty(program, schedule), DEFAULT_POLICY)
    expected = [("R6", 1, nights, limit)] if nights > limit else []
    assert [(v.rule, v.person_id, v.value, v.limit) for v in violations] == expected


def test_r6_counts_only_nights_of_call_rotations(
    make_program: MakeProgram, make_domain_rotation: MakeDomainRotation, assign: Assign
) -> None:
    """Nights of a non-call rotation and day sessions of a call rotation are not call nights."""
    program = make_program(
        days=28,
        rotations=[
            make_domain_rotation(1, "WARD", night_is_call=True),
            make_domain_rotation(2, "FLOAT", night_is_call=False),
        ],
    )
    schedule = [assign(program, 1, 2 * day, "NIGHT", "FLOAT") for day in range(14)]
    schedule += [assign(program, 2, day, "AM", "WARD") for day in range(28)]
    assert check_r6(program, build_duty(program, schedule), DEFAULT_POLICY) == []


def test_r6_counts_a_night_by_its_start_day(make_program: MakeProgram, assign: Assign) -> None:
    """A call night starting on the window's last day counts in that window only."""
    program = make_program(days=29)
    schedule = [assign(program, 1, day, "NIGHT") for day in (0, *range(19, 28))]
    violations = check_r6(program, build_duty(program, schedule), DEFAULT_POLICY)
    assert [(v.start.date(), v.value) for v in violations] == [(program.date_of(0), 10)]
    assert (
        violations[0].detail
        == "R6 resident R001: 10 call nights in 28 days from 2027-01-04 (limit 9)"
    )
