"""``phaselab movie``: render the phased-spectrogram movie of a WAV file (or a bundled word).

Examples
--------
``phaselab movie --word sheila --axis time --crop 0:0.7 --out build/movies/sheila_time.mp4``
    The original study's movie: "sheila", first 70% of time, max over phase.
``phaselab movie clip.wav --axis frequency --reducer mean --out clip_frequency.mp4``
``phaselab movie --word sheila --random-phase --out sheila_noise.mp4``
    The same movie of the word's random-phase twin (same magnitude, phase of white noise).

``--crop START:END`` is in fractions of the clip's duration (``0:0.7`` keeps the first
70%). The movie is written under a temporary name next to ``--out`` and renamed when it
is complete, so a failure, Ctrl-C or SIGTERM leaves no partial file. An ``--out`` ending
in ``.gif`` writes an animated GIF instead of an MP4; any other suffix, the input itself,
or (without ``--force``) an existing file is refused. So is a movie of more than
``--max-frames`` frames (an hour-long render of a long clip), or one whose phased
spectrogram would need more than ``--max-memory`` GB: film a part with ``--crop``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

__all__ = ["register", "run", "DEFAULT_FPS", "MAX_FRAMES", "MAX_MEMORY_GB", "SUFFIXES"]

MAX_FRAMES = 1500
"""Default of ``--max-frames``: a minute of movie at 25 fps (about as long to render)."""

MAX_MEMORY_GB = 2.0
"""Default of ``--max-memory``: the largest phased spectrogram a movie may slice, in GB."""

SUFFIXES = (".mp4", ".gif")
"""What ``--out`` may end in."""

DEFAULT_FPS = {"time": 25.0, "frequency": 25.0, "phase": 5.0}
"""Frames per second when ``--fps`` is not given, per movie axis."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``phaselab movie``."""
    parser = subparsers.add_parser(
        "movie",
        help="render the phased-spectrogram movie of a WAV file as MP4",
        description="Render the phased-spectrogram movie (time x frequency x phase) of a clip, "
        "sliced along one axis, as an H.264 MP4 (or a GIF if --out ends in .gif).",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("input", nargs="?", metavar="INPUT.wav", help="the WAV file to film")
    source.add_argument("--word", help="film the bundled clip of this word instead (data/samples/WORD.wav, "
                        "else the first clip of data/mini_speech_commands/WORD/)")
    parser.add_argument("--out", required=True, metavar="OUT.mp4", help="the movie to write")
    parser.add_argument("--axis", choices=("time", "frequency", "phase"), default="time",
                        help="the axis the movie runs along (default %(default)s)")
    parser.add_argument("--reducer", choices=("max", "mean"), default="max",
                        help="how the overview panel reduces its axis (default %(default)s)")
    parser.add_argument("--crop", default="0:1", metavar="START:END",
                        help="part of the clip to film, in fractions of its duration, e.g. 0:0.7 (default %(default)s)")
    parser.add_argument("--fps", type=float, default=None,
                        help="frames per second (default: 25 along time and frequency, 5 along phase)")
    parser.add_argument("--n-phases", type=int, default=10, help="number of phase slices (default %(default)s)")
    parser.add_argument("--sigma", type=float, default=None,
                        help="width of the phase kernel in radians (default: 0.8 * 2 pi / n_phases)")
    parser.add_argument("--reference", choices=("centre", "start"), default="centre",
                        help="measure each bin's phase from the window's centre (phaselab's convention) or from the "
                             "frame's first sample (the original study's) (default %(default)s)")
    parser.add_argument("--random-phase", action="store_true",
                        help="film the clip's random-phase twin: same magnitude, phase of white noise")
    parser.add_argument("--seed", type=int, default=0, help="seed of the white noise for --random-phase (default %(default)s)")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    parser.add_argument("--max-frames", type=int, default=MAX_FRAMES,
                        help=f"refuse a movie of more frames than this (default: {MAX_FRAMES})")
    parser.add_argument("--max-memory", type=float, default=MAX_MEMORY_GB, metavar="GB",
                        help=f"refuse a movie whose phased spectrogram needs more (default: {MAX_MEMORY_GB:g} GB)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Render the movie described by the parsed arguments; returns the exit status."""
    import numpy as np
    from tqdm import tqdm

    from phaselab.atomic import check_output_file
    from phaselab.cli.main import CliError
    from phaselab.data.speech_commands import bundled_clip
    from phaselab.display.movie import (
        REDUCED_AXIS,
        movie_size,
        parse_crop,
        phased_movie,
    )
    from phaselab.signal.audio import read_wav
    from phaselab.signal.reconstruction import randomize_phase

    crop = parse_crop(args.crop)
    if args.n_phases < 1:
        raise CliError(f"--n-phases must be at least 1, got {args.n_phases}")
    if args.sigma is not None and args.sigma <= 0:
        raise CliError(f"--sigma must be positive, got {args.sigma}")
    fps = DEFAULT_FPS[args.axis] if args.fps is None else args.fps
    if not math.isfinite(fps) or fps <= 0:
        raise CliError(f"--fps must be a positive number, got {fps}")
    out = check_output_file(args.out, "the movie")
    path = bundled_clip(args.word) if args.word else Path(args.input)
    if out.suffix.lower() not in SUFFIXES:
        raise CliError(f"{out}: --out must end in .mp4 (an H.264 movie) or .gif (an animated GIF), "
                       f"got {out.suffix or 'no suffix'!r}")
    if out.exists() and path.exists() and out.samefile(path):
        raise CliError(f"{out}: --out is the input clip; refusing to overwrite it with a movie")
    if out.exists() and not args.force:
        raise CliError(f"{out}: exists; pass --force to overwrite it, or choose another --out")
    audio = read_wav(path)
    n_frames, volume_bytes = movie_size(len(audio), args.axis, crop, args.n_phases)
    seconds = n_frames / fps
    if n_frames > args.max_frames:
        raise CliError(f"the movie would have {n_frames} frames ({seconds:.0f} s at {fps:g} fps), more than "
                       f"--max-frames {args.max_frames}; film a part of the clip with --crop, or raise --max-frames")
    if volume_bytes > args.max_memory * 1e9:
        raise CliError(f"the movie's phased spectrogram would need {volume_bytes / 1e9:.1f} GB, more than "
                       f"--max-memory {args.max_memory:g}; film a part of the clip with --crop, fewer --n-phases, "
                       "or raise --max-memory")
    if args.random_phase:
        audio = randomize_phase(audio, np.random.default_rng(args.seed), frame_length=256, frame_step=64)
    name = (args.word or Path(args.input).stem) + (" (random-phase twin)" if args.random_phase else "")
    title = f"{name}, {args.reducer} over {REDUCED_AXIS[args.axis]}"
    movie = phased_movie(audio, args.axis, args.reducer, crop, args.n_phases, args.sigma, title=title,
                         reference=args.reference)
    with tqdm(total=movie.n_frames, unit="frame", desc=out.name) as bar:
        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        try:
            if out.suffix.lower() == ".gif":
                movie.to_gif(out, fps=fps, progress=progress)
            else:
                movie.to_mp4(out, fps=fps, progress=progress)
        except (RuntimeError, OSError) as exc:
            raise CliError(str(exc)) from exc
    print(f"wrote {out} ({movie.n_frames} frames at {fps:g} fps, {movie.frame_size[0]}x{movie.frame_size[1]})")
    return 0
