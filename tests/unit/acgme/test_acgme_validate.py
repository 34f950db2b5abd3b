"""The validator entry point, its report order and its public API."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

import rota.acgme
from rota.acgme import RULES, Violation, summarize, validate
from rota.domain import Assignment, Program
from rota.errors import UsageError

MakeProgram = Callable[..., Program]
Assign = Callable[..., Assignment]


def _compliant(program: Program, assign: Assign) -> list[Assignment]:
    """A week of resident 1 on WARD mornings with faculty 101 supervising."""
    return [assign(program, pid, day) for day in range(5) for pid in (1, 101)]


def test_compliant_schedule_has_no_violations(make_program: MakeProgram, assign: Assign) -> None:
    """A schedule within every rule validates clean."""
    program = make_program(days=7)
    assert validate(program, _compliant(program, assign)) == []


def test_empty_schedule_has_no_violations(make_program: MakeProgram) -> None:
    """No assignments at all break no rule (coverage minima default to zero)."""
    assert validate(make_program(days=28), []) == []


def test_violations_are_sorted_by_rule_person_and_start(
    make_program: MakeProgram, assign: Assign
) -> None:
    """The report lists R9 before R10 and, within a rule, people then start times in order."""
    program = make_program(days=7)
    schedule = [
        *[assign(program, 1, day) for day in range(5)],  # unsupervised: R7 on every morning
        assign(program, 2, 3),
        assign(program, 2, 3),  # R10 duplicate (and more R7 weight)
        assign(program, 1, 7),  # R10 outside the horizon
        assign(program, 1, 1, "AM", "ICU"),  # R9 PGY-1 on ICU, R10 second AM for 1 on day 1
        assign(program, 101, 0, "PM", "CLINIC"),  # R9 faculty on unsupervised rotation
    ]
    violations = validate(program, list(reversed(schedule)))
    assert [v.rule for v in violations] == ["R7"] * 6 + ["R9"] * 2 + ["R10"] * 3
    assert violations == sorted(violations, key=Violation.sort_key)
    assert [(v.person_id, v.start.day) for v in violations if v.rule == "R10"] == [
        (1, 5),
        (1, 11),
        (2, 7),
    ]


def test_rules_selects_checks(make_program: MakeProgram, assign: Assign) -> None:
    """Only the rules asked for run, whatever their case or order."""
    program = make_program(days=7)
    schedule = [assign(program, 1, 0), assign(program, 1, 0)]
    assert {v.rule for v in validate(program, schedule)} == {"R7", "R10"}
    assert {v.rule for v in validate(program, schedule, rules=["r10", "R1"])} == {"R10"}
    assert validate(program, schedule, rules=[]) == []


def test_unknown_rule_is_a_usage_error(make_program: MakeProgram) -> None:
    """Asking for a rule that does not exist names it and the known ones."""
    with pytest.raises(UsageError, match=r"unknown rule R11: choose from R1, R2"):
        validate(make_program(days=7), [], rules=["R1", "R11"])


def test_summarize_counts_every_rule(make_program: MakeProgram, assign: Assign) -> None:
    """The summary has every rule id in order, zeros included."""
    program = make_program(days=7)
    counts = summarize(validate(program, [assign(program, 1, 0)] * 2))
    assert list(counts) == [f"R{n}" for n in range(1, 11)]
    assert counts == dict.fromkeys(RULES, 0) | {"R7": 1, "R10": 1}


def test_rules_table_maps_every_rule_to_its_check() -> None:
    """RULES holds R1-R10 in order, each mapped to the function named after it."""
    assert list(RULES) == [f"R{n}" for n in range(1, 11)]
    assert all(check.__name__ == f"check_{rule.lower()}" for rule, check in RULES.items())


def test_violation_is_frozen() -> None:
    """A violation cannot be altered after it is reported."""
    when = dt.datetime(2027, 1, 4)
    violation = Violation("R1", 1, None, when, when, 1.0, 0.0, "x")
    with pytest.raises(AttributeError):
        violation.rule = "R2"  # type: ignore[misc]


def test_exported_members() -> None:
    """The package exports exactly its documented public API."""
    assert sorted(rota.acgme.__all__) == ["RULES", "Violation", "summarize", "validate"]
    for name in rota.acgme.__all__:
        assert getattr(rota.acgme, name) is not None


def test_validator_never_imports_the_solver() -> None:
    """No module of rota.acgme imports rota.engine, so the validator stays independent."""
    package = Path(rota.acgme.__file__).parent
    imported: set[str] = set()
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    rota_modules = {m for m in imported if m.startswith("rota")}
    assert rota_modules
    assert all(
        m.startswith(("rota.acgme", "rota.domain", "rota.policy", "rota.errors"))
        for m in rota_modules
    )
