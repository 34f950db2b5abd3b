"""Issue 12: the validator proves what the solver promises.

Faculty are bound by the rest rules R3-R5 unless the policy says otherwise, and a session
that ends inside an absence breaks R9 even when it starts before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from rota.acgme import validate
from rota.acgme.continuity import check_r3, check_r4, check_r5
from rota.acgme.duty import build_duty
from rota.acgme.eligibility import check_r9
from rota.domain import Assignment, Program
from rota.policy import DEFAULT_POLICY

MakeProgram = Callable[..., Program]
Assign = Callable[..., Assignment]

FACULTY = 101
NO_FACULTY_REST = replace(DEFAULT_POLICY, rest_rules_bind_faculty=False)


def test_faculty_rest_rules_are_on_by_default() -> None:
    """The default policy binds faculty by R3-R5, as the solver's ledger does."""
    assert DEFAULT_POLICY.rest_rules_bind_faculty is True


@pytest.mark.parametrize(
    ("transition_minutes", "fails"),
    [pytest.param(240, False, id="28h"), pytest.param(270, True, id="28.5h")],
)
def test_r3_binds_faculty(
    make_program: MakeProgram, assign: Assign, transition_minutes: int, fails: bool
) -> None:
    """A faculty member's 28 h chain passes and 28.5 h fails; with the policy off, both pass."""
    program = make_program(
        days=3,
        sessions=[
            ("DAY", 420, 1020),
            ("NIGHT", 1020, 1860),
            ("TRANS", 420, 420 + transition_minutes),
        ],
    )
    schedule = [
        assign(program, FACULTY, 0, "DAY"),
        assign(program, FACULTY, 0, "NIGHT"),
        assign(program, FACULTY, 1, "TRANS"),
    ]
    duty = build_duty(program, schedule)
    violations = check_r3(program, duty, DEFAULT_POLICY)
    assert [(v.rule, v.person_id) for v in violations] == ([("R3", FACULTY)] if fails else [])
    assert check_r3(program, duty, NO_FACULTY_REST) == []


@pytest.mark.parametrize(
    ("next_start", "fails"),
    [pytest.param(1260, False, id="14h"), pytest.param(1230, True, id="13.5h")],
)
def test_r4_binds_faculty(
    make_program: MakeProgram, assign: Assign, next_start: int, fails: bool
) -> None:
    """After 24 h of faculty duty, 14 h of rest passes and 13.5 h fails."""
    program = make_program(
        days=3,
        sessions=[("DAY", 420, 1020), ("NIGHT", 1020, 1860), ("NEXT", next_start, next_start + 60)],
    )
    schedule = [
        assign(program, FACULTY, 0, "DAY"),
        assign(program, FACULTY, 0, "NIGHT"),
        assign(program, FACULTY, 1, "NEXT"),
    ]
    duty = build_duty(program, schedule)
    violations = check_r4(program, duty, DEFAULT_POLICY)
    assert [(v.rule, v.person_id) for v in violations] == ([("R4", FACULTY)] if fails else [])
    assert [v.value for v in violations] == pytest.approx([13.5] if fails else [])
    assert check_r4(program, duty, NO_FACULTY_REST) == []


@pytest.mark.parametrize(
    ("next_start", "fails"),
    [pytest.param(1500, False, id="8h"), pytest.param(1470, True, id="7.5h")],
)
def test_r5_binds_faculty(
    make_program: MakeProgram, assign: Assign, next_start: int, fails: bool
) -> None:
    """Between ordinary faculty duty periods, 8 h of rest passes and 7.5 h fails."""
    program = make_program(
        days=2, sessions=[("PM", 720, 1020), ("LATE", next_start, next_start + 60)]
    )
    schedule = [assign(program, FACULTY, 0, "PM"), assign(program, FACULTY, 0, "LATE")]
    duty = build_duty(program, schedule)
    violations = check_r5(program, duty, DEFAULT_POLICY)
    assert [(v.rule, v.person_id) for v in violations] == ([("R5", FACULTY)] if fails else [])
    assert check_r5(program, duty, NO_FACULTY_REST) == []


@pytest.mark.parametrize(
    ("session", "absence_from", "fails"),
    [
        pytest.param("NIGHT", 1, True, id="night-ends-on-first-absent-day"),
        pytest.param("NIGHT", 2, False, id="night-ends-the-day-before"),
        pytest.param("EVENING", 1, False, id="ends-at-midnight-before"),
        pytest.param("AM", 0, True, id="day-session-inside"),
    ],
)
def test_r9_session_ending_inside_an_absence(
    make_program: MakeProgram, assign: Assign, session: str, absence_from: int, fails: bool
) -> None:
    """A session breaks R9 when its interval touches an absent day, not only by its date."""
    program = make_program(
        days=5,
        sessions=[("AM", 420, 720), ("EVENING", 1080, 1440), ("NIGHT", 1020, 1860)],
        absences=[(1, absence_from, 4)],
    )
    schedule = [assign(program, 1, 0, session)]
    violations = check_r9(program, schedule, DEFAULT_POLICY)
    assert [v.rule for v in violations] == (["R9"] if fails else [])
    if fails:
        assert "absent (vacation" in violations[0].detail


def test_full_validation_reports_a_tired_faculty_member(
    make_program: MakeProgram, assign: Assign
) -> None:
    """``validate`` reports faculty duty of three days in a row as R3 (issue 12)."""
    program = make_program(days=4, sessions=[("DAY", 420, 1020), ("NIGHT", 1020, 1860)])
    schedule = [
        assign(program, FACULTY, day, session) for day in range(3) for session in ("DAY", "NIGHT")
    ]
    rules = {v.rule for v in validate(program, schedule, rules=["R3", "R4", "R5"])}
    assert rules == {"R3"}
    assert validate(program, schedule, NO_FACULTY_REST, rules=["R3", "R4", "R5"]) == []
