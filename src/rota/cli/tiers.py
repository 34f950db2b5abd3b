"""``rota tiers``: the dataset tiers every benchmark names, and their sizes."""

from __future__ import annotations

import argparse

from rich import box
from rich.console import Console
from rich.table import Table

from rota.cli.common import Command, console
from rota.datasets.tiers import TIERS, Tier


def tiers_table(tiers: list[Tier]) -> Table:
    """A table of ``tiers``: residents per PGY level, faculty, rotations, days, sizes."""
    levels = max(len(t.pgy_counts) for t in tiers)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("tier", no_wrap=True)
    table.add_column("residents", justify="right", no_wrap=True)
    table.add_column("PGY" + "/".join(str(n) for n in range(1, levels + 1)), no_wrap=True)
    for name in ("faculty", "rotations", "days", "resident-sessions"):
        table.add_column(name, justify="right", no_wrap=True)
    for tier in tiers:
        table.add_row(
            tier.name,
            str(tier.residents),
            "/".join(str(n) for n in tier.pgy_counts),
            str(tier.faculty),
            str(tier.rotations),
            str(tier.days),
            f"{tier.resident_sessions:,}",
        )
    return table


def run(out: Console | None = None) -> int:
    """Print the tier table."""
    console(out).print(tiers_table(list(TIERS.values())))
    return 0


class Tiers(Command):
    """List the dataset tiers: residents per PGY level, faculty, rotations, days."""

    name = "tiers"

    def run_from_args(self, args: argparse.Namespace) -> int:
        """Print the table."""
        return run()


COMMAND = Tiers()
