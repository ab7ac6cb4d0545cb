"""Reading a Speech Commands tree: clips, official splits, Kaggle labels, background noise.

The official layout of v0.01 and v0.02 (and of the bundled ``data/mini_speech_commands``)::

    ROOT/
        yes/0a7c2a8d_nohash_0.wav     one folder per word, <speaker>_nohash_<n>.wav
        ...
        _background_noise_/*.wav      long noise recordings (not clips)
        validation_list.txt           one "word/file.wav" per line
        testing_list.txt

The training split is every clip that neither list names. A folder named ``_silence_``
holds clips of the ``silence`` class (trees written for evaluation); its files may have
any ``*.wav`` name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from phaselab.data.labels import (
    SILENCE_FOLDERS,
    UNKNOWN,
    WORDS_V1,
    WORDS_V2,
    kaggle_label,
)
from phaselab.paths import data_dir

__all__ = ["Clip", "SpeechCommands", "resolve_data_root", "bundled_clip", "DATA_NAMES", "DEFAULT_DATA", "VERSIONS", "SPLITS", "BACKGROUND_NOISE"]


VERSIONS: tuple[str, ...] = ("v0.01", "v0.02")
"""The official releases of Speech Commands."""


SPLITS: tuple[str, ...] = ("train", "validation", "test", "all")
"""Splits :meth:`SpeechCommands.clips` accepts."""


BACKGROUND_NOISE = "_background_noise_"
"""The folder of long background-noise recordings."""


LIST_FILES: dict[str, str] = {"validation": "validation_list.txt", "test": "testing_list.txt"}
"""The file that lists each held-out split."""


V2_ONLY_WORDS = frozenset(WORDS_V2) - frozenset(WORDS_V1)
"""Words only v0.02 has (backward, follow, forward, learn, visual)."""


CLIP_NAME = re.compile(r"^(?P<speaker>.+?)_nohash_(?P<n>\d+)\.wav$")
"""The official clip file name: ``<speaker>_nohash_<n>.wav``."""


HOW_TO_GET = (
    "name a bundled set (real, synthetic, both), get the full set with `phaselab data download`, "
    "or build a synthetic set with `phaselab data synth`"
)


@dataclass(frozen=True)
class Clip:
    """One clip of a Speech Commands tree.

    Attributes
    ----------
    path : Path
        The WAV file.
    word : str
        Its folder name (the spoken word, or ``_silence_``).
    label : str
        Its Kaggle class (:func:`phaselab.data.labels.kaggle_label`): a command,
        ``unknown`` or ``silence``.
    speaker : str
        The part of the file name before ``_nohash_``; the file's stem for a clip
        without one.
    """

    path: Path
    word: str
    label: str
    speaker: str


DATA_NAMES: dict[str, tuple[str, ...]] = {
    "real": ("real_speech_commands",),
    "synthetic": ("mini_speech_commands",),
    "mini": ("mini_speech_commands",),
    "both": ("real_speech_commands", "mini_speech_commands"),
}
"""The names of the bundled sets (folders of ``data/``): ``real`` (people, the default),
``synthetic`` (espeak-ng voices; ``mini`` is its old name), and ``both`` (the two read as one)."""


DEFAULT_DATA = "real"
"""The set read when neither a path nor ``PHASELAB_DATA`` names one."""


def bundled_clip(word: str, root: str | os.PathLike | None = None) -> Path:
    """The bundled clip of a word.

    ``data/samples/<word>.wav`` (real recordings) if present, else the first WAV (in sorted
    order) of ``data/real_speech_commands/<word>/``, else of ``data/mini_speech_commands/<word>/``.

    Raises
    ------
    ValueError
        If neither exists; the message lists the words that do.
    """
    root = data_dir() if root is None else Path(root)
    sample = root / "samples" / f"{word}.wav"
    if sample.is_file():
        return sample
    for tree in DATA_NAMES["both"]:
        clips = sorted((root / tree / word).glob("*.wav"))
        if clips:
            return clips[0]
    words = sorted({p.stem for p in (root / "samples").glob("*.wav")}
                   | {p.name for tree in DATA_NAMES["both"]
                      for p in (root / tree).glob("*") if p.is_dir() and p.name[0] not in "._"})  # not _background_noise_
    raise ValueError(f"no bundled clip for the word {word!r} under {root}; bundled words: {', '.join(words) or 'none'}")


def resolve_data_root(path: str | os.PathLike | None = None) -> Path | tuple[Path, ...]:
    """Find the Speech Commands tree (or trees) to read.

    Looked up in this order: ``path`` if given, else the environment variable
    ``PHASELAB_DATA``, else :data:`DEFAULT_DATA`. A value that is a name of
    :data:`DATA_NAMES` (``real``, ``synthetic``, ``mini``, ``both``) means the bundled set;
    anything else is a directory.

    Parameters
    ----------
    path : str or path-like, optional
        A directory, or a bundled set's name; several, separated by commas, are read as one
        (``real,build/words``: the real set and a tree of :func:`phaselab.data.real.word_tree`).

    Returns
    -------
    Path or tuple of Path
        An existing directory (its layout is checked by :class:`SpeechCommands`), or,
        for ``both`` or a list, every directory; :class:`SpeechCommands` takes either.

    Raises
    ------
    ValueError
        If a chosen directory does not exist; the message says where it came from
        and how to get data.

    Examples
    --------
    >>> resolve_data_root("real").name
    'real_speech_commands'
    >>> [root.name for root in resolve_data_root("both")]
    ['real_speech_commands', 'mini_speech_commands']
    """
    if path is not None and str(path) != "":
        source, value = "the path given", str(path)
    elif os.environ.get("PHASELAB_DATA"):
        source, value = "PHASELAB_DATA", os.environ["PHASELAB_DATA"]
    else:
        source, value = f"the default (bundled {DEFAULT_DATA} set)", DEFAULT_DATA
    roots: tuple[Path, ...] = ()
    for part in (p.strip() for p in value.split(",")):  # "real,build/words": trees read as one
        if part in DATA_NAMES:
            roots += tuple(data_dir() / folder for folder in DATA_NAMES[part])
        else:
            roots += (Path(part).expanduser(),)
    for root in roots:
        if not root.is_dir():
            raise ValueError(f"no Speech Commands data at {root} (from {source}); {HOW_TO_GET}")
    return roots[0] if len(roots) == 1 else roots


def _speaker(name: str) -> str | None:
    """The speaker of a clip file, None if it is not a WAV.

    Official names give the part before ``_nohash_``; any other ``.wav`` (an evaluation
    tree recorded elsewhere) is its own speaker, named by the file's stem.
    """
    match = CLIP_NAME.match(name)
    if match:
        return match["speaker"]
    if name.lower().endswith(".wav"):
        return name[: -len(".wav")]
    return None


class SpeechCommands:
    """A Speech Commands tree (v0.01, v0.02 or the bundled mini set), scanned once.

    Parameters
    ----------
    root : str or path-like, or a sequence of them
        The folder holding the word folders and the two list files; several folders
        (e.g. :func:`resolve_data_root` of ``"both"``) are read as one tree whose splits are
        the union of theirs.
    version : {"v0.01", "v0.02"}, optional
        The release; detected from the words present when omitted (v0.02 has
        backward, follow, forward, learn and visual).

    Raises
    ------
    ValueError
        If ``root`` is not a Speech Commands tree: no word folders, a file other than a
        ``.wav`` in a word folder, a list naming a missing clip or a
        clip named by both lists, or a ``version`` that contradicts the words present.

    Notes
    -----
    Hidden files (names starting with ``.``) are ignored. The list files may be absent
    (an evaluation tree); asking for a train/validation/test split then raises.
    """

    def __init__(self, root: str | os.PathLike | Sequence[str | os.PathLike], version: str | None = None) -> None:
        roots = tuple(Path(r) for r in root) if isinstance(root, (list, tuple)) else (Path(root),)
        if not roots:
            raise ValueError("no Speech Commands tree given")
        self.root = roots[0]
        """The (first) tree's folder."""
        self.roots: tuple[Path, ...] = roots
        """Every tree read; several trees are read as one (keys prefixed by the folder name)."""
        if len(roots) > 1:
            parts = [SpeechCommands(r, version) for r in roots]
            names = [part.root.name for part in parts]
            if len(set(names)) != len(names):
                raise ValueError(f"trees read together need distinct folder names, got {', '.join(names)}")
            self._clips = {f"{part.root.name}/{key}": clip for part in parts for key, clip in part._clips.items()}
            self.words = tuple(sorted({clip.word for clip in self._clips.values()}))
            self.version = "v0.02" if any(part.version == "v0.02" for part in parts) else "v0.01"
            if any(part._held_out is None for part in parts):
                self._held_out = None
            else:
                self._held_out = {
                    split: frozenset(f"{part.root.name}/{key}" for part in parts for key in part._held_out[split])
                    for split in LIST_FILES
                }
            return
        if not self.root.is_dir():
            raise ValueError(f"{self.root}: not a directory; expected a Speech Commands tree ({HOW_TO_GET})")
        self._clips = self._scan()
        self.words: tuple[str, ...] = tuple(sorted({clip.word for clip in self._clips.values()}))
        """The word folders present, sorted."""
        self.version = self._check_version(version)
        self._held_out = self._read_lists()

    def __repr__(self) -> str:
        where = str(self.root) if len(self.roots) == 1 else [str(root) for root in self.roots]
        return f"SpeechCommands({where!r}, version={self.version!r}: {len(self._clips)} clips)"

    def _scan(self) -> dict[str, Clip]:
        """Every clip, keyed by its path relative to the root ("word/file.wav")."""
        clips: dict[str, Clip] = {}
        folders = [
            entry for entry in os.scandir(self.root)
            if entry.is_dir() and not entry.name.startswith(".")
            and (not entry.name.startswith("_") or entry.name in SILENCE_FOLDERS)
        ]
        for folder in sorted(folders, key=lambda entry: entry.name):
            word = folder.name
            for entry in sorted(os.scandir(folder.path), key=lambda entry: entry.name):
                if entry.name.startswith("."):
                    continue
                speaker = _speaker(entry.name) if entry.is_file() else None
                if entry.is_symlink() and not os.path.exists(entry.path):
                    raise ValueError(f"{entry.path}: a symbolic link to {os.readlink(entry.path)}, which does not exist")
                if speaker is None:
                    raise ValueError(
                        f"{entry.path}: not a clip; every file in a word folder must be a .wav, "
                        f"named <speaker>_nohash_<n>.wav in the official layout ({HOW_TO_GET})"
                    )
                clips[f"{word}/{entry.name}"] = Clip(Path(entry.path), word, kaggle_label(word), speaker)
        if not clips:
            raise ValueError(
                f"{self.root}: no word folders with clips; expected one folder per word holding "
                f"<speaker>_nohash_<n>.wav files, validation_list.txt and testing_list.txt ({HOW_TO_GET})"
            )
        return clips

    def _check_version(self, version: str | None) -> str:
        detected = "v0.02" if V2_ONLY_WORDS & set(self.words) else "v0.01"
        if version is None:
            return detected
        if version not in VERSIONS:
            raise ValueError(f"unknown Speech Commands version {version!r}; expected one of {', '.join(VERSIONS)}")
        if version == "v0.01" and detected == "v0.02":
            extra = ", ".join(sorted(V2_ONLY_WORDS & set(self.words)))
            raise ValueError(f"{self.root}: version v0.01 asked for, but the tree has v0.02 words ({extra})")
        return version

    def _read_lists(self) -> dict[str, frozenset[str]] | None:
        """The clips each list names, or None if the tree has no list files."""
        paths = {split: self.root / name for split, name in LIST_FILES.items()}
        if not any(path.exists() for path in paths.values()):
            return None
        held_out: dict[str, frozenset[str]] = {}
        for split, path in paths.items():
            if not path.is_file():
                raise ValueError(f"{path}: missing; the official layout has both {' and '.join(LIST_FILES.values())}")
            names = []
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(f"{path}: not UTF-8 text ({exc}); a list names one clip per line") from None
            for number, line in enumerate(text.splitlines(), start=1):
                name = line.strip()
                if not name:
                    continue
                if name.startswith("./"):
                    name = name[2:]
                if name not in self._clips:
                    raise ValueError(
                        f"{path}, line {number}: names {name!r}, which is not a clip of the tree "
                        f"(expected word/<speaker>_nohash_<n>.wav; {HOW_TO_GET})"
                    )
                names.append(name)
            held_out[split] = frozenset(names)
        both = held_out["validation"] & held_out["test"]
        if both:
            raise ValueError(f"{self.root}: {len(both)} clips are in both lists, e.g. {min(both)!r}")
        return held_out

    def clips(
        self,
        split: str = "all",
        unknown_share: float | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> list[Clip]:
        """The clips of one split, in path order.

        Parameters
        ----------
        split : {"train", "validation", "test", "all"}
            ``train`` is every clip that neither list names.
        unknown_share : float in [0, 1], optional
            Keep a random subset of the ``unknown`` clips so that they make up at most
            this share of the split (the Kaggle winners trained on about 1/12 unknown);
            None keeps them all.
        rng : np.random.Generator or int, optional
            Chooses the unknown clips kept; an int is a seed. None means seed 0, so the
            choice is the same on every call.

        Returns
        -------
        list of Clip
        """
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
        if split == "all":
            chosen = list(self._clips.values())
        else:
            if self._held_out is None:
                raise ValueError(
                    f"{self.root}: no validation_list.txt / testing_list.txt, so there is no {split!r} split; "
                    "training needs both lists; to evaluate on every clip use split='all' (--split all)"
                )
            if split == "train":
                listed = self._held_out["validation"] | self._held_out["test"]
                chosen = [clip for key, clip in self._clips.items() if key not in listed]
            else:
                chosen = [clip for key, clip in self._clips.items() if key in self._held_out[split]]
        if unknown_share is None:
            return chosen
        return _limit_unknown(chosen, unknown_share, rng)

    def labels(
        self,
        split: str = "all",
        vocabulary: str = "kaggle",
        unknown_share: float | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> list[str]:
        """The label of each clip of :meth:`clips` (same arguments, same order).

        Parameters
        ----------
        vocabulary : {"kaggle", "words"}
            ``kaggle``: the 12 Kaggle classes; ``words``: the folder names.
        """
        if vocabulary not in ("kaggle", "words"):
            raise ValueError(f"unknown vocabulary {vocabulary!r}; expected 'kaggle' or 'words'")
        chosen = self.clips(split, unknown_share=unknown_share, rng=rng)
        return [clip.label if vocabulary == "kaggle" else clip.word for clip in chosen]

    def background_noise_files(self) -> list[Path]:
        """The WAV files of ``_background_noise_/`` of every tree, sorted per tree; empty if none has one."""
        files: list[Path] = []
        for root in self.roots:
            folder = root / BACKGROUND_NOISE
            if folder.is_dir():
                files += sorted(path for path in folder.glob("*.wav") if not path.name.startswith("."))
        return files


def _limit_unknown(
    clips: list[Clip], share: float, rng: np.random.Generator | int | None
) -> list[Clip]:
    """Drop random unknown clips until they are at most ``share`` of the list (order kept)."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"unknown_share must be in [0, 1], got {share}")
    unknown = [i for i, clip in enumerate(clips) if clip.label == UNKNOWN]
    if share == 1.0:
        return clips
    n_known = len(clips) - len(unknown)
    # u / (n_known + u) <= share  <=>  u <= share * n_known / (1 - share)
    allowed = int(np.floor(share * n_known / (1.0 - share) + 1e-9))
    if len(unknown) <= allowed:
        return clips
    generator = np.random.default_rng(0 if rng is None else rng)
    kept = set(generator.choice(unknown, size=allowed, replace=False).tolist())
    dropped = set(unknown) - kept
    return [clip for i, clip in enumerate(clips) if i not in dropped]
