import math

import keras
import matplotlib
import numpy as np
import pytest

from phaselab.display.curves import plot_confusion_matrix, plot_word_f1
from phaselab.training.callbacks import ValidationScores
from phaselab.training.losses import damped_log_loss, get_loss
from phaselab.training.scores import (
    classification_scores,
    format_word_f1,
    mean_sd,
    word_f1_history,
)

matplotlib.use("Agg")

# A hand-checked example: 3 classes present, a 4th ("up") neither present nor predicted.
CLASSES = ("yes", "no", "unknown", "up")
TRUE = [0, 0, 0, 1, 1, 2]
PRED = [0, 0, 1, 1, 2, 2]
# yes: TP 2, FP 0, FN 1 -> P 1, R 2/3, F1 0.8
# no:  TP 1, FP 1, FN 1 -> P 1/2, R 1/2, F1 0.5
# unknown: TP 1, FP 1, FN 0 -> P 1/2, R 1, F1 2/3
F1 = {"yes": 0.8, "no": 0.5, "unknown": 2 / 3}
MACRO = (0.8 + 0.5 + 2 / 3) / 3
COMMAND_RECALL = 3 / 5  # 5 clips of command words (yes x3, no x2), 3 recognised


def test_damped_log_loss_by_hand() -> None:
    y = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]], np.float32)
    p = np.array([[0.8, 0.2], [0.0, 1.0], [1.0, 0.0]], np.float32)
    expected = [
        -math.log(0.8),  # -(log 0.8 + log(1 - 0.2)) / 2
        -math.log(1e-4),  # both clipped to 1e-4 / 1 - 1e-4: -(2 log 1e-4) / 2
        -math.log(1 - 1e-4),  # a perfect prediction still costs the clipping
    ]
    got = keras.ops.convert_to_numpy(damped_log_loss(y, p))
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-7)  # float32 arithmetic
    # float16 predictions are computed in float32
    assert keras.ops.convert_to_numpy(damped_log_loss(y, p.astype(np.float16))).dtype == np.float32


def test_damped_log_loss_is_serialisable_in_a_saved_model(tmp_path) -> None:
    config = keras.saving.serialize_keras_object(damped_log_loss)
    assert keras.saving.deserialize_keras_object(config) is damped_log_loss
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss=damped_log_loss)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")  # compile=True: the loss must deserialise
    x, y = np.ones((4, 3), np.float32), np.eye(2, dtype=np.float32)[[0, 1, 0, 1]]
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-6)


def test_get_loss() -> None:
    assert get_loss("damped_log_loss") is damped_log_loss
    assert get_loss("categorical_crossentropy") is keras.losses.categorical_crossentropy
    with pytest.raises(ValueError, match="unknown loss 'mse'"):
        get_loss("mse")


def test_classification_scores_by_hand() -> None:
    scores = classification_scores(TRUE, PRED, CLASSES)
    assert scores["n"] == 6
    assert scores["accuracy"] == pytest.approx(4 / 6)
    for name, value in F1.items():
        assert scores["f1"][name] == pytest.approx(value)
    assert math.isnan(scores["f1"]["up"])
    assert scores["macro_f1"] == pytest.approx(MACRO)
    assert scores["command_recall"] == pytest.approx(COMMAND_RECALL)
    assert scores["confusion"] == [[2, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]]
    assert scores["support"] == {"yes": 3, "no": 2, "unknown": 1, "up": 0}


def test_classification_scores_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="same shape"):
        classification_scores([0, 1], [0], CLASSES)
    with pytest.raises(ValueError, match="non-empty"):
        classification_scores([], [], CLASSES)


def test_validation_callback_logs_hand_checked_scores() -> None:
    # The model passes its input through, so feeding one-hot rows of PRED makes it "predict" PRED.
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    x = np.eye(4, dtype=np.float32)[PRED]
    y = np.eye(4, dtype=np.float32)[TRUE]
    batches = [(x[:4], y[:4]), (x[4:], y[4:])]
    callback = ValidationScores(batches, CLASSES, loss=damped_log_loss)
    callback.set_model(model)
    logs: dict = {"loss": 1.0}
    callback.on_epoch_end(0, logs)
    assert logs["val_accuracy"] == pytest.approx(4 / 6)
    for name, value in F1.items():
        assert logs[f"val_f1_{name}"] == pytest.approx(value)
    assert math.isnan(logs["val_f1_up"])
    assert logs["val_macro_f1"] == pytest.approx(MACRO)
    # the loss function applied to the whole split, averaged over clips
    expected_loss = np.mean(keras.ops.convert_to_numpy(damped_log_loss(y, x)))
    assert logs["val_loss"] == pytest.approx(float(expected_loss))
    assert logs["loss"] == 1.0  # training logs are kept
    assert callback.last_scores["confusion"][0] == [2, 1, 0, 0]


def test_validation_callback_inside_fit() -> None:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    x = np.eye(4, dtype=np.float32)[PRED]
    y = np.eye(4, dtype=np.float32)[TRUE]
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[ValidationScores([(x, y)], CLASSES)])
    assert len(history.history["val_macro_f1"]) == 2
    assert {f"val_f1_{name}" for name in CLASSES} <= set(history.history)


def test_plot_confusion_matrix() -> None:
    figure = plot_confusion_matrix(classification_scores(TRUE, PRED, CLASSES)["confusion"], CLASSES, title="t")
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts[:4] == ["2", "1", "0", "0"]
    assert figure.axes[0].get_title() == "t"


HISTORY = {
    "epoch": [1, 2, 3],
    "val_f1_yes": [0.0, 0.5, 1.0],
    "val_f1_no": [0.25, None, 0.75],
    "val_f1_unknown": [0.5, 0.6, 0.7],
    "val_macro_f1": [0.25, 0.55, 0.8],
}


def test_word_f1_history_gathers_epochs_by_classes() -> None:
    table = word_f1_history(HISTORY, ("yes", "no", "unknown"))
    assert table.shape == (3, 3)
    np.testing.assert_allclose(table[:, 0], [0.0, 0.5, 1.0])
    assert math.isnan(table[1, 1]) and table[2, 1] == 0.75
    with pytest.raises(KeyError, match="val_f1_up"):
        word_f1_history(HISTORY, ("yes", "up"))


def test_plot_word_f1_heat_map_rows_are_classes() -> None:
    figure = plot_word_f1(HISTORY, ("yes", "no", "unknown"), title="t")
    heat = figure.axes[0]
    assert [t.get_text() for t in heat.get_yticklabels()] == ["yes", "no", "unknown"]
    image = heat.get_images()[0].get_array()
    assert image.shape == (3, 3) and image[0, 2] == 1.0  # row yes, epoch 3
    curves = figure.axes[1]
    macro = [line for line in curves.get_lines() if line.get_label().startswith("macro")][0]
    np.testing.assert_allclose(macro.get_ydata(), [0.25, 0.55, 0.8])


def test_format_word_f1_rows_are_epochs() -> None:
    lines = format_word_f1(HISTORY, ("yes", "no")).splitlines()
    assert lines[0].split() == ["epoch", "yes", "no"]
    assert lines[1].split() == ["1", "0.00", "0.25"]
    assert lines[2].split() == ["2", "0.50", "-"]
    assert [line.split()[0] for line in format_word_f1(HISTORY, ("yes",), every=2).splitlines()[1:]] == ["1", "3"]


def test_mean_sd_uses_the_sample_standard_deviation() -> None:
    assert mean_sd([0.7, 0.9]) == pytest.approx((0.8, 0.1414213562))
    assert mean_sd(iter([0.5])) == (0.5, 0.0)
    with pytest.raises(ValueError, match="at least one"):
        mean_sd([])
