"""Would averaging several keyword models keep quiet on words that are no command? Ensembles of trained candidates.

Issue 26, item 3 asks for at most 10 % of other spoken words taken for a command at a cost of at most 0.01 macro
F1. Single models miss it (``false_alarms.py``, FINDINGS 1.3): the default recipe on English words of other people,
the recipe with Tux Paint's words in six languages on the test speakers' own ``unknown`` words. This script averages
the class probabilities of every subset of the models named with ``--members`` and, for each subset, chooses a
confidence threshold on the **validation** speakers (:func:`phaselab.training.rejection.choose_threshold`, at most
``--max-loss`` macro F1). One subset is then chosen on validation alone: the lowest share of validation ``unknown``
words taken for a command, ties broken by validation macro F1 (then by fewer members). It and the average of
every member are scored on the material of ``false_alarms.py``: the test speakers (macro F1, their ``unknown``
words), ``data/other_words``, ``--other-voices`` and ``--everyday``.

With ``--class-thresholds``, each single model, the chosen subset and the average of every member are also scored
with **one threshold per command** (:func:`class_thresholds`), raised greedily on validation where they remove the
most ``unknown`` words -- and the words of ``--calibration`` (folders of other-language words that no member
trained on) -- taken for a command, within the same macro F1 budget; with ``--gate``, behind phaselab's speech gate
(``is_speech_everyday``, its floor chosen on validation by :func:`phaselab.training.rejection.choose_gate`, the
thresholds then spending what the floor left of the budget).

Run: ``python benchmarks/experiments/keyword_ensembles.py --members NAME=MODEL ... [--other-voices DIR ...]
[--everyday WAV ...] [--class-thresholds --calibration DIR ... [--gate]] [--out FILE]``; results go to
``benchmarks/results/keyword_ensembles.json`` (or ``--out``). Each MODEL is a ``.keras`` file or a run directory
(``phaselab train --out``).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads

from phaselab.atomic import write_json

import numpy as np

from phaselab.data.labels import CLASSES
from phaselab.paths import data_dir
from phaselab.training.rejection import (choose_gate, choose_threshold, count_false_alarms, decide, false_alarms,
                                         gate, sound_windows)
from phaselab.training.rundir import load_model
from phaselab.training.scores import classification_scores

RESULTS = harness.RESULTS / "keyword_ensembles.json"
MATERIAL = ("other_words", "other_voices", "everyday")


def probabilities(model_path: str, material: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """One model's class probabilities on the validation and test speakers and on each material."""
    model = load_model(model_path)
    out = {}
    for split in ("validation", "test"):
        out[f"{split}_truth"], out[split] = harness.split_probabilities(model, "real", split)
    for name, paths in material.items():
        out[name] = false_alarms(model, paths)["probabilities"]
    return out


def speech_scores(material: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """``is_speech_everyday``'s score of every clip and window that the models score (for ``--gate``)."""
    from false_alarms import split_speech

    from phaselab.studies.detector import everyday_scores

    out = {split: split_speech(split, everyday_scores) for split in ("validation", "test")}
    return out | {name: everyday_scores(sound_windows(paths)[0]) for name, paths in material.items()}


def class_thresholds(truth: np.ndarray, probabilities: np.ndarray, negatives: np.ndarray, max_loss: float,
                     steps: np.ndarray = np.round(np.arange(0.3, 1.0, 0.02), 2)) -> np.ndarray:
    """One threshold per command, raised one at a time on validation clips within ``max_loss`` macro F1.

    Each round raises the one command's threshold that removes the most false alarms per unit of threshold: the
    share of validation ``unknown`` words taken for a command plus the share of ``negatives`` (windows of words
    that are no command, shape (m, len(CLASSES))) taken for one. It stops when no raise helps within the budget.

    Returns
    -------
    np.ndarray, shape (len(CLASSES),)
        For :func:`phaselab.training.rejection.decide`; 0 for ``unknown``, ``silence`` and commands left alone.
    """
    unknown = truth == CLASSES.index("unknown")
    def measure(limits: np.ndarray) -> tuple[float, float]:
        chosen = decide(probabilities, limits)
        alarms = count_false_alarms(probabilities[unknown], limits)["rate"] + count_false_alarms(negatives, limits)["rate"]
        return alarms, classification_scores(truth, chosen, CLASSES)["macro_f1"]
    limits = np.zeros(len(CLASSES))
    alarms, base = measure(limits)
    while True:
        best = None
        for c in (CLASSES.index(name) for name in CLASSES if name not in ("unknown", "silence")):
            for step in steps[steps > limits[c]]:
                trial = limits.copy()
                trial[c] = step
                fewer, macro = measure(trial)
                gain = (alarms - fewer) / (step - limits[c])
                if macro >= base - max_loss - 1e-12 and fewer < alarms - 1e-12 and (best is None or gain > best[0]):
                    best = (gain, trial, fewer)
        if best is None:
            return limits
        _, limits, alarms = best


def score(members: tuple[str, ...], found: dict[str, dict[str, np.ndarray]], max_loss: float,
          material: dict[str, list[str]]) -> dict:
    """The averaged members: the threshold chosen on validation, and what it gives on validation and test."""
    mean = {key: np.mean([found[m][key] for m in members], axis=0) for key in ("validation", "test", *material)}
    truth = {split: found[members[0]][f"{split}_truth"] for split in ("validation", "test")}
    chosen = choose_threshold(truth["validation"], mean["validation"], max_loss=max_loss)
    row = {"members": list(members), "threshold": chosen["threshold"]}
    for split in ("validation", "test"):
        for t, label in ((0.0, "argmax"), (chosen["threshold"], "threshold")):
            s = classification_scores(truth[split], decide(mean[split], t), CLASSES)
            row[f"{split}_{label}"] = {"macro_f1": s["macro_f1"], "unknown_words": s["false_alarm_rate"]}
    for name in material:
        row[name] = {"argmax": count_false_alarms(mean[name])["rate"],
                     "threshold": count_false_alarms(mean[name], chosen["threshold"])["rate"]}
    return row


def score_class_thresholds(members: tuple[str, ...], found: dict[str, dict[str, np.ndarray]], max_loss: float,
                           material: dict[str, list[str]], speech: dict[str, np.ndarray] | None) -> dict:
    """The averaged members with one threshold per command chosen on validation (behind the gate with ``speech``)."""
    keys = ("validation", "test", "calibration", *material)
    mean = {key: np.mean([found[m][key] for m in members], axis=0) for key in keys}
    truth = {split: found[members[0]][f"{split}_truth"] for split in ("validation", "test")}
    budget, floor = max_loss, 0.0
    if speech is not None:
        floor = choose_gate(truth["validation"], mean["validation"], speech["validation"], max_loss=max_loss)["floor"]
        base = classification_scores(truth["validation"], decide(mean["validation"]), CLASSES)["macro_f1"]
        mean = {key: gate(value, speech[key], floor) for key, value in mean.items()}
        budget = max(max_loss - (base - classification_scores(truth["validation"], decide(mean["validation"]),
                                                               CLASSES)["macro_f1"]), 0.0)
    limits = class_thresholds(truth["validation"], mean["validation"], mean["calibration"], budget)
    row = {"members": list(members), "floor": floor, "thresholds": {c: float(t) for c, t in zip(CLASSES, limits) if t}}
    for split in ("validation", "test"):
        s = classification_scores(truth[split], decide(mean[split], limits), CLASSES)
        row[split] = {"macro_f1": s["macro_f1"], "unknown_words": s["false_alarm_rate"]}
    for name in ("calibration", *material):
        row[name] = count_false_alarms(mean[name], limits)["rate"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", nargs="+", required=True, metavar="NAME=MODEL")
    parser.add_argument("--other-voices", nargs="*", default=[])
    parser.add_argument("--everyday", nargs="*", default=[])
    parser.add_argument("--max-loss", type=float, default=0.01)
    parser.add_argument("--class-thresholds", action="store_true", help="also one threshold per command")
    parser.add_argument("--calibration", nargs="*", default=[], help="words no member trained on, for choosing them")
    parser.add_argument("--gate", action="store_true", help="the thresholds per command behind phaselab's speech gate")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.class_thresholds and not args.calibration:
        parser.error("--class-thresholds needs --calibration: words that no member trained on")
    members = dict(item.split("=", 1) for item in args.members)
    material = {name: paths for name, paths in (("other_words", [str(data_dir() / "other_words")]),
                                                 ("other_voices", args.other_voices), ("everyday", args.everyday))
                if paths}
    extra = {"calibration": args.calibration} if args.class_thresholds else {}
    found = {name: probabilities(path, material | extra) for name, path in members.items()}
    rows = [score(subset, found, args.max_loss, material)
            for k in range(1, len(members) + 1) for subset in itertools.combinations(members, k)]
    chosen = min(rows, key=lambda r: (r["validation_threshold"]["unknown_words"], -r["validation_threshold"]["macro_f1"],
                                      len(r["members"])))
    every = rows[-1]
    result = {"command": "python benchmarks/experiments/keyword_ensembles.py " + " ".join(sys.argv[1:]),
              "members": members, "material": material, "max_loss": args.max_loss,
              "chosen_on_validation": chosen, "every_member": every,
              "single_models": [r for r in rows if len(r["members"]) == 1], "subsets": len(rows)}
    if args.class_thresholds:
        speech = speech_scores(material | extra) if args.gate else None
        groups = [(m,) for m in members] + [tuple(chosen["members"]), tuple(every["members"])]
        result["class_thresholds"] = [score_class_thresholds(g, found, args.max_loss, material, speech)
                                      for g in dict.fromkeys(groups)]
    write_json(result, args.out)
    names = ["macro F1", "unknown words", *material]
    print(f"{'':<44}" + "".join(f"{n:>15}" for n in names))
    for title, r in [("chosen on validation: " + "+".join(chosen["members"]), chosen), ("every member", every)] + \
            [(r["members"][0], r) for r in result["single_models"]]:
        t = r["test_threshold"]
        print(f"{title[:43]:<44}{t['macro_f1']:>15.3f}{t['unknown_words']:>15.3f}"
              + "".join(f"{r[n]['threshold']:>15.3f}" for n in material))
    print(f"test, each at its threshold chosen on validation (at most {args.max_loss} macro F1) -> {args.out}")
    for r in result.get("class_thresholds", []):
        print(f"{'+'.join(r['members'])[:43]:<44}{r['test']['macro_f1']:>15.3f}{r['test']['unknown_words']:>15.3f}"
              + "".join(f"{r[n]:>15.3f}" for n in material))
    if "class_thresholds" in result:
        print("the same, one threshold per command" + (" behind the gate" if args.gate else "") + ", chosen on validation")


if __name__ == "__main__":
    main()
