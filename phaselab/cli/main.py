"""The ``phaselab`` command line: ``phaselab COMMAND ...`` (also ``python -m phaselab``).

Each command lives in its own module, which provides ``register(subparsers)``: it adds
its sub-parser and sets ``func`` to a function of the parsed arguments that returns an
exit status. Modules import heavy libraries (TensorFlow) inside ``func`` only, so
``phaselab --help`` stays fast.

A user's mistake is reported on one line, without a traceback: an option value of the
wrong type or range is a usage error (argparse's, exit status 2; see :func:`positive_int`);
a bad file or combination of options, a :class:`CliError`, ``ValueError`` or ``OSError``
exits with 1, and so does running out of memory (with a hint at what to make smaller).
SIGTERM is turned into an exception, as Ctrl-C is, so that temporary files are removed on
the way out (exit status 143; 130 for Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from phaselab import __version__

__all__ = ["build_parser", "main", "CliError", "Terminated", "positive_int", "probability"]

COMMAND_MODULES: tuple[str, ...] = ("phaselab.cli.data", "phaselab.cli.movie", "phaselab.cli.demos",
                                     "phaselab.cli.site", "phaselab.cli.train", "phaselab.cli.listen")
"""Modules that register a sub-command, in the order ``--help`` lists them."""


class CliError(Exception):
    """An error to report on one line, without a traceback, with exit status 1."""


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process gets SIGTERM, so that clean-ups run."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def positive_int(text: str) -> int:
    """An argparse ``type``: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def probability(text: str) -> float:
    """An argparse ``type``: a number at least 0 and below 1 (a probability threshold)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {value}")
    return value


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
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        return int(args.func(args) or 0)
    except (CliError, ValueError, OSError) as exc:
        print(f"phaselab {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except MemoryError:
        print(f"phaselab {args.command}: error: out of memory; make the job smaller (a shorter clip or --crop "
              "for movie, a smaller --batch-size or data set for train and evaluate)", file=sys.stderr)
        return 1
    except Terminated:
        print(f"phaselab {args.command}: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"phaselab {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
