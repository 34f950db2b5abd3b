"""What every subcommand shares: its base class, the shared options, the async runner.

A subcommand is a ``Command`` subclass whose docstring is its help text. It parses
nothing itself: ``add_arguments`` declares options and ``run_from_args`` hands the parsed
values to a plain ``run(...)`` function that tests call without argparse.
"""

from __future__ import annotations

import argparse
import asyncio
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from typing import Any, ClassVar, NoReturn, TypeVar

from rich.console import Console
from sqlalchemy.engine import URL

from rota.datasets.tiers import TIERS, get_tier
from rota.db.url import ENV_VAR, resolve_url
from rota.errors import UsageError

T = TypeVar("T")

# The largest seed a database column holds (BIGINT).
MAX_SEED = 2**63 - 1


class Command(ABC):
    """One subcommand. Subclasses set ``name``; their docstring is the help text."""

    name: ClassVar[str]

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:  # noqa: B027
        """Declare the subcommand's options (none by default)."""

    @abstractmethod
    def run_from_args(self, args: argparse.Namespace) -> int:
        """Run with parsed arguments; return the exit code."""


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose errors are ``UsageError``: one line, exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Raise instead of printing usage and exiting, so ``main`` reports it once."""
        raise UsageError(f"{message} (see '{self.prog} --help')")


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """The shared ``--db URL`` option (else $ROTA_DATABASE_URL, else ./rota.db)."""
    parser.add_argument(
        "--db",
        metavar="URL",
        help=(
            f"database URL: sqlite:///PATH or postgresql://USER@HOST:PORT/DB "
            f"(default: ${ENV_VAR}, else sqlite:///rota.db)"
        ),
    )


def database_url(args: argparse.Namespace) -> URL:
    """The normalized database URL the parsed ``--db`` option (or its fallbacks) names."""
    option: str | None = args.db
    return resolve_url(option)


def add_tier_option(parser: argparse.ArgumentParser) -> None:
    """A required ``--tier NAME`` option, parsed into a ``Tier``."""
    parser.add_argument(
        "--tier", required=True, type=get_tier, metavar="NAME", help=f"one of {', '.join(TIERS)}"
    )


def seed_value(text: str) -> int:
    """Parse a dataset seed: a whole number from 0 to 2**63 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"seed must be a whole number such as 0 or 42, not {text!r}"
        ) from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"seed must be between 0 and {MAX_SEED}, not {value}")
    return value


def positive_int(text: str) -> int:
    """Parse a whole number of at least 1 (process counts, trials, commits ...)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def add_seed_option(parser: argparse.ArgumentParser) -> None:
    """An optional ``--seed N`` option (default 0)."""
    parser.add_argument(
        "--seed", type=seed_value, default=0, metavar="N", help="dataset seed (default: 0)"
    )


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine on a fresh event loop."""
    return asyncio.run(coroutine)


def console(out: Console | None = None) -> Console:
    """The console a command prints to: ``out`` in tests, else stdout."""
    if out is not None:
        return out
    screen = Console(highlight=False, soft_wrap=True)
    if not screen.is_terminal:
        screen.width = max(screen.width, 150)  # files and CI logs: keep table rows whole
    return screen
