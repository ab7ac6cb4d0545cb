"""Train the speech detector shipped as ``phaselab/weights/speech_detector.keras``, and measure how far it carries.

1. :func:`phaselab.studies.detector.leave_one_noise_out`: one fold per background recording of the
   bundled real set (13), each training the detector's model without that recording and
   scoring held-out speakers' speech against it: accuracy, ROC AUC, share of it caught.
2. :func:`phaselab.studies.detector.train_detector` on the training speakers and *all* recordings: the
   shipped model. It is scored on the test speakers (speech, their random-phase twins, shaped
   noise, noise, silence): accuracy per kind and ROC AUC.

Writes ``benchmarks/results/speech_detector.json`` (settings, machine, folds, held-out scores,
file size). Run: ``python benchmarks/experiments/train_speech_detector.py [--n 2000] [--epochs 12]
[--fold-n 1000] [--fold-epochs 8] [--no-folds] [--out PATH]``

``--tonal 60`` trains the detector with 60 synthetic tonal sounds among its noises
(:mod:`phaselab.data.tones`) and the mix :data:`phaselab.studies.detector.TONAL_MIX`; the tonal detector
was made by ``python benchmarks/experiments/train_speech_detector.py --tonal 60 --no-folds
--out phaselab/weights/speech_detector_tonal.keras --results benchmarks/results/speech_detector_tonal.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads
import numpy as np

from phaselab.atomic import write_json
from phaselab.studies.detector import (
    DETECTOR_ENCODING,
    TONAL_MIX,
    leave_one_noise_out,
    speech_scores,
    train_detector,
)
from phaselab.studies.speech_noise import (
    KINDS,
    MIX,
    make_speech_noise_examples,
    noise_recordings,
    training_clips,
)
from phaselab.studies.speech_noise_models import kind_accuracy
from phaselab.training.scores import roc_auc
from phaselab.training.shipped import SHIPPED_DETECTOR as WEIGHTS
from phaselab.training.shipped import load_detector

RESULTS = harness.RESULTS / "speech_detector.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="training examples of the shipped detector")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--fold-n", type=int, default=1000, help="training examples of each leave-one-noise-out fold")
    parser.add_argument("--fold-epochs", type=int, default=8)
    parser.add_argument("--no-folds", action="store_true", help="skip the leave-one-noise-out folds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tonal", type=int, default=0,
                        help="synthetic tonal sounds (10 s each) added to the noises, with the mix TONAL_MIX")
    parser.add_argument("--start", type=Path, default=None, help="a saved detector to train further (fine-tune)")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    report = {"settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
              "machine": harness.machine(), "encoding": DETECTOR_ENCODING,
              "mix": dict(zip(KINDS, TONAL_MIX if args.tonal else MIX))}
    if not args.no_folds:
        report["folds"] = leave_one_noise_out(args.fold_n, args.fold_epochs, seed=args.seed)
        write_json(report, args.results)
    start = time.perf_counter()
    _, history = train_detector(args.out, n=args.n, epochs=args.epochs, seed=args.seed, tonal=args.tonal,
                                start=args.start, learning_rate=args.learning_rate,
                                **({"mix": TONAL_MIX} if args.tonal else {}))
    seconds = time.perf_counter() - start
    print(f"{DETECTOR_ENCODING} detector: {args.n} examples, {args.epochs} epochs, {seconds:.0f} s; "
          f"training accuracy per epoch {[round(a, 3) for a in history['accuracy']]}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    model = load_detector(args.out)
    audio, kinds = make_speech_noise_examples(training_clips("test"), 1000, args.seed + 1000,
                                              noises=list(noise_recordings().values()))
    scores = speech_scores(audio, model)
    held_out = {**kind_accuracy(scores, kinds), "auc": roc_auc(scores, kinds == KINDS.index("speech")),
                "examples": len(kinds)}
    report.update({"seconds": seconds, "size_mb": args.out.stat().st_size / 1e6, "held_out_speakers": held_out})
    write_json(report, args.results)
    print("test speakers (all recordings): " + "  ".join(f"{k} {v:.3f}" for k, v in held_out.items() if k != "examples"))
    if "folds" in report:
        folds = report["folds"]
        print(f"left-out recordings: AUC {np.mean([f['auc'] for f in folds]):.3f} mean, "
              f"{min(f['auc'] for f in folds):.3f} worst ({min(folds, key=lambda f: f['auc'])['noise']}); "
              f"caught {np.mean([f['caught'] for f in folds]):.3f} mean")
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
