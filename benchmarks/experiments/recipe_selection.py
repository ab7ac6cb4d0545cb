"""Training recipes compared on a voice no training speaker has, without touching the test split.

The bundled set's validation speakers use the training speakers' voices (accents), so its
validation scores cannot tell which recipe copes best with an *unheard* voice -- and choosing
on the test split (two held-out voices) would make its scores optimistic. This script makes a
second split of the bundled set's *training and validation* speakers: every speaker of one
voice (``--voice``, default ``en-gb-x-gbcwmd``, West Midlands English) becomes the validation
split, all other training and validation speakers are the training split, and the test list
is left as it is (and is never read here). Each recipe is trained on that split with
:func:`phaselab.training.loop.train` and judged by the validation macro F1 of its ``best.keras``.

The tree lives in ``build/experiments/recipe_selection/tree`` (symbolic links to the bundled
clips, new list files); runs in ``build/experiments/recipe_selection/RECIPE-sSEED`` resume when
the command is run again. Results: ``benchmarks/results/recipe_selection.json``.

Run: ``python benchmarks/experiments/recipe_selection.py [--recipes default half-width] [--seeds 0]``;
``--report`` reprints the table.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads

from phaselab.atomic import write_json
from phaselab.data.speech_commands import resolve_data_root
from phaselab.training.config import SYNTHETIC_RECIPE, TrainConfig
from phaselab.training.inference import evaluate
from phaselab.training.loop import train
from phaselab.training.rundir import BEST_FILE, read_history
from phaselab.training.scores import mean_sd

ROOT = harness.REPO
RESULTS = harness.RESULTS / "recipe_selection.json"
WORK = harness.BUILD / "experiments" / "recipe_selection"
MODEL = "cnn3d-small"
LIGHT_AUGMENT = {"speed_fraction": 0.4, "pitch_fraction": 0.4, "formant_fraction": 0.4, "tilt_fraction": 0.25,
                 "reverb_fraction": 0.15}
"""Half the default probability of every voice and room augmentation."""
RECIPES: dict[str, dict] = {
    "default": {},
    "half-width": {"model_kwargs": {"width": 0.5}},
    "half-width-masks": {"model_kwargs": {"width": 0.5, "time_masks": 2, "freq_masks": 2}},
    "half-width-light-augment": {"model_kwargs": {"width": 0.5}, "augment": LIGHT_AUGMENT},
    "frequency-head": {"model_kwargs": {"head": "frequency"}},
    "weight-average": {"weight_average": 0.99},
}
"""Recipe name -> :class:`TrainConfig` fields that differ from the defaults."""


def leave_voice_out(voice: str, out: Path) -> Path:
    """A copy (by symbolic links) of the bundled set whose validation split is ``voice``'s speakers."""
    source = resolve_data_root("synthetic")
    with open(source / "speakers.csv", newline="", encoding="utf-8") as handle:
        speakers = list(csv.DictReader(handle))
    held = {row["speaker_id"] for row in speakers if row["voice"] == voice and row["split"] != "test"}
    if not held:
        raise SystemExit(f"no training or validation speaker has the voice {voice!r}")
    out.mkdir(parents=True, exist_ok=True)
    validation = []
    for folder in sorted(source.iterdir()):
        if folder.is_dir():
            link = out / folder.name
            if not link.is_symlink():
                link.symlink_to(folder.resolve(), target_is_directory=True)
            if not folder.name.startswith("_"):
                validation += [f"{folder.name}/{clip.name}" for clip in sorted(folder.glob("*.wav"))
                               if clip.name.split("_")[0] in held]
    (out / "validation_list.txt").write_text("\n".join(validation) + "\n", encoding="utf-8")
    (out / "testing_list.txt").write_text((source / "testing_list.txt").read_text(encoding="utf-8"), encoding="utf-8")
    return out


def run_one(recipe: str, seed: int, tree: Path) -> dict:
    """Train (or resume) one recipe and score its best epoch on the held-out voice."""
    config = TrainConfig(MODEL, seed=seed, data=str(tree), **{**SYNTHETIC_RECIPE, **RECIPES[recipe]})
    result = train(config, WORK / f"{recipe}-s{seed}", resume=True, verbose=2)
    history = read_history(result.run_dir)
    scores = evaluate(result.run_dir / BEST_FILE, tree, split="validation")
    return {"recipe": recipe, "seed": seed, "overrides": RECIPES[recipe], "epochs": len(history["epoch"]),
            "train_seconds": sum(history.get("seconds", [])),
            **{name: scores[name] for name in ("accuracy", "macro_f1", "command_recall", "f1")}}


def report(results: dict) -> str:
    """Mean ± sd over seeds of each recipe's held-out-voice scores, as a Markdown table."""
    lines = [f"validation voice: {results['voice']} ({MODEL}, best epoch of each run)", "",
             "| recipe | seeds | macro F1 | command recall | accuracy |", "|---|---|---|---|---|"]
    for recipe in dict.fromkeys(row["recipe"] for row in results["runs"]):
        rows = [row for row in results["runs"] if row["recipe"] == recipe]
        cells = ["{:.3f} ± {:.3f}".format(*mean_sd(row[key] for row in rows))
                 for key in ("macro_f1", "command_recall", "accuracy")]
        lines.append(f"| {recipe} | {len(rows)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", choices=list(RECIPES), default=list(RECIPES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--voice", default="en-gb-x-gbcwmd")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--report", action="store_true", help="print the table of --results and exit")
    args = parser.parse_args()
    if args.report:
        print(report(json.loads(args.results.read_text(encoding="utf-8"))))
        return
    tree = leave_voice_out(args.voice, WORK / "tree")
    for recipe in args.recipes:
        for seed in args.seeds:
            row = run_one(recipe, seed, tree)
            # re-read just before writing: other recipes may run in parallel processes
            previous = json.loads(args.results.read_text(encoding="utf-8")) if args.results.is_file() else {}
            runs = [r for r in previous.get("runs", []) if previous.get("voice") == args.voice
                    and (r["recipe"], r["seed"]) != (recipe, seed)]
            results = {"voice": args.voice, "model": MODEL, "machine": harness.machine(), "runs": runs + [row]}
            write_json(results, args.results)
    print(report(results))


if __name__ == "__main__":
    main()
