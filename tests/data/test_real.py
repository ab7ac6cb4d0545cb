"""Tests of phaselab.data.real: the bundled real-speech set and the bundler that made it."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from phaselab.data.labels import CLASSES
from phaselab.data.real import (
    MIT_LICENCE_FILE,
    OFFICIAL_TEST_SOURCE,
    PoolClip,
    assign_split,
    bundle_real_speech,
    counts_markdown,
    read_manifest,
    select_clips,
    split_counts,
    word_tree,
)
from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
from phaselab.signal.audio import read_wav, write_wav

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "data" / "real_speech_commands"
DATA_BUDGET_BYTES = 150_000_000
"""The data budget of data/ (150 MB), set by the real-speech issue."""


def write_pool(root: Path) -> Path:
    """A small pool in the layout of the real-speech pool: 3 sources, repeated takes, silence, noise."""
    rows = []
    rng = np.random.default_rng(0)

    def clip(source: str, word: str, speaker: str, take: int) -> None:
        name = f"{speaker}_nohash_{take}.wav" if speaker else f"{take}.wav"
        rel = f"speech_commands/{word}/{name}"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        write_wav(root / rel, 0.1 * rng.standard_normal(8000 + 1000 * take).astype(np.float32))
        rows.append((source, word, speaker, rel))

    for s in range(12):
        speaker = f"a{s:07x}"
        for word in ("on", "go", "yes", "cat"):
            for take in range(3):
                clip(OFFICIAL_TEST_SOURCE, word, speaker, take)
    for s in range(30):
        clip("mini_speech_commands", "yes", f"b{s:07x}", 0)
        clip("mini_speech_commands", "yes", f"b{s:07x}", 1)
    for n in range(10):
        clip(OFFICIAL_TEST_SOURCE, "_silence_", "", n)
    for kind in ("official", "recorded"):
        (root / "background_noise" / kind).mkdir(parents=True, exist_ok=True)
        write_wav(root / "background_noise" / kind / f"{kind}_noise.wav", rng.standard_normal(16000).astype(np.float32))
    (root / "LICENSE-speech-commands-CC-BY-4.0.txt").write_text("CC BY 4.0\n")
    with open(root / "manifest.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "word", "speaker", "file"])
        writer.writerows(rows)
    return root


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pool(tmp_path_factory.mktemp("pool"))


def test_assign_split_keeps_a_speaker_together(pool: Path) -> None:
    clips = read_manifest(pool)
    official = frozenset(c.speaker for c in clips if c.source == OFFICIAL_TEST_SOURCE and c.speaker)
    by_speaker: dict[str, set[str]] = {}
    for c in clips:
        if c.speaker:
            by_speaker.setdefault(c.speaker, set()).add(assign_split(c, official))
    assert all(len(splits) == 1 for splits in by_speaker.values())
    assert {s for splits in by_speaker.values() for s in splits} == {"train", "validation", "test"}


def test_select_clips_caps_takes(pool: Path) -> None:
    chosen = select_clips(read_manifest(pool))
    takes = Counter((c.speaker, c.word, split) for c, split in chosen if c.speaker)
    for (speaker, word, split), n in takes.items():
        assert n == (2 if split == "train" and word in ("on", "go") else 1), (speaker, word, split)
    kept = {c.file for c, _ in chosen}
    assert "speech_commands/yes/b0000000_nohash_0.wav" in kept  # the lowest take is the one kept
    assert "speech_commands/yes/b0000000_nohash_1.wav" not in kept
    assert sum(c.word == "_silence_" for c, _ in chosen) == 10


def test_bundle_writes_a_speech_commands_tree(pool: Path, tmp_path: Path) -> None:
    out = bundle_real_speech(pool, tmp_path / "real")
    tree = SpeechCommands(out)
    chosen = select_clips(read_manifest(pool))
    assert len(tree.clips("all")) == len(chosen)
    speakers = {split: {c.speaker for c in tree.clips(split)} for split in ("train", "validation", "test")}
    assert not speakers["train"] & speakers["test"] and not speakers["train"] & speakers["validation"]
    assert not speakers["validation"] & speakers["test"]
    assert [p.name for p in tree.background_noise_files()] == ["official_noise.wav", "recorded_recorded_noise.wav"]
    assert (out / MIT_LICENCE_FILE).read_text().startswith("The files _background_noise_/recorded_")
    original = pool / chosen[0][0].file
    assert (out / chosen[0][0].key).read_bytes() == original.read_bytes()  # byte copies
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real"]  # no staging directory left
    counts = split_counts(out)
    assert sum(counts[s]["all"] for s in counts) == len(chosen)
    assert "| yes |" in counts_markdown(out)


def test_bundle_refuses_and_explains(pool: Path, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(ValueError, match="not empty"):
        bundle_real_speech(pool, tmp_path / "full")
    with pytest.raises(ValueError, match="no manifest.csv"):
        bundle_real_speech(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_bundles(pool: Path, tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "phaselab", "data", "real", "--pool", str(pool), "--out", str(tmp_path / "r")],
        capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "r" / "testing_list.txt").is_file()


def test_pool_clip_take() -> None:
    assert PoolClip("s", "yes", "ab", "speech_commands/yes/ab_nohash_3.wav").take == 3
    assert PoolClip("s", "_silence_", "", "speech_commands/_silence_/12.wav").take == 0


# --- the bundled set itself ---------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> SpeechCommands:
    return SpeechCommands(resolve_data_root("real"))


def test_bundled_splits_never_share_a_speaker(bundled: SpeechCommands) -> None:
    speakers = {split: {c.speaker for c in bundled.clips(split)} for split in ("train", "validation", "test")}
    assert not speakers["train"] & speakers["validation"]
    assert not speakers["train"] & speakers["test"]
    assert not speakers["validation"] & speakers["test"]


def test_bundled_test_split_is_a_jury(bundled: SpeechCommands) -> None:
    test = bundled.clips("test")
    people = {c.speaker for c in test if c.word != "_silence_"}
    assert len(people) >= 60
    per_class = Counter(c.label for c in test)
    assert set(per_class) == set(CLASSES)
    assert min(per_class.values()) >= 30, per_class
    assert min(Counter(c.label for c in bundled.clips("validation")).values()) >= 9


def test_bundled_manifest_matches_files_and_lists() -> None:
    with open(BUNDLE / "manifest.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    files = {f"{p.parent.name}/{p.name}" for p in BUNDLE.glob("*/*.wav") if p.parent.name != "_background_noise_"}
    assert {row["file"] for row in rows} == files
    for split, name in (("validation", "validation_list.txt"), ("test", "testing_list.txt")):
        assert {row["file"] for row in rows if row["split"] == split} == set((BUNDLE / name).read_text().split())
    assert (BUNDLE / "LICENSE-speech-commands-CC-BY-4.0.txt").is_file() and (BUNDLE / MIT_LICENCE_FILE).is_file()
    assert len(list((BUNDLE / "_background_noise_").glob("*.wav"))) == 13


def test_data_fits_the_budget() -> None:
    size = sum(p.stat().st_size for p in (REPO / "data").rglob("*") if p.is_file())
    assert size <= DATA_BUDGET_BYTES, f"data/ holds {size:,} bytes, over the {DATA_BUDGET_BYTES:,} budget"


def test_both_reads_the_two_bundled_sets(bundled: SpeechCommands) -> None:
    both = SpeechCommands(resolve_data_root("both"))
    synthetic = SpeechCommands(resolve_data_root("synthetic"))
    for split in ("train", "validation", "test"):
        assert len(both.clips(split)) == len(bundled.clips(split)) + len(synthetic.clips(split))
    assert len(both.background_noise_files()) == 13 + len(synthetic.background_noise_files())
    assert os.fspath(both.root) == os.fspath(bundled.root)


def test_word_tree_adds_training_only_unknown_words(tmp_path: Path) -> None:
    source = tmp_path / "prompts"
    (source / "digits").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name, seconds in {"hello": 0.6, "digits/hundred": 0.8, "digits/h-hundred": 0.9, "vm-no": 0.5, "go": 0.4,
                          "please-call-again": 2.5, "timer": 1.2}.items():
        write_wav(source / f"{name}.wav", 0.1 * rng.standard_normal(int(seconds * 8000)).astype(np.float32), sr=8000)
    out = word_tree(source, tmp_path / "words", exclude=["hundred"], speaker="prompter")
    kept = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.wav"))
    assert kept == ["hello/prompter_nohash_0.wav", "timer/prompter_nohash_0.wav"]  # no command, no held-out word, no phrase
    tree = SpeechCommands([resolve_data_root("real"), out])
    extra = [clip for clip in tree.clips("train") if clip.speaker == "prompter"]
    assert sorted(clip.label for clip in extra) == ["unknown", "unknown"]
    assert not [clip for split in ("validation", "test") for clip in tree.clips(split) if clip.speaker == "prompter"]
    assert len(read_wav(out / "timer" / "prompter_nohash_0.wav")) == 16000  # its loudest second, at 16 kHz
    with pytest.raises(ValueError, match="exists"):
        word_tree(source, out)
    with pytest.raises(ValueError, match="asterisk-core-sounds-en-wav"):
        word_tree(tmp_path / "none", tmp_path / "w2")
    with pytest.raises(ValueError, match="no recording"):
        word_tree(source, tmp_path / "w3", exclude=["hello", "timer", "hundred"])
    assert not (tmp_path / "w3").exists() and not list(tmp_path.glob(".part-*"))


def test_word_tree_reads_other_formats_by_pattern_and_caps_the_count(tmp_path: Path) -> None:
    from encoded_audio import write_ogg

    source = tmp_path / "stamps"
    rng = np.random.default_rng(1)
    for i, name in enumerate(["apple", "bear", "cat_x", "stop_sign", "dog", "eel", "fig"]):
        (source / "food").mkdir(parents=True, exist_ok=True)
        write_ogg(source / "food" / f"{name}_desc_fr.ogg", 0.1 * rng.standard_normal(50000))
        write_ogg(source / "food" / f"{name}_desc_es.ogg", 0.1 * rng.standard_normal(50000))
    out = word_tree(source, tmp_path / "fr", pattern="*_desc_fr.ogg", speaker="fr", limit=3)
    kept = sorted(p.parent.name for p in out.rglob("*.wav"))
    assert kept == ["food_apple_desc_fr", "food_cat_x_desc_fr", "food_fig_desc_fr"]  # no Spanish, no "stop"; spread
    assert all(len(read_wav(p)) == 16000 for p in out.rglob("*.wav"))


def test_cli_writes_a_word_tree_and_refuses_a_missing_source_in_one_line(tmp_path: Path) -> None:
    source = tmp_path / "prompts"
    source.mkdir()
    for name in ("hello", "goodbye", "left"):
        write_wav(source / f"{name}.wav", 0.1 * np.random.default_rng(2).standard_normal(8000).astype(np.float32))
    run = subprocess.run([sys.executable, "-m", "phaselab", "data", "words", "--source", str(source), "--out",
                          str(tmp_path / "w"), "--speaker", "p", "--limit", "5"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "(2 words)" in run.stdout and sorted(p.name for p in (tmp_path / "w").iterdir() if p.is_dir()) == ["goodbye", "hello"]
    run = subprocess.run([sys.executable, "-m", "phaselab", "data", "words", "--source", str(tmp_path / "none"),
                          "--out", str(tmp_path / "w2")], capture_output=True, text=True)
    assert run.returncode != 0 and "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1
