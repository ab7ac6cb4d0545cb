"""What real speech changes: the default recipe trained on synthetic voices, on real people, on both.

For every arm of :data:`phaselab.studies.real_speech.ARMS` (synthetic voices only; real speech
on 1/4, 1/2 and all of its training speakers; real + synthetic) and every seed, this trains
the default ``phaselab train`` recipe into ``build/experiments/real_speech/<arm>_s<seed>``
(resumed if killed, reused if finished), scores the run's ``best.keras`` (chosen on the run's
own validation split) on the real test speakers and the synthetic held-out voices, and
rewrites ``benchmarks/results/real_speech.json`` after every run. Chapter 04 and the README
read that file.

Run: ``python benchmarks/experiments/real_speech.py [--seeds 0 1] [--arms real-0.25 real both]`` (two processes with
different ``--arms`` share the two cores of a small machine well: each is bound by its Python augmentation);
``--report`` prints the table and the learning curve's numbers of the results already written.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads

from phaselab.atomic import write_json
from phaselab.studies.real_speech import ARMS, SCORED_JURIES, Arm, format_summary, learning_curve, load_results, summarise
from phaselab.training.config import DEFAULT_MODEL, TrainConfig
from phaselab.training.loop import _splits, train
from phaselab.training.rundir import BEST_FILE, read_history
from phaselab.training.shipped import JURIES, score_juries

ROOT = harness.REPO
RESULTS = harness.RESULTS / "real_speech.json"
RUNS = harness.BUILD / "experiments" / "real_speech"


def run_arm(arm: Arm, seed: int, runs: str | os.PathLike, **overrides: Any) -> dict[str, Any]:
    """Train (or resume, or reuse a finished run of) one arm and seed, and score it.

    Parameters
    ----------
    arm : Arm
    seed : int
    runs : path-like
        Folder of run directories (``<runs>/<arm.key>_s<seed>``).
    **overrides
        Other :class:`~phaselab.training.config.TrainConfig` fields (quick mode: fewer epochs).

    Returns
    -------
    dict
        A result row: arm, data, share, seed, training clips, epochs, minutes, and the
        scores of :func:`phaselab.training.shipped.score_juries` on :data:`SCORED_JURIES`.
    """
    config = TrainConfig(overrides.pop("model", DEFAULT_MODEL), data=arm.data, seed=seed,
                         train_speakers=arm.train_speakers, **overrides)
    run_dir = Path(runs) / f"{arm.key}_s{seed}"
    if len(read_history(run_dir).get("epoch", [])) < config.epochs:
        train(config, run_dir, resume=run_dir.exists(), verbose=2)
    history = read_history(run_dir)
    scores = score_juries(run_dir / BEST_FILE, {name: JURIES[name] for name in SCORED_JURIES})
    return {
        "arm": arm.name, "data": arm.data, "train_speakers": arm.train_speakers, "seed": seed,
        "train_clips": len(_splits(config)[0]), "epochs": len(history["epoch"]),
        "minutes": round(sum(history.get("seconds", [])) / 60, 1),
        "best_val_macro_f1": max(history["val_macro_f1"]),
        "scores": {name: {key: scores[name][key] for key in ("macro_f1", "accuracy", "command_recall",
                                                               "false_alarm_rate", "f1")} for name in scores},
    }


def report(path: Path) -> None:
    rows = load_results(path)["rows"]
    print(format_summary(summarise(rows)))
    sizes, scores = learning_curve(rows)
    for n, values in zip(sizes, scores):
        print(f"real training clips {n:>5}: macro F1 on real test speakers " + ", ".join(f"{v:.3f}" for v in values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--arms", nargs="+", default=[arm.key for arm in ARMS], help="arm keys (default: all)")
    parser.add_argument("--runs", type=Path, default=RUNS)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--report", action="store_true", help="only print the results already written")
    args = parser.parse_args()
    if args.report:
        report(args.results)
        return
    arms = {arm.key: arm for arm in ARMS}
    unknown = set(args.arms) - set(arms)
    if unknown:
        parser.error(f"unknown arm(s) {', '.join(sorted(unknown))}; choose from {', '.join(arms)}")
    for key in args.arms:
        for seed in args.seeds:
            row = run_arm(arms[key], seed, args.runs)
            # re-read before writing: several processes may fill one results file, each with its own arms
            previous = load_results(args.results)["rows"] if args.results.is_file() else []
            previous = [r for r in previous if (r["arm"], r["seed"]) != (row["arm"], row["seed"])] + [row]
            write_json({"machine": harness.machine(), "rows": previous}, args.results)
            print(f"{row['arm']} seed {seed}: macro F1 on real test speakers "
                  f"{row['scores']['real test speakers']['macro_f1']:.3f}")
    report(args.results)


if __name__ == "__main__":
    main()
