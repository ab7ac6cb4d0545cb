"""The ``phaselab`` command line; every ``argparse`` parser of the package lives in this subpackage."""

from phaselab.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
