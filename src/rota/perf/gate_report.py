"""The gate's reports: a rich table, a markdown summary, and JSON with every figure."""

from __future__ import annotations

import json
import math
from typing import Any

from rich.markup import escape
from rich.table import Table

from rota.perf.gate import GateReport, _num
from rota.perf.gate_config import ABSOLUTE

__all__ = ["markdown", "tables", "to_json"]


def tables(report: GateReport) -> list[Table]:
    """The terminal report: timing verdicts, then the exact metrics that moved."""
    out = []
    if report.timing is not None:
        timing = Table(
            title=f"timing against {report.reference}: {report.timing.pairs} process pairs "
            f"x {report.timing.rounds} rounds ({report.timing.clock} {report.timing.statistic}), "
            f"stopped after {report.timing.stopped_because}",
            title_justify="left",
        )
        for column in ("benchmark", "verdict", "head/base", "interval", "p (Holm)", "pairs"):
            timing.add_column(column, justify="left" if column == "benchmark" else "right")
        for v in report.timing.verdicts:
            timing.add_row(
                escape(v.benchmark),
                v.verdict,
                f"{v.ratio:.3f}",
                f"[{v.ci_low:.3f}, {v.ci_high:.3f}]",
                f"{v.p_adjusted:.3g}",
                str(v.pairs),
            )
        out.append(timing)
    moved = [f for f in report.findings if f.status != "unchanged"]
    exact = Table(
        title=f"exact metrics against {report.reference}: {len(report.findings)} compared, "
        f"{len(moved)} moved",
        title_justify="left",
    )
    for column in ("benchmark", "metric", "reference", "head", "change", "allowed", "status"):
        exact.add_column(column, justify="left" if column in ("benchmark", "metric") else "right")
    for f in moved:
        exact.add_row(
            escape(f.benchmark),
            f.metric,
            _num(f.base),
            _num(f.head),
            _change(f.change, f.metric),
            _num(f.threshold),
            f.status + (f": {f.note}" if f.note else ""),
        )
    out.append(exact)
    return out


def markdown(report: GateReport) -> str:
    """A pull-request comment: the verdict first, then only what changed."""
    lines = [f"## rota gate: {report.verdict}", "", f"Reference: {report.reference}.", ""]
    lines += [f"- **{line}**" for line in report.regressions + report.broken]
    if report.timing is not None:
        changed = [v for v in report.timing.verdicts if v.verdict != "unchanged"]
        lines += [
            "",
            f"### Timing ({report.timing.pairs} process pairs x {report.timing.rounds} rounds "
            f"of {report.timing.clock} time, "
            f"{report.timing.seconds:.0f} s)",
            "",
        ]
        if changed:
            lines += [
                "| benchmark | verdict | head/base | interval | p (Holm) |",
                "|---|---|---:|---:|---:|",
            ]
            lines += [
                f"| `{v.benchmark}` | {v.verdict} | {v.ratio:.3f} | "
                f"[{v.ci_low:.3f}, {v.ci_high:.3f}] | {v.p_adjusted:.3g} |"
                for v in changed
            ]
        else:
            lines.append(f"All {len(report.timing.verdicts)} benchmarks unchanged.")
    moved = [f for f in report.findings if f.status not in ("unchanged",)]
    lines += ["", "### Exact metrics", ""]
    if moved:
        lines += ["| benchmark | metric | reference | head | status |", "|---|---|---:|---:|---|"]
        lines += [
            f"| `{f.benchmark}` | {f.metric} | {_num(f.base)} | {_num(f.head)} | "
            f"{f.status}{': ' + f.note if f.note else ''} |"
            for f in moved
        ]
    else:
        lines.append(f"All {len(report.findings)} exact metrics unchanged.")
    accepted = report.config.accepted
    if accepted:
        lines += ["", "### Accepted on purpose (pyproject.toml)", ""]
        lines += [f"- `{a.pattern}` {a.metric} up to {a.allowed:g}: {a.reason}" for a in accepted]
    if report.skipped:
        lines += ["", "### Not compared", ""] + [f"- {s}" for s in report.skipped]
    return "\n".join(lines) + "\n"


def to_json(report: GateReport) -> str:
    """Every figure of the run."""
    document: dict[str, Any] = {
        "verdict": report.verdict,
        "exit_code": report.exit_code,
        "reference": report.reference,
        "skipped": report.skipped,
        "config": report.config.source,
        "exact": [
            {
                "benchmark": f.benchmark,
                "metric": f.metric,
                "reference": f.base,
                "head": f.head,
                "change": f.change,
                "threshold": f.threshold,
                "status": f.status,
                "note": f.note,
            }
            for f in report.findings
        ],
        "timing": None,
    }
    if report.timing is not None:
        document["timing"] = {
            "pairs": report.timing.pairs,
            "rounds_per_process": report.timing.rounds,
            "seconds": report.timing.seconds,
            "stopped_because": report.timing.stopped_because,
            "verdicts": [
                {
                    "benchmark": v.benchmark,
                    "verdict": v.verdict,
                    "ratio": _finite(v.ratio),
                    "ci": [_finite(v.ci_low), _finite(v.ci_high)],
                    "p_value": v.p_value,
                    "p_adjusted": v.p_adjusted,
                    "pairs": v.pairs,
                    "threshold": v.threshold,
                }
                for v in report.timing.verdicts
            ],
            "clock": report.timing.clock,
            "statistic": report.timing.statistic,
            "process_figures": report.timing.judged(),
            "process_all_figures": report.timing.figures,
        }
    return json.dumps(document, indent=2, allow_nan=False) + "\n"


def _finite(value: float) -> float | None:
    """JSON has no NaN: an undefined ratio (too few pairs) is null."""
    return value if math.isfinite(value) else None


def _change(change: float | None, metric: str) -> str:
    if change is None:
        return "-"
    return f"{change:+g}" if metric in ABSOLUTE else f"{change:+.2%}"
