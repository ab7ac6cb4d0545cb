import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from circular_conv_cases import CASES, direct_conv

from phaselab.nn.circular import (
    CircularConv3D,
    CircularPad,
    EdgePad,
    phase_dft_matrices,
)
from phaselab.signal.encodings import phased_spectrogram


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


def test_circular_pad_wraps_around() -> None:
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    out = CircularPad(axis=-1, width=1)(x).numpy()
    np.testing.assert_array_equal(out[..., 0], x[..., 3])
    np.testing.assert_array_equal(out[..., -1], x[..., 0])
    np.testing.assert_array_equal(out[..., 1:-1], x)
    assert CircularPad(axis=1, width=(2, 0))(x).shape == (2, 5, 4)


def test_edge_pad_repeats_the_end_slices_and_saves(tmp_path) -> None:
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    out = EdgePad(axis=-1, width=(1, 2))(x).numpy()
    np.testing.assert_array_equal(out[..., 0], x[..., 0])
    np.testing.assert_array_equal(out[..., -2:], x[..., [3, 3]])
    np.testing.assert_array_equal(out[..., 1:-2], x)
    model = keras.Sequential([keras.Input((3, 4)), EdgePad(axis=2, width=1)])
    model.save(tmp_path / "edge.keras")
    np.testing.assert_array_equal(keras.models.load_model(tmp_path / "edge.keras")(x).numpy(), model(x).numpy())


def test_circular_pad_then_valid_conv_commutes_with_rolling() -> None:
    """Rolling the input along the phase axis rolls the output of CircularPad + a 'valid' conv."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 7, 10, 3)).astype(np.float32)  # (batch, time, freq, phase, channels)
    model = keras.Sequential(
        [keras.Input((5, 7, 10, 3)), CircularPad(axis=3, width=1), keras.layers.Conv3D(4, 3, padding="valid")]
    )
    out = model(x).numpy()
    for k in (1, 4):
        np.testing.assert_allclose(model(np.roll(x, k, axis=3)).numpy(), np.roll(out, k, axis=3), atol=1e-5)


def test_edge_replication_would_break_the_roll_property() -> None:
    """The original study's padding (first slice in front, last behind) is not equivariant."""
    rng = np.random.default_rng(1)
    x = tf.constant(rng.standard_normal((1, 10, 1)).astype(np.float32))

    def original_pad(t: tf.Tensor) -> tf.Tensor:
        return tf.concat([t[:, :1], t, t[:, -1:]], axis=1)

    kernel = tf.constant(rng.standard_normal((3, 1, 1)).astype(np.float32))
    conv = lambda t: tf.nn.conv1d(t, kernel, 1, "VALID").numpy()  # noqa: E731
    rolled = lambda t, k: tf.roll(t, k, axis=1)  # noqa: E731
    assert not np.allclose(conv(original_pad(rolled(x, 2))), np.roll(conv(original_pad(x)), 2, axis=1))
    wrap = CircularPad(axis=1)
    np.testing.assert_allclose(conv(wrap(rolled(x, 2))), np.roll(conv(wrap(x)), 2, axis=1), atol=1e-6)


def test_circular_pad_refuses_unknown_or_small_axis() -> None:
    with pytest.raises(ValueError, match="wrap"):
        CircularPad(axis=1, width=5)(np.zeros((1, 3), np.float32))
    with pytest.raises(ValueError, match="non-negative"):
        CircularPad(axis=1, width=(-1, 1))


def _phase_pooled(padding: str) -> keras.Model:
    """Two Conv3D along (time, freq, phase), then a max over the phase axis.

    ``padding="circular"``: each conv is 'valid' after a one-slice wrap of the phase axis;
    ``"zero"``: 'same' convs, which pad the phase axis with zeros.
    """
    x = volume = keras.Input((32, 20, 10, 1))
    for _ in range(2):
        if padding == "circular":
            x = keras.layers.Conv3D(4, 3, padding="valid", activation="relu")(CircularPad(axis=3, width=1)(x))
        else:
            x = keras.layers.Conv3D(4, 3, padding="same", activation="relu")(x)
    return keras.Model(volume, keras.ops.max(x, axis=3))


def test_circular_convs_then_phase_pooling_are_invariant_to_rolling_the_phase(speech: np.ndarray) -> None:
    """Rolling the phased volume's phase axis (= rotating every STFT value by 2 pi k / P) leaves the output unchanged.

    Zero 'same' padding in place of the wrap is not invariant: the check can fail.
    """
    keras.utils.set_random_seed(0)
    volume = phased_spectrogram(speech)[40:72, :20, :, None][None]  # (1, 32, 20, 10, 1)
    circular, zero_padded = _phase_pooled("circular"), _phase_pooled("zero")
    reference = circular(volume).numpy()
    for k in (1, 3, 7):
        rolled = np.roll(volume, k, axis=3)
        np.testing.assert_allclose(circular(rolled).numpy(), reference, rtol=1e-5, atol=1e-5)
    assert np.abs(zero_padded(np.roll(volume, 3, axis=3)).numpy() - zero_padded(volume).numpy()).max() > 1e-3
