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
- the threads: aiosqlite's requests run in the main thread
  (:mod:`rota.perf.inline_sqlite`). With its own thread, the moments at which the two
  threads take turns under valgrind are the kernel's, and with them the loop's polls,
  the GIL's paths and the order of allocations: the same commit moved by up to 0.4%
  between processes here and 2.8% on the CI machine. The GIL's switch interval is long
  (no clock-driven hand-offs) for any thread that remains;
- the bytecode: the pass compiles the counted tree's modules first (``compileall``), so
  every child loads them from the cache; a child that compiled rota's modules itself
  (the first run after a checkout or an edit) counted 2.3% less (load, tiny) and 1.8%
  less (load, medium) than the next ones, its heap laid out around the compiler's garbage;
- uncounted warm-up rounds, past CPython's quickening, and a garbage collection before
  each counted round (see the child's docstring).

Measured with all of that: five processes of the same commit on tiny and on small (and
the four of five on medium that loaded cached bytecode) give the same count for every
benchmark within 0.01%, most exactly (the README has the table). What is left moves at
most some 130 instructions in seed and persist, whose rows hold the clock's time. Each
benchmark's count is the median of a few counted rounds within the process.
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
from typing import Any

import rota
from rota.datasets.tiers import Tier, parse_tiers
from rota.errors import RotaError
from rota.perf import callgrind
from rota.perf.callgrind_output import CallgrindProfile, read_profiles
from rota.perf.instructions_child import BALLAST_ENV, LAYOUT_ENV, split_label
from rota.perf.workloads import PHASES

__all__ = [
    "DEFAULT_ROUNDS",
    "METHOD",
    "WARMUP_ROUNDS",
    "InstructionsError",
    "child_command",
    "child_environment",
    "compile_tree",
    "count_rounds",
    "instruction_pass",
    "instructions_environment",
    "main",
    "median_profile",
    "profile_file_name",
    "valgrind_available",
    "warmup_rounds",
]

Progress = Callable[[str], None]  # told the benchmark id each time one is counted

DEFAULT_ROUNDS = 3
# Uncounted rounds before counting: CPython 3.11 quickens a function's code after 8
# calls (or loop iterations) and specialises its instructions as it goes; code that
# runs once per round must be past that, or the first counted rounds pay for it. On
# the tiny tier that code is a visible share of a round; from medium up it is a few
# thousand instructions in hundreds of millions, and a round under callgrind costs
# tens of seconds, so fewer warm-up rounds do.
WARMUP_ROUNDS = {"tiny": 12, "small": 4}
WARMUP_ROUNDS_LARGER = 2


def warmup_rounds(tier: str) -> int:
    """Uncounted rounds before a tier's counted rounds."""
    return WARMUP_ROUNDS.get(tier, WARMUP_ROUNDS_LARGER)


_FIXED_PATH = "/usr/local/bin:/usr/bin:/bin"
_LOG_TAIL = 25  # lines of the child's stderr and valgrind's log shown on failure


class InstructionsError(RotaError):
    """The instruction pass cannot run here, or its child process failed."""

    exit_code = 2


#: Names how the counts are made; counts made another way are not compared with these.
#: 1: aiosqlite's own thread counted; 2: its requests run inline (rota.perf.inline_sqlite).
METHOD = "callgrind Ir around the work, aiosqlite inline, median of counted rounds (2)"


def instructions_environment() -> dict[str, Any]:
    """What an instruction count depends on besides rota, Python and the packages.

    The method, valgrind's version and the CPU (glibc picks its string and memory
    routines by the CPU's features, and valgrind reports some of them). Counts are
    compared only between results whose environments are equal.
    """
    try:
        version = subprocess.run(
            ["valgrind", "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        version = None
    return {"method": METHOD, "valgrind": version, "cpu": _cpu_model()}


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or None


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
    source: Path | None = None,
    sqlite_thread: bool = False,
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
        source: The directory holding the ``rota`` package to count (a checkout's
            ``src``); ``None``: the rota this process runs. Its ``rota.perf`` must hold
            the built ``_callgrind`` extension.
        sqlite_thread: Keep aiosqlite's thread (for studying its effect); by default its
            requests run in the main thread (:mod:`rota.perf.inline_sqlite` says why).

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

    _count_rounds(
        tiers,
        phases,
        db_url=db_url,
        rounds=rounds,
        progress=progress,
        keep=keep_median,
        source=source,
        sqlite_thread=sqlite_thread,
    )
    return counts


def count_rounds(
    tiers: Sequence[Tier],
    phases: Sequence[str] = PHASES,
    *,
    db_url: str | None = None,
    rounds: int = DEFAULT_ROUNDS,
    sqlite_thread: bool = False,
) -> dict[str, list[int]]:
    """Every counted round's instructions per benchmark id (for studying their spread)."""
    counts: dict[str, list[int]] = {}

    def keep_all(name: str, profiles: list[CallgrindProfile]) -> None:
        counts[name] = [p.instructions for p in profiles]

    _count_rounds(
        tiers,
        phases,
        db_url=db_url,
        rounds=rounds,
        progress=None,
        keep=keep_all,
        source=None,
        sqlite_thread=sqlite_thread,
    )
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
    source: Path | None,
    sqlite_thread: bool,
) -> None:
    reason = valgrind_available()
    if reason is not None:
        raise InstructionsError(reason)
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        raise InstructionsError(f"unknown phase {unknown[0]!r}: one of {', '.join(PHASES)}")
    if rounds < 1:
        raise InstructionsError(f"rounds must be at least 1, not {rounds}")
    compile_tree(source)
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
            "warmup": {t.name: warmup_rounds(t.name) for t in tiers},
            "sqlite_thread": sqlite_thread,
        }
        command = child_command(spec, profiles_dir, scratch / "valgrind.log")
        _run_child(command, scratch, rounds, progress, source)
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


def compile_tree(source: Path | None) -> None:
    """Write the bytecode cache of every module of the ``rota`` package to count.

    A module compiled in the counted process leaves the compiler's garbage on its heap
    and shifts what follows; one loaded from the cache does not. Compiling first makes
    every child load from the cache. A tree that cannot be written to is left alone:
    then every child compiles alike, which is deterministic too.
    """
    import compileall

    package = (source / "rota") if source is not None else Path(rota.__file__).parent
    compileall.compile_dir(package, quiet=2, workers=1)


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


def child_environment(source: Path | None = None) -> dict[str, str]:
    """The child's whole environment: fixed, whatever the caller's shell holds.

    ``source`` is the directory holding the ``rota`` to count (default: this one).
    """
    env = {
        "PATH": _FIXED_PATH,
        "LC_ALL": "C.UTF-8",
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "PYTHONHASHSEED": "0",
        "PYTHONNOUSERSITE": "1",
        # the rota this process runs, also when it is not the installed one
        "PYTHONPATH": str(source or Path(rota.__file__).resolve().parents[1]),
    }
    for hook in (BALLAST_ENV, LAYOUT_ENV):  # test hooks, see rota.perf.instructions_child
        value = os.environ.get(hook)
        if value:
            env[hook] = value
    return env


def _run_child(
    command: list[str],
    scratch: Path,
    rounds: int,
    progress: Progress | None,
    source: Path | None,
) -> None:
    stderr_path = scratch / "child.stderr"
    with (
        stderr_path.open("wb") as stderr,
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=child_environment(source),
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
    parser.add_argument(
        "--sqlite-thread",
        action="store_true",
        help="keep aiosqlite's thread (counts then vary between processes)",
    )
    args = parser.parse_args(argv)
    try:
        counts = instruction_pass(
            parse_tiers(args.tiers),
            [p.strip() for p in args.phases.split(",") if p.strip()],
            db_url=args.db,
            out_dir=args.out_dir,
            rounds=args.rounds,
            sqlite_thread=args.sqlite_thread,
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
