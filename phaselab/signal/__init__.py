"""The signal layer (NumPy and SciPy only): audio, STFT, phase kernels and encodings, noise.

Nothing here imports TensorFlow or Keras (``tests/test_layout.py`` checks it), so a learner
without a GPU stack can use every function of chapters 01-03.
"""

from __future__ import annotations

from phaselab.signal.audio import (
    MAX_RATE,
    MIN_RATE,
    fit_length,
    pcm_to_float,
    read_wav,
    write_wav,
)
from phaselab.signal.bands import (
    band_energies,
    hz_to_mel,
    mel_band_edges,
    mel_filterbank,
    mel_to_hz,
)
from phaselab.signal.coherence import (
    advance_coherence,
    loud_frames,
    low_frequency_share,
    neighbour_coherence,
    phase_acceleration,
)
from phaselab.signal.encodings import (
    DAMPING,
    ENCODINGS,
    ENCODING_TABLE,
    Encoding,
    Mode,
    cos_sin,
    encoding_channels,
    get_encoding,
    group_delay,
    instantaneous_frequency,
    kernel_activations,
    make_kernel,
    phase_features,
    phased_spectrogram,
)
from phaselab.signal.instantaneous import frequency_deviation
from phaselab.signal.kernels import (
    KernelName,
    PhaseKernel,
    check_n_phases,
    chord_gaussian,
    default_sigma,
    phase_knots,
    von_mises,
    wrap_angle,
    wrapped_gaussian,
)
from phaselab.signal.noise import coloured_noise
from phaselab.signal.reconstruction import (
    GriffinLimResult,
    griffin_lim,
    randomize_phase,
    spectral_convergence,
    zero_phase,
)
from phaselab.signal.stft import (
    Framing,
    bin_frequencies,
    check_sizes,
    frame_times,
    istft,
    log_spectrogram,
    n_frames,
)

__all__ = [
    "DAMPING",
    "ENCODINGS",
    "ENCODING_TABLE",
    "Encoding",
    "Framing",
    "GriffinLimResult",
    "KernelName",
    "MAX_RATE",
    "MIN_RATE",
    "Mode",
    "PhaseKernel",
    "advance_coherence",
    "band_energies",
    "bin_frequencies",
    "check_n_phases",
    "check_sizes",
    "chord_gaussian",
    "coloured_noise",
    "cos_sin",
    "default_sigma",
    "encoding_channels",
    "fit_length",
    "frame_times",
    "frequency_deviation",
    "get_encoding",
    "griffin_lim",
    "group_delay",
    "hz_to_mel",
    "instantaneous_frequency",
    "istft",
    "kernel_activations",
    "log_spectrogram",
    "loud_frames",
    "low_frequency_share",
    "make_kernel",
    "mel_band_edges",
    "mel_filterbank",
    "mel_to_hz",
    "n_frames",
    "neighbour_coherence",
    "pcm_to_float",
    "phase_acceleration",
    "phase_features",
    "phase_knots",
    "phased_spectrogram",
    "randomize_phase",
    "read_wav",
    "spectral_convergence",
    "von_mises",
    "wrap_angle",
    "wrapped_gaussian",
    "write_wav",
    "zero_phase",
]
