"""The instruction pass: instructions executed per benchmark, counted under callgrind.

Wall time on a shared machine moves by percents from run to run; the number of
instructions a benchmark executes does not care about load. This pass runs one child
process (:mod:`rota.perf.instructions_child`) under ``valgrind --tool=callgrind
--instr-atstart=no``: nothing is counted while it imports, seeds and prepares; around
each benchmark's work, and only there, the child switches counting on in every thread
(:mod:`rota.perf.callgrind`) and dumps one profile named after the benchmark id. The
pass reads each profile's total ``Ir`` (instructions executed) and returns
``{benchmark_id: instructions}``.

What is fixed so that the same commit gives the same count run after run, because each
of these changes the instructions executed:

- ``PYTHONHASHSEED=0``: string hashes decide the layout and probe sequences of dicts
  and sets;
- address-space layout randomisation off (``setarch <arch> -R``, when setarch works
  here): object addresses feed ``id()``-based hashes and so the same probe sequences;
- the child's whole environment (``PATH``, locale, ``TZ``, ``PYTHONPATH`` naming this
  very ``rota``, no user site-packages, no ``VALGRIND_OPTS``): nothing a shell set;
- the databases: SQLite files in a fresh directory under ``/tmp`` whose path always has
  the same length (SQLite and the drivers walk the path on every connection);
- the GIL's switch interval (no clock-driven hand-offs between threads) and valgrind's
  ``--fair-sched=yes`` (threads take turns in the order they asked);
- uncounted warm-up rounds, past CPython's quickening, and a garbage collection before
  each counted round (see the child's docstring).

What is not fixed: when aiosqlite's thread and the event loop hand work to each other
depends on the operating system's scheduling, and with it the order in which the two
threads allocate, hence object addresses, hence dict probe lengths and hits in
CPython's type attribute cache. Counts therefore move a little from process to
process, most on the tiny tier's database phases, least for pure computation on the
larger tiers; the README gives the measured spread. Each benchmark's count is the
median of a few counted rounds within the process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import rota
from rota.datasets.tiers import Tier, parse_tiers
from rota.errors import RotaError
from rota.perf import callgrind
from rota.perf.callgrind_output import CallgrindProfile, read_profiles
from rota.perf.instructions_child import BALLAST_ENV, split_label
from rota.perf.workloads import PHASES

__all__ = [
    "DEFAULT_ROUNDS",
    "WARMUP_ROUNDS",
    "InstructionsError",
    "child_command",
    "child_environment",
    "count_rounds",
    "instruction_pass",
    "main",
    "median_profile",
    "profile_file_name",
    "valgrind_available",
]

Progress = Callable[[str], None]  # told the benchmark id each time one is counted

DEFAULT_ROUNDS = 3
# Uncounted rounds before counting: CPython 3.11 quickens a function's code after 8
# calls (or loop iterations) and specialises its instructions as it goes; code that
# runs once per round must be past that, or the first counted rounds pay for it.
WARMUP_ROUNDS = 12
_FIXED_PATH = "/usr/local/bin:/usr/bin:/bin"
_LOG_TAIL = 25  # lines of the child's stderr and valgrind's log shown on failure


class InstructionsError(RotaError):
    """The instruction pass cannot run here, or its child process failed."""

    exit_code = 2


def valgrind_available() -> str | None:
    """``None`` when the instruction pass can run here, else the note saying why not.

    The note reads ``"instructions unavailable: ..."`` and names the fix.
    """
    if shutil.which("valgrind") is None:
        return (
            "instructions unavailable: valgrind is not on PATH (Debian: apt-get install valgrind)"
        )
    missing = callgrind.unavailable_reason()
    if missing is not None:
        return f"instructions unavailable: {missing}"
    return None


def instruction_pass(
    tiers: Sequence[Tier],
    phases: Sequence[str] = PHASES,
    *,
    db_url: str | None = None,
    out_dir: Path | str | None = None,
    rounds: int = DEFAULT_ROUNDS,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Count the instructions of every (tier, phase) benchmark in one callgrind run.

    Args:
        tiers: Tiers to open, in order; each is seeded and prepared without counting.
        phases: Phases to count on every tier (names from ``rota.perf.workloads.PHASES``).
        db_url: Database URL shared by every tier; ``None`` (the default, and the one
            the determinism figures hold for) gives each tier a fresh SQLite file.
        out_dir: Keep one callgrind profile per benchmark here (the median round's),
            named by :func:`profile_file_name` (``callgrind.out.solve-tiny``), for
            ``callgrind_annotate`` or KCachegrind; existing files of those names are
            replaced. ``None``: the profiles are deleted.
        rounds: Counted rounds per benchmark, each after its own reset; the result is
            their median, which damps the few instructions that thread hand-offs add.
        progress: Told each benchmark id as soon as it has been counted.

    Returns:
        Instructions executed per benchmark id (``"solve[tiny]"``), in counting order.
        With the test-only ``ROTA_INSTRUCTIONS_BALLAST`` hook set, ``ballast[N]`` first.

    Raises:
        InstructionsError: If valgrind or the client-request extension is missing, or
            the child process fails (its error output is in the message).
    """
    counts: dict[str, int] = {}
    keep_dir = None if out_dir is None else Path(out_dir)

    def keep_median(name: str, profiles: list[CallgrindProfile]) -> None:
        chosen = median_profile(profiles)
        counts[name] = chosen.instructions
        if keep_dir is not None:
            keep_dir.mkdir(parents=True, exist_ok=True)
            shutil.move(chosen.path, keep_dir / profile_file_name(name))

    _count_rounds(tiers, phases, db_url=db_url, rounds=rounds, progress=progress, keep=keep_median)
    return counts


def count_rounds(
    tiers: Sequence[Tier],
    phases: Sequence[str] = PHASES,
    *,
    db_url: str | None = None,
    rounds: int = DEFAULT_ROUNDS,
) -> dict[str, list[int]]:
    """Every counted round's instructions per benchmark id (for studying their spread)."""
    counts: dict[str, list[int]] = {}

    def keep_all(name: str, profiles: list[CallgrindProfile]) -> None:
        counts[name] = [p.instructions for p in profiles]

    _count_rounds(tiers, phases, db_url=db_url, rounds=rounds, progress=None, keep=keep_all)
    return counts


def median_profile(profiles: Sequence[CallgrindProfile]) -> CallgrindProfile:
    """The round whose count is the median (the lower one of an even number of rounds)."""
    ranked = sorted(profiles, key=lambda p: p.instructions)
    return ranked[(len(ranked) - 1) // 2]


def _count_rounds(
    tiers: Sequence[Tier],
    phases: Sequence[str],
    *,
    db_url: str | None,
    rounds: int,
    progress: Progress | None,
    keep: Callable[[str, list[CallgrindProfile]], None],
) -> None:
    reason = valgrind_available()
    if reason is not None:
        raise InstructionsError(reason)
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        raise InstructionsError(f"unknown phase {unknown[0]!r}: one of {', '.join(PHASES)}")
    if rounds < 1:
        raise InstructionsError(f"rounds must be at least 1, not {rounds}")
    scratch = Path(tempfile.mkdtemp(prefix="rota-instructions-", dir=_scratch_parent()))
    try:
        profiles_dir = scratch / "profiles"
        profiles_dir.mkdir()
        spec = {
            "tiers": [t.name for t in tiers],
            "phases": list(phases),
            "db_url": db_url,
            "scratch": str(scratch),
            "rounds": rounds,
            "warmup": WARMUP_ROUNDS,
        }
        command = child_command(spec, profiles_dir, scratch / "valgrind.log")
        _run_child(command, scratch, rounds, progress)
        by_name: dict[str, list[CallgrindProfile]] = {}
        for label, profile in read_profiles(profiles_dir.glob("callgrind.out.*")).items():
            by_name.setdefault(split_label(label)[0], []).append(profile)
        expected = [f"{phase}[{tier.name}]" for tier in tiers for phase in phases]
        missing = [name for name in expected if len(by_name.get(name, ())) != rounds]
        if missing:
            raise InstructionsError(f"instruction pass: no profile for {', '.join(missing)}")
        extra = [name for name in by_name if name not in expected]  # ballast[N]
        for name in [*extra, *expected]:
            keep(name, by_name[name])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def profile_file_name(benchmark_id: str) -> str:
    """The kept profile's file name: ``solve[tiny]`` -> ``callgrind.out.solve-tiny``."""
    stem = benchmark_id.replace("[", "-").replace("]", "")
    return "callgrind.out." + "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)


def child_command(spec: Mapping[str, object], profiles_dir: Path, log_file: Path) -> list[str]:
    """The command line of the counting child: setarch, valgrind, python, the child."""
    valgrind = shutil.which("valgrind") or "valgrind"
    return [
        *_no_aslr_prefix(),
        valgrind,
        "--tool=callgrind",
        "--instr-atstart=no",  # count nothing until the child switches instrumentation on
        "--fair-sched=yes",  # threads take valgrind's lock in the order they asked
        f"--callgrind-out-file={profiles_dir / 'callgrind.out.%p'}",
        f"--log-file={log_file}",
        sys.executable,
        "-m",
        "rota.perf.instructions_child",
        json.dumps(spec, sort_keys=True),
    ]


def child_environment() -> dict[str, str]:
    """The child's whole environment: fixed, whatever the caller's shell holds."""
    env = {
        "PATH": _FIXED_PATH,
        "LC_ALL": "C.UTF-8",
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "PYTHONHASHSEED": "0",
        "PYTHONNOUSERSITE": "1",
        # the rota this process runs, also when it is not the installed one
        "PYTHONPATH": str(Path(rota.__file__).resolve().parents[1]),
    }
    ballast = os.environ.get(BALLAST_ENV)
    if ballast:
        env[BALLAST_ENV] = ballast
    return env


def _run_child(command: list[str], scratch: Path, rounds: int, progress: Progress | None) -> None:
    stderr_path = scratch / "child.stderr"
    with (
        stderr_path.open("wb") as stderr,
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=child_environment(),
            cwd=scratch,
            text=True,
        ) as child,
    ):
        assert child.stdout is not None
        for line in child.stdout:
            name, round_ = split_label(line.strip())
            if progress is not None and name and round_ == rounds:
                progress(name)
        code = child.wait()
    if code != 0:
        details = [
            *_tail(stderr_path),
            *(f"valgrind: {line}" for line in _tail(scratch / "valgrind.log")),
        ]
        raise InstructionsError(
            f"the instruction pass failed (exit code {code}):\n" + "\n".join(details)
        )


def _tail(path: Path) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-_LOG_TAIL:]
    except FileNotFoundError:
        return []


def _no_aslr_prefix() -> list[str]:
    """``setarch <arch> -R`` when it works here (containers may forbid personality)."""
    setarch = shutil.which("setarch")
    if setarch is None:
        return []
    prefix = [setarch, platform.machine(), "-R"]
    try:
        subprocess.run([*prefix, "true"], check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return []
    return prefix


def _scratch_parent() -> str:
    # Always /tmp when there is one, so the databases' paths have the same length
    # whatever TMPDIR says; the directory's own name has a fixed length too.
    return "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()


def main(argv: Sequence[str] | None = None) -> int:
    """Count instructions per benchmark and print them (``python -m rota.perf.instructions``)."""
    parser = argparse.ArgumentParser(
        prog="python -m rota.perf.instructions",
        description="Instructions executed per benchmark, counted under callgrind.",
    )
    parser.add_argument("--tiers", default="tiny", help="comma list of tiers, or all")
    parser.add_argument("--phases", default=",".join(PHASES), help="comma list of phases")
    parser.add_argument("--db", default=None, help="database URL (default: SQLite files)")
    parser.add_argument("--out-dir", type=Path, default=None, help="keep the profiles here")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        counts = instruction_pass(
            parse_tiers(args.tiers),
            [p.strip() for p in args.phases.split(",") if p.strip()],
            db_url=args.db,
            out_dir=args.out_dir,
            rounds=args.rounds,
        )
    except RotaError as error:
        print(error, file=sys.stderr)
        return error.exit_code
    if args.json:
        print(json.dumps(counts))
    else:
        for name, count in counts.items():
            print(f"{name:20} {count:>15,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
