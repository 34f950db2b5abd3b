"""The per-person duty layout the window and chain rules share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from rota.acgme.duty import build_duty, build_staffing, window_totals
from rota.domain import Assignment, Program

MakeProgram = Callable[..., Program]
Assign = Callable[..., Assignment]


def test_night_is_split_at_midnight(make_program: MakeProgram, assign: Assign) -> None:
    """A NIGHT 17:00-07:00 puts 420 minutes on its day and 420 on the next, touching both."""
    program = make_program(days=3)
    duty = build_duty(program, [assign(program, 1, 1, "NIGHT")]).people[1]
    assert duty.intervals == [(2460, 3300, True)]
    assert duty.day_minutes == [0, 420, 420]
    assert duty.touched == [False, True, True]
    assert duty.call_nights == [0, 1, 0]


def test_spill_past_the_horizon_is_dropped(make_program: MakeProgram, assign: Assign) -> None:
    """A night on the last day keeps its evening minutes and drops the morning after."""
    program = make_program(days=2)
    duty = build_duty(program, [assign(program, 1, 1, "NIGHT")]).people[1]
    assert duty.day_minutes == [0, 420]
    assert duty.chains == [(2460, 3300)]


def test_chains_merge_back_to_back_and_overlapping_intervals(
    make_program: MakeProgram, assign: Assign
) -> None:
    """AM, PM and NIGHT form one chain; a duplicate neither splits it nor counts twice."""
    program = make_program(days=2)
    schedule = [assign(program, 1, 0, s) for s in ("NIGHT", "AM", "PM", "PM")]
    duty = build_duty(program, schedule).people[1]
    assert duty.chains == [(420, 1860)]
    assert len(duty.intervals) == 4
    assert duty.day_minutes == [1020, 420]


def test_only_call_rotation_nights_are_call(make_program: MakeProgram, assign: Assign) -> None:
    """A night on CLINIC (not call) and a day session on WARD are not call nights."""
    program = make_program(days=2)
    schedule = [assign(program, 1, 0, "NIGHT", "CLINIC"), assign(program, 1, 1, "AM", "WARD")]
    assert build_duty(program, schedule).people[1].call_nights == [0, 0]


def test_unknown_people_sessions_and_outside_dates_are_left_out(
    make_program: MakeProgram, assign: Assign
) -> None:
    """Assignments R9 or R10 reject carry no duty; an unknown rotation still does."""
    program = make_program(days=2)
    day0 = program.date_of(0)
    schedule = [
        Assignment(999, day0, 1, 1),
        Assignment(1, day0, 42, 1),
        Assignment(1, day0 - dt.timedelta(days=1), 1, 1),
        Assignment(1, program.date_of(2), 1, 1),
        Assignment(2, day0, 3, 77),
    ]
    duty = build_duty(program, schedule)
    assert set(duty.people) == {2}
    assert duty.people[2].call_nights == [0, 0]
    assert duty.people[2].day_minutes == [420, 420]


def test_residents_lists_only_residents_in_id_order(
    make_program: MakeProgram, assign: Assign
) -> None:
    """Faculty duty is laid out but not handed to the resident-only rules."""
    program = make_program(days=1, pgys=(1, 2, 3), faculty=1)
    schedule = [assign(program, pid, 0) for pid in (101, 3, 1)]
    assert [d.person.id for d in build_duty(program, schedule).residents()] == [1, 3]


def test_staffing_groups_distinct_people_by_slot(make_program: MakeProgram, assign: Assign) -> None:
    """Residents and faculty are grouped per (day, session, rotation), each person once."""
    program = make_program(days=1)
    schedule = [assign(program, pid, 0) for pid in (1, 2, 2, 101)]
    staffing = build_staffing(program, schedule)
    assert staffing.residents == {(0, 1, 1): {1, 2}}
    assert staffing.faculty == {(0, 1, 1): {101}}


@pytest.mark.parametrize(
    ("values", "width", "expected"),
    [
        pytest.param([1, 2, 3, 4], 2, [3, 5, 7], id="pairs"),
        pytest.param([1, 2, 3, 4], 4, [10], id="whole"),
        pytest.param([1, 2, 3, 4], 5, [], id="wider-than-horizon"),
        pytest.param([1, 2, 3], 0, [], id="zero-width"),
        pytest.param([], 1, [], id="empty"),
    ],
)
def test_window_totals(values: list[int], width: int, expected: list[int]) -> None:
    """Window totals are the sums of every run of ``width`` consecutive values."""
    assert window_totals(values, width) == expected
