"""Seeded datasets: a residency program as a pure function of (tier, seed).

The seed chooses names, who is absent when and for what; the tier fixes every size and
the rotation catalogue fixes the structure. Ids are local (1..n per table); the database
assigns its own when the dataset is seeded, and rows are matched by code or name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass

from rota.datasets.catalogue import CATALOGUE, DEFAULT_SESSIONS, RotationTemplate
from rota.datasets.fingerprint import fingerprint
from rota.datasets.tiers import Tier, get_tier
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

START_DATE = dt.date(2027, 7, 5)  # a Monday in the first week of an academic year
ABSENCE_SHARE = 0.05  # of resident-days, in multi-day blocks
# Coverage is scaled per tier so minimum coverage asks about this much of each resident;
# the solver adds coverage above the minimum up to its own weekly target.
TARGET_MINIMUM_HOURS_PER_WEEK = 45.0
_SCALES = tuple(x / 20 for x in range(14, 41))  # 0.70 .. 2.00

_FIRST = (
    "Ada",
    "Ben",
    "Chen",
    "Dara",
    "Eli",
    "Farah",
    "Gus",
    "Hana",
    "Ivan",
    "Jun",
    "Kemi",
    "Luis",
    "Mina",
    "Noor",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Vik",
    "Wen",
    "Xia",
    "Yara",
    "Zane",
)
_LAST = (
    "Abbott",
    "Bose",
    "Costa",
    "Diallo",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lund",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Yilmaz",
    "Zhou",
)
# (kind, shortest block in days, longest block in days, relative frequency)
_ABSENCE_KINDS = (("vacation", 5, 7, 3), ("conference", 2, 4, 2), ("sick", 1, 3, 2))


@dataclass(frozen=True, slots=True)
class GeneratedDataset:
    """A generated program with the (tier, seed) it is a function of, and its fingerprint."""

    tier: Tier
    seed: int
    program: Program
    fingerprint: str


def generate_dataset(tier: str | Tier, seed: int = 0) -> GeneratedDataset:
    """Generate the dataset of ``tier`` for ``seed``; the same arguments give the same rows."""
    spec = get_tier(tier) if isinstance(tier, str) else tier
    rng = random.Random(_seed_bytes(spec.name, seed))
    sessions = tuple(
        SessionDef(i, s.name, s.start_minute, s.end_minute)
        for i, s in enumerate(DEFAULT_SESSIONS[: spec.sessions_per_day], start=1)
    )
    people = _people(spec, rng)
    rotations = min(
        (_rotations(spec, sessions, scale) for scale in _SCALES),
        key=lambda rots: abs(
            minimum_hours_per_week(rots, sessions, spec) - TARGET_MINIMUM_HOURS_PER_WEEK
        ),
    )
    absences = _absences(spec, people, rng)
    program = Program(START_DATE, spec.days, sessions, people, rotations, absences)
    return GeneratedDataset(spec, seed, program, fingerprint(program))


def _seed_bytes(tier: str, seed: int) -> bytes:
    """Seed material independent of PYTHONHASHSEED and of the Python version."""
    return hashlib.sha256(f"rota:{tier}:{seed}".encode()).digest()


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _people(spec: Tier, rng: random.Random) -> tuple[Person, ...]:
    people: list[Person] = []
    for pgy, count in enumerate(spec.pgy_counts, start=1):
        for _ in range(count):
            n = len(people) + 1
            people.append(Person(n, f"R{n:03d}", Role.RESIDENT, pgy, _name(rng)))
    for k in range(1, spec.faculty + 1):
        n = len(people) + 1
        people.append(Person(n, f"F{k:03d}", Role.FACULTY, None, _name(rng)))
    return tuple(people)


def minimum_hours_per_week(
    rotations: tuple[Rotation, ...], sessions: tuple[SessionDef, ...], spec: Tier
) -> float:
    """Duty hours per resident per week that minimum coverage asks for (a 7-day week)."""
    minutes = {s.id: s.minutes for s in sessions}
    weekly = 0.0
    for r in rotations:
        open_days = 7 if r.weekend_rule is WeekendRule.STAFFED else 5
        weekly += open_days * sum(c.min_residents * minutes[c.session_id] for c in r.coverage)
    return weekly / 60 / spec.residents


def _rotations(spec: Tier, sessions: tuple[SessionDef, ...], scale: float) -> tuple[Rotation, ...]:
    templates = CATALOGUE[: spec.rotations]
    total_share = sum(t.share for t in templates)
    day_sessions = [s for s in sessions if not s.overnight]
    night_sessions = [s for s in sessions if s.overnight]
    rotations = []
    for rid, t in enumerate(templates, start=1):
        team = spec.residents * t.share / total_share * scale
        coverage = [
            *_coverage(day_sessions, team, t.day_min, t.day_max, floor=1),
            *_coverage(night_sessions, team, t.night_min, t.night_max, floor=t.night_floor),
        ]
        rotations.append(_rotation(rid, t, tuple(coverage)))
    return tuple(rotations)


def _coverage(
    sessions: list[SessionDef], team: float, low: float | None, high: float | None, floor: int
) -> list[Coverage]:
    if low is None or high is None:
        return []
    minimum = 0 if low == 0 else max(floor, round(low * team))
    maximum = max(minimum, 1, round(high * team))
    return [Coverage(s.id, minimum, maximum) for s in sessions]


def _rotation(rid: int, t: RotationTemplate, coverage: tuple[Coverage, ...]) -> Rotation:
    return Rotation(
        id=rid,
        code=t.code,
        name=t.name,
        kind=t.kind,
        min_pgy=t.min_pgy,
        max_pgy=t.max_pgy,
        coverage=coverage,
        supervised=t.supervised,
        supervision_capacity=t.supervision_capacity,
        pgy1_weight=t.pgy1_weight,
        weekend_rule=t.weekend_rule,
        night_is_call=t.night_is_call,
    )


def _absences(spec: Tier, people: tuple[Person, ...], rng: random.Random) -> tuple[Absence, ...]:
    """Multi-day absences covering about ``ABSENCE_SHARE`` of each resident's days.

    Like a program director approving leave, at most a quarter of a PGY class (and of the
    seniors, PGY-2 and up, together) is away on any day, at least one person per group.
    """
    kinds = [k for k in _ABSENCE_KINDS for _ in range(k[3])]
    residents = [p for p in people if p.is_resident]
    groups: dict[str, list[int]] = {}
    for p in residents:
        groups.setdefault(f"pgy{p.pgy}", []).append(p.id)
        if (p.pgy or 1) >= 2:
            groups.setdefault("seniors", []).append(p.id)
    caps = {g: max(1, len(ids) // 4) for g, ids in groups.items()}
    away = {g: [0] * spec.days for g in groups}
    member_of = {
        pid: [g for g, ids in groups.items() if pid in ids] for pid in (p.id for p in residents)
    }
    absences: list[Absence] = []
    for person in residents:
        budget = round(spec.days * ABSENCE_SHARE + rng.uniform(-0.5, 0.5))
        taken: set[int] = set()
        attempts = 0
        while budget > 0 and attempts < 50:
            attempts += 1
            kind, shortest, longest, _ = rng.choice(kinds)
            length = min(budget, rng.randint(shortest, longest))
            first = rng.randrange(0, spec.days - length + 1)
            span = range(first, first + length)
            if set(range(first - 1, first + length + 1)) & taken:
                continue  # keep a gap between one person's blocks
            if any(away[g][d] >= caps[g] for g in member_of[person.id] for d in span):
                continue
            taken.update(span)
            for g in member_of[person.id]:
                for d in span:
                    away[g][d] += 1
            budget -= length
            start = START_DATE + dt.timedelta(days=first)
            end = start + dt.timedelta(days=length - 1)
            absences.append(Absence(person.id, start, end, kind))
    absences.sort(key=lambda a: (a.person_id, a.start))
    return tuple(absences)
