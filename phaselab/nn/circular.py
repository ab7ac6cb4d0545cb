"""The phase axis wraps around: circular padding layers, and a circular 3D convolution computed per phase frequency.

:class:`CircularPad` pads the phase axis of a ``(batch, time, frequency, phase, channels)`` volume
with a true wrap-around (and :class:`EdgePad` by repeating the edge, the straightforward choice it
is compared with in chapter 04); :class:`CircularConv3D` is the convolution that follows, computed
either directly or in the Fourier form described below.

Padding the phase axis by a wrap-around (:class:`~phaselab.nn.circular.CircularPad`) and running a
``Conv3D`` makes the convolution *circular* along phase. A circular convolution is a product
after a discrete Fourier transform (DFT) along that axis: with ``X_k`` the DFT of the ``P``
phase slices of the input (``k = 0 .. P // 2``: the input is real, so the other half is
conjugate) and ``W_k`` the DFT of the phase taps of the kernel, the output's DFT is
``Y_k = W_k * X_k``, where ``*`` is now a 2D convolution over (time, frequency) with complex
numbers. So the ``P`` output slices, each a sum of three 2D convolutions in the direct form
(``3 P``), cost ``P // 2 + 1`` complex 2D convolutions instead: bins 0 and ``P / 2`` are real
(one real convolution each), and every other bin takes three real ones (Gauss's trick:
``(a + ib)(c + id)`` from ``c (a + b)``, ``a (d - c)`` and ``b (c + d)``). For ``P = 10`` that
is 14 real 2D convolutions instead of 30; the DFT and its inverse are small matrix products
along the phase axis. The weights are the ``Conv3D``'s own: a kernel
``(k_time, k_freq, k_phase, in_channels, filters)`` and a bias ``(filters,)``, so the two
forms compute the same function (to float rounding) and a model built with one can take the
other's weights layer by layer (``set_weights``; a ``.weights.h5`` file names its layers by class, so
it loads only into a model built the same way).

:func:`phaselab.nn.cnn3d.phase_cnn3d` computes its wide circular convolutions this way
(``phase_conv="auto"``); ``benchmarks/speed/bench_circular_conv.py`` times both forms layer by layer.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

__all__ = ["CircularPad", "EdgePad", "CircularConv3D", "circular_conv3d", "folded_conv3d", "phase_dft_matrices"]

Tensor = Any
"""A tensor of the Keras backend in use."""


def phase_dft_matrices(phases: int, taps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Real matrices of the DFT along the phase axis, its inverse and the kernel's DFT.

    Parameters
    ----------
    phases : int
        ``P``, the length of the (circular) phase axis.
    taps : int
        Odd length of the kernel along phase; tap ``j`` reads slice ``p + j - taps // 2``.

    Returns
    -------
    analysis : ndarray, shape (P, 2 K)
        ``x @ analysis`` gives the real parts of ``X_0 .. X_{K-1}`` then their imaginary parts,
        ``K = P // 2 + 1``.
    synthesis : ndarray, shape (2 K, P)
        The inverse: ``[Re Y, Im Y] @ synthesis`` gives the ``P`` slices of a real signal.
    kernel_cos, kernel_sin : ndarray, shape (K, taps)
        ``W_k = sum_j w_j (kernel_cos[k, j] + i kernel_sin[k, j])`` for a correlation along phase.
    """
    bins = np.arange(phases // 2 + 1)
    angle = 2 * np.pi * np.outer(np.arange(phases), bins) / phases  # (P, K)
    analysis = np.concatenate([np.cos(angle), -np.sin(angle)], axis=1)
    once = (bins == 0) | (2 * bins == phases)  # bins without a conjugate twin in the other half
    weight = np.where(once, 1.0, 2.0)[:, None] / phases
    synthesis = np.concatenate([weight * np.cos(angle.T), -weight * np.sin(angle.T)], axis=0)
    tap_angle = 2 * np.pi * np.outer(bins, np.arange(taps) - taps // 2) / phases  # (K, taps)
    return analysis, synthesis, np.cos(tap_angle), np.sin(tap_angle)


def circular_conv3d(
    inputs: Tensor, kernel: Tensor, strides: tuple[int, int] = (1, 1), padding: str = "valid"
) -> Tensor:
    """``Conv3D`` (no bias) of ``inputs`` with a wrapped phase axis, computed per phase frequency.

    Parameters
    ----------
    inputs : tensor, shape (batch, time, freq, P, channels)
    kernel : tensor, shape (k_time, k_freq, k_phase, channels, filters)
        ``k_phase`` odd, at most ``P``.
    strides : (int, int)
        Along time and frequency.
    padding : {"valid", "same"}
        As for :class:`CircularConv3D`.

    Returns
    -------
    tensor, shape (batch, time', freq', P or P + 2 (k_phase // 2), filters)
        What ``CircularPad(axis=3, width=k_phase // 2)`` + ``Conv3D`` (no bias) return.
    """
    phases, taps = inputs.shape[3], kernel.shape[2]
    analysis, synthesis, kernel_cos, kernel_sin = phase_dft_matrices(phases, taps)
    analysis, kernel_cos, kernel_sin = (keras.ops.convert_to_tensor(m, inputs.dtype)
                                        for m in (analysis.T, kernel_cos, kernel_sin))

    def conv(x: Tensor, k: Tensor) -> Tensor:
        return keras.ops.conv(x, k, strides=strides, padding=padding)

    bins = kernel_cos.shape[0]
    # (P -> 2K) along phase as a broadcast matmul: (2K, P) @ (..., P, C), no transposes
    spectrum = keras.ops.matmul(analysis, inputs)  # (B, T, F, 2K, C)
    w_re = keras.ops.einsum("kj,tfjio->ktfio", kernel_cos, kernel)
    w_im = keras.ops.einsum("kj,tfjio->ktfio", kernel_sin, kernel)
    complex_bins = [k for k in range(bins) if 0 < 2 * k < phases]  # the others are real
    real, imag = [], []
    for k in range(bins):
        x_re, x_im = spectrum[:, :, :, k], spectrum[:, :, :, bins + k]
        if k not in complex_bins:
            real.append(conv(x_re, w_re[k]))
            continue
        common = conv(x_re + x_im, w_re[k])  # Gauss: three real convolutions for one complex one
        real.append(common - conv(x_im, w_re[k] + w_im[k]))
        imag.append(common + conv(x_re, w_im[k] - w_re[k]))
    synthesis = synthesis[list(range(bins)) + [bins + k for k in complex_bins]]  # (parts, P)
    half = taps // 2
    slices = np.arange(phases) if padding == "valid" else (np.arange(phases + 2 * half) - half) % phases
    outer = _outer_taps(phases, taps) if padding == "same" else []
    # each one-tap correction is one more part, subtracted from its output slice by the synthesis
    corrections = [conv(inputs[:, :, :, source], kernel[:, :, j]) for _, j, source in outer]
    removals = np.zeros((len(outer), len(slices)))
    removals[np.arange(len(outer)), [q for q, _, _ in outer]] = -1.0
    synthesis = np.concatenate([synthesis[:, slices], removals])  # (parts, slices)
    parts = keras.ops.stack(real + imag + corrections, axis=3)  # (B, T', F', parts, filters)
    synthesis = keras.ops.convert_to_tensor(synthesis.T, inputs.dtype)
    return keras.ops.matmul(synthesis, parts)  # (B, T', F', slices, filters)


def folded_conv3d(inputs: Tensor, kernel: Tensor, strides: tuple[int, int] = (1, 1)) -> Tensor:
    """The same circular ``Conv3D`` (no bias, 'valid'), as one 2D convolution over every phase slice.

    Output slice ``p`` reads input slices ``p - k_phase // 2 .. p + k_phase // 2`` (wrapped):
    gathering those slices as channels turns the 3D convolution into a 2D one over a batch of
    ``batch * P`` images with ``k_phase * channels`` channels. It does the direct form's
    arithmetic in one large 2D convolution instead of a 3D one, for few input channels, as in a
    stem on the phased spectrogram. Measured: ``benchmarks/FINDINGS.md`` §2.

    Parameters
    ----------
    inputs : tensor, shape (batch, time, freq, P, channels)
    kernel : tensor, shape (k_time, k_freq, k_phase, channels, filters)
    strides : (int, int)
        Along time and frequency.

    Returns
    -------
    tensor, shape (batch, time', freq', P, filters)
        What ``CircularPad(axis=3, width=k_phase // 2)`` + ``Conv3D(padding="valid")`` return.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((1, 5, 4, 6, 1)).astype("float32")
    >>> k = np.random.default_rng(1).standard_normal((3, 3, 3, 1, 2)).astype("float32")
    >>> bool(np.allclose(folded_conv3d(x, k), circular_conv3d(x, k), atol=1e-5))
    True
    """
    _, time, freq, phases, channels = inputs.shape
    k_time, k_freq, taps, _, filters = kernel.shape
    windows = (np.arange(phases)[:, None] + np.arange(taps) - taps // 2) % phases  # (P, taps)
    x = keras.ops.take(inputs, windows.reshape(-1), axis=3)  # (B, T, F, P * taps, C)
    x = keras.ops.reshape(x, (-1, time, freq, phases, taps * channels))
    x = keras.ops.reshape(keras.ops.transpose(x, (0, 3, 1, 2, 4)), (-1, time, freq, taps * channels))
    y = keras.ops.conv(x, keras.ops.reshape(kernel, (k_time, k_freq, taps * channels, filters)), strides=strides)
    y = keras.ops.reshape(y, (-1, phases, *y.shape[1:]))  # (B, P, T', F', filters)
    return keras.ops.transpose(y, (0, 2, 3, 1, 4))


def _outer_taps(phases: int, taps: int) -> list[tuple[int, int, int]]:
    """``(output slice q, tap j, input slice)`` for the taps that 'same' padding cuts off the wrapped axis.

    With 'same', ``Conv3D`` on the axis wrapped by ``c = taps // 2`` slices each side gives
    ``P + 2 c`` slices; the outer ones read Conv3D's zeros instead of a wrapped slice for
    some taps, so each is its circular counterpart minus those taps' terms.
    """
    half = taps // 2
    outer = (*range(half), *range(phases + half, phases + 2 * half))
    return [(q, j, (q + j - 2 * half) % phases) for q in outer for j in range(taps)
            if not 0 <= q + j - half < phases + 2 * half]


@keras.saving.register_keras_serializable(package="phaselab")
class CircularConv3D(keras.layers.Layer):
    """``CircularPad`` of the phase axis + ``Conv3D``, computed in the phase-frequency domain.

    The input is ``(batch, time, freq, phase, channels)``. The same function as
    ``CircularPad(axis=3, width=k_phase // 2)`` followed by ``Conv3D(filters, kernel_size,
    strides=(s_time, s_freq, 1), padding=padding)``, with the same weights, computed as
    described in :mod:`phaselab.nn.circular`.

    Parameters
    ----------
    filters : int
        Output channels.
    kernel_size : int or (int, int, int)
        ``(k_time, k_freq, k_phase)``; ``k_phase`` odd and at most ``P``.
    strides : int or (int, int)
        Strides along time and frequency (the phase axis is not strided).
    padding : {"valid", "same"}
        Of time and frequency, as in ``Conv3D``. Along phase the output has ``P`` slices with
        'valid'; with 'same' it has ``P + 2 (k_phase // 2)`` (what ``Conv3D(padding="same")``
        gives on the wrapped axis: the outer slices read zeros for the taps beyond it).
    use_bias : bool
        Add a bias per filter.
    kernel_initializer, bias_initializer : str or keras.initializers.Initializer
        As in ``Conv3D``.
    method : {"dft", "fold"}
        ``"dft"``: per phase frequency (:func:`circular_conv3d`); ``"fold"``: one 2D convolution
        over all phase slices (:func:`folded_conv3d`, 'valid' padding only), for a stem
        with one or two input channels.

    Notes
    -----
    The DFT form pays off only with many input channels: see
    :data:`phaselab.nn.blocks.DFT_MIN_CHANNELS`.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, int, int] = 3,
        strides: int | tuple[int, int] = 1,
        padding: str = "valid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        method: str = "dft",
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if method not in ("dft", "fold"):
            raise ValueError(f"method must be 'dft' or 'fold', got {method!r}")
        if method == "fold" and padding != "valid":
            raise ValueError("method='fold' computes 'valid' padding only")
        self.method = method
        self.filters = int(filters)
        self.kernel_size = (kernel_size,) * 3 if isinstance(kernel_size, int) else tuple(int(k) for k in kernel_size)
        self.strides = (strides,) * 2 if isinstance(strides, int) else tuple(int(s) for s in strides)
        if len(self.kernel_size) != 3 or self.kernel_size[2] % 2 == 0:
            raise ValueError(f"kernel_size must be 3 ints with an odd phase size, got {kernel_size}")
        if len(self.strides) != 2:
            raise ValueError(f"strides are along time and frequency only (2 ints), got {strides}")
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape: tuple) -> None:
        phases, channels = input_shape[3], input_shape[4]
        if phases is None or channels is None:
            raise ValueError(f"CircularConv3D needs known phase and channel sizes, got shape {input_shape}")
        if self.kernel_size[2] > phases:
            raise ValueError(f"a phase kernel of {self.kernel_size[2]} taps does not fit {phases} phase slices")
        self.kernel = self.add_weight(
            name="kernel", shape=(*self.kernel_size, channels, self.filters), initializer=self.kernel_initializer
        )
        self.bias = (self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer)
                     if self.use_bias else None)

    def call(self, inputs: Tensor) -> Tensor:
        kernel = keras.ops.cast(self.kernel, self.compute_dtype)
        if self.method == "fold":
            out = folded_conv3d(inputs, kernel, self.strides)
        else:
            out = circular_conv3d(inputs, kernel, self.strides, self.padding)
        return out if self.bias is None else out + keras.ops.cast(self.bias, self.compute_dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        batch, time, freq, phases, _ = input_shape
        sizes = []
        for size, k, s in zip((time, freq), self.kernel_size, self.strides):
            if size is not None:
                size = -(-size // s) if self.padding == "same" else (size - k) // s + 1
            sizes.append(size)
        if self.padding == "same":
            phases += 2 * (self.kernel_size[2] // 2)
        return (batch, *sizes, phases, self.filters)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "use_bias": self.use_bias,
            "method": self.method,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }


@keras.saving.register_keras_serializable(package="phaselab")
class CircularPad(keras.layers.Layer):
    """Pad one axis by wrapping around, as on a circle (the phase axis).

    With ``width=1`` slice ``P - 1`` goes before slice 0 and slice 0 after slice
    ``P - 1``, so a following 'valid' convolution sees neighbours across the 0/2 pi seam
    and commutes with rolling the axis (:class:`EdgePad` is the original study's edge replication).

    Parameters
    ----------
    axis : int
        Axis to pad, counted with the batch axis (e.g. 3 for ``(batch, time, freq, phase,
        channels)``); negative values count from the end.
    width : int or (int, int)
        Slices added before and after (one int: the same on both sides).

    Implemented as a single gather with precomputed indices.
    """

    def __init__(self, axis: int, width: int | tuple[int, int] = 1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = int(axis)
        before, after = (width, width) if isinstance(width, int) else tuple(width)
        if before < 0 or after < 0:
            raise ValueError(f"padding widths must be non-negative, got {width}")
        self.width = (int(before), int(after))
        self._indices: np.ndarray | None = None

    def build(self, input_shape: tuple) -> None:
        size = input_shape[self.axis]
        if size is None:
            raise ValueError(f"CircularPad needs a known size along axis {self.axis}, got shape {input_shape}")
        before, after = self.width
        if max(before, after) > size:
            raise ValueError(f"cannot wrap {max(before, after)} slices around an axis of size {size}")
        self._indices = np.arange(-before, size + after) % size

    def call(self, inputs: Tensor) -> Tensor:
        return keras.ops.take(inputs, self._indices, axis=self.axis)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shape = list(input_shape)
        if shape[self.axis] is not None:
            shape[self.axis] += sum(self.width)
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "width": list(self.width)}


@keras.saving.register_keras_serializable(package="phaselab")
class EdgePad(CircularPad):
    """Pad one axis by repeating its first and last slices (edge replication), not by wrapping.

    What the original study did to its phase axis: slice 0 goes before slice 0 and slice
    ``P - 1`` after slice ``P - 1``, so a following convolution treats the two ends of the
    circle as far apart and no longer commutes with rolling the axis. Chapter 04's
    exercise trains with it to compare with :class:`CircularPad`. Same parameters.

    Examples
    --------
    >>> import numpy as np
    >>> EdgePad(1, 1)(np.arange(4.0)[None]).numpy().tolist()
    [[0.0, 0.0, 1.0, 2.0, 3.0, 3.0]]
    """

    def build(self, input_shape: tuple) -> None:
        super().build(input_shape)
        size = input_shape[self.axis]
        before, after = self.width
        self._indices = np.clip(np.arange(-before, size + after), 0, size - 1)
