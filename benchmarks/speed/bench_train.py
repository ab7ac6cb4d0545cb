"""Training speed and peak memory of the models, beside the straightforward reference 3D CNN.

The straightforward build of the original study's 3D CNN is defined here (it is the
comparison, not library code): the phased spectrogram computed with a Python loop over the
phase knots (squared chord distance per knot, then ``tf.stack``) and the phase axis padded
by concatenating slices the way the original did (first slice in front, last behind: edge
replication), no XLA, float32. Ours is :func:`phaselab.nn.cnn3d.phase_cnn3d` (vectorised
features, ``CircularPad`` as one gather), measured in float32, with ``jit_compile=True`` (XLA),
with the ``mixed_bfloat16`` Keras policy (bfloat16 convolutions, float32 weights, feature
layer and softmax; worthwhile on CPUs with AVX512-BF16 / AMX). Ours computes its three widest
circular convolutions per phase frequency (:mod:`phaselab.nn.circular`, ``phase_conv="auto"``,
the default); "pad" rows build it with ``CircularPad`` + ``Conv3D`` everywhere, "allDFT" rows with
the Fourier form everywhere.

Each configuration runs in its own subprocess, so the peak resident memory (``ru_maxrss``
after training minus before building the model) of one does not mix with another's.
Training is ``train_on_batch`` on random audio: one warm-up step (tracing / compiling),
then timed steps; a configuration's speed is its median step. Other work on the machine
makes single steps noisy, so every configuration is run ``--rounds`` times, round-robin, and
the best round is reported. Load that drifts between subprocesses still biases a ratio of two
of them, so the reference builds are also compared *head to head*: in one process, taking
training steps of each in turn, and comparing median step times.

Usage: ``python benchmarks/speed/bench_train.py [--quick]`` (or ``PHASELAB_QUICK=1``): quick mode
uses 4096-sample clips, batch 8 only, two rounds of three timed steps. ``--head-to-head '[16384, 8, 5]'``
runs only the head-to-head comparison (a JSON line of median seconds per step). The full run skips XLA for the
reference (on CPU it was several times slower in quick mode, and compiling it takes minutes).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads

STRAIGHTFORWARD = "cnn3d-straightforward"


@dataclass(frozen=True)
class Config:
    model: str
    batch: int
    jit: bool
    samples: int
    steps: int
    precision: str = "float32"
    phase_conv: str = "auto"

    @property
    def label(self) -> str:
        conv = {"auto": "", "pad": " pad", "dft": " allDFT"}[self.phase_conv]
        return self.model + conv + (" +XLA" if self.jit else "") + (" +bf16" if self.precision != "float32" else "")


def straightforward_cnn3d(samples: int, n_classes: int = 12, n_phases: int = 10):
    """The reference architecture as first written: looped features, edge-replication concat."""
    import keras
    import numpy as np


    class LoopPhasedSpectrogram(keras.layers.Layer):
        def call(self, audio):
            return harness.loop_phased_spectrogram(audio, n_phases)

    class EdgeConcat(keras.layers.Layer):
        def call(self, x):
            return keras.ops.concatenate([x[:, :, :, :1], x, x[:, :, :, -1:]], axis=3)

    audio = keras.Input((samples,))
    x = keras.layers.Reshape((-(-samples // 64), 129, n_phases, 1))(LoopPhasedSpectrogram()(audio))
    for f, stride, padding in zip(
        (16, 32, 64, 128, 256),
        ((2, 2, 1), (2, 2, 1), (1, 1, 1), (1, 1, 1), (1, 1, 1)),
        ("valid", "valid", "valid", "valid", "same"),
    ):
        x = keras.layers.Conv3D(f, 3, strides=stride, padding=padding)(EdgeConcat()(x))
        x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.LeakyReLU(0.2)(keras.layers.Conv3D(128, 1)(x))
    x = keras.layers.MaxPooling3D((1, 3, 4))(x)
    x = keras.layers.Reshape((x.shape[1], int(np.prod(x.shape[2:]))))(x)
    x = keras.layers.LeakyReLU(0.2)(keras.layers.Conv1D(32, 3, padding="same")(x))
    flat = keras.layers.Dense(n_classes)(keras.layers.Flatten()(x))
    peak = keras.layers.Dense(n_classes)(keras.layers.GlobalMaxPooling1D()(x))
    return keras.Model(audio, keras.layers.Softmax()(keras.layers.Add()([flat, peak])), name=STRAIGHTFORWARD)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure(config: Config) -> dict[str, Any]:
    """Train ``config.model`` for one warm-up and ``config.steps`` timed steps; speed and memory."""
    import keras
    import numpy as np

    from phaselab.nn.cost import flops
    from phaselab.nn.registry import build_model

    keras.mixed_precision.set_global_policy(config.precision)
    rng = np.random.default_rng(0)
    audio = (0.1 * rng.standard_normal((config.batch, config.samples))).astype(np.float32)
    labels = rng.integers(0, 12, config.batch)
    rss_before = _peak_rss_mib()
    if config.model == STRAIGHTFORWARD:
        model = straightforward_cnn3d(config.samples)
        model_flops = flops(build_model("cnn3d", samples=config.samples))  # same architecture
    else:
        options = {"phase_conv": config.phase_conv} if config.model == "cnn3d" else {}
        model = build_model(config.model, samples=config.samples, **options)
        model_flops = flops(model)
    model.compile(
        optimizer=keras.optimizers.Adadelta(learning_rate=1.0),
        loss="sparse_categorical_crossentropy",
        jit_compile=config.jit,
    )
    with harness.timer() as warmup:
        model.train_on_batch(audio, labels)
    step = harness.median_seconds(lambda: model.train_on_batch(audio, labels), config.steps, warmup=0)
    return {
        **asdict(config),
        "params": model.count_params(),
        "flops": model_flops,
        "warmup_s": warmup.seconds,
        "clips_per_s": config.batch / step,
        "peak_rss_mib": _peak_rss_mib() - rss_before,
    }


def head_to_head(samples: int, batch: int, steps: int) -> dict[str, float]:
    """Median seconds per training step of the reference builds, their steps interleaved."""
    import keras
    import numpy as np

    from phaselab.nn.registry import build_model

    models = {"cnn3d-straightforward": straightforward_cnn3d(samples), "cnn3d": build_model("cnn3d", samples=samples),
              "cnn3d pad": build_model("cnn3d", samples=samples, phase_conv="pad"),
              "cnn3d allDFT": build_model("cnn3d", samples=samples, phase_conv="dft")}
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    models["cnn3d +bf16"] = build_model("cnn3d", samples=samples)
    models["cnn3d pad +bf16"] = build_model("cnn3d", samples=samples, phase_conv="pad")
    keras.mixed_precision.set_global_policy("float32")
    rng = np.random.default_rng(0)
    audio = (0.1 * rng.standard_normal((batch, samples))).astype(np.float32)
    labels = rng.integers(0, 12, batch)
    for model in models.values():
        model.compile(optimizer=keras.optimizers.Adadelta(learning_rate=1.0), loss="sparse_categorical_crossentropy")
        model.train_on_batch(audio, labels)
    step_times: dict[str, list[float]] = {label: [] for label in models}
    for _ in range(steps):
        for label, model in models.items():
            with harness.timer() as clock:
                model.train_on_batch(audio, labels)
            step_times[label].append(clock.seconds)
    return {label: float(np.median(times)) for label, times in step_times.items()}


def configs(quick: bool) -> list[Config]:
    samples, steps, batches = (4096, 3, (8,)) if quick else (16384, 3, (8, 32))
    bf16 = "mixed_bfloat16"
    runs = []
    for batch in batches:
        runs += [Config(STRAIGHTFORWARD, batch, False, samples, steps), Config("cnn3d", batch, False, samples, steps)]
        runs += [Config("cnn3d", batch, True, samples, steps)] if quick else []
        runs += [Config("cnn3d", batch, False, samples, steps, bf16)]
        runs += [Config("cnn3d", batch, False, samples, steps, precision, "pad") for precision in ("float32", bf16)]
        runs += [Config("cnn3d", batch, False, samples, steps, "float32", "dft")]
    batch, steps = batches[-1], steps * 3
    runs += [Config("cnn3d-small", batch, jit, samples, steps) for jit in (False, True)]
    runs += [Config("cnn3d-small", batch, False, samples, steps, bf16)]
    runs += [Config(name, batch, False, samples, steps) for name in ("cnn2d", "cnn2d-phase", "cnn1d")]
    return runs


def run_child(*args: str) -> Any:
    """Run this script with ``args`` in a fresh process; the JSON on its last stdout line."""
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"bench_train.py {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (also PHASELAB_QUICK=1)")
    parser.add_argument("--rounds", type=int, help="runs of every configuration (default: 2 quick, 1 full)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--head-to-head", metavar="JSON",
                        help="only the head-to-head comparison of the reference builds: '[samples, batch, steps]'")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Config(**json.loads(args.child)))))
        return 0
    if args.head_to_head:
        print(json.dumps(head_to_head(*json.loads(args.head_to_head))))
        return 0
    quick = args.quick or harness.quick()
    runs = configs(quick)
    print(harness.machine_line())
    print(f"training on random audio, {runs[0].samples} samples per clip")
    print(f"{'model':<26}{'batch':>6}{'params':>11}{'MFLOPs/clip':>13}{'warm-up s':>11}{'clips/s':>9}{'peak MiB':>10}")
    rounds = args.rounds or (2 if quick else 1)
    trials: dict[Config, list[dict[str, Any]]] = {config: [] for config in runs}
    for _ in range(rounds):
        for config in runs:
            trials[config].append(run_child("--child", json.dumps(asdict(config))))
            print(f"  measured {config.label}, batch {config.batch}", file=sys.stderr, flush=True)
    results = {}
    for config, found in trials.items():
        r = max(found, key=lambda trial: trial["clips_per_s"])
        results[(config.label, config.batch)] = r
        print(
            f"{config.label:<26}{r['batch']:>6}{r['params']:>11,}{r['flops'] / 1e6:>13,.1f}"
            f"{r['warmup_s']:>11.1f}{r['clips_per_s']:>9.2f}{r['peak_rss_mib']:>10.0f}",
            flush=True,
        )
    print("\nspeed-ups over the straightforward reference (clips/s ratio, same batch):")
    for (label, batch), r in results.items():
        base = results.get((STRAIGHTFORWARD, batch))
        if base and label != STRAIGHTFORWARD:
            print(f"  {label:<24} batch {batch:>3}: {r['clips_per_s'] / base['clips_per_s']:6.2f}x")
    batch, steps = 8, runs[0].steps
    medians = run_child("--head-to-head", json.dumps([runs[0].samples, batch, steps]))
    print(f"\nhead to head in one process, batch {batch}, {steps} interleaved steps each (median s/step):")
    for label, seconds in medians.items():
        speed_up = medians[STRAIGHTFORWARD] / seconds
        print(f"  {label:<24}{seconds:8.2f} s/step  {batch / seconds:6.2f} clips/s  {speed_up:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
