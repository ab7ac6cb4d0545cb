import json
import math
from pathlib import Path

import keras
import numpy as np
import pytest
from keyword_tree import write_tree

from phaselab.cli.main import main
from phaselab.data.labels import CLASSES
from phaselab.data.pipeline import make_eval_dataset
from phaselab.data.speech_commands import SpeechCommands
from phaselab.training.config import TrainConfig
from phaselab.training import inference
from phaselab.training.inference import (
    _load,
    _probabilities,
    evaluate,
    format_scores,
    predict,
)
from phaselab.training.rundir import CONFIG_FILE, MODEL_FILE

SAMPLES = 16384


def constant_model(path: Path, logits: np.ndarray) -> Path:
    """A saved model that outputs softmax(logits) whatever the clip."""
    model = keras.Sequential([keras.Input((SAMPLES,)), keras.layers.Dense(len(CLASSES), activation="softmax")])
    model.set_weights([np.zeros((SAMPLES, len(CLASSES)), np.float32), np.asarray(logits, np.float32)])
    model.save(path)
    return path


def one_hot_logits(name: str) -> np.ndarray:
    return 5.0 * np.eye(len(CLASSES))[CLASSES.index(name)]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """yes, no and cat (unknown) x 2 speakers, 2 clips in _silence_, no list files: 8 clips."""
    return write_tree(tmp_path_factory.mktemp("eval"), speakers=2, silence=2, lists=False, noise=False)


def test_evaluate_always_silence_by_hand(tree: Path, tmp_path: Path) -> None:
    scores = evaluate(constant_model(tmp_path / "m.keras", one_hot_logits("silence")), tree, split="all")
    assert scores["n"] == 8
    assert scores["support"] == {**dict.fromkeys(CLASSES, 0), "yes": 2, "no": 2, "unknown": 2, "silence": 2}
    assert scores["accuracy"] == pytest.approx(2 / 8)
    assert scores["f1"]["silence"] == pytest.approx(2 * 2 / (2 * 2 + 6))  # TP 2, FP 6, FN 0
    assert scores["f1"]["yes"] == scores["f1"]["no"] == scores["f1"]["unknown"] == 0.0
    assert math.isnan(scores["f1"]["up"])
    assert scores["macro_f1"] == pytest.approx(0.4 / 4)
    assert scores["command_recall"] == 0.0
    assert [row[CLASSES.index("silence")] for row in scores["confusion"]] == list(scores["support"].values())


def test_evaluate_unknown_words_and_a_run_directory(tree: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    TrainConfig("cnn1d").save(run / CONFIG_FILE)
    constant_model(run / MODEL_FILE, one_hot_logits("unknown"))
    scores = evaluate(run, tree, split="all")
    assert scores["accuracy"] == pytest.approx(2 / 8)  # the two "cat" clips
    assert scores["f1"]["unknown"] == pytest.approx(0.4)
    assert scores["model"] == str(run / MODEL_FILE)


def test_the_probabilities_are_what_evaluate_scores(tree: Path, tmp_path: Path) -> None:
    logits = np.linspace(0.0, 1.0, len(CLASSES))
    loaded = _load(constant_model(tmp_path / "m.keras", logits))
    truth, probabilities = _probabilities(loaded, SpeechCommands(tree), "all", 64)
    clips = SpeechCommands(tree).clips("all")
    assert truth.tolist() == [CLASSES.index(clip.label) for clip in clips]
    assert probabilities.shape == (8, len(CLASSES)) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities, np.tile(keras.ops.convert_to_numpy(keras.ops.softmax(logits)), (8, 1)),
                               rtol=1e-5)
    accuracy = np.mean(probabilities.argmax(axis=1) == truth)
    assert evaluate(tmp_path / "m.keras", tree, split="all")["accuracy"] == pytest.approx(accuracy)


def test_evaluate_errors(tree: Path, tmp_path: Path) -> None:
    model = constant_model(tmp_path / "m.keras", one_hot_logits("yes"))
    with pytest.raises(ValueError, match="no validation_list.txt"):
        evaluate(model, tree, split="test")
    with pytest.raises(ValueError, match="unknown split 'train'"):
        evaluate(model, tree, split="train")
    with pytest.raises(ValueError, match="no model.keras"):
        evaluate(tmp_path, tree, split="all")
    broken = write_tree(tmp_path / "broken", speakers=1, lists=False, noise=False)
    bad = broken / "yes" / "bad_nohash_0.wav"
    bad.write_bytes(b"this is not audio")
    with pytest.raises(ValueError, match=str(bad)):
        evaluate(model, broken, split="all")


def test_predict_top_three_by_hand(tree: Path, tmp_path: Path) -> None:
    model = constant_model(tmp_path / "m.keras", np.arange(len(CLASSES)))
    clip = tree / "yes" / "s0_nohash_0.wav"
    (prediction,) = predict(model, [clip])
    total = np.exp(np.arange(len(CLASSES))).sum()
    assert prediction.path == clip
    assert [label for label, _ in prediction.top] == ["silence", "unknown", "go"]
    np.testing.assert_allclose([p for _, p in prediction.top], np.exp([11, 10, 9]) / total, rtol=1e-5)


def test_predict_preprocesses_as_the_training_pipeline(tree: Path, tmp_path: Path) -> None:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((SAMPLES,)), keras.layers.Dense(len(CLASSES), activation="softmax")])
    run = tmp_path / "run"
    run.mkdir()
    TrainConfig("cnn1d", augment={"damping": 0.5}).save(run / CONFIG_FILE)  # not the default damping
    model.save(run / MODEL_FILE)
    clips = SpeechCommands(tree).clips("all")
    expected = model.predict(make_eval_dataset(clips, damping=0.5), verbose=0)
    predictions = predict(run, [clip.path for clip in clips], top=len(CLASSES))
    for row, prediction in zip(expected, predictions):
        got = dict(prediction.top)
        np.testing.assert_allclose([got[name] for name in CLASSES], row, rtol=1e-5, atol=1e-7)
    assert len({p.top[0] for p in predictions}) > 1  # the outputs depend on the clip


def test_predict_names_a_bad_file(tmp_path: Path) -> None:
    model = constant_model(tmp_path / "m.keras", one_hot_logits("yes"))
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"")
    with pytest.raises(ValueError, match=f"{bad}: the file is empty"):
        predict(model, [bad])
    with pytest.raises(ValueError, match="top must be between 1 and 12"):
        predict(model, [bad], top=0)


def test_cli_evaluate_and_predict(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    model = constant_model(tmp_path / "m.keras", one_hot_logits("silence"))
    out = tmp_path / "scores.json"
    assert main(["evaluate", str(model), "--data", str(tree), "--split", "all", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "accuracy 0.250" in printed
    assert any(line.split() == ["silence", "0.400", "2"] for line in printed.splitlines())
    saved = json.loads(out.read_text())
    assert saved["accuracy"] == 0.25 and saved["f1"]["up"] is None and saved["f1"]["silence"] == pytest.approx(0.4)

    clip = tree / "no" / "s1_nohash_0.wav"
    assert main(["predict", str(model), str(clip)]) == 0
    assert capsys.readouterr().out.startswith(f"{clip}: silence ")
    assert main(["predict", str(model), str(tmp_path / "missing.wav")]) == 1
    assert f"{tmp_path / 'missing.wav'}: no such file" in capsys.readouterr().err


def test_format_scores_lists_every_class(tree: Path, tmp_path: Path) -> None:
    text = format_scores(evaluate(constant_model(tmp_path / "m.keras", one_hot_logits("yes")), tree, split="all"))
    rows = [line.split()[0] for line in text.splitlines()[4:]]
    assert rows == list(CLASSES)
    assert "n/a" in text  # classes absent from the tree


def test_a_model_that_outputs_nan_is_refused(tree: Path, tmp_path: Path) -> None:
    model = constant_model(tmp_path / "nan.keras", np.full(len(CLASSES), np.nan))
    with pytest.raises(ValueError, match=r"nan\.keras: the model outputs NaN or infinite probabilities for 8 of 8"):
        evaluate(model, tree, split="all")
    with pytest.raises(ValueError, match="NaN or infinite probabilities for 1 of 1 clips"):
        predict(model, [tree / "yes" / "s0_nohash_0.wav"])


def test_damaged_model_files_are_named(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import zipfile

    clip = str(tree / "yes" / "s0_nohash_0.wav")
    good = constant_model(tmp_path / "good.keras", one_hot_logits("yes"))
    (tmp_path / "cut.keras").write_bytes(good.read_bytes()[:1000])
    with zipfile.ZipFile(tmp_path / "noconfig.keras", "w") as archive:
        archive.writestr("metadata.json", "{}")
    for name, message in [("cut.keras", "not a complete .keras model file"),
                          ("noconfig.keras", "not a Keras model file (the archive holds no config.json)")]:
        assert main(["predict", str(tmp_path / name), clip]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{tmp_path / name}: {message}" in err


def test_cli_evaluate_checks_its_options_before_scoring(tree: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    model = constant_model(tmp_path / "m.keras", one_hot_logits("yes"))
    (tmp_path / "file").write_text("a file")
    (tmp_path / "dir.json").mkdir()
    base = [sys.executable, "-m", "phaselab", "evaluate", str(model), "--data", str(tree), "--split", "all"]
    for args, code, message in [
        (["--batch-size", "0"], 2, "argument --batch-size: must be at least 1, got 0"),
        (["--json", str(tmp_path / "dir.json")], 1, "dir.json: cannot write the scores, this is a directory"),
        (["--json", str(tmp_path / "file" / "x.json")], 1, "is a file, not a directory"),
    ]:
        done = subprocess.run([*base, *args], capture_output=True, text=True, timeout=300)
        assert done.returncode == code, done.stderr
        assert message in done.stderr and "Traceback" not in done.stderr
        assert done.stdout == ""  # refused before any scores were computed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.json", "file", "m.keras"]
    assert list((tmp_path / "dir.json").iterdir()) == []


def test_evaluate_reports_false_alarms_of_everyday_sounds_and_other_words(tree: Path, tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture) -> None:
    from phaselab.signal.audio import write_wav

    sounds = tmp_path / "sounds"
    sounds.mkdir()
    write_wav(sounds / "hum.wav", 0.1 * np.sin(np.arange(32000) / 10).astype(np.float32))
    model = constant_model(tmp_path / "m.keras", one_hot_logits("yes"))
    scores = evaluate(model, tree, split="all", everyday=[sounds], other_words=[tree / "cat"])
    assert scores["everyday_false_alarms"] == {"n": 2, "rate": 1.0, "interval": [pytest.approx(0.342, abs=1e-3), 1.0],
                                               "commands": {"yes": 2}}  # 2 of 2 windows: Wilson's 95 % interval
    assert scores["other_words_false_alarms"]["n"] == 2 and scores["false_alarm_rate"] == 1.0  # the cat clips
    assert "everyday_false_alarms" not in evaluate(model, tree, split="all")
    text = format_scores(scores)
    assert "everyday sounds taken for a command: 1.000 (95 % interval 0.342-1.000) of 2 one-second windows (yes 2)" in text
    assert "other spoken words taken for a command: 1.000 (95 % interval 0.342-1.000) of 2 one-second windows" in text

    assert main(["evaluate", str(model), "--data", str(tree), "--split", "all", "--threshold", "0.999",
                 "--everyday", str(sounds), "--other-words", str(tree / "cat")]) == 0
    printed = capsys.readouterr().out
    assert "confidence threshold 0.999" in printed  # yes at probability 0.9997 still passes
    assert main(["evaluate", str(model), "--data", str(tree), "--split", "all",
                 "--everyday", str(tmp_path / "nothing")]) == 1
    assert "nothing: no such file or folder" in capsys.readouterr().err


RETRACING = """
import logging, sys
import keras, numpy as np
from phaselab.training.inference import forward

class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())

records = Records()
logger = logging.getLogger("tensorflow")
logger.addHandler(records)
logger.setLevel(logging.WARNING)
call = forward if sys.argv[1] == "forward" else (lambda m, x: m.predict(x, verbose=0))
for _ in range(3):  # three new models, two batch sizes each: what a chapter that scores a few models does
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    for n in (1, 5):
        call(model, np.ones((n, 3), np.float32))
print(sum("retracing" in message for message in records.messages))
"""


def _retracing_warnings(how: str) -> int:
    """Retracing warnings TensorFlow logs in a fresh process (it warns at most twice per function in a process)."""
    import os
    import subprocess
    import sys

    from phaselab.paths import repo_root

    env = {**os.environ, "PYTHONPATH": str(repo_root())}
    done = subprocess.run([sys.executable, "-c", RETRACING, how], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


def test_a_speech_gate_makes_what_it_rejects_silence(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A gate that hears speech only in loud clips: the quiet ones become silence, in the split and in the sounds."""
    from phaselab.signal.audio import read_wav, write_wav

    model = constant_model(tmp_path / "m.keras", one_hot_logits("yes"))
    clips = sorted(tree.rglob("*.wav"))
    levels = {float(np.sqrt(np.mean(read_wav(c) ** 2))) for c in clips}
    cut = float(np.median(sorted(levels)))
    loud = lambda audio: (np.sqrt(np.mean(np.square(audio, dtype=np.float64), axis=1)) > cut).astype(float)
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    write_wav(sounds / "hum.wav", np.concatenate([0.9 * np.ones(16000), np.zeros(16000)]).astype(np.float32))
    plain = evaluate(model, tree, split="all", everyday=[sounds])
    gated = evaluate(model, tree, split="all", everyday=[sounds], speech=loud, speech_floor=0.5)
    passed = sum(loud(np.stack([np.pad(read_wav(c), (0, max(0, 16000 - len(read_wav(c)))))[:16000]]))[0] for c in clips)
    said_yes = {name: sum(row[CLASSES.index("yes")] for row in scores["confusion"])
                for name, scores in (("plain", plain), ("gated", gated))}
    assert said_yes == {"plain": len(clips), "gated": passed} and 0 < passed < len(clips)
    assert gated["everyday_false_alarms"]["rate"] == 0.5 and plain["everyday_false_alarms"]["rate"] == 1.0
    assert gated["speech_floor"] == 0.5 and "speech_floor" not in plain
    assert evaluate(model, tree, split="all", speech=loud, speech_floor=0.0)["confusion"] == plain["confusion"]
    assert "speech gate floor 0.5" in format_scores(gated)


def test_cli_evaluate_gate_option(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    model = constant_model(tmp_path / "m.keras", one_hot_logits("yes"))
    assert main(["evaluate", str(model), "--data", str(tree), "--split", "all", "--gate", "0.99"]) == 0
    assert "speech gate floor 0.99" in capsys.readouterr().out  # phaselab's detector in front (chapter 06)
    with pytest.raises(SystemExit):
        main(["evaluate", str(model), "--gate", "1.5"])


def test_forward_matches_predict_and_traces_no_graph_per_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    x = np.random.default_rng(0).normal(size=(7, 3)).astype(np.float32)
    np.testing.assert_allclose(inference.forward(model, x, batch_size=3), model.predict(x, verbose=0), atol=1e-6)
    assert _retracing_warnings("predict") > 0  # what the chapters did
    assert _retracing_warnings("forward") == 0
    with pytest.raises(ValueError, match="at least one input"):
        inference.forward(model, np.zeros((0, 3)))
