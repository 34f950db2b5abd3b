"""How good a schedule is, beyond obeying the rules: the figures of a run record.

The terms, their weights and why they are there are documented in one table,
``docs/QUALITY.md``; ``QUALITY_DEFINITION`` names that definition, so a run records which
one it was measured with and history across a change of definition is not compared
blindly. Lower objective is better:

- fair call, fair weekends, fair hours: within each PGY class, a resident's expected share
  of the class's total is proportional to their available (not absent) days; the spread is
  the largest minus the smallest difference between actual and expected, scaled to 28 days;
- weekend duty is any calendar Saturday or Sunday that a duty interval touches (a Friday
  night into Saturday is weekend work);
- continuity: rotation switches, not counting a call night that continues a day's work
  (a 24-hour call is one stretch, not two switches);
- coverage above the minimum is rewarded only up to ``EXTRA_COVERAGE_LIMIT`` of the
  minimum, so the objective never prefers longer hours for their own sake.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from rota.domain import MINUTES_PER_DAY, Assignment, Program

# History of QUALITY_DEFINITION:
# - quality-1: raw max - min per PGY of call nights, weekend dates (by assignment date) and
#   hours; every rotation change a switch; every above-minimum resident-session rewarded.
# - quality-2: spreads per available day, scaled to 28 days; weekend duty by interval;
#   24-hour call not a switch; extra coverage rewarded up to EXTRA_COVERAGE_LIMIT.
QUALITY_DEFINITION = "quality-2"
"""Identifier of the quality terms and weights this module measures (see docs/QUALITY.md)."""

FAIR_DAYS = 28  # spreads are scaled to this many days of horizon
CALL_SPREAD_WEIGHT = 10.0  # per call night of spread, per PGY class
WEEKEND_SPREAD_WEIGHT = 5.0  # per weekend day of spread, per PGY class
HOURS_SPREAD_WEIGHT = 0.5  # per hour of spread, per PGY class
SWITCH_WEIGHT = 1.0  # per rotation switch
EXTRA_COVERAGE_WEIGHT = -0.1  # per resident-session above the minimum, up to the limit
EXTRA_COVERAGE_LIMIT = 0.05  # share of the minimum resident-sessions that is rewarded


@dataclass(frozen=True, slots=True)
class Quality:
    """Quality figures of one schedule (spreads keyed by PGY class, e.g. ``"PGY1"``)."""

    definition: str
    assignments: int
    resident_duty_hours: float
    coverage_ratio: float  # resident-sessions staffed / required at minimum coverage
    extra_coverage: int  # resident-sessions staffed above the minimum
    call_spread: dict[str, float]
    weekend_spread: dict[str, float]
    hours_spread: dict[str, float]
    rotation_switches: int
    objective: float

    def as_dict(self) -> dict[str, object]:
        """The figures as JSON-able data for the run record."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ResidentFigures:
    """Per-resident totals the fairness terms compare, keyed by person id."""

    available_days: dict[int, int]
    calls: dict[int, int]
    weekend_days: dict[int, int]
    minutes: dict[int, int]
    switches: dict[int, int]


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


def fair_spread(values: Sequence[float], available: Sequence[int], days: int) -> float:
    """Spread of ``values`` around shares proportional to ``available`` days, per 28 days.

    Each member's expected value is the group's total times their share of the group's
    available days; the spread is the largest minus the smallest deviation from it, scaled
    by ``FAIR_DAYS / days``. Members with no available day take no part.
    """
    pairs = [(v, a) for v, a in zip(values, available, strict=True) if a > 0]
    if len(pairs) < 2 or days <= 0:
        return 0.0
    total = sum(v for v, _ in pairs)
    days_total = sum(a for _, a in pairs)
    deviations = [v - total * a / days_total for v, a in pairs]
    return (max(deviations) - min(deviations)) * FAIR_DAYS / days


def pgy_classes(program: Program) -> dict[str, list[int]]:
    """Resident ids per PGY class (``"PGY1"`` ...), classes sorted, ids in program order."""
    classes: dict[str, list[int]] = defaultdict(list)
    for person in program.residents:
        classes[f"PGY{person.pgy}"].append(person.id)
    return dict(sorted(classes.items()))


def available_days(program: Program) -> dict[int, int]:
    """Days of the horizon each resident is not absent."""
    absent: dict[int, set[int]] = defaultdict(set)
    for a in program.absences:
        first = max(0, program.day_of(a.start))
        last = min(program.days - 1, program.day_of(a.end))
        absent[a.person_id].update(range(first, last + 1))
    return {p.id: program.days - len(absent[p.id]) for p in program.residents}


def resident_figures(program: Program, assignments: Sequence[Assignment]) -> ResidentFigures:
    """Call nights, weekend days, duty minutes and switches of every resident."""
    residents = {p.id for p in program.residents}
    sessions = {s.id: s for s in program.sessions}
    call_rotations = {r.id for r in program.rotations if r.night_is_call}
    weekend = [program.date_of(d).weekday() >= 5 for d in range(program.days)]
    calls = dict.fromkeys(residents, 0)
    minutes = dict.fromkeys(residents, 0)
    touched: dict[int, set[int]] = {pid: set() for pid in residents}
    timeline: dict[int, list[tuple[int, int, int, bool]]] = {pid: [] for pid in residents}
    for a in assignments:
        if a.person_id not in residents:
            continue
        session = sessions[a.session_id]
        day = program.day_of(a.date)
        start = day * MINUTES_PER_DAY + session.start_minute
        end = day * MINUTES_PER_DAY + session.end_minute
        is_call = session.overnight and a.rotation_id in call_rotations
        minutes[a.person_id] += session.minutes
        calls[a.person_id] += is_call
        if end > start:
            for d in range(max(0, start // MINUTES_PER_DAY), (end - 1) // MINUTES_PER_DAY + 1):
                if d < program.days and weekend[d]:
                    touched[a.person_id].add(d)
        timeline[a.person_id].append((start, end, a.rotation_id, is_call))
    return ResidentFigures(
        available_days=available_days(program),
        calls=calls,
        weekend_days={pid: len(days) for pid, days in touched.items()},
        minutes=minutes,
        switches={pid: count_switches(items) for pid, items in timeline.items()},
    )


def count_switches(items: list[tuple[int, int, int, bool]]) -> int:
    """Rotation changes along one resident's duty ``(start, end, rotation, is_call)``.

    A call night that starts exactly when the previous duty ends continues that day's
    work (24-hour call): it is left out, so day, call night, same rotation the next day
    counts no switch.
    """
    items.sort()
    switches = 0
    previous_rotation = -1
    previous_end = None
    for start, end, rotation, is_call in items:
        if is_call and start == previous_end:
            previous_end = end
            continue
        if previous_rotation >= 0 and rotation != previous_rotation:
            switches += 1
        previous_rotation = rotation
        previous_end = end
    return switches


def measure_quality(program: Program, assignments: Sequence[Assignment]) -> Quality:
    """Quality figures of ``assignments`` for ``program`` (definition ``QUALITY_DEFINITION``)."""
    figures = resident_figures(program, assignments)
    staffed: dict[tuple[object, int, int], int] = defaultdict(int)
    residents = set(figures.calls)
    for a in assignments:
        if a.person_id in residents:
            staffed[(a.date, a.session_id, a.rotation_id)] += 1
    required, extra = _coverage(program, staffed)
    call_spread: dict[str, float] = {}
    weekend_spread: dict[str, float] = {}
    hours_spread: dict[str, float] = {}
    for name, ids in pgy_classes(program).items():
        days = [figures.available_days[i] for i in ids]
        call_spread[name] = round(
            fair_spread([figures.calls[i] for i in ids], days, program.days), 2
        )
        weekend_spread[name] = round(
            fair_spread([figures.weekend_days[i] for i in ids], days, program.days), 2
        )
        hours_spread[name] = round(
            fair_spread([figures.minutes[i] / 60 for i in ids], days, program.days), 2
        )
    switches = sum(figures.switches.values())
    objective = (
        CALL_SPREAD_WEIGHT * sum(call_spread.values())
        + WEEKEND_SPREAD_WEIGHT * sum(weekend_spread.values())
        + HOURS_SPREAD_WEIGHT * sum(hours_spread.values())
        + SWITCH_WEIGHT * switches
        + EXTRA_COVERAGE_WEIGHT * rewarded_extra(extra, required)
    )
    return Quality(
        definition=QUALITY_DEFINITION,
        assignments=len(assignments),
        resident_duty_hours=round(sum(figures.minutes.values()) / 60, 2),
        coverage_ratio=round(sum(staffed.values()) / required, 4) if required else 1.0,
        extra_coverage=extra,
        call_spread=call_spread,
        weekend_spread=weekend_spread,
        hours_spread=hours_spread,
        rotation_switches=switches,
        objective=round(objective, 2),
    )


def rewarded_extra(extra: int, required: int) -> int:
    """Resident-sessions above the minimum that the objective rewards: up to the limit."""
    return min(extra, int(EXTRA_COVERAGE_LIMIT * required))


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


__all__ = [
    "CALL_SPREAD_WEIGHT",
    "EXTRA_COVERAGE_LIMIT",
    "EXTRA_COVERAGE_WEIGHT",
    "FAIR_DAYS",
    "HOURS_SPREAD_WEIGHT",
    "QUALITY_DEFINITION",
    "SWITCH_WEIGHT",
    "WEEKEND_SPREAD_WEIGHT",
    "Quality",
    "ResidentFigures",
    "available_days",
    "count_switches",
    "fair_spread",
    "measure_quality",
    "pgy_classes",
    "resident_figures",
    "rewarded_extra",
    "schedule_hash",
]
