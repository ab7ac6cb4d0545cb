"""Tests of phaselab.training.shipped: the shipped keyword model, its record, and shipping a run.

The shipped model is scored against its record once, in chapter 04 (section "The model phaselab ships"), which
``make test`` runs; not again here.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from phaselab.data.labels import CLASSES
from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
from phaselab.training.config import TrainConfig
from phaselab.training.inference import predict
from phaselab.training.rundir import load_model
from phaselab.training.shipped import (
    JURIES,
    SHIPPED_MODEL,
    ship,
    shipped_scores,
)
from tests.training.test_inference import constant_model, one_hot_logits

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def record() -> dict:
    return shipped_scores()


def test_shipped_file_is_the_recorded_one(record: dict) -> None:
    assert SHIPPED_MODEL.is_file() and SHIPPED_MODEL.stat().st_size < 3_000_000  # "a few MB at most"
    assert SHIPPED_MODEL.stat().st_size == record["bytes"]
    assert hashlib.sha256(SHIPPED_MODEL.read_bytes()).hexdigest() == record["sha256"]
    assert record["config"]["data"] == "real"
    assert TrainConfig.from_dict(record["config"]).model == record["config"]["model"]


def test_predict_uses_the_shipped_model_by_default(record: dict) -> None:
    """``phaselab predict CLIP`` (no model) prints the shipped model's guess for a real test clip."""
    tree = SpeechCommands(resolve_data_root("real"))
    clips = [next(c for c in tree.clips("test") if c.label == label) for label in ("yes", "stop", "unknown")]
    expected = predict(SHIPPED_MODEL, [c.path for c in clips], top=1)
    run = subprocess.run([sys.executable, "-m", "phaselab", "predict", *(str(c.path) for c in clips), "--top", "1"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert [line.split(": ")[1].split()[0] for line in lines] == [p.top[0][0] for p in expected]


def test_readme_example_prints_the_right_word() -> None:
    """The clip the README shows ``phaselab predict`` on is recognised as its word."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = next(line for line in readme.splitlines() if line.strip().startswith("phaselab predict data/"))
    clip = REPO / example.split()[2]
    word = clip.parent.name
    (prediction,) = predict(SHIPPED_MODEL, [clip], top=1)
    assert prediction.top[0][0] == word


def test_ship_writes_model_and_record(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    constant_model(run / "best.keras", one_hot_logits("unknown"))
    TrainConfig("dscnn", data="real").save(run / "config.json")
    (run / "history.json").write_text(json.dumps({"epoch": [1, 2], "val_macro_f1": [0.1, 0.2]}))
    record_path = ship(run, tmp_path / "weights")
    record = json.loads(record_path.read_text())
    assert record["best_epoch"] == 2 and record["epochs_run"] == 2
    shipped, best = (load_model(p) for p in (tmp_path / "weights" / "keyword_model.keras", run / "best.keras"))
    assert all(np.array_equal(a, b) for a, b in zip(shipped.get_weights(), best.get_weights()))
    real = record["scores"]["real test speakers"]
    support = real["support"]
    assert real["accuracy"] == pytest.approx(support["unknown"] / sum(support.values()))
    assert real["false_alarm_rate"] == 0.0 and real["command_recall"] == 0.0
    assert sorted(p.name for p in (tmp_path / "weights").iterdir()) == ["keyword_model.json", "keyword_model.keras"]


def test_ship_refuses_an_unfinished_run(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a finished training run"):
        ship(tmp_path, tmp_path / "weights")


def test_false_alarm_rate_counts_other_words_taken_for_commands() -> None:
    from phaselab.training.scores import classification_scores

    u, yes, silence = CLASSES.index("unknown"), CLASSES.index("yes"), CLASSES.index("silence")
    scores = classification_scores([u, u, u, u, yes], [yes, silence, u, u, yes], CLASSES)
    assert scores["false_alarm_rate"] == 0.25  # one of four other words taken for a command; silence is no alarm
    assert np.isnan(classification_scores([yes], [yes], CLASSES)["false_alarm_rate"])


def test_format_jury_scores_gives_a_line_per_jury_of_the_record(record: dict) -> None:
    from phaselab.training.shipped import format_jury_scores

    lines = format_jury_scores(record["scores"]).splitlines()
    assert len(lines) == len(JURIES) == len(record["scores"])
    for line, (jury, scores) in zip(lines, record["scores"].items()):
        assert line.strip().startswith(f"{jury}: macro F1 {scores['macro_f1']:.3f}, accuracy {scores['accuracy']:.3f}")
        assert f"false alarms {scores['false_alarm_rate']:.3f} ({scores['n']} clips)" in line
    assert len({line.index(":") for line in lines}) == 1  # the names right-aligned
    assert "(634 clips)" in lines[0]  # the real test speakers
