"""The gate's timing statistics on synthetic per-pair log ratios with fixed seeds."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from rota.perf.gate_stats import (
    MIN_PAIRS,
    TimingVerdict,
    holm,
    judge,
    p_value,
    settled_unchanged,
)

ALPHA = 0.05


def log_ratios(seed: int, *, pairs: int, shift: float, noise: float) -> list[float]:
    """Per-pair ln(head/base): head is `shift` slower (0.2 is +20%) with lognormal noise."""
    rng = np.random.default_rng(seed)
    return [float(x) for x in math.log1p(shift) + rng.normal(0.0, noise, pairs)]


def judge_one(ratios: list[float], *, threshold: float = 0.05) -> TimingVerdict:
    """The verdict on a run of one benchmark (Holm over one p-value is the p-value)."""
    raw = p_value(ratios)
    (adjusted,) = holm([raw])
    return judge(
        "solve[tiny]",
        ratios,
        threshold=threshold,
        p_adjusted=adjusted,
        p_value=raw,
        alpha=ALPHA,
        benchmarks=1,
    )


def judge_run(samples: list[list[float]], *, threshold: float) -> list[TimingVerdict]:
    """Holm over every benchmark's p-value, then one verdict each (as gate_timing does)."""
    raw = [p_value(r) for r in samples]
    adjusted = holm(raw)
    return [
        judge(
            f"b{i}[tiny]",
            ratios,
            threshold=threshold,
            p_adjusted=adjusted[i],
            p_value=raw[i],
            alpha=ALPHA,
            benchmarks=len(samples),
        )
        for i, ratios in enumerate(samples)
    ]


def test_known_twenty_percent_shift_is_slower() -> None:
    """+20% over 12 pairs with 3% noise is `slower`, its interval around 1.2."""
    verdict = judge_one(log_ratios(1, pairs=12, shift=0.20, noise=0.03))
    assert verdict.verdict == "slower"
    assert verdict.ratio == pytest.approx(1.2, rel=0.03)
    assert verdict.ci_low < verdict.ratio < verdict.ci_high
    assert verdict.ci_low > 1.1
    assert verdict.p_adjusted < ALPHA
    assert verdict.pairs == 12


@pytest.mark.parametrize("seed", range(10))
def test_known_shift_is_found_whatever_the_seed(seed: int) -> None:
    """The +20% shift is found on every one of ten seeds, also beside eleven unchanged ones."""
    samples = [log_ratios(seed * 100 + i, pairs=12, shift=0.0, noise=0.03) for i in range(11)]
    samples.append(log_ratios(seed, pairs=12, shift=0.20, noise=0.03))
    verdicts = judge_run(samples, threshold=0.05)
    assert verdicts[-1].verdict == "slower"
    assert all(v.verdict != "slower" for v in verdicts[:-1])


def test_known_speed_up_is_faster() -> None:
    """-20% (head takes 0.8 of base's time) over 12 pairs with 3% noise is `faster`."""
    verdict = judge_one(log_ratios(2, pairs=12, shift=-0.20, noise=0.03))
    assert verdict.verdict == "faster"
    assert verdict.ratio == pytest.approx(0.8, rel=0.03)


def test_identical_distributions_keep_the_run_false_alarm_rate_at_alpha() -> None:
    """500 seeded A/A runs of 12 benchmarks: at most ~alpha of the runs hold any alarm (Holm).

    Without the correction about 1 - 0.95**12 = 46% of the runs would hold a raw p-value
    below alpha.
    """
    runs, benchmarks, pairs = 500, 12, 12
    rng = np.random.default_rng(2024)
    ratios = rng.normal(0.0, 0.03, (runs, benchmarks, pairs))
    raw = [[p_value([float(x) for x in row]) for row in run] for run in ratios]
    runs_with_alarm = sum(any(p < ALPHA for p in holm(run_p)) for run_p in raw)
    runs_with_raw_alarm = sum(any(p < ALPHA for p in run_p) for run_p in raw)
    # Holm's bound: at most alpha; 500 runs estimate it to about +-0.01.
    assert runs_with_alarm <= 0.075 * runs
    assert runs_with_raw_alarm >= 0.3 * runs  # the correction is what keeps it low


def contaminated(seed: int, *, pairs: int, shift: float, share: float) -> list[float]:
    """Log ratios with 2% noise where ``share`` of the pairs caught a slow spell on one side.

    The spell adds 20-70% to base or head at random, as measured A/A runs here showed.
    """
    rng = np.random.default_rng(seed)
    ratios = math.log1p(shift) + rng.normal(0.0, 0.02, pairs)
    hit = rng.random(pairs) < share
    ratios[hit] += rng.choice([-1.0, 1.0], hit.sum()) * np.log1p(rng.uniform(0.2, 0.7, hit.sum()))
    return [float(x) for x in ratios]


def test_slow_spells_on_one_side_do_not_raise_false_alarms() -> None:
    """200 A/A runs of 12 benchmarks with 10% of pairs hit by a spell: alarms stay near alpha."""
    runs = [
        judge_run(
            [contaminated(r * 12 + i, pairs=14, shift=0.0, share=0.1) for i in range(12)],
            threshold=0.0,
        )
        for r in range(200)
    ]
    with_alarm = sum(any(v.verdict in ("slower", "faster") for v in run) for run in runs)
    assert with_alarm <= 0.09 * len(runs)


def test_a_real_change_is_found_through_slow_spells() -> None:
    """+5% with two of fourteen pairs hit by a spell is slower; the plain mean would waver.

    The trimmed mean sets the spells aside: the estimate stays within a point of +5%.
    """
    ratios = [
        math.log(1.05) + d
        for d in (0.01, -0.01, 0.0, 0.015, -0.005, 0.005, 0.0, -0.015, 0.01, -0.01, 0.005, -0.005)
    ]
    ratios += [math.log(1.6), math.log(0.7)]  # a spell on head, then one on base
    verdict = judge_one(ratios, threshold=0.02)
    assert verdict.verdict == "slower"
    assert verdict.ratio == pytest.approx(1.05, abs=0.01)


def test_alarm_needs_holm_and_the_threshold_on_noise() -> None:
    """With threshold 0 a benchmark is flagged exactly when its Holm-adjusted p is below alpha."""
    for run in range(10):
        samples = [log_ratios(run * 12 + i, pairs=12, shift=0.0, noise=0.03) for i in range(12)]
        for verdict in judge_run(samples, threshold=0.0):
            flagged = verdict.verdict in ("slower", "faster")
            assert flagged == (verdict.p_adjusted < ALPHA), (run, verdict)


def test_identical_distributions_are_not_flagged_with_a_threshold() -> None:
    """Pure noise with the default 5% minimum effect gives no slower/faster verdict at all."""
    for run in range(25):
        samples = [log_ratios(run * 6 + i, pairs=12, shift=0.0, noise=0.03) for i in range(6)]
        verdicts = judge_run(samples, threshold=0.05)
        assert all(v.verdict in ("unchanged", "inconclusive") for v in verdicts), run


@pytest.mark.parametrize("pairs", range(MIN_PAIRS))
def test_too_few_pairs_is_inconclusive(pairs: int) -> None:
    """Fewer than three pairs is inconclusive, even for a huge shift, with p = 1 and no ratio."""
    ratios = [math.log(2.0) + 0.001 * i for i in range(pairs)]
    assert p_value(ratios) == 1.0
    verdict = judge_one(ratios)
    assert verdict.verdict == "inconclusive"
    assert verdict.pairs == pairs
    assert math.isnan(verdict.ratio)
    assert math.isnan(verdict.ci_low)
    assert math.isnan(verdict.ci_high)


def test_wide_noise_is_inconclusive() -> None:
    """A small shift drowned in 30% noise over few pairs is neither slower nor unchanged."""
    verdict = judge_one(log_ratios(3, pairs=5, shift=0.05, noise=0.30))
    assert verdict.verdict == "inconclusive"
    assert verdict.ci_low < 1 / 1.05
    assert verdict.ci_high > 1.05


def test_noise_free_identical_samples_are_unchanged() -> None:
    """Every pair exactly equal (zero spread, no t statistic) is unchanged with p = 1."""
    verdict = judge_one([0.0] * 8)
    assert verdict.verdict == "unchanged"
    assert verdict.p_value == 1.0
    assert (verdict.ratio, verdict.ci_low, verdict.ci_high) == (1.0, 1.0, 1.0)


def test_noise_free_shift_is_certain() -> None:
    """Every pair exactly +20% (zero spread) is slower with p = 0 and a point interval."""
    verdict = judge_one([math.log(1.2)] * 8)
    assert verdict.verdict == "slower"
    assert verdict.p_value == 0.0
    assert verdict.ci_low == pytest.approx(1.2)
    assert verdict.ci_high == pytest.approx(1.2)


def test_tight_noise_around_no_change_is_unchanged() -> None:
    """0.2% noise and no shift over 8 pairs puts the interval inside the 5% band: unchanged."""
    verdict = judge_one(log_ratios(4, pairs=8, shift=0.0, noise=0.002))
    assert verdict.verdict == "unchanged"
    assert 1 / 1.05 < verdict.ci_low <= verdict.ratio <= verdict.ci_high < 1.05


def test_significant_change_below_threshold_is_unchanged() -> None:
    """+2% with 0.2% noise is highly significant but below the 5% minimum effect: unchanged."""
    verdict = judge_one(log_ratios(5, pairs=12, shift=0.02, noise=0.002))
    assert verdict.p_adjusted < 1e-6
    assert verdict.ratio == pytest.approx(1.02, rel=0.005)
    assert verdict.verdict == "unchanged"


def test_same_shift_above_a_smaller_threshold_is_slower() -> None:
    """The +2% that a 5% threshold calls unchanged is slower under a 1% threshold."""
    verdict = judge_one(log_ratios(5, pairs=12, shift=0.02, noise=0.002), threshold=0.01)
    assert verdict.verdict == "slower"


def test_significant_only_before_correction_is_not_an_alarm() -> None:
    """A raw p below alpha whose Holm-adjusted p is not stays short of slower."""
    ratios = log_ratios(6, pairs=12, shift=0.20, noise=0.03)
    raw = p_value(ratios)
    verdict = judge(
        "solve[tiny]",
        ratios,
        threshold=0.05,
        p_adjusted=0.2,
        p_value=raw,
        alpha=ALPHA,
        benchmarks=12,
    )
    assert raw < ALPHA
    assert verdict.verdict != "slower"
    assert verdict.p_adjusted == 0.2


def test_interval_widens_with_the_number_of_benchmarks() -> None:
    """The interval is drawn at 1 - alpha/m, so it is wider when more benchmarks are judged."""
    ratios = log_ratios(7, pairs=10, shift=0.1, noise=0.05)
    kwargs = {"threshold": 0.05, "p_adjusted": 0.01, "p_value": 0.01, "alpha": ALPHA}
    one = judge("a[tiny]", ratios, benchmarks=1, **kwargs)
    many = judge("a[tiny]", ratios, benchmarks=12, **kwargs)
    assert many.ci_low < one.ci_low
    assert many.ci_high > one.ci_high
    assert many.ratio == pytest.approx(one.ratio)


def test_holm_against_a_hand_computed_example() -> None:
    """Holm of (0.01, 0.04, 0.03, 0.005): sorted x(4, 3, 2, 1), running maximum, input order."""
    # 0.005 * 4 = 0.02; 0.01 * 3 = 0.03; 0.03 * 2 = 0.06; 0.04 * 1 = 0.04 -> max(0.06, 0.04)
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_keeps_ties() -> None:
    """Adjusted p-values never exceed 1, and equal inputs get equal outputs."""
    assert holm([0.5, 0.5, 0.9]) == pytest.approx([1.0, 1.0, 1.0])
    assert holm([0.01, 0.01]) == pytest.approx([0.02, 0.02])


def test_holm_of_one_and_of_none() -> None:
    """One p-value is its own adjustment; no p-values give none."""
    assert holm([0.03]) == pytest.approx([0.03])
    assert holm([]) == []


def test_holm_is_monotone_in_the_raw_order() -> None:
    """A smaller raw p-value never gets a larger adjusted one (the step-down guarantee)."""
    rng = np.random.default_rng(8)
    raw = [float(p) for p in rng.uniform(0, 0.2, 30)]
    adjusted = holm(raw)
    by_raw = sorted(zip(raw, adjusted, strict=True))
    assert all(a <= b for (_, a), (_, b) in itertools.pairwise(by_raw))
    assert all(adj >= p for p, adj in zip(raw, adjusted, strict=True))


def test_settled_unchanged_needs_three_pairs() -> None:
    """With fewer than three pairs nothing is settled, however tight."""
    assert not settled_unchanged([0.0, 0.0], threshold=0.05, confidence=0.99)


def test_settled_unchanged_when_the_interval_is_inside_the_band() -> None:
    """Tight noise around no change settles; exactly equal pairs settle too."""
    tight = log_ratios(9, pairs=6, shift=0.0, noise=0.005)
    assert settled_unchanged(tight, threshold=0.05, confidence=0.99)
    assert settled_unchanged([0.0] * 4, threshold=0.05, confidence=0.99)


def test_settled_unchanged_not_for_wide_noise_or_a_real_change() -> None:
    """Wide noise, a shift beyond the threshold, or a zero threshold does not settle."""
    wide = log_ratios(10, pairs=6, shift=0.0, noise=0.2)
    shifted = log_ratios(11, pairs=12, shift=0.2, noise=0.01)
    tight = log_ratios(12, pairs=12, shift=0.0, noise=0.005)
    assert not settled_unchanged(wide, threshold=0.05, confidence=0.99)
    assert not settled_unchanged(shifted, threshold=0.05, confidence=0.99)
    assert not settled_unchanged(tight, threshold=0.0, confidence=0.99)


def test_settled_unchanged_is_stricter_at_higher_confidence() -> None:
    """Samples settled at 90% confidence may still be open at 99.99%."""
    ratios = [0.02, -0.02, 0.01, -0.01]
    assert settled_unchanged(ratios, threshold=0.05, confidence=0.90)
    assert not settled_unchanged(ratios, threshold=0.05, confidence=0.9999)
