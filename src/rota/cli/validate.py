"""``rota validate``: check a stored run or an exported CSV against R1-R10."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from sqlalchemy.engine import URL

from rota.acgme import Violation, validate
from rota.acgme.validate import summarize
from rota.cli.common import Command, add_db_option, console, database_url, run_async
from rota.db.engine import open_database, session_factory
from rota.db.load import load_program
from rota.db.persist import get_run, load_assignments
from rota.domain import Assignment, Program
from rota.errors import UsageError
from rota.schedule_csv import read_schedule_csv

# Violations listed one per line before the rest are only counted.
SHOWN = 20


async def load_run(url: URL, run_id: int) -> tuple[Program, list[Assignment]]:
    """The program and assignments of a stored run."""
    async with (
        open_database(url, create=False, require_tables=True) as engine,
        session_factory(engine)() as s,
    ):
        run = await get_run(s, run_id)
        return await load_program(s, run.dataset_id), await load_assignments(s, run_id)


async def load_dataset(url: URL, dataset_id: int) -> Program:
    """The program of a stored dataset."""
    async with (
        open_database(url, create=False, require_tables=True) as engine,
        session_factory(engine)() as s,
    ):
        return await load_program(s, dataset_id)


def run(
    *,
    db: URL,
    run_id: int | None = None,
    csv: Path | None = None,
    dataset_id: int | None = None,
    out: Console | None = None,
) -> int:
    """Validate; return 0 when the schedule is clean and 1 when it breaks a rule."""
    if run_id is not None:
        program, assignments = run_async(load_run(db, run_id))
        what = f"run {run_id}"
    else:
        if csv is None or dataset_id is None:
            raise UsageError("give --run ID, or --csv FILE with --dataset ID")
        program = run_async(load_dataset(db, dataset_id))
        assignments = read_schedule_csv(csv, program)
        what = f"{csv} against dataset {dataset_id}"
    violations = validate(program, assignments)
    report(console(out), what, len(assignments), violations)
    return 1 if violations else 0


def report(out: Console, what: str, checked: int, violations: list[Violation]) -> None:
    """Print a clean bill or the violations, rule by rule."""
    if not violations:
        out.print(f"{what}: {checked:,} assignments, 0 violations of R1-R10")
        return
    counts = ", ".join(f"{rule} {n}" for rule, n in summarize(violations).items())
    out.print(f"{what}: {checked:,} assignments, {len(violations)} violations ({counts})")
    for v in violations[:SHOWN]:
        out.print(f"  {v.detail}")
    if len(violations) > SHOWN:
        out.print(f"  ... and {len(violations) - SHOWN} more")


class Validate(Command):
    """Validate a schedule against R1-R10 with the independent validator.

    Give a stored run (--run ID), or an exported CSV (--csv FILE) with the dataset it
    belongs to (--dataset ID). Exits 0 when clean, 1 when any rule is broken.
    """

    name = "validate"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--run`` or ``--csv`` with ``--dataset``; ``--db``."""
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--run", type=int, metavar="ID", help="a stored run ('rota runs')")
        which.add_argument("--csv", type=Path, metavar="FILE", help="a CSV from 'rota export'")
        parser.add_argument("--dataset", type=int, metavar="ID", help="the CSV's dataset")
        add_db_option(parser)

    def run_from_args(self, args: argparse.Namespace) -> int:
        """Validate the parsed run or CSV."""
        return run(db=database_url(args), run_id=args.run, csv=args.csv, dataset_id=args.dataset)


COMMAND = Validate()
