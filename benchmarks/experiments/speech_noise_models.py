"""Speech or noise: a magnitude-only model against phase-aware ones, same body, same budget, several seeds.

Trains :func:`phaselab.nn.encoding_nets.encoding_model` over each encoding on the task of
:mod:`phaselab.studies.speech_noise` made from the training speakers of a bundled set (default the real
one, with its real background recordings split by file: :data:`phaselab.studies.speech_noise.NOISE_SPLITS`),
validates on the validation speakers and scores accuracy per kind of sound and ROC AUC on the
test speakers, once per seed (the seed draws the sets, the weights and the batch order). Writes,
after every seed so a killed job keeps the seeds it finished,
``benchmarks/results/speech_noise_real.json`` (``--data synthetic``: ``speech_noise.json``, the
synthetic-voice run that ``benchmarks/FINDINGS.md`` quotes): settings, machine, the runs per seed
and their summary (mean and standard deviation over seeds), which
notebooks/06_speech_or_noise.ipynb reads.

Run: ``python benchmarks/experiments/speech_noise_models.py [--seeds 0 1 2] [--epochs 8] [--train 1000]
[--encodings magnitude mag_if ...] [--data real|synthetic]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads

from phaselab.atomic import write_json
from phaselab.studies.speech_noise import NOISE_SPLITS, noise_split, training_clips
from phaselab.studies.speech_noise_models import (
    compare_encodings_on_speech_noise,
    format_seed_summary,
    summarise_seeds,
)

RESULTS = harness.RESULTS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encodings", nargs="+", default=["magnitude", "mag_if", "if"])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--train", type=int, default=1000, help="training examples")
    parser.add_argument("--validation", type=int, default=300)
    parser.add_argument("--test", type=int, default=400)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--data", choices=["real", "synthetic"], default="real")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or RESULTS / ("speech_noise_real.json" if args.data == "real" else "speech_noise.json")
    splits = {name: training_clips(name, args.data) for name in ("train", "validation", "test")}
    noises = {name: noise_split(name) for name in splits} if args.data == "real" else None
    sizes = {"train": args.train, "validation": args.validation, "test": args.test}
    settings = {key: value for key, value in vars(args).items() if key != "out"}
    if noises:
        settings["noise_splits"] = {"train": "the other recordings", **NOISE_SPLITS}
    machine = harness.machine()
    runs = {}
    for seed in args.seeds:  # one seed at a time, every encoding, so a killed job keeps whole seeds
        runs[str(seed)] = compare_encodings_on_speech_noise(args.encodings, splits, sizes, args.epochs, seed,
                                                            noises=noises)
        for encoding, result in runs[str(seed)].items():
            test = "  ".join(f"{kind} {value:.3f}" for kind, value in result["test"].items())
            print(f"seed {seed}  {encoding:<12} {result['params']:>7,} params  {result['seconds']:6.0f} s  "
                  f"AUC {result['auc']:.4f}  {test}", flush=True)
        report = {"settings": settings, "machine": machine, "runs": runs, "summary": summarise_seeds(runs)}
        write_json(report, out)
    print(f"on {machine}:")
    print(format_seed_summary(summarise_seeds(runs)))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
