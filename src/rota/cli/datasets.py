"""``rota datasets``: what is seeded in the database (read-only)."""

from __future__ import annotations

import argparse

from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import URL

from rota.cli.common import Command, add_db_option, console, database_url, run_async
from rota.db.engine import has_tables, open_database, session_factory
from rota.db.load import DatasetInfo, list_datasets
from rota.db.url import display_url, resolve_url


async def datasets(url: URL) -> list[DatasetInfo]:
    """The datasets seeded at ``url``; empty for a database without rota's tables.

    Never creates anything: a missing SQLite file is a ``UsageError``.
    """
    async with open_database(url, create=False) as engine:
        if not await has_tables(engine):
            return []
        async with session_factory(engine)() as session:
            return await list_datasets(session)


def datasets_table(infos: list[DatasetInfo]) -> Table:
    """One row per dataset: id, tier, seed, sizes and a short fingerprint."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in ("id", "tier", "seed", "residents", "faculty", "rotations", "days"):
        table.add_column(name, justify="left" if name == "tier" else "right", no_wrap=True)
    table.add_column("fingerprint", no_wrap=True)
    for info in infos:
        table.add_row(
            str(info.id),
            info.tier,
            str(info.seed),
            str(info.residents),
            str(info.faculty),
            str(info.rotations),
            str(info.days),
            info.fingerprint[:12],
        )
    return table


def run(db: str | URL | None = None, *, out: Console | None = None) -> int:
    """Print the datasets seeded in ``db``, or one line saying there are none yet."""
    url = db if isinstance(db, URL) else resolve_url(db)
    infos = run_async(datasets(url))
    if not infos:
        console(out).print(
            f"no datasets yet in {display_url(url)}: seed one with 'rota seed --tier tiny'"
        )
        return 0
    console(out).print(datasets_table(infos))
    return 0


class Datasets(Command):
    """List the datasets seeded in the database: tier, seed, sizes, fingerprint."""

    name = "datasets"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--db``."""
        add_db_option(parser)

    def run_from_args(self, args: argparse.Namespace) -> int:
        """List them."""
        return run(database_url(args))


COMMAND = Datasets()
