"""The bundled real-speech keyword set: human recordings of Speech Commands, split by speaker.

``data/real_speech_commands`` is made by :func:`bundle_real_speech` from a pool of real
Speech Commands clips described by a ``manifest.csv`` (columns ``source, word, speaker,
file``; the pool phaselab was given holds 4,808 clips of 819 speakers, see
``data/README.md``). The bundle keeps the Speech Commands layout, so every reader of
:class:`~phaselab.data.speech_commands.SpeechCommands` takes it as it takes the full set::

    real_speech_commands/
        <word>/<speaker>_nohash_<n>.wav    byte copies of the pool's clips
        _silence_/<n>.wav                   one-second clips of background noise (class "silence")
        _background_noise_/*.wav            the six official noise files and seven recorded ones
        validation_list.txt, testing_list.txt
        manifest.csv                        source, word, speaker, file, split of every clip
        LICENSE*.txt

**Which clips.** The pool's clips cost about 32 kB each and the bundle must fit the data
budget beside the synthetic set, so a speaker contributes at most one take of a word
(the lowest ``_nohash_<n>``). The exception is ``on``, ``off`` and ``go`` in the training
split: their only source is the 127 speakers of the official test set, so training keeps
two takes of those words per speaker, for class balance.

**Which split.** By speaker, never by clip (:func:`assign_split`): a speaker's hash chooses
the split, with larger test and validation shares for the official test set's speakers
(the only ones who say ``on``, ``off`` and ``go``), so that every class has tens of test
clips from tens of speakers. ``_silence_`` clips have no speaker; each is its own.

Notebook: ``04_3d_cnn_training`` (the keyword model people get is trained on this set).
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from phaselab.atomic import atomic_dir
from phaselab.data.labels import COMMANDS, SILENCE_FOLDERS, kaggle_label
from phaselab.data.speech_commands import BACKGROUND_NOISE, LIST_FILES

__all__ = ["PoolClip", "read_manifest", "assign_split", "select_clips", "bundle_real_speech", "split_counts", "counts_markdown", "OFFICIAL_TEST_SOURCE", "SPLIT_SHARES", "TWO_TAKE_WORDS", "word_tree"]


OFFICIAL_TEST_SOURCE = "official-test-v0.02"
"""The pool's ``source`` of clips from the official Speech Commands v0.02 test set."""


SPLIT_SHARES: dict[str, tuple[float, float]] = {
    "official": (0.35, 0.15),
    "other": (0.12, 0.10),
    "silence": (0.40, 0.20),
}
"""(test share, validation share) of the speakers of each kind; the rest train.

``official``: speakers of the official test set (say all 10 commands and most unknown
words); ``other``: everyone else (7 commands, from the TensorFlow tutorial's mini set, and
the v0.01 sample); ``silence``: the ``_silence_`` clips, one pseudo-speaker each.
"""


TWO_TAKE_WORDS: frozenset[str] = frozenset({"on", "off", "go"})
"""Words whose training clips keep two takes per speaker (their only source is the official test set)."""


MANIFEST = "manifest.csv"


LICENCE_FILES = ("LICENSE-speech-commands-CC-BY-4.0.txt",)
"""Licence files copied from the pool."""


MIT_LICENCE_FILE = "LICENSE-recorded-noise-MIT.txt"


MIT_LICENCE = """The files _background_noise_/recorded_*.wav come from the project
felixchenfy/Speech-Commands-Classification-by-LSTM-PyTorch (data/noises/), under this licence:

MIT License

Copyright (c) 2022 Feiyu Chen

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""
"""The licence of the recorded noises, written beside them (the pool states it in its README)."""


RECORDED_NOISE_PREFIX = "recorded_"
"""File-name prefix of the MIT-licensed recorded noises in ``_background_noise_/``."""


@dataclass(frozen=True)
class PoolClip:
    """One row of the pool's manifest.

    Attributes
    ----------
    source : str
        Where the clip comes from (e.g. ``official-test-v0.02``).
    word : str
        Its word folder (or ``_silence_``).
    speaker : str
        The speaker id; empty for ``_silence_`` clips.
    file : str
        Its path relative to the pool, ``speech_commands/<word>/<name>.wav``.
    """

    source: str
    word: str
    speaker: str
    file: str

    @property
    def name(self) -> str:
        """The file name (``<speaker>_nohash_<n>.wav``)."""
        return Path(self.file).name

    @property
    def key(self) -> str:
        """The path in the bundle and its lists, ``word/name``."""
        return f"{self.word}/{self.name}"

    @property
    def take(self) -> int:
        """The ``<n>`` of ``_nohash_<n>`` (0 for a name without one)."""
        stem = Path(self.file).stem
        return int(stem.rsplit("_nohash_", 1)[1]) if "_nohash_" in stem else 0


def read_manifest(pool: str | os.PathLike) -> list[PoolClip]:
    """The clips of a pool, from its ``manifest.csv``, sorted by file.

    Raises
    ------
    ValueError
        If ``pool`` has no manifest, the manifest lacks a column, or names a missing file.
    """
    pool = Path(pool)
    path = pool / MANIFEST
    if not path.is_file():
        raise ValueError(f"{pool}: no {MANIFEST}; expected a pool of real clips with columns source, word, speaker, file")
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"source", "word", "speaker", "file"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        clips = [PoolClip(row["source"], row["word"], row["speaker"], row["file"]) for row in reader]
    for clip in clips:
        if not (pool / clip.file).is_file():
            raise ValueError(f"{path}: names {clip.file}, which is not a file of {pool}")
    return sorted(clips, key=lambda clip: clip.file)


SPLIT_SALT = "phaselab real split:"
"""Prefixed to a speaker id before hashing. Unsalted SHA-1 of the pool's speaker ids is not
uniform (all 819 fall in [0.5, 1): the pool was itself chosen by such a hash), so it could
not split them."""


def _unit_hash(text: str) -> float:
    """A number in [0, 1) fixed by ``text`` (salted SHA-1), the same on every machine."""
    return int(hashlib.sha1((SPLIT_SALT + text).encode("utf-8")).hexdigest()[:12], 16) / 16**12


def assign_split(clip: PoolClip, official_speakers: frozenset[str]) -> str:
    """The split of a clip's speaker: ``"train"``, ``"validation"`` or ``"test"``.

    The speaker's hash (of the file name for ``_silence_`` clips) is compared with the
    shares of :data:`SPLIT_SHARES` for the speaker's kind, so all clips of one speaker
    land in one split.

    Examples
    --------
    >>> clip = PoolClip("mini_speech_commands", "yes", "004ae714", "speech_commands/yes/004ae714_nohash_0.wav")
    >>> assign_split(clip, frozenset())
    'train'
    """
    if clip.word in SILENCE_FOLDERS:
        kind, value = "silence", _unit_hash(clip.name)
    else:
        kind = "official" if clip.speaker in official_speakers else "other"
        value = _unit_hash(clip.speaker)
    test, validation = SPLIT_SHARES[kind]
    return "test" if value < test else "validation" if value < test + validation else "train"


def select_clips(clips: Iterable[PoolClip]) -> list[tuple[PoolClip, str]]:
    """The clips the bundle keeps, each with its split, in file order.

    At most one take per speaker and word (the lowest-numbered), two for the words of
    :data:`TWO_TAKE_WORDS` in the training split; every ``_silence_`` clip.
    """
    clips = sorted(clips, key=lambda clip: (clip.word, clip.speaker, clip.take, clip.file))
    official = frozenset(c.speaker for c in clips if c.source == OFFICIAL_TEST_SOURCE and c.word not in SILENCE_FOLDERS)
    kept: list[tuple[PoolClip, str]] = []
    takes: Counter[tuple[str, str]] = Counter()
    for clip in clips:
        split = assign_split(clip, official)
        if clip.word not in SILENCE_FOLDERS:
            allowed = 2 if (split == "train" and clip.word in TWO_TAKE_WORDS) else 1
            if takes[clip.speaker, clip.word] >= allowed:
                continue
            takes[clip.speaker, clip.word] += 1
        kept.append((clip, split))
    return sorted(kept, key=lambda item: item[0].file)


def _noise_files(pool: Path) -> list[tuple[Path, str]]:
    """(source file, name in ``_background_noise_``) of the pool's noise recordings."""
    files = [(path, path.name) for path in sorted((pool / "background_noise" / "official").glob("*.wav"))]
    files += [(path, RECORDED_NOISE_PREFIX + path.name) for path in sorted((pool / "background_noise" / "recorded").glob("*.wav"))]
    return files


def bundle_real_speech(pool: str | os.PathLike, out: str | os.PathLike, force: bool = False) -> Path:
    """Copy the chosen clips of a pool of real speech into a Speech Commands tree at ``out``.

    The tree is built beside ``out`` under a temporary name and renamed when complete,
    so an interrupted run leaves nothing behind. Files are byte copies: nothing is
    re-encoded.

    Parameters
    ----------
    pool : path-like
        A folder with ``manifest.csv``, ``speech_commands/``, ``background_noise/official``
        and ``background_noise/recorded`` (the layout of the pool described in
        ``data/README.md``), and its licence file.
    out : path-like
        Destination; must be absent or empty unless ``force``.
    force : bool
        Replace a non-empty ``out``.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ValueError
        If the pool is incomplete or ``out`` is a file or a non-empty directory.
    """
    from phaselab.data.synth import _check_out

    pool, out = Path(pool), Path(out)
    _check_out(out, force)
    chosen = select_clips(read_manifest(pool))
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_dir(out) as tmp:
        for clip, _ in chosen:
            target = tmp / clip.key
            target.parent.mkdir(exist_ok=True)
            shutil.copyfile(pool / clip.file, target)
        noise = tmp / BACKGROUND_NOISE
        noise.mkdir()
        for path, name in _noise_files(pool):
            shutil.copyfile(path, noise / name)
        for split, name in LIST_FILES.items():
            lines = sorted(clip.key for clip, s in chosen if s == split)
            (tmp / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        with open(tmp / MANIFEST, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["source", "word", "speaker", "file", "split"])
            for clip, split in chosen:
                writer.writerow([clip.source, clip.word, clip.speaker, clip.key, split])
        for name in LICENCE_FILES:
            shutil.copyfile(pool / name, tmp / name)
        (tmp / MIT_LICENCE_FILE).write_text(MIT_LICENCE, encoding="utf-8")
    return out


def _bundle_rows(root: Path) -> list[dict[str, str]]:
    with open(root / MANIFEST, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def split_counts(root: str | os.PathLike) -> dict[str, dict[str, int]]:
    """Clips per Kaggle class and split of a bundle, and ``"speakers"`` per split.

    Returns
    -------
    dict
        ``{split: {class: clips, ..., "all": clips, "speakers": speakers}}`` for the
        splits ``train``, ``validation``, ``test``; ``_silence_`` clips are not speakers.
    """
    rows = _bundle_rows(Path(root))
    table: dict[str, dict[str, int]] = {}
    for split in ("train", "validation", "test"):
        chosen = [row for row in rows if row["split"] == split]
        counts = Counter(kaggle_label(row["word"]) for row in chosen)
        table[split] = {**{label: counts[label] for label in (*COMMANDS, "unknown", "silence")},
                        "all": len(chosen), "speakers": len({row["speaker"] for row in chosen if row["speaker"]})}
    return table


def counts_markdown(root: str | os.PathLike) -> str:
    """Markdown tables of a bundle: clips per class and split, clips per source and split.

    Counted from the bundle's ``manifest.csv`` (which the tests check against the files and
    the split lists), so ``data/README.md`` can be regenerated from the data.
    """
    root = Path(root)
    counts = split_counts(root)
    splits = ("train", "validation", "test")
    rows = ["| class | train | validation | test | total |", "|---|---:|---:|---:|---:|"]
    for label in (*COMMANDS, "unknown", "silence", "all", "speakers"):
        values = [counts[s][label] for s in splits]
        name = f"**{label}**" if label in ("all", "speakers") else label
        total = "" if label == "speakers" else str(sum(values))
        rows.append(f"| {name} | " + " | ".join(map(str, values)) + f" | {total} |")
    sources = Counter((row["source"], row["split"]) for row in _bundle_rows(root))
    rows += ["", "| source | train | validation | test |", "|---|---:|---:|---:|"]
    for source in sorted({source for source, _ in sources}):
        rows.append(f"| {source} | " + " | ".join(str(sources[source, s]) for s in splits) + " |")
    return "\n".join(rows) + "\n"


def word_tree(source: str | os.PathLike, out: str | os.PathLike, exclude: Iterable[str] = (),
              max_seconds: float = 1.3, speaker: str = "extra", force: bool = False, pattern: str = "*.wav",
              limit: int | None = None) -> Path:
    """A training-only Speech Commands tree of single spoken words: ``unknown`` material beyond the 25 words.

    Every file matching ``pattern`` under ``source`` (sub-folders included; WAV, or any format ffmpeg decodes, through
    :func:`phaselab.signal.audio.decode_audio`) at most ``max_seconds`` long is one word, named by its
    file stem; it is kept unless one of the stem's tokens (split at ``-``, ``_`` and ``/``; ``digits/h-hundred``
    gives ``digits``, ``h``, ``hundred``) is a command of :data:`~phaselab.data.labels.COMMANDS` or in
    ``exclude`` (words kept for testing, so that none of them is heard in training). Each kept word becomes
    ``out/<stem with / and - as _>/<speaker>_nohash_0.wav``: its loudest second, resampled to 16 kHz. The list
    files are empty, so every clip is training data; read it beside another tree
    (``phaselab train --data real,OUT``) so that it adds to that tree's ``unknown`` class.

    Parameters
    ----------
    source : path-like
        A folder of one-word recordings (Debian's ``asterisk-core-sounds-en-wav``: ``/usr/share/asterisk/sounds/en``).
    out : path-like
        The tree to write (atomically; an existing one is replaced only with ``force``).
    exclude : iterable of str
        Words (lower case) whose recordings stay out.
    max_seconds : float
        Longer recordings are phrases, left out.
    speaker : str
        The speaker id of every clip (one speaker read them all).
    pattern : str
        Which files (a glob, matched at any depth): ``*_desc_fr.ogg`` takes the French descriptions of Tux Paint's
        stamps (``apt-get install tuxpaint-stamps-default``).
    limit : int, optional
        Keep at most this many words, evenly spread over the sorted candidates (a cap, not a random draw).

    Returns
    -------
    Path
        ``out``.
    """
    import re

    import numpy as np

    from phaselab import SAMPLE_RATE
    from phaselab.signal.audio import decode_audio, read_wav, write_wav

    source, out = Path(source), Path(out)
    if not source.is_dir():
        raise ValueError(f"{source}: not a folder of word recordings (Debian: apt-get install asterisk-core-sounds-en-wav)")
    if out.exists() and not force:
        raise ValueError(f"{out} exists; pass force=True (--force) to replace it")
    banned = set(COMMANDS) | {word.lower() for word in exclude}
    candidates = []
    for path in sorted(source.rglob(pattern)):
        stem = path.relative_to(source).with_suffix("").as_posix().lower()
        if path.is_file() and not set(re.split(r"[-_/]", stem)) & banned:
            candidates.append((path, stem))
    if limit is not None and len(candidates) > limit:
        candidates = [candidates[i] for i in np.linspace(0, len(candidates) - 1, limit).round().astype(int)]
    kept = 0
    with atomic_dir(out) as tmp:
        for path, stem in candidates:
            audio = read_wav(path) if path.suffix.lower() == ".wav" else decode_audio(path)
            if len(audio) > max_seconds * SAMPLE_RATE or not np.any(audio):
                continue
            if len(audio) > SAMPLE_RATE:
                energy = np.convolve(np.square(audio, dtype=np.float64), np.ones(SAMPLE_RATE), "valid")
                start = int(np.argmax(energy))
                audio = audio[start : start + SAMPLE_RATE]
            folder = tmp / re.sub(r"[^a-z0-9]+", "_", stem)
            folder.mkdir()
            write_wav(folder / f"{speaker}_nohash_0.wav", audio)
            kept += 1
        if not kept:
            raise ValueError(f"{source}: no recording of at most {max_seconds} s is left once the excluded words are out")
        for name in LIST_FILES.values():
            (tmp / name).write_text("")
    return out
