"""The rotation catalogue: which rotations a tier has and how their coverage scales.

A tier with ``k`` rotations takes the first ``k`` entries. Each entry has a share of the
residents; its coverage (minimum and maximum residents per session) is derived from the
team that share implies, so every tier, from 6 to 180 residents, asks about the same duty
of each resident: about 55-60 h a week at minimum coverage, which makes R1, R2 and R6 bind
without making the program infeasible.
"""

from __future__ import annotations

from dataclasses import dataclass

from rota.domain import WeekendRule


@dataclass(frozen=True, slots=True)
class SessionTemplate:
    """A session of the default day: AM 07:00-12:00, PM 12:00-17:00, NIGHT 17:00-07:00."""

    name: str
    start_minute: int
    end_minute: int


DEFAULT_SESSIONS: tuple[SessionTemplate, ...] = (
    SessionTemplate("AM", 7 * 60, 12 * 60),
    SessionTemplate("PM", 12 * 60, 17 * 60),
    SessionTemplate("NIGHT", 17 * 60, 31 * 60),
)


@dataclass(frozen=True, slots=True)
class RotationTemplate:
    """One rotation of the catalogue, with coverage given per team member.

    ``day_min``/``day_max`` and ``night_min``/``night_max`` are fractions of the team
    (the rotation's share of residents); a session with a fraction of None is not staffed.
    ``night_floor`` is the fewest residents a staffed night ever has.
    """

    code: str
    name: str
    kind: str
    share: float
    min_pgy: int = 1
    max_pgy: int | None = None
    day_min: float | None = None
    day_max: float | None = None
    night_min: float | None = None
    night_max: float | None = None
    night_floor: int = 1
    supervised: bool = False
    supervision_capacity: int | None = None
    pgy1_weight: int | None = None
    weekend_rule: WeekendRule = WeekendRule.STAFFED
    night_is_call: bool = False


def _ward(code: str, name: str, share: float) -> RotationTemplate:
    """Day wards: an AM and PM team; their nights are covered by the in-house call rotation."""
    return RotationTemplate(code, name, "ward", share, day_min=0.45, day_max=0.85, supervised=True)


def _call(code: str, name: str, share: float) -> RotationTemplate:
    """In-house call: residents who worked the day stay the night (24 h call)."""
    return RotationTemplate(
        code, name, "call", share, night_min=0.5, night_max=0.5, night_is_call=True
    )


CATALOGUE: tuple[RotationTemplate, ...] = (
    _ward("WARD-A", "General medicine wards A", 0.24),
    _call("CALL", "In-house call", 0.10),
    RotationTemplate(
        "NF", "Night float", "night_float", 0.10, min_pgy=2, night_min=0.55, night_max=0.8
    ),
    RotationTemplate(
        "CLINIC",
        "Continuity clinic",
        "clinic",
        0.16,
        day_min=0.5,
        day_max=0.9,
        supervised=True,
        weekend_rule=WeekendRule.CLOSED,
    ),
    RotationTemplate(
        "ICU",
        "Medical ICU",
        "icu",
        0.14,
        day_min=0.45,
        day_max=0.8,
        night_min=1 / 6,
        night_max=1 / 4,
        supervised=True,
        supervision_capacity=2,
        night_is_call=True,
    ),
    RotationTemplate(
        "ELECTIVE",
        "Elective",
        "elective",
        0.12,
        min_pgy=2,
        day_min=0.0,
        day_max=0.9,
        weekend_rule=WeekendRule.CLOSED,
    ),
    _ward("WARD-B", "General medicine wards B", 0.22),
    RotationTemplate(
        "CARDS",
        "Cardiology consults",
        "consult",
        0.10,
        min_pgy=2,
        day_min=0.4,
        day_max=0.8,
        supervised=True,
    ),
    RotationTemplate(
        "ED",
        "Emergency department",
        "emergency",
        0.10,
        day_min=0.35,
        day_max=0.6,
        night_min=0.2,
        night_max=0.3,
        supervised=True,
    ),
    _ward("WARD-C", "Hospitalist wards C", 0.20),
    RotationTemplate(
        "GERI",
        "Geriatrics consults",
        "consult",
        0.08,
        day_min=0.4,
        day_max=0.8,
        supervised=True,
        weekend_rule=WeekendRule.CLOSED,
    ),
    RotationTemplate(
        "CCU",
        "Cardiac ICU",
        "icu",
        0.12,
        min_pgy=2,
        day_min=0.45,
        day_max=0.8,
        night_min=1 / 6,
        night_max=1 / 4,
        supervised=True,
        supervision_capacity=2,
        pgy1_weight=1,
        night_is_call=True,
    ),
    RotationTemplate(
        "RESEARCH",
        "Research elective",
        "elective",
        0.08,
        min_pgy=2,
        day_min=0.0,
        day_max=0.9,
        weekend_rule=WeekendRule.CLOSED,
    ),
    RotationTemplate(
        "SUBCLINIC",
        "Subspecialty clinic",
        "clinic",
        0.10,
        min_pgy=2,
        day_min=0.5,
        day_max=0.9,
        supervised=True,
        weekend_rule=WeekendRule.CLOSED,
    ),
)
