"""Fixtures of the database tests."""

from __future__ import annotations

import pytest
from tests.unit.db.programs import as_generated, hand_built_program

from rota.datasets.generator import GeneratedDataset


@pytest.fixture
def hand_dataset() -> GeneratedDataset:
    """The hand-built program as a dataset of tier ``hand``, seed 0."""
    return as_generated(hand_built_program())
