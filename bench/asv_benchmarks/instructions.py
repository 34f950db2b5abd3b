"""Instructions executed per phase on the tiny tier, counted under callgrind (``track_``).

The counts come from the commit's own instruction pass (``rota.perf.instructions``):
one child process under ``valgrind --tool=callgrind``, once per commit, in this module's
``setup_cache`` (asv keeps one cache per module), and every ``track_`` benchmark reads
its figure from it. They do not care how busy the machine is, so the history shows a
1% step in solver work that the timing series hide. The tiny tier only: a pass costs
about 30 s there and a minute on small (README, "Instructions under callgrind").

A commit from before the pass, a machine without valgrind, or an asv environment
where rota's callgrind extension was not built (``asv.conf.json`` builds it when the
commit has it) reports n/a with the reason, never a failure.
"""

from __future__ import annotations

import os
from typing import Any

from ._api import TIERS_VARIABLE, UNAVAILABLE, available

__all__ = ["Instructions", "setup_cache"]

Cache = dict[str, Any]

COUNTED_TIERS = ("tiny",)
# Every phase the pass counts, improve included: a parameter list of its own, fixed at
# every commit (a phase a commit lacks is n/a there).
COUNTED_PHASES = ("seed", "load", "solve", "improve", "validate", "persist", "generate")


def setup_cache() -> Cache:
    """Once per commit: the instruction pass over the counted tiers, or why it cannot run."""
    try:
        from rota.datasets.tiers import get_tier
        from rota.perf.instructions import instruction_pass, valgrind_available
        from rota.perf.workloads import PHASES
    except ImportError as exc:
        return {UNAVAILABLE: f"no instruction pass at this commit ({exc})"}
    missing = valgrind_available()
    if missing is not None:
        return {UNAVAILABLE: missing}
    wanted = os.environ.get(TIERS_VARIABLE, ",".join(COUNTED_TIERS)).split(",")
    tiers = [get_tier(t) for t in COUNTED_TIERS if t in wanted]
    if not tiers:
        return {UNAVAILABLE: f"no counted tier among {TIERS_VARIABLE}={','.join(wanted)}"}
    phases = [p for p in COUNTED_PHASES if p in PHASES]
    return {"counts": instruction_pass(tiers, phases)}


setup_cache.timeout = 900  # type: ignore[attr-defined]


class Instructions:
    """Instructions executed by one phase's work on one tier (callgrind's ``Ir``)."""

    params = (list(COUNTED_TIERS), list(COUNTED_PHASES))
    param_names = ("tier", "phase")
    version = "rota-instructions-1"  # pinned: edits to this file must not drop the history

    def setup(self, cache: Cache, tier: str, phase: str) -> None:
        available(cache)
        if f"{phase}[{tier}]" not in cache["counts"]:
            raise NotImplementedError(f"{phase}[{tier}] was not counted at this commit")

    def track_instructions(self, cache: Cache, tier: str, phase: str) -> int:
        return int(cache["counts"][f"{phase}[{tier}]"])

    track_instructions.unit = "instructions"  # type: ignore[attr-defined]
