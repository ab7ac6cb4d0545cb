import keras
import numpy as np
import pytest
import tensorflow as tf

from phaselab.circular_conv import CircularConv3D, phase_dft_matrices
from phaselab.layers import CircularPad

CASES = [  # phases, kernel_size, strides, padding
    (10, 3, 1, "valid"),
    (10, 3, (2, 2), "valid"),
    (10, 3, 1, "same"),  # the reference model's fifth conv: 12 output slices
    (7, (3, 2, 5), (1, 2), "same"),  # odd P: no real Nyquist bin; wider phase kernel
    (6, (2, 3, 3), (2, 1), "valid"),
    (5, (1, 1, 5), 1, "same"),  # phase kernel as long as the axis
]


def _direct(layer: CircularConv3D, input_shape: tuple) -> keras.Sequential:
    """CircularPad + Conv3D with ``layer``'s weights."""
    conv = keras.layers.Conv3D(layer.filters, layer.kernel_size, strides=(*layer.strides, 1), padding=layer.padding)
    model = keras.Sequential([keras.Input(input_shape[1:]), CircularPad(3, layer.kernel_size[2] // 2), conv])
    conv.set_weights(layer.get_weights())
    return model


@pytest.mark.parametrize("phases, kernel_size, strides, padding", CASES)
def test_same_function_and_gradients_as_circular_pad_and_conv3d(phases, kernel_size, strides, padding):
    rng = np.random.default_rng(phases)
    x = tf.constant(rng.standard_normal((2, 9, 8, phases, 3)).astype(np.float32))
    layer = CircularConv3D(4, kernel_size, strides, padding, bias_initializer="random_normal")
    layer.build(x.shape)
    direct = _direct(layer, x.shape)

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
