"""The local search behind the improvement phase (``rota.engine.improve``).

It works on a ``Roster`` of the constructed schedule. Passes take turns: one per move
kind and PGY class, each trying at most ``PASS_MOVES`` moves, until a round of passes
keeps nothing or the budget of moves tried is spent. A pass ranks the class by how far
each resident is above their fair share (of call nights, weekend days, hours, or all three
weighted as the objective weighs them for ``block``; of switches for ``continuity``),
takes the most loaded as donors and, per donor and day, team-mates first (an exchange on
the same rotation costs no switch), then the least loaded, as receivers.

A move is judged on the objective plus a shaping term, ``SHAPING`` times each spread's
weight times half the sum of the class's absolute deviations from their fair shares. A
max-minus-min spread only moves when its last extreme member does, so without shaping a
move that evens out one of several equally loaded residents changes nothing but costs its
switches, and is refused; with it, that move pays when the deviation it removes is worth
more than its switches. Shaping can lead through schedules whose objective is worse, so
the search logs the moves it keeps and, at the end, undoes those made after the best
objective it saw (``rewind``): the result is never worse than the input.

Everything is ordered by indexes and numbers, never by hashing or time, so the result is
the same on every machine.
"""

from __future__ import annotations

from rota.domain import MINUTES_PER_DAY, Assignment
from rota.engine.improve_stats import ImprovementStats
from rota.engine.problem import Problem
from rota.engine.quality import (
    CALL_SPREAD_WEIGHT,
    FAIR_DAYS,
    HOURS_SPREAD_WEIGHT,
    SWITCH_WEIGHT,
    WEEKEND_SPREAD_WEIGHT,
)
from rota.engine.roster import EMPTY, Cell, Roster

SPLIT_DAYS = 7  # a block is exchanged from or up to a week boundary
DONORS = 4  # most loaded residents tried as donors per pass
RECEIVERS = 8  # receivers tried per donor and day: team-mates, then the least loaded
PASS_MOVES = 500  # moves one pass (a kind in a class) may try before the next one's turn
EPSILON = 1e-9
SHAPING = 0.5  # weight of the deviations beside the spreads while searching (see above)


class Search:
    """One improvement run over a schedule; ``run`` then ``assignments``."""

    def __init__(
        self,
        problem: Problem,
        assignments: list[Assignment],
        budget: int,
        switch_allowance: float | None,
        block_days: int,
        kinds: tuple[str, ...],
        switch_price: float = 1.0,
    ) -> None:
        self.p = problem
        n = len(problem.residents)
        width = len(problem.slots)
        self.width = width
        index = {person.id: i for i, person in enumerate(problem.people)}
        slot_of = {slot.session.id: slot.index for slot in problem.slots}
        rotation_of = {r.rotation.id: r.index for r in problem.rotations}
        origin = problem.program.start_date.toordinal()
        grid = [[EMPTY] * (problem.days * width) for _ in range(n)]
        self.faculty: list[tuple[int, int, int]] = []  # (cell, rotation, person index)
        for a in assignments:
            person = index[a.person_id]
            cell = (a.date.toordinal() - origin) * width + slot_of[a.session_id]
            if person < n:
                grid[person][cell] = rotation_of[a.rotation_id]
            else:
                self.faculty.append((cell, rotation_of[a.rotation_id], person))
        self.roster = Roster(problem, grid)
        self.empty_day = [EMPTY] * width  # a day's cells with no duty
        self.slot_starts = [s.start for s in problem.slots]
        self.slot_ends = [s.end for s in problem.slots]
        self.call_slot = [s.overnight for s in problem.slots]
        self.stats = ImprovementStats(budget=budget)
        self.budget = budget
        self.pass_end = 0
        self.kinds = kinds
        self.scale = FAIR_DAYS / problem.days
        self.overnight = [s.index for s in problem.slots if s.overnight]
        self.daytime = [s.index for s in problem.slots if not s.overnight]
        available = [problem.days - sum(problem.absent[i][: problem.days]) for i in range(n)]
        classes: dict[int | None, list[int]] = {}
        for i, resident in enumerate(problem.residents):
            if available[i] > 0:
                classes.setdefault(resident.pgy, []).append(i)
        self.classes = [
            members for _, members in sorted(classes.items(), key=lambda kv: kv[0] or 0)
        ]
        self.shares = [
            [available[i] / sum(available[j] for j in members) for i in members]
            for members in self.classes
        ]
        self.score = [self._class_score(c) for c in range(len(self.classes))]
        self.switches = sum(self._switches(i, 0, problem.days - 1) for i in range(n))
        self.max_switches = (
            None
            if switch_allowance is None
            else self.switches + int(switch_allowance * self.switches)
        )
        self.block_days = max(1, block_days)
        # What a switch costs when judging a move, in multiples of the objective's price.
        self.switch_price = SWITCH_WEIGHT * switch_price
        self.excursions: dict[int, tuple[int, tuple[int, ...]]] = {}
        # Moves kept, in order, so the search can return to the best schedule it saw.
        self.log: list[tuple[int, int, list[Cell]]] = []
        self.best = self._objective()
        self.best_moves = 0
        self.best_state = (list(self.score), self.switches)

    # -- driver ----------------------------------------------------------------------------
    def run(self) -> None:
        """Make passes until a round keeps nothing or the budget is spent."""
        while self.stats.moves_tried < self.budget:
            accepted = 0
            for kind in self.kinds:
                for c in range(len(self.classes)):
                    self.pass_end = self.stats.moves_tried + PASS_MOVES
                    accepted += self._improve_class(kind, c)
            if accepted == 0:
                break
        self.rewind()

    def _left(self) -> int:
        """Moves the current pass may still try: the budget's rest, at most ``PASS_MOVES``."""
        tried = self.stats.moves_tried
        return min(self.budget - tried, self.pass_end - tried)

    def _improve_class(self, kind: str, c: int) -> int:
        """Keep making the best-aimed improving move of ``kind`` in class ``c``.

        Returns:
            The moves committed.
        """
        committed = 0
        members = self.classes[c]
        if len(members) < 2:
            return 0
        while self._left() > 0:
            deviation = self._deviations(kind, c)
            order = sorted(range(len(members)), key=lambda k: (-deviation[k], members[k]))
            donors = order[:DONORS]
            receivers = order[::-1]
            if not self._one_move(kind, c, donors, receivers, deviation):
                break
            committed += 1
        return committed

    def _one_move(
        self, kind: str, c: int, donors: list[int], receivers: list[int], deviation: list[float]
    ) -> bool:
        members = self.classes[c]
        for k in donors:
            donor = members[k]
            for day in self._days(kind, donor):
                # Team-mates first: an exchange between residents on the same rotation
                # costs no switch, which keeps construction's continuity.
                if kind == "continuity":  # whoever works the donor's own team that day
                    home = self.excursions[day][1]
                    candidates = [r for r in receivers if r != k]
                else:
                    home = (self._team(donor, day),)
                    candidates = [r for r in receivers if deviation[r] < deviation[k]]
                candidates.sort(key=lambda r: self._team(members[r], day) not in home)
                for r in candidates[:RECEIVERS]:
                    receiver = members[r]
                    for cells in self._shapes(kind, donor, receiver, day):
                        if self._left() <= 0:
                            return False
                        if self._try(kind, c, donor, receiver, cells):
                            return True
        return False

    def _team(self, person: int, day: int) -> int:
        """The rotation the person works nearest to ``day`` (``EMPTY`` if none nearby)."""
        row = self.roster.grid[person]
        width = self.width
        for d in (day, day - 1, day + 1, day - 2, day + 2):
            if 0 <= d < self.p.days:
                for i in self.daytime:
                    rotation = row[d * width + i]
                    if rotation != EMPTY:
                        return rotation
        return EMPTY

    # -- candidates ------------------------------------------------------------------------
    def _deviations(self, kind: str, c: int) -> list[float]:
        if kind == "block":  # the three loads at once, weighted as the objective weighs them
            combined = [0.0] * len(self.classes[c])
            for part, weight in (
                ("call", CALL_SPREAD_WEIGHT),
                ("weekend", WEEKEND_SPREAD_WEIGHT),
                ("hours", HOURS_SPREAD_WEIGHT / 60),
            ):
                for k, value in enumerate(self._deviations(part, c)):
                    combined[k] += weight * value
            return combined
        if kind == "continuity":
            days = self.p.days - 1
            return [float(self._switches(i, 0, days)) for i in self.classes[c]]
        values = self._values(kind, self.classes[c])
        total = sum(values)
        return [v - total * s for v, s in zip(values, self.shares[c], strict=True)]

    def _values(self, kind: str, members: list[int]) -> list[int]:
        roster = self.roster
        if kind == "call":
            return [roster.total_calls[i] for i in members]
        if kind in ("weekend", "trade"):
            return [roster.weekend_days[i] for i in members]
        return [roster.total_minutes[i] for i in members]

    def _days(self, kind: str, person: int) -> list[int]:
        roster = self.roster
        if kind == "block":  # week boundaries inside each block of the plan
            return [
                first + offset
                for first in range(0, self.p.days, self.block_days)
                for offset in range(0, self.block_days, SPLIT_DAYS)
                if first + offset < self.p.days
            ]
        if kind == "call":
            return [d for d, n in enumerate(roster.calls[person]) if n]
        if kind == "continuity":
            self.excursions = self._excursions(person)
            return list(self.excursions)
        if kind == "trade":  # call nights touching a weekend day
            return [d for d, n in enumerate(roster.calls[person]) if n and self._weekend_night(d)]
        if kind == "weekend":
            return [d for d, n in enumerate(roster.touched[person]) if n and roster.weekend[d]]
        row = roster.grid[person]
        width = self.width
        return [
            d for d in range(self.p.days) if any(row[d * width + i] != EMPTY for i in self.daytime)
        ]

    def _shapes(self, kind: str, donor: int, receiver: int, day: int) -> list[list[Cell]]:
        width = self.width
        days = self.p.days

        def whole(d: int) -> list[Cell]:
            return [d * width + i for i in range(width)] if 0 <= d < days else []

        def nights(d: int) -> list[Cell]:
            return [d * width + i for i in self.overnight] if 0 <= d < days else []

        if kind == "block":
            first = day - day % self.block_days
            last = min(days, first + self.block_days) - 1
            if day == first:  # the whole block
                return [[c for d in range(first, last + 1) for c in whole(d)]]
            head = [c for d in range(first, day) for c in whole(d)]
            tail = [c for d in range(day, last + 1) for c in whole(d)]
            return [tail, head]
        if kind == "call":
            return [nights(day), nights(day) + whole(day + 1), whole(day) + whole(day + 1)]
        if kind == "continuity":  # the excursion, or its first day
            last = self.excursions[day][0]
            span = [c for d in range(day, last + 1) for c in whole(d)]
            return [span, whole(day)] if last > day else [span]
        if kind == "trade":  # the weekend call night for one of the receiver's weekday ones
            calls_d, calls_r = self.roster.calls[donor], self.roster.calls[receiver]
            others = [
                d
                for d in range(days)
                if calls_r[d] and not calls_d[d] and not self._weekend_night(d)
            ]
            return [nights(day) + nights(d) for d in others] + [
                nights(day) + whole(day + 1) + nights(d) + whole(d + 1) for d in others
            ]
        if kind == "weekend":
            base = nights(day - 1) + whole(day)
            return [
                base,
                base + whole(day + 1),
                whole(day - 1) + whole(day) + whole(day + 1),
                whole(day - 1) + whole(day) + whole(day + 1) + whole(day + 2),
            ]
        row_d, row_r = self.roster.grid[donor], self.roster.grid[receiver]
        singles = [
            [day * width + i]
            for i in self.daytime
            if row_d[day * width + i] != EMPTY and row_r[day * width + i] == EMPTY
        ]
        return [*singles, [day * width + i for i in self.daytime]]

    def _excursions(self, person: int) -> dict[int, tuple[int, tuple[int, ...]]]:
        """Short runs of day duty on a rotation other than the runs either side of it.

        Keyed by a run's first day: its last day and the rotations of the runs beside it.
        """
        row = self.roster.grid[person]
        width = self.width
        runs: list[list[int]] = []  # [rotation, first day, last day, duty days]
        for day in range(self.p.days):
            rotation = next(
                (row[day * width + i] for i in self.daytime if row[day * width + i] != EMPTY),
                EMPTY,
            )
            if rotation == EMPTY:
                continue
            if runs and runs[-1][0] == rotation:
                runs[-1][2] = day
                runs[-1][3] += 1
            else:
                runs.append([rotation, day, day, 1])
        result: dict[int, tuple[int, tuple[int, ...]]] = {}
        for k, (_, first, last, length) in enumerate(runs):
            beside = tuple(runs[j][0] for j in (k - 1, k + 1) if 0 <= j < len(runs))
            if length <= SPLIT_DAYS and beside:
                result[first] = (last, beside)
        return result

    def _weekend_night(self, day: int) -> bool:
        """True when a night starting on ``day`` touches a Saturday or Sunday."""
        weekend = self.roster.weekend
        return weekend[day] or (day + 1 < self.p.days and weekend[day + 1])

    # -- one move --------------------------------------------------------------------------
    def _try(self, kind: str, c: int, donor: int, receiver: int, cells: list[Cell]) -> bool:
        roster = self.roster
        grid_d, grid_r = roster.grid[donor], roster.grid[receiver]
        changed = [cell for cell in cells if grid_d[cell] != grid_r[cell]]
        if not changed:
            return False
        for cell in changed:
            if (grid_d[cell] != EMPTY and not roster.may_take(receiver, cell)) or (
                grid_r[cell] != EMPTY and not roster.may_take(donor, cell)
            ):
                return False
        self.stats.tried[kind] += 1
        first, last = min(changed) // self.width, max(changed) // self.width
        before = {p: self._day_figures(p, first, last) for p in (donor, receiver)}
        # Switches before the exchange: counted now for big exchanges, which cost more to
        # undo and redo than to count; small ones are undone and redone in _judge.
        switches = self._pair_switches(donor, receiver, first, last) if len(changed) > 4 else None
        roster.exchange(donor, receiver, changed)
        if all(
            roster.obeys_rules(
                p, first, last, self._gained(before[p], self._day_figures(p, first, last))
            )
            for p in (donor, receiver)
        ) and self._judge(kind, c, donor, receiver, changed, first, last, switches):
            return True
        roster.exchange(donor, receiver, changed)
        return False

    def _judge(
        self,
        kind: str,
        c: int,
        donor: int,
        receiver: int,
        changed: list[Cell],
        first: int,
        last: int,
        switches: int | None,
    ) -> bool:
        """Keep the exchange just made (still applied)?

        Kept when the shaped objective (the spreads, ``SHAPING`` on the deviations, and the
        switches) gets better, or stays equal with a better tie-break, and the switches
        stay within the allowance. The search's best schedule by the true objective is
        what ``rewind`` returns to, so the result is never worse than the input.
        """
        objective, shaping, tie = self.score[c]
        new_objective, new_shaping, new_tie = self._class_score(c)
        gain = new_objective + new_shaping - objective - shaping
        if gain > self.switch_price * len(changed) * 4 + EPSILON:
            return False  # no switch saving could pay for it (at most two pairs per cell and side)
        after = self._pair_switches(donor, receiver, first, last)
        if switches is None:
            self.roster.exchange(donor, receiver, changed)
            switches = self._pair_switches(donor, receiver, first, last)
            self.roster.exchange(donor, receiver, changed)
        added = after - switches
        if self.max_switches is not None and self.switches + added > self.max_switches:
            return False
        delta = gain + self.switch_price * added
        if delta < -EPSILON or (delta <= EPSILON and new_tie < tie - EPSILON):
            self.score[c] = (new_objective, new_shaping, new_tie)
            self.switches += added
            self.stats.accepted[kind] += 1
            self.log.append((donor, receiver, changed))
            true = self._objective()
            if true < self.best - EPSILON:
                self.best, self.best_moves = true, len(self.log)
                self.best_state = (list(self.score), self.switches)
            return True
        return False

    def _objective(self) -> float:
        """The objective's terms an exchange can change: spreads and switches."""
        return sum(score[0] for score in self.score) + SWITCH_WEIGHT * self.switches

    def rewind(self) -> None:
        """Undo the moves made after the best schedule the search saw, and its figures."""
        while len(self.log) > self.best_moves:
            donor, receiver, changed = self.log.pop()
            self.roster.exchange(donor, receiver, changed)
        score, self.switches = self.best_state
        self.score = list(score)

    def _day_figures(self, person: int, first: int, last: int) -> list[tuple[int, int, int]]:
        roster = self.roster
        end = min(self.p.days, last + 2)
        return list(
            zip(
                roster.minutes[person][first:end],
                [1 if t else 0 for t in roster.touched[person][first:end]],
                roster.calls[person][first:end],
                strict=True,
            )
        )

    @staticmethod
    def _gained(before: list[tuple[int, int, int]], after: list[tuple[int, int, int]]) -> bool:
        return any(
            a > b
            for old, new in zip(before, after, strict=True)
            for a, b in zip(new, old, strict=True)
        )

    def _class_score(self, c: int) -> tuple[float, float, float]:
        """The class's share of the objective, its shaping and tie-break terms."""
        objective = shaping = tie = 0.0
        for kind, weight, unit in (
            ("call", CALL_SPREAD_WEIGHT, 1.0),
            ("weekend", WEEKEND_SPREAD_WEIGHT, 1.0),
            ("hours", HOURS_SPREAD_WEIGHT, 1 / 60),
        ):
            deviation = self._deviations(kind, c)
            objective += weight * (max(deviation) - min(deviation)) * unit * self.scale
            shaping += weight * unit * self.scale * sum(abs(d) for d in deviation) / 2
            tie += weight * unit * unit * sum(d * d for d in deviation)
        return objective, SHAPING * shaping, tie

    def _pair_switches(self, donor: int, receiver: int, first: int, last: int) -> int:
        return self._switches(donor, first, last) + self._switches(receiver, first, last)

    def _switches(self, person: int, first: int, last: int) -> int:
        """Rotation switches of the person around a change of days first..last.

        Counted from the last duty day before ``first`` to the first one after ``last``:
        the only switches such a change can touch.
        """
        row = self.roster.grid[person]
        width = self.width
        days = self.p.days
        empty = self.empty_day
        low = first - 1
        while low > 0 and row[low * width : (low + 1) * width] == empty:
            low -= 1
        high = last + 1
        while high < days - 1 and row[high * width : (high + 1) * width] == empty:
            high += 1
        low, high = max(0, low), min(days - 1, high)
        starts, ends, call_slot = self.slot_starts, self.slot_ends, self.call_slot
        call_rotation = self.roster.call_rotation
        switches = 0
        previous = EMPTY
        previous_end = -1
        for cell in range(low * width, (high + 1) * width):
            rotation = row[cell]
            if rotation == EMPTY:
                continue
            index = cell % width
            base = cell // width * MINUTES_PER_DAY
            if (
                base + starts[index] == previous_end
                and call_slot[index]
                and call_rotation[rotation]
            ):
                previous_end = base + ends[index]
                continue
            if previous != EMPTY and rotation != previous:
                switches += 1
            previous, previous_end = rotation, base + ends[index]
        return switches

    # -- result ----------------------------------------------------------------------------
    def assignments(self) -> list[Assignment]:
        """The schedule in the solver's order: day, session, rotation, person."""
        p = self.p
        width = self.width
        people = p.people
        by_cell: dict[int, list[tuple[int, int]]] = {}
        for person, row in enumerate(self.roster.grid):
            for cell, rotation in enumerate(row):
                if rotation != EMPTY:
                    by_cell.setdefault(cell, []).append((rotation, person))
        for cell, rotation, person in self.faculty:
            by_cell.setdefault(cell, []).append((rotation, person))
        result: list[Assignment] = []
        for cell in sorted(by_cell):
            day, index = divmod(cell, width)
            date = p.program.date_of(day)
            session_id = p.slots[index].session.id
            for rotation, person in sorted(by_cell[cell]):
                result.append(
                    Assignment(
                        people[person].id, date, session_id, p.rotations[rotation].rotation.id
                    )
                )
        return result
