"""The gate's thresholds: `[tool.rota.gate]` parsed, validated and looked up as documented."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rota.cli import main
from rota.errors import UsageError
from rota.perf.gate_config import (
    DEFAULT_THRESHOLDS,
    Acceptance,
    GateConfig,
    Override,
    load_gate_config,
    parse_gate_config,
)

SOURCE = "pyproject.toml [tool.rota.gate]"


@dataclass(frozen=True)
class BadConfig:
    name: str
    table: dict[str, Any]
    says: str  # a phrase the error must hold: the key, and what is wrong with it


BAD_CONFIGS = [
    BadConfig("unknown top key", {"alhpa": 0.05}, "unknown key 'alhpa'"),
    BadConfig("thresholds not a table", {"thresholds": 0.05}, "'thresholds' must be a table"),
    BadConfig(
        "unknown metric in thresholds", {"thresholds": {"latency": 0.1}}, "unknown metric 'latency'"
    ),
    BadConfig(
        "negative threshold", {"thresholds": {"time": -0.01}}, "thresholds.time: must not be neg"
    ),
    BadConfig(
        "threshold not a number", {"thresholds": {"time": "5%"}}, "thresholds.time: must be a num"
    ),
    BadConfig("threshold a boolean", {"thresholds": {"time": True}}, "thresholds.time: must be a"),
    BadConfig("alpha zero", {"alpha": 0}, "alpha: must be between 0 and 0.5"),
    BadConfig("alpha one half", {"alpha": 0.5}, "alpha: must be between 0 and 0.5"),
    BadConfig("alpha negative", {"alpha": -0.05}, "alpha: must be between 0 and 0.5"),
    BadConfig("alpha a string", {"alpha": "0.05"}, "alpha: must be a number"),
    BadConfig("alpha NaN", {"alpha": math.nan}, "alpha: must be a number, not nan"),
    BadConfig("unknown timing tier", {"timing_tiers": ["tiny", "huge"]}, "unknown tier 'huge'"),
    BadConfig("unknown exact tier", {"exact_tiers": ["medum"]}, "exact_tiers: unknown tier"),
    BadConfig("empty tier list", {"timing_tiers": []}, "timing_tiers: must be a non-empty list"),
    BadConfig("tiers a string", {"exact_tiers": "tiny"}, "exact_tiers: must be a non-empty list"),
    BadConfig("budget zero", {"budget_seconds": 0}, "budget_seconds: must be positive"),
    BadConfig(
        "instruction tier not exact",
        {"exact_tiers": ["tiny"], "instruction_tiers": ["small"]},
        "instruction_tiers: small is not among exact_tiers",
    ),
    BadConfig("unknown instruction tier", {"instruction_tiers": ["x"]}, "unknown tier 'x'"),
    BadConfig(
        "inconclusive_fails a string",
        {"inconclusive_fails": "yes"},
        "inconclusive_fails: must be true or false",
    ),
    BadConfig("min_pairs below three", {"min_pairs": 2}, "min_pairs: must be a whole number of"),
    BadConfig("min_pairs a float", {"min_pairs": 8.5}, "min_pairs: must be a whole number"),
    BadConfig(
        "min_pairs above max_pairs",
        {"min_pairs": 10, "max_pairs": 9},
        "max_pairs: must be a whole number of at least 10",
    ),
    BadConfig("rounds zero", {"rounds": 0}, "rounds: must be a whole number of at least 1"),
    BadConfig("unknown clock", {"clock": "tsc"}, "clock: must be one of cpu, wall, not 'tsc'"),
    BadConfig("unknown statistic", {"statistic": "mean"}, "statistic: must be one of median, min"),
    BadConfig(
        "override a single table",
        {"override": {"pattern": "seed[*]", "metric": "time", "threshold": 0.1}},
        "override: must be an array of tables",
    ),
    BadConfig(
        "override an array of numbers", {"override": [0.1]}, "override: must be an array of tables"
    ),
    BadConfig(
        "override without a pattern",
        {"override": [{"metric": "time", "threshold": 0.1}]},
        "override[0].pattern: must be a non-empty string",
    ),
    BadConfig(
        "override of an unknown metric",
        {"override": [{"pattern": "seed[*]", "metric": "speed", "threshold": 0.1}]},
        "unknown metric 'speed'",
    ),
    BadConfig(
        "override without a threshold",
        {"override": [{"pattern": "seed[*]", "metric": "time"}]},
        "override[0].threshold: must be a number",
    ),
    BadConfig(
        "override with a negative threshold",
        {"override": [{"pattern": "seed[*]", "metric": "time", "threshold": -1}]},
        "override[0].threshold: must not be negative",
    ),
    BadConfig(
        "accept without a reason",
        {"accept": [{"pattern": "load[*]", "metric": "sql_statements", "allowed": 1}]},
        "accept[0].reason: must be a non-empty string",
    ),
    BadConfig(
        "accept with a blank reason",
        {
            "accept": [
                {"pattern": "load[*]", "metric": "sql_statements", "allowed": 1, "reason": "  "}
            ]
        },
        "accept[0].reason: must be a non-empty string",
    ),
    BadConfig(
        "accept without an allowance",
        {"accept": [{"pattern": "load[*]", "metric": "sql_statements", "reason": "audit query"}]},
        "accept[0].allowed: must be a number",
    ),
    BadConfig(
        "accept a single table",
        {"accept": {"pattern": "load[*]", "metric": "sql_statements", "allowed": 1}},
        "accept: must be an array of tables",
    ),
]


@pytest.mark.parametrize("case", BAD_CONFIGS, ids=[c.name for c in BAD_CONFIGS])
def test_bad_config_is_a_usage_error_naming_the_key(case: BadConfig) -> None:
    """Every bad key or value is a UsageError (exit 2) whose message names it and the source."""
    with pytest.raises(UsageError) as raised:
        parse_gate_config(case.table, source=SOURCE)
    message = str(raised.value)
    assert case.says in message
    assert message.startswith(SOURCE)
    assert raised.value.exit_code == 2
    assert "\n" not in message


def test_nan_threshold_is_refused() -> None:
    """A NaN threshold (TOML allows `nan`) is refused: every comparison with it is false."""
    with pytest.raises(UsageError, match=r"thresholds\.allocations"):
        parse_gate_config({"thresholds": {"allocations": math.nan}}, source=SOURCE)


def test_empty_table_gives_the_documented_defaults() -> None:
    """An empty table is the defaults: alpha 0.05, tiny and small timed, any added SQL fails."""
    config = parse_gate_config({}, source=SOURCE)
    assert config.alpha == pytest.approx(0.05)
    assert config.timing_tiers == ("tiny", "small")
    assert config.exact_tiers == ("tiny", "small", "medium")
    assert config.instruction_tiers == ("tiny",)
    assert parse_gate_config({"instruction_tiers": []}, source=SOURCE).instruction_tiers == ()
    assert config.budget_seconds == pytest.approx(180.0)
    assert config.inconclusive_fails is False
    assert (config.min_pairs, config.max_pairs, config.rounds) == (8, 40, 5)
    assert dict(config.thresholds) == dict(DEFAULT_THRESHOLDS)
    assert config.thresholds["sql_statements"] == 0
    assert config.thresholds["violations"] == 0
    assert config.overrides == ()
    assert config.accepted == ()
    assert config.source == SOURCE


def test_given_values_replace_only_their_defaults() -> None:
    """A threshold set in the table replaces its default and leaves the others alone."""
    config = parse_gate_config(
        {
            "alpha": 0.01,
            "timing_tiers": ["tiny"],
            "min_pairs": 3,
            "max_pairs": 3,
            "inconclusive_fails": True,
            "thresholds": {"time": 0.1, "sql_statements": 2},
        },
        source=SOURCE,
    )
    assert config.alpha == pytest.approx(0.01)
    assert config.timing_tiers == ("tiny",)
    assert (config.min_pairs, config.max_pairs) == (3, 3)
    assert config.inconclusive_fails is True
    assert config.threshold("time", "solve[tiny]") == pytest.approx(0.1)
    assert config.threshold("sql_statements", "load[tiny]") == pytest.approx(2.0)
    assert config.threshold("allocations", "load[tiny]") == pytest.approx(0.005)


def test_defaults_of_the_dataclass_match_the_parsed_defaults() -> None:
    """GateConfig() and an empty table agree, so code and TOML share one set of defaults."""
    parsed = parse_gate_config({}, source="defaults")
    assert parsed == GateConfig()


def test_override_last_match_wins() -> None:
    """Of several overrides matching a benchmark, the last one listed sets its threshold."""
    config = parse_gate_config(
        {
            "override": [
                {"pattern": "*tiny*", "metric": "time", "threshold": 0.2},
                {"pattern": "seed*", "metric": "time", "threshold": 0.1},
                {"pattern": "seed?tiny?", "metric": "allocations", "threshold": 0.5},
            ]
        },
        source=SOURCE,
    )
    assert config.overrides[1] == Override("seed*", "time", 0.1)
    assert config.threshold("time", "seed[tiny]") == pytest.approx(0.1)  # both match: the last
    assert config.threshold("time", "solve[tiny]") == pytest.approx(0.2)
    assert config.threshold("time", "seed[small]") == pytest.approx(0.1)
    assert config.threshold("time", "solve[small]") == pytest.approx(0.05)  # none: the default
    assert config.threshold("allocations", "seed[tiny]") == pytest.approx(0.5)
    assert config.threshold("allocations", "seed[small]") == pytest.approx(0.005)


def test_override_pattern_is_case_sensitive() -> None:
    """Patterns match benchmark ids case-sensitively."""
    config = parse_gate_config(
        {"override": [{"pattern": "SEED*", "metric": "time", "threshold": 0.3}]}, source=SOURCE
    )
    assert config.threshold("time", "seed[tiny]") == pytest.approx(0.05)


def test_documented_bracket_pattern_matches_every_tier_of_a_phase() -> None:
    """The module docstring's override `seed[*]` applies to seed[tiny] and seed[small]."""
    config = parse_gate_config(
        {"override": [{"pattern": "seed[*]", "metric": "time", "threshold": 0.1}]}, source=SOURCE
    )
    assert config.threshold("time", "seed[tiny]") == pytest.approx(0.1)
    assert config.threshold("time", "seed[small]") == pytest.approx(0.1)


def test_documented_bracket_acceptance_covers_its_phase() -> None:
    """The module docstring's accept entry `load[*]` covers load[small]'s SQL statements."""
    config = parse_gate_config(
        {
            "accept": [
                {"pattern": "load[*]", "metric": "sql_statements", "allowed": 1, "reason": "r"}
            ]
        },
        source=SOURCE,
    )
    assert config.acceptance("sql_statements", "load[small]") is not None


def test_acceptance_is_found_only_for_its_metric_and_pattern() -> None:
    """An accept entry covers the benchmarks its pattern matches, for its metric only."""
    entry = {
        "pattern": "load*",
        "metric": "sql_statements",
        "allowed": 1,
        "reason": "the audit query of #123; reviewed by A. B.",
    }
    config = parse_gate_config({"accept": [entry]}, source=SOURCE)
    assert config.acceptance("sql_statements", "load[small]") == Acceptance(
        "load*", "sql_statements", 1.0, "the audit query of #123; reviewed by A. B."
    )
    assert config.acceptance("sql_statements", "persist[small]") is None
    assert config.acceptance("allocations", "load[small]") is None


def test_acceptance_first_match_wins() -> None:
    """Of two accept entries matching a benchmark, the first listed is the one reported."""
    config = parse_gate_config(
        {
            "accept": [
                {"pattern": "load?tiny?", "metric": "time", "allowed": 0.1, "reason": "first"},
                {"pattern": "load*", "metric": "time", "allowed": 0.2, "reason": "second"},
            ]
        },
        source=SOURCE,
    )
    found = config.acceptance("time", "load[tiny]")
    assert found is not None
    assert found.reason == "first"


def test_load_reads_the_gate_table_of_a_pyproject(tmp_path: Path) -> None:
    """load_gate_config reads [tool.rota.gate] and names the file as the source."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\n\n[tool.rota.gate]\nalpha = 0.01\n'
        '[[tool.rota.gate.accept]]\npattern = "load[*]"\nmetric = "sql_statements"\n'
        'allowed = 1\nreason = "reviewed"\n',
        encoding="utf-8",
    )
    config = load_gate_config(pyproject)
    assert config.alpha == pytest.approx(0.01)
    assert config.accepted[0].reason == "reviewed"
    assert str(pyproject) in config.source


def test_load_without_a_gate_table_gives_defaults(tmp_path: Path) -> None:
    """A pyproject with no [tool.rota.gate] table gives the defaults."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n', encoding="utf-8")
    config = load_gate_config(pyproject)
    assert config.thresholds == GateConfig().thresholds
    assert config.timing_tiers == GateConfig().timing_tiers


def test_load_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    """A missing config file is a usage error naming the file, not silently the defaults."""
    with pytest.raises(UsageError, match=r"no such file") as raised:
        load_gate_config(tmp_path / "absent.toml")
    assert "absent.toml" in str(raised.value)


def test_load_a_corrupt_file_is_a_usage_error(tmp_path: Path) -> None:
    """A file that is not TOML is a usage error naming the file."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.rota.gate\nalpha = ", encoding="utf-8")
    with pytest.raises(UsageError, match=r"cannot read it") as raised:
        load_gate_config(pyproject)
    assert str(pyproject) in str(raised.value)


def test_load_a_gate_entry_that_is_not_a_table_is_a_usage_error(tmp_path: Path) -> None:
    """`tool.rota.gate = 5` is a usage error, not a crash."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.rota]\ngate = 5\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"expected a table"):
        load_gate_config(pyproject)


def test_load_a_rota_entry_that_is_not_a_table_is_a_usage_error(tmp_path: Path) -> None:
    """`tool.rota = 1` is a usage error, not a traceback."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool]\nrota = 1\n", encoding="utf-8")
    with pytest.raises(UsageError):
        load_gate_config(pyproject)


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("unknown key", "[tool.rota.gate]\nbudget = 60\n", "unknown key 'budget'"),
        ("bad alpha", "[tool.rota.gate]\nalpha = 2\n", "alpha: must be between 0 and 0.5"),
        ("not TOML", "[tool.rota.gate\n", "cannot read it"),
        (
            "accept without a reason",
            '[[tool.rota.gate.accept]]\npattern = "load[*]"\nmetric = "time"\nallowed = 0.1\n',
            "accept[0].reason: must be a non-empty string",
        ),
    ],
)
def test_cli_with_a_bad_config_exits_2_with_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    says: str,
) -> None:
    """`rota gate --config BAD` exits 2 before measuring, with one line on stderr naming the key."""
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    assert main(["gate", "--config", str(bad)]) == 2, name
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("rota: error: ")
    assert says in lines[0]
    assert str(bad) in lines[0]
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == [bad]  # nothing measured, nothing written


@pytest.mark.parametrize("kind", ["override", "accept"])
def test_an_unknown_metric_names_its_entry(kind: str) -> None:
    """The error for an unknown metric says which override or accept entry holds it."""
    entry = {"pattern": "*", "metric": "speed", "threshold": 0.1, "allowed": 1, "reason": "r"}
    entry.pop("allowed" if kind == "override" else "threshold")
    with pytest.raises(UsageError, match=rf"{kind}\[0\]: unknown metric 'speed'"):
        parse_gate_config({kind: [entry]}, source=SOURCE)
