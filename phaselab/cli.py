"""The ``phaselab`` command line: ``phaselab COMMAND ...`` (also ``python -m phaselab``).

Each command lives in its own module, which provides ``register(subparsers)``: it adds
its sub-parser and sets ``func`` to a function of the parsed arguments that returns an
exit status. Modules import heavy libraries (TensorFlow) inside ``func`` only, so
``phaselab --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from phaselab import __version__

__all__ = ["build_parser", "main", "CliError"]

COMMAND_MODULES: tuple[str, ...] = ("phaselab.data.cli", "phaselab.movie_cli", "phaselab.reconstruction_cli",
                                     "phaselab.site_cli", "phaselab.train_cli")
"""Modules that register a sub-command, in the order ``--help`` lists them."""


class CliError(Exception):
    """An error to report on one line, without a traceback, with exit status 1."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="phaselab",
        description="Teaching the phase of audio: movies, data and models for the phaselab notebooks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (CliError, ValueError, FileNotFoundError, PermissionError) as exc:
        print(f"phaselab {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"phaselab {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
