"""The public API of the improvement phase and the quality definition (issue 12)."""

from __future__ import annotations

import inspect

import pytest

import rota.engine.improve
import rota.engine.quality


@pytest.mark.parametrize("module", [rota.engine.improve, rota.engine.quality])
def test_all_names_exist_once(module: object) -> None:
    """Every name in ``__all__`` is importable and listed once."""
    names = module.__all__  # type: ignore[attr-defined]
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(module, name), name


def test_the_phase_and_definition_the_orchestration_wires_in() -> None:
    """``improve_schedule(program, solution, *, policy, settings)`` and a definition id."""
    parameters = inspect.signature(rota.engine.improve.improve_schedule).parameters
    assert list(parameters)[:2] == ["program", "solution"]
    assert {"policy", "settings", "kinds"} <= set(parameters)
    assert all(parameters[p].kind is inspect.Parameter.KEYWORD_ONLY for p in ("policy", "settings"))
    assert rota.engine.quality.QUALITY_DEFINITION.startswith("quality-")
