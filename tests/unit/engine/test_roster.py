"""The roster's local rule checks: an exchange that would break a rule is caught (issue 12)."""

from __future__ import annotations

from tests.unit.engine.handmade import program

from rota.domain import Program
from rota.engine.problem import compile_problem
from rota.engine.roster import EMPTY, Roster
from rota.policy import DEFAULT_POLICY

AM, PM, NIGHT = 0, 1, 2  # slot indexes of the hand-made day
WIDTH = 3
WARD_INDEX, CALL_INDEX = 2, 0  # rotations are indexed in code order: CALL, CLINIC, WARD


def _roster(prog: Program, duty: dict[int, list[tuple[int, int, int]]]) -> Roster:
    """A roster from (day, slot, rotation index) per resident index."""
    problem = compile_problem(prog, DEFAULT_POLICY)
    grid = [[EMPTY] * (prog.days * WIDTH) for _ in problem.residents]
    for person, cells in duty.items():
        for day, slot, rotation in cells:
            grid[person][day * WIDTH + slot] = rotation
    return Roster(problem, grid)


def test_totals_follow_an_exchange_and_its_inverse() -> None:
    """Exchanging a call night moves its minutes, call and weekend day; again restores them."""
    roster = _roster(program(), {0: [(4, NIGHT, CALL_INDEX)]})
    assert (roster.total_calls, roster.weekend_days, roster.total_minutes) == (
        [1, 0],
        [1, 0],
        [840, 0],
    )
    roster.exchange(0, 1, [4 * WIDTH + NIGHT])
    assert (roster.total_calls, roster.weekend_days, roster.total_minutes) == (
        [0, 1],
        [0, 1],
        [0, 840],
    )
    roster.exchange(0, 1, [4 * WIDTH + NIGHT])
    assert roster.total_calls == [1, 0]


def test_a_five_hour_rest_breaks_r5() -> None:
    """AM then the same evening's NIGHT leaves 5 h of rest: refused."""
    roster = _roster(program(), {0: [(0, AM, WARD_INDEX)], 1: [(0, NIGHT, CALL_INDEX)]})
    assert roster.obeys_rules(0, 0, 0, windows=True)
    roster.exchange(0, 1, [NIGHT])
    assert not roster.obeys_rules(0, 0, 0, windows=True)


def test_a_34_hour_chain_breaks_r3() -> None:
    """Day, call night and the next day's work is 34 h of continuous duty: refused."""
    day_and_next = [
        (0, AM, WARD_INDEX),
        (0, PM, WARD_INDEX),
        (1, AM, WARD_INDEX),
        (1, PM, WARD_INDEX),
    ]
    roster = _roster(program(), {0: day_and_next, 1: [(0, NIGHT, CALL_INDEX)]})
    roster.exchange(0, 1, [NIGHT])
    assert not roster.obeys_rules(0, 0, 0, windows=True)


def test_a_seventh_day_of_seven_breaks_r2() -> None:
    """In a one-week horizon a resident needs a free day: a seventh duty day is refused."""
    six_days = [(d, AM, WARD_INDEX) for d in range(6)]
    roster = _roster(program(), {0: six_days, 1: [(6, AM, WARD_INDEX)]})
    assert roster.obeys_rules(0, 0, 6, windows=True)
    roster.exchange(0, 1, [6 * WIDTH + AM])
    assert not roster.obeys_rules(0, 6, 6, windows=True)


def test_absence_blocks_a_night_that_ends_inside_it() -> None:
    """A resident absent on day 2 may not take day 2, nor the night of day 1 (R9)."""
    roster = _roster(program(absences=[(1, 2, 2)]), {})
    assert not roster.may_take(0, 2 * WIDTH + AM)
    assert not roster.may_take(0, 1 * WIDTH + NIGHT)
    assert roster.may_take(0, 1 * WIDTH + PM)
    assert roster.may_take(1, 1 * WIDTH + NIGHT)
