import keras
import numpy as np
import pytest

from phaselab.encoding_models import encoding_model
from phaselab.models import flops
from phaselab.phase import ENCODINGS


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
