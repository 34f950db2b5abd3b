"""The gate's thresholds, read from ``pyproject.toml`` (``[tool.rota.gate]``) and validated.

Thresholds are data, reviewed like code. Every metric has a default; a benchmark pattern
may override it (``[[tool.rota.gate.override]]``); an intended regression is accepted
only by an ``[[tool.rota.gate.accept]]`` entry with a reason, which every report shows.
Relative thresholds are fractions (0.05 is 5%); ``sql_statements`` and friends default
to 0: any increase fails.

Example::

    [tool.rota.gate]
    alpha = 0.05                 # false-alarm rate of the whole run (Holm over benchmarks)
    timing_tiers = ["tiny", "small"]
    exact_tiers = ["tiny", "small", "medium"]
    instruction_tiers = ["tiny"]   # of exact_tiers, counted under callgrind ([] for none)
    budget_seconds = 180
    inconclusive_fails = false

    [tool.rota.gate.thresholds]
    time = 0.05

    [[tool.rota.gate.override]]
    pattern = "seed[*]"
    metric = "time"
    threshold = 0.10

    [[tool.rota.gate.accept]]
    pattern = "load[*]"
    metric = "sql_statements"
    allowed = 1
    reason = "the audit query of #123; reviewed by A. B."
"""

from __future__ import annotations

import fnmatch
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rota.datasets.tiers import TIERS
from rota.errors import UsageError

__all__ = ["DEFAULT_THRESHOLDS", "Acceptance", "GateConfig", "Override", "load_gate_config"]

#: Allowed worsening per metric. Relative (a fraction of the baseline) except where noted.
DEFAULT_THRESHOLDS: Mapping[str, float] = {
    "time": 0.05,  # minimum effect on the median time that counts as a change
    "peak_memory": 0.05,
    "allocations": 0.005,
    "instructions": 0.01,
    "sql_statements": 0.0,  # absolute: any added statement fails
    "sql_rows_written": 0.0,  # absolute
    "violations": 0.0,  # absolute: must stay 0
    "objective": 0.0,  # relative: a worse (higher) objective fails
    "max_call_spread": 0.0,  # absolute
    "max_weekend_spread": 0.0,  # absolute, days
    "max_hours_spread": 0.0,  # absolute, hours
    "time_slope": 0.15,  # absolute increase of the fitted log-log slope across tiers
    "memory_slope": 0.15,  # absolute
}

#: What a timing round reads: the process's CPU seconds or the wall clock.
CLOCKS = ("cpu", "wall")
#: How one worker process's rounds become its single figure for a benchmark.
STATISTICS = ("median", "min")

#: Metrics whose threshold is an absolute difference rather than a fraction.
ABSOLUTE = frozenset(
    {
        "sql_statements",
        "sql_rows_written",
        "violations",
        "max_call_spread",
        "max_weekend_spread",
        "max_hours_spread",
        "time_slope",
        "memory_slope",
    }
)

_TOP_KEYS = {
    "alpha",
    "timing_tiers",
    "exact_tiers",
    "instruction_tiers",
    "budget_seconds",
    "inconclusive_fails",
    "min_pairs",
    "max_pairs",
    "rounds",
    "clock",
    "statistic",
    "thresholds",
    "override",
    "accept",
}


@dataclass(frozen=True, slots=True)
class Override:
    """A threshold of its own for the benchmarks matching ``pattern`` (fnmatch)."""

    pattern: str
    metric: str
    threshold: float


@dataclass(frozen=True, slots=True)
class Acceptance:
    """A reviewed, intended regression: up to ``allowed`` more of ``metric`` is accepted."""

    pattern: str
    metric: str
    allowed: float
    reason: str


@dataclass(frozen=True, slots=True)
class GateConfig:
    """Everything the gate decides with; see the module docstring for the TOML form."""

    alpha: float = 0.05
    timing_tiers: tuple[str, ...] = ("tiny", "small")
    exact_tiers: tuple[str, ...] = ("tiny", "small", "medium")
    instruction_tiers: tuple[str, ...] = ("tiny",)  # counted under callgrind; [] for none
    budget_seconds: float = 180.0
    inconclusive_fails: bool = False
    min_pairs: int = 8
    max_pairs: int = 40
    rounds: int = 5
    clock: str = "cpu"  # "cpu": the worker's process CPU seconds; "wall": perf_counter
    statistic: str = "median"  # of one process's rounds: "median" or "min"
    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    overrides: tuple[Override, ...] = ()
    accepted: tuple[Acceptance, ...] = ()
    source: str = "defaults"

    def threshold(self, metric: str, benchmark: str) -> float:
        """The threshold of ``metric`` for ``benchmark``: the last matching override wins."""
        value = self.thresholds[metric]
        for override in self.overrides:
            if override.metric == metric and matches(benchmark, override.pattern):
                value = override.threshold
        return value

    def acceptance(self, metric: str, benchmark: str) -> Acceptance | None:
        """The reviewed acceptance covering ``metric`` of ``benchmark``, if any."""
        for accepted in self.accepted:
            if accepted.metric == metric and matches(benchmark, accepted.pattern):
                return accepted
        return None


def matches(benchmark: str, pattern: str) -> bool:
    """Whether ``benchmark`` matches ``pattern``: ``*`` and ``?`` are wildcards, brackets literal.

    Benchmark ids carry their tier in brackets (``load[tiny]``), so ``load[*]`` must mean
    "load on any tier", not fnmatch's character class.
    """
    literal_brackets = re.sub(r"[\[\]]", lambda m: f"[{m.group()}]", pattern)
    return fnmatch.fnmatchcase(benchmark, literal_brackets)


def load_gate_config(pyproject: Path) -> GateConfig:
    """Read and validate ``[tool.rota.gate]`` of ``pyproject``; defaults when it is absent.

    Raises:
        UsageError: The file is unreadable, or the table has an unknown key or a bad
            value; the message names the key (exit status 2).
    """
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{pyproject}: no such file (the gate reads [tool.rota.gate])") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{pyproject}: cannot read it ({exc})") from None
    table: dict[str, Any] = document
    for key in ("tool", "rota", "gate"):
        inner = table.get(key, {})
        if not isinstance(inner, dict):
            raise UsageError(
                f"{pyproject}: [{key}] is not a table: expected a table at [tool.rota.gate]"
            )
        table = inner
    return parse_gate_config(table, source=f"{pyproject} [tool.rota.gate]")


def parse_gate_config(table: Mapping[str, Any], *, source: str) -> GateConfig:
    """Validate a ``[tool.rota.gate]`` table (already parsed TOML)."""
    where = source
    if not isinstance(table, Mapping):
        raise UsageError(f"{where}: expected a table")
    unknown = sorted(set(table) - _TOP_KEYS)
    if unknown:
        known = ", ".join(sorted(_TOP_KEYS))
        raise UsageError(f"{where}: unknown key {unknown[0]!r} (known: {known})")
    thresholds = dict(DEFAULT_THRESHOLDS)
    raw_thresholds = table.get("thresholds", {})
    if not isinstance(raw_thresholds, Mapping):
        raise UsageError(f"{where}: 'thresholds' must be a table")
    for metric, value in raw_thresholds.items():
        thresholds[_metric(metric, f"{where} thresholds")] = _non_negative(
            value, f"{where} thresholds.{metric}"
        )
    overrides = tuple(
        Override(
            pattern=_string(item, "pattern", f"{where} override[{i}]"),
            metric=_metric(
                _string(item, "metric", f"{where} override[{i}]"), f"{where} override[{i}]"
            ),
            threshold=_non_negative(item.get("threshold"), f"{where} override[{i}].threshold"),
        )
        for i, item in enumerate(_tables(table.get("override", []), f"{where} override"))
    )
    accepted = tuple(
        Acceptance(
            pattern=_string(item, "pattern", f"{where} accept[{i}]"),
            metric=_metric(_string(item, "metric", f"{where} accept[{i}]"), f"{where} accept[{i}]"),
            allowed=_non_negative(item.get("allowed"), f"{where} accept[{i}].allowed"),
            reason=_string(item, "reason", f"{where} accept[{i}]"),
        )
        for i, item in enumerate(_tables(table.get("accept", []), f"{where} accept"))
    )
    alpha = _number(table.get("alpha", 0.05), f"{where} alpha")
    if not 0 < alpha < 0.5:
        raise UsageError(f"{where} alpha: must be between 0 and 0.5, not {alpha}")
    min_pairs = _count(table.get("min_pairs", 8), f"{where} min_pairs", at_least=3)
    max_pairs = _count(table.get("max_pairs", 40), f"{where} max_pairs", at_least=min_pairs)
    inconclusive_fails = table.get("inconclusive_fails", False)
    if not isinstance(inconclusive_fails, bool):
        raise UsageError(f"{where} inconclusive_fails: must be true or false")
    timing_tiers = _tiers(table.get("timing_tiers", ["tiny", "small"]), f"{where} timing_tiers")
    exact_tiers = _tiers(
        table.get("exact_tiers", ["tiny", "small", "medium"]), f"{where} exact_tiers"
    )
    raw_instruction_tiers = table.get("instruction_tiers", ["tiny"])
    instruction_tiers: tuple[str, ...] = (
        ()
        if raw_instruction_tiers == []
        else _tiers(raw_instruction_tiers, f"{where} instruction_tiers")
    )
    outside = [t for t in instruction_tiers if t not in exact_tiers]
    if outside:
        raise UsageError(
            f"{where} instruction_tiers: {outside[0]} is not among exact_tiers; "
            "add it there or drop it here"
        )
    clock = table.get("clock", "cpu")
    if clock not in CLOCKS:
        raise UsageError(f"{where} clock: must be one of {', '.join(CLOCKS)}, not {clock!r}")
    statistic = table.get("statistic", "median")
    if statistic not in STATISTICS:
        raise UsageError(
            f"{where} statistic: must be one of {', '.join(STATISTICS)}, not {statistic!r}"
        )
    return GateConfig(
        alpha=alpha,
        clock=clock,
        statistic=statistic,
        timing_tiers=timing_tiers,
        exact_tiers=exact_tiers,
        instruction_tiers=instruction_tiers,
        budget_seconds=_positive(table.get("budget_seconds", 180), f"{where} budget_seconds"),
        inconclusive_fails=inconclusive_fails,
        min_pairs=min_pairs,
        max_pairs=max_pairs,
        rounds=_count(table.get("rounds", 5), f"{where} rounds", at_least=1),
        thresholds=thresholds,
        overrides=overrides,
        accepted=accepted,
        source=source,
    )


def _metric(name: object, where: str) -> str:
    if not isinstance(name, str) or name not in DEFAULT_THRESHOLDS:
        raise UsageError(
            f"{where}: unknown metric {name!r} (one of {', '.join(DEFAULT_THRESHOLDS)})"
        )
    return name


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UsageError(f"{where}: must be a number, not {value!r}")
    return float(value)


def _non_negative(value: object, where: str) -> float:
    number = _number(value, where)
    if number < 0:
        raise UsageError(f"{where}: must not be negative, not {number}")
    return number


def _positive(value: object, where: str) -> float:
    number = _number(value, where)
    if number <= 0:
        raise UsageError(f"{where}: must be positive, not {number}")
    return number


def _count(value: object, where: str, *, at_least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < at_least:
        raise UsageError(f"{where}: must be a whole number of at least {at_least}, not {value!r}")
    return value


def _string(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{where}.{key}: must be a non-empty string")
    return value


def _tables(value: object, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise UsageError(f"{where}: must be an array of tables ([[...]])")
    return value


def _tiers(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise UsageError(f"{where}: must be a non-empty list of tier names")
    for name in value:
        if name not in TIERS:
            raise UsageError(f"{where}: unknown tier {name!r} (one of {', '.join(TIERS)})")
    return tuple(value)
