"""Factory fixtures for the validator tests: small in-memory programs from readable specs.

These build ``rota.domain`` objects, not database rows, hence ``make_domain_rotation``
(the root conftest's ``make_rotation`` inserts a row).

Sessions and rotations are looked up by name and code, so tests never hard-code ids.
The default day is AM 07:00-12:00, PM 12:00-17:00 and NIGHT 17:00-07:00; the default
rotations are WARD (supervised, its night is call), CLINIC (weekdays only, unsupervised)
and ICU (PGY-2 and up, supervised 1:1, call). Residents have ids 1, 2, ... and codes
R001, ...; faculty have ids 101, 102, ... and codes F001, ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pytest

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

MONDAY = dt.date(2027, 1, 4)
DEFAULT_SESSIONS: tuple[tuple[str, int, int], ...] = (
    ("AM", 420, 720),
    ("PM", 720, 1020),
    ("NIGHT", 1020, 1860),
)

MakeDomainRotation = Callable[..., Rotation]
MakeProgram = Callable[..., Program]
Assign = Callable[..., Assignment]


def _rotation(
    rotation_id: int,
    code: str,
    *,
    coverage: Sequence[tuple[int, int, int]] = (),
    min_pgy: int = 1,
    max_pgy: int | None = None,
    supervised: bool = False,
    capacity: int | None = None,
    pgy1_weight: int | None = None,
    weekend: WeekendRule = WeekendRule.STAFFED,
    night_is_call: bool = False,
) -> Rotation:
    """A rotation; ``coverage`` holds (session id, min residents, max residents) rows."""
    return Rotation(
        id=rotation_id,
        code=code,
        name=code.title(),
        kind="test",
        min_pgy=min_pgy,
        max_pgy=max_pgy,
        coverage=tuple(Coverage(*row) for row in coverage),
        supervised=supervised,
        supervision_capacity=capacity,
        pgy1_weight=pgy1_weight,
        weekend_rule=weekend,
        night_is_call=night_is_call,
    )


@pytest.fixture
def make_domain_rotation() -> MakeDomainRotation:
    """Build one rotation from keyword settings (see ``_rotation``)."""
    return _rotation


@pytest.fixture
def make_program() -> MakeProgram:
    """Build a program: ``make_program(days=28, pgys=(1, 2, 3), faculty=1, ...)``."""

    def factory(
        days: int = 28,
        pgys: Sequence[int] = (1, 2, 3),
        faculty: int = 1,
        sessions: Sequence[tuple[str, int, int]] = DEFAULT_SESSIONS,
        rotations: Sequence[Rotation] | None = None,
        absences: Sequence[tuple[int, int, int]] = (),
        start_date: dt.date = MONDAY,
    ) -> Program:
        session_defs = tuple(
            SessionDef(index, name, start, end)
            for index, (name, start, end) in enumerate(sessions, start=1)
        )
        everywhere = [(s.id, 0, 10) for s in session_defs]
        if rotations is None:
            rotations = (
                _rotation(1, "WARD", coverage=everywhere, supervised=True, night_is_call=True),
                _rotation(
                    2,
                    "CLINIC",
                    coverage=[(s.id, 0, 2) for s in session_defs if not s.overnight],
                    weekend=WeekendRule.CLOSED,
                ),
                _rotation(
                    3,
                    "ICU",
                    coverage=everywhere,
                    min_pgy=2,
                    supervised=True,
                    capacity=1,
                    night_is_call=True,
                ),
            )
        people = tuple(
            Person(index, f"R{index:03}", Role.RESIDENT, pgy, f"Resident {index}")
            for index, pgy in enumerate(pgys, start=1)
        ) + tuple(
            Person(100 + index, f"F{index:03}", Role.FACULTY, None, f"Faculty {index}")
            for index in range(1, faculty + 1)
        )
        return Program(
            start_date=start_date,
            days=days,
            sessions=session_defs,
            people=people,
            rotations=tuple(rotations),
            absences=tuple(
                Absence(
                    pid,
                    start_date + dt.timedelta(first),
                    start_date + dt.timedelta(last),
                    "vacation",
                )
                for pid, first, last in absences
            ),
        )

    return factory


@pytest.fixture
def assign() -> Assign:
    """Build an assignment by names: ``assign(program, person_id, day, "NIGHT", "WARD")``."""

    def factory(
        program: Program, person_id: int, day: int, session: str = "AM", rotation: str = "WARD"
    ) -> Assignment:
        session_id = next(s.id for s in program.sessions if s.name == session)
        rotation_id = next(r.id for r in program.rotations if r.code == rotation)
        return Assignment(person_id, program.date_of(day), session_id, rotation_id)

    return factory
