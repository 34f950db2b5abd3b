"""``rota gate``: fail a change that makes generation slower, hungrier or worse."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rota.cli.common import Command, console, positive_int
from rota.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from rota.perf.gate_config import GateConfig
    from rota.perf.runner import SourceTree

PYPROJECT = Path("pyproject.toml")

#: The benchmark phase a function of --inject is the work of.
AFFECTS = {
    "solve_program": "solve",
    "improve_schedule": "improve",
    "validate_schedule": "validate",
    "load": "load",
    "persist": "persist",
}


def run(
    *,
    base: str | None,
    config_path: Path,
    baseline: Path,
    budget: float | None,
    markdown_path: Path | None,
    json_path: Path | None,
    update: bool,
) -> int:
    """Run the gate (or refresh the baseline) and report; returns the gate's exit code."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from rota.perf.atomic import write_atomic
    from rota.perf.gate import load_baseline, run_gate, update_baseline
    from rota.perf.gate_config import load_gate_config
    from rota.perf.gate_report import markdown, tables, to_json

    config = load_gate_config(config_path)
    screen = console()
    if update:
        results = update_baseline(config, baseline)
        screen.print(
            f"baseline: {baseline} ({len(results.benchmarks)} benchmarks on "
            f"{', '.join(config.exact_tiers)}); review and commit it"
        )
        return 0
    if base is None:
        load_baseline(baseline)  # a missing or corrupt baseline: one line, before any output
    with Progress(
        TextColumn("[bold]rota gate[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=config.max_pairs if base else None)
        report = run_gate(
            config,
            base=base,
            baseline=baseline,
            budget_seconds=budget,
            progress=lambda what: bar.update(task, description=what),
            timing_progress=lambda what, done, total: bar.update(
                task, completed=done, total=total, description=what
            ),
        )
    for table in tables(report):
        screen.print(table)
    for note in report.skipped:
        screen.print(f"not compared: {note}")
    for accepted in config.accepted:
        screen.print(
            f"accepted on purpose: {accepted.pattern} {accepted.metric} "
            f"(+{accepted.allowed:g}): {accepted.reason}"
        )
    screen.print(report.verdict)
    if markdown_path is not None:
        write_atomic(markdown_path, markdown(report).encode())
        screen.print(f"markdown report: {markdown_path}")
    if json_path is not None:
        write_atomic(json_path, to_json(report).encode())
        screen.print(f"json report: {json_path}")
    return report.exit_code


def run_calibration(
    *,
    config_path: Path,
    trials: int,
    tiers: str,
    inject: str,
    budget: float | None,
    pytest_benchmark: bool,
    exact_trials: int = 0,
) -> int:
    """Measure the gate's false-alarm and detection rates here, beside pytest-benchmark's."""
    from rich.markup import escape
    from rich.table import Table

    from rota.datasets.tiers import parse_tiers
    from rota.perf.calibrate import calibrate
    from rota.perf.gate import head_tree
    from rota.perf.gate_config import load_gate_config
    from rota.perf.workloads import PHASES

    config = load_gate_config(config_path)
    screen = console()
    tree, top = head_tree()
    chosen = parse_tiers(tiers)
    benchmarks = [f"{p}[{t.name}]" for t in chosen for p in PHASES]
    function = inject.partition("=")[0].partition(":")[2]
    # The phase whose own work the function is; generate includes it, diluted by the rest.
    affected = [b for b in benchmarks if b.startswith(f"{AFFECTS.get(function, '?')}[")]
    bench_dir = top / "bench" if top is not None and pytest_benchmark else None
    cal = calibrate(
        tree,
        benchmarks,
        affected,
        inject,
        config,
        trials=trials,
        bench_dir=bench_dir,
        budget_seconds=budget,
        progress=lambda what: screen.print(what, markup=False, highlight=False),
    )
    table = Table(
        title=f"{cal.trials} A/A and {cal.trials} injected trials ({inject})", title_justify="left"
    )
    for column in (
        "benchmark",
        "gate false alarms",
        "gate detected",
        "pytest-benchmark false alarms",
        "pytest-benchmark detected",
    ):
        table.add_column(column, justify="left" if column == "benchmark" else "right")
    n = max(cal.trials, 1)
    for name in benchmarks:
        hit = name in affected
        table.add_row(
            escape(name),
            f"{cal.gate_false[name]}/{n}",
            f"{cal.gate_detected[name]}/{n}" if hit else "-",
            f"{cal.pb_false[name]}/{n}" if cal.pb_ran else "not run",
            (f"{cal.pb_detected[name]}/{n}" if hit else "-") if cal.pb_ran else "not run",
        )
    screen.print(table)
    mean = sum(cal.gate_seconds) / len(cal.gate_seconds) if cal.gate_seconds else 0.0
    screen.print(f"gate runs with any false alarm: {cal.gate_runs_with_false_alarm}/{n} A/A")
    if affected:
        screen.print(
            f"injected gate runs that failed on {', '.join(affected)}: "
            f"{cal.gate_runs_detecting_any}/{n} (on every one of them: "
            f"{cal.gate_runs_detecting_all}/{n})",
            markup=False,
        )
    if cal.pb_ran:
        screen.print(
            f"pytest-benchmark runs with any false alarm: {cal.pb_runs_with_false_alarm}/{n} A/A"
        )
    screen.print(f"time per gate run: {mean:.0f} s on average")
    if exact_trials:
        _calibrate_exact(tree, config, exact_trials, screen)
    return 0


def _calibrate_exact(tree: SourceTree, config: GateConfig, trials: int, screen: Console) -> None:
    """The exact metrics' false alarms over A/A runs and the injections they catch."""
    from rich.markup import escape
    from rich.table import Table

    from rota.datasets.tiers import get_tier
    from rota.perf.calibrate import EXACT_INJECTIONS, calibrate_exact

    tiers = [get_tier(t) for t in config.exact_tiers]
    cal = calibrate_exact(
        tree,
        tiers,
        config,
        trials=trials,
        progress=lambda what: screen.print(what, markup=False, highlight=False),
    )
    table = Table(
        title=f"exact metrics, {', '.join(config.exact_tiers)}: {cal.trials} trials of each kind",
        title_justify="left",
    )
    for column in ("trial kind", "runs flagged", "what was flagged"):
        table.add_column(column, justify="right" if column == "runs flagged" else "left")
    table.add_row(
        "A/A (false alarms)",
        f"{cal.runs_with_false_alarm}/{cal.trials}",
        escape(", ".join(sorted(cal.false_alarms)) or "-"),
    )
    for name, (pattern, metric) in EXACT_INJECTIONS.items():
        missed = sorted(set(cal.missed.get(name, [])))
        table.add_row(
            f"{name} (caught)",
            f"{cal.caught[name]}/{cal.trials}",
            escape(f"{metric} of {pattern}" + (f"; missed {', '.join(missed)}" if missed else "")),
        )
    screen.print(table)
    each = sum(cal.seconds) / len(cal.seconds) if cal.seconds else 0.0
    screen.print(f"time per exact measurement: {each:.0f} s on average")


class Gate(Command):
    """Fail a change that makes generation slower, hungrier or worse.

    Without --base: every exact metric (SQL statements, rows written, violations, quality,
    peak memory, allocations) of the working tree against results/baseline.json. With
    --base REF: REF in a temporary worktree is the reference, and timing is compared in
    the same run with alternating base and head worker processes. Thresholds live in
    pyproject.toml [tool.rota.gate]. Exit 0 pass, 1 regression, 2 usage, config or
    baseline problem, 3 a benchmark broke a rule. 'rota gate calibrate' measures the
    false-alarm and detection rates on this machine.
    """

    name = "gate"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Options of the gate and of its calibration."""
        parser.add_argument("action", nargs="?", choices=["calibrate"], help="calibrate the gate")
        parser.add_argument(
            "--base", metavar="REF", help="compare with this commit, timing included"
        )
        parser.add_argument(
            "--config", type=Path, default=PYPROJECT, metavar="TOML", help="default: pyproject.toml"
        )
        parser.add_argument(
            "--baseline", type=Path, default=Path("results/baseline.json"), metavar="JSON"
        )
        parser.add_argument(
            "--budget", type=float, metavar="SECONDS", help="time budget of the timing comparison"
        )
        parser.add_argument("--markdown", type=Path, metavar="FILE", help="write a markdown report")
        parser.add_argument("--json", type=Path, metavar="FILE", help="write every figure as JSON")
        parser.add_argument(
            "--update-baseline", action="store_true", help="measure and write the baseline"
        )
        parser.add_argument(
            "--trials", type=positive_int, default=10, help="calibrate: trials of each kind"
        )
        parser.add_argument("--tiers", default="tiny,small,medium", help="calibrate: tiers")
        parser.add_argument(
            "--inject",
            default="rota.engine.generate:solve_program=0.05",
            help="calibrate: module:function=fraction to slow down",
        )
        parser.add_argument(
            "--exact-trials",
            type=int,
            default=20,
            metavar="N",
            help="calibrate: A/A and injected runs of the exact metrics (0 to skip)",
        )
        parser.add_argument(
            "--no-pytest-benchmark",
            action="store_true",
            help="calibrate: skip pytest-benchmark's trials",
        )

    def run_from_args(self, args: argparse.Namespace) -> int:
        """Run the gate or its calibration."""
        if args.action == "calibrate":
            if args.exact_trials < 0:
                raise UsageError(f"--exact-trials must be 0 or more, not {args.exact_trials}")
            return run_calibration(
                config_path=args.config,
                trials=args.trials,
                tiers=args.tiers,
                inject=args.inject,
                budget=args.budget,
                pytest_benchmark=not args.no_pytest_benchmark,
                exact_trials=args.exact_trials,
            )
        if args.update_baseline and args.base:
            raise UsageError("--update-baseline writes the working tree's figures; drop --base")
        return run(
            base=args.base,
            config_path=args.config,
            baseline=args.baseline,
            budget=args.budget,
            markdown_path=args.markdown,
            json_path=args.json,
            update=args.update_baseline,
        )


COMMAND = Gate()
