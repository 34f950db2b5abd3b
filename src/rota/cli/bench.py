"""``rota bench``: run the benchmark suite in worker processes, store, print and plot it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rota.cli.common import Command, console, positive_int, run_async
from rota.datasets.tiers import DEFAULT_TIERS, Tier, get_tier, parse_tiers

if TYPE_CHECKING:
    from rich.console import Console

#: Where a run's outputs go unless told otherwise: generated, ignored by git. Figures of
#: record are committed under results/runs and results/plots on purpose (README).
DEFAULT_RESULTS_DIR = Path("results/local/runs")
DEFAULT_PLOT = Path("results/local/plots/scaling.png")
DEFAULT_CAPTURE_DIR = Path("results/local/memray")
#: The largest tier the instruction pass counts by default: a round under callgrind
#: costs some 40 times its native time (README, "Instructions under callgrind").
INSTRUCTIONS_UP_TO = "small"


def run(
    *,
    tiers: tuple[Tier, ...],
    db: str | None = None,
    memory: bool = True,
    processes: int = 3,
    results_dir: Path = DEFAULT_RESULTS_DIR,
    plot: Path = DEFAULT_PLOT,
    capture_dir: Path = DEFAULT_CAPTURE_DIR,
    instructions: bool | None = None,
    out: Console | None = None,
) -> int:
    """Run the suite and report; returns 0, or 1 when a schedule broke a rule.

    ``instructions``: ``None`` counts the tiers up to :data:`INSTRUCTIONS_UP_TO` when
    valgrind is here (else a note says why not), ``True`` every tier (an error when it
    cannot), ``False`` none.
    """
    # Imported here, not at the top: `rota tiers` and `rota --help` must not pay for them.
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from rota.perf.report import (
        draw_scaling_plot,
        quality_table,
        results_table,
        scaling,
        scaling_lines,
    )
    from rota.perf.results import ResultsStore
    from rota.perf.suite import SuiteSettings, kept_capture, run_suite, total_steps

    screen = console(out)
    if db is not None:
        run_async(_check_reachable(db))  # one line for a bad URL or a dead server, up front
    counted, note = instruction_tiers(tiers, instructions)
    if note is not None:
        screen.print(escape(note))
    settings = SuiteSettings(
        tiers=tiers,
        db_url=db,
        memory=memory,
        processes=processes,
        capture_dir=capture_dir,
        instruction_tiers=counted,
        instructions_note=note,
    )
    # The bar lives in this (parent) process only; the workers that time run no thread
    # of it, so its refreshes never compete with a timed round.
    with Progress(
        TextColumn("[bold]rota bench[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("starting workers", total=total_steps(settings))
        run_results = run_suite(
            settings, lambda done: bar.update(task, advance=1, description=escape(done))
        )
    path = ResultsStore(results_dir).save(run_results)
    screen.print(results_table(run_results))
    quality = quality_table(run_results)
    if quality is not None:
        screen.print(quality)
    for line in scaling_lines(scaling(run_results)):
        screen.print(line)
    screen.print(f"results: {path}")
    plotted = draw_scaling_plot(run_results, plot)
    screen.print(plotted.message)
    capture = kept_capture(settings)
    if capture is not None:
        flame = capture.with_suffix(".html")
        screen.print(f"memray capture: {capture} (memray flamegraph {capture} -o {flame})")
    broken = [b.name for b in run_results.benchmarks if b.counters.get("violations", 0) != 0]
    return 1 if broken else 0


def instruction_tiers(
    tiers: tuple[Tier, ...], wanted: bool | None
) -> tuple[tuple[str, ...], str | None]:
    """The tiers the instruction pass counts, and the note to print when it does not run.

    Raises:
        UsageError: ``--instructions`` was asked for and valgrind cannot count here.
    """
    from rota.errors import UsageError
    from rota.perf.instructions import valgrind_available

    if wanted is False:
        return (), None
    missing = valgrind_available()
    if missing is not None:
        if wanted:
            raise UsageError(f"--instructions: {missing}")
        return (), f"{missing}; the suite runs without instruction counts"
    limit = get_tier(INSTRUCTIONS_UP_TO).resident_sessions
    counted = tuple(t.name for t in tiers if wanted or t.resident_sessions <= limit)
    return counted, None


async def _check_reachable(db: str) -> None:
    from rota.db.engine import open_database
    from rota.db.url import normalize_url

    async with open_database(normalize_url(db)):
        pass


class Bench(Command):
    """Run the benchmark suite: timing in worker processes, memory, results, table, plot.

    Every tier is timed in --processes fresh worker processes (the unit of replication),
    each phase (seed, load, solve, validate, persist, generate) for a share of the
    rounds; exact counters (SQL statements, rows written, quality) come from an untimed
    run; peak memory and allocations from memray in a separate pass; instructions under
    callgrind (tiers up to small by default, when valgrind is here). Outputs go to
    results/local/ (ignored by git) unless --results-dir, --plot, --capture-dir say
    otherwise.
    """

    name = "bench"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Tiers, database, passes, processes and every output location."""
        parser.add_argument(
            "--tiers",
            type=parse_tiers,
            default=parse_tiers(",".join(DEFAULT_TIERS)),
            metavar="LIST",
            help="comma list of tiers or 'all' (default: tiny..large)",
        )
        parser.add_argument(
            "--db",
            metavar="URL",
            help="benchmark on this database (default: a SQLite file per worker process)",
        )
        parser.add_argument("--no-memory", action="store_true", help="skip the memory pass")
        parser.add_argument(
            "--instructions",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="count instructions under callgrind: every tier (--instructions), none "
            f"(--no-instructions); default: tiers up to {INSTRUCTIONS_UP_TO} when valgrind "
            "is installed",
        )
        parser.add_argument(
            "--processes",
            type=positive_int,
            default=3,
            metavar="N",
            help="worker processes per tier for the timing pass (default: 3)",
        )
        parser.add_argument(
            "--results-dir",
            type=Path,
            default=DEFAULT_RESULTS_DIR,
            metavar="DIR",
            help=f"where the results file goes (default: {DEFAULT_RESULTS_DIR})",
        )
        parser.add_argument(
            "--plot",
            type=Path,
            default=DEFAULT_PLOT,
            metavar="PNG",
            help=f"the scaling plot (default: {DEFAULT_PLOT})",
        )
        parser.add_argument(
            "--capture-dir",
            type=Path,
            default=DEFAULT_CAPTURE_DIR,
            metavar="DIR",
            help=f"where the largest tier's memray capture goes (default: {DEFAULT_CAPTURE_DIR})",
        )

    def run_from_args(self, args: argparse.Namespace) -> int:
        """Run the suite with the parsed options."""
        if args.db == "":
            from rota.errors import UsageError

            raise UsageError("--db is empty: give a database URL or leave the option out")
        return run(
            tiers=args.tiers,
            db=args.db,
            memory=not args.no_memory,
            processes=args.processes,
            results_dir=args.results_dir,
            plot=args.plot,
            capture_dir=args.capture_dir,
            instructions=args.instructions,
        )


COMMAND = Bench()
