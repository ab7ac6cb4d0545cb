import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from circular_conv_cases import CASES, direct_conv

from phaselab.nn.circular import CircularConv3D, phase_dft_matrices


@pytest.mark.parametrize("phases, kernel_size, strides, padding", CASES)
def test_same_function_and_gradients_as_circular_pad_and_conv3d(phases, kernel_size, strides, padding):
    rng = np.random.default_rng(phases)
    x = tf.constant(rng.standard_normal((2, 9, 8, phases, 3)).astype(np.float32))
    layer = CircularConv3D(4, kernel_size, strides, padding, bias_initializer="random_normal")
    layer.build(x.shape)
    direct = direct_conv(layer, x.shape)

    def output_and_gradients(fn, weights):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
            loss = tf.reduce_sum(tf.square(y))
        return [y, *tape.gradient(loss, [x, *weights])]

    got = output_and_gradients(layer, layer.trainable_variables)
    want = output_and_gradients(direct, direct.layers[-1].trainable_variables)
    assert got[0].shape == want[0].shape == layer.compute_output_shape(x.shape)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-4, atol=1e-4 * np.abs(w.numpy()).max())


@pytest.mark.parametrize("phases, kernel_size, strides, padding", [c for c in CASES if c[3] == "valid"])
def test_the_folded_form_is_the_same_function_and_gradients(phases, kernel_size, strides, padding):
    """method="fold" (one 2D convolution over every phase slice) against CircularPad + Conv3D."""
    rng = np.random.default_rng(phases + 1)
    x = tf.constant(rng.standard_normal((2, 9, 8, phases, 3)).astype(np.float32))
    layer = CircularConv3D(4, kernel_size, strides, padding, bias_initializer="random_normal", method="fold")
    layer.build(x.shape)
    direct = direct_conv(layer, x.shape)
    for variable, weight in zip(direct.layers[-1].trainable_variables, layer.get_weights()):
        variable.assign(weight)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        got, want = layer(x), direct(x)
        losses = [tf.reduce_sum(tf.square(y)) for y in (got, want)]
    assert got.shape == want.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-4 * np.abs(want.numpy()).max())
    for g, w in zip(tape.gradient(losses[0], [x, layer.kernel]), tape.gradient(losses[1], [x, direct.layers[-1].kernel])):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-4, atol=1e-4 * np.abs(w.numpy()).max())


def test_the_folded_form_computes_valid_padding_only():
    with pytest.raises(ValueError, match="'valid' padding only"):
        CircularConv3D(4, 3, padding="same", method="fold")
    with pytest.raises(ValueError, match="method must be"):
        CircularConv3D(4, 3, method="fast")


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_one_training_step_matches_circular_pad_and_conv3d_on_each_installed_backend(backend):
    """Written in ``keras.ops`` only, the layer must train the same on every backend (GPU users may run JAX)."""
    pytest.importorskip(backend)
    script = Path(__file__).resolve().parents[1] / "helpers" / "circular_conv_cases.py"
    done = subprocess.run([sys.executable, str(script)], env={**os.environ, "KERAS_BACKEND": backend},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[0] == backend


def test_valid_output_rolls_with_the_input():
    """The phase axis is a circle: rolling the input's phase slices rolls the output's."""
    x = np.random.default_rng(1).standard_normal((1, 6, 5, 8, 2)).astype(np.float32)
    layer = CircularConv3D(3, 3)
    np.testing.assert_allclose(layer(np.roll(x, 3, axis=3)), np.roll(layer(x), 3, axis=3), atol=1e-5)


def test_dft_matrices_match_numpy_and_invert():
    analysis, synthesis, kernel_cos, kernel_sin = phase_dft_matrices(10, 3)
    x = np.random.default_rng(2).standard_normal((4, 10))
    spectrum = np.fft.rfft(x)
    np.testing.assert_allclose(x @ analysis, np.concatenate([spectrum.real, spectrum.imag], axis=1), atol=1e-12)
    np.testing.assert_allclose(x @ analysis @ synthesis, x, atol=1e-12)
    # kernel taps (w_-1, w_0, w_1) correlate: W_k = sum_d w_d exp(+2 pi i k d / P)
    taps = np.array([0.5, -1.0, 2.0])
    expected = np.conj(np.fft.rfft(np.roll(np.pad(taps, (0, 7)), -1)))
    np.testing.assert_allclose(kernel_cos @ taps + 1j * (kernel_sin @ taps), expected, atol=1e-12)


def test_saves_and_loads(tmp_path):
    model = keras.Sequential([keras.Input((6, 5, 4, 2)), CircularConv3D(3, (3, 3, 3), strides=(1, 2), padding="same")])
    x = np.random.default_rng(3).standard_normal((2, 6, 5, 4, 2)).astype(np.float32)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.layers[0].get_config() == model.layers[0].get_config()
    np.testing.assert_allclose(loaded(x), model(x), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, shape, message",
    [
        ({"kernel_size": (3, 3, 2)}, (1, 5, 5, 4, 1), "odd phase size"),
        ({"strides": (1, 1, 1)}, (1, 5, 5, 4, 1), "time and frequency only"),
        ({"padding": "causal"}, (1, 5, 5, 4, 1), "'valid' or 'same'"),
        ({"kernel_size": (1, 1, 5)}, (1, 5, 5, 4, 1), "does not fit 4 phase slices"),
    ],
)
def test_rejects_what_it_cannot_compute(kwargs, shape, message):
    with pytest.raises(ValueError, match=message):
        CircularConv3D(2, **kwargs)(np.zeros(shape, np.float32))
