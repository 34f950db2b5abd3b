"""Scaling plots: time and peak memory of every phase against dataset size, log-log.

Figures are built on ``matplotlib.figure.Figure`` with the Agg canvas directly, never
through pyplot, so importing or calling this module touches no global backend state.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullLocator

from rota.perf.atomic import write_atomic
from rota.perf.stats import fit_loglog_slope

__all__ = [
    "ScalingPoint",
    "format_bytes",
    "format_seconds",
    "plot_scaling",
    "scaling_figure",
]


_MIB = 1024 * 1024
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
# How a phase is named in the legend when its name alone says too little.
_PHASE_LABELS = {"generate": "generate (end to end)"}


@dataclass(frozen=True, slots=True)
class ScalingPoint:
    """One (phase, tier) figure for the scaling plot.

    Attributes:
        tier: Tier name, shown under its size on the x axis.
        size: Resident-sessions of the tier's dataset.
        seconds: Median time of the phase, seconds.
        peak_bytes: Peak memory from the memory pass, or ``None`` if not measured.
        phase: The phase measured (``seed`` ... ``generate``); one line per phase.
    """

    tier: str
    size: int
    seconds: float
    peak_bytes: int | None = None
    phase: str = "generate"


def plot_scaling(
    points: Sequence[ScalingPoint],
    out: Path,
    *,
    title: str | None = None,
    caption: str | None = None,
) -> Path:
    """Draw ``scaling_figure(points, ...)`` and write it as a PNG, atomically.

    Args:
        points: One point per (phase, tier), in any order.
        out: Destination PNG path; its directory must exist.
        title: Optional figure title.
        caption: Optional line under the panels: commit, date, machine.

    Returns:
        ``out``.

    Raises:
        ValueError: If ``points`` is empty.
    """
    figure = scaling_figure(points, title=title, caption=caption)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    write_atomic(Path(out), buffer.getvalue())
    return Path(out)


def scaling_figure(
    points: Sequence[ScalingPoint], *, title: str | None = None, caption: str | None = None
) -> Figure:
    """Time and peak memory against size, one line per phase, on an Agg canvas.

    Both panels are log-log with plain tick labels (``10 ms``, ``512 KiB``; each tier's
    name under its size). A phase measured at two sizes or more shows its fitted log-log
    slope in the legend (1 means linear scaling).

    Args:
        points: One point per (phase, tier), in any order; phases keep the order in
            which they first appear.
        title: Optional figure title.
        caption: Optional line under the panels: commit, date, machine.

    Raises:
        ValueError: If ``points`` is empty.
    """
    if not points:
        raise ValueError("nothing to plot: no scaling points")
    phases = list(dict.fromkeys(p.phase for p in points))
    tiers = sorted({(p.size, p.tier) for p in points})
    figure = Figure(figsize=(13.0, 7.0), layout="constrained")
    FigureCanvasAgg(figure)
    time_axes, memory_axes = figure.subplots(1, 2)
    for index, phase in enumerate(phases):
        mine = sorted((p for p in points if p.phase == phase), key=lambda p: p.size)
        style = _Style(f"C{index % 10}", _MARKERS[index % len(_MARKERS)])
        label = _PHASE_LABELS.get(phase, phase)
        _series(time_axes, [(p.size, p.seconds) for p in mine], label, style)
        memory = [(p.size, float(p.peak_bytes)) for p in mine if p.peak_bytes is not None]
        _series(memory_axes, memory, label, style)
    _finish(time_axes, "Median time per round", tiers, format_seconds, base=10)
    _finish(memory_axes, "Peak memory (memray)", tiers, format_bytes, base=2)
    if title:
        figure.suptitle(title)
    if caption:
        figure.supxlabel(caption, fontsize=9, color="0.3")
    return figure


def format_seconds(value: float) -> str:
    """A time as a tick label reads it: ``500 µs``, ``20 ms``, ``1.5 s``."""
    if value >= 1:
        return f"{value:g} s"
    if value >= 1e-3:
        return f"{value * 1e3:.3g} ms"
    return f"{value * 1e6:.3g} µs"


def format_bytes(value: float) -> str:
    """A size as a tick label reads it: ``512 KiB``, ``2 MiB``, ``1.5 GiB``."""
    for unit, scale in (("GiB", 1024**3), ("MiB", _MIB)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1024:.3g} KiB"


@dataclass(frozen=True, slots=True)
class _Style:
    color: str
    marker: str


def _series(axes: Axes, pairs: list[tuple[int, float]], label: str, style: _Style) -> None:
    if not pairs:
        return
    sizes = [size for size, _ in pairs]
    values = [value for _, value in pairs]
    if len(set(sizes)) >= 2 and min(values) > 0:
        label = f"{label}: slope {fit_loglog_slope(sizes, values).slope:.2f}"
    axes.plot(
        sizes, values, linestyle="-", linewidth=1.2, markersize=6, label=label,
        color=style.color, marker=style.marker,
    )  # fmt: skip


def _finish(
    axes: Axes,
    title: str,
    tiers: list[tuple[int, str]],
    label: Callable[[float], str],
    *,
    base: int,
) -> None:
    axes.set_title(title)
    axes.set_xlabel("dataset size (resident-sessions)")
    if not axes.lines:
        axes.text(
            0.5, 0.5, "not measured in this run", ha="center", va="center",
            transform=axes.transAxes,
        )  # fmt: skip
        axes.set_xticks([])
        axes.set_yticks([])
        return
    axes.set_xscale("log")
    axes.set_yscale("log", base=base)
    axes.margins(x=0.08, y=0.1)
    # x: one tick per tier at its size, named; no minor ticks or powers of ten.
    axes.xaxis.set_major_locator(FixedLocator([size for size, _ in tiers]))
    axes.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _: next((f"{t}\n{s:,}" for s, t in tiers if s == round(x)), ""))
    )
    axes.xaxis.set_minor_locator(NullLocator())
    # y: steps of 1-2-5 (times) or powers of two (bytes), labelled in units (20 ms,
    # 512 KiB), never in powers of ten such as 4 x 10^-1.
    subs = (1.0, 2.0, 5.0) if base == 10 else (1.0,)
    axes.yaxis.set_major_locator(LogLocator(base=base, subs=subs, numticks=30))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: label(y)))
    axes.yaxis.set_minor_locator(NullLocator())
    axes.grid(True, which="major", alpha=0.3)
    # Below the panel, where no data point can hide behind it.
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, fontsize=9)
