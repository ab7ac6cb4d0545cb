"""phaselab.nn.registry: building every model by name."""

import keras
import numpy as np
import pytest

from phaselab.nn.registry import MODEL_NAMES, build_model


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_saved_model_predicts_the_same(name: str, batch: np.ndarray, tmp_path) -> None:
    model = build_model(name)
    assert model.name == name
    before = model.predict(batch, verbose=0)
    assert before.shape == (2, 12)
    np.testing.assert_allclose(before.sum(axis=1), 1.0, rtol=1e-5)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    np.testing.assert_array_equal(keras.models.load_model(path).predict(batch, verbose=0), before)


def test_build_model_refuses_unknown_names() -> None:
    with pytest.raises(ValueError, match="cnn3d-small"):
        build_model("resnet")
