"""Training speed of every encoding's model, and the folded circular stem against CircularPad + Conv3D.

In one run, on the same random batch: training steps (``train_on_batch``, Adam, batch 32) of the
model of every arm of chapter 05's study (:data:`phaselab.studies.encodings_real.REAL_ARMS`: each
encoding on the mel and the linear grid, and the waveform model), as clips/s and as a ratio to the
mel magnitude model (the shipped model's body); and the phased model's first convolution computed as one 2D
convolution over all phase slices (``method="fold"``, :func:`phaselab.nn.circular.folded_conv3d`)
against the straightforward ``CircularPad`` + ``Conv3D`` (the same function and weights), in
:func:`phaselab.nn.encoding_nets.encoding_model`'s ``phase_stem`` switch. Writes
``benchmarks/results/bench_encodings.json``.

Run: ``python benchmarks/speed/bench_encodings.py [--steps 5]`` (``PHASELAB_QUICK=1``: 1 step).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads
import keras
import numpy as np

from phaselab.atomic import write_json
from phaselab.nn.cost import flops
from phaselab.nn.encoding_nets import encoding_model
from phaselab.nn.registry import build_model
from phaselab.studies.encodings_real import REAL_ARMS, arm_spec

OUT = harness.RESULTS / "bench_encodings.json"


def clips_per_second(model: keras.Model, x: np.ndarray, y: np.ndarray, steps: int) -> float:
    """Training clips per second from the median of ``steps`` timed steps, after two warm-up steps.

    The median of single steps, not the mean of all: another job on the same cores slows some steps, not the
    typical one.
    """
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    return len(x) / harness.median_seconds(lambda: model.train_on_batch(x, y), steps, warmup=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--arms", nargs="+", default=list(REAL_ARMS), choices=REAL_ARMS)
    args = parser.parse_args()
    steps = 1 if harness.quick() else args.steps
    print(harness.machine_line())
    rng = np.random.default_rng(0)
    x = (0.1 * rng.standard_normal((args.batch_size, 16384))).astype(np.float32)
    y = keras.utils.to_categorical(np.arange(args.batch_size) % 12, 12)
    rows = []
    arms = ["mel/magnitude", *(arm for arm in args.arms if arm != "mel/magnitude")]
    for arm in arms:
        keras.utils.set_random_seed(0)
        name, kwargs = arm_spec(arm)
        model = build_model(name, **kwargs)
        rows.append({"arm": arm, "encoding": kwargs.get("encoding", arm), "params": model.count_params(),
                     "mflops": flops(model) / 1e6, "clips_per_s": clips_per_second(model, x, y, steps)})
    base = rows[0]["clips_per_s"]
    for row in rows:
        row["time_vs_magnitude"] = base / row["clips_per_s"]
        print(f"{row['arm']:<18} {row['params']:>8,} params {row['mflops']:6.0f} MFLOPs "
              f"{row['clips_per_s']:7.1f} clips/s  {row['time_vs_magnitude']:.2f}x the mel magnitude model's time")
    stems = {}
    for stem in ("pad", "fold"):
        keras.utils.set_random_seed(0)
        stems[stem] = clips_per_second(encoding_model("phased", phase_stem=stem), x, y, steps)
    ratio = stems["fold"] / stems["pad"]
    print(f"phased stem speed-up: {stems['fold']:.1f} / {stems['pad']:.1f} clips/s = {ratio:.2f}x "
          "(folded 2D convolution against CircularPad + Conv3D, encoding_model)")
    report = {"machine": harness.machine(), "steps": steps, "batch_size": args.batch_size, "encodings": rows,
              "phased_stem": {**stems, "speed_up": ratio}}
    write_json(report, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
