"""Every rota.perf module exports what it lists, and importing it does no heavy work."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

MODULES = [
    "async_bench",
    "atomic",
    "callgrind",
    "callgrind_output",
    "instructions",
    "instructions_child",
    "machine",
    "plots",
    "results",
    "sqlcount",
    "stats",
    "timing",
]


@pytest.mark.parametrize("name", MODULES)
def test_exported_members_exist_and_are_public(name: str) -> None:
    """Each name in ``__all__`` exists, and every public class or function is listed."""
    module = importlib.import_module(f"rota.perf.{name}")
    exported = set(module.__all__)
    assert all(hasattr(module, member) for member in exported)
    defined_here = {
        member
        for member, value in vars(module).items()
        if not member.startswith("_")
        and callable(value)
        and getattr(value, "__module__", None) == module.__name__
    }
    assert defined_here <= exported


def test_importing_the_results_store_does_not_import_scipy_or_matplotlib() -> None:
    """The results store and timing helpers import cheaply (no SciPy, no matplotlib)."""
    code = (
        "import sys, rota.perf.results, rota.perf.timing, rota.perf.async_bench; "
        "print(sorted(m for m in ('scipy', 'matplotlib', 'memray') if m in sys.modules))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"
