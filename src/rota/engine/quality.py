"""How good a schedule is, beyond obeying the rules: the figures of a run record.

Soft goals (lower objective is better):

- fair call: the spread (max - min) of call nights among residents of the same PGY;
- fair weekends: the spread of weekend days on duty among residents of the same PGY;
- fair hours: the spread of total duty hours among residents of the same PGY;
- continuity: rotation switches, each time a resident's duty moves to another rotation;
- coverage: resident-sessions staffed above the minimum, where capacity allowed it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import TypeVar

from rota.domain import Assignment, Program

SpreadT = TypeVar("SpreadT", int, float)

# Weights of the objective: one call night of unfairness costs as much as ten switches.
CALL_SPREAD_WEIGHT = 10.0
WEEKEND_SPREAD_WEIGHT = 5.0
HOURS_SPREAD_WEIGHT = 0.5
SWITCH_WEIGHT = 1.0
EXTRA_COVERAGE_WEIGHT = -0.1


@dataclass(frozen=True, slots=True)
class Quality:
    """Quality figures of one schedule (spreads keyed by PGY level)."""

    assignments: int
    resident_duty_hours: float
    coverage_ratio: float  # resident-sessions staffed / required at minimum coverage
    extra_coverage: int  # resident-sessions staffed above the minimum
    call_spread: dict[str, int]
    weekend_spread: dict[str, int]
    hours_spread: dict[str, float]
    rotation_switches: int
    objective: float

    def as_dict(self) -> dict[str, object]:
        """The figures as JSON-able data for the run record."""
        return asdict(self)


def schedule_hash(program: Program, assignments: Sequence[Assignment]) -> str:
    """SHA-256 of the assignments in canonical order, by natural keys (never database ids).

    The same schedule has the same hash whichever database it was stored in.
    """
    people = {p.id: p.code for p in program.people}
    sessions = {s.id: s.name for s in program.sessions}
    rotations = {r.id: r.code for r in program.rotations}
    rows = sorted(
        (a.date.isoformat(), sessions[a.session_id], people[a.person_id], rotations[a.rotation_id])
        for a in assignments
    )
    digest = hashlib.sha256()
    for row in rows:
        digest.update(",".join(row).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def measure_quality(program: Program, assignments: Sequence[Assignment]) -> Quality:
    """Quality figures of ``assignments`` for ``program``."""
    residents = {p.id: p for p in program.residents}
    minutes = {s.id: s.minutes for s in program.sessions}
    overnight = {s.id for s in program.sessions if s.overnight}
    call_rotations = {r.id for r in program.rotations if r.night_is_call}
    calls: dict[int, int] = dict.fromkeys(residents, 0)
    hours: dict[int, float] = dict.fromkeys(residents, 0.0)
    weekend_days: dict[int, set[object]] = {pid: set() for pid in residents}
    timeline: dict[int, list[tuple[object, int, int]]] = defaultdict(list)
    staffed: dict[tuple[object, int, int], int] = defaultdict(int)
    start_of = {s.id: s.start_minute for s in program.sessions}
    for a in assignments:
        if a.person_id not in residents:
            continue
        hours[a.person_id] += minutes[a.session_id] / 60
        if a.session_id in overnight and a.rotation_id in call_rotations:
            calls[a.person_id] += 1
        if a.date.weekday() >= 5:
            weekend_days[a.person_id].add(a.date)
        timeline[a.person_id].append((a.date, start_of[a.session_id], a.rotation_id))
        staffed[(a.date, a.session_id, a.rotation_id)] += 1
    switches = 0
    for items in timeline.values():
        items.sort()
        switches += sum(1 for prev, cur in pairwise(items) if prev[2] != cur[2])
    required, extra = _coverage(program, staffed)
    staffed_total = sum(staffed.values())
    by_pgy: dict[str, list[int]] = defaultdict(list)
    for pid, person in residents.items():
        by_pgy[f"PGY{person.pgy}"].append(pid)
    call_spread = {k: _spread([calls[i] for i in ids]) for k, ids in sorted(by_pgy.items())}
    weekend_spread = {
        k: _spread([len(weekend_days[i]) for i in ids]) for k, ids in sorted(by_pgy.items())
    }
    hours_spread = {
        k: round(_spread([hours[i] for i in ids]), 2) for k, ids in sorted(by_pgy.items())
    }
    objective = (
        CALL_SPREAD_WEIGHT * sum(call_spread.values())
        + WEEKEND_SPREAD_WEIGHT * sum(weekend_spread.values())
        + HOURS_SPREAD_WEIGHT * sum(hours_spread.values())
        + SWITCH_WEIGHT * switches
        + EXTRA_COVERAGE_WEIGHT * extra
    )
    return Quality(
        assignments=len(assignments),
        resident_duty_hours=round(sum(hours.values()), 2),
        coverage_ratio=round(staffed_total / required, 4) if required else 1.0,
        extra_coverage=extra,
        call_spread=call_spread,
        weekend_spread=weekend_spread,
        hours_spread=hours_spread,
        rotation_switches=switches,
        objective=round(objective, 2),
    )


def _coverage(program: Program, staffed: dict[tuple[object, int, int], int]) -> tuple[int, int]:
    """Resident-sessions required at minimum coverage, and those staffed above it."""
    required = extra = 0
    for day in range(program.days):
        date = program.date_of(day)
        for r in program.rotations:
            if not r.open_on(date):
                continue
            for c in r.coverage:
                required += c.min_residents
                extra += max(0, staffed.get((date, c.session_id, r.id), 0) - c.min_residents)
    return required, extra


def _spread(values: Sequence[SpreadT]) -> SpreadT | int:
    return max(values) - min(values) if values else 0
