import keras
import numpy as np
import pytest
import tensorflow as tf

from phaselab.layers import CircularPad, PhasedSpectrogram, Spectrogram
from phaselab.phase import phased_spectrogram
from phaselab.stft import log_spectrogram, stft


@pytest.fixture(scope="module")
def batch(speech: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(0)
    shifted = np.roll(speech, 3000) * 0.5 + 0.01 * rng.standard_normal(len(speech)).astype(np.float32)
    return np.stack([speech, shifted]).astype(np.float32)


def test_spectrogram_matches_numpy(batch: np.ndarray) -> None:
    out = Spectrogram()(batch).numpy()
    assert out.shape == (2, 256, 129)
    for clip, features in zip(batch, out):
        assert np.abs(features - log_spectrogram(clip)).max() < 1e-4


@pytest.mark.parametrize("kernel", ["chord", "von_mises", "wrapped_gaussian"])
@pytest.mark.parametrize("mode", ["stacked", "channels"])
def test_phased_spectrogram_matches_numpy(batch: np.ndarray, kernel: str, mode: str) -> None:
    """Every value agrees to 1e-4, except the kernel channels of bins within float32 round-off of 0.

    A float32 STFT is exact to about 1e-6 of the clip's peak bin, so the phase (and the
    kernel values) of bins under |z| = 0.01 is arbitrary in any float32 implementation; the
    stacked volume multiplies them by log(1 + |z|) and agrees everywhere.
    """
    out = PhasedSpectrogram(kernel=kernel, mode=mode)(batch).numpy()
    assert out.shape == (2, 256, 129, 10 if mode == "stacked" else 11)
    for clip, features in zip(batch, out):
        difference = np.abs(features - phased_spectrogram(clip, kernel=kernel, mode=mode))
        if mode == "channels":
            assert difference[..., 0].max() < 1e-4
            difference = difference[np.abs(stft(clip)) >= 0.01]
        assert difference.max() < 1e-4


def test_output_shapes_are_declared() -> None:
    assert Spectrogram(512, 128).compute_output_shape((None, 16000)) == (None, 125, 257)
    layer = PhasedSpectrogram(n_phases=6, mode="channels")
    assert layer.compute_output_shape((None, 16384)) == (None, 256, 129, 7)


def test_bad_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        PhasedSpectrogram(mode="cube")


def test_circular_pad_wraps_around() -> None:
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    out = CircularPad(axis=-1, width=1)(x).numpy()
    np.testing.assert_array_equal(out[..., 0], x[..., 3])
    np.testing.assert_array_equal(out[..., -1], x[..., 0])
    np.testing.assert_array_equal(out[..., 1:-1], x)
    assert CircularPad(axis=1, width=(2, 0))(x).shape == (2, 5, 4)


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


def test_model_with_the_layers_saves_and_loads(tmp_path, batch: np.ndarray) -> None:
    inputs = keras.Input((16384,))
    phased = PhasedSpectrogram(n_phases=6, kernel="von_mises", mode="stacked")(inputs)
    padded = CircularPad(axis=3, width=1)(keras.layers.Reshape((256, 129, 6, 1))(phased))
    pooled = keras.layers.GlobalAveragePooling3D()(keras.layers.Conv3D(2, 3)(padded))
    spectral = keras.layers.GlobalAveragePooling1D()(Spectrogram(frame_step=128)(inputs))
    outputs = keras.layers.Dense(3)(keras.layers.Concatenate()([pooled, spectral]))
    model = keras.Model(inputs, outputs)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.layers[1].get_config()["kernel"] == "von_mises"
    np.testing.assert_allclose(loaded.predict(batch, verbose=0), model.predict(batch, verbose=0), atol=1e-6)
