"""An infeasible program fails with a message naming the binding constraint."""

from __future__ import annotations

import dataclasses

import pytest

from rota.datasets import generate_dataset
from rota.domain import Coverage, Program
from rota.engine.generate import solve_program
from rota.errors import InfeasibleError


def _with_night_float_minimum(program: Program, minimum: int) -> Program:
    rotations = tuple(
        dataclasses.replace(
            r, coverage=tuple(Coverage(c.session_id, minimum, minimum) for c in r.coverage)
        )
        if r.code == "NF"
        else r
        for r in program.rotations
    )
    return dataclasses.replace(program, rotations=rotations)


def test_too_few_residents_for_coverage_names_rule_rotation_date_and_counts() -> None:
    """Night float needing 5 of tiny's 4 seniors (one away) fails as R8 on its first night."""
    program = _with_night_float_minimum(generate_dataset("tiny", 0).program, 5)
    with pytest.raises(InfeasibleError) as caught:
        solve_program(program, seed=0)
    message = str(caught.value)
    assert "R8 rotation NF on 2027-07-05 NIGHT needs 5 residents, 3 available" in message
    assert "2 ineligible PGY (R9)" in message
    assert "1 R9 absence" in message
    assert caught.value.exit_code == 3


def test_missing_faculty_is_reported_as_r7() -> None:
    """A supervised rotation with no faculty in the program fails on supervision (R7)."""
    program = generate_dataset("tiny", 0).program
    program = dataclasses.replace(program, people=program.residents)
    with pytest.raises(
        InfeasibleError, match=r"R7 rotation \S+ on 2027-07-05 AM needs 1 faculty, 0"
    ):
        solve_program(program, seed=0)
