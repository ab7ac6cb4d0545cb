"""``phaselab data synth``: a small keyword set in the Speech Commands layout, spoken by espeak-ng.

The notebooks must run offline, so phaselab ships ``data/mini_speech_commands/``, made by
this module. A *speaker* is one combination of an espeak-ng English voice (an accent), a
voice variant (``-v en-us+f3``: formants, pitch range, breathiness, echo...), a pitch
(``-p``), a speed (``-s``) and an amplitude (``-a``). Each speaker says each of the 30
words of Speech Commands v0.01 once; the word is placed at a random offset in a 1 s clip
at 16 kHz, over faint white noise so that no clip is digitally silent.

The split follows Speech Commands: by speaker, listed in ``validation_list.txt`` and
``testing_list.txt``. The testing speakers use whole voices (accents) that no training
or validation speaker uses, so "test" means accents never heard in training.

Only this module needs espeak-ng (``apt-get install espeak-ng``). Given the same
espeak-ng version, the same arguments give byte-identical files.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, fields
from pathlib import Path

import numpy as np

from phaselab import SAMPLE_RATE
from phaselab.atomic import atomic_dir
from phaselab.data.background import (
    NOISE_FILES,
    NOISE_RMS,
    NOISE_SECONDS,
    background_noises,
)
from phaselab.data.espeak import Speaker, espeak_path, place_word, synthesize_word
from phaselab.data.labels import WORDS_V1
from phaselab.signal.audio import write_wav

__all__ = ["TRAIN_VOICES", "TEST_VOICES", "VARIANTS", "make_speakers", "synthesize_dataset", "extend_dataset", "synthesize_samples", "counts_markdown"]


TRAIN_VOICES: tuple[str, ...] = (
    "en-us", "en-gb", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-us-nyc",
)
"""espeak-ng English voices (accents) of the training and validation speakers."""


TEST_VOICES: tuple[str, ...] = ("en-029", "en-gb-scotland")
"""Voices held out whole for the testing speakers: Caribbean and Scottish English."""


VARIANTS: tuple[str, ...] = (
    "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5",
    "croak", "grandma", "grandpa", "whisper", "whisperf",
    "klatt", "klatt2", "klatt3", "klatt4", "klatt5", "klatt6",
    "adam", "Alex", "Alicia", "Andrea", "Andy", "Annie", "AnxiousAndy", "antonio", "aunty",
    "belinda", "benjamin", "boris", "caleb", "david", "Denis", "Diogo", "ed", "edward",
    "edward2", "Gene", "Gene2", "gustave", "Henrique", "Hugo", "iven", "iven2", "iven3",
    "iven4", "Jacky", "john", "kaukovalta", "Lee", "linda", "marcelo", "Mario", "max",
    "Michael", "michel", "miguel", "Mike", "Nguyen", "norbert", "pablo", "paul", "pedro",
    "quincy", "rob", "robert", "sandro", "shelby", "steph", "steph2", "steph3", "Storm",
    "travis", "victor", "zac",
)
"""espeak-ng voice variants (file names under ``voices/!v``) that sound like a person.

Left out: robotic or effect variants (robosoft*, UniRobot, anikaRobot, Demonic, announcer,
Tweaky, RicishayMax*), the unstable ``fast`` test variant, ``Marco`` (a one-second echo
tail) and ``Mr serious`` (a space in its name).
"""


PITCH_RANGE = (25, 75)
"""Range of ``espeak-ng -p`` (0-99, default 50) drawn per speaker."""


SPEED_RANGE = (160, 240)
"""Range of ``espeak-ng -s``, words per minute (default 175), drawn per speaker."""


AMPLITUDE_RANGE = (15, 35)
"""Range of ``espeak-ng -a`` (default 100), drawn per speaker; loud variants (iven, ed) clip above ~40."""


NOISE_FLOOR_DBFS = (-70.0, -55.0)
"""Range of the RMS level of the white noise under every clip, in dB re full scale."""


SAMPLE_VOICE = ("en-us", "", 50, 140, 70)
"""(voice, variant, pitch, speed, amplitude) of the clean chapter samples."""


SAMPLE_WORDS = ("marvin", "sheila")
"""Words of the chapter samples ``data/samples/<word>.wav``."""


def _split_sizes(n: int) -> tuple[int, int, int]:
    """(train, validation, test) speaker counts: about 80/10/10 %, at least one each."""
    if n < 3:
        raise ValueError(f"need at least 3 speakers (one per split), got {n}")
    n_test = max(1, round(n / 8))
    n_val = max(1, round(n / 8))
    return n - n_val - n_test, n_val, n_test


def make_speakers(n: int, rng: np.random.Generator, only: str | None = None) -> list[Speaker]:
    """Draw ``n`` distinct speakers and assign them to splits.

    Training speakers cycle through :data:`TRAIN_VOICES`; validation speakers cycle
    through the voices the training speakers use; testing speakers cycle through
    :data:`TEST_VOICES`, which no other speaker uses. Variants are dealt from a shuffled
    :data:`VARIANTS` (all distinct while n <= len(VARIANTS)); pitch, speed and amplitude
    are uniform integers in :data:`PITCH_RANGE`, :data:`SPEED_RANGE`, :data:`AMPLITUDE_RANGE`.

    Parameters
    ----------
    n : int
        Number of speakers, at least 3 (at least 1 with ``only``).
    rng : np.random.Generator
    only : {None, "train", "test"}
        Put every speaker in this split: ``"test"`` gives an extra evaluation set of the
        held-out voices (many more speakers than the bundled set's four), ``"train"``
        extra training speakers of :data:`TRAIN_VOICES`.

    Returns
    -------
    list of Speaker
        Training speakers first, then validation, then testing.
    """
    if only is None:
        n_train, n_val, n_test = _split_sizes(n)
    elif only in ("train", "test"):
        if n < 1:
            raise ValueError(f"need at least 1 speaker, got {n}")
        n_train, n_val, n_test = (n, 0, 0) if only == "train" else (0, 0, n)
    else:
        raise ValueError(f"only must be None, 'train' or 'test', got {only!r}")
    ids: list[str] = []
    while len(ids) < n:
        candidate = f"{int(rng.integers(0, 2**32)):08x}"
        if candidate not in ids:
            ids.append(candidate)
    variants = [VARIANTS[i] for i in rng.permutation(len(VARIANTS))]
    train_voices = TRAIN_VOICES[: min(n_train, len(TRAIN_VOICES))]
    plan = (
        [(TRAIN_VOICES[i % len(TRAIN_VOICES)], "train") for i in range(n_train)]
        + [(train_voices[i % len(train_voices)], "validation") for i in range(n_val)]
        + [(TEST_VOICES[i % len(TEST_VOICES)], "test") for i in range(n_test)]
    )
    speakers = []
    for k, (voice, split) in enumerate(plan):
        pitch = int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1))
        speed = int(rng.integers(SPEED_RANGE[0], SPEED_RANGE[1] + 1))
        amplitude = int(rng.integers(AMPLITUDE_RANGE[0], AMPLITUDE_RANGE[1] + 1))
        speakers.append(Speaker(ids[k], voice, variants[k % len(variants)], pitch, speed, amplitude, split))
    return speakers


def _speak_all(speakers: Sequence[Speaker], words: Sequence[str]) -> list[np.ndarray]:
    """Every speaker saying every word (speaker-major order), espeak-ng calls run in threads."""
    jobs = [(word, s.voice, s.variant, s.pitch, s.speed, s.amplitude) for s in speakers for word in words]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(lambda job: synthesize_word(*job), jobs))


def _write_tree(root: Path, speakers: Sequence[Speaker], words: Sequence[str], seed: int) -> None:
    """Write clips, split lists, ``speakers.csv`` and background noises into ``root``."""
    clip_seq, noise_seq = np.random.SeedSequence(seed).spawn(2)
    clip_rng = np.random.default_rng(clip_seq)
    spoken = iter(_speak_all(speakers, words))
    lists: dict[str, list[str]] = {"validation": [], "test": []}
    for speaker in speakers:
        for word in words:
            noise_dbfs = float(clip_rng.uniform(*NOISE_FLOOR_DBFS))
            clip = place_word(next(spoken), clip_rng, SAMPLE_RATE, noise_dbfs)
            rel = f"{word}/{speaker.speaker_id}_nohash_0.wav"
            (root / word).mkdir(exist_ok=True)
            write_wav(root / rel, clip)
            if speaker.split in lists:
                lists[speaker.split].append(rel)
    (root / "validation_list.txt").write_text("".join(f"{p}\n" for p in sorted(lists["validation"])))
    (root / "testing_list.txt").write_text("".join(f"{p}\n" for p in sorted(lists["test"])))
    with open(root / "speakers.csv", "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([f.name for f in fields(Speaker)])
        writer.writerows(astuple(s) for s in sorted(speakers, key=lambda s: s.speaker_id))
    noise_dir = root / "_background_noise_"
    noise_dir.mkdir()
    for name, audio in background_noises(NOISE_SECONDS, np.random.default_rng(noise_seq)).items():
        write_wav(noise_dir / name, audio)
    readme = [f"Synthetic background noises, {NOISE_SECONDS:g} s each at {SAMPLE_RATE} Hz, RMS {NOISE_RMS}, "
              "made with numpy by phaselab.data.background.background_noises (no recordings):", ""]
    readme += [f"- {name}: {how}" for name, how in NOISE_FILES.items()]
    (noise_dir / "README.md").write_text("\n".join(readme) + "\n")


def _check_out(out: Path, force: bool) -> None:
    """Refuse a file, or a non-empty directory without ``force``."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ValueError(f"{out}: directory exists and is not empty (use --force to replace it)")


def synthesize_dataset(
    out: str | os.PathLike,
    speakers: int = 32,
    seed: int = 0,
    words: Sequence[str] = WORDS_V1,
    force: bool = False,
    only: str | None = None,
) -> Path:
    """Synthesise the keyword set into ``out`` in the Speech Commands layout.

    Writes ``<word>/<speaker>_nohash_0.wav`` (16 kHz mono int16, 16000 samples),
    ``validation_list.txt``, ``testing_list.txt`` (paths relative to ``out``),
    ``speakers.csv`` and ``_background_noise_/``. Everything is built in a temporary
    directory next to ``out`` and renamed at the end; on error nothing is left behind.

    Parameters
    ----------
    out : path-like
        Destination directory; must be absent or empty unless ``force``.
    speakers : int
        Number of speakers, at least 3, or 1 with ``only`` (see :func:`make_speakers`).
    seed : int
        Seed of every random choice; same seed and espeak-ng version, same bytes.
    words : sequence of str
        Words to speak (default: the 30 words of Speech Commands v0.01).
    force : bool
        Replace a non-empty ``out``.
    only : {None, "train", "test"}
        Every speaker in this split (see :func:`make_speakers`): with ``"test"`` every
        clip is in ``testing_list.txt``, with ``"train"`` the list files are empty.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    FileNotFoundError
        If espeak-ng is not installed.
    ValueError
        If ``out`` is a file or a non-empty directory (without ``force``), fewer than
        3 speakers are asked for, or a word does not fit in 1 s.
    """
    out = Path(out)
    _check_out(out, force)
    espeak_path()
    speaker_seq, _ = np.random.SeedSequence(seed).spawn(2)
    cast = make_speakers(speakers, np.random.default_rng(speaker_seq), only=only)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_dir(out) as tmp:
        _write_tree(tmp, cast, words, seed)
    return out


def extend_dataset(
    base: str | os.PathLike,
    out: str | os.PathLike,
    speakers: int,
    seed: int,
    only: str = "train",
    words: Sequence[str] = WORDS_V1,
    force: bool = False,
) -> Path:
    """A copy of the set ``base`` with ``speakers`` more speakers, every old file unchanged.

    The new speakers are drawn as by ``synthesize_dataset(speakers=speakers, seed=seed,
    only=only)``; their clips join the word folders, their list entries the list files and
    their rows ``speakers.csv``. ``base``'s own clips, lists and background noises are
    copied byte for byte, so a model trained on the copy differs from one trained on
    ``base`` only by the added speakers.

    Parameters
    ----------
    base : path-like
        A set written by :func:`synthesize_dataset` (e.g. ``data/mini_speech_commands``).
    out : path-like
        Destination directory; must be absent or empty unless ``force``.
    speakers, seed, only, words
        The new speakers, as in :func:`synthesize_dataset` (``only`` is required here:
        ``"train"`` or ``"test"``).
    force : bool
        Replace a non-empty ``out``.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ValueError
        If a new speaker's id is already in ``base``, or as :func:`synthesize_dataset`.
    """
    base, out = Path(base), Path(out)
    _check_out(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work, atomic_dir(out) as tree:
        added = synthesize_dataset(Path(work) / "added", speakers=speakers, seed=seed, words=words, only=only)
        shutil.copytree(base, tree, dirs_exist_ok=True)
        with open(tree / "speakers.csv", newline="") as handle:
            rows = list(csv.reader(handle))
        with open(added / "speakers.csv", newline="") as handle:
            new_rows = list(csv.reader(handle))[1:]
        clash = {row[0] for row in rows[1:]} & {row[0] for row in new_rows}
        if clash:
            raise ValueError(f"{base}: already has speakers {', '.join(sorted(clash))}; choose another seed")
        for wav in added.glob("*/*.wav"):
            if not wav.parent.name.startswith("_"):
                (tree / wav.parent.name).mkdir(exist_ok=True)
                shutil.copy2(wav, tree / wav.parent.name / wav.name)
        for name in ("validation_list.txt", "testing_list.txt"):
            entries = (tree / name).read_text().split() + (added / name).read_text().split()
            (tree / name).write_text("".join(f"{entry}\n" for entry in sorted(entries)))
        with open(tree / "speakers.csv", "w", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows([rows[0], *sorted(rows[1:] + new_rows)])
    return out


def synthesize_samples(out: str | os.PathLike, words: Sequence[str] = SAMPLE_WORDS, force: bool = False) -> list[Path]:
    """Write clean 1 s chapter samples ``<out>/<word>.wav``: one voice, centred, no added noise.

    The voice is :data:`SAMPLE_VOICE` (plain ``en-us``, speed 140, amplitude 70).

    Parameters
    ----------
    out : path-like
        Destination directory (created if missing).
    words : sequence of str
        Words to write.
    force : bool
        Overwrite existing sample files.

    Returns
    -------
    list of Path
        The written files.
    """
    out = Path(out)
    targets = [out / f"{word}.wav" for word in words]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not force:
        raise ValueError(f"{', '.join(existing)}: already exist (use --force to overwrite)")
    voice, variant, pitch, speed, amplitude = SAMPLE_VOICE
    clips = [synthesize_word(w, voice, variant, pitch, speed, amplitude) for w in words]
    out.mkdir(parents=True, exist_ok=True)
    return [write_wav(path, place_word(clip, None)) for path, clip in zip(targets, clips)]


def counts_markdown(root: str | os.PathLike) -> str:
    """Markdown tables of a synthesised set: clips per word and split, speakers per voice and split.

    Parameters
    ----------
    root : path-like
        A directory written by :func:`synthesize_dataset`.

    Returns
    -------
    str
        Two Markdown tables, counted from the files, the split lists and ``speakers.csv``.
    """
    root = Path(root)
    splits = ("train", "validation", "test")
    listed = {
        "validation": set((root / "validation_list.txt").read_text().split()),
        "test": set((root / "testing_list.txt").read_text().split()),
    }
    rows = ["| word | train | validation | test | total |", "|---|---:|---:|---:|---:|"]
    totals = dict.fromkeys(splits, 0)
    for word_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")):
        counts = dict.fromkeys(splits, 0)
        for wav in word_dir.glob("*.wav"):
            rel = f"{word_dir.name}/{wav.name}"
            split = next((s for s in ("validation", "test") if rel in listed[s]), "train")
            counts[split] += 1
        totals = {s: totals[s] + counts[s] for s in splits}
        rows.append(f"| {word_dir.name} | " + " | ".join(str(counts[s]) for s in splits) + f" | {sum(counts.values())} |")
    rows.append("| **all** | " + " | ".join(str(totals[s]) for s in splits) + f" | {sum(totals.values())} |")
    with open(root / "speakers.csv", newline="") as handle:
        table = list(csv.DictReader(handle))
    rows += ["", "| voice (speakers) | train | validation | test |", "|---|---:|---:|---:|"]
    per_voice = {
        voice: [sum(row["voice"] == voice and row["split"] == s for row in table) for s in splits]
        for voice in {row["voice"] for row in table}
    }
    for voice, counts in sorted(per_voice.items(), key=lambda item: (item[1][2] > 0, item[0])):
        rows.append(f"| {voice} | " + " | ".join(map(str, counts)) + " |")
    return "\n".join(rows) + "\n"
