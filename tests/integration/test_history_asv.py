"""The asv history end to end: a throwaway repository's commits through `rota history`.

The throwaway repository holds this project's files in three commits: the first without
``rota.perf.workloads`` (a commit from before the API), then the API, then a trivial
change. asv makes its virtualenv once per dependency set in a cache outside the checkout
(``ROTA_ASV_TEST_ENV_DIR``, default ``~/.cache/rota/asv-test-env``); each commit's source is
installed by path, so a warm run takes well under a minute.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rota.cli import main
from rota.perf.history import load_history

ROOT = Path(__file__).resolve().parents[2]
MACHINE = "throwaway"
TIME_GENERATE = "timing.TimePhase.time_phase(tiny, generate)"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
]


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def asv_config(env_dir: Path) -> str:
    """The project's asv.conf.json with the environments in ``env_dir``."""
    from asv import util

    conf = util.load_json(str(ROOT / "asv.conf.json"), js_comments=True)
    conf["env_dir"] = str(env_dir)
    return json.dumps(conf, indent=2)


@pytest.fixture
def throwaway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A three-commit repository of this project: no API, the API, a trivial change."""
    repo = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "src", repo / "src", ignore=ignore)
    shutil.copytree(ROOT / "bench" / "asv_benchmarks", repo / "bench/asv_benchmarks", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, repo / name)
    env_dir = Path(
        os.environ.get("ROTA_ASV_TEST_ENV_DIR", Path.home() / ".cache/rota/asv-test-env")
    )
    (repo / "asv.conf.json").write_text(asv_config(env_dir))
    (repo / ".gitignore").write_text("results/\n")
    workloads = repo / "src/rota/perf/workloads.py"
    kept = workloads.read_text()
    workloads.unlink()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "before the workloads API")
    workloads.write_text(kept)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the workloads API")
    with (repo / "README.md").open("a") as readme:
        readme.write("\nA trivial change.\n")
    git(repo, "commit", "-q", "-am", "a trivial change")
    # asv records machine facts in ~/.asv-machine.json: keep the user's file untouched,
    # and pip's cache where it was.
    pip_cache = os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PIP_CACHE_DIR", pip_cache)
    return repo


def test_history_run_records_every_commit_and_guards_the_old_one(throwaway: Path) -> None:
    """`rota history run` records three commits: n/a before the API, exact counters after."""
    code = main(["history", "run", "ALL", "--root", str(throwaway), "--machine", MACHINE,
                 "--tiers", "tiny"])  # fmt: skip
    assert code == 0  # asv run exits 2 when a benchmark fails: the old commit was skipped
    history = load_history(throwaway / "asv.conf.json", MACHINE)
    assert len(history.commits) == 3
    assert history.commits[-1] == git(throwaway, "rev-parse", "HEAD")

    time_generate = history.series[TIME_GENERATE].values
    assert time_generate[0] is None  # the guard: n/a, not a failure
    assert all(v is not None and v > 0 for v in time_generate[1:])

    statements = history.series["counters.PhaseCounters.track_sql_statements(tiny, generate)"]
    assert statements.values[0] is None
    assert statements.values[1] == statements.values[2]
    assert statements.values[1] is not None
    assert statements.values[1] > 0
    violations = history.series["counters.Quality.track_violations(tiny)"].values
    assert violations[1:] == (0, 0)
    assert all(v is None for v in history.series["counters.Quality.track_objective(small)"].values)
    assert (throwaway / "results/plots/history.png").stat().st_size > 0

    assert main(["history", "check", "--root", str(throwaway), "--machine", MACHINE,
                 "--threshold", "100"]) == 0  # fmt: skip
