import math
import os

import keras
import numpy as np
import pytest

from phaselab.nn.cost import (
    SPEECH_COMMANDS_CLIPS,
    TRAIN_SHARE,
    activation_bytes,
    describe_machine,
    flops,
    full_run_hours,
    largest_batch,
    training_memory,
    training_rate,
)


def tiny_model(compiled: bool = True) -> keras.Model:
    audio = keras.Input((64,), name="audio")
    x = keras.layers.Reshape((64, 1))(audio)
    x = keras.layers.Conv1D(4, 3, padding="same")(x)  # (64, 4)
    x = keras.layers.GlobalAveragePooling1D()(x)  # (4,)
    model = keras.Model(audio, keras.layers.Dense(3, activation="softmax")(x))
    if compiled:
        model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def test_activation_bytes_counts_every_layer_output_by_hand() -> None:
    # input 64 + reshape 64 + conv 256 + pool 4 + dense 3 = 391 float32 values per clip
    assert activation_bytes(tiny_model(False)) == 391 * 4


def test_training_memory_and_largest_batch_agree() -> None:
    model = tiny_model(False)
    params = model.count_params()  # conv 4*3+4 = 16, dense 4*3+3 = 15
    assert params == 31
    assert training_memory(model, 10) == 10 * 391 * 4 + 16 * 31
    batch = largest_batch(model, 1e6, headroom=0.5)
    assert training_memory(model, batch) <= 0.5e6 < training_memory(model, batch + 1)
    assert largest_batch(model, 100) == 0
    with pytest.raises(ValueError, match="batch_size"):
        training_memory(model, 0)


def test_training_rate_is_clips_per_second_and_trains() -> None:
    model = tiny_model()
    before = [w.copy() for w in model.get_weights()]
    rate = training_rate(model, batch_size=8, steps=2)
    assert math.isfinite(rate) and rate > 0
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    with pytest.raises(ValueError, match="compile"):
        training_rate(tiny_model(False), batch_size=8)


def test_full_run_hours() -> None:
    clips = TRAIN_SHARE * SPEECH_COMMANDS_CLIPS["v0.01"]
    assert full_run_hours(clips / 3600, epochs=10) == pytest.approx(10.0)
    assert full_run_hours(100.0, epochs=1, version="v0.02") == pytest.approx(0.8 * 105_829 / 100 / 3600)
    with pytest.raises(ValueError, match="release"):
        full_run_hours(1.0, version="v3")
    with pytest.raises(ValueError, match="positive"):
        full_run_hours(0.0)


def test_machine_line_names_cores_gpus_and_backend() -> None:
    import tensorflow as tf

    line = describe_machine()
    cores = len(os.sched_getaffinity(0))
    assert f", {cores} cores; GPU: " in line and line.endswith(f"TensorFlow {tf.__version__}")


def test_flops_of_a_hand_checked_model() -> None:
    inputs = keras.Input((10, 10, 4, 1))
    x = keras.layers.Conv3D(2, 3, strides=(2, 2, 1))(inputs)  # (4, 4, 2, 2) outputs, 27 MACs each
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Reshape((16, 4))(x)
    x = keras.layers.SeparableConv1D(6, 3, padding="same")(x)  # 16 positions x (3 x 4 + 4 x 6) MACs
    x = keras.layers.Dense(5)(keras.layers.Flatten()(x))  # 96 x 5 MACs
    model = keras.Model(inputs, x)
    assert flops(model) == 2 * (64 * 27 + 16 * (12 + 24) + 96 * 5)


def test_flops_refuses_layers_it_cannot_count() -> None:
    inputs = keras.Input((4,), dtype="int32")
    model = keras.Model(inputs, keras.layers.Embedding(10, 3)(inputs))
    with pytest.raises(TypeError, match="Embedding"):
        flops(model)
