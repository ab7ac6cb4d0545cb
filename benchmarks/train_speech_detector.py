"""Train the speech detector shipped as ``phaselab/weights/speech_detector.keras``.

:func:`phaselab.detect.train_detector` on the speech-or-noise task made from the
*training* voices of the bundled keyword set, then a check on the *test* voices: the
share of held-out clips scored as speech and of their random-phase twins scored as
noise (what tests/test_detect.py asserts).

Run: ``python benchmarks/train_speech_detector.py [--n 2000] [--epochs 12] [--out PATH]``
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from phaselab.detect import (  # noqa: E402
    DETECTOR_ENCODING,
    WEIGHTS,
    load_detector,
    speech_scores,
    train_detector,
    training_clips,
)
from phaselab.speech_noise import SAMPLES, random_phase_twin  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="training examples")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    start = time.perf_counter()
    _, history = train_detector(args.out, n=args.n, epochs=args.epochs, seed=args.seed)
    seconds = time.perf_counter() - start
    print(f"{DETECTOR_ENCODING} detector: {args.n} examples, {args.epochs} epochs, {seconds:.0f} s; "
          f"training accuracy per epoch {[round(a, 3) for a in history['accuracy']]}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    model = load_detector(args.out)
    held_out = training_clips("test")
    rng = np.random.default_rng(1)
    speech = np.stack([np.pad(c, (0, SAMPLES - len(c))) for c in held_out])
    twins = np.stack([np.pad(random_phase_twin(c, rng), (0, SAMPLES - len(c))) for c in held_out])
    speech_p, twin_p = speech_scores(speech, model), speech_scores(twins, model)
    print(f"test voices: {np.mean(speech_p > 0.5):.3f} of {len(held_out)} clips scored speech, "
          f"{np.mean(twin_p < 0.5):.3f} of their twins scored noise; "
          f"min speech score {speech_p.min():.3f}, max twin score {twin_p.max():.3f}")


if __name__ == "__main__":
    main()
