"""Summaries, comparisons and slope fits behave as documented."""

from __future__ import annotations

import math

import pytest

from rota.perf.stats import compare, fit_loglog_slope, summarize

# Twenty distinct, deterministic timings around 1 s.
BASE = [1.0 + 0.001 * ((i * 7) % 20) for i in range(20)]


def test_summary_of_known_samples() -> None:
    """The summary of 1..5 has pytest-benchmark's values (its quartile method)."""
    summary = summarize([5.0, 1.0, 4.0, 2.0, 3.0])
    assert summary.min == pytest.approx(1.0)
    assert summary.max == pytest.approx(5.0)
    assert summary.median == pytest.approx(3.0)
    assert summary.mean == pytest.approx(3.0)
    assert summary.stddev == pytest.approx(math.sqrt(2.5))
    assert summary.q1 == pytest.approx(1.75)
    assert summary.q3 == pytest.approx(4.25)
    assert summary.iqr == pytest.approx(2.5)
    assert summary.rounds == 5


def test_summary_of_one_sample_has_no_spread() -> None:
    """A single sample is its own median and quartiles, with zero spread."""
    summary = summarize([0.25])
    assert (summary.median, summary.q1, summary.q3) == (0.25, 0.25, 0.25)
    assert (summary.stddev, summary.iqr, summary.rounds) == (0.0, 0.0, 1)


@pytest.mark.parametrize("samples", [[], [1.0, math.nan], [math.inf]])
def test_summary_rejects_empty_or_non_finite_samples(samples: list[float]) -> None:
    """Empty or non-finite samples are an error, not a NaN summary."""
    with pytest.raises(ValueError, match=r"empty|non-finite"):
        summarize(samples)


def test_identical_distributions_show_no_change() -> None:
    """The same samples on both sides are not a change."""
    result = compare(BASE, list(reversed(BASE)))
    assert result.verdict == "no change"
    assert not result.significant
    assert result.ratio == pytest.approx(1.0)


def test_clearly_slower_head_is_a_regression() -> None:
    """A head 50% slower on every sample is a significant regression."""
    result = compare(BASE, [s * 1.5 for s in BASE])
    assert result.verdict == "regression"
    assert result.significant
    assert result.p_value is not None
    assert result.p_value < 0.01
    assert result.ratio == pytest.approx(1.5)


def test_clearly_faster_head_is_an_improvement() -> None:
    """A head twice as fast is a significant improvement."""
    result = compare(BASE, [s / 2 for s in BASE])
    assert result.verdict == "improvement"
    assert result.significant


def test_significant_but_small_change_is_no_change() -> None:
    """A consistent 5% slowdown is significant yet below the 10% minimum effect."""
    result = compare(BASE, [s * 1.05 for s in BASE])
    assert result.significant
    assert result.verdict == "no change"


def test_too_few_samples_are_insufficient_not_significant() -> None:
    """Three samples a side cannot reach p < 0.01, however different they look."""
    result = compare([1.0, 1.01, 1.02], [10.0, 10.1, 10.2])
    assert result.verdict == "insufficient data"
    assert not result.significant
    assert result.p_value is None


def test_all_equal_samples_are_no_change() -> None:
    """Constant, equal samples on both sides are no change, without running the test."""
    result = compare([1.0] * 10, [1.0] * 10)
    assert (result.verdict, result.significant) == ("no change", False)


@pytest.mark.parametrize(("min_effect", "alpha"), [(1.0, 0.01), (1.1, 0.0), (1.1, 1.0)])
def test_compare_rejects_meaningless_thresholds(min_effect: float, alpha: float) -> None:
    """A minimum effect of at most 1 or an alpha outside (0, 1) is an error."""
    with pytest.raises(ValueError, match=r"min_effect|alpha"):
        compare(BASE, BASE, min_effect=min_effect, alpha=alpha)


def test_slope_of_exact_power_law_is_its_exponent() -> None:
    """Values proportional to size**1.3 fit a slope of 1.3 with R² of 1."""
    sizes = [252, 1008, 2016, 10080, 25200]
    fit = fit_loglog_slope(sizes, [3e-5 * s**1.3 for s in sizes])
    assert fit.slope == pytest.approx(1.3)
    assert fit.intercept == pytest.approx(math.log10(3e-5))
    assert fit.r2 == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("sizes", "values"),
    [([100, 100], [1.0, 2.0]), ([100], [1.0]), ([100, 200], [1.0]), ([0, 100], [1.0, 2.0])],
)
def test_slope_needs_two_distinct_positive_sizes(sizes: list[int], values: list[float]) -> None:
    """Fewer than two distinct sizes, mismatched lengths or non-positive data are errors."""
    with pytest.raises(ValueError, match=r"distinct|sizes|positive"):
        fit_loglog_slope(sizes, values)
