"""``rota bench``: run the benchmark suite, store the results, print them and plot scaling."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rota.cli.common import Command, console
from rota.datasets.tiers import DEFAULT_TIERS, Tier, parse_tiers
from rota.perf.report import draw_scaling_plot, results_table, scaling, scaling_lines
from rota.perf.results import DEFAULT_RESULTS_DIR, ResultsStore
from rota.perf.suite import SuiteSettings, find_bench_dir, kept_capture, run_suite, total_steps

DEFAULT_PLOT = Path("results/plots/scaling.png")


def run(
    *,
    tiers: tuple[Tier, ...],
    db: str | None = None,
    memory: bool = True,
    results_dir: Path = DEFAULT_RESULTS_DIR,
    plot: Path = DEFAULT_PLOT,
    bench_dir: Path | None = None,
    out: Console | None = None,
) -> int:
    """Run the suite and report; returns 0, or 1 when a schedule broke a rule."""
    screen = console(out)
    settings = SuiteSettings(
        tiers=tiers, bench_dir=find_bench_dir(bench_dir), db_url=db, memory=memory
    )
    with Progress(
        TextColumn("[bold]rota bench[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=total_steps(tiers, memory))
        run_results = run_suite(
            settings, lambda done: bar.update(task, advance=1, description=escape(done))
        )
    path = ResultsStore(results_dir).save(run_results)
    screen.print(results_table(run_results))
    for line in scaling_lines(scaling(run_results)):
        screen.print(line)
    plotted = draw_scaling_plot(run_results, plot)
    screen.print(f"results: {path}")
    if plotted:
        screen.print(f"scaling plot: {plotted}")
    if memory:
        screen.print(f"memray capture: {kept_capture(settings)} (memray flamegraph FILE)")
    broken = [b.name for b in run_results.benchmarks if b.counters.get("violations", 0) != 0]
    return 1 if broken else 0


class Bench(Command):
    """Run the benchmark suite: timing pass, memory pass, results file, table and plot.

    Times every phase (seed, load, solve, validate, persist, generate) on each tier
    with pytest-benchmark, then measures peak memory and allocations with memray in a
    separate pass, writes results/runs/<time>-<commit>.json and results/plots/scaling.png.
    """

    name = "bench"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--tiers``, ``--db``, ``--no-memory``, ``--results-dir``, ``--plot``."""
        parser.add_argument(
            "--tiers",
            type=parse_tiers,
            default=parse_tiers(",".join(DEFAULT_TIERS)),
            metavar="LIST",
            help="comma list of tiers or 'all' (default: tiny..large)",
        )
        parser.add_argument(
            "--db", metavar="URL", help="benchmark on this database (default: SQLite files)"
        )
        parser.add_argument("--no-memory", action="store_true", help="skip the memory pass")
        parser.add_argument("--results-dir", type=Path, default=DEFAULT_RESULTS_DIR)
        parser.add_argument("--plot", type=Path, default=DEFAULT_PLOT)
        parser.add_argument("--bench-dir", type=Path, help="where bench/ is (default: ./bench)")

    def run_from_args(self, args: argparse.Namespace) -> int:
        """Run the suite with the parsed options."""
        return run(
            tiers=args.tiers,
            db=args.db,
            memory=not args.no_memory,
            results_dir=args.results_dir,
            plot=args.plot,
            bench_dir=args.bench_dir,
        )


COMMAND = Bench()
