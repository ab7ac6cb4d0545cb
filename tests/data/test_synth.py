"""phaselab.data.synth: speakers and the dataset writer; the espeak-ng runs only where espeak-ng is installed."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from phaselab.cli.main import main
from phaselab.data import synth
from phaselab.data.labels import WORDS_V1

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
WORDS = ("yes", "marvin")


def test_make_speakers_holds_out_whole_voices_for_testing() -> None:
    speakers = synth.make_speakers(32, np.random.default_rng(0))
    assert speakers == synth.make_speakers(32, np.random.default_rng(0))
    ids = [s.speaker_id for s in speakers]
    assert len(set(ids)) == 32 and all(len(i) == 8 and int(i, 16) >= 0 for i in ids)
    by_split = {split: [s for s in speakers if s.split == split] for split in ("train", "validation", "test")}
    assert [len(v) for v in by_split.values()] == [24, 4, 4]
    voices = {split: {s.voice for s in group} for split, group in by_split.items()}
    assert voices["test"] == set(synth.TEST_VOICES)
    assert voices["train"] == set(synth.TRAIN_VOICES)
    assert voices["validation"] <= voices["train"]
    assert not voices["test"] & (voices["train"] | voices["validation"])
    assert len({s.variant for s in speakers}) == 32
    assert all(s.variant in synth.VARIANTS for s in speakers)


def test_make_speakers_needs_one_speaker_per_split() -> None:
    with pytest.raises(ValueError, match="at least 3 speakers"):
        synth.make_speakers(2, np.random.default_rng(0))
    small = synth.make_speakers(3, np.random.default_rng(0))
    assert [s.split for s in small] == ["train", "validation", "test"]
    assert small[1].voice == small[0].voice


def test_make_speakers_only_puts_every_speaker_in_one_split() -> None:
    speakers = synth.make_speakers(6, np.random.default_rng(1), only="test")
    assert [s.split for s in speakers] == ["test"] * 6
    assert [s.voice for s in speakers] == list(synth.TEST_VOICES) * 3
    assert len({s.speaker_id for s in speakers}) == len({s.variant for s in speakers}) == 6
    train = synth.make_speakers(7, np.random.default_rng(1), only="train")
    assert [s.split for s in train] == ["train"] * 7
    assert [s.voice for s in train] == [*synth.TRAIN_VOICES, synth.TRAIN_VOICES[0]]
    assert len(synth.make_speakers(1, np.random.default_rng(1), only="test")) == 1
    with pytest.raises(ValueError, match="at least 1 speaker"):
        synth.make_speakers(0, np.random.default_rng(1), only="train")
    with pytest.raises(ValueError, match="only must be"):
        synth.make_speakers(3, np.random.default_rng(1), only="validation")


def test_missing_espeak_gives_an_install_hint_and_leaves_nothing(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setattr(synth.shutil, "which", lambda name: None)
    out = tmp_path / "set"
    with pytest.raises(FileNotFoundError, match="apt-get install espeak-ng"):
        synth.synthesize_dataset(out, speakers=3, words=WORDS)
    assert list(tmp_path.iterdir()) == []
    assert main(["data", "synth", "--out", str(out), "--speakers", "3"]) == 1
    assert "apt-get install espeak-ng" in capsys.readouterr().err


def test_refuses_a_non_empty_out_without_force(tmp_path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not empty.*--force"):
        synth.synthesize_dataset(tmp_path, speakers=3, words=WORDS)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory) -> Path:
    """A 4-speaker, 2-word set (seed 7), shared by the tests that read it."""
    return synth.synthesize_dataset(tmp_path_factory.mktemp("synth") / "set", speakers=4, seed=7, words=WORDS)


def _speakers(root: Path) -> dict[str, dict[str, str]]:
    with open(root / "speakers.csv", newline="") as handle:
        return {row["speaker_id"]: row for row in csv.DictReader(handle)}


@needs_espeak
def test_tiny_set_has_the_speech_commands_layout(tiny_set: Path) -> None:
    speakers = _speakers(tiny_set)
    assert len(speakers) == 4
    names = {p.name for p in tiny_set.iterdir()}
    assert names == {*WORDS, "_background_noise_", "validation_list.txt", "testing_list.txt", "speakers.csv"}
    for word in WORDS:
        files = sorted(p.name for p in (tiny_set / word).iterdir())
        assert files == sorted(f"{sid}_nohash_0.wav" for sid in speakers)
    noise = {p.name for p in (tiny_set / "_background_noise_").iterdir()}
    assert noise == {*synth.NOISE_FILES, "README.md"}
    rate, pcm = wavfile.read(tiny_set / "_background_noise_" / "pink_noise.wav")
    assert rate == 16000 and pcm.dtype == np.int16 and len(pcm) == int(synth.NOISE_SECONDS * 16000)
    assert not list(tiny_set.parent.glob(".*"))


@needs_espeak
def test_tiny_set_clips_are_one_second_16_khz_int16_and_never_silent(tiny_set: Path) -> None:
    for wav in sorted(tiny_set.glob("*/*_nohash_0.wav")):
        rate, pcm = wavfile.read(wav)
        assert rate == 16000 and pcm.dtype == np.int16 and pcm.shape == (16000,), wav
        assert np.count_nonzero(pcm) > 0.8 * len(pcm), wav
        floor = np.median(np.abs(pcm.astype(np.int32)))
        assert 0 < floor and np.abs(pcm).max() > 30 * floor, wav
        assert np.abs(pcm).max() < 32767, wav


@needs_espeak
def test_tiny_set_splits_by_speaker_with_held_out_test_voices(tiny_set: Path) -> None:
    speakers = _speakers(tiny_set)
    for name, split in (("validation_list.txt", "validation"), ("testing_list.txt", "test")):
        listed = (tiny_set / name).read_text().splitlines()
        assert listed == sorted(listed)
        expected = sorted(f"{w}/{sid}_nohash_0.wav" for w in WORDS for sid, row in speakers.items() if row["split"] == split)
        assert listed == expected and listed
        assert all((tiny_set / rel).is_file() for rel in listed)
    voices = {split: {r["voice"] for r in speakers.values() if r["split"] == split} for split in ("train", "validation", "test")}
    assert voices["test"] and voices["test"] <= set(synth.TEST_VOICES)
    assert not voices["test"] & (voices["train"] | voices["validation"])
    table = synth.counts_markdown(tiny_set)
    assert "| **all** | 4 | 2 | 2 | 8 |" in table


@needs_espeak
def test_same_seed_same_bytes_and_force_to_replace(tiny_set: Path, tmp_path: Path) -> None:
    again = synth.synthesize_dataset(tmp_path / "again", speakers=4, seed=7, words=WORDS)
    files = sorted(p.relative_to(tiny_set) for p in tiny_set.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (tiny_set / rel).read_bytes() == (again / rel).read_bytes(), rel
    with pytest.raises(ValueError, match="--force"):
        synth.synthesize_dataset(again, speakers=4, seed=8, words=WORDS)
    assert main(["data", "synth", "--out", str(again), "--speakers", "4", "--seed", "8", "--force"]) == 0
    assert not list(tmp_path.glob(".*"))
    assert set(_speakers(again)).isdisjoint(_speakers(tiny_set))


@needs_espeak
def test_samples_are_clean_centred_words(tmp_path: Path) -> None:
    paths = synth.synthesize_samples(tmp_path, words=("marvin",))
    assert paths == [tmp_path / "marvin.wav"]
    rate, pcm = wavfile.read(paths[0])
    assert rate == 16000 and pcm.dtype == np.int16 and pcm.shape == (16000,)
    loud = np.flatnonzero(pcm)
    assert pcm[0] == 0 and pcm[-1] == 0 and abs((loud[0] + loud[-1]) / 2 - 8000) < 200
    with pytest.raises(ValueError, match="already exist"):
        synth.synthesize_samples(tmp_path, words=("marvin",))


@needs_espeak
def test_only_test_set_lists_every_clip_for_testing(tmp_path: Path) -> None:
    out = tmp_path / "heldout"
    assert main(["data", "synth", "--out", str(out), "--speakers", "2", "--seed", "3", "--only", "test"]) == 0
    wavs = sorted(f"{p.parent.name}/{p.name}" for p in out.glob("*/*.wav") if not p.parent.name.startswith("_"))
    assert len(wavs) == 2 * len(WORDS_V1)
    assert (out / "testing_list.txt").read_text().split() == wavs
    assert (out / "validation_list.txt").read_text() == ""
    assert {row["voice"] for row in _speakers(out).values()} == set(synth.TEST_VOICES)


@needs_espeak
def test_extend_dataset_adds_speakers_and_keeps_every_old_byte(tiny_set: Path, tmp_path: Path) -> None:
    out = synth.extend_dataset(tiny_set, tmp_path / "more", speakers=2, seed=8, only="train", words=WORDS)
    old = {p.relative_to(tiny_set) for p in tiny_set.rglob("*") if p.is_file()}
    new = {p.relative_to(out) for p in out.rglob("*") if p.is_file()}
    assert old < new
    for rel in old - {Path("speakers.csv")}:
        assert (out / rel).read_bytes() == (tiny_set / rel).read_bytes(), rel
    added = _speakers(out).keys() - _speakers(tiny_set).keys()
    assert len(added) == 2 and all(_speakers(out)[i]["split"] == "train" for i in added)
    assert {str(p) for p in new - old} == {f"{w}/{i}_nohash_0.wav" for w in WORDS for i in added}
    with pytest.raises(ValueError, match="already has speakers"):  # seed 7 draws the base's own ids again
        synth.extend_dataset(tiny_set, tmp_path / "clash", speakers=1, seed=7, only="train", words=WORDS)
    assert not (tmp_path / "clash").exists()


def test_extend_needs_the_split_of_the_new_speakers(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["data", "synth", "--extend", str(tmp_path), "--out", str(tmp_path / "o"), "--speakers", "1"]) == 1
    assert "--only" in capsys.readouterr().err
