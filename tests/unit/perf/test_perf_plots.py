"""Scaling plots are written as PNG files, atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from rota.perf.plots import ScalingPoint, plot_scaling

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

POINTS = [
    ScalingPoint("tiny", 252, 0.02, 30 * 2**20),
    ScalingPoint("small", 1008, 0.09, 42 * 2**20),
    ScalingPoint("medium", 2016, 0.2, 60 * 2**20),
    ScalingPoint("large", 10080, 1.1, 150 * 2**20),
]


def test_scaling_plot_is_a_png(tmp_path: Path) -> None:
    """Four tiers make a non-trivial PNG and nothing else in the directory."""
    out = tmp_path / "scaling.png"
    assert plot_scaling(POINTS, out, title="end-to-end") == out
    data = out.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 10_000
    assert [p.name for p in tmp_path.iterdir()] == ["scaling.png"]


def test_plot_without_memory_figures_still_draws(tmp_path: Path) -> None:
    """Points without a memory pass leave the memory panel empty, not an error."""
    out = tmp_path / "time-only.png"
    plot_scaling([ScalingPoint(p.tier, p.size, p.seconds) for p in POINTS[:3]], out)
    assert out.read_bytes().startswith(PNG_SIGNATURE)


def test_plot_replaces_an_existing_file(tmp_path: Path) -> None:
    """Re-plotting replaces the previous image."""
    out = tmp_path / "scaling.png"
    out.write_bytes(b"old")
    plot_scaling(POINTS, out)
    assert out.read_bytes().startswith(PNG_SIGNATURE)


def test_nothing_to_plot_is_an_error(tmp_path: Path) -> None:
    """An empty list of points is refused."""
    with pytest.raises(ValueError, match="nothing to plot"):
        plot_scaling([], tmp_path / "empty.png")
