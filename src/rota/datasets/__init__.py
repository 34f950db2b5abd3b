"""Seeded datasets of fixed sizes: tiers, the generator and the fingerprint."""

from rota.datasets.fingerprint import fingerprint
from rota.datasets.generator import GeneratedDataset, generate_dataset
from rota.datasets.tiers import DEFAULT_TIERS, TIERS, Tier, get_tier, parse_tiers

__all__ = [
    "DEFAULT_TIERS",
    "TIERS",
    "GeneratedDataset",
    "Tier",
    "fingerprint",
    "generate_dataset",
    "get_tier",
    "parse_tiers",
]
