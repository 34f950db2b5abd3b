"""A dataset is a pure function of (tier, seed), and survives any database unchanged."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.databases import SKIP_POSTGRES, TestDatabase, postgres_server_url

from rota.datasets.fingerprint import fingerprint
from rota.datasets.generator import generate_dataset
from rota.datasets.seed import seed_dataset
from rota.datasets.tiers import TIERS
from rota.db import create_engine, load_program, session_factory


@pytest.mark.parametrize("tier", list(TIERS))
def test_the_same_tier_and_seed_give_the_same_fingerprint(tier: str) -> None:
    """Generating twice gives identical rows, hence identical fingerprints."""
    assert generate_dataset(tier, 3).fingerprint == generate_dataset(tier, 3).fingerprint


@pytest.mark.parametrize("tier", list(TIERS))
def test_another_seed_gives_another_fingerprint(tier: str) -> None:
    """The seed changes the rows (names, absences), so the fingerprint changes."""
    assert generate_dataset(tier, 0).fingerprint != generate_dataset(tier, 1).fingerprint


async def round_trip(engine: AsyncEngine, tier: str) -> tuple[str, str]:
    """Seed (tier, 0), load it back: (stored fingerprint, fingerprint of the loaded program)."""
    seeded = await seed_dataset(engine, generate_dataset(tier, 0))
    async with session_factory(engine)() as session:
        program = await load_program(session, seeded.dataset.id)
    return seeded.dataset.fingerprint, fingerprint(program)


@pytest.mark.parametrize("tier", ["tiny", "small"])
async def test_a_loaded_dataset_keeps_its_fingerprint(fresh_engine: AsyncEngine, tier: str) -> None:
    """Seeded then loaded, the program hashes to the fingerprint stored and generated."""
    stored, loaded = await round_trip(fresh_engine, tier)
    assert stored == loaded == generate_dataset(tier, 0).fingerprint


@pytest.mark.postgres
@pytest.mark.parametrize("tier", ["tiny", "small"])
def test_sqlite_and_postgres_load_the_same_fingerprint(tier: str, tmp_path: Path) -> None:
    """Loaded back from SQLite and from PostgreSQL, a dataset has one fingerprint."""
    if postgres_server_url() is None:
        pytest.skip(SKIP_POSTGRES)
    databases = [TestDatabase.create("sqlite", tmp_path), TestDatabase.create("postgres", tmp_path)]

    async def both() -> list[str]:
        loaded = []
        for database in databases:
            engine = create_engine(database.url)
            try:
                loaded.append((await round_trip(engine, tier))[1])
            finally:
                await engine.dispose()
        return loaded

    try:
        on_sqlite, on_postgres = asyncio.run(both())
    finally:
        for database in databases:
            database.drop()
    assert on_sqlite == on_postgres == generate_dataset(tier, 0).fingerprint
