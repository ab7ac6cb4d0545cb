"""``phaselab data``: get the data the notebooks and the trainer read.

Each ``phaselab data ACTION`` is registered by the module that implements it.
"""

from __future__ import annotations

import argparse
import importlib

ACTION_MODULES: tuple[str, ...] = ("phaselab.data.download", "phaselab.data.synth", "phaselab.data.real")
"""Modules under :mod:`phaselab.data` with a ``register(subparsers)`` for one action."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``phaselab data`` and its actions."""
    parser = subparsers.add_parser("data", help="download, synthesise or bundle keyword data")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name in ACTION_MODULES:
        importlib.import_module(name).register(actions)
