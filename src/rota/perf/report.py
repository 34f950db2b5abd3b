"""What a run of the suite says: the table, the scaling slopes, the N+1 flags, the plot."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC
from functools import partial
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from rota.perf.plots import ScalingPoint, plot_scaling
from rota.perf.results import BenchmarkResult, Counter, RunResults
from rota.perf.stats import SlopeFit, fit_loglog_slope
from rota.perf.workloads import PHASES

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Scaling:
    """How one phase grows with resident-sessions across the tiers that ran."""

    phase: str
    time: SlopeFit | None
    memory: SlopeFit | None
    statements: dict[str, int]  # SQL statements per tier

    @property
    def statements_vary(self) -> bool:
        """True when the statement count depends on the tier: the N+1 signature."""
        return len(set(self.statements.values())) > 1


def results_table(run: RunResults) -> Table:
    """Per benchmark: median, IQR, rounds, SQL, memory, instructions, violations."""
    table = Table(title="rota benchmarks (times are medians of the rounds)")
    for column in (
        "benchmark",
        "size",
        "median",
        "IQR",
        "rounds",
        "SQL stmts",
        "rows written",
        "peak memory",
        "allocations",
        "instructions",
        "violations",
    ):
        table.add_column(column, justify="left" if column == "benchmark" else "right")
    for b in run.benchmarks:
        s = b.summary
        table.add_row(
            escape(b.name),  # "generate[large]" is not rich markup
            f"{b.size:,}",
            _seconds(s.median) if s else "-",
            _seconds(s.iqr) if s else "-",
            str(s.rounds) if s else "-",
            str(b.counters.get("sql_statements", "-")),
            f"{b.counters.get('sql_rows_written', 0):,}",
            f"{b.peak_memory_bytes / _MIB:.1f} MiB" if b.peak_memory_bytes is not None else "-",
            f"{b.allocations:,}" if b.allocations is not None else "-",
            f"{b.instructions:,}" if b.instructions is not None else "-",
            str(b.counters.get("violations", "-")),
        )
    return table


def scaling(run: RunResults) -> list[Scaling]:
    """The log-log slope of time and memory per phase, and its statements per tier."""
    by_phase: dict[str, list[BenchmarkResult]] = defaultdict(list)
    for b in run.benchmarks:
        by_phase[b.phase].append(b)
    out = []
    for phase in [p for p in PHASES if p in by_phase]:
        results = sorted(by_phase[phase], key=lambda b: b.size)
        timed = [(b.size, b.summary.median) for b in results if b.summary]
        measured = [(b.size, float(b.peak_memory_bytes)) for b in results if b.peak_memory_bytes]
        out.append(
            Scaling(
                phase=phase,
                time=_fit(timed),
                memory=_fit(measured),
                statements={b.tier: int(b.counters.get("sql_statements", 0)) for b in results},
            )
        )
    return out


def scaling_lines(fits: list[Scaling]) -> list[str]:
    """One line per phase: slopes, and a warning where statements grow with the tier."""
    lines = []
    for fit in fits:
        time = f"time slope {fit.time.slope:.2f} (R² {fit.time.r2:.2f})" if fit.time else "time -"
        memory = (
            f"memory slope {fit.memory.slope:.2f} (R² {fit.memory.r2:.2f})"
            if fit.memory
            else "memory -"
        )
        counts = sorted(set(fit.statements.values()))
        if fit.statements_vary:
            sql = f"SQL statements DIFFER by tier {fit.statements}: possible N+1"
        else:
            sql = f"SQL statements {counts[0] if counts else 0} on every tier"
        lines.append(f"{fit.phase:9} {time}, {memory}, {sql}")
    return lines


@dataclass(frozen=True, slots=True)
class ScalingPlot:
    """What ``draw_scaling_plot`` did: the PNG it wrote (or None) and a line saying so."""

    path: Path | None
    message: str


def draw_scaling_plot(run: RunResults, out: Path) -> ScalingPlot:
    """Plot every phase's median time and peak memory against size, captioned.

    A slope needs two sizes: when fewer tiers ran, nothing is drawn, ``out`` is left
    as it is, and the message says so (and whether ``out`` holds an older plot).
    """
    points = [
        ScalingPoint(b.tier, b.size, b.summary.median, b.peak_memory_bytes, phase=b.phase)
        for b in sorted(run.benchmarks, key=lambda b: _phase_rank(b.phase))
        if b.summary is not None
    ]
    tiers = sorted({(p.size, p.tier) for p in points})
    if len(tiers) < 2:
        ran = ", ".join(tier for _, tier in tiers) or "no timed tier"
        stale = f"; {out} is an earlier run's" if out.exists() else ""
        return ScalingPlot(
            None,
            f"scaling plot: not drawn, only {ran} ran and a slope needs two tiers or more "
            f"(e.g. --tiers tiny,small){stale}",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    path = plot_scaling(
        points,
        out,
        title="rota: each phase against dataset size, log-log (slope 1 = linear)",
        caption=scaling_caption(run),
    )
    return ScalingPlot(path, f"scaling plot: {path}")


def scaling_caption(run: RunResults) -> str:
    """Which code, when and where: ``commit 1a2b3c4 (main) · 2026-11-22 02:19 UTC · ...``."""
    commit = run.git.get("commit")
    if isinstance(commit, str) and commit:
        code = f"commit {commit[:7]}"
        if run.git.get("dirty"):
            code += " with uncommitted changes"
        if run.git.get("branch"):
            code += f" ({run.git['branch']})"
    else:
        code = "no git commit"
    m = run.machine
    machine = [str(m["cpu_model"])] if m.get("cpu_model") else []
    if m.get("logical_cores"):
        machine.append(f"{m['logical_cores']} cores")
    if m.get("memory_bytes"):
        machine.append(f"{m['memory_bytes'] / 1024**3:.0f} GiB")
    if m.get("os"):
        machine.append(" ".join(str(m[k]) for k in ("os", "arch") if m.get(k)))
    if m.get("python_version"):
        machine.append(f"{m.get('python_implementation', 'Python')} {m['python_version']}")
    if m.get("hostname"):
        machine.append(f"host {m['hostname']}")
    when = f"{run.created_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    parts = [code, when, ", ".join(machine) or "machine unknown"]
    if run.settings.get("database"):
        parts.append(str(run.settings["database"]))
    return " · ".join(parts)


def quality_table(run: RunResults) -> Table | None:
    """Per tier: construction (``solve``) beside the improvement (``improve``).

    The objective and the worst PGY class's spreads and the rotation switches of each
    schedule (``rota.engine.quality``), the objective's change, and the phases' medians.
    ``None`` when no tier ran both phases with their quality counted.
    """
    rows = []
    for built in run.benchmarks:
        improved = run.benchmark(f"improve[{built.tier}]") if built.phase == "solve" else None
        if improved and "objective" in built.counters and "objective" in improved.counters:
            rows.append((built, improved))
    if not rows:
        return None
    table = Table(title="schedule quality: construction (solve) -> improvement (improve)")
    for column in (
        "tier",
        "objective",
        "change",
        "call spread",
        "weekend spread",
        "hours spread",
        "switches",
        "solve",
        "improve",
    ):
        table.add_column(column, justify="left" if column == "tier" else "right")
    for built, improved in rows:
        before, after = built.counters, improved.counters
        pair = partial(_pair, before, after)
        old, new = float(before["objective"]), float(after["objective"])
        table.add_row(
            built.tier,
            pair("objective", ".1f"),
            f"{100 * (new / old - 1):+.1f}%" if old else "-",
            pair("max_call_spread", ".2f"),
            pair("max_weekend_spread", ".2f"),
            pair("max_hours_spread", ".1f"),
            pair("rotation_switches", "d"),
            _seconds(built.summary.median) if built.summary else "-",
            _seconds(improved.summary.median) if improved.summary else "-",
        )
    return table


def _pair(before: dict[str, Counter], after: dict[str, Counter], key: str, fmt: str) -> str:
    return f"{format(before[key], fmt)} -> {format(after[key], fmt)}"


def _phase_rank(phase: str) -> int:
    return PHASES.index(phase) if phase in PHASES else len(PHASES)


def _fit(pairs: list[tuple[int, float]]) -> SlopeFit | None:
    if len({size for size, _ in pairs}) < 2:
        return None
    return fit_loglog_slope([p[0] for p in pairs], [p[1] for p in pairs])


def _seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.3f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.0f} µs"
