"""``benchmarks/speed/gpu_check.py --quick`` runs on a CPU and writes its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_gpu_check_quick_writes_its_json(tmp_path: Path) -> None:
    out = tmp_path / "gpu_check.json"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "speed" / "gpu_check.py"), "--quick", "--models", "cnn3d-small",
         "--backends", "tensorflow,nosuchbackend", "--max-steps", "2", "--tiled-clips", "100", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["quick"] and results["skipped"] == {"nosuchbackend": "not installed"}
    runs = results["backends"]["tensorflow"]["runs"]
    assert [(r["model"], r["set"], r["clips"]) for r in runs][1] == ("cnn3d-small", "tiled", 100)
    for run in runs:
        assert run["steps_timed"] == 2 and run["extrapolated"] == (run["epoch_steps"] > 2)
        assert run["train_clips_per_s"] > 0 and run["pipeline_clips_per_s"] > 0
        assert run["epoch_seconds"] > 0


def test_gpu_check_refuses_an_unknown_model(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "speed" / "gpu_check.py"), "--models", "cnn4d",
                           "--out", str(tmp_path / "x.json")], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    assert done.returncode == 2 and "unknown models: cnn4d" in done.stderr and "Traceback" not in done.stderr
