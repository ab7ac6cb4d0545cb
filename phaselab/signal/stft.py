r"""Short-time Fourier transform on :class:`scipy.signal.ShortTimeFFT`.

Two framings are offered, both with a periodic Hann window and time-major output
``(frames, bins)``:

``"tf"``
    Frame ``q`` covers samples ``[q * frame_step, q * frame_step + frame_length)`` and
    the end is zero-padded: ``ceil(n / frame_step)`` frames, exactly the frames of
    ``tf.signal.stft(..., pad_end=True)``. All features (and the Keras layers) use it.
``"full"``
    Every window position that touches the signal (SciPy's own framing). Each sample is
    covered by the same number of windows, so :func:`istft` inverts it exactly; phase
    reconstruction uses it.

**Where the phase is measured from** (``reference``). Frame ``q`` of hop ``H`` and window
``w`` of ``N`` samples, FFT size ``K``, bin ``k``:

.. math::

    X_{\text{start}}[q, k] = \sum_{n=0}^{K-1} x[qH + n]\, w[n]\, e^{-2\pi i k n / K},
    \qquad
    X_{\text{centre}}[q, k] = X_{\text{start}}[q, k]\, e^{2\pi i k c / K},\quad c = N / 2.

``"centre"`` (the default, :data:`PHASE_REFERENCE`) measures the phase from the window's
centre ``c``, the peak of the periodic Hann window; ``"start"`` from the frame's first sample
(TensorFlow's ``tf.signal.stft`` and the original study). The two differ by the fixed turn
``2 pi k c / K`` of bin ``k`` (``pi k`` when ``K = N``: every other bin flipped). Under
``"start"`` the bins of one partial alternate by about ``pi`` from their neighbours, so any
average over neighbouring bins cancels; under ``"centre"`` they line up. The magnitude, the
instantaneous frequency (a difference over time of the same bin) and the inverse
transform of an unmodified STFT do not depend on the reference.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import numpy as np
from scipy.signal import ShortTimeFFT
from scipy.signal.windows import hann

from phaselab import SAMPLE_RATE
from phaselab.signal.audio import pcm_to_float

__all__ = ["stft", "istft", "log_spectrogram", "n_frames", "bin_frequencies", "frame_times", "check_sizes",
           "reference_turn", "check_reference", "Framing", "PhaseReference", "PHASE_REFERENCE"]

Framing = Literal["tf", "full"]

PhaseReference = Literal["centre", "start"]

PHASE_REFERENCE: PhaseReference = "centre"
"""phaselab's phase convention: every STFT phase is measured from the window's centre."""


def check_reference(reference: str) -> str:
    """``reference`` if it is ``"centre"`` or ``"start"``; else a ValueError naming both."""
    if reference not in ("centre", "start"):
        raise ValueError(f"reference must be 'centre' (phase from the window's centre) or 'start' (from the "
                         f"frame's first sample), got {reference!r}")
    return reference


def reference_turn(frame_length: int, fft_length: int | None = None, reference: str = PHASE_REFERENCE) -> np.ndarray:
    """The angle (radians) by which bin ``k``'s phase under ``reference`` exceeds its phase from the frame start.

    ``2 pi k c / K`` with ``c = frame_length / 2`` for ``"centre"``, zeros for ``"start"``.
    :func:`stft` multiplies bin ``k`` by ``exp(1j * turn[k])``, and so does the Keras feature
    layers' STFT (:mod:`phaselab.nn.features`), from this one function.

    Returns
    -------
    np.ndarray, shape (fft_length // 2 + 1,), float64

    Examples
    --------
    >>> np.round(reference_turn(4) / np.pi, 3)  # K = N = 4: pi k
    array([0., 1., 2.])
    """
    fft_length = fft_length or frame_length
    k = np.arange(fft_length // 2 + 1)
    if check_reference(reference) == "start":
        return np.zeros(k.shape)
    return 2 * np.pi * k * (frame_length / 2) / fft_length


@lru_cache(maxsize=32)
def _transform(frame_length: int, frame_step: int, fft_length: int) -> ShortTimeFFT:
    window = hann(frame_length, sym=False)
    return ShortTimeFFT(window, hop=frame_step, fs=SAMPLE_RATE, mfft=fft_length, phase_shift=None)


def check_sizes(frame_length: int, frame_step: int, fft_length: int) -> None:
    """Check an STFT's window, hop and FFT size (whole numbers, ``0 < frame_step <= frame_length <= fft_length``).

    Raises
    ------
    ValueError
        Naming the values.
    """
    for name, value in (("frame_length", frame_length), ("frame_step", frame_step), ("fft_length", fft_length)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be a whole number of samples, got {value!r}")
    if not 0 < frame_step <= frame_length:
        raise ValueError(f"need 0 < frame_step <= frame_length, got {frame_step} and {frame_length}")
    if fft_length < frame_length:
        raise ValueError(f"fft_length ({fft_length}) must be at least frame_length ({frame_length})")


def n_frames(n_samples: int, frame_length: int = 256, frame_step: int = 64, framing: Framing = "tf") -> int:
    """Number of STFT frames of a clip of ``n_samples`` samples."""
    if framing == "tf":
        return -(-n_samples // frame_step)
    transform = _transform(frame_length, frame_step, frame_length)
    return transform.p_max(n_samples) - transform.p_min


def stft(
    audio: np.ndarray,
    frame_length: int = 256,
    frame_step: int = 64,
    fft_length: int | None = None,
    framing: Framing = "tf",
    reference: PhaseReference = PHASE_REFERENCE,
) -> np.ndarray:
    """Complex STFT of a mono clip, its phase measured from each window's centre (by default).

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        Samples; integer PCM (int16, int32, uint8) is scaled to [-1, 1] as a WAV file
        means it (:func:`phaselab.signal.audio.pcm_to_float`). NaN or infinity is refused.
    frame_length : int
        Window length in samples (periodic Hann window).
    frame_step : int
        Hop between frames in samples.
    fft_length : int, optional
        FFT size (default ``frame_length``); the window is zero-padded to it.
    framing : {"tf", "full"}
        See the module docstring.
    reference : {"centre", "start"}
        Where the phase is measured from: the window's centre (phaselab's convention) or the
        frame's first sample (TensorFlow's and the original study's); see the module docstring.

    Returns
    -------
    np.ndarray, shape (frames, fft_length // 2 + 1), complex128
        Time-major STFT; bin ``k`` is at ``k * sr / fft_length`` Hz.

    Examples
    --------
    >>> from phaselab.paths import data_dir
    >>> from phaselab.signal.audio import read_wav
    >>> spec = stft(read_wav(data_dir() / "samples" / "marvin.wav"))  # 1 s: 250 frames of hop 64
    >>> spec.shape, spec.dtype
    ((250, 129), dtype('complex128'))

    Notebook: ``01_phase_randomization.ipynb``
    """
    fft_length = fft_length or frame_length
    check_sizes(frame_length, frame_step, fft_length)
    turn = reference_turn(frame_length, fft_length, reference)
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise ValueError(f"stft expects a mono clip of shape (n,), got shape {audio.shape}")
    audio = pcm_to_float(audio) if np.issubdtype(audio.dtype, np.integer) else audio
    audio = np.asarray(audio, dtype=np.float64)
    bad = np.count_nonzero(~np.isfinite(audio))
    if bad:
        raise ValueError(f"stft needs finite audio; the clip has {bad} NaN or infinite samples")
    if audio.size == 0:
        raise ValueError("stft needs a clip with at least one sample, got none")
    transform = _transform(frame_length, frame_step, fft_length)
    if framing == "tf":
        frames = n_frames(len(audio), frame_length, frame_step, "tf")
        shortest = -(-frame_length // 2)  # SciPy wants half a window; the frames are zero-padded anyway
        padded = np.pad(audio, (0, max(0, shortest - len(audio))))
        spec = transform.stft(padded, p0=0, p1=frames, k_offset=transform.m_num_mid)
    elif framing == "full":
        if len(audio) < -(-frame_length // 2):
            raise ValueError(f"the full-framing STFT needs at least {-(-frame_length // 2)} samples (half a "
                             f"{frame_length}-sample window), got {len(audio)}")
        spec = transform.stft(audio)
    else:
        raise ValueError(f"framing must be 'tf' or 'full', got {framing!r}")
    return spec.T * np.exp(1j * turn) if reference != "start" else spec.T


def istft(
    spec: np.ndarray,
    length: int,
    frame_length: int = 256,
    frame_step: int = 64,
    fft_length: int | None = None,
    reference: PhaseReference = PHASE_REFERENCE,
) -> np.ndarray:
    """Invert an STFT made with ``framing="full"`` (and the same ``reference``).

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        A full-framing STFT of a clip of ``length`` samples, possibly modified.
    length : int
        Number of samples of the clip.
    frame_length, frame_step, fft_length : int
        As given to :func:`stft`.
    reference : {"centre", "start"}
        The phase reference ``spec`` was measured with. A phase set to zero under
        ``"centre"`` puts each frame's pulse at its window's centre, under ``"start"`` at
        the frame's first sample.

    Returns
    -------
    np.ndarray, shape (length,), float64
        The least-squares signal whose STFT is closest to ``spec``.
    """
    fft_length = fft_length or frame_length
    check_sizes(frame_length, frame_step, fft_length)
    turn = reference_turn(frame_length, fft_length, reference)
    expected = (n_frames(length, frame_length, frame_step, "full"), fft_length // 2 + 1)
    if spec.shape != expected:
        raise ValueError(
            f"istft needs a full-framing STFT of shape {expected} for {length} samples, got {spec.shape}; "
            "make it with stft(audio, ..., framing='full')"
        )
    spec = spec * np.exp(-1j * turn) if reference != "start" else spec
    return _transform(frame_length, frame_step, fft_length).istft(spec.T, k1=length)


def bin_frequencies(fft_length: int = 256, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Centre frequency of every STFT bin, in Hz, shape (fft_length // 2 + 1,)."""
    return np.fft.rfftfreq(fft_length, d=1.0 / sr)


def frame_times(frames: int, frame_length: int = 256, frame_step: int = 64, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Time of the centre of every ``"tf"`` frame, in seconds, shape (frames,)."""
    return (np.arange(frames) * frame_step + frame_length / 2) / sr


def log_spectrogram(
    audio: np.ndarray, frame_length: int = 256, frame_step: int = 64, fft_length: int | None = None
) -> np.ndarray:
    """Log-magnitude spectrogram ``log(1 + |STFT|)`` in ``"tf"`` framing.

    Returns
    -------
    np.ndarray, shape (frames, bins), float32
    """
    return np.log1p(np.abs(stft(audio, frame_length, frame_step, fft_length))).astype(np.float32)
