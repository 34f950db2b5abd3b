"""``rota history``: the asv commit history (run, publish, plot, check)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console

from rota.cli.common import Command, console, positive_int
from rota.errors import UsageError
from rota.perf.history import (
    DEFAULT_MACHINE,
    DEFAULT_NEWEST,
    check_history,
    load_history,
    time_min_effect,
)
from rota.perf.history_asv import publish_history, run_history
from rota.perf.history_plot import draw_history_plot

DEFAULT_PLOT = Path("results/plots/history.png")


def run_command(
    root: Path,
    range_spec: str | None,
    *,
    machine: str = DEFAULT_MACHINE,
    tiers: list[str] | None = None,
    bench: list[str] | None = None,
    plot: Path | None = DEFAULT_PLOT,
    out: Console | None = None,
) -> int:
    """Record the commits of ``range_spec`` not yet in the history, then redraw the plot."""
    screen = console(out)
    started = time.perf_counter()
    code = run_history(root, range_spec, machine=machine, tiers=tiers or (), bench=bench or ())
    screen.print(f"asv run: exit {code} after {time.perf_counter() - started:.0f} s")
    if code == 0 and plot is not None:
        drawn = draw_history_plot(load_history(root / "asv.conf.json", machine), root / plot)
        if drawn:
            screen.print(f"history plot: {drawn}")
    return code


def plot_command(
    root: Path,
    *,
    machine: str = DEFAULT_MACHINE,
    plot: Path = DEFAULT_PLOT,
    out: Console | None = None,
) -> int:
    """Redraw the history plot from the recorded results."""
    drawn = draw_history_plot(load_history(root / "asv.conf.json", machine), root / plot)
    console(out).print(f"history plot: {drawn}" if drawn else "nothing to plot yet")
    return 0


def publish_command(root: Path, *, out: Console | None = None) -> int:
    """Publish the HTML graphs (``asv publish``) so that they open offline."""
    html_dir = publish_history(root)
    console(out).print(
        f"published: {html_dir}/index.html (offline; serve with: asv preview, or "
        f"python3 -m http.server -d {html_dir})"
    )
    return 0


def check_command(
    root: Path,
    *,
    machine: str = DEFAULT_MACHINE,
    newest: int = DEFAULT_NEWEST,
    threshold: float | None = None,
    out: Console | None = None,
) -> int:
    """Exit 1 when the newest commits start a regression step, else 0 (2: no history)."""
    screen = console(out)
    limit = time_min_effect(root / "pyproject.toml") if threshold is None else threshold
    history = load_history(root / "asv.conf.json", machine)
    found = check_history(history, limit, newest)
    for regression in found:
        screen.print(f"regression: {regression.describe()}", markup=False)
    screen.print(
        f"{len(found)} regression step(s) starting in the newest {newest} commits beyond "
        f"{limit:.0%}, over {len(history.series)} series and {len(history.commits)} commits "
        f"(machine {history.machine})"
    )
    return 1 if found else 0


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction such as 0.05: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a fraction >= 0, not {text!r}")
    return value


class History(Command):
    """The asv commit history: record it, publish its graphs, plot it, check it.

    rota history run [RANGE]   record each commit of RANGE not yet recorded (default:
                               the first commit with the workloads API to HEAD) with the
                               cheap history profile, then redraw results/plots/history.png
    rota history publish       asv publish, with the page's JavaScript vendored (offline)
    rota history plot          redraw results/plots/history.png
    rota history check         exit 1 when the newest commits start a regression step
                               beyond [tool.rota.gate] time_min_effect, 0 otherwise,
                               2 when the history is missing or unreadable
    """

    name = "history"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``action``, ``RANGE``, ``--machine``, ``--bench``, ``--newest``, ``--threshold``."""
        parser.add_argument("action", choices=("run", "publish", "plot", "check"))
        parser.add_argument("range", nargs="?", metavar="RANGE", help="git range (run only)")
        parser.add_argument(
            "--machine",
            default=DEFAULT_MACHINE,
            help=f"machine name the results are stored under (default: {DEFAULT_MACHINE})",
        )
        parser.add_argument(
            "--bench", action="append", metavar="REGEX", help="only these benchmarks (run)"
        )
        parser.add_argument(
            "--tiers",
            type=lambda text: [t.strip() for t in text.split(",") if t.strip()],
            metavar="LIST",
            help="run: only these tiers, e.g. tiny (default: tiny,small,medium)",
        )
        parser.add_argument(
            "--newest",
            type=positive_int,
            default=DEFAULT_NEWEST,
            metavar="N",
            help=f"check: steps starting in the newest N commits (default: {DEFAULT_NEWEST})",
        )
        parser.add_argument(
            "--threshold",
            type=_fraction,
            metavar="FRACTION",
            help="check: relative threshold (default: [tool.rota.gate] time_min_effect)",
        )
        parser.add_argument(
            "--root", type=Path, default=Path(), help="directory of asv.conf.json (default: .)"
        )

    def run_from_args(self, args: argparse.Namespace) -> int:
        """Dispatch to the action."""
        root: Path = args.root
        if args.range is not None and args.action != "run":
            raise UsageError(f"a RANGE only goes with 'rota history run', not {args.action!r}")
        if args.action == "run":
            return run_command(
                root, args.range, machine=args.machine, tiers=args.tiers, bench=args.bench
            )
        if args.action == "publish":
            return publish_command(root)
        if args.action == "plot":
            return plot_command(root, machine=args.machine)
        return check_command(
            root, machine=args.machine, newest=args.newest, threshold=args.threshold
        )


COMMAND = History()
