"""Phase encodings compared on the keyword task: same body, same budget, several seeds.

Trains :func:`phaselab.nn.encoding_nets.encoding_model` over each encoding on the bundled
keyword set (or ``--data``) with :func:`phaselab.studies.encodings.run_encoding_study` and
scores it on the test split (held-out voices). Writes, after every run so a killed job
keeps what it finished, ``benchmarks/results/compare_encodings.json`` (settings, rows,
summary) and ``compare_encodings.csv`` (one row per run), which
notebooks/05_phase_encodings_compared.ipynb reads.

Run: ``python benchmarks/experiments/compare_encodings.py [--seeds 0 1] [--epochs 8] [--steps 25]``;
``--append --seeds 2`` adds seed 2 to the runs already in the JSON (same settings required).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads

from phaselab.atomic import write_json, write_text
from phaselab.studies.encodings import (
    ROW_KEYS,
    StudyBudget,
    format_summary,
    run_encoding_study,
    summarise,
)

RESULTS = harness.RESULTS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encodings", nargs="+", default=["magnitude", "phased", "cos_sin", "if", "mag_if"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=25, help="batches per epoch")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--data", default="mini")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--append", action="store_true", help="keep the runs already in the JSON and add these seeds")
    args = parser.parse_args()
    budget = StudyBudget(args.epochs, args.steps, args.batch_size)
    args.out.mkdir(parents=True, exist_ok=True)
    rows, seeds = [], []
    if args.append:
        previous = json.loads((args.out / "compare_encodings.json").read_text(encoding="utf-8"))
        mine = {"encodings": args.encodings, "data": args.data, "budget": budget.as_dict()}
        theirs = {key: previous["settings"][key] for key in mine}
        if mine != theirs:
            raise SystemExit(f"--append: the saved runs have other settings: {theirs}")
        rows, seeds = previous["rows"], previous["settings"]["seeds"]
        if set(seeds) & set(args.seeds):
            raise SystemExit(f"--append: seeds {sorted(set(seeds) & set(args.seeds))} are already there")
    for seed in args.seeds:  # one seed at a time, every encoding, so a killed job has whole seeds
        rows += run_encoding_study(args.encodings, [seed], budget, args.data)
        seeds.append(seed)
        settings = {"encodings": args.encodings, "seeds": seeds, "data": args.data, "budget": budget.as_dict()}
        write_json({"settings": settings, "rows": rows, "summary": summarise(rows)}, args.out / "compare_encodings.json")
        table = io.StringIO()
        writer = csv.DictWriter(table, fieldnames=ROW_KEYS[:-1], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        write_text(args.out / "compare_encodings.csv", table.getvalue())
    print(format_summary(summarise(rows)))
    print(f"wrote {args.out / 'compare_encodings.json'} and .csv")


if __name__ == "__main__":
    main()
