"""SpecAugment-style masking of spectrogram features, a training-only Keras layer.

Notebook: ``04_3d_cnn_training.ipynb``
"""

from __future__ import annotations

from typing import Any

import keras

__all__ = ["SpectralMasks"]


@keras.saving.register_keras_serializable(package="phaselab")
class SpectralMasks(keras.layers.Layer):
    """SpecAugment's time and frequency masks (Park et al., 2019), in training only.

    Each training example gets ``time_masks`` bands of consecutive frames and
    ``freq_masks`` bands of consecutive bins set to zero (silence, for the ``log1p``
    features of this module); each band's width is drawn uniformly from ``0..max_frames``
    (``0..max_bins``) and its start uniformly among the positions where it fits. A model
    that may lose any tenth of its spectrogram must recognise a word from several cues,
    which is what an unheard voice, whose formants and timing differ, asks of it. At
    inference the layer passes its input through.

    Parameters
    ----------
    time_masks, freq_masks : int
        Bands per example along time (axis 1) and frequency (axis 2).
    max_frames, max_bins : int
        Widest band, in frames and in bins.
    seed : int, optional
        Seed of the layer's :class:`keras.random.SeedGenerator`.

    Input and output shape: ``(batch, frames, bins, ...)``, any trailing axes (channels,
    phase) masked alike.
    """

    def __init__(self, time_masks: int = 2, max_frames: int = 25, freq_masks: int = 2, max_bins: int = 13,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        counts = {"time_masks": time_masks, "max_frames": max_frames, "freq_masks": freq_masks, "max_bins": max_bins}
        for name, value in counts.items():
            if int(value) != value or value < 0:
                raise ValueError(f"SpectralMasks {name} must be a non-negative integer, got {value}")
        self.time_masks, self.max_frames = int(time_masks), int(max_frames)
        self.freq_masks, self.max_bins = int(freq_masks), int(max_bins)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _keep(self, batch: Any, size: int, masks: int, widest: int) -> Any:
        """``(batch, size)`` float: 0 inside one of ``masks`` random bands per example, 1 elsewhere."""
        position = keras.ops.arange(size, dtype="float32")[None, :]
        keep = keras.ops.ones((batch, size), dtype="float32")
        widest = min(widest, size)
        for _ in range(masks):
            draws = keras.random.uniform((batch, 2), seed=self.seed_generator)
            width = keras.ops.floor(draws[:, :1] * (widest + 1))
            start = keras.ops.floor(draws[:, 1:] * (size - width + 1))
            inside = keras.ops.logical_and(position >= start, position < start + width)
            keep = keep * (1.0 - keras.ops.cast(inside, "float32"))
        return keep

    def call(self, features: Any, training: bool | None = None) -> Any:
        if not training or self.time_masks + self.freq_masks == 0:
            return features
        batch = keras.ops.shape(features)[0]
        frames, bins = features.shape[1], features.shape[2]
        keep = (self._keep(batch, frames, self.time_masks, self.max_frames)[:, :, None]
                * self._keep(batch, bins, self.freq_masks, self.max_bins)[:, None, :])
        keep = keras.ops.reshape(keep, (-1, frames, bins) + (1,) * (len(features.shape) - 3))
        return features * keras.ops.cast(keep, features.dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "time_masks": self.time_masks, "max_frames": self.max_frames,
                "freq_masks": self.freq_masks, "max_bins": self.max_bins, "seed": self.seed}
