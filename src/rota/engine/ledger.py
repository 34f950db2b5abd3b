"""Each person's duty so far, and whether one more session would break R1-R6.

The solver books sessions in time order (day by day, sessions by start), so every window
that a new booking touches is complete up to that booking, and the largest such window
is the one reaching furthest back. That makes each check a few short slice sums over at
most one window of days, whatever the horizon: the solver stays linear in its size.

Invariants: bookings of one person never overlap and arrive in start order; ``minutes``
and ``touched`` hold exact duty minutes and touched flags per calendar day, an overnight
session putting its minutes on both days it spans.
"""

from __future__ import annotations

from enum import StrEnum

from rota.domain import MINUTES_PER_DAY
from rota.engine.problem import Problem, SessionSlot

NEVER = -(10**9)  # "no duty yet": far enough back that every rest rule is satisfied


class Block(StrEnum):
    """The rule that keeps a person from a session (used to explain infeasibility)."""

    ABSENT = "R9 absence"
    BOOKED = "R10 already on duty"
    REST = "R5 rest between duty periods"
    LONG_REST = "R4 rest after 24 h duty"
    CONTINUOUS = "R3 continuous duty"
    HOURS = "R1 80 h per week"
    FREE_DAYS = "R2 one day in seven free"
    CALL = "R6 call every third night"


class Ledger:
    """Duty bookings of every person of a problem, with the rule checks for one more."""

    def __init__(self, problem: Problem, *, acgme_people: int) -> None:
        """Track everyone in ``problem.people``; the first ``acgme_people`` are residents.

        Window rules R1, R2 and R6 apply to residents only; rest rules R3-R5 to residents,
        and to faculty as well when ``policy.rest_rules_bind_faculty`` is set (the default).
        """
        policy = problem.policy
        size = len(problem.people)
        days = problem.days
        self.problem = problem
        self.acgme_people = acgme_people
        self.window_days = problem.window.days
        self.max_minutes = problem.window.max_duty_minutes
        self.max_touched = problem.window.days - problem.window.min_free_days
        self.max_calls = problem.window.max_call_nights
        self.max_chain = policy.max_continuous_minutes
        self.long_duty = policy.long_duty_minutes
        self.long_rest = policy.rest_after_long_duty_minutes
        self.rest = policy.rest_between_duty_minutes
        # People the rest rules bind: everyone, or residents only.
        self.rest_people = size if policy.rest_rules_bind_faculty else acgme_people
        self.last_end = [NEVER] * size
        self.chain_start = [NEVER] * size
        self.minutes = [[0] * (days + 1) for _ in range(size)]
        self.touched = [[0] * (days + 1) for _ in range(size)]
        self.calls = [[0] * (days + 1) for _ in range(size)]
        self.total_minutes = [0] * size
        self.booked = [[-1] * len(problem.slots) for _ in range(size)]  # rotation per slot today
        self.days = days

    def start_day(self) -> None:
        """Forget which rotation each person had per session of the previous day."""
        width = len(self.problem.slots)
        self.booked = [[-1] * width for _ in self.booked]

    def blocked(self, person: int, day: int, slot: SessionSlot, call: bool = False) -> Block | None:
        """The first rule that forbids ``person`` working ``slot`` on ``day``, or None."""
        if self.problem.absent[person][day] or (
            slot.overnight and self.problem.absent[person][day + 1]
        ):
            return Block.ABSENT
        if self.booked[person][slot.index] >= 0:
            return Block.BOOKED
        start = day * MINUTES_PER_DAY + slot.start
        last_end = self.last_end[person]
        if start < last_end:
            return Block.BOOKED
        if person >= self.rest_people:
            return None
        if start == last_end:
            if start + (slot.end - slot.start) - self.chain_start[person] > self.max_chain:
                return Block.CONTINUOUS
        else:
            long_chain = last_end - self.chain_start[person] >= self.long_duty
            if long_chain and start - last_end < self.long_rest:
                return Block.LONG_REST
            if start - last_end < self.rest:
                return Block.REST
        if person >= self.acgme_people:
            return None
        return self._window_block(person, day, slot, call)

    def _window_block(self, person: int, day: int, slot: SessionSlot, call: bool) -> Block | None:
        w = self.window_days
        a = max(0, day - w + 1)
        minutes = self.minutes[person]
        touched = self.touched[person]
        today = slot.minutes_today
        if sum(minutes[a : day + 1]) + today > self.max_minutes:
            return Block.HOURS
        new_today = 0 if touched[day] else 1
        if sum(touched[a : day + 1]) + new_today > self.max_touched:
            return Block.FREE_DAYS
        if slot.overnight and day + 1 < self.days:
            b = max(0, day - w + 2)
            if sum(minutes[b : day + 2]) + today + slot.minutes_next_day > self.max_minutes:
                return Block.HOURS
            new_next = 0 if touched[day + 1] else 1
            if sum(touched[b : day + 2]) + new_today + new_next > self.max_touched:
                return Block.FREE_DAYS
        if call and sum(self.calls[person][a : day + 1]) + 1 > self.max_calls:
            return Block.CALL
        return None

    def book(self, person: int, day: int, slot: SessionSlot, rotation: int, call: bool) -> None:
        """Record that ``person`` works ``slot`` on ``day`` (checked by ``blocked`` first)."""
        start = day * MINUTES_PER_DAY + slot.start
        if start != self.last_end[person]:
            self.chain_start[person] = start
        self.last_end[person] = day * MINUTES_PER_DAY + slot.end
        self.minutes[person][day] += slot.minutes_today
        self.touched[person][day] = 1
        if slot.overnight and day + 1 < self.days:
            self.minutes[person][day + 1] += slot.minutes_next_day
            self.touched[person][day + 1] = 1
        if call:
            self.calls[person][day] += 1
        self.total_minutes[person] += slot.end - slot.start
        self.booked[person][slot.index] = rotation

    def window_minutes(self, person: int, day: int) -> int:
        """Duty minutes in the window that ends on ``day``."""
        return sum(self.minutes[person][max(0, day - self.window_days + 1) : day + 1])

    def window_calls(self, person: int, day: int) -> int:
        """Call nights in the window that ends on ``day``."""
        return sum(self.calls[person][max(0, day - self.window_days + 1) : day + 1])
