"""The network layer (Keras 3): feature layers over raw audio, circular convolution, model builders, cost.
"""

from __future__ import annotations

from phaselab.exports import lazy_exports

_EXPORTS: dict[str, str] = {
    "BN_MOMENTUM": "blocks",
    "CircularConv3D": "circular",
    "CircularPad": "circular",
    "DFT_MIN_CHANNELS": "blocks",
    "EdgePad": "circular",
    "MODEL_NAMES": "registry",
    "MelSpectrogram": "features",
    "PhaseFeatures": "features",
    "PhasedSpectrogram": "features",
    "SPEECH_COMMANDS_CLIPS": "cost",
    "SpectralMasks": "masking",
    "Spectrogram": "features",
    "TRAIN_SHARE": "cost",
    "activation_bytes": "cost",
    "build_model": "registry",
    "check_model_kwargs": "registry",
    "circular_conv3d": "circular",
    "cnn1d": "baselines",
    "cnn2d": "baselines",
    "cnn2d_mel": "baselines",
    "cnn2d_phase": "baselines",
    "cnn3d_small": "cnn3d",
    "conv_bn_relu": "blocks",
    "describe_machine": "cost",
    "dscnn": "baselines",
    "encoding_cnn": "encoding_nets",
    "encoding_model": "encoding_nets",
    "flops": "cost",
    "folded_conv3d": "circular",
    "format_table": "cost",
    "full_run_hours": "cost",
    "largest_batch": "cost",
    "phase_cnn3d": "cnn3d",
    "phase_dft_matrices": "circular",
    "summary_table": "cost",
    "training_memory": "cost",
    "training_rate": "cost",
}
"""Public name -> the module of ``phaselab.nn`` that defines it (imported on first use)."""

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
