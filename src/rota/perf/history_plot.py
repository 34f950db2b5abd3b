"""``results/plots/history.png``: the asv history per tier, drawn with matplotlib.

One column per tier, commits oldest to newest along x (n/a commits leave a gap): the
end-to-end median CPU time (the asv suite's clock) with its interquartile spread, then
the exact counters of the end-to-end phase (SQL, memory, schedule quality). Values come from
:func:`rota.perf.history.load_history`, which reads asv's files with asv's own loader.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from rota.perf.history import History, Series

__all__ = ["HISTORY_TIERS", "draw_history_plot"]

HISTORY_TIERS = ("tiny", "small", "medium")

_TIME = "timing.TimePhase.time_phase"
_COUNTERS = "counters.PhaseCounters"
_QUALITY = "counters.Quality"

# (panel title, [(series name template, label, scale)]); {tier} is filled in per column.
_PANELS: tuple[tuple[str, tuple[tuple[str, str, float], ...]], ...] = (
    (
        "SQL of generate",
        (
            (f"{_COUNTERS}.track_sql_statements({{tier}}, generate)", "statements", 1.0),
            (f"{_COUNTERS}.track_sql_rows_written({{tier}}, generate)", "rows written / 100", 0.01),
        ),
    ),
    (
        "memory of generate (memray)",
        (
            (f"{_COUNTERS}.track_peak_memory({{tier}}, generate)", "peak heap (MiB)", 1 / 2**20),
            (f"{_COUNTERS}.track_allocations({{tier}}, generate)", "allocations (x 100,000)", 1e-5),
        ),
    ),
    (
        "schedule quality",
        (
            (f"{_QUALITY}.track_objective({{tier}})", "objective / 10", 0.1),
            (f"{_QUALITY}.track_max_call_spread({{tier}})", "max call spread (nights)", 1.0),
            (f"{_QUALITY}.track_max_hours_spread({{tier}})", "max hours spread / 10", 0.1),
            (f"{_QUALITY}.track_violations({{tier}})", "violations", 1.0),
        ),
    ),
)


def draw_history_plot(
    history: History, path: Path, tiers: Sequence[str] = HISTORY_TIERS
) -> Path | None:
    """Draw the history of ``tiers`` to ``path``; ``None`` when there is nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tiers = [t for t in tiers if f"{_TIME}({t}, generate)" in history.series]
    if not tiers or not history.commits:
        return None
    x = list(range(len(history.commits)))
    labels = [c[:7] for c in history.commits]
    fig, axes = plt.subplots(
        1 + len(_PANELS),
        len(tiers),
        figsize=(5.2 * len(tiers), 3.1 * (1 + len(_PANELS))),
        sharex=True,
        squeeze=False,
    )
    for col, tier in enumerate(tiers):
        ax = axes[0][col]
        _time_panel(ax, x, history.series[f"{_TIME}({tier}, generate)"])
        ax.set_title(f"{tier}: generate (end to end), median CPU time", fontsize=10)
        for row, (title, lines) in enumerate(_PANELS, start=1):
            ax = axes[row][col]
            for template, label, scale in lines:
                series = history.series.get(template.format(tier=tier))
                if series is not None:
                    ax.plot(x, _scaled(series.values, scale), marker="o", ms=3.5, label=label)
            ax.set_title(f"{tier}: {title}", fontsize=10)
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, loc="best")
    for ax in axes[-1]:
        ax.set_xticks(x, labels, rotation=60, ha="right", fontsize=7, family="monospace")
        ax.set_xlabel("commit (oldest to newest; gaps: n/a before the workloads API)", fontsize=8)
    fig.suptitle(
        f"rota commit history (asv, machine {history.machine}, {len(history.commits)} commits)",
        fontsize=12,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _time_panel(ax: object, x: list[int], series: Series) -> None:
    mid = _scaled(series.values, 1e3)
    low = _scaled(series.low, 1e3)
    high = _scaled(series.high, 1e3)
    ax.fill_between(x, low, high, alpha=0.25, label="interquartile range")  # type: ignore[attr-defined]
    ax.plot(x, mid, marker="o", ms=3.5, label="median")  # type: ignore[attr-defined]
    ax.set_ylabel("ms of CPU")  # type: ignore[attr-defined]
    ax.set_ylim(bottom=0)  # type: ignore[attr-defined]
    ax.grid(alpha=0.3)  # type: ignore[attr-defined]
    ax.legend(fontsize=7, loc="lower left")  # type: ignore[attr-defined]


def _scaled(values: Sequence[float | None], scale: float) -> list[float]:
    return [math.nan if v is None else v * scale for v in values]
