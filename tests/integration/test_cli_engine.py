"""``rota generate``, ``runs``, ``validate`` and ``export`` against real databases."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from tests.databases import TestDatabase

from rota.cli import main
from rota.db import CoverageRow, RotationRow, ScheduleRunRow, session_factory

HEADER = ["person_id", "role", "pgy", "date", "session", "rotation", "start", "end", "is_call"]


def run_count(database: TestDatabase) -> int:
    async def count() -> int:
        engine = database.engine()
        try:
            async with session_factory(engine)() as s:
                return int(await s.scalar(select(func.count()).select_from(ScheduleRunRow)) or 0)
        finally:
            await engine.dispose()

    return asyncio.run(count())


def test_generate_seeds_the_tier_then_stores_a_clean_run(
    fresh_db: TestDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    """``rota generate --tier tiny`` on an empty database seeds it and stores run 1."""
    assert main(["generate", "--tier", "tiny", "--db", fresh_db.url_text()]) == 0
    out = capsys.readouterr().out
    assert out.startswith("run 1 stored in ")
    assert "0 violations" in out
    assert "schedule hash  " in out
    for phase in ("load", "solve", "validate", "persist", "total"):
        assert f"\n{phase}" in out or f" {phase} " in out
    assert main(["runs", "--db", fresh_db.url_text()]) == 0
    listing = capsys.readouterr().out
    assert "tiny/0" in listing
    assert "succeeded" in listing


def test_export_writes_the_csv_columns_and_it_validates_clean(
    fresh_db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The export has exactly the documented columns, and validating it finds nothing."""
    db = fresh_db.url_text()
    assert main(["generate", "--tier", "small", "--db", db]) == 0
    out_file = tmp_path / "run1.csv"
    assert main(["export", "--run", "1", "--out", str(out_file), "--db", db]) == 0
    with out_file.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == HEADER
    assert {r[1] for r in rows[1:]} == {"resident", "faculty"}
    assert all(r[2] == "" for r in rows[1:] if r[1] == "faculty")
    assert {r[8] for r in rows[1:]} == {"0", "1"}
    night = next(r for r in rows[1:] if r[4] == "NIGHT")
    assert night[6].endswith("T17:00:00")
    assert night[7].endswith("T07:00:00")
    capsys.readouterr()
    assert main(["validate", "--run", "1", "--db", db]) == 0
    assert "0 violations" in capsys.readouterr().out
    assert main(["validate", "--csv", str(out_file), "--dataset", "1", "--db", db]) == 0
    assert "0 violations" in capsys.readouterr().out


def test_validate_reports_a_tampered_csv_and_exits_1(
    fresh_db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CSV with one duty row duplicated breaks R10 (and R8): exit code 1, rule named."""
    db = fresh_db.url_text()
    assert main(["generate", "--tier", "tiny", "--db", db]) == 0
    out_file = tmp_path / "run.csv"
    assert main(["export", "--run", "1", "--out", str(out_file), "--db", db]) == 0
    lines = out_file.read_text().splitlines()
    out_file.write_text("\n".join([*lines, lines[1]]) + "\n")
    capsys.readouterr()
    assert main(["validate", "--csv", str(out_file), "--dataset", "1", "--db", db]) == 1
    assert "R10" in capsys.readouterr().out


def test_infeasible_program_exits_3_naming_the_constraint_and_stores_nothing(
    fresh_db: TestDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dataset whose night float needs more residents than exist fails as R8, exit 3."""
    db = fresh_db.url_text()
    assert main(["seed", "--tier", "tiny", "--db", db]) == 0

    async def demand_too_many() -> None:
        engine = fresh_db.engine()
        try:
            async with session_factory(engine)() as s, s.begin():
                nf = select(RotationRow.id).where(RotationRow.code == "NF").scalar_subquery()
                await s.execute(
                    update(CoverageRow)
                    .where(CoverageRow.rotation_id == nf)
                    .values(min_residents=9, max_residents=9)
                )
        finally:
            await engine.dispose()

    asyncio.run(demand_too_many())
    capsys.readouterr()
    assert main(["generate", "--dataset", "1", "--db", db]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("rota: error: infeasible program: R8 rotation NF on 2027-07-05 NIGHT")
    assert "needs 9 residents" in err[0]
    assert run_count(fresh_db) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "--run", "99"], "no schedule run with id 99"),
        (["validate", "--run", "99"], "no schedule run with id 99"),
        (["generate", "--dataset", "42"], "no dataset with id 42"),
        (["validate", "--csv", "missing.csv"], "give --run ID, or --csv FILE with --dataset ID"),
    ],
)
def test_unknown_ids_give_one_line_and_exit_2(
    argv: list[str], message: str, fresh_db: TestDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    """Asking for a run or dataset that does not exist names it, without a traceback."""
    db = fresh_db.url_text()
    assert main(["seed", "--tier", "tiny", "--db", db]) == 0
    capsys.readouterr()
    assert main([*argv, "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err


def test_export_to_an_unwritable_place_exits_2(
    fresh_db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An --out in a missing directory is a one-line error, and nothing is written."""
    db = fresh_db.url_text()
    assert main(["generate", "--tier", "tiny", "--db", db]) == 0
    capsys.readouterr()
    target = tmp_path / "no" / "such" / "dir" / "out.csv"
    assert main(["export", "--run", "1", "--out", str(target), "--db", db]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert not target.exists()
