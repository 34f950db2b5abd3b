"""Property: for any small program, the solver's schedule validates clean or it says why not."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from rota.acgme import validate
from rota.domain import (
    Absence,
    Coverage,
    Person,
    Program,
    Role,
    Rotation,
    SessionDef,
    WeekendRule,
)
from rota.engine.generate import solve_program
from rota.errors import InfeasibleError

START = dt.date(2027, 7, 5)
SESSIONS = (
    SessionDef(1, "AM", 420, 720),
    SessionDef(2, "PM", 720, 1020),
    SessionDef(3, "NIGHT", 1020, 1860),
)


@st.composite
def programs(draw: st.DrawFn) -> Program:
    days = draw(st.integers(7, 35))
    pgys = draw(st.lists(st.integers(1, 3), min_size=2, max_size=8))
    people = [Person(i, f"R{i:03d}", Role.RESIDENT, pgy, f"r{i}") for i, pgy in enumerate(pgys, 1)]
    for k in range(draw(st.integers(1, 4))):
        n = len(people) + 1
        people.append(Person(n, f"F{k:03d}", Role.FACULTY, None, f"f{k}"))
    rotations = []
    for rid in range(1, draw(st.integers(1, 3)) + 1):
        coverage = []
        for s in SESSIONS:
            if draw(st.booleans()):
                low = draw(st.integers(0, 2))
                coverage.append(Coverage(s.id, low, low + draw(st.integers(0, 2))))
        rotations.append(
            Rotation(
                id=rid, code=f"ROT{rid}", name=f"rotation {rid}", kind="test",
                min_pgy=draw(st.integers(1, 2)), max_pgy=None, coverage=tuple(coverage),
                supervised=draw(st.booleans()),
                supervision_capacity=draw(st.sampled_from([None, 1, 2])),
                pgy1_weight=None,
                weekend_rule=draw(st.sampled_from(list(WeekendRule))),
                night_is_call=draw(st.booleans()),
            )
        )  # fmt: skip
    absences = []
    for person in people[: len(pgys)]:
        if draw(st.booleans()):
            first = draw(st.integers(0, days - 1))
            length = draw(st.integers(1, 5))
            end = min(days - 1, first + length - 1)
            absences.append(
                Absence(person.id, START + dt.timedelta(first), START + dt.timedelta(end), "leave")
            )
    return Program(START, days, SESSIONS, tuple(people), tuple(rotations), tuple(absences))


@settings(max_examples=150, deadline=None)
@given(programs(), st.integers(0, 3))
def test_schedule_validates_clean_or_program_is_reported_infeasible(
    program: Program, seed: int
) -> None:
    """Every random small program gets a clean schedule, or an InfeasibleError naming a rule."""
    try:
        solution = solve_program(program, seed=seed)
    except InfeasibleError as exc:
        message = str(exc)
        assert message.startswith("infeasible program: R")
        assert " needs " in message
        assert " available " in message
        return
    assert validate(program, solution.assignments) == []
