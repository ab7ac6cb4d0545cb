"""How the default recipe was chosen: candidate recipes on real speech, judged on the validation speakers only.

Each candidate was trained with ``phaselab train`` into ``build/experiments/real/NAME`` (the commands below; 30
epochs, seed 0, the bundled real set) and is judged by the best validation macro F1 of its run (78 people of the
validation split; the test split is never read). This script collects the runs' ``config.json`` and
``history.json`` into ``benchmarks/results/recipes_real.json`` and prints the table; runs that were stopped early
are listed with the epochs they ran.

The candidates (``AUG_A='{"pitch_fraction":0,"formant_fraction":0,"speed_fraction":0.5,"noise_fraction":0.8,
"noise_snr":true,"noise_range":[5,30]}'``, ``AUG_LIGHT='{"pitch_fraction":0,"formant_fraction":0,"speed_fraction":0.5,
"noise_fraction":0.6,"noise_snr":true,"noise_range":[10,30],"reverb_fraction":0,"phase_fraction":0}'``; the runs
were made before these became options of the default recipe, whose augmentation then was ``AugmentConfig()``)::

    phaselab train --model dscnn --data real --epochs 30 --loss categorical_crossentropy --augment "$AUG_A" \\
        --out build/experiments/real/dscnn_real_s0
    phaselab train --model dscnn --data real --epochs 30 --loss categorical_crossentropy --augment "$AUG_LIGHT" \\
        --out build/experiments/real/dscnn_light_s0
    phaselab train --model cnn2d --model-kwargs '{"features": "mel", "filters": [32, 64, 128, 256]}' --data real \\
        --epochs 30 --learning-rate 2e-3 --augment "$AUG_LIGHT" --out build/experiments/real/cnn2dmel_light_s0
    phaselab train --model cnn2d --model-kwargs '{"features": "mel", "filters": [32, 64, 128, 256]}' --data real \\
        --epochs 30 --learning-rate 2e-3 --augment "${AUG_A%\\}},\\"phase_fraction\\":0}" \\
        --out build/experiments/real/cnn2dmel_heavy_s0

Run: ``python benchmarks/experiments/recipes_real.py [--runs build/experiments/real]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads

from phaselab.atomic import write_json

RESULTS = harness.RESULTS / "recipes_real.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=harness.BUILD / "experiments" / "real")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    rows = []
    for run in sorted(p for p in args.runs.iterdir() if (p / "history.json").is_file()):
        config = json.loads((run / "config.json").read_text())
        history = json.loads((run / "history.json").read_text())
        f1 = history["val_macro_f1"]
        rows.append({"run": run.name, "model": config["model"], "model_kwargs": config["model_kwargs"],
                     "learning_rate": config["learning_rate"], "loss": config["loss"], "augment": config["augment"],
                     "epochs_planned": config["epochs"], "epochs_run": len(f1),
                     "best_val_macro_f1": max(f1), "best_epoch": f1.index(max(f1)) + 1, "val_macro_f1": f1})
    write_json({"rows": rows}, args.results)
    print(f"{'run':<22}{'epochs':>10}{'best validation macro F1':>28}")
    for row in rows:
        print(f"{row['run']:<22}{row['epochs_run']:>4} of {row['epochs_planned']:<4}"
              f"{row['best_val_macro_f1']:>14.3f} (epoch {row['best_epoch']})")


if __name__ == "__main__":
    main()
