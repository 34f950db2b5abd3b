"""A small hand-built program for the database tests, independent of the generator.

Its local ids are deliberately scattered (not 1..n) so that a test passes only if seeding
maps rows by code and name rather than trusting ids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from rota.datasets.fingerprint import fingerprint
from rota.datasets.generator import GeneratedDataset
from rota.datasets.tiers import Tier
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

HAND_TIER = Tier("hand", (2, 1), faculty=1, rotations=3, days=7)
MONDAY = dt.date(2027, 1, 4)


def hand_built_program() -> Program:
    """Three sessions, three residents and a faculty member, three rotations, two absences."""
    am = SessionDef(11, "AM", 420, 720)
    pm = SessionDef(12, "PM", 720, 1020)
    night = SessionDef(13, "NIGHT", 1020, 1860)
    people = (
        Person(7, "R002", Role.RESIDENT, 1, "Ben Bose"),
        Person(5, "R001", Role.RESIDENT, 1, "Ada Abbott"),
        Person(9, "R003", Role.RESIDENT, 2, "Chen Costa"),
        Person(3, "F001", Role.FACULTY, None, "Dara Diallo"),
    )
    base = Rotation(
        id=0, code="", name="", kind="inpatient", min_pgy=1, max_pgy=None, coverage=(),
        supervised=False, supervision_capacity=None, pgy1_weight=None,
        weekend_rule=WeekendRule.STAFFED, night_is_call=False,
    )  # fmt: skip
    rotations = (
        replace(
            base, id=21, code="WARD", name="Ward", supervised=True, supervision_capacity=4,
            pgy1_weight=2, night_is_call=True,
            coverage=(Coverage(am.id, 1, 2), Coverage(pm.id, 1, 2), Coverage(night.id, 1, 1)),
        ),
        replace(
            base, id=22, code="CLINIC", name="Clinic", kind="outpatient",
            weekend_rule=WeekendRule.CLOSED,
            coverage=(Coverage(am.id, 0, 1), Coverage(pm.id, 0, 1)),
        ),
        replace(
            base, id=20, code="ICU", name="Intensive care", min_pgy=2, max_pgy=3,
            supervised=True, supervision_capacity=1, coverage=(Coverage(night.id, 0, 1),),
        ),
    )  # fmt: skip
    absences = (
        Absence(7, MONDAY + dt.timedelta(days=2), MONDAY + dt.timedelta(days=4), "vacation"),
        Absence(3, MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=1), "conference"),
    )
    return Program(MONDAY, 7, (night, am, pm), people, rotations, absences)


def as_generated(program: Program, *, seed: int = 0, tier: Tier = HAND_TIER) -> GeneratedDataset:
    """``program`` wrapped as the generator would return it."""
    return GeneratedDataset(tier, seed, program, fingerprint(program))
