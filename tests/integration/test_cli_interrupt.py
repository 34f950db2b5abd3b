"""Ctrl-C during start-up says ``rota: interrupted`` and exits 130 (issue 8, item 4).

A real process gets a real SIGINT while it is still importing: a ``sitecustomize`` on
PYTHONPATH stalls the import of one module (writing a marker file first), the test waits
for the marker and interrupts. No timing guesses: the signal lands inside that import.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# What pip's console-script wrapper for ``rota`` runs, and ``python -m rota``.
LAUNCHERS = {
    "console script": [
        sys.executable,
        "-c",
        "import re, sys\nfrom rota.__main__ import main\nsys.exit(main())",
    ],
    "python -m rota": [sys.executable, "-m", "rota"],
    "installed rota": [str(Path(sys.executable).with_name("rota"))],
}

STALL = '''
import os, sys, time
from pathlib import Path


class Stall:
    """Stalls the first import of $ROTA_TEST_STALL (after writing the marker file)."""

    def find_spec(self, name, path=None, target=None):
        if name == os.environ["ROTA_TEST_STALL"]:
            sys.meta_path.remove(self)
            # The marker appears whole (renamed into place) just before the sleep, so the
            # SIGINT cannot land inside the write on a loaded machine.
            mark = Path(os.environ["ROTA_TEST_STALL_MARK"])
            mark.with_suffix(".tmp").write_text(name)
            os.replace(mark.with_suffix(".tmp"), mark)
            time.sleep(120)  # the SIGINT ends this
        return None


sys.meta_path.insert(0, Stall())
'''


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_while_importing(
    launcher: list[str], module: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """Run ``rota runs`` until it imports ``module``, send SIGINT there, and collect it."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(STALL)
    mark = tmp_path / "importing"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")])),
        "ROTA_TEST_STALL": module,
        "ROTA_TEST_STALL_MARK": str(mark),
    }
    argv = [*launcher, "runs", "--db", f"sqlite:///{tmp_path / 'absent.db'}"]
    proc = subprocess.Popen(
        argv,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell starts background jobs with SIGINT ignored, and children inherit that
        # (then Python installs no KeyboardInterrupt handler): give rota the default.
        preexec_fn=_default_sigint,
    )
    # A guard against a hang, not a timing assertion: the marker normally shows in ~1 s.
    deadline = time.monotonic() + 120
    while not mark.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if not mark.exists():
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"{module} was never imported (exit {proc.returncode}): {err}")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


@pytest.mark.parametrize("launcher", list(LAUNCHERS))
@pytest.mark.parametrize("module", ["argparse", "rich", "sqlalchemy"])
def test_ctrl_c_while_importing_is_one_line_and_exit_130(
    launcher: str, module: str, tmp_path: Path
) -> None:
    """Issue 8 item 4: an interrupt during start-up is reported like one during the work."""
    if launcher == "installed rota":
        script = Path(LAUNCHERS[launcher][0])
        if not script.is_file() or "rota.__main__" not in script.read_text():
            pytest.skip(f"{script} is missing or stale: pip install -e . to regenerate it")
    done = interrupt_while_importing(LAUNCHERS[launcher], module, tmp_path)
    assert (done.returncode, done.stderr, done.stdout) == (130, "rota: interrupted\n", "")


def test_the_console_script_starts_through_the_interrupt_safe_entry() -> None:
    """Issue 8 item 4: ``rota`` runs ``rota.__main__:main``, which catches Ctrl-C in imports."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["rota"] == "rota.__main__:main"


def test_ctrl_c_during_the_command_is_the_same_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An interrupt once the command runs gives the same line and status (the reference)."""
    from rota.__main__ import main

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("rota.cli.runs.run", interrupted)
    monkeypatch.setattr(sys, "argv", ["rota", "runs", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert main() == 130
    assert capsys.readouterr().err == "rota: interrupted\n"
