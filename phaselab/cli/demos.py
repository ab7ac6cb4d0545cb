"""``phaselab choir`` and ``phaselab griffin-lim``: chapter 01's experiments as one-line demos.

Examples
--------
``phaselab choir --word sheila sheila_choir.wav``
    The bundled "sheila" with its STFT phase replaced by the phase of white noise: the
    words survive, the voice becomes a choir.
``phaselab choir --zero clip.wav clip_zero.wav``
    The same magnitude with every phase set to zero: a buzz with a pulse per frame.
``phaselab griffin-lim --word sheila sheila_gl.wav --iterations 100``
    Throw the phase away and let fast Griffin-Lim find one consistent with the
    magnitude; prints the spectral convergence it reached.

Both commands read any WAV (mono or stereo, any rate: resampled to 16 kHz), print what
they measured, and write a 16-bit mono WAV under a temporary name that is renamed when
it is complete (:func:`phaselab.signal.audio.write_wav`), so an error leaves no partial file.
Errors are reported on one line, as for ``phaselab movie``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register", "run_choir", "run_griffin_lim", "FRAME_LENGTH", "FRAME_STEP"]

FRAME_LENGTH = 512
"""STFT window in samples (32 ms at 16 kHz), chapter 01's choice for the choir."""
FRAME_STEP = 128
"""STFT hop in samples (8 ms)."""


def _add_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="IN.wav OUT.wav",
                        help="the WAV file to transform and the WAV file to write (only OUT.wav with --word)")
    parser.add_argument("--word", help="use the bundled clip of this word as input, as `phaselab movie --word` does")
    parser.add_argument("--frame-length", type=int, default=FRAME_LENGTH,
                        help=f"STFT window in samples (default: {FRAME_LENGTH})")
    parser.add_argument("--frame-step", type=int, default=FRAME_STEP,
                        help=f"STFT hop in samples (default: {FRAME_STEP})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random phase (default %(default)s)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``phaselab choir`` and ``phaselab griffin-lim``."""
    choir = subparsers.add_parser(
        "choir",
        help="keep a clip's STFT magnitude, replace its phase by random (or zero) phase",
        description="Keep the STFT magnitude of a clip and replace its phase with the phase of white noise "
        "(the choir of chapter 01), or with zero phase (--zero). Prints the spectral convergence of the "
        "result's magnitude to the original's.",
    )
    _add_source(choir)
    choir.add_argument("--zero", action="store_true", help="set every phase to zero instead of a random phase")
    choir.set_defaults(func=run_choir)

    gl = subparsers.add_parser(
        "griffin-lim",
        help="rebuild a clip from its STFT magnitude alone with fast Griffin-Lim",
        description="Throw away the STFT phase of a clip and find a phase consistent with its magnitude with "
        "fast Griffin-Lim (Perraudin et al. 2013). Prints the spectral convergence reached.",
    )
    _add_source(gl)
    gl.add_argument("--iterations", type=int, default=100, help="Griffin-Lim iterations (default %(default)s)")
    gl.add_argument("--momentum", type=float, default=0.99,
                    help="momentum in [0, 1); 0 is the original Griffin-Lim (default %(default)s)")
    gl.set_defaults(func=run_griffin_lim)


def _source_and_output(args: argparse.Namespace) -> tuple[Path, str, Path]:
    """Check the arguments common to both commands; returns (input WAV, its name, output WAV)."""
    from phaselab.atomic import check_output_file
    from phaselab.cli.main import CliError
    from phaselab.data.speech_commands import bundled_clip

    expected = 1 if args.word else 2
    if len(args.paths) != expected:
        wanted = "OUT.wav (the input is the bundled --word clip)" if args.word else "IN.wav OUT.wav"
        raise CliError(f"expected {wanted}, got {len(args.paths)} path(s): {' '.join(args.paths)}")
    if args.frame_length < 2 or not 0 < args.frame_step <= args.frame_length:
        raise CliError(f"need --frame-length >= 2 and 0 < --frame-step <= --frame-length, "
                       f"got {args.frame_length} and {args.frame_step}")
    out = check_output_file(args.paths[-1], "the WAV file")
    if out.suffix.lower() != ".wav":
        raise CliError(f"{out}: the output must be a .wav file")
    source = bundled_clip(args.word) if args.word else Path(args.paths[0])
    if source.resolve() == out.resolve():
        raise CliError(f"{out}: the output would overwrite the input")
    return source, args.word or source.stem, out


def _convergence(reference, estimate, args: argparse.Namespace) -> float:
    from phaselab.signal.reconstruction import spectral_convergence
    from phaselab.signal.stft import stft

    def magnitude(audio):
        return stft(audio, args.frame_length, args.frame_step, framing="full")

    return spectral_convergence(magnitude(reference), magnitude(estimate))


def run_choir(args: argparse.Namespace) -> int:
    """``phaselab choir``: write the random-phase (or zero-phase) twin of a clip; returns the exit status."""
    import numpy as np

    from phaselab import SAMPLE_RATE
    from phaselab.signal.audio import read_wav, write_wav
    from phaselab.signal.reconstruction import randomize_phase, zero_phase

    source, name, out = _source_and_output(args)
    audio = read_wav(source)
    if args.zero:
        result, how = zero_phase(audio, args.frame_length, args.frame_step), "zero phase"
    else:
        rng = np.random.default_rng(args.seed)
        result, how = randomize_phase(audio, rng, args.frame_length, args.frame_step), f"random phase, seed {args.seed}"
    convergence = _convergence(audio, result, args)
    write_wav(out, result)
    print(f"wrote {out} ({name} with {how}, {len(result) / SAMPLE_RATE:.2f} s); "
          f"spectral convergence to the original magnitude: {convergence:.3f}")
    return 0


def run_griffin_lim(args: argparse.Namespace) -> int:
    """``phaselab griffin-lim``: rebuild a clip from its magnitude; returns the exit status."""
    import numpy as np

    from phaselab import SAMPLE_RATE
    from phaselab.cli.main import CliError
    from phaselab.signal.audio import read_wav, write_wav
    from phaselab.signal.reconstruction import griffin_lim
    from phaselab.signal.stft import stft

    if args.iterations < 1:
        raise CliError(f"--iterations must be at least 1, got {args.iterations}")
    if not 0 <= args.momentum < 1:
        raise CliError(f"--momentum must be in [0, 1), got {args.momentum}")
    source, name, out = _source_and_output(args)
    audio = read_wav(source)
    magnitude = np.abs(stft(audio, args.frame_length, args.frame_step, framing="full"))
    result = griffin_lim(magnitude, len(audio), n_iter=args.iterations, momentum=args.momentum,
                         frame_length=args.frame_length, frame_step=args.frame_step,
                         rng=np.random.default_rng(args.seed))
    convergence = _convergence(audio, result.audio, args)
    write_wav(out, result.audio)
    print(f"wrote {out} ({name} rebuilt from its magnitude, {len(result.audio) / SAMPLE_RATE:.2f} s)")
    print(f"spectral convergence after {args.iterations} iterations: {convergence:.4f} "
          f"(after the first: {result.convergence[0]:.4f})")
    return 0
