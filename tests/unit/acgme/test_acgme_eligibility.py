"""R9: eligibility, faculty placement, absences and unknown ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from rota.acgme.eligibility import check_r9
from rota.domain import Assignment, Program, Rotation
from rota.policy import DEFAULT_POLICY

MakeProgram = Callable[..., Program]
MakeDomainRotation = Callable[..., Rotation]
Assign = Callable[..., Assignment]


@pytest.fixture
def program(make_program: MakeProgram, make_domain_rotation: MakeDomainRotation) -> Program:
    """Residents PGY-1/2/3 (ids 1-3), faculty 101-102; resident 2 and 102 absent days 5-7."""
    return make_program(
        days=14,
        pgys=(1, 2, 3),
        faculty=2,
        rotations=[
            make_domain_rotation(1, "WARD", supervised=True),
            make_domain_rotation(2, "CLINIC"),
            make_domain_rotation(3, "ICU", min_pgy=2, supervised=True),
            make_domain_rotation(4, "INTERN", max_pgy=1),
            make_domain_rotation(5, "JUNIOR", min_pgy=1, max_pgy=2),
        ],
        absences=[(2, 5, 7), (102, 5, 7)],
    )


@pytest.mark.parametrize(
    ("person", "day", "rotation", "problem"),
    [
        pytest.param(1, 0, "WARD", None, id="pgy1-open-rotation"),
        pytest.param(
            1, 0, "ICU", "rotation ICU is not open to PGY-1 (open to PGY 2+)", id="pgy1-icu"
        ),
        pytest.param(2, 0, "ICU", None, id="pgy2-icu"),
        pytest.param(1, 0, "INTERN", None, id="pgy1-intern"),
        pytest.param(2, 0, "INTERN", "not open to PGY-2 (open to PGY 1-1)", id="pgy2-intern"),
        pytest.param(2, 0, "JUNIOR", None, id="pgy2-junior"),
        pytest.param(3, 0, "JUNIOR", "not open to PGY-3", id="pgy3-junior"),
        pytest.param(101, 0, "WARD", None, id="faculty-supervised"),
        pytest.param(
            101, 0, "CLINIC", "faculty on unsupervised rotation CLINIC", id="faculty-clinic"
        ),
        pytest.param(2, 4, "WARD", None, id="day-before-absence"),
        pytest.param(
            2, 5, "WARD", "absent (vacation 2027-01-09..2027-01-11)", id="first-absent-day"
        ),
        pytest.param(2, 7, "WARD", "absent (vacation", id="last-absent-day"),
        pytest.param(2, 8, "WARD", None, id="day-after-absence"),
        pytest.param(102, 6, "WARD", "absent (vacation", id="absent-faculty"),
    ],
)
def test_r9_eligibility_and_absence(
    program: Program, assign: Assign, person: int, day: int, rotation: str, problem: str | None
) -> None:
    """Residents work only open rotations, faculty only supervised ones, nobody while absent."""
    violations = check_r9(program, [assign(program, person, day, "AM", rotation)], DEFAULT_POLICY)
    if problem is None:
        assert violations == []
    else:
        (violation,) = violations
        assert (violation.rule, violation.person_id, violation.value, violation.limit) == (
            "R9",
            person,
            1,
            0,
        )
        assert problem in violation.detail


def test_r9_reports_ineligible_and_absent_separately(program: Program, assign: Assign) -> None:
    """An ineligible assignment during an absence is two violations."""
    violations = check_r9(program, [assign(program, 2, 6, "AM", "INTERN")], DEFAULT_POLICY)
    assert len(violations) == 2


@pytest.mark.parametrize(
    ("assignment", "fragment"),
    [
        pytest.param(
            Assignment(999, dt.date(2027, 1, 4), 1, 1), "unknown person id 999", id="person"
        ),
        pytest.param(
            Assignment(1, dt.date(2027, 1, 4), 9, 1), "unknown session id 9", id="session"
        ),
        pytest.param(
            Assignment(1, dt.date(2027, 1, 4), 1, 99), "unknown rotation id 99", id="rotation"
        ),
        pytest.param(
            Assignment(999, dt.date(2027, 1, 4), 9, 99),
            "unknown person id 999, session id 9, rotation id 99",
            id="all",
        ),
    ],
)
def test_r9_reports_unknown_ids(program: Program, assignment: Assignment, fragment: str) -> None:
    """An assignment naming an unknown person, session or rotation is one violation saying which."""
    (violation,) = check_r9(program, [assignment], DEFAULT_POLICY)
    assert fragment in violation.detail
    assert violation.rotation_id == assignment.rotation_id


def test_r9_absence_spanning_years_is_clipped(make_program: MakeProgram, assign: Assign) -> None:
    """A very long absence still flags the schedule's dates inside it."""
    base = make_program(days=7)
    long_absence = make_program(days=7, absences=[(1, -3650, 3650)])
    assert check_r9(base, [assign(base, 1, 3)], DEFAULT_POLICY) == []
    assert len(check_r9(long_absence, [assign(long_absence, 1, 3)], DEFAULT_POLICY)) == 1
