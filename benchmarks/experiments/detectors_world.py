"""phaselab's speech detectors against Silero VAD and WebRTC VAD, on the same clips, none of them tuned on.

Scores every detector of :func:`phaselab.studies.detectors_world.world_detectors` (``is_speech``, the
anchors ``silero`` and ``webrtc``, and ``silero_and_phase``, speech only if Silero and ``is_speech`` both
say so) on the sets of :func:`phaselab.studies.detectors_world.world_sets`: held-out speakers of
``data/real_speech_commands``, their random-phase twins and shaped noise, the 13 background recordings
and the everyday sounds of ``data/everyday_sounds`` (music, a song, a trumpet, a whale, a robin, read
speech). ``all_three`` (Silero, ``is_speech`` and ``is_speech_tonal`` must all say speech) takes the
thresholds :func:`phaselab.studies.detectors_world.choose_thresholds` picks on the *validation* speakers'
words (and reports their random-phase twins too), before any test clip is scored; so does ``all_three_music``
(the music detector, ``is_speech_music``, in the tonal one's place). ``all_three_music_neg`` takes the thresholds
:func:`~phaselab.studies.detectors_world.choose_thresholds_against` picks on validation material: the validation
speakers' words (96 % kept), their twins (at most 4 % taken) and game music of two Debian packages (as few clips as
possible taken; :data:`phaselab.data.everyday.GAME_MUSIC`) and the validation half of Tux Paint's stamp sounds
(animals, instruments, household noises: :func:`phaselab.data.everyday.stamp_sounds`; the mean of the two shares
is minimised). The test sets gain ``game music``, four one-second clips of each of the 51 pieces of a third game
(``supertux-data``), and ``animals and objects``, the test half of the stamp sounds (up to four clips of each): the
script needs ``apt-get install warzone2100-music lincity-ng-data supertux-data tuxpaint-stamps-default`` and says so
in one line if they are missing.
Writes ``benchmarks/results/detectors_world.json``: settings, machine, every clip's score and
group (speaker or recording: what the ROC curves and intervals need), the share of each set taken for
speech and the ROC AUC of speech against each negative set, with 95 % intervals from a bootstrap over
speakers and recordings; chapter 06 reads it (:func:`phaselab.studies.detectors_world.detectors_world_study`).

Run: ``python benchmarks/experiments/detectors_world.py [--speech-clips N] [--background 20] [--resamples 1000]
[--keep 0.96] [--twins 0.04] [--ship]``; ``--ship`` also writes ``all_three_music_neg``'s thresholds, chosen before
any test clip is scored, for :func:`phaselab.studies.detector.is_speech_everyday`. ``--validate-only --music-weights FILE`` prints what a candidate music detector's
thresholds do on the validation material and scores no test clip: how a candidate is chosen (game music since
session 20's second run, the stamp sounds too since session 21; the first comparison in FINDINGS 1.5b used rendered
music and tonal sounds).
``PHASELAB_QUICK=1`` shrinks the clip counts (every detector is still scored) and writes to ``build/``
unless ``--out`` is given.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads

from phaselab.data.everyday import GAME_MUSIC, recording_clips, stamp_sounds

from phaselab.atomic import write_json
from phaselab.studies.detector import EVERYDAY_THRESHOLDS
import numpy as np

from phaselab.studies.detectors_world import (
    AGAINST_NEGATIVES,
    CHOSEN,
    COMBINED,
    DETECTOR_NOTES,
    choose_thresholds,
    choose_thresholds_against,
    heldout_speech,
    twins_of,
    format_world_table,
    score_world,
    summarise_world,
    world_detectors,
    with_combined,
    world_sets,
)

RESULTS = harness.RESULTS / "detectors_world.json"


def main() -> None:
    quick = harness.quick()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speech-clips", type=int, default=40 if quick else None,
                        help="held-out speakers' clips (default all; 40 in quick mode)")
    parser.add_argument("--background", type=int, default=2 if quick else 20,
                        help="one-second segments of each background recording, at most")
    parser.add_argument("--resamples", type=int, default=100 if quick else 1000, help="bootstrap resamples")
    parser.add_argument("--keep", type=float, default=0.96,
                        help="share of the validation speakers' words all_three must keep (its thresholds' rule)")
    parser.add_argument("--twins", type=float, default=0.04,
                        help="share of the validation twins all_three_music_neg may take for speech (its rule)")
    parser.add_argument("--music-weights", type=Path, default=None,
                        help="another model in the place of is_speech_music (a candidate)")
    parser.add_argument("--validate-only", action="store_true",
                        help="choose the thresholds, print what they do on validation, score no test clip")
    parser.add_argument("--ship", action="store_true",
                        help="write all_three_music_neg's thresholds to phaselab/weights/speech_detector_everyday.json "
                             "(is_speech_everyday's; the shipped music detector only, not in quick mode)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=harness.BUILD / "detectors_world.json" if quick else RESULTS)
    args = parser.parse_args()
    if args.ship and (quick or args.music_weights is not None):
        parser.error("--ship writes the shipped detector's thresholds: full mode, no --music-weights")
    detectors = world_detectors(args.music_weights)
    thresholds, validation = {}, {}
    cache: dict[str, dict[str, np.ndarray]] = {}  # "clips": validation audio by set; each part: its scores by set
    for name in CHOSEN:  # chosen on validation material before any test clip is scored
        parts = COMBINED[name]
        if not all(part in detectors for part in parts):
            continue
        if not cache:
            audio, _ = heldout_speech(args.speech_clips, args.seed, split="validation")
            music = recording_clips(GAME_MUSIC["validation"], 1 if quick else 4)
            stamps = stamp_sounds("validation", 1 if quick else 4)
            cache["clips"] = {"speech": audio, "twin": twins_of(audio, np.random.default_rng(args.seed)),
                              "game music": music.audio, "animals and objects": stamps.audio}
        for part in parts:
            if part not in cache:
                cache[part] = {k: np.asarray(detectors[part](a), np.float64) for k, a in cache["clips"].items()}
        speech = {part: cache[part]["speech"] for part in parts}
        negative_sets = ("twin", "game music", "animals and objects") if name in AGAINST_NEGATIVES else ("twin",)
        if name in AGAINST_NEGATIVES:
            thresholds[name], choice = choose_thresholds_against(
                speech, {k: {part: cache[part][k] for part in parts} for k in negative_sets}, keep=args.keep,
                bounds={"twin": args.twins})
        else:
            thresholds[name], share = choose_thresholds(speech, keep=args.keep)
            choice = {"share_each_part_gives_up": share}
        both = with_combined({p: {k: cache[p][k] for k in ("speech", *negative_sets)} for p in parts}, thresholds)[name]
        validation[name] = {"clips": int(len(cache["clips"]["speech"])), **choice,
                            "speech_kept": float(np.mean(both["speech"] > 0.5)),
                            "twins_taken_for_speech": float(np.mean(both["twin"] > 0.5)),
                            **{f"{k}_taken_for_speech": float(np.mean(both[k] > 0.5)) for k in negative_sets[1:]},
                            **({"negative_clips": {k: int(len(cache["clips"][k])) for k in negative_sets}}
                               if name in AGAINST_NEGATIVES else {})}
        validation[name].pop("taken", None)
        print(f"{name}: thresholds {thresholds[name]} chosen on validation: {validation[name]}", flush=True)
    if args.ship:
        write_json({"thresholds": thresholds["all_three_music_neg"], "chosen_on_validation":
                    validation["all_three_music_neg"], "settings": {"keep": args.keep, "twins": args.twins,
                    "speech_clips": args.speech_clips, "seed": args.seed}, "machine": harness.machine(),
                    "made_by": "python benchmarks/experiments/detectors_world.py --ship"}, EVERYDAY_THRESHOLDS)
        print(f"wrote {EVERYDAY_THRESHOLDS}")
    if args.validate_only:
        return
    sets = world_sets(args.speech_clips, args.background, args.seed)
    game = recording_clips(GAME_MUSIC["test"], 1 if quick else 4)
    sets["game music"] = (game.audio, game.recording)
    stamps = stamp_sounds("test", 1 if quick else 4)
    sets["animals and objects"] = (stamps.audio, stamps.recording)
    print("sets: " + ", ".join(f"{name} {len(audio)}" for name, (audio, _) in sets.items()), flush=True)
    seconds, scores = {}, {}
    for name, scorer in detectors.items():
        start = time.perf_counter()
        scores.update(score_world(sets, {name: scorer}))
        seconds[name] = time.perf_counter() - start
        print(f"scored {name}: {seconds[name]:.0f} s", flush=True)
    scores = with_combined(scores, thresholds)
    groups = {name: g for name, (_, g) in sets.items()}
    summary = summarise_world(scores, groups, resamples=args.resamples, seed=args.seed)
    def shown(value: object) -> object:  # a path inside the repository as a relative one
        return (str(value.resolve().relative_to(harness.REPO)) if value.resolve().is_relative_to(harness.REPO)
                else str(value)) if isinstance(value, Path) else value

    report = {"settings": {**{k: shown(v) for k, v in vars(args).items()}, "quick": quick},
              "machine": harness.machine(), "detectors": {name: DETECTOR_NOTES[name] for name in scores},
              "seconds": seconds, "thresholds": thresholds, "chosen_on_validation": validation, **summary,
              "groups": {name: g.tolist() for name, g in groups.items()},
              "scores": {d: {s: np.round(v, 5).tolist() for s, v in table.items()} for d, table in scores.items()}}
    write_json(report, args.out)
    print(format_world_table(summary))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    try:
        main()
    except ValueError as error:  # game music not installed, or a file ffmpeg cannot read: one line, no traceback
        sys.exit(f"error: {error}")
