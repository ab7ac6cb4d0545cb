"""Clips per second of the training data path: our tf.data pipeline vs a plain Python loop.

Both do the same work per clip -- decode the WAV, augment it with the default
:class:`~phaselab.data.augment.AugmentConfig` (the same :class:`SoundPreprocessor`),
compute the phased spectrogram -- and both count the decoding. Silence clips are switched
off (``silence_fraction=0``) so that both produce the same kind of clip:

straightforward
    A Python loop: ``read_wav`` + ``SoundPreprocessor`` + the NumPy reference
    :func:`phaselab.signal.encodings.phased_spectrogram`, one clip at a time; no cache, no parallelism.
pipeline
    :func:`phaselab.data.pipeline.make_dataset` (decode once into the cache with a thread
    pool, augment in a parallel ``tf.numpy_function`` map, class-balanced batches, prefetch)
    followed by the Keras layer :class:`phaselab.nn.features.PhasedSpectrogram` on each batch,
    one epoch, timed from the ``make_dataset`` call (cache filling included).

It also times the pipeline without the feature step, and -- issue 18 -- its two
augmentation paths on the same clips, ``make_dataset(augment_path="graph")`` (TensorFlow
ops on whole batches, :mod:`phaselab.data.augment_graph`) against ``"numpy"`` (the NumPy
reference clip by clip in ``tf.numpy_function``), in steady state: after one warm-up batch
(tracing, cache filling), the clips/s of the next epoch's worth of batches, printed on one
line ``pipeline speed-up: G / N clips/s = Rx`` (and the same for the real-speech recipe's
``AugmentConfig.real_speech()``); then every step of the augmentation alone,
NumPy one clip at a time against the graph op on a batch (ms per clip and their ratio), and
writes all of it to ``benchmarks/results/bench_data.json`` (``--results``). And -- the number the pipeline must
beat -- the training speed of the 3D CNN (``train_on_batch`` of
:func:`phaselab.nn.registry.build_model` ``("cnn3d")`` on this machine), and prints the ratio.

The clips are copies of the bundled "marvin" sample at random gains and lengths in a
temporary Speech Commands tree (or ``--data`` to read a real tree's first clips).

Usage: ``.venv/bin/python benchmarks/speed/bench_data.py [--clips N] [--batch-size B] [--no-model] [--speed-up-only]``;
``PHASELAB_QUICK=1`` (or ``--quick``) uses 64 clips and one training step.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads
import numpy as np

from phaselab.data.augment import AugmentConfig, SoundPreprocessor
from phaselab.signal.noise import coloured_noise
from phaselab.data.labels import CLASSES, COMMANDS
from phaselab.data.speech_commands import SpeechCommands
from phaselab.signal.audio import read_wav, write_wav
from phaselab.signal.encodings import phased_spectrogram

REPO = harness.REPO
CONFIG = AugmentConfig(silence_fraction=0.0)
"""The default augmentation, without silence clips (the loop makes none)."""


def write_tree(root: Path, n_clips: int, seed: int = 0) -> list:
    """``n_clips`` WAVs spread over the 10 commands and one unknown word; returns their clips."""
    marvin = read_wav(REPO / "data" / "samples" / "marvin.wav", length=16000)
    rng = np.random.default_rng(seed)
    words = COMMANDS + ("marvin",)
    for i in range(n_clips):
        folder = root / words[i % len(words)]
        folder.mkdir(exist_ok=True)
        clip = marvin[: int(rng.integers(12000, 16001))] * rng.uniform(0.1, 1.0)
        write_wav(folder / f"s{i:05d}_nohash_0.wav", clip)
    return SpeechCommands(root).clips("all")


def straightforward(clips: list, noises: list, seed: int) -> float:
    """Seconds for the plain loop over all clips."""
    preprocessor = SoundPreprocessor(CONFIG, noises)
    start = time.perf_counter()
    for i, clip in enumerate(clips):
        audio = preprocessor(read_wav(clip.path, length=16000), np.random.default_rng([seed, i]))
        phased_spectrogram(audio)
    return time.perf_counter() - start


def pipeline(clips: list, noises: list, seed: int, batch_size: int, feature: bool) -> tuple[float, int]:
    """Seconds for one epoch of the tf.data pipeline (and the clips it produced)."""
    from phaselab.data.pipeline import make_dataset
    from phaselab.nn.features import PhasedSpectrogram

    layer = PhasedSpectrogram()
    start = time.perf_counter()
    dataset = make_dataset(clips, CLASSES, batch_size, CONFIG, noises, seed=seed, repeat=False, augment_path="numpy")
    if feature:
        dataset = dataset.map(lambda x, y: (layer(x), y))
    produced = 0
    for audio, _ in dataset:
        produced += int(audio.shape[0])
    return time.perf_counter() - start, produced


def steady_rate(clips: list, noises: list, seed: int, batch_size: int, augment_path: str,
                config: AugmentConfig = CONFIG) -> float:
    """Clips/s of ``make_dataset(augment_path=...)`` over ``len(clips) // batch_size`` batches after a warm-up batch."""
    from phaselab.data.pipeline import make_dataset

    dataset = make_dataset(clips, CLASSES, batch_size, config, noises, seed=seed, augment_path=augment_path)
    iterator = iter(dataset)
    next(iterator)
    batches = max(1, len(clips) // batch_size)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    seconds = time.perf_counter() - start
    del iterator  # before its prefetching threads outlive the interpreter
    return batches * batch_size / seconds


def step_timings(noises: list, batch_size: int, repeats: int = 3, rounds: int = 3) -> dict[str, dict[str, float]]:
    """ms per clip of every augmentation step: NumPy on one clip at a time, the graph op on a batch (warm).

    Each is the best of ``rounds`` rounds of ``repeats`` batches' worth of clips (other jobs on the cores
    only ever slow a round down).
    """
    import tensorflow as tf

    from phaselab.data import augment as A
    from phaselab.data import augment_graph as G

    clip = read_wav(REPO / "data" / "samples" / "marvin.wav", length=16000)
    batch = tf.constant(np.tile(clip, (batch_size, 1)))
    rng = np.random.default_rng(0)
    tail = max(2, int(CONFIG.rt60_range[1] * 16000)) - 1
    tail_noise = tf.random.stateless_normal((batch_size, tail), seed=(0, 1))
    bank = tf.constant(np.concatenate(noises))
    lengths = tf.constant([len(n) for n in noises], tf.int32)
    offsets = tf.constant(np.concatenate([[0], np.cumsum([len(n) for n in noises])[:-1]]), tf.int32)
    which = tf.zeros(batch_size, tf.int32)
    start = tf.fill([batch_size], 1000)
    speeds = tf.fill([batch_size], tf.constant(1.07, tf.float64))
    steps = {
        "speed": (lambda: A.change_speed(clip, 1.07), lambda x: G.change_speed(x, speeds)),
        "pitch": (lambda: A.shift_pitch(clip, 1.7), lambda x: G.shift_pitch(x, 1.7)),
        "formants": (lambda: A.warp_formants(clip, 1.08), lambda x: G.warp_formants(x, 1.08)),
        "tilt": (lambda: A.tilt_spectrum(clip, 5.0), lambda x: G.tilt_spectrum(x, 5.0)),
        "reverb": (lambda: A.reverberate(clip, 0.45, 6.0, rng), lambda x: G.reverberate(x, 0.45, 6.0, tail_noise)),
        "shift": (lambda: A.shift_time(clip, 300), lambda x: G.shift_time(x, 300)),
        "noise": (lambda: A.add_noise(clip, A.noise_segment(noises, 16000, rng), 0.05),
                  lambda x: G.add_noise(x, G.noise_segment(bank, offsets, lengths, which, start), 0.05)),
        "phase": (lambda: A.rotate_phase(clip, 1.0), lambda x: G.rotate_phase(x, 1.0)),
        "normalize+pad": (lambda: A.pad(A.normalize(clip)), lambda x: G.pad(G.normalize(x), 16384)),
    }
    steps["pitch+formants (as GraphAugmenter does both)"] = (
        lambda: A.warp_formants(A.shift_pitch(clip, 1.7), 1.08), lambda x: G.shift_pitch(x, 1.7, 1.08))

    def best(run, calls: int) -> float:
        run()  # warm-up (tracing, XLA compilation)
        seconds = []
        for _ in range(rounds):
            begin = time.perf_counter()
            for _ in range(calls):
                run()
            seconds.append(time.perf_counter() - begin)
        return min(seconds) / (repeats * batch_size) * 1e3

    out = {}
    for name, (numpy_step, graph_step) in steps.items():
        graph = tf.function(graph_step)
        numpy_ms = best(numpy_step, repeats * batch_size)
        graph_ms = best(lambda: graph(batch).numpy(), repeats)
        out[name] = {"numpy_ms_per_clip": numpy_ms, "graph_ms_per_clip": graph_ms, "ratio": numpy_ms / graph_ms}
    return out


def training_rate(batch_size: int, steps: int) -> float:
    """Clips per second of ``train_on_batch`` of the 3D CNN on random audio (after one warm-up step)."""
    import keras

    from phaselab.nn.registry import build_model

    model = build_model("cnn3d")
    model.compile(optimizer="adadelta", loss="categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch_size, 16384)).astype(np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 12, batch_size), 12)
    model.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return steps * batch_size / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=512, help="clips per run (default 512)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--train-batch", type=int, default=8, help="3D CNN training batch (default 8)")
    parser.add_argument("--train-steps", type=int, default=2, help="timed 3D CNN training steps (default 2)")
    parser.add_argument("--no-model", action="store_true", help="skip timing the 3D CNN")
    parser.add_argument("--data", help="read the first --clips clips of this Speech Commands tree instead")
    parser.add_argument("--speed-up-only", action="store_true",
                        help="only the graph-vs-NumPy augmentation comparison (speed-up line and steps)")
    parser.add_argument("--results", default=str(REPO / "benchmarks" / "results" / "bench_data.json"),
                        help="JSON file of the speed-up and step timings ('' for none)")
    parser.add_argument("--quick", action="store_true", default=bool(os.environ.get("PHASELAB_QUICK")))
    args = parser.parse_args(argv)
    if args.quick:
        args.clips, args.train_steps = 64, 1
    seed = 0
    noises = [coloured_noise(10 * 16000, exponent, np.random.default_rng(i)) for i, exponent in enumerate((0, 1, 2))]
    import tensorflow as tf

    print(f"TensorFlow {tf.__version__}; {os.cpu_count()} CPU cores; GPUs: {len(tf.config.list_physical_devices('GPU'))}")
    with tempfile.TemporaryDirectory() as tmp:
        clips = SpeechCommands(args.data).clips("all")[: args.clips] if args.data else write_tree(Path(tmp), args.clips)
        print(f"{len(clips)} clips, batch {args.batch_size}, default AugmentConfig without silence")
        graph_rate = steady_rate(clips, noises, seed, args.batch_size, "graph")
        numpy_rate = steady_rate(clips, noises, seed, args.batch_size, "numpy")
        print(f"pipeline speed-up: {graph_rate:.1f} / {numpy_rate:.1f} clips/s = {graph_rate / numpy_rate:.2f}x")
        real = replace(AugmentConfig.real_speech(), silence_fraction=0.0)
        real_graph = steady_rate(clips, noises, seed, args.batch_size, "graph", real)
        real_numpy = steady_rate(clips, noises, seed, args.batch_size, "numpy", real)
        print(f"(the real-speech recipe's AugmentConfig.real_speech(), without silence: "
              f"{real_graph:.1f} / {real_numpy:.1f} clips/s = {real_graph / real_numpy:.2f}x)")
        steps = step_timings(noises, args.batch_size)
        print(f"{'step (fixed parameters)':46s} {'NumPy ms/clip':>14s} {'graph ms/clip':>14s} {'ratio':>7s}")
        for name, row in steps.items():
            print(f"{name:46s} {row['numpy_ms_per_clip']:14.3f} {row['graph_ms_per_clip']:14.3f} {row['ratio']:6.2f}x")
        if args.results:
            from phaselab.atomic import write_text

            report = {"clips": len(clips), "batch_size": args.batch_size, "cpu_cores": os.cpu_count(),
                      "tensorflow": tf.__version__, "graph_clips_per_s": graph_rate, "numpy_clips_per_s": numpy_rate,
                      "speed_up": graph_rate / numpy_rate, "real_speech_graph_clips_per_s": real_graph,
                      "real_speech_numpy_clips_per_s": real_numpy, "real_speech_speed_up": real_graph / real_numpy,
                      "steps": steps}
            write_text(Path(args.results), json.dumps(report, indent=2) + "\n")
        if args.speed_up_only:
            return 0
        loop_seconds = straightforward(clips, noises, seed)
        loop_rate = len(clips) / loop_seconds
        print(f"straightforward loop (read_wav + augment + NumPy phased spectrogram): {loop_rate:8.1f} clips/s")
        seconds, produced = pipeline(clips, noises, seed, args.batch_size, feature=False)
        print(f"pipeline, decode + augment:                                         {produced / seconds:8.1f} clips/s")
        seconds, produced = pipeline(clips, noises, seed, args.batch_size, feature=True)
        pipe_rate = produced / seconds
        print(f"pipeline, decode + augment + PhasedSpectrogram layer:               {pipe_rate:8.1f} clips/s")
        print(f"ratio pipeline / straightforward: {pipe_rate / loop_rate:.2f}x")
    # ---- The 3D CNN's training speed: the pipeline must produce clips at least this fast. ----
    # (The training issue measures it on its GPU; here it is train_on_batch on this machine.)
    if not args.no_model:
        train_rate = training_rate(args.train_batch, args.train_steps)
        print(f"3D CNN (cnn3d) train_on_batch, batch {args.train_batch}, on this machine:             {train_rate:8.2f} clips/s")
        print(f"ratio pipeline / 3D CNN training: {pipe_rate / train_rate:.2f}x "
              f"({'the pipeline keeps up' if pipe_rate >= train_rate else 'the pipeline is the bottleneck'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
