"""A progress bar for seeding the large tiers: transient, on stderr, counting rows."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rota.datasets.generator import GeneratedDataset


class SeedProgress:
    """A transient progress bar on stderr counting inserted rows, or nothing when disabled."""

    def __init__(self, generated: GeneratedDataset, *, enabled: bool) -> None:
        program = generated.program
        self.total = (
            1
            + len(program.sessions)
            + len(program.people)
            + len(program.rotations)
            + sum(len(r.coverage) for r in program.rotations)
            + len(program.absences)
        )
        self._progress: Progress | None = None
        if enabled:
            self._progress = Progress(
                TextColumn(f"seeding {generated.tier.name}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._task = self._progress.add_task("rows", total=self.total)

    def __enter__(self) -> Self:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def advance(self, rows: int) -> None:
        """Count ``rows`` more rows as inserted."""
        if self._progress is not None:
            self._progress.advance(self._task, rows)
