"""Property: improvement never breaks a rule nor worsens the objective, and repeats (issue 12).

Random small programs come from the solver's own property test; whatever the solver
builds, the improvement phase's schedule passes the independent validator.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.engine.test_solver_properties import programs

from rota.acgme import validate
from rota.domain import Program
from rota.engine.generate import solve_program
from rota.engine.improve import improve_schedule
from rota.engine.quality import measure_quality, schedule_hash
from rota.engine.solver import SolverSettings
from rota.errors import InfeasibleError

BUDGET = SolverSettings(improve_min_moves=300, improve_moves_per_resident_session=0)


@settings(max_examples=80, deadline=None)
@given(programs(), st.integers(0, 3))
def test_improvement_keeps_every_rule_and_never_worsens_the_objective(
    program: Program, seed: int
) -> None:
    """Improved schedules validate clean, score no worse, and repeat hash for hash."""
    try:
        constructed = solve_program(program, seed=seed)
    except InfeasibleError:
        return
    improved = improve_schedule(program, constructed, settings=BUDGET)
    assert validate(program, improved.assignments) == []
    before = measure_quality(program, constructed.assignments)
    after = measure_quality(program, improved.assignments)
    assert after.objective <= before.objective
    assert after.coverage_ratio == before.coverage_ratio
    again = improve_schedule(program, solve_program(program, seed=seed), settings=BUDGET)
    assert schedule_hash(program, again.assignments) == schedule_hash(program, improved.assignments)
