"""Train the speech detector shipped as ``phaselab/weights/speech_detector.keras``, and measure how far it carries.

1. :func:`leave_one_noise_out`: one fold per background recording of the
   bundled real set (13), each training the detector's model without that recording and
   scoring held-out speakers' speech against it: accuracy, ROC AUC, share of it caught.
2. :func:`train_detector` on the training speakers and *all* recordings: the
   shipped model. It is scored on the test speakers (speech, their random-phase twins, shaped
   noise, noise, silence): accuracy per kind and ROC AUC.

Writes ``benchmarks/results/speech_detector.json`` (settings, machine, folds, held-out scores,
file size). Run: ``python benchmarks/experiments/train_speech_detector.py [--n 2000] [--epochs 12]
[--fold-n 1000] [--fold-epochs 8] [--no-folds] [--out PATH]``

``--tonal 60`` trains the detector with 60 synthetic tonal sounds among its noises
(:mod:`phaselab.data.tones`) and the mix :data:`phaselab.studies.detector.TONAL_MIX`; the tonal detector
was made by ``python benchmarks/experiments/train_speech_detector.py --tonal 60 --no-folds
--out phaselab/weights/speech_detector_tonal.keras --results benchmarks/results/speech_detector_tonal.json``
(before training ran through :func:`~phaselab.training.loop.train`).

``--music 200`` adds 200 pieces of rendered instrument music as well (:func:`phaselab.data.tones.rendered_music`,
FluidSynth and Debian's General MIDI sound font: ``apt-get install fluidsynth fluid-soundfont-gm``). ``--effects``
adds the real sound effects of another game (:func:`phaselab.data.everyday.effect_sounds`, ``apt-get install
widelands-data``). The music detector was made by ``python benchmarks/experiments/train_speech_detector.py --tonal 100
--music 200 --effects --n 4000 --epochs 16 --no-folds --seed 2 --out phaselab/weights/speech_detector_music.keras
--results benchmarks/results/speech_detector_music.json``: of that recipe and the one without ``--effects``, three
seeds each, the model whose thresholds took the least validation non-speech (``benchmarks/FINDINGS.md``, 1.5b).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads
import keras
import numpy as np

from phaselab.atomic import atomic_path, write_json
from phaselab.studies.detector import DETECTOR_ENCODING, TONAL_MIX, speech_scores
from phaselab.studies.speech_noise import (
    KINDS,
    make_speech_noise_examples,
    MIX,
    make_speech_noise_set,
    noise_recordings,
    training_clips,
)
from phaselab.studies.speech_noise_models import fit_speech_noise, kind_accuracy
from phaselab.training.scores import roc_auc
from phaselab.training.shipped import SHIPPED_DETECTOR as WEIGHTS
from phaselab.training.shipped import load_detector

RESULTS = harness.RESULTS / "speech_detector.json"


def tonal_sounds(count: int, seconds: float, seed: int) -> list[np.ndarray]:
    """``count`` sounds of :func:`phaselab.data.tones.tonal_sound`, the kinds in turn, each ``seconds`` long, RMS 0.1."""
    from phaselab.data.tones import TONAL_KINDS, tonal_sound

    rng = np.random.default_rng(seed)
    return [tonal_sound(TONAL_KINDS[i % len(TONAL_KINDS)], seconds, rng) for i in range(count)]


def music_pieces(count: int, seconds: float, seed: int) -> list[np.ndarray]:
    """``count`` random pieces of :func:`phaselab.data.tones.rendered_music`, each ``seconds`` long, RMS 0.1."""
    from phaselab.data.tones import rendered_music

    rng = np.random.default_rng(seed + 7919)  # not the tonal sounds' stream
    return [rendered_music(seconds, rng) for _ in range(count)]


def train_detector(
    out: Path = WEIGHTS,
    clips: Sequence[np.ndarray] | None = None,
    n: int = 2000,
    epochs: int = 12,
    seed: int = 0,
    noises: Sequence[np.ndarray] | None = None,
    validation_clips: Sequence[np.ndarray] | None = None,
    tonal: int = 0,
    music: int = 0,
    effects: bool = False,
    mix: Sequence[float] = MIX,
    learning_rate: float = 1e-3,
) -> tuple[keras.Model, dict[str, list[float]]]:
    """Train the speech detector on training-speaker clips and save it to ``out``.

    :func:`~phaselab.studies.speech_noise_models.fit_speech_noise` trains it on ``n`` examples
    for ``epochs`` epochs; the model after the last epoch is saved. (The shipped detector was
    trained by the same recipe before it ran through :func:`~phaselab.training.loop.train`:
    Keras's own shuffling, no validation set.)

    Parameters
    ----------
    out : path-like
        A ``.keras`` file, written atomically.
    clips : sequence of np.ndarray, optional
        Speech clips; default the training speakers of the bundled real set.
    noises : sequence of np.ndarray, optional
        Background recordings of the ``noise`` kind; default all of the bundled real set's.
    n : int
        Examples in the training set (:func:`~phaselab.studies.speech_noise.make_speech_noise_set`).
    epochs, seed : int
    validation_clips : sequence of np.ndarray, optional
        Speech of the ``n // 4`` validation examples (scored after each epoch, not used to
        choose the model); default the validation speakers of the bundled real set.
    tonal : int
        Synthetic sounds with coherent phase (:func:`tonal_sounds`, 10 s each, seed
        ``seed``) added to ``noises``: music, plucked strings, drums, chirps, glides. 0 (the shipped
        detector): none; the tonal detector was trained with 60.
    music : int
        Pieces of rendered instrument music (:func:`music_pieces`, 10 s each) added to ``noises`` as well.
    effects : bool
        Add real sound effects too (:func:`phaselab.data.everyday.effect_sounds`: Debian's ``widelands-data``,
        108 recordings of animals and crafts, none of them in a validation or test set).
    mix : sequence of 5 floats
        Share of each kind of :data:`~phaselab.studies.speech_noise.KINDS` in the training set.
    learning_rate : float
        Adam's (constant).

    Returns
    -------
    The model and its history (:class:`~phaselab.training.config.TrainResult`'s).
    """
    out = Path(out)
    if out.suffix != ".keras":
        raise ValueError(f"{out}: the detector is saved as a .keras file")
    clips = training_clips() if clips is None else clips
    validation_clips = training_clips("validation") if validation_clips is None else validation_clips
    noises = list(noise_recordings().values()) if noises is None else noises
    if tonal:
        noises = [*noises, *tonal_sounds(tonal, 10.0, seed)]
    if music:
        noises = [*noises, *music_pieces(music, 10.0, seed)]
    if effects:
        from phaselab.data.everyday import effect_sounds

        noises = [*noises, *effect_sounds()]
    examples = make_speech_noise_set(clips, n, seed, mix=mix, noises=noises)
    validation = make_speech_noise_set(validation_clips, max(2, n // 4), seed + 1, mix=mix, noises=noises)
    with tempfile.TemporaryDirectory(prefix="phaselab-detector-") as run_dir:
        fitted = fit_speech_noise(DETECTOR_ENCODING, examples, validation, Path(run_dir) / "run", epochs, seed=seed,
                                  learning_rate=learning_rate)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        fitted.model.save(tmp)
    load_detector.cache_clear()
    return fitted.model, fitted.history


def leave_one_noise_out(
    n: int = 1000, epochs: int = 8, test_clips: int = 300, seed: int = 0, verbose: bool = True,
) -> list[dict[str, Any]]:
    """Does the detector catch a kind of noise it never heard? One fold per background recording.

    Each fold trains the detector's model (:data:`DETECTOR_ENCODING`, :func:`fit_speech_noise`)
    on examples made from the training speakers with every recording but one (validated on
    ``n // 4`` made from the validation speakers), then scores
    ``test_clips`` clips of the test speakers and as many segments of the left-out recording
    (at the same random levels as in training).

    Returns
    -------
    list of dict
        Per recording (sorted by name): ``noise``, ``caught`` (share of its segments scored as
        noise), ``speech_kept`` (share of held-out speech scored as speech), ``accuracy`` and
        ``auc`` (:func:`~phaselab.training.scores.roc_auc`, speech against that noise), ``seconds``.
    """
    recordings = noise_recordings()
    train_speech, validation_speech, test_speech = (training_clips(split) for split in ("train", "validation", "test"))
    folds = []
    for i, held in enumerate(recordings):
        start = time.perf_counter()
        others = [audio for name, audio in recordings.items() if name != held]
        with tempfile.TemporaryDirectory(prefix="phaselab-fold-") as run_dir:
            model = fit_speech_noise(DETECTOR_ENCODING, make_speech_noise_set(train_speech, n, seed + i, noises=others),
                                     make_speech_noise_set(validation_speech, max(2, n // 4), seed + 50 + i, noises=others),
                                     Path(run_dir) / "run", epochs, seed=seed).model
        audio, kinds = make_speech_noise_examples(test_speech, 2 * test_clips, seed + 100 + i,
                                                  mix=(0.5, 0.0, 0.0, 0.5, 0.0), noises=[recordings[held]])
        scores = speech_scores(audio, model)
        speech = kinds == KINDS.index("speech")
        fold = {"noise": held, "caught": float(np.mean(scores[~speech] < 0.5)),
                "speech_kept": float(np.mean(scores[speech] > 0.5)),
                "accuracy": float(np.mean((scores > 0.5) == speech)), "auc": roc_auc(scores, speech),
                "seconds": time.perf_counter() - start}
        folds.append(fold)
        if verbose:
            print(f"left out {held:<26} caught {fold['caught']:.3f}  speech kept {fold['speech_kept']:.3f}  "
                  f"AUC {fold['auc']:.3f}  {fold['seconds']:.0f} s", flush=True)
    return folds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="training examples of the shipped detector")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--fold-n", type=int, default=1000, help="training examples of each leave-one-noise-out fold")
    parser.add_argument("--fold-epochs", type=int, default=8)
    parser.add_argument("--no-folds", action="store_true", help="skip the leave-one-noise-out folds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--tonal", type=int, default=0,
                        help="synthetic tonal sounds (10 s each) added to the noises, with the mix TONAL_MIX")
    parser.add_argument("--music", type=int, default=0,
                        help="pieces of rendered instrument music (10 s each, needs fluidsynth) added to the noises")
    parser.add_argument("--effects", action="store_true",
                        help="add real sound effects (apt-get install widelands-data) to the noises")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    args = parser.parse_args()
    report = {"settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
              "machine": harness.machine(), "encoding": DETECTOR_ENCODING,
              "mix": dict(zip(KINDS, TONAL_MIX if args.tonal or args.music or args.effects else MIX))}
    if not args.no_folds:
        report["folds"] = leave_one_noise_out(args.fold_n, args.fold_epochs, seed=args.seed)
        write_json(report, args.results)
    start = time.perf_counter()
    _, history = train_detector(args.out, n=args.n, epochs=args.epochs, seed=args.seed, tonal=args.tonal,
                                music=args.music, effects=args.effects, learning_rate=args.learning_rate,
                                **({"mix": TONAL_MIX} if args.tonal or args.music or args.effects else {}))
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
    from phaselab.data.tones import MissingSynthesizer

    try:
        main()
    except (MissingSynthesizer, ValueError) as error:  # Debian packages missing: one line, no traceback
        sys.exit(f"error: {error}")
