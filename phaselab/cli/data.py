"""``phaselab data``: get the data the notebooks and the trainer read.

``phaselab data download`` (:mod:`phaselab.data.download`), ``phaselab data synth`` and
``phaselab data samples`` (:mod:`phaselab.data.synth`), ``phaselab data real`` and ``phaselab data words``
(:mod:`phaselab.data.real`), ``phaselab data everyday`` (:mod:`phaselab.data.everyday`): the parsers live
here, the work in those modules.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from phaselab.data.download import (
    OFFICIAL_BASE_URL,
    _say,
    default_dest,
    download_speech_commands,
)
from phaselab.data.everyday import cut_everyday_excerpts
from phaselab.data.real import bundle_real_speech, word_tree
from phaselab.data.speech_commands import VERSIONS
from phaselab.data.synth import (
    SAMPLE_WORDS,
    extend_dataset,
    synthesize_dataset,
    synthesize_samples,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``phaselab data`` and its actions."""
    parser = subparsers.add_parser("data", help="download, synthesise or bundle keyword data")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    register_download(actions)
    register_synth(actions)
    register_real(actions)
    register_everyday(actions)
    register_words(actions)


def register_download(subparsers: argparse._SubParsersAction) -> None:
    """Add ``phaselab data download``."""
    parser = subparsers.add_parser(
        "download",
        help="download an official Speech Commands release",
        description=(
            "Download an official Speech Commands archive (v0.01: 1.4 GB, v0.02: 2.3 GB), check its "
            "SHA-256 and unpack it into DEST/speech_commands_VERSION. An interrupted download resumes "
            "when the command is run again."
        ),
    )
    parser.add_argument("--version", dest="release", choices=VERSIONS, default="v0.01",
                        help="release to fetch (default: v0.01, the Kaggle challenge data)")
    parser.add_argument("--dest", type=Path, default=None,
                        help=f"folder that receives the tree (default: {default_dest()})")
    parser.add_argument("--url", default=OFFICIAL_BASE_URL,
                        help=f"base URL of the archive (default: {OFFICIAL_BASE_URL})")
    parser.add_argument("--sha256", default=None,
                        help="expected SHA-256 of the archive (default: the published value for the release)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_run_download)


def _run_download(args: argparse.Namespace) -> int:
    final = download_speech_commands(
        version=args.release, dest=args.dest, url=args.url, sha256=args.sha256, progress=not args.quiet
    )
    print(final)
    _say(f"use it with: export PHASELAB_DATA={final}")
    return 0


def _run_synth(args: argparse.Namespace) -> int:
    """``phaselab data synth``: write the keyword set, or the chapter samples with --samples."""
    if args.samples:
        for path in synthesize_samples(args.out, force=args.force):
            print(path)
        return 0
    if args.extend is not None:
        if args.only is None:
            raise ValueError("--extend needs --only train or --only test (the split of the added speakers)")
        out = extend_dataset(args.extend, args.out, speakers=args.speakers, seed=args.seed, only=args.only,
                             force=args.force)
    else:
        out = synthesize_dataset(args.out, speakers=args.speakers, seed=args.seed, force=args.force, only=args.only)
    print(f"wrote {out}")
    return 0


def register_synth(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``synth`` action to ``phaselab data``."""
    parser = subparsers.add_parser(
        "synth",
        help="synthesise a small keyword set with espeak-ng (Speech Commands layout)",
        description="Speak the 30 Speech Commands v0.01 words with espeak-ng voices into a "
        "Speech Commands-style tree (needs espeak-ng). The testing speakers use held-out voices.",
    )
    parser.add_argument("--out", required=True, type=Path, help="destination directory")
    parser.add_argument("--speakers", type=int, default=32, help="number of speakers, at least 3 (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    parser.add_argument("--force", action="store_true", help="replace an existing non-empty --out / sample files")
    parser.add_argument(
        "--only", choices=("train", "test"),
        help="every speaker in this split: 'test' makes an extra evaluation set of the held-out voices, "
        "'train' extra training speakers (at least 1 speaker)",
    )
    parser.add_argument(
        "--extend", type=Path, metavar="SET",
        help="write a copy of SET (a synthesised set) with --speakers more speakers, in the split --only",
    )
    parser.add_argument(
        "--samples", action="store_true", help=f"write only the clean samples {', '.join(SAMPLE_WORDS)} into --out"
    )
    parser.set_defaults(func=_run_synth)


def _run_real(args: argparse.Namespace) -> int:
    out = bundle_real_speech(args.pool, args.out, force=args.force)
    print(f"wrote {out}")
    return 0


def register_real(subparsers: argparse._SubParsersAction, names: Sequence[str] = ("real",)) -> None:
    """Add the ``real`` action to ``phaselab data``."""
    parser = subparsers.add_parser(
        names[0],
        help="bundle a pool of real Speech Commands clips as a speaker-split tree",
        description="Copy clips of a pool of real recordings (a folder with manifest.csv) into a "
        "Speech Commands tree split by speaker, as data/real_speech_commands was made.",
    )
    parser.add_argument("--pool", required=True, type=Path, help="the pool (a folder with manifest.csv)")
    parser.add_argument("--out", required=True, type=Path, help="destination directory")
    parser.add_argument("--force", action="store_true", help="replace an existing non-empty --out")
    parser.set_defaults(func=_run_real)


def _run_everyday(args: argparse.Namespace) -> int:
    for path in cut_everyday_excerpts(args.source, args.out, force=args.force):
        print(path)
    return 0


def register_everyday(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``everyday`` action to ``phaselab data``."""
    parser = subparsers.add_parser(
        "everyday",
        help="cut the bundled excerpts of everyday sounds (music, animals, read speech) from full recordings",
        description="Cut the excerpts of phaselab.data.everyday.EVERYDAY_SOUNDS from a folder of the full "
        "recordings (16 kHz mono WAVs, each with its licence .txt), as data/everyday_sounds was made.",
    )
    parser.add_argument("--source", required=True, type=Path, help="folder with <name>.wav and <name>.txt")
    parser.add_argument("--out", type=Path, default=Path("data/everyday_sounds"),
                        help="destination directory (default %(default)s)")
    parser.add_argument("--force", action="store_true", help="replace WAVs already in --out")
    parser.set_defaults(func=_run_everyday)


def _run_words(args: argparse.Namespace) -> int:
    out = word_tree(args.source, args.out, exclude=args.exclude, max_seconds=args.max_seconds, speaker=args.speaker,
                    force=args.force, pattern=args.pattern, limit=args.limit)
    print(f"wrote {out} ({sum(1 for _ in out.rglob('*.wav'))} words)")
    return 0


def register_words(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``words`` action to ``phaselab data``."""
    parser = subparsers.add_parser(
        "words",
        help="a training-only tree of extra unknown words (one-word recordings)",
        description="Turn a folder of one-word recordings into a Speech Commands tree whose every clip is "
        "training data for the unknown class (phaselab.data.real.word_tree); train on it beside another tree "
        "with `phaselab train --data real,OUT`.",
    )
    parser.add_argument("--source", required=True, type=Path,
                        help="folder of recordings (e.g. /usr/share/asterisk/sounds/en, /usr/share/tuxpaint/stamps)")
    parser.add_argument("--out", required=True, type=Path, help="the tree to write")
    parser.add_argument("--pattern", default="*.wav", help="which files, a glob at any depth (default %(default)s)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many words, evenly spread")
    parser.add_argument("--speaker", default="extra", help="speaker id of every clip (default %(default)s)")
    parser.add_argument("--exclude", nargs="*", default=[], help="words kept out (held out for testing)")
    parser.add_argument("--max-seconds", type=float, default=1.3, help="longer recordings are phrases, left out")
    parser.add_argument("--force", action="store_true", help="replace an existing --out")
    parser.set_defaults(func=_run_words)
