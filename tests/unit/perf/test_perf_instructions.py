"""The instruction pass's driver: availability notes, its child, names and environment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rota.datasets.tiers import get_tier, parse_tiers
from rota.perf import instructions_child
from rota.perf.callgrind_output import CallgrindProfile
from rota.perf.instructions import (
    InstructionsError,
    child_command,
    child_environment,
    instruction_pass,
    median_profile,
    profile_file_name,
    valgrind_available,
)
from rota.perf.instructions import (
    main as instructions_main,
)
from rota.perf.instructions_child import parse_ballast, round_label, split_label


def test_valgrind_missing_from_path_gives_a_clear_note(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without valgrind on PATH the note says so and how to install it."""
    monkeypatch.setenv("PATH", str(tmp_path))
    note = valgrind_available()
    assert note == (
        "instructions unavailable: valgrind is not on PATH (Debian: apt-get install valgrind)"
    )


def test_instruction_pass_without_valgrind_raises_the_note(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The pass refuses to start without valgrind, with the same note, exit code 2."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InstructionsError, match=r"^instructions unavailable: valgrind") as info:
        instruction_pass([get_tier("tiny")], ["solve"])
    assert info.value.exit_code == 2


def test_unbuilt_extension_gives_a_clear_note(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the client-request extension the note names it and the fix."""
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(
        "rota.perf.callgrind.unavailable_reason", lambda: "rota's callgrind extension ..."
    )
    assert valgrind_available() == "instructions unavailable: rota's callgrind extension ..."


def test_profile_file_names_are_shell_friendly() -> None:
    """Benchmark ids become file names without brackets."""
    assert profile_file_name("solve[tiny]") == "callgrind.out.solve-tiny"
    assert profile_file_name("ballast[1200]") == "callgrind.out.ballast-1200"


def test_round_labels_round_trip() -> None:
    """A round's label splits back into the benchmark id and the round."""
    assert split_label(round_label("solve[tiny]", 3)) == ("solve[tiny]", 3)
    assert split_label("solve[tiny]") == ("solve[tiny]", 1)


def test_the_median_round_is_kept() -> None:
    """Of three rounds the middle count wins; of two, the lower."""

    def profile(count: int) -> CallgrindProfile:
        return CallgrindProfile(Path(str(count)), 1, 1, "", {"Ir": count})

    assert median_profile([profile(9), profile(5), profile(7)]).instructions == 7
    assert median_profile([profile(9), profile(5)]).instructions == 5


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("solve:1200", ("solve", 1200)), ("none:0", ("none", 0))],
)
def test_ballast_setting_parses(value: str | None, expected: tuple[str, int] | None) -> None:
    """The test-only ballast hook reads PHASE:N."""
    assert parse_ballast(value) == expected


@pytest.mark.parametrize("value", ["solve", "solve:", ":5", "solve:-1", "solve:x"])
def test_malformed_ballast_setting_is_refused(value: str) -> None:
    """A malformed ballast setting names the variable and the expected form."""
    with pytest.raises(ValueError, match="ROTA_INSTRUCTIONS_BALLAST"):
        parse_ballast(value)


def test_child_environment_is_fixed_whatever_the_shell_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only the pass's own variables reach the child, plus the ballast hook when set."""
    monkeypatch.setenv("VALGRIND_OPTS", "--tool=memcheck")
    monkeypatch.setenv("PYTHONHASHSEED", "random")
    monkeypatch.delenv(instructions_child.BALLAST_ENV, raising=False)
    env = child_environment()
    assert env["PYTHONHASHSEED"] == "0"
    assert "VALGRIND_OPTS" not in env
    assert instructions_child.BALLAST_ENV not in env
    monkeypatch.setenv(instructions_child.BALLAST_ENV, "solve:10")
    assert child_environment()[instructions_child.BALLAST_ENV] == "solve:10"


def test_child_command_counts_nothing_until_asked(tmp_path: Path) -> None:
    """The child runs under callgrind with instrumentation off at start."""
    command = child_command({"tiers": ["tiny"]}, tmp_path, tmp_path / "log")
    valgrind_at = next(i for i, arg in enumerate(command) if arg.endswith("valgrind"))
    assert command[valgrind_at + 1 : valgrind_at + 3] == ["--tool=callgrind", "--instr-atstart=no"]
    assert command[-3:-1] == ["-m", "rota.perf.instructions_child"]
    assert json.loads(command[-1]) == {"tiers": ["tiny"]}


def test_child_runs_natively_and_names_every_round(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside valgrind the child still runs each benchmark's rounds, ballast first."""
    monkeypatch.setenv(instructions_child.BALLAST_ENV, "solve:100")
    interval = sys.getswitchinterval()
    spec: dict[str, object] = {"tiers": ["tiny"], "phases": ["load", "solve"], "db_url": None}
    spec |= {"scratch": str(tmp_path), "rounds": 2}
    assert instructions_child.main([json.dumps(spec)]) == 0
    assert sys.getswitchinterval() == interval  # restored for the rest of the process
    printed = capsys.readouterr().out.split()
    assert printed == [
        "ballast[100]#1",
        "ballast[100]#2",
        "load[tiny]#1",
        "load[tiny]#2",
        "solve[tiny]#1",
        "solve[tiny]#2",
    ]
    assert (tmp_path / "tiny.db").exists()


def test_command_line_without_valgrind_prints_the_note_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m rota.perf.instructions`` names what is missing and exits with 2."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert instructions_main(["--tiers", "tiny"]) == 2
    assert capsys.readouterr().err.startswith("instructions unavailable: valgrind is not on PATH")


def test_bench_counts_tiers_up_to_small_by_default_every_tier_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``rota bench``: the default counts tiny and small; --instructions all; --no none."""
    from rota.cli.bench import instruction_tiers

    monkeypatch.setattr("rota.perf.instructions.valgrind_available", lambda: None)
    tiers = parse_tiers("tiny,small,medium,large")
    assert instruction_tiers(tiers, None) == (("tiny", "small"), None)
    assert instruction_tiers(tiers, True) == (("tiny", "small", "medium", "large"), None)
    assert instruction_tiers(tiers, False) == ((), None)


def test_bench_without_valgrind_notes_it_or_refuses_when_asked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No valgrind: the default run goes on with a note; --instructions is a usage error."""
    from rota.cli.bench import instruction_tiers
    from rota.errors import UsageError

    monkeypatch.setenv("PATH", str(tmp_path))
    tiers = parse_tiers("tiny")
    counted, note = instruction_tiers(tiers, None)
    assert counted == ()
    assert note is not None
    assert note.startswith("instructions unavailable: valgrind is not on PATH")
    assert note.endswith("; the suite runs without instruction counts")
    with pytest.raises(UsageError, match=r"^--instructions: instructions unavailable: valgrind"):
        instruction_tiers(tiers, True)
    assert instruction_tiers(tiers, False) == ((), None)
