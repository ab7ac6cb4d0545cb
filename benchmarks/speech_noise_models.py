"""Speech or noise: a magnitude-only model against phase-aware ones, same body, same budget, several seeds.

Trains :func:`phaselab.encoding_models.encoding_model` over each encoding on the task of
:mod:`phaselab.speech_noise` made from the training voices of the bundled keyword set,
validates on the validation voices and scores accuracy per kind of sound on the test
voices (accents never heard in training), once per seed (the seed draws the sets, the
weights and the batch order). Writes, after every seed so a killed job keeps the seeds it
finished, ``benchmarks/results/speech_noise.json``: settings, machine, the runs per seed
and their summary (mean and standard deviation over seeds), which
notebooks/06_speech_or_noise.ipynb reads.

Run: ``python benchmarks/speech_noise_models.py [--seeds 0 1 2] [--epochs 8] [--train 1000]
[--encodings magnitude mag_if ...]``
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from phaselab.budget import describe_machine  # noqa: E402
from phaselab.detect import (  # noqa: E402
    compare_encodings_on_speech_noise,
    format_seed_summary,
    summarise_seeds,
    training_clips,
)

OUT = Path(__file__).resolve().parent / "results" / "speech_noise.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encodings", nargs="+", default=["magnitude", "mag_if"])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--train", type=int, default=1000, help="training examples")
    parser.add_argument("--validation", type=int, default=300)
    parser.add_argument("--test", type=int, default=400)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    splits = {name: training_clips(name) for name in ("train", "validation", "test")}
    sizes = {"train": args.train, "validation": args.validation, "test": args.test}
    settings = {key: value for key, value in vars(args).items() if key != "out"}
    machine = describe_machine()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(f".part-{args.out.name}")
    runs = {}
    for seed in args.seeds:  # one seed at a time, every encoding, so a killed job keeps whole seeds
        runs[str(seed)] = compare_encodings_on_speech_noise(args.encodings, splits, sizes, args.epochs, seed)
        for encoding, result in runs[str(seed)].items():
            test = "  ".join(f"{kind} {value:.3f}" for kind, value in result["test"].items())
            print(f"seed {seed}  {encoding:<12} {result['params']:>7,} params  {result['seconds']:6.0f} s  {test}")
        report = {"settings": settings, "machine": machine, "runs": runs, "summary": summarise_seeds(runs)}
        tmp.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, args.out)
    print(f"on {machine}:")
    print(format_seed_summary(summarise_seeds(runs)))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
