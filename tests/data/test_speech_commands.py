"""The Speech Commands layout reader, split lists, labels, data lookup and the label encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phaselab.data.labels import SILENCE, UNKNOWN
from phaselab.data.speech_commands import (
    Clip,
    SpeechCommands,
    bundled_clip,
    resolve_data_root,
)
from phaselab.signal.audio import write_wav

TONE = np.sin(np.linspace(0.0, 20.0, 160)).astype(np.float32) * 0.1


def make_tree(
    root: Path,
    words: dict[str, int],
    validation: list[str] = (),
    testing: list[str] = (),
    noise: int = 1,
) -> Path:
    """Write a tiny official-layout tree: ``words[w]`` clips per word, two speakers."""
    for word, count in words.items():
        (root / word).mkdir(parents=True)
        for i in range(count):
            write_wav(root / word / f"spk{i % 2}_nohash_{i}.wav", TONE)
    (root / "_background_noise_").mkdir(parents=True, exist_ok=True)
    for i in range(noise):
        write_wav(root / "_background_noise_" / f"noise{i}.wav", TONE)
    (root / "validation_list.txt").write_text("".join(f"{name}\n" for name in validation))
    (root / "testing_list.txt").write_text("".join(f"{name}\n" for name in testing))
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(
        tmp_path / "sc",
        {"yes": 4, "no": 2, "bed": 3, "cat": 3},
        validation=["yes/spk0_nohash_0.wav", "bed/spk0_nohash_0.wav"],
        testing=["no/spk1_nohash_1.wav", "cat/spk0_nohash_2.wav"],
        noise=2,
    )


def names(clips: list[Clip]) -> list[str]:
    return [f"{clip.word}/{clip.path.name}" for clip in clips]


def test_clips_fields_and_all_split(tree: Path) -> None:
    data = SpeechCommands(tree)
    assert data.words == ("bed", "cat", "no", "yes")
    everything = data.clips("all")
    assert len(everything) == 12
    clip = everything[0]
    assert clip == Clip(tree / "bed" / "spk0_nohash_0.wav", "bed", UNKNOWN, "spk0")
    assert {c.speaker for c in everything} == {"spk0", "spk1"}
    assert names(everything) == sorted(names(everything))


def test_splits_follow_the_lists(tree: Path) -> None:
    data = SpeechCommands(tree)
    assert names(data.clips("validation")) == ["bed/spk0_nohash_0.wav", "yes/spk0_nohash_0.wav"]
    assert names(data.clips("test")) == ["cat/spk0_nohash_2.wav", "no/spk1_nohash_1.wav"]
    train = set(names(data.clips("train")))
    assert len(train) == 8
    assert train.isdisjoint(names(data.clips("validation")) + names(data.clips("test")))
    assert train | set(names(data.clips("validation"))) | set(names(data.clips("test"))) == set(
        names(data.clips("all"))
    )


def test_list_entries_with_dot_slash_and_blank_lines(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "sc", {"yes": 2, "no": 2})
    (root / "validation_list.txt").write_text("./yes/spk0_nohash_0.wav\n\n")
    assert names(SpeechCommands(root).clips("validation")) == ["yes/spk0_nohash_0.wav"]


def test_kaggle_and_word_labels(tree: Path) -> None:
    data = SpeechCommands(tree)
    kaggle = data.labels("validation")
    assert kaggle == [UNKNOWN, "yes"]
    assert data.labels("validation", vocabulary="words") == ["bed", "yes"]
    assert set(data.labels("all")) == {"yes", "no", UNKNOWN}
    with pytest.raises(ValueError, match="vocabulary"):
        data.labels("all", vocabulary="klingon")


def test_background_noise_files(tree: Path, tmp_path: Path) -> None:
    files = SpeechCommands(tree).background_noise_files()
    assert [f.name for f in files] == ["noise0.wav", "noise1.wav"]
    bare = make_tree(tmp_path / "bare", {"yes": 1}, noise=0)
    (bare / "_background_noise_").rmdir()
    assert SpeechCommands(bare).background_noise_files() == []


def test_unknown_share_limits_unknown_clips(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "sc", {"yes": 10, "no": 10, "bed": 30, "cat": 30, "dog": 20})
    data = SpeechCommands(root)
    assert sum(label == UNKNOWN for label in data.labels("all")) == 80
    for share in (0.0, 0.2, 0.5):
        labels = data.labels("all", unknown_share=share, rng=1)
        n_unknown = sum(label == UNKNOWN for label in labels)
        assert n_unknown / len(labels) <= share + 1e-12
        # as many as the share allows: one more would exceed it
        assert (n_unknown + 1) / (len(labels) + 1) > share
        assert labels.count("yes") == 10 and labels.count("no") == 10
    assert data.clips("all", unknown_share=1.0) == data.clips("all")
    # deterministic under a seed and under None (seed 0); different seeds pick differently
    assert data.clips("all", unknown_share=0.2, rng=3) == data.clips("all", unknown_share=0.2, rng=3)
    assert data.clips("all", unknown_share=0.2) == data.clips("all", unknown_share=0.2, rng=0)
    assert data.clips("all", unknown_share=0.2, rng=3) != data.clips("all", unknown_share=0.2, rng=4)
    kept = data.clips("all", unknown_share=0.2, rng=np.random.default_rng(5))
    assert names(kept) == sorted(names(kept))
    with pytest.raises(ValueError, match="unknown_share"):
        data.clips("all", unknown_share=1.5)


def test_version_detection(tmp_path: Path) -> None:
    v1 = SpeechCommands(make_tree(tmp_path / "v1", {"yes": 1, "sheila": 1}))
    assert v1.version == "v0.01"
    v2_root = make_tree(tmp_path / "v2", {"yes": 1, "follow": 1})
    assert SpeechCommands(v2_root).version == "v0.02"
    assert SpeechCommands(v2_root, version="v0.02").version == "v0.02"
    assert SpeechCommands(tmp_path / "v1", version="v0.02").version == "v0.02"
    with pytest.raises(ValueError, match="v0.02 words \\(follow\\)"):
        SpeechCommands(v2_root, version="v0.01")
    with pytest.raises(ValueError, match="unknown Speech Commands version"):
        SpeechCommands(v2_root, version="v3")


def test_silence_folder(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "sc", {"yes": 2})
    (root / "_silence_").mkdir()
    write_wav(root / "_silence_" / "quiet_3.wav", TONE * 0)
    write_wav(root / "_silence_" / "spkx_nohash_0.wav", TONE * 0)
    data = SpeechCommands(root)
    assert "_silence_" in data.words
    silence = [clip for clip in data.clips("all") if clip.word == "_silence_"]
    assert [(c.label, c.speaker) for c in silence] == [(SILENCE, "quiet_3"), (SILENCE, "spkx")]
    assert data.labels("train").count(SILENCE) == 2


def test_hidden_files_are_ignored(tree: Path) -> None:
    (tree / "yes" / ".DS_Store").write_bytes(b"x")
    (tree / ".cache").mkdir()
    assert len(SpeechCommands(tree).clips("all")) == 12


def test_tree_without_lists_has_only_all(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "sc", {"yes": 2})
    (root / "validation_list.txt").unlink()
    (root / "testing_list.txt").unlink()
    data = SpeechCommands(root)
    assert len(data.clips("all")) == 2
    with pytest.raises(ValueError, match="no validation_list.txt") as info:
        data.clips("train")
    assert "training needs both lists; to evaluate on every clip use split='all'" in str(info.value)


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("no_folders", "no word folders"),
        ("bad_name", "not a clip.*must be a .wav"),
        ("missing_listed", "line 2: names 'yes/ghost_nohash_0.wav'"),
        ("one_list", "testing_list.txt: missing"),
        ("both_lists", "in both lists"),
        ("not_a_dir", "not a directory"),
    ],
)
def test_bad_trees(tmp_path: Path, breakage: str, message: str) -> None:
    root = make_tree(tmp_path / "sc", {"yes": 2, "no": 1})
    if breakage == "no_folders":
        for word in ("yes", "no"):
            for wav in (root / word).iterdir():
                wav.unlink()
            (root / word).rmdir()
    elif breakage == "bad_name":
        (root / "yes" / "notes.txt").write_text("not audio")
    elif breakage == "missing_listed":
        (root / "validation_list.txt").write_text("yes/spk0_nohash_0.wav\nyes/ghost_nohash_0.wav\n")
    elif breakage == "one_list":
        (root / "testing_list.txt").unlink()
    elif breakage == "both_lists":
        (root / "validation_list.txt").write_text("no/spk0_nohash_0.wav\n")
        (root / "testing_list.txt").write_text("no/spk0_nohash_0.wav\n")
    elif breakage == "not_a_dir":
        root = tmp_path / "nowhere"
    with pytest.raises(ValueError, match=message) as info:
        SpeechCommands(root)
    if breakage in ("no_folders", "bad_name", "missing_listed", "not_a_dir"):
        assert "phaselab data download" in str(info.value) and "phaselab data synth" in str(info.value)


def test_bad_split_name(tree: Path) -> None:
    with pytest.raises(ValueError, match="unknown split 'training'"):
        SpeechCommands(tree).clips("training")


def test_resolve_data_root(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PHASELAB_DATA", raising=False)
    assert resolve_data_root(str(tree)) == tree
    assert resolve_data_root(tree) == tree
    with pytest.raises(ValueError, match="from the path given.*phaselab data download"):
        resolve_data_root(str(tmp_path / "missing"))
    monkeypatch.setenv("PHASELAB_DATA", str(tree))
    assert resolve_data_root(None) == tree
    monkeypatch.setenv("PHASELAB_DATA", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="PHASELAB_DATA"):
        resolve_data_root(None)
    monkeypatch.delenv("PHASELAB_DATA")
    data = Path(__file__).resolve().parents[2] / "data"
    assert resolve_data_root("mini") == resolve_data_root("synthetic") == data / "mini_speech_commands"
    assert resolve_data_root(None) == resolve_data_root("real") == data / "real_speech_commands"
    assert resolve_data_root("both") == (data / "real_speech_commands", data / "mini_speech_commands")
    assert resolve_data_root(f"real, {tree}") == (data / "real_speech_commands", tree)
    with pytest.raises(ValueError, match="missing"):
        resolve_data_root(f"real,{tmp_path / 'missing'}")


def test_trees_read_together(tree: Path, tmp_path: Path) -> None:
    import shutil

    other = Path(shutil.copytree(tree, tmp_path / "other"))
    one, both = SpeechCommands(tree), SpeechCommands([tree, other])
    for split in ("train", "validation", "test"):
        assert len(both.clips(split)) == 2 * len(one.clips(split))
    assert both.roots == (tree, other) and both.root == tree
    with pytest.raises(ValueError, match="distinct folder names"):
        SpeechCommands([tree, tree])


def test_evaluation_tree_with_free_file_names(tmp_path: Path) -> None:
    """Clips recorded elsewhere need not follow the official names; each file is its own speaker."""
    root = tmp_path / "elsewhere"
    for word, name in [("yes", "alice take 1.wav"), ("house", "bob.WAV"), ("_silence_", "room.wav")]:
        (root / word).mkdir(parents=True)
        write_wav(root / word / name, TONE)
    clips = SpeechCommands(root).clips("all")
    assert [(c.word, c.label, c.speaker) for c in clips] == [
        ("_silence_", "silence", "room"), ("house", "unknown", "bob"), ("yes", "yes", "alice take 1")
    ]


def test_a_dangling_link_and_a_list_that_is_not_utf8_are_named(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "sc", {"yes": 2})
    link = root / "yes" / "spk9_nohash_0.wav"
    link.symlink_to(tmp_path / "gone.wav")
    with pytest.raises(ValueError, match=f"{link}: a symbolic link to .*gone.wav, which does not exist"):
        SpeechCommands(root)
    link.unlink()
    (root / "testing_list.txt").write_bytes(b"yes/spk0_nohash_0.wav\n\xff\xfe\n")
    with pytest.raises(ValueError, match=r"testing_list\.txt: not UTF-8 text"):
        SpeechCommands(root)


def test_bundled_clip_prefers_samples_then_the_first_sorted_clip(tmp_path):
    words = tmp_path / "mini_speech_commands" / "yes"
    words.mkdir(parents=True)
    for name in ("b.wav", "a.wav"):
        write_wav(words / name, np.zeros(160, np.float32))
    assert bundled_clip("yes", tmp_path) == words / "a.wav"
    (tmp_path / "samples").mkdir()
    write_wav(tmp_path / "samples" / "yes.wav", np.zeros(160, np.float32))
    assert bundled_clip("yes", tmp_path) == tmp_path / "samples" / "yes.wav"
    with pytest.raises(ValueError, match="bundled words: yes"):
        bundled_clip("no", tmp_path)


def test_bundled_words_offered_are_words(tmp_path):
    for folder in ("yes", "_background_noise_", ".hidden"):
        (tmp_path / "mini_speech_commands" / folder).mkdir(parents=True)
    with pytest.raises(ValueError, match=r"bundled words: yes$"):
        bundled_clip("nosuchword", root=tmp_path)
