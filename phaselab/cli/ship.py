"""``python -m phaselab.cli.ship RUN_DIR``: ship a finished run's best model as the package's keyword model (``make model``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from phaselab.training.shipped import SHIPPED_MODEL, WEIGHTS, ship


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m phaselab.cli.ship RUN_DIR``: ship a run's best model (``make model``)."""
    parser = argparse.ArgumentParser(prog="python -m phaselab.cli.ship", description=ship.__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--weights", type=Path, default=WEIGHTS, help="output folder (default: the package's weights/)")
    args = parser.parse_args(argv)
    try:
        record = ship(args.run_dir, args.weights)
    except ValueError as exc:
        print(f"ship: error: {exc}", file=sys.stderr)
        return 1
    scores = json.loads(record.read_text(encoding="utf-8"))["scores"]
    for name, result in scores.items():
        print(f"{name}: macro F1 {result['macro_f1']:.3f}, accuracy {result['accuracy']:.3f}, "
              f"command recall {result['command_recall']:.3f}, false alarms {result['false_alarm_rate']:.3f}")
    print(f"wrote {record.with_name(SHIPPED_MODEL.name)} and {record}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
