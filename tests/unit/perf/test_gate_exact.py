"""Exact metrics against a reference: regressions, rule breaks, N+1, acceptances, exit codes."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from rota.cli import main
from rota.perf.gate import EXIT, GateReport
from rota.perf.gate_config import GateConfig, parse_gate_config
from rota.perf.gate_exact import (
    Finding,
    compare_exact,
    environment_mismatch,
    instructions_mismatch,
)
from rota.perf.gate_report import markdown, to_json
from rota.perf.gate_stats import TimingVerdict, Verdict
from rota.perf.gate_timing import TimingRun
from rota.perf.results import BenchmarkResult, RunResults

SIZES = {"tiny": 252, "small": 1008, "medium": 2016}
PACKAGES = {"sqlalchemy": "2.1.9", "aiosqlite": "0.22.1", "asyncpg": "0.32.0", "memray": "1.20.0"}
MACHINE: dict[str, Any] = {"python_version": "3.11.7", "packages": PACKAGES}
DEFAULTS = GateConfig()


def bench(
    phase: str,
    tier: str = "tiny",
    *,
    statements: int = 6,
    rows: int = 0,
    violations: int | None = None,
    objective: float | None = None,
    peak: int | None = 100_000,
    allocations: int | None = 10_000,
) -> BenchmarkResult:
    """A benchmark result with the exact figures a phase records, and no timing."""
    counters: dict[str, int | float | str] = {
        "sql_statements": statements,
        "sql_rows_written": rows,
        "fingerprint": "abc",
    }
    if violations is not None:
        counters["violations"] = violations
    if objective is not None:
        counters["objective"] = objective
    return BenchmarkResult.from_samples(
        name=f"{phase}[{tier}]",
        phase=phase,
        tier=tier,
        size=SIZES[tier],
        counters=counters,
        peak_memory_bytes=peak,
        allocations=allocations,
    )


def run(*benchmarks: BenchmarkResult, machine: dict[str, Any] | None = None) -> RunResults:
    """A run of the given benchmarks on the reference machine (or another)."""
    return RunResults(
        machine=dict(MACHINE if machine is None else machine), benchmarks=[*benchmarks]
    )


def moved(findings: list[Finding]) -> list[Finding]:
    """The findings that are not `unchanged`."""
    return [f for f in findings if f.status != "unchanged"]


def report(findings: list[Finding], config: GateConfig = DEFAULTS) -> GateReport:
    """A gate report holding these exact findings and no timing."""
    return GateReport(reference="baseline test", findings=findings, config=config)


def test_identical_runs_have_nothing_moved_and_pass() -> None:
    """The same figures on both sides: every finding unchanged, exit 0."""
    reference = run(bench("load"), bench("solve", violations=0, objective=158.0))
    findings = compare_exact(reference, reference, DEFAULTS)
    assert findings
    assert moved(findings) == []
    assert report(findings).exit_code == EXIT["pass"] == 0
    assert report(findings).verdict.startswith("PASS")


def test_added_sql_statement_is_a_regression() -> None:
    """One more statement on each tier of load is a regression of each (threshold 0), exit 1."""
    reference = run(bench("load", "tiny"), bench("load", "small"))
    head = run(bench("load", "tiny", statements=7), bench("load", "small", statements=7))
    findings = moved(compare_exact(reference, head, DEFAULTS))
    assert [(f.benchmark, f.metric, f.base, f.head, f.status) for f in findings] == [
        ("load[tiny]", "sql_statements", 6.0, 7.0, "regression"),
        ("load[small]", "sql_statements", 6.0, 7.0, "regression"),
    ]
    assert findings[0].change == pytest.approx(1.0)
    gate = report(findings)
    assert gate.exit_code == EXIT["regression"] == 1
    assert gate.regressions[0] == "load[tiny] sql_statements: 6 -> 7"
    assert gate.verdict.startswith("REGRESSION: 2 metric(s)")


def test_dropped_sql_statement_is_an_improvement() -> None:
    """One statement fewer improves a count (threshold 0) and passes."""
    findings = moved(compare_exact(run(bench("load")), run(bench("load", statements=5)), DEFAULTS))
    assert [(f.metric, f.status) for f in findings] == [("sql_statements", "improvement")]
    assert report(findings).exit_code == 0


def test_rows_written_increase_is_a_regression() -> None:
    """One more row written by persist is a regression."""
    reference = run(bench("persist", statements=2, rows=125))
    head = run(bench("persist", statements=2, rows=126))
    (finding,) = moved(compare_exact(reference, head, DEFAULTS))
    assert (finding.metric, finding.status) == ("sql_rows_written", "regression")


@pytest.mark.parametrize(
    ("head_allocations", "status"),
    [
        (10_100, "regression"),  # +1% over the 0.5% threshold
        (10_051, "regression"),  # +0.51%
        (10_050, "unchanged"),  # +0.5% exactly: not worse BY MORE than the threshold
        (10_040, "unchanged"),  # +0.4%
        (9_960, "unchanged"),  # -0.4%: measured figures must drop beyond the threshold
        (9_900, "improvement"),  # -1%
    ],
)
def test_allocations_against_the_half_percent_threshold(head_allocations: int, status: str) -> None:
    """Allocations are judged relative to the reference, with the 0.5% default threshold."""
    reference = run(bench("solve", statements=0))
    head = run(bench("solve", statements=0, allocations=head_allocations))
    (finding,) = [f for f in compare_exact(reference, head, DEFAULTS) if f.metric == "allocations"]
    assert finding.status == status
    assert finding.threshold == pytest.approx(0.005)
    assert finding.change == pytest.approx(head_allocations / 10_000 - 1)


def test_peak_memory_beyond_five_percent_is_a_regression() -> None:
    """Peak memory 6% higher is a regression; 4% higher is not."""
    reference = run(bench("solve", "tiny", statements=0), bench("solve", "small", statements=0))
    head = run(
        bench("solve", "tiny", statements=0, peak=106_000),
        bench("solve", "small", statements=0, peak=104_000),
    )
    statuses = {
        f.benchmark: f.status
        for f in compare_exact(reference, head, DEFAULTS)
        if f.metric == "peak_memory"
    }
    assert statuses == {"solve[tiny]": "regression", "solve[small]": "unchanged"}


def test_worse_objective_is_a_regression() -> None:
    """A higher (worse) objective fails at the default threshold of 0."""
    reference = run(bench("solve", statements=0, violations=0, objective=158.0))
    head = run(bench("solve", statements=0, violations=0, objective=158.5))
    (finding,) = moved(compare_exact(reference, head, DEFAULTS))
    assert (finding.metric, finding.status) == ("objective", "regression")


def test_violations_break_a_rule_and_exit_3() -> None:
    """A schedule with violations is `broken` whatever the reference, and exit 3 beats exit 1."""
    reference = run(bench("solve", statements=0, violations=0))
    head = run(bench("solve", statements=1, violations=2))
    findings = compare_exact(reference, head, DEFAULTS)
    broken = [f for f in findings if f.status == "broken"]
    assert [(f.benchmark, f.metric, f.base, f.head) for f in broken] == [
        ("solve[tiny]", "violations", 0.0, 2.0)
    ]
    gate = report(findings)
    assert gate.regressions  # the added statement, too
    assert gate.broken == ["solve[tiny]: 2 violations"]
    assert gate.exit_code == EXIT["broken"] == 3
    assert gate.verdict.startswith("BROKEN")


def test_violations_break_a_rule_even_when_the_reference_had_them() -> None:
    """Violations are compared with zero, not with the reference: the same count still breaks."""
    reference = run(bench("validate", statements=0, violations=3))
    findings = compare_exact(reference, reference, DEFAULTS)
    assert [f.status for f in findings if f.metric == "violations"] == ["broken"]
    assert report(findings).exit_code == 3


def test_statement_count_varying_by_tier_is_the_n_plus_1_regression() -> None:
    """A phase issuing more statements on bigger tiers fails as `load[*]`, whatever the ref."""
    tiers = ("tiny", "small", "medium")
    reference = run(*(bench("load", t, statements=6) for t in tiers))
    head = run(*(bench("load", t, statements=n) for t, n in zip(tiers, (6, 9, 12), strict=True)))
    findings = compare_exact(reference, head, DEFAULTS)
    (n_plus_1,) = [f for f in findings if f.benchmark == "load[*]" and f.metric == "sql_statements"]
    assert n_plus_1.status == "regression"
    assert n_plus_1.head == 12
    assert "N+1" in n_plus_1.note
    assert "tiny 6, small 9, medium 12" in n_plus_1.note
    assert report(findings).exit_code == 1
    # Also when the reference had the same growth: the signature fails on its own.
    again = moved(compare_exact(head, head, DEFAULTS))
    assert [(f.benchmark, f.metric) for f in again] == [("load[*]", "sql_statements")]


def test_constant_statement_count_across_tiers_is_no_n_plus_1() -> None:
    """The same statement count on every tier raises no N+1 finding."""
    head = run(*(bench("load", t) for t in ("tiny", "small", "medium")))
    assert not any(
        f.benchmark.endswith("[*]") and f.metric == "sql_statements"
        for f in compare_exact(head, head, DEFAULTS)
    )


def accepting(allowed: float, metric: str = "sql_statements", pattern: str = "load*") -> GateConfig:
    """The defaults plus one reviewed acceptance."""
    return parse_gate_config(
        {
            "accept": [
                {"pattern": pattern, "metric": metric, "allowed": allowed, "reason": "audit #123"}
            ]
        },
        source="test",
    )


def test_accepted_regression_is_reported_with_its_reason_and_passes() -> None:
    """An increase within a reviewed acceptance is `accepted`, carries its reason, and exits 0."""
    config = accepting(1)
    findings = compare_exact(run(bench("load")), run(bench("load", statements=7)), config)
    (finding,) = moved(findings)
    assert (finding.status, finding.note) == ("accepted", "audit #123")
    gate = report(findings, config)
    assert gate.exit_code == 0
    assert gate.regressions == []
    text = markdown(gate)
    assert "accepted: audit #123" in text
    assert "Accepted on purpose" in text


def test_increase_beyond_the_acceptance_is_still_a_regression() -> None:
    """Two more statements where one is accepted is a regression."""
    config = accepting(1)
    findings = compare_exact(run(bench("load")), run(bench("load", statements=8)), config)
    assert [f.status for f in moved(findings)] == ["regression"]
    assert report(findings, config).exit_code == 1


def test_relative_acceptance_covers_a_relative_increase() -> None:
    """Accepting 2% more allocations covers +1% and not +3%."""
    config = accepting(0.02, metric="allocations", pattern="solve*")
    reference = run(bench("solve", statements=0))
    within = run(bench("solve", statements=0, allocations=10_100))
    beyond = run(bench("solve", statements=0, allocations=10_300))
    assert [f.status for f in moved(compare_exact(reference, within, config))] == ["accepted"]
    assert [f.status for f in moved(compare_exact(reference, beyond, config))] == ["regression"]


def test_acceptance_does_not_excuse_violations() -> None:
    """Violations are broken even when an entry accepts more of them."""
    config = accepting(5, metric="violations", pattern="solve*")
    head = run(bench("solve", statements=0, violations=1))
    findings = compare_exact(run(bench("solve", statements=0, violations=0)), head, config)
    assert report(findings, config).exit_code == 3


def test_python_mismatch_skips_environment_metrics_only() -> None:
    """Another Python: memory and allocations are not compared, SQL counts still are."""
    reference = run(bench("load"))
    head = run(
        bench("load", statements=7, peak=900_000, allocations=90_000),
        machine={"python_version": "3.12.1", "packages": PACKAGES},
    )
    reason = environment_mismatch(reference, head)
    assert reason == "Python 3.12.1 here, 3.11.7 in the reference"
    findings = compare_exact(reference, head, DEFAULTS)
    assert {f.metric for f in findings} == {"sql_statements", "sql_rows_written"}
    assert [f.status for f in moved(findings)] == ["regression"]


def test_key_package_mismatch_skips_environment_metrics() -> None:
    """Another memray version: environment metrics (and memory slopes) are skipped, naming it."""
    other = {"python_version": "3.11.7", "packages": {**PACKAGES, "memray": "1.19.0"}}
    reference = run(bench("solve", "tiny", statements=0), bench("solve", "small", statements=0))
    head = run(
        bench("solve", "tiny", statements=0, peak=10),
        bench("solve", "small", statements=0, peak=10**9),
        machine=other,
    )
    assert environment_mismatch(reference, head) == "memray 1.19.0 here, 1.20.0 in the reference"
    findings = compare_exact(reference, head, DEFAULTS)
    assert not any(f.metric in ("peak_memory", "allocations", "memory_slope") for f in findings)
    assert moved(findings) == []


def test_other_package_mismatch_keeps_environment_metrics() -> None:
    """A package outside the key list (matplotlib) does not stop memory comparisons."""
    reference = run(bench("load"), machine={**MACHINE, "packages": {**PACKAGES, "matplotlib": "3"}})
    head = run(bench("load", allocations=20_000))
    assert environment_mismatch(reference, head) is None
    assert [f.metric for f in moved(compare_exact(reference, head, DEFAULTS))] == ["allocations"]


def test_memory_slope_increase_is_a_regression() -> None:
    """Peak memory growing faster with the tier than in the reference fails as `solve[*]`."""
    reference = run(
        bench("solve", "tiny", statements=0, peak=100_000),
        bench("solve", "small", statements=0, peak=100_000),
    )
    head = run(
        bench("solve", "tiny", statements=0, peak=100_000),
        bench("solve", "small", statements=0, peak=104_000),
    )
    unchanged = [f for f in compare_exact(reference, head, DEFAULTS) if f.metric == "memory_slope"]
    assert [f.status for f in unchanged] == ["unchanged"]
    steep = run(
        bench("solve", "tiny", statements=0, peak=100_000),
        bench("solve", "small", statements=0, peak=400_000),  # slope 1.0 over a 4x size step
    )
    (slope,) = [f for f in compare_exact(reference, steep, DEFAULTS) if f.metric == "memory_slope"]
    assert slope.benchmark == "solve[*]"
    assert slope.status == "regression"
    assert slope.head == pytest.approx(1.0)
    assert slope.base == pytest.approx(0.0, abs=1e-9)


def test_memory_slope_on_fewer_tiers_than_the_reference_is_not_a_change() -> None:
    """Head figures identical to the reference's, on a subset of its tiers, move no slope."""
    peaks = {"tiny": 100_000, "small": 400_000, "medium": 400_000}
    reference = run(*(bench("solve", t, statements=0, peak=p) for t, p in peaks.items()))
    head = run(*(bench("solve", t, statements=0, peak=peaks[t]) for t in ("tiny", "small")))
    assert moved(compare_exact(reference, head, DEFAULTS)) == []


def test_metric_missing_from_the_reference_is_new_and_passes() -> None:
    """A benchmark the reference lacks is reported `new`, not a regression."""
    findings = compare_exact(run(bench("load")), run(bench("load"), bench("seed")), DEFAULTS)
    assert {f.status for f in findings if f.benchmark == "seed[tiny]"} == {"new"}
    assert report(findings).exit_code == 0


def verdict(name: str, kind: Verdict, ratio: float = 1.0) -> TimingVerdict:
    """A timing verdict with made-up figures."""
    return TimingVerdict(name, kind, ratio, ratio * 0.9, ratio * 1.1, 0.5, 0.5, 8, 0.05)


@pytest.mark.parametrize(
    ("kinds", "inconclusive_fails", "code"),
    [
        (["unchanged", "faster"], False, 0),
        (["unchanged", "slower"], False, 1),
        (["inconclusive"], False, 0),
        (["inconclusive"], True, 1),
    ],
)
def test_timing_verdicts_set_the_exit_code(
    kinds: list[Verdict], inconclusive_fails: bool, code: int
) -> None:
    """`slower` fails; `inconclusive` fails only when the config says so."""
    config = parse_gate_config({"inconclusive_fails": inconclusive_fails}, source="test")
    timing = TimingRun(verdicts=[verdict(f"b{i}[tiny]", k, 1.3) for i, k in enumerate(kinds)])
    gate = GateReport(reference="base abc1234", timing=timing, config=config)
    assert gate.exit_code == code
    if code:
        assert gate.regressions[0].startswith(f"b{len(kinds) - 1}[tiny] time: x1.300")


def test_json_report_holds_every_figure_and_no_nan() -> None:
    """The JSON report carries the exit code, each finding, and null for an undefined ratio."""
    findings = compare_exact(run(bench("load")), run(bench("load", statements=7)), DEFAULTS)
    nan = math.nan
    nan_verdict = TimingVerdict("solve[tiny]", "inconclusive", nan, nan, nan, 1.0, 1.0, 2, 0.05)
    gate = GateReport(
        reference="base abc1234", findings=findings, timing=TimingRun(verdicts=[nan_verdict])
    )
    document = json.loads(to_json(gate))
    assert document["exit_code"] == 1
    assert {
        "benchmark": "load[tiny]",
        "metric": "sql_statements",
        "status": "regression",
    }.items() <= next(e for e in document["exact"] if e["metric"] == "sql_statements").items()
    assert document["timing"]["verdicts"][0]["ratio"] is None


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


BASELINES: dict[str, str | None] = {  # None: no file at all
    "missing": None,
    "empty": "",
    "not JSON": "{not json",
    "not an object": "[1, 2]",
    "no version": '{"benchmarks": []}',
    "unknown version": '{"version": 99, "benchmarks": []}',
    "wrong schema": '{"version": 2, "benchmarks": "all"}',
}


@pytest.mark.parametrize("kind", BASELINES)
def test_unusable_baseline_exits_2_saying_how_to_create_one(
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A missing, corrupt or unknown-version baseline: exit 2, one line naming --update-baseline."""
    monkeypatch.chdir(tmp_path)
    config = write(tmp_path / "pyproject.toml", '[tool.rota.gate]\nexact_tiers = ["tiny"]\n')
    baseline = tmp_path / "results" / "baseline.json"
    text = BASELINES[kind]
    if text is not None:
        baseline.parent.mkdir()
        write(baseline, text)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code = main(["gate", "--baseline", str(baseline), "--config", str(config)])
    captured = capsys.readouterr()
    assert code == 2
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("rota: error: ")
    assert "rota gate --update-baseline" in lines[0]
    assert str(baseline) in lines[0]
    assert "PASS" not in captured.out
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_missing_baseline_error_is_the_only_output_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a baseline, stderr holds exactly the one error line and nothing else."""
    monkeypatch.chdir(tmp_path)
    config = write(tmp_path / "pyproject.toml", "[tool.rota.gate]\n")
    assert main(["gate", "--baseline", str(tmp_path / "none.json"), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("rota: error: ")


def test_a_benchmark_of_the_reference_missing_here_is_a_regression() -> None:
    """A phase the reference measured on a tier this run measured, but this run lacks, fails."""
    findings = compare_exact(run(bench("load"), bench("seed")), run(bench("load")), DEFAULTS)
    missing = [f for f in findings if f.metric == "benchmark"]
    assert [(f.benchmark, f.status) for f in missing] == [("seed[tiny]", "regression")]
    assert report(findings).exit_code == EXIT["regression"]


COUNTED = {"method": "m2", "valgrind": "valgrind-3.19.0", "cpu": "Some CPU"}


def counted(instructions: int, how: dict[str, Any] | str | None = None) -> RunResults:
    """A run whose solve[tiny] executed ``instructions``, counted as ``how`` says."""
    result = RunResults(
        machine=dict(MACHINE),
        benchmarks=[
            BenchmarkResult.from_samples(
                name="solve[tiny]",
                phase="solve",
                tier="tiny",
                size=SIZES["tiny"],
                counters={"sql_statements": 0, "sql_rows_written": 0},
                instructions=instructions,
            )
        ],
    )
    result.settings["instructions"] = COUNTED if how is None else how
    return result


@pytest.mark.parametrize(
    ("head", "status"),
    [(10_000_000, "unchanged"), (10_090_000, "unchanged"), (10_120_000, "regression")],
    ids=["same", "+0.9%", "+1.2%"],
)
def test_instructions_against_the_one_percent_threshold(head: int, status: str) -> None:
    findings = compare_exact(counted(10_000_000), counted(head), DEFAULTS)
    (finding,) = [f for f in findings if f.metric == "instructions"]
    assert finding.status == status


@pytest.mark.parametrize(
    ("reference_how", "head_how", "reason"),
    [
        ({**COUNTED, "method": "m1"}, COUNTED, "method 'm2' here, 'm1' in the reference"),
        ({**COUNTED, "cpu": "Other"}, COUNTED, "cpu 'Some CPU' here, 'Other' in the reference"),
        ("instructions unavailable: x", COUNTED, "the reference has no instruction counts"),
        (COUNTED, "instructions unavailable: no valgrind", "instructions unavailable: no valgrind"),
    ],
    ids=["method", "cpu", "reference-uncounted", "head-uncounted"],
)
def test_instructions_counted_another_way_are_not_compared(
    reference_how: dict[str, Any] | str, head_how: dict[str, Any] | str, reason: str
) -> None:
    reference, head = counted(10_000_000, reference_how), counted(20_000_000, head_how)
    assert instructions_mismatch(reference, head) == reason
    assert not [f for f in compare_exact(reference, head, DEFAULTS) if f.metric == "instructions"]
    assert instructions_mismatch(counted(1, COUNTED), counted(2, COUNTED)) is None
