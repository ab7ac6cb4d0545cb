"""Everyday sounds that are not speech commands: music, an instrument, animals, read speech.

``data/everyday_sounds/`` holds short excerpts of ten real recordings (licences in the ``.txt`` of the
same name, listed in ``data/README.md``), cut by :func:`cut_everyday_excerpts` (``phaselab data everyday
--source DIR``) from the full recordings, which are not part of the project. :func:`everyday_clips`
reads them as one-second clips, each with the name of the recording it comes from, so that a study can
split by recording (never by clip). Chapter 06 scores speech detectors on them
(:mod:`phaselab.studies.detectors_world`).

Six non-speech recordings cannot show a rate of 5 %: :func:`recording_clips` cuts one-second clips from
any folder of recordings (OGG, Opus, WAV ... through :func:`phaselab.signal.audio.decode_audio`), so that a
study can use music that Debian packages install (:data:`GAME_MUSIC`), never bundled: the budget of
``data/`` is spent.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NamedTuple

import numpy as np

from phaselab import SAMPLE_RATE
from phaselab.paths import data_dir
from phaselab.signal.audio import decode_audio, read_wav, write_wav

__all__ = ["EVERYDAY_SOUNDS", "EXCERPT_START", "EverydayClips", "cut_everyday_excerpts", "everyday_clips",
           "everyday_root", "recording_clips", "GAME_MUSIC"]

EVERYDAY_SOUNDS: dict[str, tuple[str, float]] = {
    "brahms_hungarian_dance_5_us_army_strings": ("music", 10.0),
    "kevin_macleod_sugar_plum_fairy": ("music", 10.0),
    "kevin_macleod_vibe_ace": ("music", 10.0),
    "karissa_hobbs_lets_go_fishin_song": ("singing", 12.0),
    "solo_trumpet_sorohanro": ("instrument", 10.0),
    "humpback_whale_glacier_bay": ("animal", 10.0),
    "robin_bird_inspectorj": ("animal", 10.0),
    "librispeech_198-209-0000": ("speech", 5.0),
    "librispeech_3436-172162-0000": ("speech", 5.0),
    "librispeech_5703-47212-0000": ("speech", 5.0),
}
"""Recording (file stem) -> (kind, seconds kept). Kinds: ``music`` (no voice), ``singing`` (a song with
a singer), ``instrument`` (solo), ``animal``, ``speech`` (a person reading a book aloud). A recording
shorter than its seconds is kept whole."""

EXCERPT_START = 0.25
"""Where an excerpt starts: this fraction of the way through the part of the recording it can start in
(``start = floor(EXCERPT_START * (duration - kept))`` seconds), the same rule for every recording."""


class EverydayClips(NamedTuple):
    """One-second clips of the everyday sounds (:func:`everyday_clips`)."""

    audio: np.ndarray
    """Shape (clips, 16000), float32, at the recording's own level."""
    recording: np.ndarray
    """Shape (clips,), str: the file stem each clip comes from."""
    kind: np.ndarray
    """Shape (clips,), str: its recording's kind (:data:`EVERYDAY_SOUNDS`)."""


def everyday_root() -> Path:
    """The bundled ``data/everyday_sounds/``."""
    return data_dir() / "everyday_sounds"


def cut_everyday_excerpts(source: str | os.PathLike, out: str | os.PathLike, force: bool = False) -> list[Path]:
    """Cut the excerpts of :data:`EVERYDAY_SOUNDS` from the full recordings, with their licence files.

    Each recording is read at 16 kHz mono (:func:`~phaselab.signal.audio.read_wav`), its excerpt starts
    at :data:`EXCERPT_START` (whole seconds) and is written as 16-bit PCM; ``<stem>.txt`` is copied
    beside it. The same sources give byte-identical files.

    Parameters
    ----------
    source : path-like
        A folder with ``<stem>.wav`` and ``<stem>.txt`` for every stem of :data:`EVERYDAY_SOUNDS`.
    out : path-like
        Destination folder; refused if it holds WAVs, unless ``force``.
    force : bool

    Returns
    -------
    list of Path
        The WAVs written, in the order of :data:`EVERYDAY_SOUNDS`.

    Raises
    ------
    ValueError
        A missing recording or licence (checked before anything is written), or a non-empty ``out``.
    """
    source, out = Path(source), Path(out)
    missing = [f"{stem}{suffix}" for stem in EVERYDAY_SOUNDS for suffix in (".wav", ".txt")
               if not (source / f"{stem}{suffix}").is_file()]
    if missing:
        raise ValueError(f"{source}: missing {', '.join(missing)}")
    if out.is_dir() and any(out.glob("*.wav")) and not force:
        raise ValueError(f"{out} already holds WAV files; add --force to replace them")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, (_, seconds) in EVERYDAY_SOUNDS.items():
        audio = read_wav(source / f"{stem}.wav")
        keep = min(len(audio), int(seconds * SAMPLE_RATE))
        start = int(EXCERPT_START * (len(audio) - keep) / SAMPLE_RATE) * SAMPLE_RATE
        written.append(write_wav(out / f"{stem}.wav", audio[start : start + keep]))
        shutil.copyfile(source / f"{stem}.txt", out / f"{stem}.txt")
    return written


def everyday_clips(root: str | os.PathLike | None = None, kinds: tuple[str, ...] | None = None) -> EverydayClips:
    """The bundled everyday sounds as non-overlapping one-second clips, with their recording and kind.

    A recording gives ``floor(seconds)`` clips; a recording under one second gives one, zero-padded.

    Parameters
    ----------
    root : path-like, optional
        Default :func:`everyday_root`.
    kinds : tuple of str, optional
        Keep only recordings of these kinds (:data:`EVERYDAY_SOUNDS`); default all.

    Returns
    -------
    EverydayClips

    Examples
    --------
    >>> clips = everyday_clips(kinds=("animal",))
    >>> clips.audio.shape[1], sorted(set(clips.recording.tolist()))
    (16000, ['humpback_whale_glacier_bay', 'robin_bird_inspectorj'])
    """
    root = everyday_root() if root is None else Path(root)
    chosen = {stem: kind for stem, (kind, _) in EVERYDAY_SOUNDS.items() if kinds is None or kind in kinds}
    if not chosen:
        raise ValueError(f"no everyday sound of kinds {kinds}; kinds are {sorted({k for k, _ in EVERYDAY_SOUNDS.values()})}")
    audio, recording, kind = [], [], []
    for stem, what in chosen.items():
        sound = read_wav(root / f"{stem}.wav")
        count = max(1, len(sound) // SAMPLE_RATE)
        sound = np.pad(sound, (0, max(0, SAMPLE_RATE - len(sound))))
        audio += [sound[i * SAMPLE_RATE : (i + 1) * SAMPLE_RATE] for i in range(count)]
        recording += [stem] * count
        kind += [what] * count
    return EverydayClips(np.stack(audio).astype(np.float32), np.array(recording), np.array(kind))


GAME_MUSIC: dict[str, tuple[str, str]] = {
    "validation": ("/usr/share/games/warzone2100/music", "/usr/share/games/lincity-ng/music"),
    "test": ("/usr/share/games/supertux2/music",),
}
"""Produced game music that Debian installs (``apt-get install warzone2100-music lincity-ng-data supertux-data``;
GPL-2+, CC0 and CC-BY-SA, see each package's ``/usr/share/doc/PACKAGE/copyright``), by role: the validation
packages choose, the test package reports. No piece is in two roles: they are different games' soundtracks."""


def recording_clips(folders: tuple[str | os.PathLike, ...], per_recording: int = 4, kind: str = "music",
                    quiet_db: float = -45.0) -> EverydayClips:
    """One-second clips of every audio file under ``folders``, evenly spread over each recording.

    Clip ``i`` of ``per_recording`` starts ``(i + 1) / (per_recording + 1)`` of the way through the file, so
    intros and endings count no more than the rest; a clip quieter than ``quiet_db`` dB RMS (full scale 0 dB)
    is dropped, and a recording under one second is skipped.

    Parameters
    ----------
    folders : tuple of path-like
        Searched recursively for ``.ogg``, ``.opus``, ``.oga``, ``.flac``, ``.mp3`` and ``.wav`` files.
    per_recording : int
        Clips cut from each file, at most.
    kind : str
        The ``kind`` of every clip.

    Returns
    -------
    EverydayClips
        Recording names are the files' paths relative to their folder, prefixed with the folder's name.

    Raises
    ------
    ValueError
        If a folder is missing (the message names the Debian packages of :data:`GAME_MUSIC`) or holds no audio.
    """
    suffixes = {".ogg", ".opus", ".oga", ".flac", ".mp3", ".wav"}
    audio, recording = [], []
    for folder in map(Path, folders):
        if not folder.is_dir():
            raise ValueError(f"{folder}: no such folder (game music: apt-get install warzone2100-music "
                             "lincity-ng-data supertux-data)")
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in suffixes and p.is_file())
        if not files:
            raise ValueError(f"{folder}: no audio files")
        for path in files:
            sound = decode_audio(path)
            if len(sound) < SAMPLE_RATE:
                continue
            for i in range(per_recording):
                start = int((i + 1) / (per_recording + 1) * (len(sound) - SAMPLE_RATE))
                clip = sound[start : start + SAMPLE_RATE]
                if 10 * np.log10(np.mean(np.square(clip, dtype=np.float64)) + 1e-20) > quiet_db:
                    audio.append(clip)
                    recording.append(f"{folder.name}/{path.relative_to(folder).as_posix()}")
    if not audio:
        raise ValueError(f"no clip louder than {quiet_db} dB in {', '.join(map(str, folders))}")
    return EverydayClips(np.stack(audio), np.array(recording), np.array([kind] * len(audio)))
