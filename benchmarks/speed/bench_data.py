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

It also times the default recipe's augmentation alone (``AugmentConfig.real_speech()``, ms per clip),
the pipeline without the feature step and -- the number the pipeline must
beat -- the training speed of the 3D CNN (``train_on_batch`` of
:func:`phaselab.nn.registry.build_model` ``("cnn3d")`` on this machine), and prints the ratio.

The clips are copies of the bundled "marvin" sample at random gains and lengths in a
temporary Speech Commands tree (or ``--data`` to read a real tree's first clips).

Usage: ``.venv/bin/python benchmarks/speed/bench_data.py [--clips N] [--batch-size B] [--no-model]``;
``PHASELAB_QUICK=1`` (or ``--quick``) uses 64 clips and one training step.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
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


def recipe_ms_per_clip(clips: list, noises: list, seed: int) -> float:
    """Milliseconds per clip of the default recipe's augmentation (``AugmentConfig.real_speech()``) in NumPy, one clip
    at a time on one core, the clips already decoded."""
    preprocessor = SoundPreprocessor(AugmentConfig.real_speech(), noises)
    audio = [read_wav(clip.path, length=16000) for clip in clips]
    preprocessor(audio[0], np.random.default_rng([seed, len(audio)]))  # warm-up (first calls into SciPy)
    start = time.perf_counter()
    for i, clip in enumerate(audio):
        preprocessor(clip, np.random.default_rng([seed, i]))
    return (time.perf_counter() - start) / len(audio) * 1e3


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
    dataset = make_dataset(clips, CLASSES, batch_size, CONFIG, noises, seed=seed, repeat=False)
    if feature:
        dataset = dataset.map(lambda x, y: (layer(x), y))
    produced = 0
    for audio, _ in dataset:
        produced += int(audio.shape[0])
    return time.perf_counter() - start, produced


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
        print(f"the default recipe's augmentation (AugmentConfig.real_speech(), NumPy, one core): "
              f"{recipe_ms_per_clip(clips, noises, seed):.2f} ms per clip")
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
