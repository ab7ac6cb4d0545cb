import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from phaselab.nn.circular import CircularPad
from phaselab.nn.cnn3d import cnn3d_small
from phaselab.nn.features import PhasedSpectrogram, PhaseFeatures, Spectrogram
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


@pytest.mark.parametrize("reference", ["centre", "start"])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_phase_features_match_numpy(batch: np.ndarray, encoding: str, reference: str) -> None:
    """Within 1e-4 of :func:`phase_features` on bins not within float32 round-off of 0, under either phase reference.

    IF and group delay live on the circle [-1, 1): a value a hair from -1 in one
    implementation may come out a hair under 1 in the other, so their gap is circular.
    """
    out = PhaseFeatures(encoding, phase_reference=reference)(batch).numpy()
    assert out.shape == (2, 256, 129, encoding_channels(encoding))
    assert PhaseFeatures(encoding).compute_output_shape((None, 16384)) == (None, 256, 129, encoding_channels(encoding))
    for clip, features in zip(batch, out):
        gap = np.abs(features - phase_features(clip, encoding, reference=reference))
        if encoding in ("if", "mag_if", "group_delay"):
            gap[..., -1] = np.abs((gap[..., -1] + 1) % 2 - 1)
        if encoding.startswith("mag") or encoding in ("phased", "complex"):
            assert gap[..., 0].max() < 1e-4  # magnitudes, the phased volume and log|z|-scaled parts agree everywhere
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


@pytest.mark.parametrize("encoding", ["if", "mag_if", "group_delay"])
def test_if_and_group_delay_do_not_depend_on_the_phase_reference(batch: np.ndarray, encoding: str) -> None:
    centre = PhaseFeatures(encoding, 400, 160, 512)(batch).numpy()
    start = PhaseFeatures(encoding, 400, 160, 512, phase_reference="start")(batch).numpy()
    gap = np.abs((np.abs(centre - start)[..., -1] + 1) % 2 - 1)
    loud = np.stack([np.abs(stft(clip, 400, 160, 512)) >= 0.01 for clip in batch])  # float32 resolves their phase
    loud[:, 1:] &= loud[:, :-1]
    loud[:, :, 1:] &= loud[:, :, :-1]
    assert gap[loud].max() < 1e-4 and loud.mean() > 0.1
    pooled = [PhaseFeatures(encoding, 400, 160, 512, n_mels=40, phase_reference=r)(batch).numpy() for r in ("centre", "start")]
    assert np.median(np.abs(pooled[0] - pooled[1])) < 1e-5  # the pooled means weight quiet bins by |z|


def test_mel_pooled_cos_sin_keeps_the_phase_only_with_the_centre_reference() -> None:
    """On a real recording, the pooled (cos, sin) of a loud band has length near 1 under the default reference."""
    from phaselab.paths import data_dir
    from phaselab.signal.audio import read_wav
    from phaselab.signal.bands import mel_filterbank

    marvin = read_wav(data_dir() / "samples" / "marvin.wav", length=16384)[None]
    energy = np.abs(stft(marvin[0], 400, 160, 512)) @ mel_filterbank(40, 512)
    loud = energy >= np.quantile(energy, 0.8)
    lengths = {}
    for reference in ("centre", "start"):
        pooled = PhaseFeatures("cos_sin", 400, 160, 512, n_mels=40, phase_reference=reference)(marvin).numpy()[0]
        lengths[reference] = float(np.median(np.hypot(pooled[..., 0], pooled[..., 1])[loud]))
    assert lengths["centre"] >= 0.7 and lengths["start"] < 0.3, lengths


def test_phase_reference_is_saved_with_the_layer() -> None:
    layer = PhaseFeatures("cos_sin", phase_reference="start")
    assert PhaseFeatures.from_config(layer.get_config()).phase_reference == "start"
    assert PhasedSpectrogram.from_config(PhasedSpectrogram(phase_reference="start").get_config()).phase_reference == "start"
    with pytest.raises(ValueError, match="reference must be"):
        PhaseFeatures("cos_sin", phase_reference="middle")


@pytest.mark.parametrize("encoding", ["magnitude", "phased", "cos_sin", "if", "mag_if", "group_delay", "complex"])
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
