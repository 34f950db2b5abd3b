"""R10: one activity per person per session, and only inside the horizon."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rota.acgme.uniqueness import check_r10
from rota.domain import Assignment, Program
from rota.policy import DEFAULT_POLICY

MakeProgram = Callable[..., Program]
Assign = Callable[..., Assignment]


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        pytest.param([(1, "AM", "WARD")], [], id="single"),
        pytest.param([(1, "AM", "WARD"), (1, "PM", "WARD")], [], id="two-sessions"),
        pytest.param([(1, "AM", "WARD"), (2, "AM", "WARD")], [], id="two-people"),
        pytest.param([(1, "AM", "WARD"), (1, "AM", "WARD")], [2], id="exact-duplicate"),
        pytest.param([(1, "AM", "WARD"), (1, "AM", "CLINIC")], [2], id="two-rotations"),
        pytest.param([(1, "AM", "WARD")] * 3, [3], id="triplicate"),
    ],
)
def test_r10_one_assignment_per_person_session(
    make_program: MakeProgram,
    assign: Assign,
    slots: list[tuple[int, str, str]],
    expected: list[int],
) -> None:
    """Two or more assignments of one person to one session of one date are one violation."""
    program = make_program(days=3)
    schedule = [assign(program, pid, 1, session, rotation) for pid, session, rotation in slots]
    violations = check_r10(program, schedule, DEFAULT_POLICY)
    assert [v.value for v in violations] == expected
    assert all(v.limit == 1 for v in violations)


def test_r10_duplicate_message(make_program: MakeProgram, assign: Assign) -> None:
    """The duplicate's message names the person, the date and the session."""
    program = make_program(days=3)
    (violation,) = check_r10(program, [assign(program, 2, 1, "NIGHT")] * 2, DEFAULT_POLICY)
    assert violation.detail == "R10 resident R002 on 2027-01-05 NIGHT: 2 assignments (at most 1)"
    assert violation.end.isoformat() == "2027-01-06T07:00:00"


@pytest.mark.parametrize(
    ("day", "outside"),
    [
        pytest.param(-1, True, id="day-before-start"),
        pytest.param(0, False, id="first-day"),
        pytest.param(6, False, id="last-day"),
        pytest.param(7, True, id="day-after-end"),
    ],
)
def test_r10_dates_outside_the_horizon(
    make_program: MakeProgram, assign: Assign, day: int, outside: bool
) -> None:
    """An assignment dated before the first or after the last horizon day is a violation."""
    program = make_program(days=7)
    violations = check_r10(program, [assign(program, 1, day)], DEFAULT_POLICY)
    assert [(v.value, v.limit) for v in violations] == ([(1, 0)] if outside else [])
    if outside:
        assert "outside the horizon 2027-01-04..2027-01-10" in violations[0].detail
