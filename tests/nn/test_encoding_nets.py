import keras
import numpy as np
import pytest

from phaselab.nn.baselines import cnn2d_mel
from phaselab.nn.cost import flops
from phaselab.nn.encoding_nets import encoding_cnn, encoding_model
from phaselab.nn.registry import build_model
from phaselab.signal.encodings import ENCODINGS


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_gets_the_same_body(encoding: str) -> None:
    model = encoding_model(encoding, samples=4096, n_classes=3, filters=(4, 8))
    assert model.output_shape == (None, 3)
    assert model.get_layer("conv_1").input.shape[1:] == (31, 64, 4)  # (frames - 1) // 2, (bins - 1) // 2
    assert model.get_layer("conv_1").count_params() == 3 * 3 * 4 * 8  # the body does not depend on the input
    assert flops(model) > flops(encoding_model(encoding, samples=2048, n_classes=3, filters=(4, 8)))
    probabilities = model.predict(np.random.default_rng(0).standard_normal((2, 4096)).astype(np.float32), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_unknown_encoding_and_empty_filters_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown encoding"):
        encoding_model("angle")
    with pytest.raises(ValueError, match="at least one filter"):
        encoding_model("if", filters=())


def test_an_encoding_model_saves_and_loads(tmp_path) -> None:
    model = encoding_model("mag_if", samples=4096, n_classes=2, filters=(4,))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    clip = np.random.default_rng(1).standard_normal((1, 4096)).astype(np.float32)
    np.testing.assert_allclose(loaded.predict(clip, verbose=0), model.predict(clip, verbose=0), atol=1e-6)


def test_the_encoding_cnn_on_magnitude_is_the_shipped_models_body() -> None:
    audio = np.random.default_rng(0).standard_normal((2, 16384)).astype("float32") * 0.1
    ours, shipped = encoding_cnn("magnitude"), cnn2d_mel()
    assert ours.count_params() == shipped.count_params() == 392368
    ours.set_weights(shipped.get_weights())  # same layers in the same order
    np.testing.assert_allclose(ours.predict(audio, verbose=0), shipped.predict(audio, verbose=0), atol=1e-5)


@pytest.mark.parametrize("encoding", ["phased", "cos_sin", "if", "mag_if", "group_delay"])
def test_every_encoding_cnn_has_about_the_same_parameters(encoding: str) -> None:
    model = build_model("enc-cnn", encoding=encoding)
    assert model.output.shape == (None, 12)
    assert abs(model.count_params() - 392368) < 0.01 * 392368


def test_the_phased_encoding_cnn_ignores_a_roll_of_the_phase_axis() -> None:
    """A global phase rotation by 2 pi k / P rolls the phased volume by k slices; the max over phase forgets it."""
    model = encoding_cnn("phased", filters=(4, 8))
    features = model.get_layer("features")
    body = keras.Model(model.get_layer("input_bn").input, model.output)
    volume = features(np.random.default_rng(1).standard_normal((2, 16384)).astype("float32") * 0.1)
    rolled = np.roll(np.asarray(volume), 3, axis=-1)
    np.testing.assert_allclose(body(rolled), body(volume), atol=1e-5)


def test_enc_cnn_refuses_unknown_arguments() -> None:
    with pytest.raises(ValueError, match="takes no argument colour"):
        build_model("enc-cnn", colour="red")
