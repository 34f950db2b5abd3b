"""End-to-end generation stays within each tier's memory budget (pytest-memray).

Budgets are the peaks measured by ``pytest --memray`` on these machines (see the
comment beside each) with about 50% headroom: a tier that outgrows its budget fails
here before it reaches users. The dataset is seeded in the fixture, outside the test
body that pytest-memray measures.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from rota.datasets import generate_dataset
from rota.datasets.seed import seed_dataset
from rota.db import create_engine, session_factory
from rota.engine.generate import generate

# tier -> (budget, peak measured by `pytest --memray tests/memory` on 2026-11-22)
BUDGETS = {
    "tiny": ("3 MB", "1.7 MiB"),
    "small": ("3 MB", "0.5 MiB"),
    "medium": ("3 MB", "1.5 MiB"),
    "large": ("6 MB", "3.9 MiB"),
    "xlarge": ("10 MB", "6.7 MiB"),
    "stress": ("96 MB", "63.5 MiB"),
}


@pytest.fixture
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, int]:
    """A SQLite file holding the tier's dataset: its URL and the dataset id."""
    tier: str = request.param
    url = f"sqlite+aiosqlite:///{tmp_path / 'budget.db'}"

    async def seed() -> int:
        engine = create_engine(url)
        try:
            return (await seed_dataset(engine, generate_dataset(tier, 0))).dataset.id
        finally:
            await engine.dispose()

    return url, asyncio.run(seed())


def _generate(url: str, dataset_id: int) -> int:
    async def run() -> int:
        engine = create_engine(url)
        try:
            return (await generate(session_factory(engine), dataset_id, 0)).violations
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.mark.parametrize(
    "seeded",
    [
        pytest.param(tier, marks=pytest.mark.limit_memory(budget), id=tier)
        for tier, (budget, _) in BUDGETS.items()
    ],
    indirect=True,
)
def test_generate_within_memory_budget(seeded: tuple[str, int]) -> None:
    """Generating a tier's schedule end to end peaks below the tier's budget."""
    url, dataset_id = seeded
    assert _generate(url, dataset_id) == 0
