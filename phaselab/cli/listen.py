"""``phaselab listen FILE.wav``: the commands said in a recording of any length, with their times.

The keyword model (the shipped one unless ``--model`` names another) hears a 1 s window every
``--stride-ms``; its guesses are averaged over the last ``--average-ms`` and a command is
reported when its average passes ``--threshold``, once per word (``--suppression-ms``), as in
TensorFlow's ``RecognizeCommands`` (:mod:`phaselab.training.listen`). One line per command: where
the 1 s window that holds it starts, the word, its averaged probability when it was found, and its
probability in that best window::

     3.20 s  yes   0.64  (best window 0.98)
     7.90 s  stop  0.61  (best window 0.87)

Then phaselab's speech detector for the world (chapter 06's ``is_speech_everyday``,
:func:`phaselab.studies.detector.everyday_scores`) hears the window of each detection and drops those it
scores below ``--gate`` (:func:`phaselab.training.listen.gate_detections`): fewer commands "heard" in music,
birds and machines, for a few missed words (``--no-gate`` turns it off; the measured trade: README).

A missing, empty, broken or non-WAV file, or a sample rate outside what
:func:`phaselab.signal.audio.read_wav` reads, is one line on stderr and exit status 1.
TensorFlow is imported inside the command only, so ``phaselab --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys

from phaselab.cli.main import positive_int, probability

__all__ = ["register", "run_listen"]

_DEFAULTS = {"stride_ms": 100.0, "average_window_ms": 1000.0, "detection_threshold": 0.6,
             "suppression_ms": 1000.0, "minimum_count": 3, "speech_floor": 0.5}
""":data:`phaselab.training.listen.LISTEN_DEFAULTS`, repeated so ``--help`` needs no TensorFlow (a test checks they agree)."""


def _milliseconds(text: str) -> float:
    """An argparse ``type``: a positive number of milliseconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of milliseconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {value}")
    return value


def format_time(seconds: float) -> str:
    """``12.30 s``, or ``2:05.40`` from a minute on.

    Examples
    --------
    >>> format_time(3.2), format_time(125.4)
    ('3.20 s', '2:05.40')
    """
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:05.2f}"


def run_listen(args: argparse.Namespace) -> int:
    """Print each command heard in ``args.recording``."""
    from phaselab.signal.audio import read_wav

    audio = read_wav(args.recording)  # a bad file is refused before TensorFlow is loaded
    from phaselab.cli.train import _model_or_shipped
    from phaselab.training.listen import listen

    speech = None
    if not args.no_gate:
        from phaselab.studies.detector import everyday_scores as speech
    detections = listen(_model_or_shipped(args.model), audio, stride_ms=args.stride_ms,
                        average_window_ms=args.average_ms, detection_threshold=args.threshold,
                        suppression_ms=args.suppression_ms, minimum_count=args.minimum_count,
                        speech=speech, speech_floor=args.gate)
    seconds = len(audio) / 16000
    if not detections:
        print(f"{args.recording}: no command heard in {format_time(seconds)}")
        return 0
    for d in detections:
        print(f"{format_time(d.time):>9}  {d.label:<5} {d.confidence:.2f}  (best window {d.peak:.2f})")
    print(f"{args.recording}: {len(detections)} command{'s' * (len(detections) != 1)} in {format_time(seconds)}",
          file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``phaselab listen``."""
    parser = subparsers.add_parser(
        "listen",
        help="the commands said in a recording of any length, with their times",
        description="Slide the keyword model over a WAV recording (any length, any rate, mono or stereo) and "
        "print each command heard: where it starts (the 1 s window that holds it), the word, its averaged "
        "probability when found and its probability in that window. Guesses are averaged over the last --average-ms and a word is reported once, as in "
        "TensorFlow's RecognizeCommands; then phaselab's speech detector (chapter 06) drops the commands in whose window it "
        "hears no voice (--no-gate keeps them).",
    )
    parser.add_argument("recording", metavar="FILE.wav", help="the recording")
    parser.add_argument("--model", help="a .keras file or a run directory (default: the shipped keyword model)")
    parser.add_argument("--threshold", type=probability, default=_DEFAULTS["detection_threshold"],
                        help="averaged probability a command must pass (default %(default)s)")
    parser.add_argument("--stride-ms", type=_milliseconds, default=_DEFAULTS["stride_ms"],
                        help="time between the starts of the 1 s windows (default %(default)s)")
    parser.add_argument("--average-ms", type=_milliseconds, default=_DEFAULTS["average_window_ms"],
                        help="guesses of the windows of this last stretch are averaged (default %(default)s)")
    parser.add_argument("--suppression-ms", type=_milliseconds, default=_DEFAULTS["suppression_ms"],
                        help="no new command until this long after the last one (default %(default)s)")
    parser.add_argument("--minimum-count", type=positive_int, default=_DEFAULTS["minimum_count"],
                        help="windows needed in the average before anything is decided (default %(default)s)")
    parser.add_argument("--gate", type=probability, default=_DEFAULTS["speech_floor"], metavar="FLOOR",
                        help="report a command only where phaselab's speech detector (chapter 06) gives its window a "
                        "speech score of at least FLOOR (default %(default)s)")
    parser.add_argument("--no-gate", action="store_true", help="report what the keyword model hears, without the gate")
    parser.set_defaults(func=run_listen)
