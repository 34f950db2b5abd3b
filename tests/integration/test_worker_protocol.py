"""Benchmark workers: real worker processes speaking the JSON-lines protocol on a tiny tier.

Every worker here runs in a temporary directory of the test (its working directory and
``TMPDIR``), on SQLite files under ``tmp_path``; the parent's own scratch files (the log
of a failed worker) go there too.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from rota.perf.runner import (
    WORKER_FILE,
    Databases,
    SourceTree,
    WorkerApiError,
    WorkerFailed,
    WorkerProcess,
)
from rota.perf.suite import ALLOWED_THREADS
from rota.perf.workloads import PHASES

TIER = "tiny"


def _isolate_temp(monkeypatch: pytest.MonkeyPatch, directory: Path) -> Path:
    """Point this process's and its workers' temporary files (and cwd) at ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    monkeypatch.setenv("TMPDIR", str(directory))
    return directory


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's directory for temporary files, the workers' working directory."""
    return _isolate_temp(monkeypatch, tmp_path / "tmp")


@pytest.fixture(scope="module")
def tiny_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WorkerProcess, Path]]:
    """One started worker with the tiny tier open, shared by the tests that only ask."""
    root = tmp_path_factory.mktemp("tiny-worker")
    with pytest.MonkeyPatch.context() as monkeypatch:
        temp = _isolate_temp(monkeypatch, root / "tmp")
        with WorkerProcess(SourceTree.installed()) as worker:
            worker.open(TIER, f"sqlite:///{root / 'tiny.db'}")
            yield worker, temp


def _datasets(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as conn:
        (count,) = conn.execute("SELECT count(*) FROM datasets").fetchone()
    return int(count)


def _has_marker(database: Path) -> bool:
    query = "SELECT count(*) FROM sqlite_master WHERE name = 'copied_from_template'"
    with contextlib.closing(sqlite3.connect(database)) as conn:
        (count,) = conn.execute(query).fetchone()
    return int(count) == 1


def test_ready_open_time_count_and_memory_round_trip(
    tiny_worker: tuple[WorkerProcess, Path], tmp_path: Path
) -> None:
    """A worker says ready with the tree's phases, then times, counts and measures memory."""
    worker, temp = tiny_worker
    assert worker.pid > 0
    assert worker.pid != os.getpid()
    assert worker.phases == PHASES

    timed = worker.time(f"load[{TIER}]", rounds=3, warmup=1)
    assert len(timed.samples) == 3
    assert all(sample > 0 for sample in timed.samples)

    solve = worker.count(f"solve[{TIER}]")
    load = worker.count(f"load[{TIER}]")
    assert solve["sql_statements"] == 0
    assert solve["violations"] == 0
    assert solve["resident_sessions"] == 252
    assert load["sql_statements"] > 0

    capture = tmp_path / "generate.bin"
    peak, allocations = worker.memory(f"generate[{TIER}]", capture=capture)
    assert peak > 0
    assert allocations > 0
    assert capture.exists()
    worker.memory(f"solve[{TIER}]")  # no capture asked: the worker keeps none
    assert list(temp.iterdir()) == []


def test_a_round_runs_no_thread_but_the_loops_and_the_drivers(
    tiny_worker: tuple[WorkerProcess, Path],
) -> None:
    """Threads seen around every phase's timed rounds are the main loop's and the driver's."""
    worker, _ = tiny_worker
    seen: set[str] = set()
    for phase in PHASES:
        seen.update(worker.time(f"{phase}[{TIER}]", rounds=2, warmup=0).threads)
    assert seen <= ALLOWED_THREADS
    assert {"main", "sqlite-driver"} <= seen  # the driver's thread is seen, so classified


def test_an_unknown_phase_is_an_api_error(tiny_worker: tuple[WorkerProcess, Path]) -> None:
    """Asking for a phase the tree lacks raises WorkerApiError naming it; the worker goes on."""
    worker, _ = tiny_worker
    with pytest.raises(WorkerApiError, match=r"teleport\[tiny\].*'teleport'"):
        worker.time(f"teleport[{TIER}]", rounds=1)
    assert len(worker.time(f"solve[{TIER}]", rounds=1).samples) == 1


def test_a_bad_request_is_refused_and_the_worker_goes_on(
    tiny_worker: tuple[WorkerProcess, Path],
) -> None:
    """An unknown op raises WorkerFailed (not an API error) and the next request works."""
    worker, _ = tiny_worker
    with pytest.raises(WorkerFailed, match="unknown op 'fly'") as refused:
        worker.request({"op": "fly"})
    assert not isinstance(refused.value, WorkerApiError)
    assert worker.count(f"solve[{TIER}]")["sql_statements"] == 0


def test_bad_requests_get_one_line_usage_errors(temp_dir: Path, tmp_path: Path) -> None:
    """On the wire, every malformed request gets ``kind: usage`` and blank lines get nothing."""
    tree = SourceTree.installed()
    requests = [
        "this is not json",
        "[1, 2]",
        "",
        json.dumps({"op": "fly"}),
        json.dumps({"op": "time", "rounds": 1}),
        json.dumps({"op": "time", "benchmark": f"solve[{TIER}]", "rounds": 1}),
        json.dumps({"op": "open", "tier": "galactic", "db": f"sqlite:///{tmp_path / 'x.db'}"}),
        json.dumps({"op": "open", "tier": TIER, "db": 42}),
        json.dumps({"op": "quit"}),
    ]
    completed = subprocess.run(
        [sys.executable, "-P", str(WORKER_FILE)],
        input="\n".join(requests) + "\n",
        env={**os.environ, "PYTHONPATH": str(tree.path)},
        cwd=temp_dir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    ready, *answers = [json.loads(line) for line in completed.stdout.splitlines()]
    assert ready["ok"] is True
    assert ready["event"] == "ready"
    assert len(answers) == 7  # one per request but the blank line and quit
    for answer in answers:
        assert answer["ok"] is False
        assert answer["kind"] == "usage", answer
        assert "\n" not in answer["error"]
    assert not (tmp_path / "x.db").exists()


def test_workers_of_one_tier_share_a_template(temp_dir: Path, tmp_path: Path) -> None:
    """The first worker writes the tier's template; the second copies it and seeds nothing."""
    tree = SourceTree.installed()
    databases = Databases(tmp_path / "scratch")
    first_url, template = databases.for_worker(tree, TIER)
    assert template is not None
    with WorkerProcess(tree) as first:
        first.open(TIER, first_url, template=template)
    template_file = Path(template)
    assert template_file.exists()
    with contextlib.closing(sqlite3.connect(template_file)) as conn:
        conn.execute("CREATE TABLE copied_from_template (x INTEGER)")
        conn.commit()

    second_url, second_template = databases.for_worker(tree, TIER)
    assert second_template == template
    assert second_url != first_url
    with WorkerProcess(tree) as second:
        second.open(TIER, second_url, template=second_template)
        assert second.count(f"solve[{TIER}]")["violations"] == 0
    second_db = tmp_path / "scratch" / tree.key / f"w2-{TIER}.db"
    assert f"sqlite:///{second_db}" == second_url
    assert _has_marker(second_db)  # a copy of the template, not a fresh seeding
    assert _datasets(second_db) == 1
    databases.release(second_url)
    assert not second_db.exists()


def test_a_tree_without_the_workloads_api_fails_in_one_clear_line(
    temp_dir: Path, tmp_path: Path
) -> None:
    """A source tree whose rota lacks the workloads API raises WorkerApiError at start."""
    package = tmp_path / "old-tree" / "rota"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""A rota from before the workloads API."""\n')
    worker = WorkerProcess(SourceTree(package.parent, "base"))
    with pytest.raises(WorkerApiError) as failed:
        worker.start()
    message = str(failed.value)
    assert "\n" not in message
    assert message.startswith("base: ")
    assert "no workloads API" in message
    assert failed.value.exit_code == 3


def test_a_killed_worker_raises_worker_failed_with_its_exit_status(temp_dir: Path) -> None:
    """A worker killed between requests makes the next request fail naming its status."""
    with WorkerProcess(SourceTree.installed()) as worker:
        worker.open(TIER, f"sqlite:///{temp_dir.parent / 'killed.db'}")
        os.kill(worker.pid, signal.SIGKILL)
        with pytest.raises(WorkerFailed, match=r"^head: worker exited with status -9"):
            worker.time(f"solve[{TIER}]", rounds=1)


def test_a_dead_worker_leaves_no_pipe_open(temp_dir: Path) -> None:
    """After a worker dies and the request fails, every pipe to it is closed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        worker = WorkerProcess(SourceTree.installed()).start()
        os.kill(worker.pid, signal.SIGKILL)
        with pytest.raises(WorkerFailed):
            worker.request({"op": "fly"})
        del worker
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []


NOISY_INIT = '''\
"""rota, but its import writes to stdout twice: through print and straight to fd 1."""
import os

print("noise from print() at import")
os.write(1, b"noise on file descriptor 1 at import\\n")
__path__.append({real!r})
'''


def test_stdout_noise_from_the_code_under_test_cannot_break_the_protocol(
    temp_dir: Path, tmp_path: Path
) -> None:
    """A tree whose import prints to stdout still gets a clean ready, open and round."""
    real = SourceTree.installed().path / "rota"
    package = tmp_path / "noisy-tree" / "rota"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(NOISY_INIT.format(real=str(real)))
    with WorkerProcess(SourceTree(package.parent, "noisy")) as worker:
        assert worker.phases == PHASES
        worker.open(TIER, f"sqlite:///{tmp_path / 'noisy.db'}")
        assert len(worker.time(f"solve[{TIER}]", rounds=1).samples) == 1
