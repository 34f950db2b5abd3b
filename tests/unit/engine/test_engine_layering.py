"""The engine never imports the layer that measures it (issue 7)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import rota.engine

ENGINE_DIR = Path(rota.engine.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_engine_module_imports_rota_perf() -> None:
    """No module of rota.engine names rota.perf in an import statement."""
    offenders = {
        path.name: sorted(m for m in _imported_modules(path) if m.startswith("rota.perf"))
        for path in ENGINE_DIR.glob("*.py")
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_importing_the_engine_loads_nothing_from_rota_perf() -> None:
    """A fresh interpreter that imports the whole engine has no rota.perf module loaded."""
    code = (
        "import sys, rota.engine.generate, rota.engine.solver, rota.engine.quality;"
        "print(sorted(m for m in sys.modules if m.startswith('rota.perf')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
