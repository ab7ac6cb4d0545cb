import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from phaselab.nn.circular import CircularPad, EdgePad
from phaselab.nn.cnn3d import cnn3d_small
from phaselab.nn.features import PhasedSpectrogram, PhaseFeatures, Spectrogram
from phaselab.nn.masking import SpectralMasks
from phaselab.signal.encodings import (
    ENCODINGS,
    encoding_channels,
    phase_features,
    phased_spectrogram,
)
from phaselab.signal.stft import log_spectrogram, stft


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


def _trusted(clip: np.ndarray, encoding: str) -> np.ndarray:
    """Bins whose phase float32 resolves: |z| >= 0.01, with the neighbour a difference uses."""
    loud = np.abs(stft(clip)) >= 0.01
    if encoding in ("if", "mag_if"):
        loud[1:] &= loud[:-1]
    if encoding == "group_delay":
        loud[:, 1:] &= loud[:, :-1]
    return loud


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_phase_features_match_numpy(batch: np.ndarray, encoding: str) -> None:
    """Within 1e-4 of :func:`phase_features` on bins not within float32 round-off of 0.

    IF and group delay live on the circle [-1, 1): a value a hair from -1 in one
    implementation may come out a hair under 1 in the other, so their gap is circular.
    """
    out = PhaseFeatures(encoding)(batch).numpy()
    assert out.shape == (2, 256, 129, encoding_channels(encoding))
    assert PhaseFeatures(encoding).compute_output_shape((None, 16384)) == (None, 256, 129, encoding_channels(encoding))
    for clip, features in zip(batch, out):
        gap = np.abs(features - phase_features(clip, encoding))
        if encoding in ("if", "mag_if", "group_delay"):
            gap[..., -1] = np.abs((gap[..., -1] + 1) % 2 - 1)
        if encoding.startswith("mag") or encoding == "phased":
            assert gap[..., 0].max() < 1e-4  # magnitudes and the phased volume agree everywhere
        assert gap[_trusted(clip, encoding)].max() < 1e-4


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown encoding"):
        PhaseFeatures("angle")


def test_rotating_the_stft_rolls_the_phased_volume_and_leaves_if_alone(speech: np.ndarray) -> None:
    """Keras side of phase-shift invariance, through :meth:`PhaseFeatures.from_stft`.

    Multiplying every STFT value by e^{2 pi i k / P} rolls the phase axis by k; the
    frame-to-frame and bin-to-bin phase differences do not change at all.
    """
    spec = tf.signal.stft(speech[None], 256, 64, window_fn=tf.signal.hann_window, pad_end=True)
    k, p = 3, 10
    rotation = tf.constant(np.exp(2j * np.pi * k / p), tf.complex64)
    layer = PhaseFeatures("phased", n_phases=p)
    rolled = np.roll(keras.ops.convert_to_numpy(layer.from_stft(spec)), k, axis=-1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.from_stft(spec * rotation)), rolled, atol=1e-5)
    loud = _trusted(speech, "if")[None]
    for encoding in ("if", "group_delay"):
        layer = PhaseFeatures(encoding)
        gap = np.abs(keras.ops.convert_to_numpy(layer.from_stft(spec * rotation)) - keras.ops.convert_to_numpy(layer.from_stft(spec)))[..., 0]
        assert np.abs((gap + 1) % 2 - 1)[_trusted(speech, encoding)[None]].max() < 1e-4
    assert loud.mean() > 0.1  # the check covers a good share of the bins


def test_phase_features_save_and_load(tmp_path, batch: np.ndarray) -> None:
    inputs = keras.Input((16384,))
    features = PhaseFeatures("mag_if", frame_step=128, name="features")(inputs)
    outputs = keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(features))
    model = keras.Model(inputs, outputs)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    config = loaded.get_layer("features").get_config()
    assert config["encoding"] == "mag_if" and config["frame_step"] == 128
    np.testing.assert_allclose(loaded.predict(batch, verbose=0), model.predict(batch, verbose=0), atol=1e-6)


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


def test_cnn3d_small_is_invariant_to_rolling_the_phase_axis(batch: np.ndarray) -> None:
    """The model's body (every layer after its feature layer, up to the pooled embedding) ignores a roll."""
    keras.utils.set_random_seed(0)
    model = cnn3d_small(samples=16384, n_classes=3, width=0.25)
    layers = [layer.name for layer in model.layers]
    body = model.layers[layers.index("features") + 1 : layers.index("global_average") + 1]

    def embed(volume: np.ndarray) -> np.ndarray:
        x = volume
        for layer in body:
            x = layer(x)
        return np.asarray(x)

    features = model.get_layer("features")(batch).numpy()
    reference = embed(features)
    assert np.abs(reference[0] - reference[1]).max() > 1e-2 * np.abs(reference).max()  # the clips differ
    for k in (2, 5):
        np.testing.assert_allclose(embed(np.roll(features, k, axis=3)), reference, rtol=1e-4, atol=1e-5)


def _runs(flags: np.ndarray) -> list[int]:
    """Lengths of the runs of True in a 1-D boolean array."""
    edges = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
    return list(np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1))


def test_spectral_masks_zero_whole_bands_in_training_only() -> None:
    layer = SpectralMasks(time_masks=2, max_frames=10, freq_masks=2, max_bins=6, seed=3)
    x = np.random.default_rng(0).uniform(1.0, 2.0, (16, 64, 40, 3)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), x)
    y = keras.ops.convert_to_numpy(layer(x, training=True))
    zero = y == 0
    np.testing.assert_array_equal(y[~zero], x[~zero])
    assert (zero == zero[..., :1]).all()  # trailing axes masked alike
    masked = 0
    for example in zero[..., 0]:
        frames, bins = example.all(axis=1), example.all(axis=0)
        np.testing.assert_array_equal(example, frames[:, None] | bins[None, :])
        for flags, widest in ((frames, 10), (bins, 6)):
            runs = _runs(flags)
            assert len(runs) <= 2 and sum(runs) <= 2 * widest
        masked += int(frames.any()) + int(bins.any())
    assert masked >= 24  # most examples lose a band along each axis (a band may be 0 wide)


def test_spectral_masks_are_seeded_and_switch_off() -> None:
    x = np.ones((4, 32, 20), "float32")
    first = keras.ops.convert_to_numpy(SpectralMasks(seed=7)(x, training=True))
    again = keras.ops.convert_to_numpy(SpectralMasks(seed=7)(x, training=True))
    np.testing.assert_array_equal(first, again)
    off = SpectralMasks(time_masks=0, freq_masks=0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(off(x, training=True)), x)
    config = SpectralMasks(1, 5, 3, 4, seed=2).get_config()
    assert {k: config[k] for k in ("time_masks", "max_frames", "freq_masks", "max_bins", "seed")} == {
        "time_masks": 1, "max_frames": 5, "freq_masks": 3, "max_bins": 4, "seed": 2}
    with pytest.raises(ValueError, match="max_bins"):
        SpectralMasks(max_bins=-1)


def test_integer_pcm_is_scaled_as_a_wav_file_means_it(batch: np.ndarray) -> None:
    pcm = np.round(batch * 32767).astype(np.int16)
    expected = PhasedSpectrogram()(pcm.astype(np.float32) / 32768).numpy()
    np.testing.assert_allclose(PhasedSpectrogram()(pcm).numpy(), expected, atol=1e-6)
    inputs = keras.Input((batch.shape[1],), dtype="int16")
    model = keras.Model(inputs, Spectrogram()(inputs))
    np.testing.assert_allclose(model.predict(pcm, verbose=0), Spectrogram()(pcm / 32768).numpy(), atol=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    (dict(frame_step=0), "0 < frame_step <= frame_length"),
    (dict(frame_length=256.5), "frame_length must be a whole number"),
    (dict(n_phases=0), "n_phases must be a whole number of at least 1, got 0"),
    (dict(n_phases=2.5), "n_phases must be a whole number of at least 1, got 2.5"),
])
def test_bad_layer_settings_are_refused_when_the_layer_is_made(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        PhasedSpectrogram(**kwargs)


@pytest.mark.parametrize("layer", [Spectrogram, PhasedSpectrogram, PhaseFeatures])
def test_a_wrong_input_rank_is_refused_with_a_message_that_says_so(layer: type) -> None:
    with pytest.raises(ValueError, match=r"shape \(batch, samples\), got shape \(None, 16384, 1\)"):
        layer()(keras.Input((16384, 1)))
    with pytest.raises(ValueError, match=r"got shape \(16384,\)"):
        layer()(np.zeros(16384, np.float32))


@pytest.mark.parametrize("encoding", ["magnitude", "phased", "cos_sin", "if", "mag_if", "group_delay"])
def test_phase_features_pooled_onto_mel_bands(encoding: str) -> None:
    """Magnitude pooled as the MelSpectrogram; phase channels as |z|-weighted band means, in the same range."""
    from phaselab.nn.features import MelSpectrogram

    audio = np.random.default_rng(2).standard_normal((2, 16384)).astype("float32") * 0.1
    pooled = np.asarray(PhaseFeatures(encoding, 400, 160, 512, n_mels=40)(audio))
    assert pooled.shape == (2, 103, 40, encoding_channels(encoding))
    mel = np.asarray(MelSpectrogram(400, 160, 512, n_mels=40)(audio))
    if encoding in ("magnitude", "mag_if"):
        np.testing.assert_allclose(pooled[..., 0], mel, rtol=1e-5, atol=1e-6)
    if encoding in ("cos_sin", "if", "mag_if", "group_delay"):
        phase = pooled[..., -1]
        assert np.abs(phase).max() <= 1.0 + 1e-5 and phase.std() > 0.01


def test_pooled_phase_features_survive_saving(tmp_path) -> None:
    layer = PhaseFeatures("mag_if", 400, 160, 512, n_mels=32)
    again = PhaseFeatures.from_config(layer.get_config())
    audio = np.random.default_rng(3).standard_normal((1, 16384)).astype("float32")
    np.testing.assert_allclose(again(audio), layer(audio))
