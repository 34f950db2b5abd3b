"""Reading pytest-benchmark's verdict from its output, as the calibration does."""

from __future__ import annotations

from rota.perf.calibrate import regressed_in

# From a real run here: `pytest bench --benchmark-only --tiers=tiny --benchmark-compare
# --benchmark-compare-fail=median:5%` with solve_program slowed by 50% (trimmed).
OUTPUT = """\
Name (time in ms)              Min               Max              Mean            StdDev
-----------------------------------------------------------------------------------------
solve[tiny] (0001_base)     1.7519 (1.0)      1.8822 (1.0)      1.7947 (1.0)      0.0291 (1.0)
solve[tiny] (NOW)           2.5945 (1.48)     3.1947 (1.70)     2.7256 (1.52)     0.1095 (3.76)
-----------------------------------------------------------------------------------------
validate[tiny] (0001_base)     716.8940 (1.0)      761.5290 (1.0)      739.2203 (1.0)
validate[tiny] (NOW)           723.9880 (1.01)     768.0810 (1.01)     744.5191 (1.01)

--------------------------------------------------------------------------------
Performance has regressed:
\tsolve[tiny] (0001_base) - Field 'median' has failed PercentageRegressionCheck: \
51.175163735 > 5.000000000
--------------------------------------------------------------------------------
"""


def test_only_the_regressed_list_counts_not_the_comparison_table() -> None:
    """The table names every benchmark; only the "has failed" lines are regressions."""
    assert regressed_in(OUTPUT) == ["solve[tiny]"]


def test_no_regression_list_is_no_regression() -> None:
    """A compare run that passed lists nothing."""
    table_only = OUTPUT.split("\n\n", 1)[0]
    assert regressed_in(table_only) == []
