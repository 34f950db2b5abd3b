"""Change-point alarms over synthetic series: asv's step detection turned into a verdict."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from rota.cli import main
from rota.perf.history import (
    DEFAULT_TIME_MIN_EFFECT,
    History,
    HistoryError,
    Series,
    check_history,
    find_regression,
    load_history,
    time_min_effect,
)


def noisy(level: float, n: int, rng: random.Random, spread: float = 0.02) -> list[float]:
    return [level * (1 + rng.uniform(-spread, spread)) for _ in range(n)]


def history_of(values: Sequence[float | None]) -> History:
    commits = tuple(f"{i:040x}" for i in range(len(values)))
    series = Series("time_x(tiny)", "time_x", ("tiny",), "seconds", tuple(values), (), ())
    return History("m", commits, tuple(range(len(values))), {series.name: series})


def test_flat_noisy_series_has_no_regression() -> None:
    """A series that only wobbles within its noise reports no step."""
    rng = random.Random(1)
    assert find_regression(noisy(0.010, 20, rng), threshold=0.05) is None


def test_step_at_the_newest_commits_is_a_regression() -> None:
    """A 40% rise over the last two commits is reported, with its commit range and levels."""
    rng = random.Random(2)
    values = [*noisy(0.010, 15, rng), *noisy(0.014, 2, rng)]
    hit = find_regression(values, threshold=0.05)
    assert hit is not None
    last_good, first_bad, before, after = hit
    assert (last_good, first_bad) == (14, 15)
    assert before == pytest.approx(0.010, rel=0.05)
    assert after == pytest.approx(0.014, rel=0.05)


def test_single_slow_newest_commit_is_a_regression() -> None:
    """One slow newest commit is enough to raise the alarm."""
    rng = random.Random(3)
    values = [*noisy(0.010, 12, rng), 0.020]
    hit = find_regression(values, threshold=0.05)
    assert hit is not None
    assert hit[1] == 12


def test_step_below_threshold_is_ignored() -> None:
    """A clean 3% rise stays under a 5% threshold."""
    values = [1.0] * 10 + [1.03] * 3
    assert find_regression(values, threshold=0.05) is None
    assert find_regression(values, threshold=0.01) is not None


def test_old_step_outside_the_newest_commits_is_not_reported() -> None:
    """A step that started long before the newest commits is history, not an alarm."""
    values = [1.0] * 5 + [2.0] * 10
    assert find_regression(values, threshold=0.05, newest=3) is None
    assert find_regression(values, threshold=0.05, newest=11) is not None


def test_improvement_is_not_a_regression() -> None:
    """A step down is good news."""
    values = [2.0] * 10 + [1.0] * 3
    assert find_regression(values, threshold=0.05) is None


def test_missing_values_are_skipped() -> None:
    """n/a commits (None) neither break the detection nor count as the newest commits."""
    values = [None, None, *[1.0] * 8, 1.5, None]
    hit = find_regression(values, threshold=0.05)
    assert hit is not None
    assert hit[1] == 10
    assert find_regression([None, None, 1.0], threshold=0.05) is None


def test_exact_counter_step_is_reported() -> None:
    """An exact counter that goes from 10 to 11 statements is a 10% step."""
    values = [10.0] * 8 + [11.0]
    assert find_regression(values, threshold=0.05) is not None


def test_check_history_names_series_and_commits() -> None:
    """check_history reports the series with the commits around the step."""
    history = history_of([1.0] * 8 + [1.5, 1.5])
    (regression,) = check_history(history, threshold=0.05)
    assert regression.series == "time_x(tiny)"
    assert regression.last_good == history.commits[7]
    assert regression.first_bad == history.commits[8]
    assert "time_x(tiny)" in regression.describe()
    assert regression.ratio == pytest.approx(1.5)
    assert check_history(history_of([1.0] * 10), threshold=0.05) == []


def test_threshold_comes_from_the_gate_table(tmp_path: Path) -> None:
    """The gate's time threshold is the history's; without the file, the default."""
    pyproject = tmp_path / "pyproject.toml"
    assert time_min_effect(pyproject) == DEFAULT_TIME_MIN_EFFECT
    pyproject.write_text("[tool.rota.gate.thresholds]\ntime = 0.1\n")
    assert time_min_effect(pyproject) == pytest.approx(0.1)
    pyproject.write_text("[tool.rota.gate.thresholds]\ntime = 'lots'\n")
    with pytest.raises(HistoryError, match=r"thresholds\.time"):
        time_min_effect(pyproject)


def test_missing_history_is_exit_2_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No asv.conf.json or no results: exit 2 with one line and no traceback."""
    assert main(["history", "check", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "asv.conf.json" in err
    (tmp_path / "asv.conf.json").write_text('{"version": 1, "repo": ".", "results_dir": "r"}')
    assert main(["history", "check", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "rota history run" in err
    with pytest.raises(HistoryError):
        load_history(tmp_path / "asv.conf.json")


COMMITTED = Path(__file__).resolve().parents[3] / "results" / "asv"


def inject_slow_commit(results: Path, factor: float) -> str:
    """Add a newest commit to a copy of the history: every timing ``factor`` times slower."""
    machine = results / "rota-ci"
    files = sorted(machine.glob("*-*.json"), key=lambda f: json.loads(f.read_text())["date"])
    newest = json.loads(files[-1].read_text())
    columns = newest["result_columns"]
    scaled = [c for c in columns if c in ("result", "samples") or c.startswith("stats_ci_")]
    scaled += ["stats_q_25", "stats_q_75"]
    commit = "f" * 40
    newest["commit_hash"] = commit
    newest["date"] += 60_000
    for name, row in newest["results"].items():
        if not name.startswith("timing."):
            continue
        for column in scaled:
            i = columns.index(column)
            if i < len(row) and row[i] is not None:
                row[i] = [_scale(v, factor) for v in row[i]]
    suffix = files[-1].name.split("-", 1)[1]
    (machine / f"{commit[:8]}-{suffix}").write_text(json.dumps(newest))
    return commit


def _scale(value: Any, factor: float) -> Any:
    if isinstance(value, list):
        return [_scale(v, factor) for v in value]
    return None if value is None else value * factor


@pytest.mark.skipif(not (COMMITTED / "rota-ci").is_dir(), reason="no committed history")
def test_injected_slow_commit_on_the_committed_history_is_caught(tmp_path: Path) -> None:
    """A copy of the committed history plus a 3x slower newest commit exits 1 naming it."""
    root = COMMITTED.parents[1]
    shutil.copytree(COMMITTED, tmp_path / "results" / "asv")
    shutil.copy(root / "asv.conf.json", tmp_path / "asv.conf.json")
    shutil.copy(root / "pyproject.toml", tmp_path / "pyproject.toml")
    threshold = time_min_effect(tmp_path / "pyproject.toml")
    before = {r.series for r in check_history(load_history(tmp_path / "asv.conf.json"), threshold)}

    commit = inject_slow_commit(tmp_path / "results" / "asv", 3.0)
    history = load_history(tmp_path / "asv.conf.json")
    assert history.commits[-1] == commit
    caught = [r for r in check_history(history, threshold) if r.series not in before]
    assert caught
    assert all(r.first_bad == commit and r.series.startswith("timing.") for r in caught)
    assert main(["history", "check", "--root", str(tmp_path)]) == 1


@pytest.mark.skipif(not (COMMITTED / "rota-ci").is_dir(), reason="no committed history")
def test_corrupt_results_file_is_exit_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A results file asv cannot read is an unreadable history (exit 2), never skipped."""
    root = COMMITTED.parents[1]
    shutil.copytree(COMMITTED, tmp_path / "results" / "asv")
    shutil.copy(root / "asv.conf.json", tmp_path / "asv.conf.json")
    victim = sorted((tmp_path / "results" / "asv" / "rota-ci").glob("*-*.json"))[0]
    victim.write_text("{ not json")
    assert main(["history", "check", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert victim.name in err
