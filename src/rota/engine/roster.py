"""A solved schedule as a mutable grid of resident duty, with local rule checks.

The improvement phase edits a finished schedule anywhere in time, which the solver's
forward-only ``Ledger`` cannot check. A ``Roster`` keeps, per resident, the rotation of
every (day, session) cell and per-day duty minutes, touched flags (as counts, so a
removal can clear them) and call nights. An exchange swaps the cells of two residents of
one PGY class: the same eligibility and supervision weight, so every rotation-session
keeps its coverage (R8), supervision (R7) and eligibility (R9) and nobody works twice in
a session (R10). What an exchange can break is checked locally: absences (R9, over every
day a session touches), the rest rules R3-R5 within a few days of the change, and the
rolling windows R1, R2 and R6 that contain a changed day. A schedule that obeyed R1-R10
before an accepted exchange obeys them after it.
"""

from __future__ import annotations

import math

from rota.domain import MINUTES_PER_DAY
from rota.engine.problem import Problem

Cell = int
"""A (day, session) cell of the grid: ``day * sessions + slot index``."""

EMPTY = -1  # no duty in the cell


class Roster:
    """Resident duty of a schedule, cell by cell, with totals the objective reads."""

    def __init__(self, problem: Problem, grid: list[list[int]]) -> None:
        """Lay out ``grid`` (rotation index or ``EMPTY`` per resident and cell).

        Args:
            problem: The compiled program the schedule belongs to.
            grid: Per resident index, one entry per cell; the roster owns it from now on.
        """
        self.problem = problem
        self.grid = grid
        self.days = problem.days
        self.width = len(problem.slots)
        self.slots = problem.slots
        window = problem.window
        policy = problem.policy
        self.window_days = window.days
        self.max_minutes = window.max_duty_minutes
        self.max_touched = window.days - window.min_free_days
        self.max_calls = window.max_call_nights
        self.max_chain = policy.max_continuous_minutes
        self.long_duty = policy.long_duty_minutes
        self.long_rest = policy.rest_after_long_duty_minutes
        self.rest = policy.rest_between_duty_minutes
        # Days either side of a change whose chains and rests can depend on it.
        self.margin = math.ceil((self.max_chain + self.long_rest) / MINUTES_PER_DAY) + 1
        self.call_rotation = [r.rotation.night_is_call for r in problem.rotations]
        # Per slot: minutes today, minutes the next day, length, overnight.
        self.slot_figures = [
            (s.minutes_today, s.minutes_next_day, s.end - s.start, s.overnight) for s in self.slots
        ]
        self.weekend = [problem.program.date_of(d).weekday() >= 5 for d in range(self.days)]
        n = len(grid)
        self.minutes = [[0] * self.days for _ in range(n)]
        self.touched = [[0] * self.days for _ in range(n)]
        self.calls = [[0] * self.days for _ in range(n)]
        self.total_minutes = [0] * n
        self.total_calls = [0] * n
        self.weekend_days = [0] * n
        for person, row in enumerate(grid):
            for cell, rotation in enumerate(row):
                if rotation != EMPTY:
                    self._count(person, cell, rotation, 1)

    # -- bookkeeping -----------------------------------------------------------------------
    def is_call(self, cell: Cell, rotation: int) -> bool:
        """True when working ``rotation`` in ``cell`` is an in-house call night."""
        return (
            rotation != EMPTY
            and self.call_rotation[rotation]
            and self.slots[cell % self.width].overnight
        )

    def _count(self, person: int, cell: Cell, rotation: int, sign: int) -> None:
        """Add (``sign`` 1) or remove (-1) one duty's figures from the person's totals."""
        day = cell // self.width
        today, next_day, length, overnight = self.slot_figures[cell - day * self.width]
        minutes = self.minutes[person]
        touched = self.touched[person]
        weekend = self.weekend
        minutes[day] += sign * today
        before = touched[day]
        touched[day] = before + sign
        if weekend[day] and (before == 0 or before + sign == 0):
            self.weekend_days[person] += sign
        if next_day and day + 1 < self.days:
            minutes[day + 1] += sign * next_day
            before = touched[day + 1]
            touched[day + 1] = before + sign
            if weekend[day + 1] and (before == 0 or before + sign == 0):
                self.weekend_days[person] += sign
        self.total_minutes[person] += sign * length
        if overnight and self.call_rotation[rotation]:
            self.calls[person][day] += sign
            self.total_calls[person] += sign

    def set_cell(self, person: int, cell: Cell, rotation: int) -> None:
        """Put ``person`` on ``rotation`` in ``cell`` (``EMPTY`` for off), updating totals."""
        old = self.grid[person][cell]
        if old == rotation:
            return
        if old != EMPTY:
            self._count(person, cell, old, -1)
        if rotation != EMPTY:
            self._count(person, cell, rotation, 1)
        self.grid[person][cell] = rotation

    def exchange(self, first: int, second: int, cells: list[Cell]) -> None:
        """Swap the duty of two residents in ``cells`` (its own inverse)."""
        grid_a, grid_b = self.grid[first], self.grid[second]
        count = self._count
        for cell in cells:
            a, b = grid_a[cell], grid_b[cell]
            if a == b:
                continue
            if a != EMPTY:
                count(first, cell, a, -1)
                count(second, cell, a, 1)
            if b != EMPTY:
                count(second, cell, b, -1)
                count(first, cell, b, 1)
            grid_a[cell], grid_b[cell] = b, a

    # -- rule checks -----------------------------------------------------------------------
    def may_take(self, person: int, cell: Cell) -> bool:
        """False when ``person`` is absent on a day the session of ``cell`` touches (R9)."""
        day, index = divmod(cell, self.width)
        absent = self.problem.absent[person]
        return not (absent[day] or (self.slots[index].overnight and absent[day + 1]))

    def obeys_rules(self, person: int, first_day: int, last_day: int, windows: bool) -> bool:
        """True when the person's duty around days first..last obeys R3-R5 (and R1, R2, R6).

        Args:
            person: Resident index.
            first_day: First day whose cells changed.
            last_day: Last day whose cells changed.
            windows: Whether to check the rolling windows too (needed only when the person
                gained duty minutes, touched days or call nights on some day).
        """
        return self._rests_ok(person, first_day, last_day) and (
            not windows or self._windows_ok(person, first_day, last_day)
        )

    def _rests_ok(self, person: int, first_day: int, last_day: int) -> bool:
        """R3-R5 over the chains within ``margin`` days of the change (and no overlap)."""
        low = max(0, first_day - self.margin)
        high = min(self.days - 1, last_day + self.margin)
        row = self.grid[person]
        width = self.width
        chain_start = chain_end = None
        for day in range(low, high + 1):
            base = day * MINUTES_PER_DAY
            for index in range(width):
                if row[day * width + index] == EMPTY:
                    continue
                slot = self.slots[index]
                start, end = base + slot.start, base + slot.end
                if chain_end is None or chain_start is None:
                    chain_start, chain_end = start, end
                    continue
                if start < chain_end:
                    return False  # overlapping sessions: never created by an exchange
                if start == chain_end:
                    chain_end = end
                    if chain_end - chain_start > self.max_chain:
                        return False
                    continue
                need = self.long_rest if chain_end - chain_start >= self.long_duty else self.rest
                if start - chain_end < need:
                    return False
                chain_start, chain_end = start, end
        return True

    def _windows_ok(self, person: int, first_day: int, last_day: int) -> bool:
        """R1, R2 and R6 in every window inside the horizon that holds a changed day."""
        w = self.window_days
        days = self.days
        last = min(days - 1, last_day + 1)  # an overnight session spills into the next day
        first_start = max(0, first_day - w + 1)
        last_start = min(last, days - w)
        if last_start < first_start:
            return True
        for values, limit in (
            (self.minutes[person], self.max_minutes),
            (self.touched[person], -1),
            (self.calls[person], self.max_calls),
        ):
            if limit < 0:  # touched counts: a day counts once whatever its sessions
                flags = [1 if v else 0 for v in values[first_start : last_start + w]]
                total = sum(flags[:w])
                if total > self.max_touched:
                    return False
                for k in range(w, len(flags)):
                    total += flags[k] - flags[k - w]
                    if total > self.max_touched:
                        return False
                continue
            total = sum(values[first_start : first_start + w])
            if total > limit:
                return False
            for s in range(first_start + 1, last_start + 1):
                total += values[s + w - 1] - values[s - 1]
                if total > limit:
                    return False
        return True
