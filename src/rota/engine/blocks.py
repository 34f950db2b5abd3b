"""Block plan: the rotation each resident belongs to in each block of the horizon.

Residency programs schedule in blocks (four weeks here): a resident joins one rotation's
team for a block, and the daily schedule draws on that team first. Team sizes follow each
rotation's duty at minimum coverage; residents left over join the flexible rotations
(electives) or strengthen the busiest teams they are eligible for. Across blocks each
resident is moved to the rotations they have had least, so everyone sees the program.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from rota.engine.problem import Problem, RotationInfo


@dataclass(frozen=True, slots=True)
class BlockPlan:
    """Home rotation index per (block, resident index); -1 for no home."""

    block_days: int
    homes: tuple[tuple[int, ...], ...]

    def home(self, day: int) -> tuple[int, ...]:
        """Home rotation of every resident on horizon day ``day``."""
        return self.homes[day // self.block_days]


def weekly_minimum_minutes(problem: Problem, rot: RotationInfo, first: int, last: int) -> float:
    """Duty minutes per week the rotation needs at minimum coverage over days first..last."""
    total = 0
    for day in range(first, last + 1):
        if rot.open_days[day]:
            for slot_index, (low, _) in rot.coverage.items():
                slot = problem.slots[slot_index]
                total += low * (slot.end - slot.start)
    return total * 7 / (last - first + 1)


def plan_blocks(
    problem: Problem, *, seed: int, block_days: int, team_hours_per_week: float
) -> BlockPlan:
    """Assign every resident a home rotation per block (deterministic for ``seed``)."""
    rng = random.Random(seed)
    n = len(problem.residents)
    rotations = problem.rotations
    history = [[0] * len(rotations) for _ in range(n)]
    blocks = []
    for first in range(0, problem.days, block_days):
        last = min(problem.days, first + block_days) - 1
        targets = _team_targets(problem, first, last, team_hours_per_week)
        order = list(range(n))
        rng.shuffle(order)
        homes = [-1] * n
        # Fill the most restrictive rotations (fewest eligible residents) first.
        for rot in sorted(rotations, key=lambda r: (sum(r.eligible), r.index)):
            free = [i for i in order if homes[i] < 0 and rot.eligible[i]]
            free.sort(key=lambda i: history[i][rot.index])
            for i in free[: targets[rot.index]]:
                homes[i] = rot.index
        for i in order:
            if homes[i] < 0:
                homes[i] = _leftover_home(rotations, homes, targets, i)
            if homes[i] >= 0:
                history[i][homes[i]] += 1
        blocks.append(tuple(homes))
    return BlockPlan(block_days, tuple(blocks))


def _team_targets(problem: Problem, first: int, last: int, team_hours: float) -> list[int]:
    """Team size per rotation, scaled down when the residents are fewer than the need."""
    need = [
        0
        if rot.flexible or rot.call_pool
        else math.ceil(weekly_minimum_minutes(problem, rot, first, last) / 60 / team_hours)
        for rot in problem.rotations
    ]
    total = sum(need)
    n = len(problem.residents)
    if total > n:
        need = [max(1, math.floor(x * n / total)) if x else 0 for x in need]
    return need


def _leftover_home(
    rotations: tuple[RotationInfo, ...], homes: list[int], targets: list[int], i: int
) -> int:
    """A home for a resident no team needed: a flexible rotation, else the leanest team.

    -1 when the resident is eligible for no staffed rotation at all (they get no home
    and are only drawn on where some rotation can take them).
    """
    flexible = [r for r in rotations if r.flexible and r.eligible[i]]
    if flexible:
        return min(flexible, key=lambda r: (homes.count(r.index), r.index)).index
    staffed = [r for r in rotations if r.eligible[i] and r.coverage and not r.call_pool]
    if not staffed:
        return -1
    return min(
        staffed, key=lambda r: (homes.count(r.index) / max(1, targets[r.index]), r.index)
    ).index
