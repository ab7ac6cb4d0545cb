"""Cases for the CircularConv3D tests, and a check of one training step that runs on any Keras backend.

Run as a script (``KERAS_BACKEND=jax python tests/helpers/circular_conv_cases.py``) it trains
``CircularConv3D`` and ``CircularPad`` + ``Conv3D`` with the same weights for one SGD step
on every case and fails unless outputs and updated weights agree; the test module runs it
in a fresh process for each installed backend, since Keras picks its backend once per process.
"""

from __future__ import annotations

import keras
import numpy as np

from phaselab.nn.circular import CircularConv3D, CircularPad

CASES = [  # phases, kernel_size, strides, padding
    (10, 3, 1, "valid"),
    (10, 3, (2, 2), "valid"),
    (10, 3, 1, "same"),  # the reference model's fifth conv: 12 output slices
    (7, (3, 2, 5), (1, 2), "same"),  # odd P: no real Nyquist bin; wider phase kernel
    (6, (2, 3, 3), (2, 1), "valid"),
    (5, (1, 1, 5), 1, "same"),  # phase kernel as long as the axis
]


def direct_conv(layer: CircularConv3D, input_shape: tuple) -> keras.Sequential:
    """CircularPad + Conv3D with ``layer``'s weights."""
    conv = keras.layers.Conv3D(layer.filters, layer.kernel_size, strides=(*layer.strides, 1), padding=layer.padding)
    model = keras.Sequential([keras.Input(input_shape[1:]), CircularPad(3, layer.kernel_size[2] // 2), conv])
    conv.set_weights(layer.get_weights())
    return model


def one_step_difference(phases: int, kernel_size, strides, padding: str) -> float:
    """Largest relative difference of outputs and of weights after one SGD step, ours vs direct."""
    rng = np.random.default_rng(phases)
    x = rng.standard_normal((2, 9, 8, phases, 3)).astype(np.float32)
    layer = CircularConv3D(4, kernel_size, strides, padding, bias_initializer="random_normal")
    ours = keras.Sequential([keras.Input(x.shape[1:]), layer])
    direct = direct_conv(layer, x.shape)
    want = keras.ops.convert_to_numpy(direct(x))
    worst = np.abs(keras.ops.convert_to_numpy(ours(x)) - want).max() / np.abs(want).max()
    target = rng.standard_normal(want.shape).astype(np.float32)
    for model in (ours, direct):
        model.compile(keras.optimizers.SGD(0.1), "mse")
        model.fit(x, target, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    for got, expected in zip(layer.get_weights(), direct.layers[-1].get_weights()):
        worst = max(worst, np.abs(got - expected).max() / np.abs(expected).max())
    return float(worst)


if __name__ == "__main__":
    differences = [one_step_difference(*case) for case in CASES]
    print(keras.backend.backend(), max(differences))
    assert max(differences) < 1e-4, differences
