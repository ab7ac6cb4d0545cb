"""phaselab.training.losses: the damped log loss and the loss lookup."""

import math

import keras
import numpy as np
import pytest

from phaselab.training.losses import damped_log_loss, get_loss


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
