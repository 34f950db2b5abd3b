"""The schedule solver: a constructive heuristic with rule-aware ranking and swap repair.

Days are filled in order and, within a day, sessions in start order. For each session:

1. every rotation open that day gets its minimum of residents, the most restrictive
   rotations first, drawing on (a) its team members who already work on it today (so a
   day is one AM+PM stretch and a call night follows the day: 24 h call), (b) the rest of
   its team, (c) residents of flexible rotations, (d) anyone eligible; within each group
   the least loaded first, and residents on their planned weekly day off last;
2. when nobody can fill a place, a swap repair moves a resident already placed this
   session on a rotation with other candidates, and puts one of those in their place;
3. supervised rotations get their faculty (R7), again continuing and least loaded first;
4. spare capacity is used: team members below the weekly hours target work above the
   minimum, up to the rotation's maximum and within the faculty already present.

The ``Ledger`` refuses any booking that would break R1-R6 or overlap, and eligibility and
absences are checked before it, so a finished schedule obeys R1-R10 by construction; the
independent validator (``rota.acgme``) proves it after every run. Work per session is
linear in the number of people, so solving is linear in resident-sessions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rota.domain import MINUTES_PER_DAY, Assignment
from rota.engine.blocks import BlockPlan, plan_blocks
from rota.engine.ledger import Ledger
from rota.engine.problem import Problem, RotationInfo, SessionSlot
from rota.errors import InfeasibleError

if TYPE_CHECKING:
    from rota.engine.improve_stats import ImprovementStats


@dataclass(frozen=True, slots=True)
class SolverSettings:
    """Knobs of the heuristic (the rules' numbers live in ``Policy``)."""

    block_days: int = 28
    team_hours_per_week: float = 52.0  # sizes teams from each rotation's minimum duty
    target_hours_per_week: float = 62.0  # above-minimum coverage stops at this load
    # Improvement phase (rota.engine.improve): moves it may try, never a time limit.
    improve_moves_per_resident_session: float = 0.05
    improve_min_moves: int = 16000  # floor of the budget, for small programs
    # Rotation switches the improvement may add, as a share of construction's; None: no
    # cap beyond the objective's own price of a switch.
    improve_switch_allowance: float | None = None
    # What a switch costs the search when it judges a move, in multiples of the objective's
    # price (1.0); higher keeps continuity at the expense of the spreads (docs/QUALITY.md).
    improve_switch_price: float = 1.0


@dataclass(slots=True)
class Solution:
    """A schedule and what the solver knows about how it was made."""

    assignments: list[Assignment]
    plan: BlockPlan
    repairs: int
    improvement: ImprovementStats | None = None  # set by rota.engine.improve


def solve(problem: Problem, *, seed: int, settings: SolverSettings | None = None) -> Solution:
    """Schedule every person of ``problem`` for every session, or raise ``InfeasibleError``."""
    return _Solver(problem, seed, settings or SolverSettings()).run()


class _Solver:
    def __init__(self, problem: Problem, seed: int, settings: SolverSettings) -> None:
        self.p = problem
        self.settings = settings
        self.n = len(problem.residents)
        self.ledger = Ledger(problem, acgme_people=self.n)
        self.plan = plan_blocks(
            problem,
            seed=seed,
            block_days=settings.block_days,
            team_hours_per_week=settings.team_hours_per_week,
        )
        # Each resident's planned weekly day off, staggered over the week.
        self.day_off = [(i * 3 + seed) % 7 for i in range(self.n)]
        self.target_minutes_per_day = settings.target_hours_per_week * 60 / 7
        self.assignments: list[Assignment] = []
        self.repairs = 0
        self.order = sorted(
            problem.rotations,
            key=lambda r: (sum(r.eligible), not r.rotation.night_is_call, r.index),
        )

    def run(self) -> Solution:
        for day in range(self.p.days):
            self.ledger.start_day()
            home = self.plan.home(day)
            for slot in self.p.slots:
                self._fill_session(day, slot, home)
        return Solution(self.assignments, self.plan, self.repairs)

    # -- one session ---------------------------------------------------------------------
    def _fill_session(self, day: int, slot: SessionSlot, home: tuple[int, ...]) -> None:
        open_rotations = [r for r in self.order if r.open_days[day] and slot.index in r.coverage]
        placed: dict[int, list[int]] = {r.index: [] for r in open_rotations}
        for rot in open_rotations:
            low = rot.coverage[slot.index][0]
            for person in self._candidates(day, slot, rot, home, low):
                placed[rot.index].append(person)
            while len(placed[rot.index]) < low:
                if not self._repair(day, slot, rot, placed, home):
                    self._infeasible_coverage(day, slot, rot, low, placed[rot.index])
        faculty = {r.index: self._supervise(day, slot, r, placed[r.index]) for r in open_rotations}
        for rot in open_rotations:
            self._add_spare(day, slot, rot, home, placed[rot.index], faculty[rot.index])
        self._record(day, slot, placed, faculty)

    def _rank(
        self, day: int, slot: SessionSlot, rot: RotationInfo, home: tuple[int, ...], person: int
    ) -> tuple[bool, int, int, bool, int, int]:
        # Staying on after a night (a chain begun on an earlier day) is the last resort.
        carry_over = self.ledger.last_end[person] == day * MINUTES_PER_DAY + slot.start and (
            self.ledger.chain_start[person] < day * MINUTES_PER_DAY
        )
        booked_today = self.ledger.booked[person][: slot.index]
        if rot.call_pool:  # call follows a day's work on any rotation: 24 h call
            group = 0 if any(r >= 0 for r in booked_today) else 1
        elif home[person] == rot.index:
            continuing = rot.index in booked_today
            group = 0 if continuing else 1
        elif home[person] >= 0 and self.p.rotations[home[person]].flexible:
            group = 2
        else:
            group = 3
        calls = self.ledger.window_calls(person, day) if rot.call_session(slot) else 0
        planned_off = self._planned_off(person, day, slot)
        return (carry_over, group, calls, planned_off, self.ledger.total_minutes[person], person)

    def _planned_off(self, person: int, day: int, slot: SessionSlot) -> bool:
        off = self.day_off[person]
        return day % 7 == off or (slot.overnight and (day + 1) % 7 == off)

    def _candidates(
        self, day: int, slot: SessionSlot, rot: RotationInfo, home: tuple[int, ...], want: int
    ) -> list[int]:
        """Up to ``want`` residents who may work ``slot`` on ``rot``, best first."""
        if want <= 0:
            return []
        call = rot.call_session(slot)
        if rot.call_pool:
            return self._pick(day, slot, rot, home, list(range(self.n)), want, call)
        team = [i for i in range(self.n) if home[i] == rot.index]
        chosen = self._pick(day, slot, rot, home, team, want, call)
        if len(chosen) < want:
            rest = [i for i in range(self.n) if home[i] != rot.index and rot.eligible[i]]
            chosen += self._pick(day, slot, rot, home, rest, want - len(chosen), call)
        return chosen

    def _pick(
        self,
        day: int,
        slot: SessionSlot,
        rot: RotationInfo,
        home: tuple[int, ...],
        pool: list[int],
        want: int,
        call: bool,
    ) -> list[int]:
        free = [
            i for i in pool if rot.eligible[i] and self.ledger.blocked(i, day, slot, call) is None
        ]
        free.sort(key=lambda i: self._rank(day, slot, rot, home, i))
        chosen = free[:want]
        for person in chosen:
            self.ledger.book(person, day, slot, rot.index, call)
        return chosen

    def _repair(
        self,
        day: int,
        slot: SessionSlot,
        rot: RotationInfo,
        placed: dict[int, list[int]],
        home: tuple[int, ...],
    ) -> bool:
        """Free a resident for ``rot`` by moving them off another rotation of this session.

        A resident already placed on rotation Q this session and eligible for ``rot`` moves
        to ``rot`` when another available resident can take their place on Q.
        """
        call = rot.call_session(slot)
        for other_index, people in placed.items():
            if other_index == rot.index:
                continue
            other = self.p.rotations[other_index]
            other_call = other.call_session(slot)
            if other_call != call:
                continue  # moving would change the person's call count
            for person in people:
                if not rot.eligible[person]:
                    continue
                substitutes = [
                    i
                    for i in range(self.n)
                    if other.eligible[i]
                    and not rot.eligible[i]
                    and self.ledger.blocked(i, day, slot, other_call) is None
                ]
                if not substitutes:
                    continue
                sub = min(substitutes, key=lambda i: self._rank(day, slot, other, home, i))
                self.ledger.book(sub, day, slot, other_index, other_call)
                self.ledger.booked[person][slot.index] = rot.index
                people[people.index(person)] = sub
                placed[rot.index].append(person)
                self.repairs += 1
                return True
        return False

    def _supervise(
        self, day: int, slot: SessionSlot, rot: RotationInfo, residents: list[int]
    ) -> list[int]:
        if not rot.capacity or not residents:
            return []
        weight = sum(rot.weights[i] for i in residents)
        need = -(-weight // rot.capacity)
        chosen = self._pick_faculty(day, slot, rot, need)
        if len(chosen) < need:
            self._infeasible_supervision(day, slot, rot, need, len(chosen))
        return chosen

    def _pick_faculty(self, day: int, slot: SessionSlot, rot: RotationInfo, want: int) -> list[int]:
        ledger = self.ledger
        first = self.n
        faculty = range(first, first + len(self.p.faculty))
        free = [f for f in faculty if ledger.blocked(f, day, slot) is None]
        free.sort(
            key=lambda f: (
                not any(r == rot.index for r in ledger.booked[f][: slot.index]),
                ledger.total_minutes[f],
                f,
            )
        )
        chosen = free[:want]
        for f in chosen:
            ledger.book(f, day, slot, rot.index, call=False)
        return chosen

    def _add_spare(
        self,
        day: int,
        slot: SessionSlot,
        rot: RotationInfo,
        home: tuple[int, ...],
        residents: list[int],
        faculty: list[int],
    ) -> None:
        """Coverage above the minimum from the team's members below the hours target."""
        high = rot.coverage[slot.index][1]
        if slot.overnight or len(residents) >= high:
            return
        if rot.capacity and not faculty:
            return
        budget = (
            len(faculty) * rot.capacity - sum(rot.weights[i] for i in residents)
            if rot.capacity
            else None
        )
        window = min(day + 1, self.ledger.window_days)
        cap = self.target_minutes_per_day * window
        team = [
            i
            for i in range(self.n)
            if home[i] == rot.index
            and not self._planned_off(i, day, slot)
            and self.ledger.window_minutes(i, day) + slot.minutes_today <= cap
            and self.ledger.blocked(i, day, slot) is None
        ]
        team.sort(key=lambda i: self._rank(day, slot, rot, home, i))
        for person in team:
            if len(residents) >= high:
                break
            if budget is not None:
                if rot.weights[person] > budget:
                    continue
                budget -= rot.weights[person]
            self.ledger.book(person, day, slot, rot.index, call=False)
            residents.append(person)

    def _record(
        self,
        day: int,
        slot: SessionSlot,
        placed: dict[int, list[int]],
        faculty: dict[int, list[int]],
    ) -> None:
        date = self.p.program.date_of(day)
        people = self.p.people
        session_id = slot.session.id
        for index in sorted(placed):
            rotation_id = self.p.rotations[index].rotation.id
            for person in sorted(placed[index] + faculty[index]):
                self.assignments.append(
                    Assignment(people[person].id, date, session_id, rotation_id)
                )

    # -- infeasibility -------------------------------------------------------------------
    def _infeasible_coverage(
        self, day: int, slot: SessionSlot, rot: RotationInfo, need: int, placed: list[int]
    ) -> None:
        reasons: Counter[str] = Counter()
        call = rot.call_session(slot)
        have = len(placed)
        for i in range(self.n):
            if i in placed:
                continue
            if not rot.eligible[i]:
                reasons["ineligible PGY (R9)"] += 1
            else:
                block = self.ledger.blocked(i, day, slot, call)
                reasons[block.value if block else "placed elsewhere this session (R10)"] += 1
        raise InfeasibleError(
            _message(
                "R8",
                rot,
                self.p.program.date_of(day).isoformat(),
                slot.session.name,
                need,
                have,
                "residents",
                reasons,
            )
        )

    def _infeasible_supervision(
        self, day: int, slot: SessionSlot, rot: RotationInfo, need: int, have: int
    ) -> None:
        reasons: Counter[str] = Counter()
        for f in range(self.n, self.n + len(self.p.faculty)):
            block = self.ledger.blocked(f, day, slot)
            reasons[block.value if block else "supervising another rotation (R10)"] += 1
        raise InfeasibleError(
            _message(
                "R7",
                rot,
                self.p.program.date_of(day).isoformat(),
                slot.session.name,
                need,
                have,
                "faculty",
                reasons,
            )
        )


def _message(
    rule: str,
    rot: RotationInfo,
    date: str,
    session: str,
    need: int,
    have: int,
    who: str,
    reasons: Counter[str],
) -> str:
    why = ", ".join(f"{count} {reason}" for reason, count in reasons.most_common())
    return (
        f"infeasible program: {rule} rotation {rot.rotation.code} on {date} {session} needs "
        f"{need} {who}, {have} available ({why}); add {who} or lower the rotation's minimum"
    )


__all__ = ["Solution", "SolverSettings", "solve"]
