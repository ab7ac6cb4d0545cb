"""phaselab.nn.cnn3d: the reference 3-D phase CNN and the small model."""

import keras
import numpy as np
import pytest

from phaselab.nn.cnn3d import cnn3d_small, phase_cnn3d
from phaselab.nn.cost import flops, format_table, summary_table

REFERENCE_SHAPES = {
    "features": (256, 129, 10),
    "conv3d_1": (127, 64, 10, 16),
    "conv3d_2": (63, 31, 10, 32),
    "conv3d_3": (61, 29, 10, 64),
    "conv3d_4": (59, 27, 10, 128),
    "conv3d_5": (59, 27, 12, 256),
    "bottleneck": (59, 27, 12, 128),
    "pool": (59, 9, 3, 128),
    "to_sequence": (59, 3456),
    "conv1d": (59, 32),
    "softmax": (12,),
}


@pytest.fixture(scope="module")
def reference() -> keras.Model:
    return phase_cnn3d()


def _submodel(model: keras.Model, start: str, end: str) -> keras.Model:
    """The part of ``model`` from the output of layer ``start`` to the output of layer ``end``."""
    return keras.Model(model.get_layer(start).output, model.get_layer(end).output)


def test_reference_reproduces_published_shapes_and_parameter_count(reference: keras.Model) -> None:
    for name, shape in REFERENCE_SHAPES.items():
        assert tuple(reference.get_layer(name).output.shape[1:]) == shape, name
    assert reference.count_params() == 1_563_736


@pytest.mark.parametrize("phase_conv", ["pad", "dft"])
def test_reference_convolutions_are_the_same_network_however_computed(
    phase_conv: str, reference: keras.Model, batch: np.ndarray
) -> None:
    """Every ``phase_conv``: same layer shapes, parameters and FLOPs; given the same weights, the same outputs."""
    other = phase_cnn3d(phase_conv=phase_conv)
    for name, shape in REFERENCE_SHAPES.items():
        assert tuple(other.get_layer(name).output.shape[1:]) == shape, name
    assert other.count_params() == reference.count_params()
    assert flops(other) == flops(reference)
    for layer in other.layers:
        if layer.weights:  # the padding layers of "pad" have none
            layer.set_weights(reference.get_layer(layer.name).get_weights())
    volume = 0.1 * np.random.default_rng(3).standard_normal((2, 256, 129, 10, 1)).astype(np.float32)
    for start, end, inputs in (("to_volume", "leaky_5", volume), ("audio", "softmax", batch)):
        want = _submodel(reference, start, end).predict(inputs, verbose=0)
        got = _submodel(other, start, end).predict(inputs, verbose=0)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_reference_computes_wide_convolutions_per_phase_frequency(reference: keras.Model) -> None:
    kinds = {f"conv3d_{i}": type(reference.get_layer(f"conv3d_{i}")).__name__ for i in range(1, 6)}
    assert kinds == {"conv3d_1": "Conv3D", "conv3d_2": "Conv3D", "conv3d_3": "CircularConv3D",
                     "conv3d_4": "CircularConv3D", "conv3d_5": "CircularConv3D"}
    with pytest.raises(ValueError, match="phase_conv"):
        phase_cnn3d(phase_conv="fft")


def test_reference_is_configurable() -> None:
    model = phase_cnn3d(samples=4096, n_classes=5, n_phases=6, width=0.5)
    assert tuple(model.get_layer("conv3d_1").output.shape[1:]) == (31, 64, 6, 8)
    assert tuple(model.get_layer("pool").output.shape[1:]) == (11, 9, 2, 64)
    assert tuple(model.output.shape) == (None, 5)


def test_reference_wraps_the_phase_axis(reference: keras.Model) -> None:
    """Rolling the features' phase axis rolls the first conv's output: a true wrap, not edge copies."""
    first = _submodel(reference, "to_volume", "conv3d_1")
    volume = np.random.default_rng(2).random((1, 256, 129, 10, 1)).astype(np.float32)
    out = first.predict(volume, verbose=0)
    rolled = first.predict(np.roll(volume, 3, axis=3), verbose=0)
    np.testing.assert_allclose(rolled, np.roll(out, 3, axis=3), atol=1e-5)


def test_small_model_is_invariant_to_global_phase_rotation(batch: np.ndarray) -> None:
    """Rotating every STFT value by 2 pi k / P rolls the phase axis by k: the stem output rolls
    with it (equivariance), the prediction does not change (invariance)."""
    model = cnn3d_small()
    features = model.get_layer("features")(batch).numpy()
    rotated = np.roll(features, 3, axis=-1)
    stem = _submodel(model, "features", "stem_2_relu")
    expected = np.roll(stem.predict(features, verbose=0), 3, axis=3)
    np.testing.assert_allclose(stem.predict(rotated, verbose=0), expected, atol=1e-4)
    head = _submodel(model, "features", "classifier")
    np.testing.assert_allclose(head.predict(rotated, verbose=0), head.predict(features, verbose=0), atol=1e-6)
    # end to end: negating the audio rotates every STFT value by pi, a roll by P / 2 = 5
    np.testing.assert_allclose(model.predict(-batch, verbose=0), model.predict(batch, verbose=0), atol=1e-6)


def test_small_model_with_edge_padding_is_not_invariant(batch: np.ndarray) -> None:
    """The original study's edge replication of the phase axis (chapter 04's exercise) breaks the invariance."""
    model = cnn3d_small(samples=4096, width=0.125, phase_padding="edge")
    assert type(model.get_layer("phase_pad_1")).__name__ == "EdgePad"
    features = model.get_layer("features")(batch[:, :4096]).numpy()
    head = _submodel(model, "features", "phase_pool")
    plain, rolled = head.predict(features, verbose=0), head.predict(np.roll(features, 3, axis=-1), verbose=0)
    assert np.max(np.abs(plain - rolled)) > 1e-3 * np.max(np.abs(plain))
    with pytest.raises(ValueError, match="phase_padding"):
        cnn3d_small(phase_padding="mirror")


def test_features_and_output_stay_float32_under_mixed_precision(batch: np.ndarray) -> None:
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = cnn3d_small(samples=4096)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert model.get_layer("stem_1").compute_dtype == "bfloat16"
    assert model.get_layer("features").compute_dtype == "float32"
    assert model.predict(batch[:, :4096], verbose=0).dtype == np.float32


def test_small_model_needs_a_tenth_of_the_reference_flops(reference: keras.Model) -> None:
    rows = summary_table([reference, cnn3d_small()])
    assert [row["name"] for row in rows] == ["cnn3d", "cnn3d-small"]
    assert rows[0]["params"] == 1_563_736
    # the five 3x3x3 convs alone, from the published shapes: 2 x positions x kernel weights
    convs = 2 * sum(
        np.prod(REFERENCE_SHAPES[f"conv3d_{i}"][:3]) * 27 * c_in * c_out
        for i, (c_in, c_out) in enumerate([(1, 16), (16, 32), (32, 64), (64, 128), (128, 256)], start=1)
    )
    assert convs < rows[0]["flops"] < 1.05 * convs
    assert 10 * rows[1]["flops"] <= rows[0]["flops"]
    assert "cnn3d-small" in format_table(rows)


def test_small_model_heads_and_masks_are_options() -> None:
    plain = cnn3d_small()
    heard = cnn3d_small(head="frequency", time_masks=2, freq_masks=2)
    assert plain.output_shape == heard.output_shape == (None, 12)
    _, _, positions, channels = heard.get_layer("pool_3").output.shape  # frequency positions and channels
    assert positions == 3 and plain.get_layer("classifier").kernel.shape == (channels, 12)
    assert heard.get_layer("classifier").kernel.shape == (positions * channels, 12)
    assert "spectral_masks" in [layer.name for layer in heard.layers]
    assert "spectral_masks" not in [layer.name for layer in plain.layers]
    with pytest.raises(ValueError, match="head"):
        cnn3d_small(head="flatten")
