"""The results store round-trips runs, refuses bad files clearly and writes atomically."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from rota.errors import ResultsError
from rota.perf import atomic
from rota.perf.results import (
    RESULTS_FORMAT_VERSION,
    BenchmarkResult,
    ResultsStore,
    RunResults,
    encode,
)

CREATED = datetime(2025, 3, 1, 10, 15, 0, tzinfo=UTC)
COMMIT = "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d"


def make_run(created_at: datetime = CREATED, note: str = "a") -> RunResults:
    return RunResults(
        created_at=created_at,
        machine={"machine_id": "abc123def456", "logical_cores": 8},
        git={"commit": COMMIT, "branch": "main", "dirty": False},
        settings={"rounds": 5, "database": "sqlite", "note": note},
        benchmarks=[
            BenchmarkResult.from_samples(
                name="generate[large]",
                phase="generate",
                tier="large",
                size=10080,
                samples=[0.51, 0.5, 0.53],
                counters={"sql_statements": 12, "rows_written": 10080, "fingerprint": "f00d"},
            ),
            BenchmarkResult.from_samples(
                name="solve[tiny]",
                phase="solve",
                tier="tiny",
                size=252,
                samples=[],
                peak_memory_bytes=12_345_678,
                allocations=4321,
            ),
        ],
    )


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_round_trip(tmp_path: Path) -> None:
    """A saved run loads back equal to the original."""
    store = ResultsStore(tmp_path / "runs")
    run = make_run()
    path = store.save(run)
    assert store.load(path) == run
    assert run.version == RESULTS_FORMAT_VERSION


def test_file_is_named_by_utc_time_and_short_commit(tmp_path: Path) -> None:
    """The file name is the UTC timestamp and the 7-digit commit."""
    local = CREATED.astimezone(timezone(timedelta(hours=-5)))
    path = ResultsStore(tmp_path).save(make_run(created_at=local))
    assert path.name == "20250301T101500Z-1a2b3c4.json"


def test_saving_never_overwrites_a_different_file(tmp_path: Path) -> None:
    """A second, different run with the same name gets a new name; the first is kept."""
    store = ResultsStore(tmp_path)
    first = store.save(make_run(note="first"))
    before = first.read_bytes()
    second = store.save(make_run(note="second"))
    assert second != first
    assert re.fullmatch(r"20250301T101500Z-1a2b3c4-1\.json", second.name)
    assert first.read_bytes() == before
    assert store.save(make_run(note="first")) == first  # the same run: the existing file
    assert store.list() == [first, second]


def test_latest_is_the_newest_run(tmp_path: Path) -> None:
    """latest() loads the run with the newest timestamp."""
    store = ResultsStore(tmp_path)
    store.save(make_run(note="old"))
    store.save(make_run(created_at=CREATED + timedelta(days=1), note="new"))
    assert store.latest().settings["note"] == "new"


def test_latest_of_an_empty_store_is_a_results_error(tmp_path: Path) -> None:
    """An empty or missing directory has no latest run."""
    with pytest.raises(ResultsError, match="no results files"):
        ResultsStore(tmp_path / "missing").latest()


def test_unknown_version_is_refused(tmp_path: Path) -> None:
    """A file of an unknown format version is refused, naming file, version and remedy."""
    path = ResultsStore(tmp_path).save(make_run())
    document = json.loads(path.read_text())
    document["version"] = 99
    path.write_text(json.dumps(document))
    with pytest.raises(ResultsError) as raised:
        ResultsStore(tmp_path).load(path)
    message = str(raised.value)
    assert str(path) in message
    assert "version 99" in message
    assert "upgrade rota" in message


def test_truncated_file_is_a_one_line_results_error(tmp_path: Path) -> None:
    """A truncated file raises ResultsError naming the file, in one line."""
    path = ResultsStore(tmp_path).save(make_run())
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(ResultsError) as raised:
        ResultsStore(tmp_path).load(path)
    assert str(path) in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda d: d.pop("created_at"), "created_at: missing"),
        (lambda d: d.update(created_at="yesterday"), "created_at: not an ISO 8601 time"),
        (
            lambda d: d["benchmarks"][0].update(processes=[[0.5, "fast"]]),
            r"benchmarks\[0\]\.processes\[0\]",
        ),
        (lambda d: d["benchmarks"][0].update(size="large"), r"benchmarks\[0\]\.size"),
        (lambda d: d["benchmarks"][1].update(allocations=True), r"benchmarks\[1\]\.allocations"),
        (lambda d: d["benchmarks"][0]["summary"].pop("median"), r"summary\.median"),
        (lambda d: d["benchmarks"][0].update(processes=[[0.5]]), r"benchmarks\[0\].*rounds"),
        (lambda d: d.update(benchmarks={}), "benchmarks: expected a list"),
    ],
)
def test_schema_violations_name_the_field(tmp_path: Path, mutate: object, problem: str) -> None:
    """Missing keys and wrong types raise ResultsError naming the file and the field."""
    path = ResultsStore(tmp_path).save(make_run())
    document = json.loads(path.read_text())
    assert callable(mutate)
    mutate(document)
    path.write_text(json.dumps(document))
    with pytest.raises(ResultsError, match=problem) as raised:
        ResultsStore(tmp_path).load(path)
    assert str(path) in str(raised.value)


def test_nan_in_a_file_is_refused(tmp_path: Path) -> None:
    """NaN is not JSON; a file holding it is reported as corrupt."""
    path = ResultsStore(tmp_path).save(make_run())
    path.write_text(path.read_text().replace("0.51", "NaN"))
    with pytest.raises(ResultsError, match="NaN"):
        ResultsStore(tmp_path).load(path)


def test_missing_file_is_a_results_error(tmp_path: Path) -> None:
    """Loading a file that does not exist is a ResultsError, not a traceback."""
    with pytest.raises(ResultsError, match="no such results file"):
        ResultsStore(tmp_path).load(tmp_path / "nope.json")


def _fail(*args: object, **kwargs: object) -> None:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("failing", [["fsync"], ["link", "replace"]])
def test_interrupted_save_leaves_old_file_and_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: list[str]
) -> None:
    """A save failing mid-way leaves the earlier file intact and no temporary file."""
    store = ResultsStore(tmp_path)
    first = store.save(make_run(note="first"))
    before = first.read_bytes()
    for name in failing:
        monkeypatch.setattr(os, name, _fail)
    with pytest.raises(OSError, match="No space"):
        store.save(make_run(note="second"))
    monkeypatch.undo()
    assert files_in(tmp_path) == [first.name]
    assert first.read_bytes() == before


def test_interrupted_replace_keeps_the_old_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An overwriting atomic write that fails at the rename keeps the old file."""
    target = tmp_path / "baseline.json"
    atomic.write_atomic(target, b"old")
    monkeypatch.setattr(os, "replace", _fail)
    with pytest.raises(OSError, match="No space"):
        atomic.write_atomic(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert files_in(tmp_path) == ["baseline.json"]


def test_list_ignores_temporary_and_foreign_files(tmp_path: Path) -> None:
    """Temporary files of an interrupted write are never listed as results."""
    store = ResultsStore(tmp_path)
    saved = store.save(make_run())
    (tmp_path / f".{saved.name}.abcdef.tmp").write_text("{")
    (tmp_path / "notes.txt").write_text("hello")
    assert store.list() == [saved]


def test_a_version_1_file_reads_as_one_process_without_instructions(tmp_path: Path) -> None:
    """Version-1 files (flat samples) stay readable after the version-2 change."""
    document = json.loads(encode(make_run()))
    document["version"] = 1
    for item in document["benchmarks"]:
        flat = [s for process in item.pop("processes") for s in process]
        item["samples"] = flat
        item.pop("instructions")
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document))
    loaded = ResultsStore(tmp_path).load(path)
    assert loaded.version == RESULTS_FORMAT_VERSION
    assert loaded.benchmarks[0].processes == [[0.51, 0.5, 0.53]]
    assert loaded.benchmarks[1].processes == []
    assert all(b.instructions is None for b in loaded.benchmarks)


def test_samples_keep_their_process() -> None:
    """Samples of several processes stay grouped; the summary pools them."""
    result = BenchmarkResult.from_samples(
        name="solve[tiny]", phase="solve", tier="tiny", size=252, processes=[[1.0, 3.0], [2.0]]
    )
    assert result.samples == [1.0, 3.0, 2.0]
    assert result.process_medians == [2.0, 2.0]
    assert result.summary is not None
    assert result.summary.rounds == 3


def test_results_must_be_consistent() -> None:
    """A summary that does not match the samples, or a naive time, is a programming error."""
    result = make_run().benchmarks[0]
    with pytest.raises(ValueError, match="rounds"):
        BenchmarkResult(
            name=result.name,
            phase=result.phase,
            tier=result.tier,
            size=result.size,
            processes=[[1.0]],
            summary=result.summary,
        )
    with pytest.raises(ValueError, match="timezone"):
        RunResults(created_at=datetime(2025, 1, 1))  # naive on purpose


def test_latest_refuses_a_truncated_older_file_by_name(tmp_path: Path) -> None:
    """Issue 8 item 6: a corrupt file beside a good newest one is not skipped silently."""
    store = ResultsStore(tmp_path)
    old = store.save(make_run(created_at=CREATED))
    store.save(make_run(created_at=CREATED + timedelta(hours=1)))
    old.write_bytes(old.read_bytes()[: len(old.read_bytes()) // 2])
    with pytest.raises(ResultsError, match=re.escape(f"{old}: not valid JSON")) as info:
        store.latest()
    assert "restore or delete it" in str(info.value)
    assert "\n" not in str(info.value)


def test_load_all_names_the_first_bad_file_and_counts_the_others(tmp_path: Path) -> None:
    """Issue 8 item 6: every unreadable file is accounted for in the one-line refusal."""
    store = ResultsStore(tmp_path)
    store.save(make_run())
    (tmp_path / "20250101T000000Z-aaaaaaa.json").write_text("")
    (tmp_path / "20250102T000000Z-bbbbbbb.json").write_text('{"version": 99}')
    with pytest.raises(ResultsError) as info:
        store.load_all()
    message = str(info.value)
    assert message.startswith(f"{tmp_path / '20250101T000000Z-aaaaaaa.json'}: not valid JSON")
    assert "(and 1 more unreadable files)" in message


def test_load_all_reads_every_good_file_oldest_first(tmp_path: Path) -> None:
    """With no bad file, every run comes back, in order."""
    store = ResultsStore(tmp_path)
    for hours, note in ((1, "second"), (0, "first")):
        store.save(make_run(created_at=CREATED + timedelta(hours=hours), note=note))
    assert [r.settings["note"] for r in store.load_all()] == ["first", "second"]
