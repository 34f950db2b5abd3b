"""The gate's timing statistics: one verdict per benchmark from paired process figures.

The unit of replication is the worker process. A *pair* is one base process and one head
process alive together with the same ``PYTHONHASHSEED``, their rounds interleaved in
random order (:mod:`rota.perf.gate_timing`); each reports one figure per benchmark, the
median of its rounds' CPU seconds by default. The per-pair log ratio ``ln(head / base)``
removes what the pair shares (the machine's state at that moment, the hash seed) and
keeps what differs between processes, which is the noise the verdict must see.

Per benchmark, Yuen's trimmed-mean t-test on the log ratios (SciPy's ``mstats``: 20% of
the pairs trimmed from each tail) gives the p-value and a confidence interval of the
trimmed mean log ratio; its exponential is the reported ratio (a trimmed geometric mean
of head/base). Over all benchmarks of a run, Holm's step-down procedure keeps the
probability of *any* false alarm at ``alpha``; the interval is drawn at the matching
Bonferroni level ``1 - alpha/m``. Verdicts:

``slower`` / ``faster``
    significant after Holm AND the estimated change beyond the threshold;
``unchanged``
    the interval lies inside ``[1/(1+t), 1+t]``, or the change is significant but
    smaller than the threshold;
``inconclusive``
    neither: the noise does not allow a decision with the pairs measured.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["TimingVerdict", "Verdict", "holm", "judge", "settled_unchanged"]

Verdict = Literal["faster", "unchanged", "slower", "inconclusive"]

#: Fewer pairs than this cannot give a verdict other than inconclusive.
MIN_PAIRS = 3

#: The share of pairs trimmed from each tail of the log ratios (Yuen's test).
TRIM = 0.2


@dataclass(frozen=True, slots=True)
class TimingVerdict:
    """The verdict on one benchmark's timing, head against base."""

    benchmark: str
    verdict: Verdict
    ratio: float  # head / base, geometric mean over pairs
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    pairs: int
    threshold: float


def _t_test(log_ratios: Sequence[float], confidence: float) -> tuple[float, float, float, float]:
    """Estimate, p-value and interval of the log ratios: Yuen's trimmed-mean t-test.

    Each tail loses :data:`TRIM` of the pairs (SciPy's ``mstats.trimmed_mean`` and
    ``trimmed_stde``: the standard error from the winsorized sample), and the statistic
    has ``kept - 1`` degrees of freedom. On these shared machines a few pairs in ten
    catch a slow spell on one side only (``scripts/timing-noise --pairs 14 --rounds 3``:
    ``solve[medium]`` had 11 of 14 pairs within 3%, one at +4.2%, two at +12% and +68%);
    trimming keeps such a pair from deciding the verdict or from swamping a real change.
    """
    import numpy as np
    from scipy import stats
    from scipy.stats import mstats  # here: SciPy is paid for only when the gate judges

    sample = np.asarray(log_ratios, dtype=float)
    limits = (TRIM, TRIM)
    estimate = float(mstats.trimmed_mean(sample, limits=limits))
    kept = int(mstats.trim(sample, limits=limits, relative=True).count())
    error = float(mstats.trimmed_stde(sample, limits=limits))
    if not error > 0:
        # No spread left: the t statistic is undefined. The data say exactly this ratio; an
        # exact zero is "no difference", anything else is as certain as data can be.
        return estimate, (1.0 if estimate == 0 else 0.0), estimate, estimate
    freedom = kept - 1
    p = float(2 * stats.t.sf(abs(estimate) / error, freedom))
    half = float(stats.t.ppf(0.5 + confidence / 2, freedom)) * error
    return estimate, p, estimate - half, estimate + half


def judge(
    benchmark: str,
    log_ratios: Sequence[float],
    *,
    threshold: float,
    p_adjusted: float,
    p_value: float,
    alpha: float,
    benchmarks: int,
) -> TimingVerdict:
    """The verdict for one benchmark, given its Holm-adjusted p-value (see module doc).

    Args:
        benchmark: Its id.
        log_ratios: ``ln(head / base)`` per pair.
        threshold: Minimum relative effect (0.05 is 5%).
        p_adjusted: Its Holm-adjusted p-value in this run.
        p_value: Its raw p-value.
        alpha: The run's false-alarm rate.
        benchmarks: How many benchmarks the run judges (for the interval's level).
    """
    confidence = 1 - alpha / benchmarks
    pairs = len(log_ratios)
    if pairs < MIN_PAIRS:
        return TimingVerdict(
            benchmark, "inconclusive", math.nan, math.nan, math.nan, 1.0, 1.0, pairs, threshold
        )
    mean, _, low, high = _t_test(log_ratios, confidence)
    band = math.log1p(threshold)
    significant = p_adjusted < alpha
    verdict: Verdict
    if significant and mean > band:
        verdict = "slower"
    elif significant and mean < -band:
        verdict = "faster"
    elif (-band <= low and high <= band) or significant:
        verdict = "unchanged"
    else:
        verdict = "inconclusive"
    return TimingVerdict(
        benchmark,
        verdict,
        math.exp(mean),
        math.exp(low),
        math.exp(high),
        p_value,
        p_adjusted,
        pairs,
        threshold,
    )


def p_value(log_ratios: Sequence[float]) -> float:
    """The two-sided p-value of "no difference" for one benchmark's log ratios."""
    if len(log_ratios) < MIN_PAIRS:
        return 1.0
    return _t_test(log_ratios, 0.95)[1]


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the input's order (family-wise error control).

    SciPy offers Benjamini-Hochberg (``false_discovery_control``), which bounds the share
    of false alarms among alarms; a gate needs the chance of any false alarm in a run
    bounded, which Holm's step-down procedure does with more power than Bonferroni.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def settled_unchanged(log_ratios: Sequence[float], *, threshold: float, confidence: float) -> bool:
    """Whether more pairs are pointless: the interval already lies inside the threshold band.

    Stopping for this never adds a false alarm (a benchmark that stops early is declared
    unchanged), so early stopping does not touch the run's false-alarm rate.
    """
    if len(log_ratios) < MIN_PAIRS:
        return False
    _, _, low, high = _t_test(log_ratios, confidence)
    band = math.log1p(threshold)
    return -band <= low and high <= band
