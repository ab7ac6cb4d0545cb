import shutil
from collections import Counter

import numpy as np
import pytest

from phaselab.data.tones import (
    SOUND_FONTS,
    MissingSynthesizer,
    TONAL_KINDS,
    VOICE_PROGRAMS,
    random_midi,
    render_midi,
    rendered_music,
    tonal_sound,
)
from phaselab.signal.stft import stft


@pytest.mark.parametrize("kind", TONAL_KINDS)
def test_each_kind_has_the_length_and_level_asked(kind: str) -> None:
    sound = tonal_sound(kind, 1.5, np.random.default_rng(3))
    assert sound.shape == (24000,) and sound.dtype == np.float32
    assert np.sqrt(np.mean(sound.astype(np.float64) ** 2)) == pytest.approx(0.1, rel=1e-3)
    assert np.all(np.isfinite(sound))


def test_tonal_sounds_are_more_peaked_in_frequency_than_noise() -> None:
    """Harmonic sounds put their energy in few bins: a much lower spectral flatness than white noise's."""

    def flatness(audio: np.ndarray) -> float:
        power = np.abs(stft(audio)) ** 2 + 1e-12
        return float(np.median(np.exp(np.mean(np.log(power), axis=-1)) / np.mean(power, axis=-1)))

    noise = flatness(np.random.default_rng(0).standard_normal(16000).astype(np.float32))
    for kind in ("melody", "plucked", "glides"):
        assert flatness(tonal_sound(kind, 1.0, np.random.default_rng(1))) < noise / 5


def test_unknown_kind_and_empty_length_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        tonal_sound("speech", 1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least one sample"):
        tonal_sound("melody", 0.0, np.random.default_rng(0))


def _events(midi: bytes) -> list[bytes]:
    """The channel messages of a format-0 file written by random_midi (delta times skipped)."""
    assert midi[:4] == b"MThd" and midi[14:18] == b"MTrk"
    track, i, out = midi[22:], 0, []
    while i < len(track):
        while track[i] & 0x80:  # variable-length delta time
            i += 1
        i += 1
        status = track[i]
        if status == 0xFF:  # meta event: type, length, data
            i += 3 + track[i + 2]
            continue
        size = 2 if status & 0xF0 == 0xC0 else 3
        out.append(track[i : i + size])
        i += size
    return out


def test_random_midi_is_a_valid_file_with_notes_that_end() -> None:
    midi = random_midi(4.0, np.random.default_rng(5))
    assert int.from_bytes(midi[18:22], "big") == len(midi) - 22  # the track length is right
    events = _events(midi)
    programs = [e[1] for e in events if e[0] & 0xF0 == 0xC0]
    assert len(programs) == 3 and not set(programs) & set(VOICE_PROGRAMS)
    ons = Counter((e[0] & 0x0F, e[1]) for e in events if e[0] & 0xF0 == 0x90)
    offs = Counter((e[0] & 0x0F, e[1]) for e in events if e[0] & 0xF0 == 0x80)
    assert ons and ons == offs  # every note is released
    assert random_midi(4.0, np.random.default_rng(5)) == midi
    with pytest.raises(ValueError, match="positive"):
        random_midi(0.0, np.random.default_rng(0))


def test_render_midi_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no fluidsynth on it
    with pytest.raises(MissingSynthesizer, match="apt-get install fluidsynth fluid-soundfont-gm"):
        render_midi(random_midi(1.0, np.random.default_rng(0)))


@pytest.mark.skipif(shutil.which("fluidsynth") is None or not any(f.is_file() for f in SOUND_FONTS),
                    reason="needs fluidsynth and fluid-soundfont-gm (CI installs them)")
def test_rendered_music_sounds_throughout_and_is_tonal() -> None:
    music = rendered_music(3.0, np.random.default_rng(2))
    assert music.shape == (48000,) and music.dtype == np.float32
    assert np.sqrt(np.mean(music.astype(np.float64) ** 2)) == pytest.approx(0.1, rel=1e-3)
    per_half_second = np.sqrt(np.mean(music.reshape(6, -1).astype(np.float64) ** 2, axis=1))
    assert per_half_second.min() > 0.01  # notes all the way, no silent stretch
    power = np.abs(stft(music)) ** 2 + 1e-12
    flatness = np.median(np.exp(np.mean(np.log(power), axis=-1)) / np.mean(power, axis=-1))
    assert flatness < 0.05
