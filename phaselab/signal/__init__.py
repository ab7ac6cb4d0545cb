"""The signal layer (NumPy and SciPy only): audio, STFT, phase kernels and encodings, reconstruction, noise.

Nothing here imports TensorFlow or Keras (``tests/test_layout.py`` checks it), so a learner
without a GPU stack can use every function of chapters 01-03. The modules: ``audio``, ``stft``,
``kernels``, ``encodings``, ``instantaneous``, ``bands``, ``coherence``, ``reconstruction``, ``noise``
(``from phaselab.signal import stft`` is the module; its function is ``phaselab.signal.stft.stft``).
"""

from __future__ import annotations

from phaselab.signal.audio import read_wav, write_wav
from phaselab.signal.bands import band_energies, mel_filterbank
from phaselab.signal.coherence import advance_coherence, neighbour_coherence
from phaselab.signal.encodings import ENCODINGS, cos_sin, group_delay, make_kernel, phased_spectrogram
from phaselab.signal.kernels import PhaseKernel, chord_gaussian, phase_knots, von_mises, wrapped_gaussian
from phaselab.signal.noise import coloured_noise
from phaselab.signal.reconstruction import griffin_lim, randomize_phase, spectral_convergence, zero_phase
from phaselab.signal.stft import frame_times, istft, log_spectrogram

__all__ = [
    "read_wav", "write_wav",
    "frame_times", "istft", "log_spectrogram",
    "PhaseKernel", "phase_knots", "von_mises", "wrapped_gaussian", "chord_gaussian",
    "ENCODINGS", "phased_spectrogram", "make_kernel", "cos_sin", "group_delay",
    "band_energies", "mel_filterbank", "advance_coherence", "neighbour_coherence",
    "griffin_lim", "randomize_phase", "zero_phase", "spectral_convergence", "coloured_noise",
]
