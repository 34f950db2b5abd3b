"""``rota export``: a stored run as CSV, one row per duty interval."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from rich.console import Console
from sqlalchemy.engine import URL

from rota.cli.common import Command, add_db_option, console, database_url, run_async
from rota.cli.validate import load_run
from rota.errors import UsageError
from rota.perf.atomic import write_atomic
from rota.schedule_csv import write_schedule_csv


def run(*, db: URL, run_id: int, out_path: Path | None = None, out: Console | None = None) -> int:
    """Write the CSV to ``out_path`` (atomically) or to stdout."""
    program, assignments = run_async(load_run(db, run_id))
    buffer = io.StringIO(newline="")
    rows = write_schedule_csv(program, assignments, buffer)
    if out_path is None:
        sys.stdout.write(buffer.getvalue())
        return 0
    try:
        write_atomic(out_path, buffer.getvalue().encode())
    except OSError as exc:
        raise UsageError(f"cannot write {out_path}: {exc.strerror}; choose another --out") from None
    console(out).print(f"wrote {rows:,} rows of run {run_id} to {out_path}")
    return 0


class Export(Command):
    """Export a stored run as CSV (to --out FILE, or stdout).

    Columns: person_id,role,pgy,date,session,rotation,start,end,is_call. Only duty rows;
    time off is absent. start/end are local ISO 8601 date-times of the duty interval.
    """

    name = "export"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--run``, ``--out`` and ``--db``."""
        parser.add_argument("--run", type=int, required=True, metavar="ID", help="run id")
        parser.add_argument("--out", type=Path, metavar="FILE", help="output file")
        add_db_option(parser)

    def run_from_args(self, args: argparse.Namespace) -> int:
        """Export the parsed run."""
        return run(db=database_url(args), run_id=args.run, out_path=args.out)


COMMAND = Export()
