"""Keyword models compared: each trained with the default recipe, scored on train and held-out voices.

For every model and seed this trains ``TrainConfig(model, seed=seed, **SYNTHETIC_RECIPE)`` -- what
``phaselab train --model MODEL --seed SEED`` did before real speech (``phaselab.training.config.SYNTHETIC_RECIPE``) -- into ``build/experiments/keyword_models/MODEL-sSEED``
and scores the run's ``best.keras`` (the epoch with the best validation macro F1) on the
validation split (other speakers of the training voices) and the test split (two voices
no training speaker has) with :func:`phaselab.training.shipped.score_juries`. A killed job loses
at most one epoch: run the same command again and every run resumes.

After every run it rewrites ``benchmarks/results/keyword_models.json`` (settings, the
machine, one row per run), which notebooks/04_3d_cnn_training.ipynb and the README read.

Run: ``python benchmarks/experiments/keyword_models.py [--models cnn3d-small cnn2d] [--seeds 0 1] [--epochs 40]``
(``--weight-average 0.99 --runs build/experiments/keyword_models_weight_average --results
benchmarks/results/keyword_models_weight_average.json``: the averaged-weights variant;
``--model-kwargs '{"head": "frequency"}'``, ``--unknown-weight 2`` or ``--augment '{"formant_glide": 0.5}'``,
each with its own ``--runs`` and ``--results``: a model builder or recipe variant; ``--data build/mini_plus24
--steps-per-epoch 23``: the bundled set with 24 more training speakers, trained for as many steps as the default);
``--report`` only prints the table (mean ± sd over seeds) of the results already written.
The reference ``cnn3d`` trains at under 1 clip/s on a 2-core CPU (15-20 minutes per epoch of the
bundled set); leave it to a GPU machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads

from phaselab.atomic import write_json
from phaselab.nn.cost import flops
from phaselab.training.config import SYNTHETIC_RECIPE, TrainConfig
from phaselab.training.loop import train
from phaselab.training.rundir import BEST_FILE, read_history
from phaselab.training.shipped import score_juries

ROOT = harness.REPO
RESULTS = harness.RESULTS / "keyword_models.json"
RUNS = harness.BUILD / "experiments" / "keyword_models"
DEFAULT_MODELS = ("cnn3d-small", "cnn2d", "cnn2d-phase", "cnn1d")


def run_one(model: str, seed: int, overrides: dict, data: str, runs: Path) -> dict:
    """Train (or resume, or reload) one run and score its best model on both voice splits.

    ``overrides`` are TrainConfig fields that differ from the defaults.
    """
    config = TrainConfig(model, seed=seed, data=data, **{**SYNTHETIC_RECIPE, **overrides})
    result = train(config, runs / f"{model}-s{seed}", resume=True, verbose=2)
    history = read_history(result.run_dir)
    macro = [(-1.0 if v is None else v) for v in history["val_macro_f1"]]
    row = {
        "model": model,
        "seed": seed,
        "params": result.model.count_params(),
        "mflops": flops(result.model) / 1e6,
        "epochs": len(history["epoch"]),
        "best_epoch": history["epoch"][macro.index(max(macro))],
        "train_seconds": sum(history.get("seconds", [])),
    }
    # the bundled set's validation speakers use the training speakers' voices, its test speakers two others
    juries = {"train_voices": (data, "validation"), "heldout_voices": (data, "test")}
    for key, scores in score_juries(result.run_dir / BEST_FILE, juries).items():
        row[key] = {name: scores[name] for name in ("accuracy", "macro_f1", "command_recall", "f1")}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, help="default: TrainConfig's")
    parser.add_argument("--weight-average", type=float, help="TrainConfig.weight_average (default: none)")
    parser.add_argument("--model-kwargs", type=json.loads, help="TrainConfig.model_kwargs as JSON (default: none)")
    parser.add_argument("--unknown-weight", type=float, help="TrainConfig.unknown_weight (default: TrainConfig's)")
    parser.add_argument("--augment", type=json.loads, help="AugmentConfig fields to change, as JSON (default: none)")
    parser.add_argument("--steps-per-epoch", type=int, help="TrainConfig.steps_per_epoch (default: one pass)")
    parser.add_argument("--data", default="mini", help="default: the synthetic set (this study predates real speech)")
    parser.add_argument("--runs", type=Path, default=RUNS, help="where the run directories go")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--report", action="store_true", help="print the table of --results and exit")
    args = parser.parse_args()
    if args.report:
        report = json.loads(args.results.read_text(encoding="utf-8"))
        print(f"{args.results}: {report['settings']}\nmachine: {report['machine']}\n")
        print(harness.format_run_summary(harness.summarise_runs(report["rows"])))
        return
    changes = {key: value for key, value in (("weight_average", args.weight_average),
                                             ("model_kwargs", args.model_kwargs),
                                             ("unknown_weight", args.unknown_weight),
                                             ("augment", args.augment),
                                             ("steps_per_epoch", args.steps_per_epoch)) if value is not None}
    overrides = {**changes, **({"epochs": args.epochs} if args.epochs is not None else {})}
    recipe = "TrainConfig defaults (phaselab train)"
    if changes:
        recipe += " with " + ", ".join(f"{key} {value}" for key, value in changes.items())
    settings = {"data": args.data, "epochs": args.epochs or SYNTHETIC_RECIPE["epochs"],
                "recipe": recipe, "scored": BEST_FILE, **changes}
    report = {"settings": settings, "machine": harness.machine(), "rows": []}
    for seed in args.seeds:
        for model in args.models:
            started = time.perf_counter()
            row = {**run_one(model, seed, overrides, args.data, args.runs), "machine": report["machine"]}
            # keep the other runs made with the same settings, re-read now: other seeds may run in parallel processes
            previous = json.loads(args.results.read_text(encoding="utf-8")) if args.results.is_file() else {}
            rows = previous["rows"] if previous.get("settings") == settings else []
            report["rows"] = [r for r in rows if (r["model"], r["seed"]) != (model, seed)] + [row]
            args.results.parent.mkdir(parents=True, exist_ok=True)
            write_json(report, args.results)  # atomic; undefined F1 (NaN) as null
            held = row["heldout_voices"]
            print(f"{model} seed {seed}: held-out voices macro F1 {held['macro_f1']:.3f}, command recall "
                  f"{held['command_recall']:.3f} ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
