"""R7: faculty supervision of supervised rotation-sessions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rota.acgme.supervision import check_r7
from rota.domain import Assignment, Program, Rotation
from rota.policy import DEFAULT_POLICY, Policy

MakeProgram = Callable[..., Program]
MakeDomainRotation = Callable[..., Rotation]
Assign = Callable[..., Assignment]

# Residents 1-4 are PGY-1, 5-9 PGY-2, 10-11 PGY-3; faculty are 101-103.
PGYS = (1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3)
PGY1 = [1, 2, 3, 4]
SENIOR = [5, 6, 7, 8, 9, 10, 11]


@pytest.mark.parametrize(
    ("rotation", "residents", "faculty", "needed"),
    [
        pytest.param("WARD", PGY1[:2], 1, None, id="pgy1-1to2-pass"),
        pytest.param("WARD", PGY1[:3], 1, 2, id="pgy1-1to2-fail"),
        pytest.param("WARD", PGY1[:3], 2, None, id="pgy1-two-faculty"),
        pytest.param("WARD", SENIOR[:4], 1, None, id="pgy2-1to4-pass"),
        pytest.param("WARD", SENIOR[:5], 1, 2, id="pgy2-1to4-fail"),
        pytest.param("WARD", [1, 5, 6], 1, None, id="mixed-weight-4"),
        pytest.param("WARD", [1, 5, 6, 7], 1, 2, id="mixed-weight-5"),
        pytest.param("WARD", [5], 0, 1, id="unsupervised-resident"),
        pytest.param("ICU", [5], 1, None, id="icu-1to1-pass"),
        pytest.param("ICU", [5, 10], 1, 2, id="icu-1to1-fail"),
        pytest.param("ICU", [5, 10], 2, None, id="icu-two-faculty"),
        pytest.param("EASY", PGY1, 1, None, id="own-pgy1-weight-pass"),
        pytest.param("EASY", [*PGY1, 5], 1, 2, id="own-pgy1-weight-fail"),
        pytest.param("CLINIC", SENIOR, 0, None, id="unsupervised-rotation"),
        pytest.param("WARD", [], 0, None, id="no-residents"),
    ],
)
def test_r7_supervision_ratio(
    make_program: MakeProgram,
    make_domain_rotation: MakeDomainRotation,
    assign: Assign,
    rotation: str,
    residents: list[int],
    faculty: int,
    needed: int | None,
) -> None:
    """Faculty must cover ceil(resident weight / capacity): PGY-1 1:2, PGY-2+ 1:4, ICU 1:1."""
    program = make_program(
        days=1,
        pgys=PGYS,
        faculty=3,
        rotations=[
            make_domain_rotation(1, "WARD", supervised=True),
            make_domain_rotation(2, "CLINIC"),
            make_domain_rotation(3, "ICU", supervised=True, capacity=1),
            make_domain_rotation(4, "EASY", supervised=True, pgy1_weight=1),
        ],
    )
    schedule = [assign(program, pid, 0, "PM", rotation) for pid in residents]
    schedule += [assign(program, 101 + index, 0, "PM", rotation) for index in range(faculty)]
    violations = check_r7(program, schedule, DEFAULT_POLICY)
    assert [(v.rule, v.value, v.limit) for v in violations] == (
        [] if needed is None else [("R7", faculty, needed)]
    )


def test_r7_counts_faculty_of_the_same_rotation_and_session_only(
    make_program: MakeProgram, assign: Assign
) -> None:
    """Faculty in another session or on another rotation do not supervise this one."""
    program = make_program(days=2, pgys=(1, 1, 1), faculty=3)
    schedule = [assign(program, pid, 0, "AM", "WARD") for pid in (1, 2, 3)]
    schedule += [
        assign(program, 101, 0, "AM", "WARD"),
        assign(program, 102, 0, "PM", "WARD"),
        assign(program, 103, 0, "AM", "ICU"),
        assign(program, 103, 1, "AM", "WARD"),
    ]
    (violation,) = check_r7(program, schedule, DEFAULT_POLICY)
    assert (violation.rotation_id, violation.person_id) == (1, None)
    assert (violation.start.isoformat(), violation.end.isoformat()) == (
        "2027-01-04T07:00:00",
        "2027-01-04T12:00:00",
    )
    assert violation.detail == (
        "R7 rotation WARD 2027-01-04 AM: 1 faculty for 3 residents of weight 6 (need 2)"
    )


def test_r7_counts_a_duplicated_resident_once(make_program: MakeProgram, assign: Assign) -> None:
    """A resident listed twice in one slot adds their weight once (the duplicate is R10's)."""
    program = make_program(days=1, pgys=(1, 1))
    schedule = [assign(program, pid, 0, "AM") for pid in (1, 2, 2)] + [assign(program, 101, 0)]
    assert check_r7(program, schedule, DEFAULT_POLICY) == []


def test_r7_follows_the_policy_weights(make_program: MakeProgram, assign: Assign) -> None:
    """A policy with PGY-1 weight 4 asks one faculty per PGY-1."""
    program = make_program(days=1, pgys=(1, 1))
    schedule = [assign(program, pid, 0) for pid in (1, 2, 101)]
    violations = check_r7(program, schedule, Policy(pgy1_weight=4))
    assert [(v.value, v.limit) for v in violations] == [(1, 2)]
