"""Machine and git context is complete, stable, and never crashes outside a checkout."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rota.perf.machine import KEY_PACKAGES, git_info, machine_info

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def test_machine_info_describes_this_machine() -> None:
    """machine_info has a stable id, pytest-benchmark's facts, memory and package versions."""
    info = machine_info()
    assert re.fullmatch(r"[0-9a-f]{12}", info["machine_id"])
    assert machine_info()["machine_id"] == info["machine_id"]
    assert info["cpu"]["count"] >= 1  # py-cpuinfo, through pytest-benchmark
    assert info["usable_cores"] >= 1
    assert info["memory_bytes"] > 0
    assert info["python_implementation"]
    assert set(info["packages"]) == set(KEY_PACKAGES)
    assert info["packages"]["sqlalchemy"]
    json.dumps(info)  # ready for a results file


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        check=True,
        capture_output=True,
    )


@needs_git
def test_git_info_outside_a_checkout_is_all_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside a git checkout every field is None, and nothing raises."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert git_info(tmp_path) == {"commit": None, "branch": None, "dirty": None}


def test_git_info_without_git_is_all_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a git executable every field is None."""
    monkeypatch.setenv("PATH", "")
    assert git_info(".") == {"commit": None, "branch": None, "dirty": None}


@needs_git
def test_git_info_reports_commit_branch_and_dirtiness(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a scratch repository: full commit, branch, clean, then dirty after an edit."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "--quiet", "--initial-branch=trunk")
    (repo / "file.txt").write_text("one\n")
    _git(repo, "add", "file.txt")
    _git(repo, "commit", "--quiet", "-m", "first")
    info = git_info(repo)
    assert isinstance(info["commit"], str)
    assert re.fullmatch(r"[0-9a-f]{40}", info["commit"])
    assert (info["branch"], info["dirty"]) == ("trunk", False)
    (repo / "untracked.json").write_text("{}")
    assert git_info(repo)["dirty"] is False  # fresh results files do not make it dirty
    (repo / "file.txt").write_text("two\n")
    assert git_info(repo)["dirty"] is True


@needs_git
def test_generated_outputs_under_results_do_not_make_a_checkout_dirty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rewritten figure under results/ (issue 8, item 7) leaves the dirty flag false."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    repo = tmp_path / "repo"
    (repo / "results" / "plots").mkdir(parents=True)
    (repo / "results" / "plots" / "scaling.png").write_bytes(b"old")
    (repo / "code.py").write_text("x = 1\n")
    _git(repo, "init", "--quiet")
    _git(repo, "add", ".")
    _git(repo, "commit", "--quiet", "-m", "first")
    (repo / "results" / "plots" / "scaling.png").write_bytes(b"new")
    assert git_info(repo)["dirty"] is False
    assert git_info(repo / "results")["dirty"] is False
    (repo / "code.py").write_text("x = 2\n")
    assert git_info(repo)["dirty"] is True
