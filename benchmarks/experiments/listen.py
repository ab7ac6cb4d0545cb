"""``phaselab listen`` on a long recording of held-out speakers: hits, misses and false alarms per minute.

Assembles a recording (:func:`phaselab.training.recordings.assemble_recording`) of ``--words`` clips
drawn at random from one split of the bundled real-speech set (commands and other words, no
silence clips; ``test``: 113 speakers no model saw), each preceded by 1-3 s of non-speech: a
random stretch of the real background recordings of ``data/real_speech_commands/_background_noise_``
and of the everyday sounds given with ``--everyday`` (WAV files or folders of them; none by
default), at -20 to 0 dB from the words' median level. The shipped keyword model listens to it
with :func:`phaselab.training.listen.listen`'s settings, and every detection is scored
(:func:`phaselab.training.recordings.match_detections`: 0.75 s tolerance, as TensorFlow's streaming test).

``--held-out-sounds`` adds sounds no model trained on, of the split's role, never bundled: 3 s from the middle
of each piece of the game music of :data:`phaselab.data.everyday.GAME_MUSIC` and each of Tux Paint's stamp
sounds of that half (:func:`phaselab.data.everyday.stamp_sounds`: animals, instruments, household noises,
vehicles; padded to 3 s). Each stretch picks one of all the sounds at random.

The window probabilities are computed once; ``--sweep`` also scores other detection thresholds
on them (choose settings on ``--split validation``, report on ``test``). ``--gate`` also scores every
detection's window with phaselab's speech detector for the world (:func:`phaselab.studies.detector.everyday_scores`)
and drops those below ``speech_floor`` (:func:`phaselab.training.listen.gate_detections`, ``phaselab listen
--gate``), at the default floor and, with ``--sweep``, at others.

Run: ``python benchmarks/experiments/listen.py [--split test] [--words 1000] [--everyday PATH ...]
[--held-out-sounds] [--gate] [--sweep]``; results go to ``benchmarks/results/listen.json``
(``listen_<split>.json`` for another split).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads

from phaselab.atomic import write_json

import numpy as np

from phaselab.data.labels import CLASSES, SILENCE
from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
from phaselab.signal.audio import read_wav
from phaselab.training.listen import (LISTEN_DEFAULTS, CommandRecognizer, detection_windows, gate_detections,
                                     window_probabilities)
from phaselab.training.recordings import assemble_recording, match_detections
from phaselab.training.rejection import wav_files
from phaselab.training.rundir import load_model
from phaselab.training.shipped import shipped_model_path

SEED = 0
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
FLOORS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
STRETCH_SECONDS = 3.0


def held_out_sounds(role: str) -> list[tuple[np.ndarray, str]]:
    """3 s of each game-music piece and each stamp sound of one role (validation or test), with its name."""
    from phaselab.data.everyday import GAME_MUSIC, recording_clips, stamp_sounds

    music = recording_clips(GAME_MUSIC[role], per_recording=1, seconds=STRETCH_SECONDS)
    stamps = stamp_sounds(role, per_recording=1, seconds=STRETCH_SECONDS)
    return [(audio, f"{kind}:{name}") for clips, kind in ((music, "game music"), (stamps, "stamp"))
            for audio, name in zip(clips.audio, clips.recording)]


def recording(split: str, words: int, everyday: list[str], seed: int,
              held_out: bool = False) -> tuple[np.ndarray, list, list[str]]:
    """The assembled recording, its segments and the names of the sounds used."""
    root = resolve_data_root("real")
    clips = [clip for clip in SpeechCommands(root).clips(split) if clip.label != SILENCE]
    rng = np.random.default_rng(seed)
    chosen = [clips[i] for i in sorted(rng.choice(len(clips), size=min(words, len(clips)), replace=False))]
    rng.shuffle(chosen)
    said = [(read_wav(c.path), c.label, str(c.path.relative_to(root))) for c in chosen]
    files = wav_files([root / "_background_noise_", *everyday])
    sounds = [(read_wav(path), path.name) for path in files] + (held_out_sounds(split) if held_out else [])
    audio, segments = assemble_recording(said, sounds, rng)
    return audio, segments, [name for _, name in sounds]


def _stats(detections: list, segments: list) -> dict:
    """:func:`match_detections` without its list of events."""
    return {k: v for k, v in match_detections(detections, segments).items() if k != "events"}


def recognise(times: np.ndarray, probabilities: np.ndarray, threshold: float) -> list:
    """Detections of the recogniser with the default settings but ``threshold``."""
    settings = {k: v for k, v in LISTEN_DEFAULTS.items() if k not in ("stride_ms", "detection_threshold", "speech_floor")}
    recognizer = CommandRecognizer(CLASSES, detection_threshold=threshold, **settings)
    return [d for d in (recognizer.update(float(t), row) for t, row in zip(times, probabilities)) if d is not None]


def gate(result: dict, audio: np.ndarray, segments: list, times: np.ndarray, probabilities: np.ndarray,
         sweep: bool) -> None:
    """Add the gated detections' statistics to ``result``: at the default settings, and over floors and thresholds."""
    from phaselab.studies.detector import everyday_scores

    threshold, floor = LISTEN_DEFAULTS["detection_threshold"], LISTEN_DEFAULTS["speech_floor"]
    found = recognise(times, probabilities, threshold)
    with harness.timer() as clock:
        kept = gate_detections(found, audio, everyday_scores, floor)
    stats = _stats(kept, segments)
    result["gated"] = {"speech_floor": floor, "detection_threshold": threshold, **stats,
                       "misses_per_minute": stats["misses"] / stats["minutes"],
                       "gate_seconds_per_minute_of_audio": clock.seconds / stats["minutes"]}
    print(f"gate at floor {floor:.2f}: {stats['hits']} hits, {stats['wrong']} wrong, {stats['misses']} misses, "
          f"{stats['false_alarms']} false alarms ({stats['false_alarms_words']} on other words, "
          f"{stats['false_alarms_sounds']} on sounds)")
    if not sweep:
        return
    result["gate_sweep"] = []
    for t in THRESHOLDS:
        detections = recognise(times, probabilities, t)
        scores = everyday_scores(detection_windows(detections, audio)) if detections else []
        for f in FLOORS:
            row = _stats([d for d, score in zip(detections, scores) if score >= f], segments)
            result["gate_sweep"].append({"detection_threshold": t, "speech_floor": f, **row})
            print(f"threshold {t:.2f}, floor {f:.2f}: {row['hits']} hits, {row['wrong']} wrong, "
                  f"{row['false_alarms']} false alarms ({row['false_alarms_words']} on other words, "
                  f"{row['false_alarms_sounds']} on sounds); hits - wrong - false alarms "
                  f"{row['hits'] - row['wrong'] - row['false_alarms']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("test", "validation"), default="test")
    parser.add_argument("--words", type=int, default=1000,
                        help="clips said in the recording, at most all of the split's (default %(default)s)")
    parser.add_argument("--everyday", nargs="*", default=[], help="non-speech WAV files or folders to put between them")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--sweep", action="store_true",
                        help=f"also score detection thresholds {THRESHOLDS} (and, with --gate, speech floors {FLOORS})")
    parser.add_argument("--held-out-sounds", action="store_true",
                        help="also put the split's game music and stamp sounds between the words (Debian packages)")
    parser.add_argument("--gate", action="store_true", help="also score phaselab's speech gate on the detections")
    args = parser.parse_args()
    audio, segments, sound_names = recording(args.split, args.words, args.everyday, args.seed, args.held_out_sounds)
    model = load_model(shipped_model_path())
    with harness.timer() as clock:
        chunks = list(window_probabilities(model, audio, LISTEN_DEFAULTS["stride_ms"]))
    times = np.concatenate([t for t, _ in chunks])
    probabilities = np.concatenate([p for _, p in chunks])
    threshold = LISTEN_DEFAULTS["detection_threshold"]
    stats = match_detections(recognise(times, probabilities, threshold), segments)
    minutes = stats["minutes"]
    result = {
        "command": "python benchmarks/experiments/listen.py " + " ".join(sys.argv[1:]),
        "model": str(shipped_model_path().relative_to(harness.REPO)),
        "split": args.split,
        "seed": args.seed,
        "words": sum(s.kind == "word" for s in segments),
        "sounds": sound_names,
        "settings": LISTEN_DEFAULTS,
        "minutes": minutes,
        "seconds_per_minute_of_audio": clock.seconds / minutes,
        "machine": harness.machine(),
        **{key: value for key, value in stats.items() if key != "events"},
        "misses_per_minute": stats["misses"] / minutes,
        "events": stats["events"],
    }
    if args.sweep:
        result["sweep"] = []
        for t in THRESHOLDS:
            s = _stats(recognise(times, probabilities, t), segments)
            result["sweep"].append({"detection_threshold": t, **s})
            print(f"threshold {t:.2f}: {s['hits']} hits, {s['wrong']} wrong, {s['misses']} misses, "
                  f"{s['false_alarms']} false alarms ({s['false_alarms_words']} on other words, "
                  f"{s['false_alarms_sounds']} on sounds) of {s['commands']} commands")
    if args.gate:
        gate(result, audio, segments, times, probabilities, args.sweep)
    name = "listen.json" if args.split == "test" else f"listen_{args.split}.json"
    out = harness.RESULTS / name
    write_json(result, out)
    print(f"{minutes:.1f} min, {stats['commands']} commands of held-out {args.split} speakers: "
          f"{stats['hits']} hits ({stats['hit_rate']:.0%}), {stats['wrong']} wrong, {stats['misses']} misses; "
          f"{stats['false_alarms']} false alarms = {stats['false_alarms_per_minute']:.2f} per minute "
          f"({stats['false_alarms_words']} on other words, {stats['false_alarms_sounds']} on sounds); "
          f"listening took {result['seconds_per_minute_of_audio']:.1f} s per minute of audio -> {out}")


if __name__ == "__main__":
    main()
