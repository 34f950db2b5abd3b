"""``rota runs``: the stored schedule runs with status, hash and timings."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import URL

from rota.cli.common import Command, add_db_option, console, database_url, run_async
from rota.db.engine import open_database, session_factory
from rota.db.load import list_datasets
from rota.db.models import ScheduleRunRow
from rota.db.persist import list_runs
from rota.engine.generate import PHASES


async def fetch(url: URL) -> tuple[list[ScheduleRunRow], dict[int, str]]:
    """Every run, and a "tier/seed" label per dataset id."""
    async with (
        open_database(url, create=False, require_tables=True) as engine,
        session_factory(engine)() as s,
    ):
        datasets = {d.id: f"{d.tier}/{d.seed}" for d in await list_datasets(s)}
        return await list_runs(s), datasets


def run(*, db: URL, out: Console | None = None) -> int:
    """Print the runs as a table."""
    runs, datasets = run_async(fetch(db))
    screen = console(out)
    if not runs:
        screen.print("no schedule runs yet: 'rota generate --tier tiny' makes one")
        return 0
    table = Table("run", "dataset", "seed", "status", "hash", *PHASES, "total s")
    for r in runs:
        timings = r.timings or {}
        table.add_row(
            str(r.id),
            datasets.get(r.dataset_id, str(r.dataset_id)),
            str(r.seed),
            str(r.status),
            (r.schedule_hash or "")[:12],
            *(f"{timings.get(p, 0.0):.3f}" for p in PHASES),
            f"{sum(timings.values()):.3f}",
        )
    screen.print(table)
    return 0


class Runs(Command):
    """List the stored schedule runs with status, schedule hash and phase timings."""

    name = "runs"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--db``."""
        add_db_option(parser)

    def run_from_args(self, args: argparse.Namespace) -> int:
        """List the runs."""
        return run(db=database_url(args))


COMMAND = Runs()
