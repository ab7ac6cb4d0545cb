import dataclasses
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import pytest
from keyword_tree import write_tree

from phaselab.cli.main import main
from phaselab.data.labels import CLASSES
from phaselab.training.callbacks import EpochCheckpoint
from phaselab.training.config import TrainConfig
from phaselab.training.loop import COSINE_FLOOR, compile_model, train
from phaselab.training.rundir import CONFIG_FILE, load_model

TINY = ["--model", "cnn1d", "--model-kwargs", '{"width": 0.125}', "--batch-size", "8", "--steps-per-epoch", "3"]
"""A model of ~3000 parameters, 3 batches of 8 clips per epoch: about a second per epoch on a CPU."""


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("tree"))


def start_training(args: list[str]) -> subprocess.Popen:
    """``python -m phaselab train ARGS`` in a subprocess, on the CPU, output captured."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.Popen(
        [sys.executable, "-m", "phaselab", "train", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env=env,
    )


def finish(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output[-3000:]
    return output


def epochs_started(output: str) -> list[int]:
    """The N of every "Epoch N/M" line of Keras's progress bar."""
    return [int(n) for n in re.findall(r"Epoch (\d+)/\d+", output)]


@pytest.fixture
def no_op_determinism():
    """Op determinism off for one test, as in a fresh process (an earlier train() in the process switches it on
    for good, and Keras then refuses XLA, see phaselab.training.loop's docstring); restored afterwards."""
    from tensorflow.python.framework import config as tf_config

    was_on = tf_config.is_op_determinism_enabled()
    tf_config.disable_op_determinism()
    yield
    if was_on:
        tf_config.enable_op_determinism()


def test_compile_model_options(no_op_determinism: None) -> None:
    policy = keras.mixed_precision.global_policy().name
    model = compile_model(TrainConfig("cnn1d", model_kwargs={"width": 0.125}, mixed_precision=True, jit_compile=True))
    assert keras.mixed_precision.global_policy().name == policy  # restored
    assert model.get_layer("conv_1_bn").dtype_policy.name == "mixed_float16"
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.jit_compile is True
    assert model.output_shape == (None, len(CLASSES))
    plain = compile_model(TrainConfig("cnn1d", model_kwargs={"width": 0.125}, optimizer="adadelta", learning_rate=0.5))
    assert plain.get_layer("conv_1_bn").dtype_policy.name == "float32"
    assert isinstance(plain.optimizer, keras.optimizers.Adadelta)
    assert float(plain.optimizer.learning_rate) == 0.5
    assert plain.jit_compile is False
    assert plain.optimizer.use_ema is False
    averaged = compile_model(TrainConfig("cnn1d", model_kwargs={"width": 0.125}, weight_average=0.99))
    assert averaged.optimizer.use_ema is True and averaged.optimizer.ema_momentum == 0.99


def test_cosine_schedule_spans_the_run_and_constant_stays() -> None:
    config = TrainConfig("cnn1d", model_kwargs={"width": 0.125}, epochs=4, learning_rate=0.01)
    schedule = compile_model(config, steps_per_epoch=5).optimizer._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert float(schedule(0)) == pytest.approx(0.01)
    assert float(schedule(10)) == pytest.approx(0.01 * (COSINE_FLOOR + (1 - COSINE_FLOOR) * 0.5))  # half way
    assert float(schedule(20)) == pytest.approx(0.01 * COSINE_FLOOR)
    constant = compile_model(dataclasses.replace(config, schedule="constant"), steps_per_epoch=5)
    assert not isinstance(constant.optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule)
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig("cnn1d", schedule="step")


def test_a_used_run_directory_is_not_clobbered(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "notes.txt").write_text("precious")
    with pytest.raises(ValueError, match="not empty; pass --resume"):
        train(TrainConfig("cnn1d"), run)
    assert main(["train", "--model", "cnn1d", "--data", "mini", "--out", str(run)]) == 1
    assert "--resume" in capsys.readouterr().err
    assert sorted(p.name for p in run.iterdir()) == ["notes.txt"]
    assert (run / "notes.txt").read_text() == "precious"
    with pytest.raises(ValueError, match="not a run directory"):
        train(TrainConfig("cnn1d"), run, resume=True)


def test_bad_data_leaves_no_run_directory(tmp_path: Path) -> None:
    run = tmp_path / "run"
    with pytest.raises(ValueError, match="no Speech Commands data at"):
        train(TrainConfig("cnn1d", data=str(tmp_path / "nowhere")), run)
    without_lists = write_tree(tmp_path / "tree", speakers=1, lists=False, noise=False)
    with pytest.raises(ValueError, match="no validation_list.txt"):
        train(TrainConfig("cnn1d", data=str(without_lists)), run)
    assert not run.exists()


def test_resume_refuses_another_config(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    TrainConfig("cnn1d", epochs=3).save(run / CONFIG_FILE)
    with pytest.raises(ValueError, match="different config.*epochs: 3 != 4"):
        train(TrainConfig("cnn1d", epochs=4), run, resume=True)
    assert main(["train", "--out", str(run), "--resume", "--epochs", "4"]) == 1


def test_killed_run_resumes_from_its_last_epoch(tree: Path, tmp_path: Path) -> None:
    run, twin = tmp_path / "run", tmp_path / "twin"
    args = [*TINY, "--data", str(tree), "--epochs", "3", "--weight-average", "0.9"]  # the optimizer's averages resume too
    uninterrupted = start_training([*args, "--out", str(twin)])
    process = start_training([*args, "--out", str(run)])
    state = run / "backup" / "state.json"
    deadline = time.monotonic() + 240
    while not state.exists():
        assert process.poll() is None, f"training ended before its first checkpoint:\n{process.communicate()[0][-3000:]}"
        assert time.monotonic() < deadline, "no checkpoint within 240 s"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert not (run / "model.keras").exists(), "the run finished before it was killed; make it longer"
    backed_up = json.loads(state.read_text())["epoch"]
    assert 1 <= backed_up < 3

    (run / ".part-best.keras").write_bytes(b"half")  # as if killed while saving
    output = finish(start_training(["--out", str(run), "--resume"]))
    assert epochs_started(output) == list(range(backed_up + 1, 4))
    history = json.loads((run / "history.json").read_text())
    assert history["epoch"] == [1, 2, 3]
    with open(run / "history.csv") as handle:
        assert [line.split(",")[0] for line in handle.read().splitlines()] == ["epoch", "1", "2", "3"]
    assert all(math.isfinite(v) for v in history["loss"] + history["val_loss"] + history["val_macro_f1"])
    assert {f"val_f1_{name}" for name in CLASSES} <= set(history)

    names = sorted(p.name for p in run.iterdir())
    assert names == [
        "best.keras", "config.json", "confusion_matrix.png", "history.csv", "history.json",
        "learning_curves.png", "model.keras",
    ]  # no backup left, no half-written file
    assert load_model(run).output_shape == (None, len(CLASSES))
    finish(uninterrupted)  # same batches, same weights: the resumed run lost nothing
    expected = json.loads((twin / "history.json").read_text())
    assert {k: v for k, v in history.items() if k != "seconds"} == {k: v for k, v in expected.items() if k != "seconds"}
    done = train(TrainConfig.load(run / CONFIG_FILE), run, resume=True, verbose=0)  # finished: no training
    assert done.history == history
    assert sorted(p.name for p in run.iterdir()) == names


def test_same_seed_same_history(tree: Path, tmp_path: Path) -> None:
    runs = [tmp_path / name for name in ("a", "b")]
    processes = [start_training([*TINY, "--data", str(tree), "--epochs", "1", "--seed", "3", "--out", str(run)])
                 for run in runs]
    for process in processes:
        finish(process)
    a, b = (json.loads((run / "history.json").read_text()) for run in runs)
    assert all(seconds > 0 for seconds in a.pop("seconds") + b.pop("seconds"))  # wall clock: may differ
    assert a == b


def test_cli_train_refuses_a_tree_with_nan_audio(tmp_path: Path) -> None:
    import numpy as np
    from scipy.io import wavfile

    tree = write_tree(tmp_path / "tree", speakers=6)
    bad = tree / "no" / "s2_nohash_0.wav"
    audio = np.zeros(16000, np.float32)
    audio[::1000] = np.nan
    wavfile.write(bad, 16000, audio)
    process = start_training([*TINY, "--data", str(tree), "--epochs", "1", "--out", str(tmp_path / "run")])
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 1, output[-3000:]
    assert "Traceback" not in output
    assert f"phaselab train: error: {bad}: 16 samples are NaN or infinite" in output
    assert not (tmp_path / "run").exists()


def _saved_run(tmp_path: Path, tree: Path) -> Path:
    """A run directory as a killed run leaves it after epoch 1: config, history, best.keras, backup."""
    import numpy as np

    run = tmp_path / "run"
    config = TrainConfig("cnn1d", model_kwargs={"width": 0.125}, data=str(tree), epochs=2, batch_size=8,
                         steps_per_epoch=3)
    model = compile_model(config)
    run.mkdir()
    config.save(run / CONFIG_FILE)
    (run / "history.json").write_text(json.dumps({"epoch": [1], "loss": [2.0], "val_macro_f1": [0.1]}))
    model.save(run / "best.keras")
    x = np.zeros((1, 16384), np.float32)
    model.fit(x, np.eye(len(CLASSES))[:1], epochs=1, verbose=0, callbacks=[EpochCheckpoint(run / "backup")])
    return run


@pytest.mark.parametrize("damage, message", [
    ("best", "best.keras: not a complete .keras model file"),
    ("history", "history.json: not a training history"),
    ("weights", "epoch-0001.weights.h5: the training backup is damaged or missing"),
])
def test_resume_refuses_a_damaged_run_directory_naming_the_file(
    tree: Path, tmp_path: Path, damage: str, message: str
) -> None:
    run = _saved_run(tmp_path, tree)
    if damage == "best":
        (run / "best.keras").write_bytes((run / "best.keras").read_bytes()[:1000])
    elif damage == "history":
        (run / "history.json").write_text(json.dumps({"epoch": [1, 2], "loss": [2.0]}))
    else:
        weights = run / "backup" / "epoch-0001.weights.h5"
        weights.write_bytes(weights.read_bytes()[:1000])
    before = {p.name: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    with pytest.raises(ValueError, match=re.escape(message)):
        train(TrainConfig.load(run / CONFIG_FILE), run, resume=True, verbose=0)
    assert {p.name: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before  # nothing changed


def test_cli_resume_with_a_truncated_best_model_says_so(tree: Path, tmp_path: Path) -> None:
    run = _saved_run(tmp_path, tree)
    (run / "best.keras").write_bytes((run / "best.keras").read_bytes()[:1000])
    output, _ = (process := start_training(["--out", str(run), "--resume"])).communicate(timeout=300)
    assert process.returncode == 1 and "Traceback" not in output
    assert output.strip().splitlines()[-1] == (f"phaselab train: error: {run / 'best.keras'}: not a complete .keras "
                                               "model file (not a zip archive: truncated or damaged?)")
    assert not (run / "model.keras").exists()


def test_cli_train_options_are_checked_before_the_data(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a run")
    nowhere = ["--data", str(tmp_path / "no-data-here")]  # the data would fail later, so these errors come first
    for args, message in [
        (["--model", "cnn1d", "--model-kwargs", '{"bogus": 1}', "--out", str(tmp_path / "r")],
         "model 'cnn1d' takes no argument bogus; its arguments are samples"),
        (["--model", "cnn1d", "--out", str(blocker)], f"{blocker}: exists and is not a directory"),
        (["--model", "cnn1d", "--out", str(blocker / "run")], f"{blocker} is a file, not a directory"),
    ]:
        assert main(["train", *nowhere, *args]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--epochs", "0", "--out", str(tmp_path / "r")])
    assert exit_info.value.code == 2
    assert "argument --epochs: must be at least 1, got 0" in capsys.readouterr().err
    assert blocker.read_text() == "not a run" and sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_train_on_given_examples_and_classes(tmp_path: Path) -> None:
    import numpy as np

    from phaselab.training.loop import Examples

    rng = np.random.default_rng(0)
    audio = (rng.normal(size=(24, 16384)) * np.where(np.arange(24) % 2, 1.0, 0.01)[:, None]).astype(np.float32)
    labels = np.arange(24) % 2
    examples = Examples(("quiet", "loud"), (audio, labels), (audio[:8], labels[:8]))
    config = TrainConfig("enc-small", model_kwargs={"filters": [4]}, data="arrays", epochs=2, batch_size=8, seed=0)
    result = train(config, tmp_path / "run", verbose=0, examples=examples)
    assert result.model.output_shape == (None, 2) and result.history["epoch"] == [1, 2]
    assert {"val_f1_quiet", "val_f1_loud", "val_macro_f1"} <= set(result.history)
    again = train(config, tmp_path / "again", verbose=0, examples=examples)
    assert again.history["loss"] == result.history["loss"]  # the seed fixes the order of the examples
