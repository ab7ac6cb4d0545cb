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
``data/`` is spent. The same holds for two games' sound effects, real recordings of animals, instruments and
household noises: Tux Paint's stamp sounds validate and test (:func:`stamp_sounds`, split by recording), the
sound effects of Widelands are for training (:func:`effect_sounds`). Each role comes from its own package, so no
recording is in two.
"""

from __future__ import annotations

import os
import shutil
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from phaselab import SAMPLE_RATE
from phaselab.paths import data_dir
from phaselab.signal.audio import decode_audio, read_wav, write_wav

__all__ = ["EVERYDAY_SOUNDS", "EXCERPT_START", "EverydayClips", "cut_everyday_excerpts", "everyday_clips",
           "everyday_root", "recording_clips", "GAME_MUSIC", "STAMP_SOUNDS_ROOT",
           "STAMP_VOICES", "STAMP_SAME_SOUND", "stamp_sounds", "stamp_role", "EFFECTS_ROOT", "TRAINING_EFFECTS",
           "effect_sounds"]

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
    """Shape (clips, 16000) (or seconds * 16000, :func:`recording_clips`), float32, at the recording's own level."""
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
                    quiet_db: float = -45.0, seconds: float = 1.0) -> EverydayClips:
    """One-second clips of every audio file under ``folders``, evenly spread over each recording.

    Clip ``i`` of ``per_recording`` starts ``(i + 1) / (per_recording + 1)`` of the way through the file, so
    intros and endings count no more than the rest; a clip quieter than ``quiet_db`` dB RMS (full scale 0 dB)
    is dropped, and a recording under one second is skipped.

    Parameters
    ----------
    folders : tuple of path-like
        Searched recursively for ``.ogg``, ``.opus``, ``.oga``, ``.flac``, ``.mp3`` and ``.wav`` files.
    per_recording : int
        Clips cut from each file, at most (and at most one per second of it).
    kind : str
        The ``kind`` of every clip.
    quiet_db : float
        Clips quieter than this (dB RMS, full scale 0 dB) are dropped.
    seconds : float
        Length of a clip (longer ones, e.g. 3 s, are stretches of sound for an assembled recording,
        :func:`phaselab.training.recordings.assemble_recording`); ``audio`` is then (clips, seconds * 16000).

    Returns
    -------
    EverydayClips
        Recording names are the files' paths relative to their folder, prefixed with the folder's name.

    Raises
    ------
    ValueError
        If a folder is missing (the message names the Debian packages of :data:`GAME_MUSIC`) or holds no audio.
    """
    paths, names = [], []
    for folder in map(Path, folders):
        if not folder.is_dir():
            raise ValueError(f"{folder}: no such folder (game music: apt-get install warzone2100-music "
                             "lincity-ng-data supertux-data)")
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
        if not files:
            raise ValueError(f"{folder}: no audio files")
        paths += files
        names += [f"{folder.name}/{path.relative_to(folder).as_posix()}" for path in files]
    return _cut_clips(paths, names, per_recording, kind, quiet_db, pad_short=False, seconds=seconds)


AUDIO_SUFFIXES = frozenset({".ogg", ".opus", ".oga", ".flac", ".mp3", ".wav"})
"""The files :func:`recording_clips` reads (any format ffmpeg decodes would do; these are the usual ones)."""


def _cut_clips(paths: list[Path], names: list[str], per_recording: int, kind: str, quiet_db: float,
               pad_short: bool, seconds: float = 1.0) -> EverydayClips:
    """Evenly spread clips of ``seconds`` of each file (the rule of :func:`recording_clips`)."""
    length = int(round(seconds * SAMPLE_RATE))
    if length < 1:
        raise ValueError(f"seconds must be above 0, got {seconds}")
    audio, recording = [], []
    for path, name in zip(paths, names):
        sound = decode_audio(path)
        if len(sound) < length:
            if not pad_short:
                continue
            sound = np.pad(sound, (0, length - len(sound)))
        count = min(per_recording, len(sound) // length)
        for i in range(count):
            start = int((i + 1) / (count + 1) * (len(sound) - length))
            clip = sound[start : start + length]
            if 10 * np.log10(np.mean(np.square(clip, dtype=np.float64)) + 1e-20) > quiet_db:
                audio.append(clip)
                recording.append(name)
    if not audio:
        raise ValueError(f"no clip louder than {quiet_db} dB in {len(paths)} files")
    return EverydayClips(np.stack(audio), np.array(recording), np.array([kind] * len(audio)))


STAMP_SOUNDS_ROOT = Path("/usr/share/tuxpaint/stamps")
"""Where Debian's ``tuxpaint-stamps-default`` (GPL-2, ``/usr/share/doc/tuxpaint-stamps-default/copyright``)
installs the sound effects of Tux Paint's stamps: animals (birds, insects, mammals, a frog), instruments,
household noises, vehicles, fireworks, a lightning bolt."""

STAMP_VOICES = ("symbols/", "space/apollo_lander", "seasonal/christmas/santahat", "seasonal/halloween/ghost",
                "seasonal/hanukkah/", "town/roadsigns/xing_", "military/final-roll-call", "_desc")
"""Stamp sounds left out because they are, or may be, a human voice (judged by their names and the package's
changelog before any detector heard them): spoken numbers, letters and descriptions (``symbols/``, ``_desc``),
Neil Armstrong's words, Santa's laugh, a ghost, the dreidel's letters, people at crossings, a roll call."""

STAMP_SAME_SOUND = {"animals/mammals/rodents/beaver": "animals/mammals/badger",
                    "animals/mammals/bovines/mountaingoat": "animals/mammals/bovines/goat",
                    "animals/mammals/bovines/ram": "animals/mammals/bovines/goat"}
"""Stamps whose sound is another stamp's recording (equal spectra, equal length): each follows its original
into the same role, so that no recording is in both."""


def stamp_sounds(role: str, per_recording: int = 4, root: str | os.PathLike = STAMP_SOUNDS_ROOT,
                 quiet_db: float = -45.0, seconds: float = 1.0) -> EverydayClips:
    """One-second clips of Tux Paint's stamp sounds, split by recording into ``validation`` and ``test``.

    A recording's role is the parity of the CRC-32 of its name (its original's, for
    :data:`STAMP_SAME_SOUND`): a fixed, arbitrary split that anyone can recompute, with every kind of sound
    on both sides. Sounds shorter than a second are padded with silence (most of them are: a bark, a
    click); voices (:data:`STAMP_VOICES`) and silent files are left out.

    Parameters
    ----------
    role : {"validation", "test"}
        Which half.
    per_recording : int
        Clips per recording, at most (at most one per second of it; evenly spread as in
        :func:`recording_clips`).
    root : path-like
        The stamps folder (``apt-get install tuxpaint-stamps-default``).
    quiet_db : float
        Clips quieter than this (dB RMS, full scale 0 dB) are dropped.
    seconds : float
        Length of a clip, as in :func:`recording_clips` (a shorter sound is padded to it).

    Returns
    -------
    EverydayClips
        ``recording`` is the stamp's name (``animals/birds/crow``), ``kind`` its top folder (``animals``,
        ``hobbies``, ``household`` ...).

    Raises
    ------
    ValueError
        If ``role`` is not one of the two, or the package is not installed (the message says how to).

    Examples
    --------
    >>> sorted({stamp_role(n) for n in ("animals/birds/crow", "animals/birds/owl")})
    ['test', 'validation']
    """
    if role not in ("validation", "test"):
        raise ValueError(f"role {role!r}: choose validation or test")
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{root}: no such folder (stamp sounds: apt-get install tuxpaint-stamps-default)")
    files = sorted(p for p in root.rglob("*.ogg")
                   if not any(v in p.relative_to(root).as_posix() for v in STAMP_VOICES))
    names = [p.relative_to(root).with_suffix("").as_posix() for p in files]
    chosen = [(p, n) for p, n in zip(files, names) if stamp_role(n) == role]
    clips = _cut_clips([p for p, _ in chosen], [n for _, n in chosen], per_recording, "stamp", quiet_db,
                       pad_short=True, seconds=seconds)
    return clips._replace(kind=np.array([n.split("/")[0] for n in clips.recording]))


def stamp_role(name: str) -> str:
    """``validation`` or ``test``: the role of the stamp sound ``name`` in :func:`stamp_sounds`."""
    return ("validation", "test")[zlib.crc32(STAMP_SAME_SOUND.get(name, name).encode()) % 2]


EFFECTS_ROOT = Path("/usr/share/games/widelands/data")
"""Where Debian's ``widelands-data`` (GPL-2+; each sound's author, licence and freesound.org source in
``sound/wl-sound-docu.csv``) installs the game's sound effects: real recordings of animals and crafts."""

TRAINING_EFFECTS = ("sound/animals", "sound/farm", "world/critters", "sound/woodcutting", "sound/smiths",
                    "sound/hammering", "sound/metal", "sound/mill", "sound/sawmill", "sound/stonecutting",
                    "sound/fisher", "sound/atlanteans", "sound/barbarians", "sound/empire", "sound/other")
"""Folders of :data:`EFFECTS_ROOT` a detector may *train* on (birds, wolves, crickets, a frog, farm animals, saws,
hammers, bubbling, dishes): another game's sounds than the stamp sounds that validate and test, so no recording
is in two roles. Left out: the interface's clicks and messages and ``sound/military`` (a call to arms)."""


def effect_sounds(root: str | os.PathLike = EFFECTS_ROOT, folders: tuple[str, ...] = TRAINING_EFFECTS,
                  quiet_db: float = -45.0) -> list[np.ndarray]:
    """Every sound effect of ``folders``, whole, at RMS 0.1, then padded with silence to at least a second.

    For a detector's noises (:func:`phaselab.data.augment.noise_segment` cuts them): a bark padded with
    silence, not tiled into a string of barks.

    Parameters
    ----------
    root : path-like
        ``apt-get install widelands-data`` puts it at :data:`EFFECTS_ROOT`.
    folders : tuple of str
        Searched recursively for ``.ogg`` files.
    quiet_db : float
        Files quieter than this (dB RMS, full scale 0 dB) are left out.

    Returns
    -------
    list of np.ndarray
        Shape (samples,) each, float32, 16 kHz, at least 16000 samples.

    Raises
    ------
    ValueError
        If a folder is missing (the message says what to install).
    """
    sounds = []
    for folder in (Path(root) / f for f in folders):
        if not folder.is_dir():
            raise ValueError(f"{folder}: no such folder (sound effects: apt-get install widelands-data)")
        for path in sorted(folder.rglob("*.ogg")):
            sound = decode_audio(path).astype(np.float64)
            rms = float(np.sqrt(np.mean(np.square(sound))))
            if 20 * np.log10(rms + 1e-20) > quiet_db:
                sound = np.pad(sound * (0.1 / rms), (0, max(0, SAMPLE_RATE - len(sound))))
                sounds.append(np.clip(sound, -1, 1).astype(np.float32))
    return sounds
