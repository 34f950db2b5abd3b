"""Hand-built programs and schedules for the quality and improvement tests (issue 12).

A week starting on Monday 2027-01-04 (days 5 and 6 are the weekend), sessions AM 07-12,
PM 12-17 and NIGHT 17-07, rotations WARD and CLINIC (day sessions) and CALL (its night
is in-house call), all with a minimum of 0 so any hand-made schedule covers them.
Residents have ids 1, 2, ... and codes R001, ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from rota.domain import (
    Absence,
    Assignment,
    Coverage,
    Person,
    Program,
    Role,
    Rotation,
    SessionDef,
    WeekendRule,
)
from rota.engine.blocks import BlockPlan
from rota.engine.solver import Solution

MONDAY = dt.date(2027, 1, 4)
SESSIONS = (
    SessionDef(1, "AM", 420, 720),
    SessionDef(2, "PM", 720, 1020),
    SessionDef(3, "NIGHT", 1020, 1860),
)
SESSION = {s.name: s.id for s in SESSIONS}
WARD, CLINIC, CALL = 1, 2, 3


def _rotation(rid: int, code: str, sessions: Sequence[int], *, call: bool = False) -> Rotation:
    return Rotation(
        id=rid,
        code=code,
        name=code.title(),
        kind="test",
        min_pgy=1,
        max_pgy=None,
        coverage=tuple(Coverage(s, 0, 4) for s in sessions),
        supervised=False,
        supervision_capacity=None,
        pgy1_weight=None,
        weekend_rule=WeekendRule.STAFFED,
        night_is_call=call,
    )


def program(
    days: int = 7,
    pgys: Sequence[int] = (1, 1),
    absences: Iterable[tuple[int, int, int]] = (),
) -> Program:
    """A program of ``days`` days from Monday; absences as (person id, first, last day)."""
    people = tuple(
        Person(i, f"R{i:03}", Role.RESIDENT, pgy, f"Resident {i}") for i, pgy in enumerate(pgys, 1)
    )
    rotations = (
        _rotation(WARD, "WARD", (1, 2)),
        _rotation(CLINIC, "CLINIC", (1, 2)),
        _rotation(CALL, "CALL", (3,), call=True),
    )
    return Program(
        MONDAY,
        days,
        SESSIONS,
        people,
        rotations,
        tuple(
            Absence(pid, MONDAY + dt.timedelta(a), MONDAY + dt.timedelta(b), "vacation")
            for pid, a, b in absences
        ),
    )


def duty(person: int, day: int, session: str, rotation: int = WARD) -> Assignment:
    """One assignment by names."""
    return Assignment(person, MONDAY + dt.timedelta(day), SESSION[session], rotation)


def days_of(person: int, days: Iterable[int], rotation: int = WARD) -> list[Assignment]:
    """AM and PM of each day on ``rotation``."""
    return [duty(person, d, s, rotation) for d in days for s in ("AM", "PM")]


def solution(assignments: list[Assignment], block_days: int = 28) -> Solution:
    """A hand-made schedule as the solver would hand it over (no block homes)."""
    return Solution(assignments, BlockPlan(block_days, ((-1, -1),)), repairs=0)
