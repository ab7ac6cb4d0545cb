"""phaselab.training.callbacks: averaged weights, epoch checkpoints, the non-finite loss stop, validation scores."""

import math
from pathlib import Path

import keras
import numpy as np
import pytest
from scores_example import CLASSES, F1, MACRO, PRED, TRUE

from phaselab.training.callbacks import (
    AveragedWeights,
    EpochCheckpoint,
    ValidationScores,
)
from phaselab.training.losses import damped_log_loss


def test_averaged_weights_are_scored_and_training_goes_on_with_the_raw_ones() -> None:
    import numpy as np

    class Spy(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self.seen = [keras.ops.convert_to_numpy(v).copy() for v in self.model.trainable_variables]
            logs["spied"] = 1.0

    class After(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self.logs = dict(logs)
            optimizer = self.model.optimizer
            self.raw = [keras.ops.convert_to_numpy(v).copy() for v in self.model.trainable_variables]
            self.average = [keras.ops.convert_to_numpy(v).copy() for v in optimizer._model_variables_moving_average]

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5), loss="mse")
    x = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
    y = np.ones((8, 2), np.float32)
    spy, after = Spy(), After()
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False, callbacks=[AveragedWeights([spy]), after])
    assert after.logs["spied"] == 1.0  # the wrapped callbacks share the logs
    for seen, average, raw in zip(spy.seen, after.average, after.raw):
        np.testing.assert_array_equal(seen, average)  # scored: the average
        assert not np.allclose(average, raw)  # training went on with the raw weights
    for final, average in zip(model.trainable_variables, after.average):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(final), average)  # fit ends with the average
    with pytest.raises(ValueError, match="use_ema=True"):
        plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        plain.compile(optimizer="sgd", loss="mse")
        plain.fit(x, y, epochs=1, verbose=0, callbacks=[AveragedWeights([])])


def test_checkpoint_restores_weights_and_optimizer(tmp_path: Path) -> None:
    import numpy as np

    def make() -> keras.Model:
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile(optimizer="adam", loss="mse")
        return model

    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    model = make()
    checkpoint = EpochCheckpoint(tmp_path / "backup")
    model.fit(x, y, epochs=3, verbose=0, callbacks=[checkpoint])
    assert sorted(p.name for p in (tmp_path / "backup").iterdir()) == ["epoch-0003.weights.h5", "state.json"]
    fresh = make()
    assert EpochCheckpoint(tmp_path / "backup").restore(fresh) == 3
    for a, b in zip(model.weights + model.optimizer.variables, fresh.weights + fresh.optimizer.variables):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    assert EpochCheckpoint(tmp_path / "none").restore(make()) == 0


def test_checkpoint_refuses_a_model_it_does_not_fit(tmp_path: Path) -> None:
    import numpy as np

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32), epochs=1, verbose=0,
              callbacks=[EpochCheckpoint(tmp_path / "backup")])
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(2)])
    other.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="does not fit the model"):
        EpochCheckpoint(tmp_path / "backup").restore(other)


def test_a_non_finite_loss_stops_training_at_its_batch_before_anything_is_saved(tmp_path: Path) -> None:
    import numpy as np

    from phaselab.training.callbacks import NonFiniteLoss, StopOnNonFiniteLoss

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((12, 3), np.float32)
    x[9] = np.nan  # the third batch of four
    y = np.zeros((12, 2), np.float32)
    checkpoint = EpochCheckpoint(tmp_path / "backup")
    with pytest.raises(NonFiniteLoss, match="run: the training loss became nan at epoch 1, batch 3"):
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0,
                  callbacks=[StopOnNonFiniteLoss("run"), checkpoint])
    assert not (tmp_path / "backup").exists()  # the broken epoch was not backed up
    fresh = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])  # the first one's weights are NaN now
    fresh.compile(optimizer="sgd", loss="mse")
    fresh.fit(x[:8], y[:8], batch_size=4, epochs=1, verbose=0, callbacks=[StopOnNonFiniteLoss("run")])  # finite: trains


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
