"""Phase encodings compared on real speech: the shipped model's body and recipe, every encoding, several seeds.

For each seed, then each encoding of :data:`phaselab.studies.encodings_real.REAL_ENCODINGS`, trains
:func:`phaselab.nn.encoding_nets.encoding_cnn` with the default recipe (``phaselab train``'s,
:data:`~phaselab.studies.encodings_real.REAL_EPOCHS` epochs) on the bundled real set's training
speakers, keeps the epoch with the best validation macro F1, and scores it on the test speakers
clean, with real background noise at 20, 10, 5 and 0 dB SNR, and with a global phase rotation
(:func:`phaselab.studies.encodings_real.run_real_encoding`). Run directories go to
``build/experiments/encodings_real/`` (a killed run resumes there: run the script again);
``benchmarks/results/encodings_real.json`` is rewritten after every finished run.
``--report`` prints the tables (mean +- sd over seeds, and each encoding against magnitude,
paired by seed) from the JSON without training. Chapter 05 reads the JSON.

Run: ``python benchmarks/experiments/encodings_real.py [--seeds 0 1 2] [--encodings ...] [--epochs 15]``;
``PHASELAB_QUICK=1`` trains 1 epoch of 2 batches per run into a temporary folder (mechanics only).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads

from phaselab.studies.encodings_real import (
    REAL_ENCODINGS,
    REAL_EPOCHS,
    format_real_summary,
    load_speed,
    paired_difference,
    run_real_encoding,
    summarise_real,
)

OUT = harness.RESULTS / "encodings_real.json"
RUNS = harness.BUILD / "experiments" / "encodings_real"


def report(results: dict) -> str:
    rows = results["rows"]
    speed = load_speed(harness.RESULTS / "bench_encodings.json")
    lines = [format_real_summary(summarise_real(rows), speed), "", "each encoding minus magnitude, clean test macro F1:"]
    for encoding in dict.fromkeys(row["encoding"] for row in rows):
        if encoding == "magnitude":
            continue
        try:
            d = paired_difference(rows, encoding)
        except ValueError:
            continue
        lines.append(f"  {encoding:<12} seeds {d['seeds']}: {d['mean']:+.3f} (per seed {', '.join(f'{x:+.3f}' for x in d['differences'])}); "
                     f"95% CI over seeds {d['seed_ci'][0]:+.3f} .. {d['seed_ci'][1]:+.3f}, over test speakers "
                     f"{d['speaker_ci'][0]:+.3f} .. {d['speaker_ci'][1]:+.3f}: {d['verdict']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--encodings", nargs="+", default=list(REAL_ENCODINGS), choices=REAL_ENCODINGS)
    parser.add_argument("--epochs", type=int, default=REAL_EPOCHS)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--runs", type=Path, default=RUNS)
    parser.add_argument("--report", action="store_true", help="print the tables of --out and stop")
    args = parser.parse_args()
    if args.report:
        if not args.out.is_file():
            raise SystemExit(f"{args.out}: no results yet; run without --report first")
        print(report(json.loads(args.out.read_text(encoding="utf-8"))))
        return
    quick = os.environ.get("PHASELAB_QUICK") == "1"
    overrides = {"epochs": 1, "steps_per_epoch": 2, "batch_size": 8} if quick else {"epochs": args.epochs}
    runs = Path(tempfile.mkdtemp(prefix="encodings_real_")) if quick else args.runs
    results = {"settings": {"seeds": args.seeds, "encodings": args.encodings, **overrides, "data": "real",
                            "recipe": "phaselab train defaults (TrainConfig) but model enc-cnn and epochs",
                            "quick": quick},
               "machine": harness.machine(), "rows": []}
    if args.out.is_file() and not quick:
        previous = json.loads(args.out.read_text(encoding="utf-8"))
        if previous["settings"].get("epochs") == args.epochs:
            results["rows"] = [row for row in previous["rows"]]
    done = {(row["encoding"], row["seed"]) for row in results["rows"]}
    for seed in args.seeds:
        for encoding in args.encodings:
            if (encoding, seed) in done:
                continue
            row = run_real_encoding(encoding, seed, runs, **overrides)
            results["rows"].append(row)
            print(f"{encoding:<12} seed {seed}: clean macro F1 {row['conditions']['clean']['macro_f1']:.3f}, "
                  f"{row['minutes']:.1f} min", flush=True)
            harness.write_json(args.out, results)
    print(report(results))


if __name__ == "__main__":
    main()
