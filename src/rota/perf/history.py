"""The asv commit history: its series read with asv's loader, and change-point alarms.

asv keeps one results file per (machine, commit, environment) under ``results/asv/``.
:func:`load_history` reads them with asv's own loader (``asv.results``) and orders the
commits as ``asv publish`` does (``Repo.get_revisions``: git's date order), falling back
to commit dates when the repository does not know a commit (results merged from a
clone, for instance). Each benchmark and parameter combination becomes one
:class:`Series`: a value per commit, ``None`` where the benchmark was n/a.

:func:`check_history` runs asv's step detection (``asv.step_detect``) over every series
and reports a :class:`Regression` when an upward step that persists to the newest commit
starts among the newest commits and exceeds the relative threshold. asv itself only
lists such steps (``asv publish`` writes ``regressions.json``; ``asv compare`` exits 0
whatever it finds); ``rota history check`` turns them into an exit code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rota.errors import RotaError

__all__ = [
    "DEFAULT_MACHINE",
    "DEFAULT_NEWEST",
    "DEFAULT_TIME_MIN_EFFECT",
    "History",
    "HistoryError",
    "Regression",
    "Series",
    "check_history",
    "find_regression",
    "load_history",
    "time_min_effect",
]

# The machine name every history run records under, whatever the host is called (asv
# names results after the hostname by default, which changes between CI machines).
DEFAULT_MACHINE = "rota-ci"
# A step counts when it starts at one of this many newest commits with a value.
DEFAULT_NEWEST = 3
# The gate's relative minimum effect on time, used when pyproject.toml sets none.
DEFAULT_TIME_MIN_EFFECT = 0.05


class HistoryError(RotaError):
    """The asv history is missing or unreadable (exit 2)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Series:
    """One benchmark (and parameter combination) over the history's commits.

    ``values``, ``low`` and ``high`` line up with ``History.commits``; ``None`` marks a
    commit where the benchmark was n/a, failed or was not run. ``low`` and ``high`` are
    the quartiles of the samples for timings and equal the value for exact counters.
    """

    name: str  # e.g. "timing.TimePhase.time_phase(tiny, generate)"
    benchmark: str
    params: tuple[str, ...]
    unit: str
    values: tuple[float | None, ...]
    low: tuple[float | None, ...]
    high: tuple[float | None, ...]
    weights: tuple[float | None, ...] = ()  # asv's: 2 / width of the 99% interval


@dataclass(frozen=True, slots=True)
class History:
    """Every series of one machine, on commits ordered oldest first."""

    machine: str
    commits: tuple[str, ...]
    dates: tuple[int, ...]  # commit dates, milliseconds since the epoch
    series: dict[str, Series] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Regression:
    """An upward step starting among the newest commits, beyond the threshold."""

    series: str
    unit: str
    last_good: str  # commit hash of the last commit before the step
    first_bad: str  # commit hash of the first commit after it
    before: float
    after: float

    @property
    def ratio(self) -> float:
        """The step as a factor: after / before (infinite when before is 0)."""
        return self.after / self.before if self.before else math.inf

    def describe(self) -> str:
        """One line: benchmark, commit range, before and after."""
        return (
            f"{self.series}: {self.last_good[:8]}..{self.first_bad[:8]} "
            f"{_fmt(self.before, self.unit)} -> {_fmt(self.after, self.unit)} "
            f"(x{self.ratio:.2f})"
        )


def time_min_effect(pyproject: Path) -> float:
    """The gate's minimum effect on time: ``[tool.rota.gate.thresholds] time``.

    One place for the threshold: the gate's own configuration loader reads and validates
    it. A missing file means the gate's default (0.05, that is 5%).

    Raises:
        HistoryError: If the gate's configuration is unreadable or invalid.
    """
    from rota.errors import UsageError
    from rota.perf.gate_config import DEFAULT_THRESHOLDS, load_gate_config

    if not pyproject.is_file():
        return DEFAULT_THRESHOLDS["time"]
    try:
        return load_gate_config(pyproject).threshold("time", "*")
    except UsageError as exc:
        raise HistoryError(str(exc)) from None


def load_history(config: Path, machine: str = DEFAULT_MACHINE) -> History:
    """Read the asv results of ``machine`` with asv's loader, commits in asv's order.

    Only results recorded with the benchmark's current ``version`` count, as in
    ``asv publish``.

    Raises:
        HistoryError: If the configuration, the benchmark list or the machine's results
            are missing or unreadable.
    """
    from asv import util
    from asv.benchmarks import Benchmarks
    from asv.config import Config
    from asv.results import Results

    config = config.resolve()
    root = config.parent
    try:
        conf = Config.load(str(config))
    except (util.UserError, OSError, ValueError) as exc:
        raise HistoryError(f"{config}: cannot read the asv configuration ({exc})") from None
    conf.results_dir = str(root / conf.results_dir)
    conf.repo = str(root / conf.repo) if not _is_url(conf.repo) else conf.repo
    machine_dir = Path(conf.results_dir) / machine
    if not machine_dir.is_dir():
        raise HistoryError(
            f"no asv history for machine {machine!r} in {conf.results_dir} "
            f"(run 'rota history run' first)"
        )
    try:
        benchmarks = Benchmarks.load(conf)
    except (util.UserError, OSError, ValueError, KeyError) as exc:
        raise HistoryError(f"{conf.results_dir}: unreadable asv benchmark list ({exc})") from None
    results = []
    # asv's own iterator logs a warning and skips a file it cannot read: a missing commit
    # would then pass for no change, so every file is loaded here and any failure is fatal.
    for path in sorted(machine_dir.glob("*.json")):
        if path.name == "machine.json":
            continue
        try:
            results.append(Results.load(str(path), machine_name=machine))
        except (util.UserError, OSError, ValueError, KeyError, TypeError) as exc:
            message = " ".join(str(exc).split())
            raise HistoryError(f"{path}: unreadable asv results ({message})") from None
    results = [r for r in results if r.commit_hash]
    if not results:
        raise HistoryError(f"{machine_dir}: no asv results files (run 'rota history run')")
    order = _commit_order(conf, {r.commit_hash: r.date for r in results})
    results.sort(key=lambda r: order[r.commit_hash])
    commits = tuple(r.commit_hash for r in results)
    dates = tuple(int(r.date or 0) for r in results)
    series: dict[str, Series] = {}
    for name, bench in sorted(benchmarks.items()):
        combos = _param_combos(bench)
        values: dict[tuple[str, ...], list[list[float | None]]] = {
            c: [[], [], [], []] for c in combos
        }
        for result in results:
            per_combo = _result_values(result, name, bench, combos)
            for combo, point in zip(combos, per_combo, strict=True):
                for column, value in zip(values[combo], point, strict=True):
                    column.append(value)
        for combo, (mid, low, high, weights) in values.items():
            shown = tuple(_unquote(p) for p in combo)
            full = f"{name}({', '.join(shown)})" if combo else name
            series[full] = Series(
                full,
                name,
                shown,
                str(bench.get("unit", "")),
                tuple(mid),
                tuple(low),
                tuple(high),
                tuple(weights),
            )
    return History(machine, commits, dates, series)


def find_regression(
    values: Sequence[float | None],
    threshold: float,
    newest: int = DEFAULT_NEWEST,
    weights: Sequence[float | None] | None = None,
) -> tuple[int, int, float, float] | None:
    """The regression step that starts among the ``newest`` points with a value, if any.

    Runs ``asv.step_detect.detect_steps`` and ``detect_regressions`` (upward steps that
    persist to the newest value and exceed ``threshold`` relative to the level before),
    with the weights ``asv publish`` gives them when there are any.

    Returns:
        (index of the last good point, index of the first bad one, value before, value
        after) of the most recent such step, or ``None``.
    """
    from asv.step_detect import detect_regressions, detect_steps

    present = [i for i, v in enumerate(values) if v is not None and not math.isnan(v)]
    if len(present) < 2:
        return None
    usable = weights is not None and any(w is not None for w in weights)
    steps = detect_steps(list(values), list(weights) if usable and weights else None)
    _latest, _best, positions = detect_regressions(steps, threshold=threshold)
    if not positions:
        return None
    window_start = present[max(0, len(present) - newest)]
    last_good, first_bad, before, after = positions[-1]
    if first_bad is None or first_bad < window_start:
        return None
    if after <= before * (1 + threshold):  # asv's own test also weighs the noise level
        return None
    return int(last_good), int(first_bad), float(before), float(after)


def check_history(
    history: History, threshold: float, newest: int = DEFAULT_NEWEST
) -> list[Regression]:
    """Every series whose newest commits start a regression step beyond ``threshold``."""
    found = []
    for series in history.series.values():
        hit = find_regression(series.values, threshold, newest, series.weights)
        if hit is None:
            continue
        last_good, first_bad, before, after = hit
        found.append(
            Regression(
                series.name,
                series.unit,
                history.commits[last_good],
                history.commits[first_bad],
                before,
                after,
            )
        )
    return found


# -- helpers ------------------------------------------------------------------------------
def _is_url(repo: str) -> bool:
    return "://" in repo or repo.startswith("git@")


def _commit_order(conf: Any, dates: dict[str, int | None]) -> dict[str, tuple[int, int]]:
    """Sort keys: asv's revision number when git knows every commit, else the date."""
    from asv import repo as asv_repo
    from asv import util
    from asv.plugins.git import Git

    if not Git.is_local_repo(conf.repo):  # asv would try to clone it: order by date alone
        return {c: (0, int(dates[c] or 0)) for c in dates}
    try:
        revisions: dict[str, int] = asv_repo.get_repo(conf).get_revisions(set(dates))
    except (util.ProcessError, util.UserError, OSError):  # not a usable repository
        revisions = {}
    if set(revisions) != set(dates):
        revisions = {}
    return {c: (revisions.get(c, 0), int(dates[c] or 0)) for c in dates}


def _param_combos(bench: dict[str, Any]) -> list[tuple[str, ...]]:
    import itertools

    params = bench.get("params") or []
    if not params:
        return [()]
    return [tuple(combo) for combo in itertools.product(*params)]


Point = tuple[float | None, float | None, float | None, float | None]


def _result_values(
    result: Any, name: str, bench: dict[str, Any], combos: list[tuple[str, ...]]
) -> list[Point]:
    """(value, low quartile, high quartile, weight) per combo; ``None`` where none."""
    from asv import _stats

    empty: list[Point] = [(None, None, None, None)] * len(combos)
    if name not in result.get_all_result_keys():
        return empty
    if result.benchmark_version.get(name) != bench.get("version"):
        return empty  # recorded by another version of the benchmark: not comparable
    params = bench.get("params") or []
    raw = result.get_result_value(name, params)
    stats = result.get_result_stats(name, params)
    if not params:
        raw, stats = [raw], [stats]
    out: list[Point] = []
    for value, stat in zip(raw, stats, strict=True):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append((None, None, None, None))
            continue
        stat = stat or {}
        weight = _stats.get_weight(stat) if stat else None
        out.append((float(value), stat.get("q_25", value), stat.get("q_75", value), weight))
    return out


def _unquote(param: str) -> str:
    """Show a parameter as tiny: asv stores parameter values as their repr ("'tiny'")."""
    if len(param) >= 2 and param[0] == param[-1] and param[0] in "'\"":
        return param[1:-1]
    return param


def _fmt(value: float, unit: str) -> str:
    if unit == "seconds":
        for scale, suffix in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
            if abs(value) >= scale:
                return f"{value / scale:.3g} {suffix}"
        return f"{value / 1e-9:.3g} ns"
    return f"{value:.6g} {unit}".rstrip()
