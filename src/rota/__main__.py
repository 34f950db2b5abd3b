"""The ``rota`` console script and ``python -m rota``: the CLI, with Ctrl-C handled from the start.

``rota.cli.main`` maps an interrupt during a command to ``rota: interrupted`` and exit
130, but the console script imports ``rota.cli`` (argparse, rich, SQLAlchemy: about a
second) before ``main`` runs, so an interrupt then would print a traceback. This module
imports nothing heavy itself and imports the CLI inside the same handling.
"""

from __future__ import annotations

import sys

# The exit status of a process ended by SIGINT, as shells report it (128 + 2).
INTERRUPTED = 130


def main() -> int:
    """Import and run ``rota.cli.main``; an interrupt at any point is one line, exit 130."""
    try:
        from rota.cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:
        print("rota: interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
