"""``rota plot`` reads stored results and refuses a bad results file by name (issue 8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rota.cli import main
from rota.perf.results import BenchmarkResult, ResultsStore, RunResults

CREATED = datetime(2026, 11, 22, 2, 19, tzinfo=UTC)
PHASES = ("seed", "load", "solve", "validate", "persist", "generate")


def stored_run(tiers: dict[str, int], created_at: datetime = CREATED) -> RunResults:
    return RunResults(
        created_at=created_at,
        git={"commit": "8e75191d35c9760abcfe01fd6333a282283ebdce", "branch": "main"},
        machine={"cpu_model": "AMD EPYC", "logical_cores": 2},
        benchmarks=[
            BenchmarkResult.from_samples(
                name=f"{phase}[{tier}]",
                phase=phase,
                tier=tier,
                size=size,
                samples=[size * 1e-6 * (i + 1)] * 3,
                peak_memory_bytes=size * 1000,
            )
            for i, phase in enumerate(PHASES)
            for tier, size in tiers.items()
        ],
    )


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("rota: error: "), err
    assert err.count("\n") == 1, err
    return err


def test_plot_draws_the_newest_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The newest results file is plotted to --out and the command says where."""
    runs = tmp_path / "runs"
    ResultsStore(runs).save(stored_run({"tiny": 252, "small": 1008}))
    out = tmp_path / "scaling.png"
    assert main(["plot", "--results-dir", str(runs), "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"scaling plot: {out}\n"
    assert out.read_bytes().startswith(b"\x89PNG")


def test_plot_refuses_a_truncated_file_in_the_directory_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8 item 6: a truncated results file beside good ones: exit 2, named, no PNG."""
    store = ResultsStore(tmp_path / "runs")
    truncated = store.save(stored_run({"tiny": 252, "small": 1008}))
    store.save(stored_run({"tiny": 252, "small": 1008}, CREATED + timedelta(hours=1)))
    truncated.write_bytes(truncated.read_bytes()[:300])
    out = tmp_path / "scaling.png"
    assert main(["plot", "--results-dir", str(store.directory), "--out", str(out)]) == 2
    err = one_error_line(capsys)
    assert f"rota: error: {truncated}: not valid JSON" in err
    assert "restore or delete it" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "not valid JSON"),
        (b'{"version": 99, "benchmarks": []}', "unknown results format version 99"),
        (b'{"version": 1}', "created_at: missing"),
    ],
)
def test_plot_refuses_a_bad_results_file_given_by_name(
    content: bytes, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8 item 6: an explicit FILE that is empty, unknown or incomplete is refused."""
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    out = tmp_path / "scaling.png"
    assert main(["plot", str(bad), "--out", str(out)]) == 2
    err = one_error_line(capsys)
    assert f"{bad}: " in err
    assert says in err
    assert not out.exists()


def test_plot_of_one_tier_writes_nothing_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8 item 11: one tier: exit 2, no PNG, and the line says a slope needs two."""
    runs = tmp_path / "runs"
    ResultsStore(runs).save(stored_run({"tiny": 252}))
    out = tmp_path / "scaling.png"
    assert main(["plot", "--results-dir", str(runs), "--out", str(out)]) == 2
    assert "scaling plot: not drawn, only tiny ran" in one_error_line(capsys)
    assert not out.exists()


def test_plot_of_an_empty_directory_says_to_run_the_benchmarks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No results yet: one line pointing at the benchmarks."""
    out = tmp_path / "scaling.png"
    assert main(["plot", "--results-dir", str(tmp_path / "none"), "--out", str(out)]) == 2
    assert "no results files; run the benchmarks first" in one_error_line(capsys)
