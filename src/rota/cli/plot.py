"""``rota plot``: draw the scaling plot of a stored run of the benchmark suite."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rota.cli.bench import DEFAULT_RESULTS_DIR
from rota.cli.common import Command, console
from rota.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console


def run(
    *,
    out_path: Path,
    results_file: Path | None = None,
    results_dir: Path = DEFAULT_RESULTS_DIR,
    out: Console | None = None,
) -> int:
    """Plot ``results_file`` (else the newest run in ``results_dir``) into ``out_path``."""
    # Imported here, not at the top: `rota tiers` and `rota --help` must not load matplotlib.
    from rota.perf.report import draw_scaling_plot
    from rota.perf.results import ResultsStore

    store = ResultsStore(results_dir)
    stored = store.load(results_file) if results_file is not None else store.latest()
    try:
        plotted = draw_scaling_plot(stored, out_path)
    except OSError as exc:
        raise UsageError(f"cannot write {out_path}: {exc.strerror}; choose another --out") from None
    if plotted.path is None:
        raise UsageError(plotted.message)
    console(out).print(plotted.message)
    return 0


class Plot(Command):
    """Draw the scaling plot of a stored run: every phase's time and memory against size.

    Reads FILE, or else the newest results file in --results-dir (every file there must
    read: a truncated or corrupt one is refused by name), and writes a PNG to --out with
    the run's commit, date and machine as its caption. A run of one tier has no slope
    to show: nothing is written and the command exits with status 2.
    """

    name = "plot"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``FILE``, ``--results-dir`` and ``--out``."""
        parser.add_argument(
            "results_file", nargs="?", type=Path, metavar="FILE", help="a results file"
        )
        parser.add_argument(
            "--results-dir",
            type=Path,
            default=DEFAULT_RESULTS_DIR,
            metavar="DIR",
            help=f"where results files are (default: {DEFAULT_RESULTS_DIR})",
        )
        parser.add_argument(
            "--out", type=Path, required=True, metavar="PNG", help="the PNG file to write"
        )

    def run_from_args(self, args: argparse.Namespace) -> int:
        """Plot the parsed results file or directory."""
        return run(out_path=args.out, results_file=args.results_file, results_dir=args.results_dir)


COMMAND = Plot()
