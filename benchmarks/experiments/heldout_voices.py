"""Held-out accents measured on many speakers: trained runs scored on 40 more speakers of the held-out voices.

The bundled set's test split holds four speakers (120 clips) of its two held-out voices
(``en-029``, ``en-gb-scotland``), so one speaker's handful of clips moves a run's macro F1
by hundredths, and two runs of one recipe differ by as much. This script makes, once, an
evaluation set of many more speakers of the same two voices -- ``phaselab data synth
--only test --speakers 40 --seed 1 --out build/heldout_voices`` (needs espeak-ng; 1,200
clips; no speaker of the bundled set) -- and scores the ``best.keras`` of every run
directory it is given on it and on the bundled test split, with the same function
(the probabilities of :func:`phaselab.training.inference.evaluate`; they are kept in ``build/heldout_voices_cache/``
until the run's ``best.keras`` changes, so a rerun scores only new runs).

Rows are grouped by model and recipe (the run's ``config.json`` against
``TrainConfig``'s defaults). For every group of two or more runs it also scores each pair of
runs as a two-model ensemble (the mean of the two models' probabilities).
Results go to ``benchmarks/results/heldout_voices.json``; chapter 04 and the README read them.

Run: ``python benchmarks/experiments/heldout_voices.py [RUN_DIR ...]`` (default: every run under
``build/experiments/keyword_models*/`` and ``build/runs/``); ``--report`` prints the table
of the results already written.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
from pathlib import Path

import numpy as np

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads

from phaselab.atomic import write_json
from phaselab.data.labels import CLASSES
from phaselab.data.speech_commands import SpeechCommands
from phaselab.data.synth import synthesize_dataset
from phaselab.training.config import SYNTHETIC_RECIPE, TrainConfig
from phaselab.training.rundir import BEST_FILE, CONFIG_FILE, read_history
from phaselab.training.scores import classification_scores

ROOT = harness.REPO
RESULTS = harness.RESULTS / "heldout_voices.json"
TREE = harness.BUILD / "heldout_voices"
CACHE = harness.BUILD / "heldout_voices_cache"
SPEAKERS, SEED = 40, 1
SCORES = ("accuracy", "macro_f1", "command_recall", "f1")


def recipe(config: TrainConfig) -> str:
    """How a run's config differs from ``phaselab train``'s defaults for its model ("default": not at all)."""
    ours = config.to_dict()
    base = TrainConfig(config.model, seed=config.seed, **SYNTHETIC_RECIPE).to_dict()
    changes = [f"augment.{key}={value}" for key, value in ours.pop("augment").items() if base["augment"][key] != value]
    changes += [f"{key}={value}" for key, value in ours.items() if key != "augment" and base[key] != value]
    return ", ".join(sorted(changes)) or "default"


def scores(truth: np.ndarray, probabilities: np.ndarray) -> dict:
    """The scores :func:`phaselab.training.inference.evaluate` reports, from per-clip probabilities."""
    result = classification_scores(truth, probabilities.argmax(axis=1), CLASSES)
    return {name: result[name] for name in SCORES}


def clip_voices(tree: Path) -> np.ndarray:
    """The espeak-ng voice of every test clip of ``tree``, in the order of ``SpeechCommands.clips``."""
    with open(tree / "speakers.csv", newline="") as handle:
        voice = {row["speaker_id"]: row["voice"] for row in csv.DictReader(handle)}
    return np.array([voice[clip.speaker] for clip in SpeechCommands(tree).clips("test")])


def cached_probabilities(run: Path, data: str | Path, key: str) -> tuple[np.ndarray, np.ndarray]:
    """True classes and class probabilities of the run's ``best.keras`` on a test split, kept in ``build/`` until it changes."""
    best = run / BEST_FILE
    name = "_".join(run.relative_to(ROOT).parts) if run.is_relative_to(ROOT) else run.name
    cache = CACHE / f"{name}-{key}.npz"
    if cache.is_file():
        stored = np.load(cache)
        if int(stored["mtime_ns"]) == best.stat().st_mtime_ns:
            return stored["truth"], stored["probabilities"]
    truth, probs = harness.split_probabilities(best, data, "test")
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cache, truth=truth, probabilities=probs, mtime_ns=best.stat().st_mtime_ns)
    return truth, probs


def score_runs(runs: list[Path], tree: Path) -> tuple[list[dict], list[dict]]:
    """One row per run (bundled test split, the extra set, and the extra set per voice), one per pair of runs."""
    voices = clip_voices(tree)
    rows, probabilities = [], {}
    for run in runs:
        config = TrainConfig.load(run / CONFIG_FILE)
        done = len(read_history(run).get("epoch", []))
        if done < config.epochs:
            print(f"{run}: skipped, {done} of {config.epochs} epochs trained", flush=True)
            continue
        row = {"run": str(run.relative_to(ROOT) if run.is_relative_to(ROOT) else run), "model": config.model,
               "recipe": recipe(config), "seed": config.seed}
        for key, data in (("bundled_test", "mini"), ("heldout_40", tree)):
            truth, probs = cached_probabilities(run, data, key)
            probabilities[row["run"], key] = truth, probs
            row[key] = scores(truth, probs)
        truth, probs = probabilities[row["run"], "heldout_40"]
        row["heldout_40_by_voice"] = {voice: scores(truth[voices == voice], probs[voices == voice])["macro_f1"]
                                      for voice in sorted(set(voices))}
        rows.append(row)
        print(f"{row['run']} ({row['recipe']}): macro F1 {row['bundled_test']['macro_f1']:.3f} on the bundled test "
              f"split, {row['heldout_40']['macro_f1']:.3f} on the {SPEAKERS} extra speakers", flush=True)
    pairs = []
    for (model, name), group in itertools.groupby(sorted(rows, key=lambda r: (r["model"], r["recipe"], r["seed"])),
                                                  key=lambda r: (r["model"], r["recipe"])):
        for a, b in itertools.combinations(list(group), 2):
            pair = {"model": model, "recipe": name, "seeds": [a["seed"], b["seed"]]}
            for key in ("bundled_test", "heldout_40"):
                truth, first = probabilities[a["run"], key]
                pair[key] = scores(truth, (first + probabilities[b["run"], key][1]) / 2)
            pairs.append(pair)
    return rows, pairs


JURIES = {"bundled_test": "bundled test (4 speakers)", "heldout_40": f"{SPEAKERS} extra speakers"}


def report(results: dict) -> str:
    """Mean ± sd [min-max] of macro F1 per model and recipe: single runs, then two-run ensembles."""
    lines = []
    for kind, items in (("single runs", results["rows"]), ("two-run ensembles", results["pairs"])):
        summary = harness.summarise_juries(items, tuple(JURIES))
        lines += [f"{kind}: macro F1, mean ± sd [min-max]", harness.format_jury_summary(summary, JURIES), ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", type=Path, help="run directories (default: see the module docstring)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--tree", type=Path, default=TREE, help="where the extra held-out set is (made if missing)")
    parser.add_argument("--report", action="store_true", help="print the table of --results and exit")
    args = parser.parse_args()
    if args.report:
        print(report(json.loads(args.results.read_text(encoding="utf-8"))))
        return
    runs = args.runs or sorted(p.parent for pattern in ("build/experiments/keyword_models*/*/", "build/runs/*/")
                               for p in ROOT.glob(pattern + BEST_FILE))
    if not runs:
        raise SystemExit("no run directories with a best.keras given or found; train some first")
    if not (args.tree / "testing_list.txt").is_file():
        synthesize_dataset(args.tree, speakers=SPEAKERS, seed=SEED, only="test", force=True)
    rows, pairs = score_runs([run.resolve() for run in runs], args.tree)
    settings = {"extra_set": f"phaselab data synth --only test --speakers {SPEAKERS} --seed {SEED}",
                "clips": len((args.tree / "testing_list.txt").read_text().split()), "scored": BEST_FILE}
    results = {"settings": settings, "machine": harness.machine(), "rows": rows, "pairs": pairs}
    args.results.parent.mkdir(parents=True, exist_ok=True)
    write_json(results, args.results)
    print(report(results))


if __name__ == "__main__":
    main()
