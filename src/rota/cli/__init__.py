"""The ``rota`` command line: one module per subcommand, errors mapped once, here.

To add a subcommand, write ``rota/cli/NAME.py`` defining ``COMMAND = YourCommand()`` (a
``rota.cli.common.Command`` whose docstring is its help) and add its name to
``SUBCOMMANDS`` below: one line.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from importlib.metadata import version

from rota.cli.common import ArgumentParser, Command
from rota.errors import RotaError

# Subcommand modules under rota.cli, in the order ``rota --help`` lists them.
SUBCOMMANDS: tuple[str, ...] = (
    "seed",
    "datasets",
    "tiers",
    "generate",
    "runs",
    "validate",
    "export",
    "bench",
    "gate",
    "plot",
    "history",
)


def load_commands() -> list[Command]:
    """The ``COMMAND`` of every module in ``SUBCOMMANDS``."""
    commands = []
    for module_name in SUBCOMMANDS:
        command = importlib.import_module(f"rota.cli.{module_name}").COMMAND
        if not isinstance(command, Command):  # a wiring bug, not a user error
            raise TypeError(f"rota.cli.{module_name}.COMMAND is not a Command")
        commands.append(command)
    return commands


def build_parser() -> ArgumentParser:
    """The ``rota`` parser with a sub-parser per subcommand."""
    parser = ArgumentParser(
        prog="rota",
        description="Residency duty-schedule generation engine and its benchmarking suite.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('rota')}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in load_commands():
        doc = (type(command).__doc__ or "").strip()
        sub = subparsers.add_parser(
            command.name,
            help=doc.splitlines()[0] if doc else None,
            description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(sub)
        sub.set_defaults(command=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``rota`` with ``argv`` (default: the process arguments); return the exit code."""
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # --help and --version exit after printing
            return exc.code if isinstance(exc.code, int) else 0
        command: Command = args.command
        return command.run_from_args(args)
    except RotaError as exc:
        message = " ".join(str(exc).split())  # one line, whatever the message holds
        print(f"rota: error: {message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("rota: interrupted", file=sys.stderr)
        return 130
