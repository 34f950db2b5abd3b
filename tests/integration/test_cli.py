"""The ``rota`` command line: seed, datasets and tiers against real databases."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from tests.databases import TestDatabase

import rota.cli.tiers
from rota.cli import SUBCOMMANDS, build_parser, load_commands, main
from rota.datasets.generator import generate_dataset
from rota.datasets.tiers import TIERS, get_tier
from rota.db import ENV_VAR, create_engine


def test_tiers_prints_every_tier_with_its_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    """``rota tiers`` lists each tier with residents per PGY level and resident-sessions."""
    assert main(["tiers"]) == 0
    out = capsys.readouterr().out
    for tier in TIERS.values():
        line = next(row for row in out.splitlines() if row.startswith(tier.name + " "))
        assert "/".join(map(str, tier.pgy_counts)) in line
        assert f"{tier.resident_sessions:,}" in line


def test_seed_reports_a_new_dataset_then_an_existing_one(
    fresh_db: TestDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first seed says it seeded, with sizes and fingerprint; the second, already present."""
    tiny = generate_dataset("tiny", 0)
    assert main(["seed", "--tier", "tiny", "--db", fresh_db.url_text()]) == 0
    first = capsys.readouterr().out
    assert first.startswith("seeded tiny seed 0 as dataset 1 in ")
    assert "residents          6 (PGY1 2, PGY2 2, PGY3 2)" in first
    assert "resident-sessions  252" in first
    assert f"absences           {len(tiny.program.absences)}\n" in first
    assert tiny.fingerprint in first

    assert main(["seed", "--tier", "tiny", "--db", fresh_db.url_text()]) == 0
    again = capsys.readouterr().out
    assert again.startswith("already present: tiny seed 0 is dataset 1 in ")
    assert "nothing inserted" in again


def test_datasets_lists_what_is_seeded(
    fresh_db: TestDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    """``rota datasets`` shows one row per seeded dataset with a short fingerprint."""
    for tier, seed in (("tiny", 0), ("small", 4)):
        assert main(["seed", "--tier", tier, "--seed", str(seed), "--db", fresh_db.url_text()]) == 0
    capsys.readouterr()

    assert main(["datasets", "--db", fresh_db.url_text()]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[2:]]
    small = generate_dataset("small", 4)
    assert rows[1] == ["2", "small", "4", "12", "6", "6", "28", small.fingerprint[:12]]
    assert rows[0][:3] == ["1", "tiny", "0"]


def test_datasets_on_an_empty_database_says_so(
    fresh_db: TestDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database without rota's tables has no datasets yet: one line, exit 0."""

    async def touch() -> None:  # an existing but empty database
        engine = create_engine(fresh_db.url)
        async with engine.connect():
            pass
        await engine.dispose()

    asyncio.run(touch())
    assert main(["datasets", "--db", fresh_db.url_text()]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no datasets yet in ")
    assert out.count("\n") == 1


def test_the_database_comes_from_the_environment_else_rota_db_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --db, ROTA_DATABASE_URL is used; without it, ./rota.db."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENV_VAR, f"sqlite:///{tmp_path / 'from-env.db'}")
    assert main(["seed", "--tier", "tiny"]) == 0
    monkeypatch.delenv(ENV_VAR)
    assert main(["seed", "--tier", "tiny"]) == 0
    assert {"from-env.db", "rota.db"} <= {p.name for p in tmp_path.iterdir()}
    assert "rota.db" in capsys.readouterr().out


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    """``rota --help`` exits 0 and names each subcommand with its docstring's first line."""
    assert main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps long lines
    for command in load_commands():
        summary = (type(command).__doc__ or "").splitlines()[0]
        assert f"{command.name} {summary}" in out


def test_every_registered_subcommand_is_a_documented_command() -> None:
    """Each module named in SUBCOMMANDS exposes a COMMAND with a unique name and help."""
    commands = load_commands()
    assert [c.name for c in commands] == list(SUBCOMMANDS)
    assert all((type(c).__doc__ or "").strip() for c in commands)
    build_parser()  # and they all fit in one parser


def test_an_interrupt_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C ends the command with exit code 130 and no traceback."""

    def interrupted(out: Console | None = None) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(rota.cli.tiers, "run", interrupted)
    assert main(["tiers"]) == 130
    assert capsys.readouterr().err == "rota: interrupted\n"


def test_command_logic_runs_without_argparse(fresh_db: TestDatabase) -> None:
    """Each subcommand's run() takes plain values, so it can be called directly."""
    from rota.cli import datasets, seed

    out = Console(file=io.StringIO(), width=100)
    assert seed.run(get_tier("tiny"), 2, db=fresh_db.url_text(), out=out) == 0
    assert datasets.run(fresh_db.url_text(), out=out) == 0
    assert rota.cli.tiers.run(out=out) == 0
    assert "seeded tiny seed 2" in out.file.getvalue()  # type: ignore[attr-defined]


def test_python_dash_m_rota_runs_the_cli() -> None:
    """``python -m rota`` is the same command line."""
    done = subprocess.run(
        [sys.executable, "-m", "rota", "tiers"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "stress" in done.stdout
