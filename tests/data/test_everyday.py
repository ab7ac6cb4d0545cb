import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from phaselab import SAMPLE_RATE
from phaselab.data.everyday import (
    EVERYDAY_SOUNDS,
    GAME_MUSIC,
    EFFECTS_ROOT,
    STAMP_SAME_SOUND,
    STAMP_SOUNDS_ROOT,
    cut_everyday_excerpts,
    effect_sounds,
    everyday_clips,
    everyday_root,
    recording_clips,
    stamp_role,
    stamp_sounds,
)
from phaselab.signal.audio import read_wav, write_wav
from encoded_audio import write_ogg


def test_every_bundled_recording_has_its_licence_and_stays_small() -> None:
    root = everyday_root()
    for stem in EVERYDAY_SOUNDS:
        assert (root / f"{stem}.wav").is_file() and (root / f"{stem}.txt").read_text().strip()
    assert sum(path.stat().st_size for path in root.iterdir()) < 3_000_000


def test_clips_are_one_second_and_name_their_recording() -> None:
    clips = everyday_clips()
    assert clips.audio.shape == (len(clips.recording), SAMPLE_RATE) == (len(clips.kind), SAMPLE_RATE)
    assert set(clips.recording) == set(EVERYDAY_SOUNDS)
    for stem, (kind, _) in EVERYDAY_SOUNDS.items():
        assert set(clips.kind[clips.recording == stem]) == {kind}
    # a 10-second excerpt gives 10 clips, the 2.7-second robin 2
    assert np.sum(clips.recording == "humpback_whale_glacier_bay") == 10
    assert np.sum(clips.recording == "robin_bird_inspectorj") == 2
    assert np.all(np.abs(clips.audio).max(axis=1) > 0)


def test_kinds_filter_and_refuse_unknown_kinds() -> None:
    animals = everyday_clips(kinds=("animal",))
    assert set(animals.kind) == {"animal"}
    with pytest.raises(ValueError, match="kinds are"):
        everyday_clips(kinds=("dog",))


@pytest.fixture()
def sources(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    folder = tmp_path / "full"
    folder.mkdir()
    for i, stem in enumerate(EVERYDAY_SOUNDS):
        write_wav(folder / f"{stem}.wav", 0.1 * rng.standard_normal(SAMPLE_RATE * (3 + 5 * i)).astype(np.float32))
        (folder / f"{stem}.txt").write_text(f"licence of {stem}\n")
    return folder


def test_cutting_keeps_the_rule_and_is_reproducible(sources: Path, tmp_path: Path) -> None:
    first = cut_everyday_excerpts(sources, tmp_path / "a")
    second = cut_everyday_excerpts(sources, tmp_path / "b")
    for one, two, (stem, (_, seconds)) in zip(first, second, EVERYDAY_SOUNDS.items()):
        assert one.read_bytes() == two.read_bytes()
        full = read_wav(sources / f"{stem}.wav")
        keep = min(len(full), int(seconds * SAMPLE_RATE))
        start = int(0.25 * (len(full) - keep) / SAMPLE_RATE) * SAMPLE_RATE
        np.testing.assert_allclose(read_wav(one), full[start : start + keep], atol=1 / 32767)
        assert (one.parent / f"{stem}.txt").read_text() == f"licence of {stem}\n"


def test_cutting_refuses_missing_sources_and_overwriting(sources: Path, tmp_path: Path) -> None:
    (sources / "robin_bird_inspectorj.txt").unlink()
    with pytest.raises(ValueError, match="missing robin_bird_inspectorj.txt"):
        cut_everyday_excerpts(sources, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing written before the check
    (sources / "robin_bird_inspectorj.txt").write_text("x")
    cut_everyday_excerpts(sources, tmp_path / "out")
    with pytest.raises(ValueError, match="--force"):
        cut_everyday_excerpts(sources, tmp_path / "out")
    cut_everyday_excerpts(sources, tmp_path / "out", force=True)


def test_the_cli_gives_a_one_line_error(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "phaselab", "data", "everyday", "--source", str(tmp_path),
                             "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "missing" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_recording_clips_spread_over_each_recording_and_drop_silence(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    (tmp_path / "game" / "act1").mkdir(parents=True)
    ramp = np.linspace(0.01, 0.5, 10 * SAMPLE_RATE) * rng.standard_normal(10 * SAMPLE_RATE)
    write_wav(tmp_path / "game" / "act1" / "ramp.wav", np.clip(ramp, -1, 1).astype(np.float32))
    write_wav(tmp_path / "game" / "silent.wav", np.zeros(5 * SAMPLE_RATE, np.float32))
    write_wav(tmp_path / "game" / "short.wav", 0.1 * np.ones(SAMPLE_RATE // 2, np.float32))
    write_ogg(tmp_path / "game" / "loud.ogg", 0.3 * rng.standard_normal(4 * 44100))
    clips = recording_clips((tmp_path / "game",), per_recording=3)
    assert clips.audio.shape == (6, SAMPLE_RATE) and set(clips.kind) == {"music"}
    assert sorted(set(clips.recording)) == ["game/act1/ramp.wav", "game/loud.ogg"]  # silent and short ones out
    ramp_rms = [np.sqrt(np.mean(c.astype(np.float64) ** 2)) for c, r in zip(clips.audio, clips.recording) if "ramp" in r]
    assert ramp_rms == sorted(ramp_rms)  # evenly spread: later clips of a crescendo are louder
    with pytest.raises(ValueError, match="apt-get install warzone2100-music"):
        recording_clips((tmp_path / "missing",))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no audio files"):
        recording_clips((tmp_path / "empty",))


def test_longer_clips_for_stretches_of_sound(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    (tmp_path / "game").mkdir()
    write_wav(tmp_path / "game" / "ten.wav", (0.2 * rng.standard_normal(10 * SAMPLE_RATE)).astype(np.float32))
    write_wav(tmp_path / "game" / "two.wav", (0.2 * rng.standard_normal(2 * SAMPLE_RATE)).astype(np.float32))
    clips = recording_clips((tmp_path / "game",), per_recording=4, seconds=3.0)
    assert clips.audio.shape == (3, 3 * SAMPLE_RATE)  # ten seconds hold three; two seconds hold none
    assert list(clips.recording) == ["game/ten.wav"] * 3
    _stamp(tmp_path / "stamps", "animals/birds/owl", 0.4)
    _stamp(tmp_path / "stamps", "animals/birds/crow", 0.4)
    padded = [stamp_sounds(role, root=tmp_path / "stamps", seconds=2.0) for role in ("validation", "test")]
    assert [c.audio.shape for c in padded] == [(1, 2 * SAMPLE_RATE)] * 2
    assert all(not c.audio[0, SAMPLE_RATE // 2:].any() for c in padded)  # padded with silence to 2 s
    with pytest.raises(ValueError, match="seconds must be above 0"):
        recording_clips((tmp_path / "game",), seconds=0.0)


def test_game_music_roles_never_share_a_folder() -> None:
    assert set(GAME_MUSIC) == {"validation", "test"}
    assert not set(GAME_MUSIC["validation"]) & set(GAME_MUSIC["test"])


def _stamp(root: Path, name: str, seconds: float, level: float = 0.3) -> None:
    path = root / f"{name}.ogg"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_ogg(path, level * np.random.default_rng(len(name)).standard_normal(int(seconds * 44100)))


def test_stamp_sounds_split_by_recording_pad_short_ones_and_leave_voices_out(tmp_path: Path) -> None:
    sounds = {"animals/birds/crow": 2.5, "animals/birds/owl": 0.4, "animals/mammals/dogs/dog": 0.9,
              "animals/mammals/bovines/goat": 0.7, "animals/mammals/bovines/ram": 0.7, "hobbies/music/cello": 3.9,
              "household/kettle": 1.2, "vehicles/firetruck": 10.3}
    for name, seconds in sounds.items():
        _stamp(tmp_path, name, seconds)
    for voice in ("space/apollo_lander", "symbols/math/1_en_GB", "animals/birds/crow_desc", "seasonal/christmas/santahat"):
        _stamp(tmp_path, voice, 2.0)
    _stamp(tmp_path, "animals/lizards/iguana", 1.1, level=0.0)  # silent: dropped
    halves = {role: stamp_sounds(role, per_recording=4, root=tmp_path) for role in ("validation", "test")}
    names = {role: set(clips.recording) for role, clips in halves.items()}
    assert not names["validation"] & names["test"]
    assert names["validation"] | names["test"] == set(sounds)  # no voice, no silent file
    for role, clips in halves.items():
        assert clips.audio.shape[1:] == (SAMPLE_RATE,)
        assert all(stamp_role(n) == role for n in clips.recording)
        assert set(clips.kind) <= {"animals", "hobbies", "household", "vehicles"}
    counts = {n: int(np.sum(c.recording == n)) for c in halves.values() for n in set(c.recording)}
    assert counts == {"animals/birds/crow": 2, "animals/birds/owl": 1, "animals/mammals/dogs/dog": 1,
                      "animals/mammals/bovines/goat": 1, "animals/mammals/bovines/ram": 1,
                      "hobbies/music/cello": 3, "household/kettle": 1, "vehicles/firetruck": 4}
    owl = halves[stamp_role("animals/birds/owl")]
    clip = owl.audio[list(owl.recording).index("animals/birds/owl")]
    assert np.abs(clip[: SAMPLE_RATE // 3]).max() > 0.05 and not clip[SAMPLE_RATE // 2 :].any()  # padded after
    with pytest.raises(ValueError, match="apt-get install tuxpaint-stamps-default"):
        stamp_sounds("test", root=tmp_path / "missing")
    with pytest.raises(ValueError, match="validation or test"):
        stamp_sounds("train", root=tmp_path)


def test_a_stamp_that_reuses_a_recording_follows_it() -> None:
    for copy, original in STAMP_SAME_SOUND.items():
        assert stamp_role(copy) == stamp_role(original)
    roles = [stamp_role(f"animals/n{i}") for i in range(200)]
    assert 0.4 < roles.count("test") / len(roles) < 0.6  # an even split, not everything on one side


def test_effect_sounds_are_whole_padded_and_levelled(tmp_path: Path) -> None:
    _stamp(tmp_path, "sound/animals/wolf_00", 2.5, level=0.5)
    _stamp(tmp_path, "sound/animals/bird1_00", 0.3, level=0.02)
    _stamp(tmp_path, "sound/animals/empty", 0.5, level=0.0)  # the game's silent placeholders: left out
    _stamp(tmp_path, "sound/military/under_attack", 1.0)  # not a training folder
    sounds = effect_sounds(tmp_path, ("sound/animals",))
    assert sorted(len(s) for s in sounds) == [SAMPLE_RATE, int(2.5 * SAMPLE_RATE)]
    bird = min(sounds, key=len)
    sounding = bird[: np.flatnonzero(bird)[-1] + 1].astype(np.float64)
    assert np.sqrt(np.mean(sounding ** 2)) == pytest.approx(0.1, rel=0.02)  # the recording's level, before the padding
    assert not bird[SAMPLE_RATE // 3 :].any()  # padded with silence, not tiled
    with pytest.raises(ValueError, match="apt-get install widelands-data"):
        effect_sounds(tmp_path, ("sound/farm",))


def test_training_validation_and_test_recordings_come_from_different_packages() -> None:
    roots = [Path(folder).parents[len(Path(folder).parts) - 5] for folders in GAME_MUSIC.values() for folder in folders]
    assert EFFECTS_ROOT not in roots and STAMP_SOUNDS_ROOT not in roots
    assert not EFFECTS_ROOT.is_relative_to(STAMP_SOUNDS_ROOT) and not STAMP_SOUNDS_ROOT.is_relative_to(EFFECTS_ROOT)
