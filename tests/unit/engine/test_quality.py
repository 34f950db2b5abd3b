"""Quality terms of definition quality-2 on hand-built schedules with known answers (issue 12)."""

from __future__ import annotations

import pytest
from tests.unit.engine.handmade import CALL, CLINIC, days_of, duty, program

from rota.engine.quality import (
    QUALITY_DEFINITION,
    available_days,
    fair_spread,
    measure_quality,
    resident_figures,
    rewarded_extra,
)


def test_the_definition_is_named() -> None:
    """Runs record which quality definition measured them."""
    assert QUALITY_DEFINITION == "quality-2"
    assert measure_quality(program(), []).definition == QUALITY_DEFINITION
    assert measure_quality(program(), []).as_dict()["definition"] == QUALITY_DEFINITION


@pytest.mark.parametrize(
    ("values", "available", "days", "spread"),
    [
        pytest.param([4, 2], [28, 14], 28, 0.0, id="shares-follow-available-days"),
        pytest.param([3, 3], [28, 14], 28, 2.0, id="equal-counts-are-unfair-after-leave"),
        pytest.param([3, 3], [28, 14], 56, 1.0, id="scaled-to-28-days"),
        pytest.param([6, 0, 3], [14, 14, 14], 14, 12.0, id="short-horizon-scaled-up"),
        pytest.param([5, 0], [28, 0], 28, 0.0, id="nobody-to-compare-with"),
    ],
)
def test_fair_spread(values: list[float], available: list[int], days: int, spread: float) -> None:
    """The spread is max minus min deviation from shares proportional to available days."""
    assert fair_spread(values, available, days) == pytest.approx(spread)


def test_available_days_leave_out_absences_inside_the_horizon() -> None:
    """A resident absent on days 2-4 (and past the horizon's end) has the rest available."""
    assert available_days(program(absences=[(1, 2, 4), (2, 5, 30)])) == {1: 4, 2: 5}


@pytest.mark.parametrize(
    ("day", "session", "weekend_days"),
    [
        pytest.param(4, "PM", 0, id="friday-pm"),
        pytest.param(4, "NIGHT", 1, id="friday-night-into-saturday"),
        pytest.param(5, "AM", 1, id="saturday-am"),
        pytest.param(5, "NIGHT", 2, id="saturday-night-into-sunday"),
        pytest.param(6, "NIGHT", 1, id="sunday-night-into-monday"),
    ],
)
def test_weekend_duty_is_any_interval_touching_a_weekend_day(
    day: int, session: str, weekend_days: int
) -> None:
    """Weekend days count the Saturdays and Sundays a duty interval touches."""
    prog = program(days=8)
    figures = resident_figures(prog, [duty(1, day, session, CALL if session == "NIGHT" else 1)])
    assert figures.weekend_days[1] == weekend_days


def test_a_24_hour_call_is_not_a_switch() -> None:
    """Ward day, call night, ward again counts no switch; a standalone call night counts two."""
    prog = program()
    call_24h = [*days_of(1, [0]), duty(1, 0, "NIGHT", CALL), *days_of(1, [2])]
    standalone = [*days_of(2, [0]), duty(2, 1, "NIGHT", CALL), *days_of(2, [3])]
    figures = resident_figures(prog, call_24h + standalone)
    assert figures.switches == {1: 0, 2: 2}
    assert figures.calls == {1: 1, 2: 1}


def test_a_change_of_rotation_is_a_switch() -> None:
    """Ward then clinic then ward is two switches."""
    schedule = days_of(1, [0]) + days_of(1, [1], CLINIC) + days_of(1, [2])
    assert resident_figures(program(), schedule).switches[1] == 2


@pytest.mark.parametrize(
    ("extra", "required", "rewarded"),
    [pytest.param(3, 100, 3, id="below-limit"), pytest.param(10, 100, 5, id="capped-at-5%")],
)
def test_extra_coverage_is_rewarded_up_to_a_limit(extra: int, required: int, rewarded: int) -> None:
    """Above-minimum coverage earns the objective's reward only up to 5% of the minimum."""
    assert rewarded_extra(extra, required) == rewarded


def test_measure_quality_on_a_known_schedule() -> None:
    """Two PGY-1s over a week: one does both call nights, the other none."""
    prog = program()
    schedule = [
        *days_of(1, [0, 2]),
        duty(1, 0, "NIGHT", CALL),
        duty(1, 2, "NIGHT", CALL),
        *days_of(2, [0, 2]),
    ]
    quality = measure_quality(prog, schedule)
    # Expected share 1 each; deviations +1 and -1; spread 2, scaled by 28 / 7.
    assert quality.call_spread == {"PGY1": pytest.approx(8.0)}
    assert quality.hours_spread == {"PGY1": pytest.approx(28 * 4)}
    assert quality.weekend_spread == {"PGY1": 0.0}
    assert quality.rotation_switches == 0
    assert quality.objective == pytest.approx(10 * 8 + 0.5 * 112)
