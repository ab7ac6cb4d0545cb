"""Solutions and checks of the exercises of chapters 04-06 (training, encodings, speech or noise).

Each solution's docstring has a ``Notebook:`` line naming its exercise; each ``check_...``
runs a solution on the chapter's data and asserts the exercise's stated goal, returning what it
measured. Checks that cost more than a second do less work under ``PHASELAB_QUICK=1``
(:func:`phaselab.book.chapters.quick`). The table of all exercises is
:data:`phaselab.book.exercises.EXERCISES`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from phaselab.book.chapters import quick
from phaselab.book.solutions_signal import _long_term_bands_db, _word
from phaselab.signal.reconstruction import (
    randomize_phase,
    spectral_convergence,
)
from phaselab.signal.stft import stft

__all__ = ["phase_roll_gap", "padding_comparison", "check_padding_comparison", "flops_by_width", "check_flops_by_width", "always_unknown_scores", "check_always_unknown_scores", "log_complex", "check_log_complex", "rotation_sensitivity", "check_rotation_sensitivity", "encoding_costs", "check_encoding_costs", "long_term_noise", "check_long_term_noise", "twin_convergence_by_hop", "check_twin_convergence_by_hop", "detector_on_long_term_noise", "check_detector_on_long_term_noise"]


def phase_roll_gap(model: Any, audio: np.ndarray, shift: int = 3) -> float:
    """How far a model's pooled stem output moves when the phase axis of its input volume is rolled.

    Runs the layers of a ``cnn3d-small`` from its features to ``phase_pool`` on the phased
    spectrogram of ``audio`` and on the same volume rolled by ``shift`` phase slices (what a
    global phase rotation by ``2 pi shift / P`` does), and returns the largest difference
    relative to the largest output. With wrap-around padding the stem commutes with the roll
    and the max over phase removes it: 0 up to float rounding.

    Notebook: 04, exercise 1 (train with edge padding instead of wrap-around).
    """
    import keras

    from phaselab.signal.audio import fit_length
    from phaselab.training.inference import forward

    clip = fit_length(np.asarray(audio, np.float32), model.input_shape[1])[None]
    volume = keras.ops.convert_to_numpy(model.get_layer("features")(clip))
    stem = keras.Model(model.get_layer("features").output, model.get_layer("phase_pool").output)

    def head(x: np.ndarray) -> np.ndarray:
        return forward(stem, x)  # a new stem per model: called, not stem.predict, which would trace a graph each time

    plain, rolled = head(volume), head(np.roll(volume, shift, axis=3))
    return float(np.max(np.abs(plain - rolled)) / np.max(np.abs(plain)))


def padding_comparison(steps: int | None = None, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Train ``cnn3d-small`` twice, the phase axis padded by wrap-around and by edge replication.

    Same seed, same batches, a small width; returns, per padding, the per-word validation
    F1 after the last epoch (None for a class the validation split lacks), the macro F1 and
    :func:`phase_roll_gap` of the trained model. Under ``PHASELAB_QUICK=1``: 2 batches of 4
    clips at width 1/8, mechanics only; otherwise 2 epochs of 40 batches of 8 at width 1/4
    (minutes on a CPU), still far from chapter 04's full run.

    Notebook: 04, exercise 1 (train with edge padding instead of wrap-around and compare per-word F1).

    Parameters
    ----------
    steps : int, optional
        Batches per epoch (default: 2 under ``PHASELAB_QUICK=1``, else 40).
    seed : int
    """
    from phaselab.data.labels import CLASSES
    from phaselab.training.config import TrainConfig
    from phaselab.training.loop import train

    epochs, per_epoch, batch, width = (1, steps or 2, 4, 0.125) if quick() else (2, steps or 40, 8, 0.25)
    marvin = _word("marvin")
    results = {}
    for padding in ("wrap", "edge"):
        config = TrainConfig("cnn3d-small", model_kwargs={"width": width, "phase_padding": padding}, epochs=epochs,
                             steps_per_epoch=per_epoch, batch_size=batch, seed=seed)
        with tempfile.TemporaryDirectory(prefix=f"phaselab-exercise-{padding}-") as run_dir:
            run = train(config, Path(run_dir), verbose=0)
        history = run.history
        results[padding] = {
            "f1": {name: history[f"val_f1_{name}"][-1] for name in CLASSES},
            "macro_f1": history["val_macro_f1"][-1],
            "roll_gap": phase_roll_gap(run.model, marvin),
        }
    return results


def check_padding_comparison(solution: Callable[..., dict] = padding_comparison) -> dict[str, Any]:
    """Goal: both runs give a validation F1 for every word, side by side; the wrap-around model's
    pooled stem ignores a roll of the phase axis (relative change < 1e-4), the edge-padded one's
    does not (> 1e-3): edge padding breaks the invariance to a global phase rotation.
    """
    from phaselab.data.labels import CLASSES

    results = solution()
    def cell(value: float | None) -> str:
        return f"{value:8.3f}" if value is not None and np.isfinite(value) else f"{'-':>8}"

    print(f"{'word':<9}" + "".join(f"{p:>8}" for p in results))
    for name in CLASSES:
        print(f"{name:<9}" + "".join(cell(r['f1'][name]) for r in results.values()))
    print(f"{'macro F1':<9}" + "".join(f"{r['macro_f1']:8.3f}" for r in results.values()))
    print("relative change of the pooled stem under a phase roll: "
          + ", ".join(f"{p} {r['roll_gap']:.1e}" for p, r in results.items()))
    assert set(results) == {"wrap", "edge"} and all(set(r["f1"]) == set(CLASSES) for r in results.values())
    assert results["wrap"]["roll_gap"] < 1e-4, results["wrap"]["roll_gap"]
    assert results["edge"]["roll_gap"] > 1e-3, results["edge"]["roll_gap"]
    return results


def flops_by_width(widths: tuple[float, ...] = (0.5, 1.0)) -> dict[float, tuple[int, int]]:
    """Parameters and FLOPs per clip of ``cnn3d-small`` at several widths.

    Notebook: 04, exercise 2 (how do parameters and FLOPs grow with the width?).

    Returns
    -------
    dict
        ``{width: (parameters, FLOPs per clip)}``.
    """
    from phaselab.nn.cost import flops
    from phaselab.nn.registry import build_model

    found = {}
    for width in widths:
        model = build_model("cnn3d-small", width=width)
        found[width] = (model.count_params(), flops(model))
    return found


def check_flops_by_width(solution: Callable[..., dict] = flops_by_width) -> dict[str, Any]:
    """Goal: doubling the width multiplies FLOPs per clip and parameters by about 4 (between 3 and 4.5),
    since most of the cost is in layers whose inputs *and* outputs widen.
    """
    found = solution((0.5, 1.0))
    params = found[1.0][0] / found[0.5][0]
    cost = found[1.0][1] / found[0.5][1]
    for width, (p, f) in found.items():
        print(f"width {width}: {p:,} parameters, {f / 1e6:,.0f} MFLOPs per clip")
    print(f"doubling the width: parameters x{params:.2f}, FLOPs x{cost:.2f}")
    assert 3 < params < 4.5 and 3 < cost < 4.5
    return {"parameters_ratio": params, "flops_ratio": cost}


def always_unknown_scores(split: str = "test") -> dict[str, Any]:
    """Scores of a "model" that answers ``unknown`` for every clip of a split of the synthetic set.

    Notebook: 04, exercise 3 (why accuracy misleads: score the laziest model).
    """
    from phaselab.data.labels import CLASSES, UNKNOWN
    from phaselab.data.pipeline import class_indices
    from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
    from phaselab.training.scores import classification_scores

    clips = SpeechCommands(resolve_data_root("synthetic")).clips(split)
    truth = class_indices(clips, CLASSES)
    return classification_scores(truth, np.full_like(truth, CLASSES.index(UNKNOWN)), CLASSES)


def check_always_unknown_scores(solution: Callable[[str], dict] = always_unknown_scores) -> dict[str, Any]:
    """Goal: answering ``unknown`` always reaches an accuracy of about 0.67 on the synthetic test split
    (two thirds of it is ``unknown``) but a macro F1 under 0.1 and a command recall of 0.
    """
    scores = solution("test")
    print(f"always 'unknown': accuracy {scores['accuracy']:.3f}, macro F1 {scores['macro_f1']:.3f}, "
          f"command recall {scores['command_recall']:.3f}")
    assert scores["accuracy"] > 0.6 and scores["macro_f1"] < 0.1 and scores["command_recall"] == 0
    return scores


def log_complex(spec: np.ndarray) -> np.ndarray:
    """One more encoding: the log magnitude carried by the bin's point on the unit circle.

    ``log(1 + |z|) (cos phi, sin phi)``: two channels, like ``cos_sin``, but quiet bins are
    near 0 instead of carrying the phase of the background at full contrast.

    Notebook: 05, exercise 1 (one more encoding).

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex

    Returns
    -------
    np.ndarray, shape (frames, bins, 2), float32

    Examples
    --------
    >>> log_complex(np.array([[np.e - 1 + 0j]]))[0, 0].round(3).tolist()
    [1.0, 0.0]
    """
    angle = np.angle(spec)
    return (np.log1p(np.abs(spec))[..., None] * np.stack([np.cos(angle), np.sin(angle)], axis=-1)).astype(np.float32)


def check_log_complex(solution: Callable[[np.ndarray], np.ndarray] = log_complex) -> dict[str, Any]:
    """Goal: on "marvin" the new encoding has shape (256, 129, 2), the length of every 2-vector is
    the log magnitude, and a global phase rotation by theta rotates every vector by theta.
    """
    spec = stft(_word("marvin", length=16384))
    features = solution(spec)
    assert features.shape == (256, 129, 2), features.shape
    np.testing.assert_allclose(np.hypot(features[..., 0], features[..., 1]), np.log1p(np.abs(spec)), atol=1e-5)
    theta = 0.7
    rotated = solution(spec * np.exp(1j * theta))
    c, s = np.cos(theta), np.sin(theta)
    expected = np.stack([c * features[..., 0] - s * features[..., 1], s * features[..., 0] + c * features[..., 1]], -1)
    np.testing.assert_allclose(rotated, expected, atol=1e-4)
    print("shape", features.shape, "| length = log(1 + |z|) | a rotation by theta rotates every vector by theta")
    return {"features": features}


def rotation_sensitivity(audio: np.ndarray, theta: float) -> dict[str, float]:
    """How much each encoding changes, at most, in the loud bins when every STFT value turns by ``theta``.

    Chapter 05's section 2 on any clip: magnitude, instantaneous frequency and group delay
    (on the circle) do not change; cos/sin does; the phased volume rolls along phase.

    Notebook: 05, exercise 2 (check section 2's table on another word).

    Returns
    -------
    dict
        ``{"magnitude", "if", "group_delay", "cos_sin", "phased_unrolled", "phased_rolled"}``:
        the largest change; the phased volume compared as it is and rolled back by
        ``theta P / 2 pi`` slices (a whole number of slices when ``theta`` is a knot angle).
    """
    from phaselab.signal.encodings import (
        cos_sin,
        group_delay,
        instantaneous_frequency,
        kernel_activations,
        make_kernel,
    )

    spec = stft(audio)
    rotated = spec * np.exp(1j * theta)
    loud = np.abs(spec) > 0.05 * np.abs(spec).max()

    def circular(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.abs((a - b + 1) % 2 - 1)

    kernel = make_kernel("chord", 10)
    before, after = kernel_activations(spec[loud], 10, kernel), kernel_activations(rotated[loud], 10, kernel)
    shift = int(round(theta * 10 / (2 * np.pi)))
    pairs_t, pairs_f = loud[1:] & loud[:-1], loud[:, 1:] & loud[:, :-1]
    return {
        "magnitude": float(np.abs(np.log1p(np.abs(rotated)) - np.log1p(np.abs(spec)))[loud].max()),
        "if": float(circular(instantaneous_frequency(rotated), instantaneous_frequency(spec))[1:][pairs_t].max()),
        "group_delay": float(circular(group_delay(rotated), group_delay(spec))[:, 1:][pairs_f].max()),
        "cos_sin": float(np.abs(cos_sin(rotated) - cos_sin(spec))[loud].max()),
        "phased_unrolled": float(np.abs(after - before).max()),
        "phased_rolled": float(np.abs(after - np.roll(before, shift, axis=-1)).max()),
    }


def check_rotation_sensitivity(solution: Callable[..., dict] = rotation_sensitivity) -> dict[str, Any]:
    """Goal: on "sheila" (the chapter used "marvin"), turning every STFT value by 3/10 of a turn leaves
    magnitude, IF and group delay unchanged (< 1e-3), changes cos/sin by over 1, and only rolls the
    phased volume by three slices (< 1e-3 after rolling back, over 0.5 before).
    """
    found = solution(_word("sheila", length=16384), 2 * np.pi * 3 / 10)
    for name, value in found.items():
        print(f"{name:<16} {value:.2e}")
    assert max(found["magnitude"], found["if"], found["group_delay"], found["phased_rolled"]) < 1e-3, found
    assert found["cos_sin"] > 1 and found["phased_unrolled"] > 0.5, found
    return found


def encoding_costs() -> dict[str, tuple[int, int]]:
    """Parameters and FLOPs per clip of chapter 05's network over each encoding.

    Notebook: 05, exercise 3 (what does each encoding cost the same body?).

    Returns
    -------
    dict
        ``{encoding: (parameters, FLOPs per clip)}`` for magnitude, phased, cos_sin, if and mag_if.
    """
    from phaselab.nn.cost import flops
    from phaselab.nn.encoding_nets import encoding_model

    found = {}
    for encoding in ("magnitude", "phased", "cos_sin", "if", "mag_if"):
        model = encoding_model(encoding, filters=(8, 16, 32))
        found[encoding] = (model.count_params(), flops(model))
    return found


def check_encoding_costs(solution: Callable[[], dict] = encoding_costs) -> dict[str, Any]:
    """Goal: every encoding's model has within 10 % of the magnitude model's parameters (only the stem's
    input differs), while the phased one costs over 1.5 times its FLOPs (its stem runs on 10 slices).
    """
    found = solution()
    base_params, base_flops = found["magnitude"]
    for encoding, (params, cost) in found.items():
        print(f"{encoding:<10} {params:>7,} parameters ({params / base_params:.2f}x), "
              f"{cost / 1e6:7.1f} MFLOPs ({cost / base_flops:.2f}x)")
        assert abs(params / base_params - 1) < 0.1, encoding
    assert found["phased"][1] > 1.5 * base_flops
    return found


def long_term_noise(clip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One more noise type: white noise shaped by the clip's *long-term* spectrum, at the clip's RMS.

    Unlike chapter 06's ``shaped`` noise, which follows the clip's magnitude frame by frame,
    this one has the right average colour and no time envelope at all: no syllables.

    Notebook: 06, exercise 1 (one more noise type).

    Parameters
    ----------
    clip : np.ndarray, shape (n,)
    rng : np.random.Generator

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    from phaselab.signal.stft import istft

    spec = stft(clip, 512, 128, framing="full")
    long_term = np.sqrt(np.mean(np.abs(spec) ** 2, axis=0))
    noise = stft(rng.standard_normal(len(clip)), 512, 128, framing="full")
    out = istft(noise / (np.abs(noise) + 1e-12) * long_term, len(clip), 512, 128)
    rms = np.sqrt(np.mean(np.square(clip)))
    return (out * rms / max(np.sqrt(np.mean(np.square(out))), 1e-12)).astype(np.float32)


def _envelope_spread_db(audio: np.ndarray) -> float:
    frames = 10 * np.log10(np.mean(np.abs(stft(audio, 512, 128, framing="full")) ** 2, axis=1) + 1e-12)
    return float(np.std(frames[2:-2]))


def check_long_term_noise(solution: Callable[..., np.ndarray] = long_term_noise) -> dict[str, Any]:
    """Goal: the noise of "marvin" has its long-term band spectrum within 3 dB in the median band, but
    its frame energies spread by less than a third of the word's (no syllables).
    """
    marvin = _word("marvin")
    noise = solution(marvin, np.random.default_rng(0))
    assert noise.shape == marvin.shape
    bands = np.abs(_long_term_bands_db(marvin) - _long_term_bands_db(noise))
    word_spread, noise_spread = _envelope_spread_db(marvin), _envelope_spread_db(noise)
    print(f"long-term band spectrum: median |difference| {np.median(bands):.2f} dB; frame energy spread: "
          f"word {word_spread:.1f} dB, noise {noise_spread:.1f} dB")
    assert np.median(bands) < 3 and noise_spread < word_spread / 3
    return {"noise": noise, "band_gap_db": float(np.median(bands)), "spread_db": (word_spread, noise_spread)}


def twin_convergence_by_hop(clips: list[np.ndarray], hops: tuple[int, ...] = (32, 64, 128),
                            frame_length: int = 256) -> dict[int, float]:
    """Mean spectral convergence of random-phase twins to their clips, made and re-analysed at several hops.

    Notebook: 06, exercise 2 (how close can a random-phase twin get, with less frame overlap?).

    Returns
    -------
    dict
        ``{hop: mean spectral convergence}``.
    """
    found = {}
    for hop in hops:
        values = []
        for i, clip in enumerate(clips):
            twin = randomize_phase(clip, np.random.default_rng(i), frame_length, hop)
            values.append(spectral_convergence(stft(clip, frame_length, hop, framing="full"),
                                               stft(twin, frame_length, hop, framing="full")))
        found[hop] = float(np.mean(values))
    return found


def check_twin_convergence_by_hop(solution: Callable[..., dict] = twin_convergence_by_hop) -> dict[str, Any]:
    """Goal: the less the frames overlap, the closer the twins: at a hop of half the window (50 %
    overlap) the spectral convergence is at least 0.04 lower than at 1/4 and 1/8 of the window.
    """
    from phaselab.studies.speech_noise import training_clips

    clips = training_clips("test")[: 6 if quick() else 30]
    found = solution(clips)
    for hop, value in found.items():
        print(f"hop {hop:>3} (overlap {1 - hop / 256:.0%}): spectral convergence {value:.3f}")
    assert found[128] < min(found[32], found[64]) - 0.04, found
    return found


def detector_on_long_term_noise(clips: list[np.ndarray], seed: int = 0) -> dict[str, np.ndarray]:
    """``is_speech`` probabilities of clips, of their random-phase twins and of their :func:`long_term_noise`.

    Notebook: 06, exercise 3 (does the shipped detector catch the new noise?).

    Returns
    -------
    dict
        ``{"speech", "twin", "long_term"}``: probabilities of speech, each of shape (n,).
    """
    from phaselab.constants import MODEL_SAMPLES
    from phaselab.data.augment import pad
    from phaselab.studies.detector import speech_scores
    from phaselab.studies.speech_noise import random_phase_twin

    rng = np.random.default_rng(seed)
    sounds = {"speech": clips, "twin": [random_phase_twin(c, rng) for c in clips],
              "long_term": [long_term_noise(c, rng) for c in clips]}
    return {kind: speech_scores(np.stack([pad(c, MODEL_SAMPLES) for c in found])) for kind, found in sounds.items()}


def check_detector_on_long_term_noise(solution: Callable[..., dict] = detector_on_long_term_noise,
                                      ) -> dict[str, Any]:
    """Goal: find out whether the shipped detector, trained on four kinds of noise, catches a fifth.
    It scores most held-out speech as speech and at least 80 % of the twins as noise (chapter 06's
    section 5); the long-term noise, which it never saw, it catches *less* often than the twins.
    """
    from phaselab.studies.speech_noise import training_clips

    clips = training_clips("test")[:: 6 if quick() else 2]
    scores = solution(clips)
    kept = float(np.mean(scores["speech"] > 0.5))
    caught = {kind: float(np.mean(scores[kind] < 0.5)) for kind in ("twin", "long_term")}
    print(f"{len(clips)} held-out clips: {kept:.0%} scored as speech; as noise: their twins {caught['twin']:.0%}, "
          f"their long-term noise {caught['long_term']:.0%}")
    assert kept > 0.5 and caught["twin"] >= 0.8, (kept, caught)
    assert caught["long_term"] < caught["twin"], caught  # the margin: benchmarks/FINDINGS.md, last section
    return {"scores": scores, "kept": kept, "caught": caught}
