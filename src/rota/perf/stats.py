"""Statistics over timing samples: summaries, base-versus-head comparison, scaling fits.

Everything here delegates to the standard library's ``statistics`` module or to SciPy;
nothing is hand-rolled. SciPy is imported inside the functions that need it, so importing
this module (and the results store, which uses :class:`TimingSummary`) stays cheap.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

__all__ = [
    "Comparison",
    "SlopeFit",
    "TimingSummary",
    "Verdict",
    "compare",
    "fit_loglog_slope",
    "summarize",
]


Verdict = Literal["regression", "improvement", "no change", "insufficient data"]


@dataclass(frozen=True, slots=True)
class TimingSummary:
    """Descriptive statistics of one benchmark's timing samples, in seconds.

    The fields and their definitions are pytest-benchmark's ``Stats`` (see
    :func:`summarize`).
    """

    min: float
    max: float
    median: float
    mean: float
    stddev: float
    iqr: float
    q1: float
    q3: float
    rounds: int

    def as_dict(self) -> dict[str, float | int]:
        """Return the summary as a plain dict (the results-file representation)."""
        return asdict(self)


def summarize(samples: Sequence[float]) -> TimingSummary:
    """Summarize timing samples with pytest-benchmark's own statistics.

    One definition of each statistic for every front-end: ``rota bench``, the gate and
    pytest-benchmark's table all report pytest-benchmark's ``Stats`` (its quartiles, its
    IQR, its sample standard deviation, 0 for a single sample).

    Args:
        samples: Durations in seconds, one per round.

    Returns:
        The summary of ``samples``.

    Raises:
        ValueError: If ``samples`` is empty or holds a non-finite value.
    """
    from pytest_benchmark.stats import Stats  # here: kept off the import path of rota.perf

    data = _finite(samples, "samples")
    if not data:
        raise ValueError("cannot summarize an empty list of samples")
    stats = Stats()  # type: ignore[no-untyped-call]  # pytest-benchmark ships no types
    for value in data:
        stats.update(value)  # type: ignore[no-untyped-call]
    return TimingSummary(
        min=stats.min,
        max=stats.max,
        median=stats.median,
        mean=stats.mean,
        stddev=stats.stddev,
        iqr=stats.iqr,
        q1=stats.q1,
        q3=stats.q3,
        rounds=stats.rounds,
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    """The outcome of comparing head timings against base timings.

    Attributes:
        verdict: ``"regression"`` (head slower), ``"improvement"`` (head faster),
            ``"no change"`` or ``"insufficient data"``.
        ratio: Median of head divided by median of base (above 1 means head is slower).
        p_value: Two-sided Mann-Whitney U p-value, or ``None`` when no test was run.
        significant: Whether the test ran and ``p_value < alpha``. Never true when the
            test could not run.
        base_median: Median of the base samples, seconds.
        head_median: Median of the head samples, seconds.
        reason: One line explaining the verdict, for reports.
    """

    verdict: Verdict
    ratio: float
    p_value: float | None
    significant: bool
    base_median: float
    head_median: float
    reason: str


def compare(
    base: Sequence[float],
    head: Sequence[float],
    *,
    min_effect: float = 1.10,
    alpha: float = 0.01,
) -> Comparison:
    """Compare two sets of timing samples taken on the same machine in the same run.

    A change counts only if it is statistically significant (two-sided Mann-Whitney U,
    ``p < alpha``) AND the median ratio is beyond ``min_effect`` in either direction, as
    in pyperf and asv. When the sample sizes are too small for any outcome to reach
    ``alpha`` (the smallest exact two-sided p-value is ``2 / C(n_base + n_head, n_base)``),
    the verdict is ``"insufficient data"`` and nothing is significant: a test that
    cannot decide never reports a change.

    Args:
        base: Durations of the base commit, seconds.
        head: Durations of the head commit, seconds.
        min_effect: Smallest median ratio (> 1) that counts as a change.
        alpha: Significance level.

    Returns:
        The comparison.

    Raises:
        ValueError: On empty or non-finite samples, a non-positive median, or
            ``min_effect <= 1`` or ``alpha`` outside (0, 1).
    """
    if min_effect <= 1.0:
        raise ValueError(f"min_effect must be greater than 1, got {min_effect}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    base_data = _finite(base, "base")
    head_data = _finite(head, "head")
    if not base_data or not head_data:
        raise ValueError("compare needs at least one base and one head sample")
    base_median = statistics.median(base_data)
    head_median = statistics.median(head_data)
    if base_median <= 0.0 or head_median <= 0.0:
        raise ValueError("timing medians must be positive")
    ratio = head_median / base_median

    def outcome(verdict: Verdict, p_value: float | None, reason: str) -> Comparison:
        significant = p_value is not None and p_value < alpha
        return Comparison(verdict, ratio, p_value, significant, base_median, head_median, reason)

    n_base, n_head = len(base_data), len(head_data)
    best_p = min(1.0, 2.0 / math.comb(n_base + n_head, n_base))
    if best_p >= alpha:
        return outcome(
            "insufficient data",
            None,
            f"{n_base} base and {n_head} head samples cannot reach p < {alpha} "
            f"(best possible p = {best_p:.3g}); take more rounds",
        )
    if len(set(base_data) | set(head_data)) == 1:
        # Every sample is the same value: the distributions are identical.
        return outcome("no change", None, "all samples are equal")

    # Imported here: SciPy takes a noticeable time to import and most callers of this
    # module (the results store, summaries) never need it.
    from scipy.stats import mannwhitneyu

    p_value = float(mannwhitneyu(base_data, head_data, alternative="two-sided").pvalue)
    if p_value >= alpha:
        return outcome("no change", p_value, f"not significant (p = {p_value:.3g})")
    if ratio > min_effect:
        verdict: Verdict = "regression"
    elif ratio < 1.0 / min_effect:
        verdict = "improvement"
    else:
        return outcome(
            "no change",
            p_value,
            f"significant (p = {p_value:.3g}) but x{ratio:.3f} is within x{min_effect:g}",
        )
    return outcome(verdict, p_value, f"x{ratio:.3f}, p = {p_value:.3g}")


@dataclass(frozen=True, slots=True)
class SlopeFit:
    """A straight-line fit of log10(value) against log10(size).

    Attributes:
        slope: The scaling exponent: 1 is linear, 2 quadratic.
        intercept: log10 of the value at size 1.
        r2: Coefficient of determination; NaN when the values do not vary at all.
    """

    slope: float
    intercept: float
    r2: float


def fit_loglog_slope(sizes: Sequence[float], values: Sequence[float]) -> SlopeFit:
    """Fit ``values ~ c * sizes**slope`` by least squares on log10 of both.

    Args:
        sizes: Problem sizes (resident-sessions), positive.
        values: Measured values (seconds, bytes), positive, one per size.

    Returns:
        The fit.

    Raises:
        ValueError: If the lengths differ, a value is not positive and finite, or fewer
            than two distinct sizes are given.
    """
    if len(sizes) != len(values):
        raise ValueError(f"got {len(sizes)} sizes but {len(values)} values")
    for label, seq in (("sizes", sizes), ("values", values)):
        if any(not (math.isfinite(v) and v > 0.0) for v in seq):
            raise ValueError(f"{label} must be positive and finite for a log-log fit")
    if len(set(sizes)) < 2:
        raise ValueError("a slope needs at least two distinct sizes")

    from scipy.stats import linregress  # imported here for the reason given in compare()

    fit = linregress([math.log10(s) for s in sizes], [math.log10(v) for v in values])
    r_value = float(fit.rvalue)
    return SlopeFit(slope=float(fit.slope), intercept=float(fit.intercept), r2=r_value**2)


def _finite(samples: Sequence[float], label: str) -> list[float]:
    data = [float(s) for s in samples]
    if any(not math.isfinite(s) for s in data):
        raise ValueError(f"{label} hold a non-finite value")
    return data
