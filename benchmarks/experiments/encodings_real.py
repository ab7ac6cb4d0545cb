"""Phase encodings compared on real speech: every arm (grid x encoding, and the raw waveform), several seeds.

For each seed, then each arm of :data:`phaselab.studies.encodings_real.REAL_ARMS` -- every encoding on
the 40 mel bands and on the 257 linear STFT bins, with the phase measured from the window's centre,
through the shipped model's body (:func:`phaselab.nn.encoding_nets.encoding_cnn`), and a 1D CNN on the
raw waveform -- trains with the default recipe (``phaselab train``'s,
:data:`~phaselab.studies.encodings_real.REAL_EPOCHS` epochs) on the bundled real set's training
speakers, keeps the epoch with the best validation macro F1, and scores it on the test speakers
clean, with real background noise at 20, 10, 5 and 0 dB SNR, and with a global phase rotation
(:func:`phaselab.studies.encodings_real.run_real_arm`). Run directories go to
``build/experiments/encodings_real/`` (a killed run resumes there: run the script again);
``benchmarks/results/encodings_real.json`` is rewritten after every finished run, and arms already
in it are skipped.

The first study (before phaselab measured phase from the window's centre) pooled every encoding
onto mel bands with the phase measured from the frame start. Its runs of encodings that do not
depend on the reference (magnitude, IF, magnitude + IF, group delay: ``tests/nn/test_features.py``
checks that their features agree under both references) are kept as the ``mel/`` arms; its
phased and cos/sin runs, which do depend on it, are kept as ``mel-start/`` arms for contrast
(the script converts such a file when it reads it).

``--report`` prints the tables (mean +- sd over seeds, and each arm against its grid's magnitude,
paired by seed) from the JSON without training. Chapter 05 reads the JSON.

Run: ``python benchmarks/experiments/encodings_real.py [--seeds 0 1 2] [--arms ...] [--epochs 15]``;
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

from phaselab.atomic import write_json

from phaselab.studies.encodings_real import (
    CONDITIONS,
    format_paired_differences,
    REAL_ARMS,
    REAL_EPOCHS,
    format_real_summary,
    load_speed,
    paired_difference,
    run_real_arm,
    summarise_real,
)

OUT = harness.RESULTS / "encodings_real.json"
RUNS = harness.BUILD / "experiments" / "encodings_real"
REFERENCE_FREE = ("magnitude", "if", "mag_if", "group_delay")


def differences(rows: list[dict]) -> list[dict]:
    """Each arm against the magnitude of its grid (the waveform: mel/magnitude), clean, at 0 dB and rotated."""
    out = []
    for arm in (entry["arm"] for entry in summarise_real(rows)):
        for condition in ("clean", "noise 0 dB", "phase rotation"):
            if arm.endswith("/magnitude"):
                continue
            try:
                out.append(paired_difference(rows, arm, condition=condition))
            except ValueError:  # its baseline has no run yet
                continue
    return out


def report(results: dict, diffs: list[dict]) -> str:
    speed = load_speed(harness.RESULTS / "bench_encodings.json")
    return "\n".join([format_real_summary(summarise_real(results["rows"]), speed), "",
                      "each arm minus the magnitude of its grid (the waveform: minus mel/magnitude), test macro F1:",
                      format_paired_differences(diffs)])


FINDINGS = harness.RESULTS.parent / "FINDINGS.md"
BEGIN, END = "<!-- encodings_real.py --findings: begin -->", "<!-- encodings_real.py --findings: end -->"


def markdown(results: dict, diffs: list[dict]) -> str:
    """Both tables as Markdown: the summary per arm, and each arm against its grid's magnitude, paired by seed."""
    lines = [format_real_summary(summarise_real(results["rows"]), load_speed(harness.RESULTS / "bench_encodings.json")),
             "", "| arm | against | condition | mean difference | per seed | 95 % CI over seeds | 95 % CI over test "
             "speakers | what may be said |", "|---|---|---|---:|---|---:|---:|---|"]
    lines += [f"| {d['arm']} | {d['baseline']} | {d['condition']} | {d['mean']:+.3f} | "
              f"{', '.join(f'{x:+.3f}' for x in d['differences'])} | {d['seed_ci'][0]:+.3f} .. {d['seed_ci'][1]:+.3f} | "
              f"{d['speaker_ci'][0]:+.3f} .. {d['speaker_ci'][1]:+.3f} | {d['verdict']} |" for d in diffs]
    return "\n".join(lines)


def write_findings(results: dict, diffs: list[dict], path: Path = FINDINGS) -> None:
    """Replace the block between the markers in FINDINGS.md by :func:`markdown`'s tables."""
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{path}: the markers {BEGIN!r} and {END!r} are missing")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    path.write_text(f"{head}{BEGIN}\n{markdown(results, diffs)}\n{END}{tail}", encoding="utf-8")


def migrate(results: dict) -> dict:
    """Give the first study's rows (no ``arm``) their arm: ``mel/E`` where E is reference-free, else ``mel-start/E``."""
    for row in results["rows"]:
        if "arm" not in row:
            free = row["encoding"] in REFERENCE_FREE
            row["arm"] = f"mel/{row['encoding']}" if free else f"mel-start/{row['encoding']}"
            row["grid"] = "mel"
            row["phase_reference"] = "either (reference-free encoding)" if free else "start"
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--arms", nargs="+", default=list(REAL_ARMS), choices=REAL_ARMS)
    parser.add_argument("--epochs", type=int, default=REAL_EPOCHS)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--runs", type=Path, default=RUNS)
    parser.add_argument("--report", action="store_true", help="print the tables of --out and stop")
    parser.add_argument("--findings", action="store_true",
                        help="write the tables of --out into benchmarks/FINDINGS.md (between its markers) and stop")
    args = parser.parse_args()
    if args.report or args.findings:
        if not args.out.is_file():
            raise SystemExit(f"{args.out}: no results yet; run without --report first")
        results = migrate(json.loads(args.out.read_text(encoding="utf-8")))
        diffs = differences(results["rows"])
        if args.findings:
            write_findings(results, diffs)
        print(report(results, diffs))
        return
    quick = os.environ.get("PHASELAB_QUICK") == "1"
    overrides = {"epochs": 1, "steps_per_epoch": 2, "batch_size": 8} if quick else {"epochs": args.epochs}
    runs = Path(tempfile.mkdtemp(prefix="encodings_real_")) if quick else args.runs
    results = {"settings": {"seeds": args.seeds, "arms": args.arms, **overrides, "data": "real",
                            "recipe": "phaselab train defaults (TrainConfig) but the arm's model and epochs",
                            "phase_reference": "centre", "conditions": list(CONDITIONS), "quick": quick},
               "machine": harness.machine(), "rows": []}
    if args.out.is_file() and not quick:
        previous = migrate(json.loads(args.out.read_text(encoding="utf-8")))
        if previous["settings"].get("epochs") == args.epochs:
            results["rows"] = list(previous["rows"])
    done = {(row["arm"], row["seed"]) for row in results["rows"]}
    for seed in args.seeds:
        for arm in args.arms:
            if (arm, seed) in done:
                continue
            row = run_real_arm(arm, seed, runs, **overrides)
            results["rows"].append(row)
            print(f"{arm:<18} seed {seed}: clean macro F1 {row['conditions']['clean']['macro_f1']:.3f}, "
                  f"{row['minutes']:.1f} min", flush=True)
            write_json(results, args.out)
    print(report(results, differences(results["rows"])))


if __name__ == "__main__":
    main()
