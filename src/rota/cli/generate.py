"""``rota generate``: generate, validate and store a schedule for a seeded dataset."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import URL

from rota.cli.common import (
    Command,
    add_db_option,
    add_seed_option,
    console,
    database_url,
    run_async,
)
from rota.datasets.generator import generate_dataset
from rota.datasets.seed import seed_dataset
from rota.datasets.tiers import TIERS, Tier, get_tier
from rota.db.engine import open_database, session_factory
from rota.db.url import display_url
from rota.engine.generate import PHASES, GenerationResult, generate
from rota.errors import UsageError
from rota.perf.observe import PhaseRecorder


async def generate_for(
    url: URL, *, tier: Tier | None, dataset_id: int | None, seed: int
) -> tuple[GenerationResult, PhaseRecorder]:
    """Seed ``tier`` if it is missing (or take ``dataset_id``), then generate."""
    # A stored dataset needs a database that exists and holds rota's tables already.
    stored = dataset_id is not None
    async with open_database(url, create=not stored, require_tables=stored) as engine:
        if dataset_id is None:
            if tier is None:
                raise UsageError("give --tier NAME or --dataset ID")
            seeded = await seed_dataset(engine, generate_dataset(tier, seed))
            dataset_id = seeded.dataset.id
        with PhaseRecorder(engine) as recorder:
            result = await generate(session_factory(engine), dataset_id, seed, observer=recorder)
        return result, recorder


def run(
    *,
    tier: Tier | None = None,
    dataset_id: int | None = None,
    seed: int = 0,
    db: URL,
    out: Console | None = None,
) -> int:
    """Generate a schedule and print its run record."""
    result, recorder = run_async(generate_for(db, tier=tier, dataset_id=dataset_id, seed=seed))
    report(console(out), db, result, recorder)
    return 0


def report(out: Console, url: URL, result: GenerationResult, recorder: PhaseRecorder) -> None:
    """Print the run id, hash, phase figures and quality of a generation."""
    q = result.quality
    out.print(
        f"run {result.run_id} stored in {display_url(url)}: dataset {result.dataset_id}, "
        f"seed {result.seed}, {result.assignments:,} assignments, "
        f"{result.violations} violations"
    )
    out.print(f"  schedule hash  {result.schedule_hash}")
    table = Table("phase", "seconds", "SQL statements", box=None, pad_edge=False)
    for phase in PHASES:
        table.add_row(
            phase, f"{recorder.seconds[phase]:.4f}", str(recorder.sql_statements.get(phase, 0))
        )
    table.add_row("total", f"{sum(recorder.seconds.values()):.4f}", "")
    out.print(table)
    out.print(
        f"  coverage {q.coverage_ratio:.3f} of minimum (+{q.extra_coverage} above), "
        f"call spread {q.call_spread}, weekend spread {q.weekend_spread}, "
        f"hours spread {q.hours_spread}, rotation switches {q.rotation_switches}, "
        f"objective {q.objective}"
    )


class Generate(Command):
    """Generate a schedule that obeys R1-R10, validate it and store it.

    With --tier, the tier's dataset for --seed is seeded first if it is missing. With
    --dataset, any stored dataset (also a hand-made one) is used. An infeasible program
    exits with code 3 and a message naming the binding rule; nothing is stored.
    """

    name = "generate"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--tier`` or ``--dataset``, ``--seed`` and ``--db``."""
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--tier", type=get_tier, metavar="NAME", help=f"one of {', '.join(TIERS)}"
        )
        which.add_argument(
            "--dataset", type=int, metavar="ID", help="a stored dataset ('rota datasets')"
        )
        add_seed_option(parser)
        add_db_option(parser)

    def run_from_args(self, args: argparse.Namespace) -> int:
        """Generate for the parsed tier or dataset."""
        return run(tier=args.tier, dataset_id=args.dataset, seed=args.seed, db=database_url(args))


COMMAND = Generate()
