"""Phase encodings compared on real speech: the shipped model's body and recipe, each encoding, several seeds.

Each encoding trains :func:`phaselab.nn.encoding_nets.encoding_cnn` with ``phaselab train``'s
recipe on the bundled real set's training speakers (:func:`run_real_encoding`), keeps the epoch
with the best validation macro F1, and is scored on the test speakers clean, with real background
noise at several SNRs, and with a global phase rotation (:data:`CONDITIONS`). The tables and the
paired verdicts against magnitude come from the results file that
``benchmarks/experiments/encodings_real.py`` writes (:func:`load_real_study`, :func:`summarise_real`,
:func:`paired_difference`).

Notebook: ``05_phase_encodings_compared.ipynb``
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
from phaselab.signal.audio import read_wav
from phaselab.training.scores import classification_scores, mean_sd, seed_interval

__all__ = ["REAL_ENCODINGS", "REAL_ARMS", "CONDITIONS", "SNRS_DB", "REAL_EPOCHS", "arm_baseline", "arm_spec",
           "condition_audio", "run_real_arm", "load_real_study", "load_speed", "summarise_real", "paired_difference",
           "format_real_summary", "plot_robustness", "real_study_report", "format_paired_differences",
           "describe_difference"]


REAL_ENCODINGS: tuple[str, ...] = ("magnitude", "phased", "cos_sin", "if", "mag_if", "group_delay", "complex")
"""The spectrogram encodings of the real-speech study, in table order (``magnitude`` is the baseline)."""


REAL_ARMS: tuple[str, ...] = (*(f"mel/{e}" for e in REAL_ENCODINGS), *(f"linear/{e}" for e in REAL_ENCODINGS),
                              "waveform")
"""Every arm of the study, ``GRID/ENCODING`` or ``waveform``, in table order.

``mel/E``: encoding ``E`` pooled onto the shipped model's 40 mel bands; ``linear/E``: on the 257
bins of the 512-point STFT, no pooling; both with the phase measured from the window's centre
and the shipped model's body (:func:`phaselab.nn.encoding_nets.encoding_cnn`). ``waveform``: a 1D
CNN on the raw samples (:func:`phaselab.nn.baselines.cnn1d`), which keeps all of the phase.
Results files may also hold ``mel-start/E`` rows: the first study's runs, on another machine,
pooled with the phase measured from the frame start (where pooling cancels the phase), and
compared with that study's own magnitude run, ``mel-start/magnitude``.
"""


def arm_spec(arm: str) -> tuple[str, dict[str, Any]]:
    """The model name and builder arguments of one arm of :data:`REAL_ARMS`.

    Examples
    --------
    >>> arm_spec("linear/cos_sin")
    ('enc-cnn', {'encoding': 'cos_sin', 'n_mels': None})
    >>> arm_spec("waveform")
    ('cnn1d', {})
    """
    if arm == "waveform":
        return "cnn1d", {}
    grid, _, encoding = arm.partition("/")
    if grid not in ("mel", "linear") or encoding not in REAL_ENCODINGS:
        raise ValueError(f"unknown arm {arm!r}; choose one of {', '.join(REAL_ARMS)}")
    return "enc-cnn", {"encoding": encoding} if grid == "mel" else {"encoding": encoding, "n_mels": None}


def arm_baseline(arm: str) -> str:
    """The arm each arm is compared with: magnitude on the same grid and from the same runs.

    The waveform is compared with the mel magnitude (the model a user would otherwise pick), the
    first study's ``mel-start/...`` runs with that study's magnitude run: a paired difference means
    something only between runs of one machine and one version of the code.

    Examples
    --------
    >>> arm_baseline("linear/if"), arm_baseline("waveform"), arm_baseline("mel-start/phased")
    ('linear/magnitude', 'mel/magnitude', 'mel-start/magnitude')
    """
    grid = arm.partition("/")[0]
    return {"linear": "linear/magnitude", "mel-start": "mel-start/magnitude"}.get(grid, "mel/magnitude")


SNRS_DB: tuple[float, ...] = (20.0, 10.0, 5.0, 0.0)
"""Signal-to-noise ratios (dB) at which real background noise is mixed into the test clips."""


CONDITIONS: tuple[str, ...] = ("clean", *(f"noise {snr:g} dB" for snr in SNRS_DB), "phase rotation")
"""What each model is scored on: the test clips as they are, with noise at each SNR, and rotated in phase."""


REAL_EPOCHS = 15
"""Epochs of every run of the real-speech study (the default recipe's other settings unchanged)."""


def condition_audio(clips: Sequence[Any], condition: str, noises: Sequence[np.ndarray], seed: int = 0) -> np.ndarray:
    """The clips of one test condition, ready for a model: ``(n, 16384)`` float32.

    ``"noise X dB"`` mixes a segment of one of the background recordings into each clip at X dB
    SNR (:func:`~phaselab.data.augment.mix_at_snr`); ``"phase rotation"`` rotates each clip's
    phase by an angle drawn uniformly from [0, 2 pi) (:func:`~phaselab.data.augment.rotate_phase`).
    Clip ``i``'s noise and angle come from ``(seed, i)``, so every model meets the very same
    sounds. Then every clip is normalised and padded as in evaluation.

    Examples
    --------
    >>> from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
    >>> clips = SpeechCommands(resolve_data_root("real")).clips("test")[:2]
    >>> condition_audio(clips, "noise 10 dB", [np.ones(32000, np.float32)]).shape
    (2, 16384)
    """
    from phaselab.constants import CLIP_SAMPLES
    from phaselab.data.augment import (
        AugmentConfig,
        SoundPreprocessor,
        mix_at_snr,
        noise_segment,
        rotate_phase,
    )

    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; choose one of {', '.join(CONDITIONS)}")
    finish = SoundPreprocessor(AugmentConfig.none()).finish
    out = []
    for i, clip in enumerate(clips):
        audio = read_wav(clip.path, length=CLIP_SAMPLES)
        rng = np.random.default_rng([seed, i])
        if condition.startswith("noise"):
            snr = float(condition.split()[1])
            audio = mix_at_snr(audio, noise_segment(noises, CLIP_SAMPLES, rng), snr)
        elif condition == "phase rotation":
            audio = rotate_phase(audio, rng.uniform(0.0, 2.0 * np.pi))
        out.append(finish(audio))
    return np.stack(out).astype(np.float32)


def run_real_arm(arm: str, seed: int, runs: str | os.PathLike, data: str = "real", **overrides: Any) -> dict[str, Any]:
    """Train (or resume, or reuse) one arm and seed with the default recipe, and score it on every condition.

    The model (:func:`arm_spec`) is trained by :func:`phaselab.training.loop.train` into
    ``<runs>/<grid>_<encoding>_s<seed>`` (so a killed run resumes); its ``best.keras`` (chosen
    on the validation speakers) is scored on the test speakers in each of :data:`CONDITIONS`.

    Returns
    -------
    dict
        ``arm``, ``encoding``, ``grid``, ``seed``, ``params``, ``mflops``, ``epochs``, ``minutes``
        (training, this machine), ``best_val_macro_f1``, and per condition the macro F1,
        accuracy, per-class F1 and the predicted class of every test clip (``predictions``: for
        paired comparisons).
    """
    from phaselab.data.labels import CLASSES as classes
    from phaselab.nn.cost import flops as count_flops
    from phaselab.training.config import TrainConfig
    from phaselab.training.loop import train
    from phaselab.training.rundir import BEST_FILE, load_model, read_history

    model_name, kwargs = arm_spec(arm)
    config = TrainConfig(model_name, model_kwargs=kwargs, data=data, seed=seed,
                         epochs=overrides.pop("epochs", REAL_EPOCHS), **overrides)
    run_dir = Path(runs) / f"{arm.replace('/', '_')}_s{seed}"
    if len(read_history(run_dir).get("epoch", [])) < config.epochs:
        train(config, run_dir, resume=run_dir.exists(), verbose=2)
    history = read_history(run_dir)
    model = load_model(run_dir / BEST_FILE)
    tree = SpeechCommands(resolve_data_root(data))
    clips = tree.clips("test")
    noises = [read_wav(path) for path in tree.background_noise_files()]
    truth = [classes.index(clip.label) for clip in clips]
    grid, _, encoding = arm.partition("/")
    row: dict[str, Any] = {
        "arm": arm, "encoding": encoding or arm, "grid": grid if encoding else "samples",
        "phase_reference": "centre", "seed": int(seed), "params": int(model.count_params()),
        "mflops": count_flops(model) / 1e6, "epochs": len(history["epoch"]),
        "minutes": round(sum(history.get("seconds", [])) / 60, 2),
        "best_val_macro_f1": max(history["val_macro_f1"]), "speakers": [clip.speaker for clip in clips],
        "truth": truth, "conditions": {},
    }
    for condition in CONDITIONS:
        predicted = model.predict(condition_audio(clips, condition, noises), batch_size=64, verbose=0).argmax(axis=1)
        scores = classification_scores(truth, predicted, classes)
        row["conditions"][condition] = {"macro_f1": scores["macro_f1"], "accuracy": scores["accuracy"],
                                        "f1": scores["f1"], "predictions": predicted.tolist()}
    return row


def load_real_study(path: str | os.PathLike) -> dict[str, Any] | None:
    """The results of ``benchmarks/experiments/encodings_real.py`` (``settings``, ``machine``, ``rows``), or None if there are none.

    Notebook: ``05_phase_encodings_compared`` (section 5).
    """
    import json

    path = Path(path)
    if not path.is_file():
        return None
    results = json.loads(path.read_text(encoding="utf-8"))
    return results if results.get("rows") else None


def _arm(row: dict[str, Any]) -> str:
    return row.get("arm") or f"mel-start/{row['encoding']}"


def summarise_real(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and sample standard deviation over seeds, per arm and condition (table order).

    Returns
    -------
    list of dict
        ``arm``, ``encoding``, ``seeds``, ``params``, ``mflops``, ``minutes`` (mean), and for each
        condition ``(mean, sd)`` of macro F1 (sd NaN for one seed).
    """
    summary = []
    present = list(dict.fromkeys(_arm(r) for r in rows))
    order = [a for a in REAL_ARMS if a in present] + [a for a in present if a not in REAL_ARMS]
    for arm in order:
        chosen = [row for row in rows if _arm(row) == arm]
        entry: dict[str, Any] = {"arm": arm, "encoding": chosen[0]["encoding"],
                                 "seeds": sorted(row["seed"] for row in chosen),
                                 "params": chosen[0]["params"], "mflops": chosen[0]["mflops"],
                                 "minutes": float(np.mean([row["minutes"] for row in chosen]))}
        for condition in CONDITIONS:
            entry[condition] = mean_sd(row["conditions"][condition]["macro_f1"] for row in chosen)
        summary.append(entry)
    return summary


def paired_difference(rows: Sequence[dict[str, Any]], arm: str, baseline: str | None = None,
                      condition: str = "clean", draws: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Macro F1 of ``arm`` minus ``baseline`` (default :func:`arm_baseline`) on the seeds both have: is it larger than the noise?

    Two intervals, both 95 %:

    - **seeds**: the mean of the per-seed differences +- Student's t times its standard error
      (``n - 1`` degrees of freedom): how much the difference moves from one training run to
      the next;
    - **speakers**: a paired bootstrap over test *speakers* (all clips of a drawn speaker, both
      models' predictions kept together) of the difference of the seed-averaged macro F1: how
      much it would move with other test people.

    Returns
    -------
    dict
        ``seeds`` (list), ``differences`` (per seed), ``mean``, ``seed_ci`` (low, high),
        ``speaker_ci`` (low, high), and ``verdict``: :func:`describe_difference`'s words
        (``"better"`` / ``"worse"`` only when both intervals exclude 0 on the same side).

    Examples
    --------
    >>> row = lambda a, s, p: {"arm": a, "encoding": a[4:], "seed": s, "truth": [0, 1, 0, 1], "speakers": list("abcd"),
    ...                        "conditions": {"clean": {"macro_f1": float(np.mean(np.equal(p, [0, 1, 0, 1]))),
    ...                                                 "predictions": p}}}
    >>> rows = [row("mel/magnitude", 0, [0, 1, 0, 1]), row("mel/if", 0, [0, 0, 0, 0]),
    ...         row("mel/magnitude", 1, [0, 1, 0, 1]), row("mel/if", 1, [1, 1, 0, 0])]
    >>> paired_difference(rows, "mel/if")["differences"]
    [-0.5, -0.5]
    """
    from phaselab.data.labels import CLASSES as classes

    encoding = arm
    baseline = baseline or arm_baseline(arm)
    by_seed = {(_arm(row), row["seed"]): row for row in rows}
    seeds = sorted(s for (e, s) in by_seed if e == encoding and (baseline, s) in by_seed)
    if not seeds:
        raise ValueError(f"no seed has both {encoding!r} and {baseline!r}")
    diffs = [by_seed[(encoding, s)]["conditions"][condition]["macro_f1"]
             - by_seed[(baseline, s)]["conditions"][condition]["macro_f1"] for s in seeds]
    mean, low, high = seed_interval(diffs)
    seed_ci = (low, high)
    first = by_seed[(baseline, seeds[0])]
    truth, speakers = np.asarray(first["truth"]), np.asarray(first["speakers"])
    labels = np.arange(len(classes))
    preds = {name: np.array([by_seed[(name, s)]["conditions"][condition]["predictions"] for s in seeds])
             for name in (encoding, baseline)}
    people = np.unique(speakers)
    members = [np.flatnonzero(speakers == person) for person in people]
    rng = np.random.default_rng(seed)

    def macro(pred: np.ndarray, index: np.ndarray) -> float:
        t, p = truth[index], pred[index]
        f1 = []
        for c in labels:
            tp, fp, fn = np.sum((p == c) & (t == c)), np.sum((p == c) & (t != c)), np.sum((p != c) & (t == c))
            if tp + fn:
                f1.append(2 * tp / (2 * tp + fp + fn))
        return float(np.mean(f1))

    boot = []
    for _ in range(draws):
        index = np.concatenate([members[i] for i in rng.integers(0, len(people), len(people))])
        boot.append(np.mean([macro(preds[encoding][k], index) - macro(preds[baseline][k], index)
                             for k in range(len(seeds))]))
    speaker_ci = tuple(float(v) for v in np.percentile(boot, [2.5, 97.5]))
    result = {"arm": arm, "encoding": arm, "baseline": baseline, "condition": condition, "seeds": seeds,
              "differences": [float(d) for d in diffs], "mean": mean, "seed_ci": tuple(float(v) for v in seed_ci),
              "speaker_ci": speaker_ci}
    return {**result, "verdict": describe_difference(result)}


def format_real_summary(summary: Sequence[dict[str, Any]], speed: dict[str, float] | None = None) -> str:
    """A Markdown table of :func:`summarise_real`: macro F1 per condition (mean +- sd), params, MFLOPs.

    ``speed`` (arm -> training time per clip relative to the mel magnitude, from
    ``benchmarks/speed/bench_encodings.py``: every arm in one run, on the same batch) adds a column: the runs' own wall
    clock is not shown, since the study's runs share the CPU with other jobs and may be paused.
    """
    def cell(pair: tuple[float, float]) -> str:
        mean, sd = pair
        return f"{mean:.3f}" + ("" if math.isnan(sd) else f" ± {sd:.3f}")

    extra = " training time vs magnitude |" if speed else ""
    head = "| arm | seeds | " + " | ".join(CONDITIONS) + " | params | MFLOPs / clip |" + extra
    lines = [head, "|---|---:|" + "---:|" * (len(CONDITIONS) + 2 + bool(speed))]
    for e in summary:
        time = f" {speed[e['arm']]:.2f}x |" if speed and e["arm"] in speed else (" n/a |" if speed else "")
        lines.append(f"| {e['arm']} | {len(e['seeds'])} | " + " | ".join(cell(e[c]) for c in CONDITIONS)
                     + f" | {e['params']:,} | {e['mflops']:.0f} |" + time)
    return "\n".join(lines)


def load_speed(path: str | os.PathLike) -> dict[str, float] | None:
    """Training time per clip relative to the mel magnitude, per arm, from ``benchmarks/speed/bench_encodings.py``'s JSON.

    Rows without an ``arm`` (older files) are the mel grid's encodings.
    """
    import json

    path = Path(path)
    if not path.is_file():
        return None
    rows = json.loads(path.read_text(encoding="utf-8"))["encodings"]
    return {row.get("arm", f"mel/{row['encoding']}"): row["time_vs_magnitude"] for row in rows}


def plot_robustness(summary: Sequence[dict[str, Any]], ax: Any = None) -> Any:
    """Test macro F1 against SNR (clean at the right), one curve per encoding, error bars = seed sd;
    the phase-rotated score as a marker beside each curve's clean end.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    x = [*SNRS_DB[::-1], 30.0]
    conditions = [*(f"noise {snr:g} dB" for snr in SNRS_DB[::-1]), "clean"]
    for i, entry in enumerate(summary):
        means = [entry[c][0] for c in conditions]
        sds = [0.0 if math.isnan(entry[c][1]) else entry[c][1] for c in conditions]
        ax.errorbar(x, means, yerr=sds, marker="o", capsize=3, color=f"C{i}", label=entry["arm"])
        ax.plot(33.0 + 0.4 * i, entry["phase rotation"][0], marker="*", markersize=10, color=f"C{i}", linestyle="")
    ax.set_xticks([*SNRS_DB[::-1], 30.0, 33.0], [f"{snr:g} dB" for snr in SNRS_DB[::-1]] + ["clean", "rotated"])
    ax.set(xlabel="signal-to-noise ratio of real background noise", ylabel="test macro F1 (real speakers)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", ncol=2)
    return ax


def real_study_report(path: str | os.PathLike | None = None,
                      speed_path: str | os.PathLike | None = None) -> dict[str, Any] | None:
    """Chapter 05's comparison read back: the runs, their summary and the table the chapter shows.

    Parameters
    ----------
    path : path-like, optional
        A results file of ``benchmarks/experiments/encodings_real.py``; by default the committed one,
        ``benchmarks/results/encodings_real.json`` (:func:`phaselab.paths.results_dir`).
    speed_path : path-like, optional
        ``benchmarks/speed/bench_encodings.py``'s results (training time per clip relative to
        magnitude); by default ``benchmarks/results/bench_encodings.json``. A missing file drops
        the column.

    Returns
    -------
    dict or None
        None when there are no results yet; else ``settings`` and ``machine`` (as recorded),
        ``rows`` (one per arm and seed), ``summary`` (:func:`summarise_real`, table order),
        ``by_arm`` (arm -> its summary entry: per condition ``(mean, sd)`` of macro
        F1), ``speed`` (:func:`load_speed`, or None) and ``table`` (:func:`format_real_summary`'s
        Markdown, one row per encoding).

    Examples
    --------
    >>> report = real_study_report()
    >>> report["table"].splitlines()[2].split(" | ")[0]
    '| mel/magnitude'

    Notebook: ``05_phase_encodings_compared`` (section 5).
    """
    from phaselab.paths import results_dir

    study = load_real_study(results_dir() / "encodings_real.json" if path is None else path)
    if study is None:
        return None
    speed = load_speed(results_dir() / "bench_encodings.json" if speed_path is None else speed_path)
    summary = summarise_real(study["rows"])
    return {"settings": study["settings"], "machine": study["machine"], "rows": study["rows"], "summary": summary,
            "by_arm": {entry["arm"]: entry for entry in summary}, "speed": speed,
            "table": format_real_summary(summary, speed)}


def describe_difference(d: dict[str, Any]) -> str:
    """What a :func:`paired_difference` result allows one to say, and nothing stronger.

    - both 95 % intervals exclude zero on the same side: ``"better"`` / ``"worse"``;
    - only the interval over test speakers does: ``"worse over test speakers, not shown over seeds"`` (or better);
    - neither: ``"no evidence of a difference"``; with one seed there is no interval over seeds, so no
      verdict beyond the speakers' interval.

    Examples
    --------
    >>> describe_difference({"seeds": [0, 1, 2], "seed_ci": (-0.24, 0.04), "speaker_ci": (-0.12, -0.07)})
    'worse over test speakers, not shown over seeds'
    >>> describe_difference({"seeds": [0, 1, 2], "seed_ci": (-0.03, 0.01), "speaker_ci": (-0.03, 0.01)})
    'no evidence of a difference'
    """
    seed_low, seed_high = d["seed_ci"]
    speaker_low, speaker_high = d["speaker_ci"]
    several = len(d["seeds"]) >= 2
    if several and min(seed_low, speaker_low) > 0:
        return "better"
    if several and max(seed_high, speaker_high) < 0:
        return "worse"
    side = "worse" if speaker_high < 0 else "better" if speaker_low > 0 else None
    if side is None:
        return "no evidence of a difference"
    return f"{side} over test speakers, " + ("not shown over seeds" if several else "one seed: no interval over seeds")


def format_paired_differences(differences: Sequence[dict[str, Any]]) -> str:
    """Plain text of :func:`paired_difference` results, one line each: mean, both 95 % intervals, what may be said.

    Parameters
    ----------
    differences : sequence of dict
        :func:`paired_difference` results (differences of macro F1, in [-1, 1]).

    Returns
    -------
    str

    Examples
    --------
    >>> print(format_paired_differences([{"arm": "mel/if", "condition": "clean", "seeds": [0, 1], "mean": 0.01,
    ...     "seed_ci": (-0.02, 0.04), "speaker_ci": (-0.01, 0.03)}]))
    mel/if           clean           seeds [0, 1]: +0.010   95 % CI over seeds -0.020 .. +0.040, over speakers -0.010 .. +0.030: no evidence of a difference

    Notebook: ``05_phase_encodings_compared`` (section 5, "Is a difference larger than the noise?").
    """
    return "\n".join(f"{d['arm']:<16} {d['condition']:<15} seeds {d['seeds']}: {d['mean']:+.3f}   "
                     f"95 % CI over seeds {d['seed_ci'][0]:+.3f} .. {d['seed_ci'][1]:+.3f}, "
                     f"over speakers {d['speaker_ci'][0]:+.3f} .. {d['speaker_ci'][1]:+.3f}: {describe_difference(d)}"
                     for d in differences)
