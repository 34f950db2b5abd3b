"""Callgrind client requests and profiles: no-ops natively, labelled totals under valgrind."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rota.perf import callgrind
from rota.perf.callgrind import CollectionSwitch
from rota.perf.callgrind_output import CallgrindFormatError, read_profile, read_profiles
from rota.perf.timing import AsyncRunner

NO_VALGRIND = shutil.which("valgrind") is None or callgrind.unavailable_reason() is not None


def test_client_requests_are_no_ops_outside_valgrind() -> None:
    """Outside valgrind every request returns quietly and nothing reports valgrind."""
    assert not callgrind.running_on_valgrind()
    callgrind.zero_stats()
    callgrind.start_instrumentation()
    callgrind.stop_instrumentation()
    callgrind.dump_stats_at("nothing[happens]")


def test_collection_switch_is_a_clock_that_switches_on_then_off() -> None:
    """Used as AsyncRunner's clock, the switch is on during the work only and reads 0."""
    switch = CollectionSwitch()
    seen: list[bool] = []

    async def work() -> int:
        seen.append(switch.on)
        return 7

    with AsyncRunner(timer=switch) as runner:
        switch.label = "work[test]"
        elapsed, value = runner.time(work)
    assert (elapsed, value, seen, switch.on) == (0.0, 7, [True], False)


def test_collection_switch_abort_stops_without_dumping() -> None:
    """A work that raises leaves the switch on until abort() turns it off."""
    switch = CollectionSwitch()

    async def broken() -> None:
        raise RuntimeError("boom")

    with AsyncRunner(timer=switch) as runner, pytest.raises(RuntimeError, match="boom"):
        runner.time(broken)
    assert switch.on
    switch.abort()
    assert not switch.on


def test_a_file_that_is_not_a_profile_is_refused(tmp_path: Path) -> None:
    """Reading a file that is not a callgrind profile names the file."""
    path = tmp_path / "callgrind.out.1"
    path.write_text("hello\n")
    with pytest.raises(CallgrindFormatError, match=r"callgrind\.out\.1: not a callgrind profile"):
        read_profile(path)


def test_a_profile_without_totals_falls_back_to_its_summary(tmp_path: Path) -> None:
    """Older profiles carry only a summary line; it is read as the totals."""
    path = tmp_path / "callgrind.out.2"
    path.write_text(
        "# callgrind format\nversion: 1\npid: 42\npart: 3\n"
        "desc: Trigger: Client Request: solve[tiny]#1\nevents: Ir Dr\n"
        "fn=(1) main\n0 5 2\nsummary: 120\n"
    )
    profile = read_profile(path)
    assert (profile.pid, profile.part, profile.label) == (42, 3, "solve[tiny]#1")
    assert profile.totals == {"Ir": 120, "Dr": 0}
    assert profile.instructions == 120


@pytest.mark.skipif(NO_VALGRIND, reason="valgrind or rota.perf._callgrind missing")
def test_profiles_of_a_real_callgrind_run_carry_labels_and_instructions(tmp_path: Path) -> None:
    """Two labelled dumps of a loop and of the same loop twice as long read back ~1:2."""
    script = textwrap.dedent(
        """
        from rota.perf import callgrind

        def loop(n):
            total = 0
            for i in range(n):
                total ^= i
            return total

        assert callgrind.running_on_valgrind()
        for label, n in (("loop[short]", 20_000), ("loop[long]", 40_000)):
            callgrind.zero_stats()
            callgrind.start_instrumentation()
            loop(n)
            callgrind.stop_instrumentation()
            callgrind.dump_stats_at(label)
        """
    )
    completed = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={tmp_path / 'callgrind.out.%p'}",
            sys.executable,
            "-c",
            script,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    files = sorted(tmp_path.glob("callgrind.out.*"))
    assert len(files) == 3  # two dumps and the (empty) one at program termination
    profiles = read_profiles(files)
    assert set(profiles) == {"loop[short]", "loop[long]"}
    short, long = profiles["loop[short]"].instructions, profiles["loop[long]"].instructions
    assert short > 100_000
    assert long / short == pytest.approx(2.0, rel=0.02)
