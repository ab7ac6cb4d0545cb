"""GPU check: seconds per training epoch of the reference 3D CNN and ``cnn3d-small``, beside the pipeline's clips/s.

One command on a machine with a GPU::

    python benchmarks/speed/gpu_check.py            # writes benchmarks/results/gpu_check.json

For every Keras backend that imports (TensorFlow, and JAX if installed; each in a process of
its own, since a process has one backend), every model of ``--models`` and two training sets:

``bundled``
    The bundled real set's training clips (``--data real``).
``tiled``
    A 50,000-clip stand-in for the full Speech Commands set: the bundled clips repeated
    (``--tiled-clips``). An epoch is ``ceil(clips / batch)`` steps; ``--max-steps`` caps the
    steps timed, and the epoch's seconds are then extrapolated from the timed steps (the
    JSON says which).

it reports

``pipeline_clips_per_s``
    The training pipeline alone (:func:`phaselab.data.pipeline.make_dataset`, the default
    recipe's augmentation): batches drawn and discarded, no model.
``train_clips_per_s`` and ``epoch_seconds``
    ``model.fit`` of one epoch, pipeline included, after a warm-up fit of two steps (once
    per model) that pays for tracing / compilation. The training rate cannot beat the pipeline rate: when the
    two are close, the GPU waits on the pipeline.

The device (``tf.config.list_physical_devices("GPU")``, ``jax.devices()``) is recorded with
the numbers. ``--quick`` runs on a CPU in a minute or two: four steps of batch 4, a tiled set of
400 clips, for the test suite; its numbers say nothing about a GPU.

Usage: ``python benchmarks/speed/gpu_check.py [--quick] [--models cnn3d,cnn3d-small]
[--backends tensorflow,jax] [--batch-size 32] [--max-steps N] [--out PATH]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads

from phaselab.atomic import write_json

DEFAULT_OUT = harness.RESULTS / "gpu_check.json"
MODELS = ("cnn3d", "cnn3d-small")
BACKENDS = ("tensorflow", "jax")
TILED_CLIPS = 50_000


def _devices() -> list[str]:
    """The accelerators the current backend sees (empty on a CPU-only machine)."""
    import keras

    if keras.backend.backend() == "jax":
        import jax

        return [str(d) for d in jax.devices() if d.platform != "cpu"]
    import tensorflow as tf

    return [d.name for d in tf.config.list_physical_devices("GPU")]


def _pipeline_rate(clips: list, noises: list, batch: int, steps: int) -> float:
    """Clips/s of the training pipeline alone, over ``steps`` batches after one warm-up batch."""
    from phaselab.data.augment import AugmentConfig
    from phaselab.data.pipeline import make_dataset

    data = make_dataset(clips, batch_size=batch, augment=AugmentConfig.real_speech(), noises=noises,
                        batches_per_epoch=steps + 1)
    iterator = iter(data) if hasattr(data, "__iter__") and not hasattr(data, "__getitem__") else None
    if iterator is None:  # a PyDataset
        data[0]
        with harness.timer() as clock:
            for i in range(1, steps + 1):
                data[i]
    else:
        next(iterator)
        with harness.timer() as clock:
            for _ in range(steps):
                next(iterator)
        del iterator
    return steps * batch / clock.seconds


def _epochs(model_name: str, sets: dict[str, list], noises: list, batch: int, max_steps: int | None) -> list[dict[str, Any]]:
    """One epoch of ``model.fit`` (capped at ``max_steps``) on each set, after one two-step warm-up of the model."""
    from phaselab.data.augment import AugmentConfig
    from phaselab.data.pipeline import make_dataset
    from phaselab.training.config import TrainConfig
    from phaselab.training.loop import compile_model

    model = compile_model(TrainConfig(model_name, batch_size=batch))
    results = []
    for name, clips in sets.items():
        epoch_steps = math.ceil(len(clips) / batch)
        steps = min(epoch_steps, max_steps) if max_steps else epoch_steps
        data = make_dataset(clips, batch_size=batch, augment=AugmentConfig.real_speech(), noises=noises,
                            batches_per_epoch=steps)
        if not results:
            model.fit(data, epochs=1, steps_per_epoch=2, verbose=0)  # tracing / XLA compilation
        with harness.timer() as clock:
            model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
        seconds = clock.seconds
        results.append({
            "set": name, "clips": len(clips), "batch": batch, "epoch_steps": epoch_steps, "steps_timed": steps,
            "train_clips_per_s": round(steps * batch / seconds, 2),
            "epoch_seconds": round(seconds * epoch_steps / steps, 2), "extrapolated": steps < epoch_steps,
            "pipeline_clips_per_s": round(_pipeline_rate(clips, noises, batch, min(steps, 20)), 2),
        })
    return results


def measure(models: list[str], batch: int, max_steps: int | None, tiled_clips: int) -> dict[str, Any]:
    """The results of this process's backend: ``{"devices": [...], "runs": [...]}``."""
    import keras

    from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
    from phaselab.signal.audio import read_wav

    tree = SpeechCommands(resolve_data_root("real"))
    bundled = tree.clips("train")
    noises = [read_wav(path) for path in tree.background_noise_files()]
    tiled = (bundled * math.ceil(tiled_clips / len(bundled)))[:tiled_clips]
    runs = []
    for model in models:
        for result in _epochs(model, {"bundled": bundled, "tiled": tiled}, noises, batch, max_steps):
            runs.append({"backend": keras.backend.backend(), "model": model, **result})
            print(f"{keras.backend.backend():<11}{model:<13}{result['set']:<8}{result['clips']:>7} clips  "
                  f"epoch {result['epoch_seconds']:9.1f} s{' (extrapolated)' if result['extrapolated'] else '':<15}"
                  f"train {result['train_clips_per_s']:8.1f} clips/s   pipeline {result['pipeline_clips_per_s']:8.1f} clips/s",
                  file=sys.stderr, flush=True)
    return {"devices": _devices(), "runs": runs}


def _available(backend: str) -> bool:
    return importlib.util.find_spec(backend) is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few steps on a small set (CPU, tests)")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated model names")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated Keras backends (those that import)")
    parser.add_argument("--batch-size", type=int, default=None, help="default 32 (4 with --quick)")
    parser.add_argument("--max-steps", type=int, default=None, help="cap on the steps timed per epoch (default: the whole epoch)")
    parser.add_argument("--tiled-clips", type=int, default=None, help=f"clips of the tiled set (default {TILED_CLIPS:,})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON file to write")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # one backend, in this process
        print("RESULT " + json.dumps(measure(**json.loads(args.child))))
        return 0

    from phaselab.atomic import check_output_file
    from phaselab.cli.main import positive_int
    from phaselab.cli.train import MODELS as KNOWN

    try:
        check_output_file(args.out, "the GPU check's results")
        batch = positive_int(str(args.batch_size or (4 if args.quick else 32)))
        max_steps = positive_int(str(args.max_steps)) if args.max_steps else (4 if args.quick else None)
        tiled = positive_int(str(args.tiled_clips or (400 if args.quick else TILED_CLIPS)))
    except (ValueError, argparse.ArgumentTypeError) as exc:
        parser.error(str(exc))
    models = [m for m in args.models.split(",") if m]
    unknown = sorted(set(models) - set(KNOWN))
    if unknown:
        parser.error(f"unknown models: {', '.join(unknown)}")
    results: dict[str, Any] = {"quick": args.quick, "backends": {}, "skipped": {}}
    for backend in [b for b in args.backends.split(",") if b]:
        if not _available(backend):
            results["skipped"][backend] = "not installed"
            print(f"{backend}: not installed, skipped", file=sys.stderr)
            continue
        child = json.dumps({"models": models, "batch": batch, "max_steps": max_steps, "tiled_clips": tiled})
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
        done = subprocess.run([sys.executable, __file__, "--child", child], stdout=subprocess.PIPE, text=True, env=env)
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if done.returncode != 0 or not lines:
            results["skipped"][backend] = f"failed (exit status {done.returncode}; its output is above)"
            continue
        results["backends"][backend] = json.loads(lines[-1][len("RESULT "):])
    write_json(results, args.out)
    print(f"wrote {args.out}")
    return 0 if results["backends"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
