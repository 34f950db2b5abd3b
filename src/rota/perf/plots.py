"""Scaling plots: time and peak memory against dataset size, log-log, with fitted slopes.

Figures are built on ``matplotlib.figure.Figure`` with the Agg canvas directly, never
through pyplot, so importing or calling this module touches no global backend state.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from rota.perf.atomic import write_atomic
from rota.perf.stats import fit_loglog_slope

__all__ = [
    "ScalingPoint",
    "plot_scaling",
]


_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ScalingPoint:
    """One tier's figures for the scaling plot.

    Attributes:
        tier: Tier name, used as the point's label.
        size: Resident-sessions of the tier's dataset.
        seconds: Median end-to-end time, seconds.
        peak_bytes: Peak memory from the memory pass, or ``None`` if not measured.
    """

    tier: str
    size: int
    seconds: float
    peak_bytes: int | None = None


def plot_scaling(points: Sequence[ScalingPoint], out: Path, *, title: str | None = None) -> Path:
    """Draw time and peak memory against size, side by side, and write a PNG.

    Each panel is log-log, labels its points with tier names, and when at least two
    distinct sizes are measured draws the least-squares line with its slope and R² in
    the legend (a slope of 1 means linear scaling). The file is written atomically.

    Args:
        points: One point per tier, in any order.
        out: Destination PNG path; its directory must exist.
        title: Optional figure title.

    Returns:
        ``out``.

    Raises:
        ValueError: If ``points`` is empty or holds a non-positive size or time.
    """
    if not points:
        raise ValueError("nothing to plot: no scaling points")
    ordered = sorted(points, key=lambda p: p.size)
    figure = Figure(figsize=(11.0, 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    time_axes, memory_axes = figure.subplots(1, 2)
    _panel(
        time_axes,
        [(p.tier, p.size, p.seconds) for p in ordered],
        ylabel="median end-to-end time (s)",
        title="Time",
        color="tab:blue",
    )
    _panel(
        memory_axes,
        [(p.tier, p.size, p.peak_bytes / _MIB) for p in ordered if p.peak_bytes is not None],
        ylabel="peak memory (MiB)",
        title="Peak memory",
        color="tab:orange",
    )
    if title:
        figure.suptitle(title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    write_atomic(Path(out), buffer.getvalue())
    return Path(out)


def _panel(
    axes: Axes,
    points: list[tuple[str, int, float]],
    *,
    ylabel: str,
    title: str,
    color: str,
) -> None:
    axes.set_title(title)
    axes.set_xlabel("resident-sessions")
    axes.set_ylabel(ylabel)
    if not points:
        axes.text(0.5, 0.5, "not measured", ha="center", va="center", transform=axes.transAxes)
        axes.set_xticks([])
        axes.set_yticks([])
        return
    tiers = [tier for tier, _, _ in points]
    sizes = [size for _, size, _ in points]
    values = [value for _, _, value in points]
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.margins(0.12)  # room for the tier labels at the ends
    axes.plot(sizes, values, "o", color=color, label="measured")
    for tier, size, value in zip(tiers, sizes, values, strict=True):
        axes.annotate(tier, (size, value), textcoords="offset points", xytext=(5, 5))
    if len(set(sizes)) >= 2:
        fit = fit_loglog_slope(sizes, values)
        lo, hi = min(sizes), max(sizes)
        line_x = [lo, hi]
        line_y = [10 ** (fit.intercept + fit.slope * math.log10(x)) for x in line_x]
        r2 = "n/a" if math.isnan(fit.r2) else f"{fit.r2:.2f}"
        axes.plot(line_x, line_y, "--", color=color, label=f"slope {fit.slope:.2f}, R² {r2}")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="upper left")
