"""Memory budgets run under pytest-memray: ``pytest --memray tests/memory``.

pytest-memray enforces ``limit_memory`` only with ``--memray``, and it cannot share the
process with the perf tests that start memray trackers of their own; so the budgets run
in a second invocation (the README's test command runs both) and are skipped otherwise.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("memray", default=False):
        return
    skip = pytest.mark.skip(reason="memory budgets are enforced with: pytest --memray tests/memory")
    for item in items:
        if "tests/memory/" in item.nodeid:
            item.add_marker(skip)
