"""The improvement phase: a deterministic local search after construction.

The constructive solver is fast and keeps residents on their teams, but it ranks call and
weekend candidates by their own recent load, not by fairness within their PGY class. This
phase takes its schedule and exchanges duty between two residents of one PGY class (so
coverage, supervision and eligibility stay as they were), with six kinds of move:

- ``block``: the rest of a block from a week boundary (or its start up to one), or the
  whole block, between the residents most and least loaded overall;
- ``trade``: a call night that touches a weekend day for one of the receiver's weekday
  call nights (each alone, or each with the day after it), so both keep their call count
  and a 24-hour call stays one stretch, while the weekend day changes hands;
- ``call``: the most loaded resident's call night (alone, with the next day, or with the
  whole 24-hour call and the next day) against the least loaded resident's same days;
- ``weekend``: a weekend day (with the night before that touches it, alone or with the
  days around it) between the residents with the most and the fewest weekend days;
- ``hours``: one session, or a whole day's day sessions, between the residents with the
  most and the fewest hours;
- ``continuity``: a short run of days a resident works away from the rotation of the days
  around it (an excursion), exchanged with a class-mate who works that rotation then.

Every exchange is checked by the ``Roster`` (R1-R6 locally, R9 absences), so the rules
hold by construction, and is kept only when the objective of ``rota.engine.quality`` does
not get worse once shaped (``rota.engine.search``: the spreads plus half their weight on
the class's deviations from the fair shares, so evening out one of several extreme
residents counts) and either it or the sum of squared deviations gets better. The search
returns the best schedule it saw by the true objective. It is bounded by a budget of moves
tried, never by time: the same schedule and settings give the same result on every
machine and database.
"""

from __future__ import annotations

from collections.abc import Sequence

from rota.domain import Program
from rota.engine.improve_stats import MOVE_KINDS, ImprovementStats
from rota.engine.problem import Problem, compile_problem
from rota.engine.quality import measure_quality
from rota.engine.search import Search
from rota.engine.solver import Solution, SolverSettings
from rota.policy import DEFAULT_POLICY, Policy


def move_budget(problem: Problem, settings: SolverSettings) -> int:
    """Moves the search may try: proportional to resident-sessions, with a floor."""
    if settings.improve_moves_per_resident_session <= 0 and settings.improve_min_moves <= 0:
        return 0
    size = len(problem.residents) * problem.days * len(problem.slots)
    return max(settings.improve_min_moves, int(settings.improve_moves_per_resident_session * size))


def improve_schedule(
    program: Program,
    solution: Solution,
    *,
    policy: Policy = DEFAULT_POLICY,
    settings: SolverSettings | None = None,
    kinds: Sequence[str] = MOVE_KINDS,
) -> Solution:
    """Improve a constructed schedule's fairness without breaking a rule.

    Args:
        program: The program ``solution`` was solved for.
        solution: The constructed schedule (obeying R1-R10); it is not modified.
        policy: The rules' numbers, as given to the solver.
        settings: Supplies the move budget (``improve_moves_per_resident_session``,
            ``improve_min_moves``, ``improve_switch_allowance``, ``improve_switch_price``).
        kinds: The move kinds to use, in ``MOVE_KINDS`` order (all by default; tests and
            experiments pick some).

    Returns:
        A new ``Solution`` with the improved assignments and ``improvement`` set to the
        phase's figures. Its objective is never worse than the input's; when no move
        helps, the assignments are the input's.

    Raises:
        ValueError: A move kind is not one of ``MOVE_KINDS``.
    """
    unknown = sorted(set(kinds) - set(MOVE_KINDS))
    if unknown:
        raise ValueError(f"unknown move kind {', '.join(unknown)}: choose from {MOVE_KINDS}")
    problem = compile_problem(program, policy)
    settings = settings or SolverSettings()
    search = Search(
        problem,
        solution.assignments,
        move_budget(problem, settings),
        settings.improve_switch_allowance,
        solution.plan.block_days,
        tuple(k for k in MOVE_KINDS if k in kinds),
        settings.improve_switch_price,
    )
    before = measure_quality(program, solution.assignments).objective
    search.run()
    assignments = search.assignments()
    after = measure_quality(program, assignments).objective
    stats = search.stats
    if after > before:  # cannot happen by construction; rounding is the only suspect
        assignments, after = list(solution.assignments), before
    stats.objective_before, stats.objective_after = before, after
    return Solution(assignments, solution.plan, solution.repairs, improvement=stats)


__all__ = ["MOVE_KINDS", "ImprovementStats", "improve_schedule", "move_budget"]
