"""The solver's view of a program: dense indexes and precomputed per-day facts.

Compiling once keeps the solver's inner loops on lists and ints: people are indexed in
code order (residents first), sessions in start order, and every rotation-session's
coverage and supervision figures are looked up by index.
"""

from __future__ import annotations

from dataclasses import dataclass

from rota.domain import MINUTES_PER_DAY, Person, Program, Rotation, SessionDef
from rota.policy import Policy, WindowLimits


@dataclass(frozen=True, slots=True)
class SessionSlot:
    """A session with its minutes split at midnight."""

    index: int
    session: SessionDef
    start: int  # minutes after the day's midnight
    end: int
    minutes_today: int
    minutes_next_day: int

    @property
    def overnight(self) -> bool:
        """True when the session runs into the next calendar day."""
        return self.minutes_next_day > 0


@dataclass(frozen=True, slots=True)
class RotationInfo:
    """A rotation with its coverage per session index and its R7 figures."""

    index: int
    rotation: Rotation
    coverage: dict[int, tuple[int, int]]  # session index -> (min residents, max residents)
    open_days: tuple[bool, ...]  # per horizon day
    eligible: tuple[bool, ...]  # per resident index
    capacity: int  # supervision capacity (0 when unsupervised)
    weights: tuple[int, ...]  # supervision weight per resident index
    flexible: bool  # no minimum anywhere: a pool that absorbs spare residents
    call_pool: bool  # unsupervised in-house call only: staffed from the day teams, no team

    def call_session(self, slot: SessionSlot) -> bool:
        """True when working this session on this rotation is an in-house call night."""
        return self.rotation.night_is_call and slot.overnight


@dataclass(frozen=True, slots=True)
class Problem:
    """A program compiled for the solver."""

    program: Program
    policy: Policy
    window: WindowLimits
    residents: tuple[Person, ...]
    faculty: tuple[Person, ...]
    slots: tuple[SessionSlot, ...]
    rotations: tuple[RotationInfo, ...]
    absent: tuple[bytes, ...]  # per person index (residents then faculty): 1 on absent days

    @property
    def days(self) -> int:
        """Days in the horizon."""
        return self.program.days

    @property
    def people(self) -> tuple[Person, ...]:
        """Residents then faculty: the order of every per-person array."""
        return self.residents + self.faculty


def compile_problem(program: Program, policy: Policy) -> Problem:
    """Index ``program`` for the solver."""
    residents = tuple(sorted(program.residents, key=lambda p: p.code))
    faculty = tuple(sorted(program.faculty, key=lambda p: p.code))
    ordered = sorted(program.sessions, key=lambda s: (s.start_minute, s.name))
    slots = tuple(
        SessionSlot(
            i,
            s,
            s.start_minute,
            s.end_minute,
            min(s.end_minute, MINUTES_PER_DAY) - s.start_minute,
            max(0, s.end_minute - MINUTES_PER_DAY),
        )
        for i, s in enumerate(ordered)
    )
    slot_of_session = {slot.session.id: slot.index for slot in slots}
    dates = [program.date_of(d) for d in range(program.days)]
    rotations = []
    for index, r in enumerate(sorted(program.rotations, key=lambda r: r.code)):
        coverage = {
            slot_of_session[c.session_id]: (c.min_residents, c.max_residents) for c in r.coverage
        }
        rotations.append(
            RotationInfo(
                index=index,
                rotation=r,
                coverage=coverage,
                open_days=tuple(r.open_on(day) for day in dates),
                eligible=tuple(r.eligible(p.pgy) for p in residents),
                capacity=(r.supervision_capacity or policy.supervision_capacity)
                if r.supervised
                else 0,
                weights=tuple(policy.resident_weight(p.pgy or 1, r.pgy1_weight) for p in residents),
                flexible=all(lo == 0 for lo, _ in coverage.values()),
                call_pool=r.night_is_call
                and not r.supervised
                and all(slots[i].overnight for i in coverage),
            )
        )
    return Problem(
        program=program,
        policy=policy,
        window=policy.window(program.days),
        residents=residents,
        faculty=faculty,
        slots=slots,
        rotations=tuple(rotations),
        absent=_absent_days(program, residents + faculty),
    )


def _absent_days(program: Program, people: tuple[Person, ...]) -> tuple[bytes, ...]:
    index = {p.id: i for i, p in enumerate(people)}
    # One spare day at the end so an overnight session on the last day can look ahead.
    absent = [bytearray(program.days + 1) for _ in people]
    for a in program.absences:
        first = max(0, program.day_of(a.start))
        last = min(program.days - 1, program.day_of(a.end))
        row = absent[index[a.person_id]]
        for d in range(first, last + 1):
            row[d] = 1
    return tuple(bytes(row) for row in absent)
