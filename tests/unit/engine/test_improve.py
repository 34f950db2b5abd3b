"""The improvement phase: each move kind, rule safety, objective, determinism (issue 12)."""

from __future__ import annotations

import pytest
from tests.unit.engine.handmade import CALL, CLINIC, days_of, duty, program, solution

from rota.acgme import validate
from rota.datasets import generate_dataset
from rota.domain import Assignment, Program
from rota.engine.generate import solve_program
from rota.engine.improve import MOVE_KINDS, improve_schedule
from rota.engine.problem import compile_problem
from rota.engine.quality import measure_quality, resident_figures, schedule_hash
from rota.engine.search import Search
from rota.engine.solver import SolverSettings
from rota.policy import DEFAULT_POLICY

SMALL_BUDGET = SolverSettings(improve_min_moves=400, improve_moves_per_resident_session=0)


def _improve(
    prog: Program, schedule: list[Assignment], kind: str, block_days: int = 28
) -> list[Assignment]:
    assert validate(prog, schedule) == [], "the hand-made schedule must be valid to start with"
    result = improve_schedule(prog, solution(schedule, block_days), kinds=(kind,))
    assert validate(prog, result.assignments) == []
    assert result.improvement is not None
    assert result.improvement.objective_after <= result.improvement.objective_before
    return result.assignments


def test_call_move_hands_a_call_night_to_a_resident_who_worked_the_day() -> None:
    """Two call nights of one resident become one each: the other worked that day, off next."""
    prog = program()
    schedule = [
        *days_of(1, [0, 2]),
        duty(1, 0, "NIGHT", CALL),
        duty(1, 2, "NIGHT", CALL),
        *days_of(2, [0, 2]),
    ]
    improved = _improve(prog, schedule, "call")
    figures = resident_figures(prog, improved)
    assert figures.calls == {1: 1, 2: 1}
    assert figures.switches == {1: 0, 2: 0}


def test_weekend_move_shares_weekend_days() -> None:
    """A resident on both weekend days gives one to the other, who had none."""
    prog = program()
    schedule = days_of(1, [0, 1, 2, 3, 5, 6]) + days_of(2, [0, 1, 2, 3, 4])
    improved = _improve(prog, schedule, "weekend")
    assert resident_figures(prog, improved).weekend_days == {1: 1, 2: 1}


def test_trade_move_swaps_a_weekend_call_night_for_a_weekday_one() -> None:
    """Friday calls (into Saturday) against Tuesday calls: one of each changes hands.

    Both keep two call nights and no switch; the weekend days and the hours even out
    (the day after each call night, off for its resident, moves with it).
    """
    prog = program(days=14)
    schedule: list[Assignment] = []
    for week in (0, 7):
        schedule += days_of(1, [week + d for d in range(5)])
        schedule.append(duty(1, week + 4, "NIGHT", CALL))
        schedule += days_of(2, [week + d for d in (0, 1, 3, 4)])
        schedule.append(duty(2, week + 1, "NIGHT", CALL))
    before = resident_figures(prog, schedule)
    assert before.weekend_days == {1: 2, 2: 0}
    improved = _improve(prog, schedule, "trade")
    figures = resident_figures(prog, improved)
    assert figures.weekend_days == {1: 1, 2: 1}
    assert figures.calls == {1: 2, 2: 2}
    assert figures.minutes[1] == figures.minutes[2]
    assert figures.switches == {1: 0, 2: 0}


def test_continuity_move_sends_two_residents_back_to_their_teams() -> None:
    """Each works a day on the other's rotation: exchanging that day saves four switches."""
    prog = program()
    schedule = [
        *days_of(1, [0, 1, 3, 4]),
        *days_of(1, [2], CLINIC),
        *days_of(2, [0, 1, 3, 4], CLINIC),
        *days_of(2, [2]),
    ]
    assert resident_figures(prog, schedule).switches == {1: 2, 2: 2}
    improved = _improve(prog, schedule, "continuity")
    figures = resident_figures(prog, improved)
    assert figures.switches == {1: 0, 2: 0}
    assert figures.minutes == {1: 50 * 60, 2: 50 * 60}


def test_hours_move_shares_sessions() -> None:
    """Afternoons move from the resident with 50 h to the one with 25 h until within 5 h."""
    prog = program()
    schedule = days_of(1, [0, 1, 2, 3, 4]) + [duty(2, d, "AM") for d in range(5)]
    improved = _improve(prog, schedule, "hours")
    minutes = resident_figures(prog, improved).minutes
    assert abs(minutes[1] - minutes[2]) <= 5 * 60
    assert sum(minutes.values()) == 75 * 60


def test_block_move_exchanges_the_rest_of_a_block() -> None:
    """Ward every day against clinic on weekdays: the second week is exchanged."""
    prog = program(days=14)
    schedule = days_of(1, [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]) + days_of(
        2, [0, 1, 2, 3, 4, 7, 8, 9, 10, 11], CLINIC
    )
    improved = _improve(prog, schedule, "block", block_days=14)
    figures = resident_figures(prog, improved)
    assert figures.weekend_days == {1: 1, 2: 1}
    assert figures.switches == {1: 1, 2: 1}


def test_moves_stay_within_a_pgy_class() -> None:
    """A PGY-1 and a PGY-2 never exchange duty, however unfair their loads."""
    prog = program(pgys=(1, 2))
    schedule = [
        *days_of(1, [0, 2]),
        duty(1, 0, "NIGHT", CALL),
        duty(1, 2, "NIGHT", CALL),
        *days_of(2, [0, 2]),
    ]
    result = improve_schedule(prog, solution(schedule))
    assert sorted(result.assignments) == sorted(schedule)


def test_absent_residents_take_no_duty_and_no_night_into_an_absence() -> None:
    """The receiver is absent the day after: the call night would end inside it (R9)."""
    prog = program(absences=[(2, 1, 1), (2, 3, 3)])
    schedule = [
        *days_of(1, [0, 2]),
        duty(1, 0, "NIGHT", CALL),
        duty(1, 2, "NIGHT", CALL),
        *days_of(2, [0, 2]),
    ]
    improved = _improve(prog, schedule, "call")
    assert resident_figures(prog, improved).calls == {1: 2, 2: 0}


@pytest.mark.parametrize("tier", ["tiny", "small"])
def test_improvement_on_a_tier_is_valid_better_and_deterministic(tier: str) -> None:
    """A tier's schedule improves, validates clean, and repeats hash for hash."""
    prog = generate_dataset(tier, 0).program
    constructed = solve_program(prog, seed=0)
    copy = list(constructed.assignments)
    first = improve_schedule(prog, constructed, settings=SMALL_BUDGET)
    second = improve_schedule(prog, solve_program(prog, seed=0), settings=SMALL_BUDGET)
    assert constructed.assignments == copy, "the input solution is not modified"
    assert validate(prog, first.assignments) == []
    before = measure_quality(prog, constructed.assignments).objective
    assert measure_quality(prog, first.assignments).objective < before
    assert schedule_hash(prog, first.assignments) == schedule_hash(prog, second.assignments)
    assert first.improvement is not None
    assert second.improvement is not None
    assert first.improvement.as_dict() == second.improvement.as_dict()
    assert first.improvement.moves_tried <= SMALL_BUDGET.improve_min_moves


def test_a_zero_budget_changes_nothing() -> None:
    """With no moves to try, the schedule is construction's."""
    prog = generate_dataset("tiny", 0).program
    constructed = solve_program(prog, seed=0)
    none = SolverSettings(improve_min_moves=0, improve_moves_per_resident_session=0)
    result = improve_schedule(prog, constructed, settings=none)
    assert result.assignments == constructed.assignments
    assert result.improvement is not None
    assert result.improvement.moves_tried == 0


def test_unknown_move_kind_is_refused() -> None:
    """A typo in a move kind is an error, not a silent no-op."""
    with pytest.raises(ValueError, match="unknown move kind"):
        improve_schedule(program(), solution([]), kinds=("swap",))
    assert set(MOVE_KINDS) == {"block", "trade", "call", "weekend", "hours", "continuity"}


def test_a_higher_switch_price_keeps_more_continuity() -> None:
    """Pricing a switch at 4 in the search keeps fewer switches on small than the default.

    The objective still never gets worse than construction's and the schedule validates;
    the spreads pay for it (docs/QUALITY.md, "What the improvement buys").
    """
    prog = generate_dataset("small", 0).program
    constructed = solve_program(prog, seed=0)
    before = measure_quality(prog, constructed.assignments)
    default = measure_quality(prog, improve_schedule(prog, constructed).assignments)
    dear = improve_schedule(prog, constructed, settings=SolverSettings(improve_switch_price=4.0))
    assert validate(prog, dear.assignments) == []
    priced = measure_quality(prog, dear.assignments)
    assert priced.rotation_switches < default.rotation_switches
    assert priced.objective <= before.objective


def test_the_search_ends_on_its_best_schedule_with_matching_figures() -> None:
    """After the rewind, the kept figures are the best schedule's, recounted from the grid.

    On medium with 2,000 moves the search keeps two moves after its best schedule, so the
    rewind has something to undo.
    """
    prog = generate_dataset("medium", 0).program
    problem = compile_problem(prog, DEFAULT_POLICY)
    constructed = solve_program(prog, seed=0)
    search = Search(problem, constructed.assignments, 2000, None, 28, MOVE_KINDS)
    search.run()
    assert search.best_moves == len(search.log) == 67
    assert search.best < Search(problem, constructed.assignments, 0, None, 28, MOVE_KINDS).best
    assert search._objective() == pytest.approx(search.best)
    recounted = sum(
        search._switches(i, 0, problem.days - 1) for i in range(len(search.roster.grid))
    )
    assert search.switches == recounted
    assert search.score == [search._class_score(c) for c in range(len(search.classes))]
