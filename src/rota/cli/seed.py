"""``rota seed``: generate a tier's dataset and store it, unless it is already there."""

from __future__ import annotations

import argparse
import time
from collections import Counter

from rich.console import Console
from sqlalchemy.engine import URL

from rota.cli.common import (
    Command,
    add_db_option,
    add_seed_option,
    add_tier_option,
    console,
    database_url,
    run_async,
)
from rota.datasets.generator import GeneratedDataset, generate_dataset
from rota.datasets.seed import SeedResult, seed_dataset
from rota.datasets.tiers import Tier
from rota.db.engine import open_database
from rota.db.url import display_url, resolve_url


async def seed(url: URL, generated: GeneratedDataset, *, replace: bool = False) -> SeedResult:
    """Store ``generated`` in the database at ``url`` (see ``seed_dataset``)."""
    async with open_database(url) as engine:
        return await seed_dataset(engine, generated, replace=replace)


def run(
    tier: Tier,
    seed_number: int = 0,
    *,
    db: str | URL | None = None,
    replace: bool = False,
    out: Console | None = None,
) -> int:
    """Seed (``tier``, ``seed_number``) into ``db`` and print what was stored."""
    url = db if isinstance(db, URL) else resolve_url(db)
    started = time.perf_counter()
    generated = generate_dataset(tier, seed_number)
    generate_seconds = time.perf_counter() - started
    result = run_async(seed(url, generated, replace=replace))
    report(console(out), url, generated, result, generate_seconds)
    return 0


def report(
    out: Console,
    url: URL,
    generated: GeneratedDataset,
    result: SeedResult,
    generate_seconds: float,
) -> None:
    """Print the dataset's sizes, its fingerprint and whether it was new."""
    program, info = generated.program, result.dataset
    if result.created:
        verb = "replaced" if result.replaced else "seeded"
        head = f"{verb} {info.tier} seed {info.seed} as dataset {info.id}"
    else:
        head = f"already present: {info.tier} seed {info.seed} is dataset {info.id}"
    per_level = Counter(p.pgy or 0 for p in program.residents)  # residents all have a PGY
    levels = ", ".join(f"PGY{level} {count}" for level, count in sorted(per_level.items()))
    out.print(f"{head} in {display_url(url)}")
    out.print(f"  residents          {len(program.residents)} ({levels})")
    out.print(f"  faculty            {len(program.faculty)}")
    out.print(f"  rotations          {len(program.rotations)}")
    out.print(f"  days               {program.days} from {program.start_date.isoformat()}")
    out.print(f"  resident-sessions  {program.resident_sessions:,}")
    out.print(f"  absences           {len(program.absences)}")
    out.print(f"  fingerprint        {info.fingerprint}")
    if result.created:
        timing = f"{result.rows:,} rows in {result.seconds:.3f} s"
    else:
        timing = f"nothing inserted; checked in {result.seconds:.3f} s"
    out.print(f"  took               {timing} (generated in {generate_seconds:.3f} s)")


class Seed(Command):
    """Generate a tier's dataset and store it in the database.

    Seeding is idempotent: a (tier, seed) already stored with the same fingerprint is
    reported, not inserted again; other datasets are added beside it.
    """

    name = "seed"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--tier``, ``--seed``, ``--db`` and ``--replace``."""
        add_tier_option(parser)
        add_seed_option(parser)
        add_db_option(parser)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace a stored dataset of this tier and seed whose fingerprint differs "
            "(deletes its schedule runs)",
        )

    def run_from_args(self, args: argparse.Namespace) -> int:
        """Seed the parsed tier and seed."""
        return run(args.tier, args.seed, db=database_url(args), replace=args.replace)


COMMAND = Seed()
