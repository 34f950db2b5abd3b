"""Exact counters and memory per phase and tier, as ``track_`` benchmarks with units.

Counts are exact and machine-independent, so one untimed run per (phase, tier) and
commit is enough: the shared ``setup_cache`` (in ``_api``) makes them all once per
commit (SQL statements and rows written from ``Workbench.count``, peak heap and
allocations from a memray pass of the same work) and every ``track_`` benchmark reads
its figure from that cache. Memory is
memray's peak of the work alone, not ``peakmem_``, which is the whole process's RSS
(about 73 MB of imports here) and blind to the work.
"""

from __future__ import annotations

from typing import Any

from ._api import PHASES, TIERS, available, setup_cache

__all__ = ["PhaseCounters", "Quality", "setup_cache"]  # setup_cache: asv's, shared

Cache = dict[str, Any]


def _figure(cache: Cache, tier: str, phase: str, key: str) -> Any:
    available(cache)
    figures = cache["counters"].get(f"{tier}/{phase}")
    if figures is None:
        raise NotImplementedError(f"phase {phase!r} does not exist at this commit")
    if figures.get(key) is None:
        raise NotImplementedError(f"no {key!r} counter at this commit")
    return figures[key]


class PhaseCounters:
    """Exact counters of one phase on one tier."""

    params = (list(TIERS), list(PHASES))
    param_names = ("tier", "phase")
    version = "rota-counters-1"  # pinned: edits to this file must not drop the history

    def setup(self, cache: Cache, tier: str, phase: str) -> None:
        _figure(cache, tier, phase, "sql_statements")  # n/a before the API or phase

    def track_sql_statements(self, cache: Cache, tier: str, phase: str) -> int:
        return int(_figure(cache, tier, phase, "sql_statements"))

    track_sql_statements.unit = "statements"  # type: ignore[attr-defined]

    def track_sql_rows_written(self, cache: Cache, tier: str, phase: str) -> int:
        return int(_figure(cache, tier, phase, "sql_rows_written"))

    track_sql_rows_written.unit = "rows"  # type: ignore[attr-defined]

    def track_peak_memory(self, cache: Cache, tier: str, phase: str) -> int:
        return int(_figure(cache, tier, phase, "peak_bytes"))

    track_peak_memory.unit = "bytes"  # type: ignore[attr-defined]

    def track_allocations(self, cache: Cache, tier: str, phase: str) -> int:
        return int(_figure(cache, tier, phase, "allocations"))

    track_allocations.unit = "allocations"  # type: ignore[attr-defined]


class Quality:
    """The schedule's quality on one tier, from the end-to-end phase's run."""

    params = (list(TIERS),)
    param_names = ("tier",)
    version = "rota-quality-1"  # pinned, as above

    def setup(self, cache: Cache, tier: str) -> None:
        _figure(cache, tier, "generate", "violations")

    def track_violations(self, cache: Cache, tier: str) -> int:
        return int(_figure(cache, tier, "generate", "violations"))

    track_violations.unit = "violations"  # type: ignore[attr-defined]

    def track_objective(self, cache: Cache, tier: str) -> float:
        return float(_figure(cache, tier, "generate", "objective"))

    track_objective.unit = "objective"  # type: ignore[attr-defined]

    def track_max_call_spread(self, cache: Cache, tier: str) -> float:
        return float(_figure(cache, tier, "generate", "max_call_spread"))

    track_max_call_spread.unit = "call nights"  # type: ignore[attr-defined]

    def track_max_hours_spread(self, cache: Cache, tier: str) -> float:
        return float(_figure(cache, tier, "generate", "max_hours_spread"))

    track_max_hours_spread.unit = "hours"  # type: ignore[attr-defined]
