"""R8: residents per rotation-session within the coverage bounds."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rota.acgme.coverage import check_r8
from rota.domain import Assignment, Program, Rotation, WeekendRule
from rota.policy import DEFAULT_POLICY

MakeProgram = Callable[..., Program]
MakeDomainRotation = Callable[..., Rotation]
Assign = Callable[..., Assignment]


@pytest.fixture
def clinic_program(make_program: MakeProgram, make_domain_rotation: MakeDomainRotation) -> Program:
    """A Monday-to-Sunday program whose CLINIC needs 1-2 residents on weekday mornings."""
    return make_program(
        days=7,
        pgys=(1, 2, 3),
        faculty=2,
        rotations=[
            make_domain_rotation(1, "CLINIC", coverage=[(1, 1, 2)], weekend=WeekendRule.CLOSED)
        ],
    )


def _weekday_mornings(
    program: Program, assign: Assign, skip: int | None = None
) -> list[Assignment]:
    """Resident 3 on the clinic every weekday morning except day ``skip``."""
    return [assign(program, 3, day, "AM", "CLINIC") for day in range(5) if day != skip]


@pytest.mark.parametrize(
    ("residents", "expected"),
    [
        pytest.param([], [(0, 1)], id="0-below-min"),
        pytest.param([1], [], id="1-at-min"),
        pytest.param([1, 2], [], id="2-at-max"),
        pytest.param([1, 2, 3], [(3, 2)], id="3-above-max"),
    ],
)
def test_r8_min_and_max_boundary(
    clinic_program: Program, assign: Assign, residents: list[int], expected: list[tuple[int, int]]
) -> None:
    """A slot holding between its minimum and maximum of residents passes; one off fails."""
    schedule = _weekday_mornings(clinic_program, assign, skip=0)
    schedule += [assign(clinic_program, pid, 0, "AM", "CLINIC") for pid in residents]
    violations = check_r8(clinic_program, schedule, DEFAULT_POLICY)
    assert [(v.value, v.limit) for v in violations] == expected
    assert all(v.start.isoformat() == "2027-01-04T07:00:00" for v in violations)


def test_r8_faculty_do_not_count(clinic_program: Program, assign: Assign) -> None:
    """Faculty on a slot do not make up for a missing resident."""
    schedule = _weekday_mornings(clinic_program, assign, skip=0)
    schedule.append(assign(clinic_program, 101, 0, "AM", "CLINIC"))
    violations = check_r8(clinic_program, schedule, DEFAULT_POLICY)
    assert [(v.value, v.limit) for v in violations] == [(0, 1)]
    assert violations[0].detail == "R8 rotation CLINIC 2027-01-04 AM: 0 residents (at least 1)"


@pytest.mark.parametrize(
    ("day", "session", "reason"),
    [
        pytest.param(5, "AM", "rotation closed on this day", id="saturday"),
        pytest.param(6, "AM", "rotation closed on this day", id="sunday"),
        pytest.param(2, "PM", "no coverage defined for this session", id="uncovered-session"),
        pytest.param(2, "NIGHT", "no coverage defined for this session", id="uncovered-night"),
    ],
)
def test_r8_closed_days_and_uncovered_sessions_take_no_residents(
    clinic_program: Program, assign: Assign, day: int, session: str, reason: str
) -> None:
    """A resident on a closed weekend day or an uncovered session breaks R8 with limit 0."""
    schedule = _weekday_mornings(clinic_program, assign)
    schedule.append(assign(clinic_program, 1, day, session, "CLINIC"))
    (violation,) = check_r8(clinic_program, schedule, DEFAULT_POLICY)
    assert (violation.value, violation.limit, violation.rotation_id) == (1, 0, 1)
    assert reason in violation.detail


def test_r8_empty_closed_days_pass(clinic_program: Program, assign: Assign) -> None:
    """A closed weekend needs nobody even though weekday coverage has a minimum."""
    assert check_r8(clinic_program, _weekday_mornings(clinic_program, assign), DEFAULT_POLICY) == []
