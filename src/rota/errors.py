"""Errors a user can cause or fix, each carrying the CLI exit code it maps to.

The CLI catches ``RotaError`` once, at the top, prints its one-line message to stderr and
returns ``exit_code``; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class RotaError(Exception):
    """A problem the user can fix: its message names the problem and what to do."""

    exit_code: int = 2


class UsageError(RotaError):
    """Bad input: unknown tier, malformed URL, unreachable server, missing directory."""

    exit_code = 2


class InfeasibleError(RotaError):
    """The program admits no schedule that obeys the rules; nothing was stored."""

    exit_code = 3


class ResultsError(RotaError):
    """A results or baseline file is missing, corrupt or of an unknown format version."""

    exit_code = 2
