"""Scaling plots are written as PNG files, atomically."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from rota.perf.plots import (
    ScalingPoint,
    format_bytes,
    format_seconds,
    plot_scaling,
    scaling_figure,
)

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


# Issue 8, item 11: every phase, plain tick labels, a caption; one tier draws nothing.

PHASES = ("seed", "load", "solve", "validate", "persist", "generate")
TIERS = (("tiny", 252), ("small", 1008), ("medium", 2016))


def phase_points() -> list[ScalingPoint]:
    return [
        ScalingPoint(tier, size, size * 1e-6 * (i + 1), size * 1000 * (i + 1), phase=phase)
        for i, phase in enumerate(PHASES)
        for tier, size in TIERS
    ]


def texts(figure: Figure) -> list[str]:
    figure.canvas.draw()  # tick labels are made when drawing
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def test_every_phase_has_a_line_with_its_slope_in_both_panels() -> None:
    """Issue 8 item 11: all six phases are drawn, not only end to end."""
    figure = scaling_figure(phase_points())
    for axes in figure.axes:
        legend = axes.get_legend()
        assert legend is not None
        labels = [t.get_text() for t in legend.get_texts()]
        assert [label.split(":")[0] for label in labels] == [
            "seed", "load", "solve", "validate", "persist", "generate (end to end)"
        ]  # fmt: skip
        assert all(": slope " in label for label in labels)


def test_tick_labels_are_plain_units_and_tier_names() -> None:
    """Issue 8 item 11: ticks read '2 ms' or '512 KiB', never powers of ten in mathtext."""
    figure = scaling_figure(phase_points())
    time_axes, memory_axes = figure.axes
    figure.canvas.draw()
    y_time = [t.get_text() for t in time_axes.get_yticklabels() if t.get_text()]
    y_memory = [t.get_text() for t in memory_axes.get_yticklabels() if t.get_text()]
    x = [t.get_text() for t in time_axes.get_xticklabels() if t.get_text()]
    assert y_time
    assert y_memory
    assert all(re.fullmatch(r"[\d.]+ (µs|ms|s)", label) for label in y_time), y_time
    assert all(re.fullmatch(r"[\d.]+ (KiB|MiB|GiB)", label) for label in y_memory), y_memory
    assert x == ["tiny\n252", "small\n1,008", "medium\n2,016"]
    assert not [t for t in texts(figure) if "$" in t or "×" in t or "10^" in t]


def test_the_caption_is_drawn_under_the_panels() -> None:
    """Issue 8 item 11: the caption (commit, date, machine) is part of the figure."""
    caption = "commit 1a2b3c4 (main) · 2026-11-22 02:19 UTC · AMD EPYC, 2 cores"
    assert caption in texts(scaling_figure(phase_points(), caption=caption))


@pytest.mark.parametrize(
    ("seconds", "label"),
    [(0.0004, "400 µs"), (0.002, "2 ms"), (0.05, "50 ms"), (1.0, "1 s"), (2.5, "2.5 s")],
)
def test_format_seconds(seconds: float, label: str) -> None:
    """Times read in the unit that suits them."""
    assert format_seconds(seconds) == label


@pytest.mark.parametrize(
    ("size", "label"), [(512 * 2**10, "512 KiB"), (2**20, "1 MiB"), (3 * 2**29, "1.5 GiB")]
)
def test_format_bytes(size: int, label: str) -> None:
    """Sizes read in binary units."""
    assert format_bytes(size) == label
