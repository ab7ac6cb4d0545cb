"""The graph augmentations against their NumPy twins (phaselab.data.augment), and the graph pipeline.

Tolerances (relative to the NumPy output's peak unless said otherwise):

- exact steps (formant warp -- also on the pitch shift's STFT with a shift of 0, 1e-3 --,
  tilt, reverberation, phase rotation, time shift, noise cuts,
  coloured noise, noise mixing, normalisation): 1e-4 for the formant warp (float32 log/exp
  of 40-coefficient cepstra), 1e-5 for the others;
- change_speed: the same zero-padded ends, and SNR against ``resample_poly`` >= 50 dB on
  the recorded "marvin" sample, >= 38 dB on the espeak one, which has more energy above
  5 kHz (Keys cubic, not the Kaiser sinc: the same positions, another interpolation kernel);
- shift_pitch: a phase vocoder, not WSOLA, so only in spectrum: a tone's peak within
  0.5 %, the long-term spectrum of speech in 32 bands within 3 dB on average (and at least
  1 dB closer than the unshifted clip or the opposite shift), 10 ms energy envelopes
  correlated > 0.9.
"""

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from phaselab.data import augment as A  # noqa: E402
from phaselab.data import augment_graph as G  # noqa: E402
from phaselab.data import channel_graph as CG  # noqa: E402
from phaselab.data import perturb as P  # noqa: E402
from phaselab.data import perturb_graph as PG  # noqa: E402
from phaselab.data.augment import AugmentConfig, SoundPreprocessor  # noqa: E402
from phaselab.data.labels import CLASSES  # noqa: E402
from phaselab.data.pipeline import make_dataset  # noqa: E402
from phaselab.data.speech_commands import SpeechCommands  # noqa: E402
from phaselab.signal.audio import read_wav, write_wav  # noqa: E402
from phaselab.signal.noise import coloured_noise  # noqa: E402

SR = 16000
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def clip(speech: np.ndarray) -> np.ndarray:
    return speech[:SR]


def relative_error(reference: np.ndarray, out) -> float:
    return float(np.max(np.abs(np.asarray(out)[0] - reference)) / np.max(np.abs(reference)))


def snr_db(reference: np.ndarray, out: np.ndarray) -> float:
    reference = reference.astype(np.float64)
    return float(10 * np.log10(np.sum(reference**2) / np.sum((out - reference) ** 2)))


def test_the_speed_ratio_is_numpys_fraction() -> None:
    ratios = np.random.default_rng(0).uniform(1 / 1.15, 1 / 0.85, 200)
    up, down = PG._limit_denominator(tf.constant(ratios, tf.float64))
    expected = [Fraction(r).limit_denominator(64) for r in ratios]
    assert up.numpy().tolist() == [f.numerator for f in expected]
    assert down.numpy().tolist() == [f.denominator for f in expected]


@pytest.mark.parametrize("factor", [0.85, 0.93, 1.06, 1.15])
def test_change_speed_matches_resample_poly(clip: np.ndarray, factor: float) -> None:
    recorded = read_wav(REPO / "data" / "samples" / "marvin.wav", length=SR)
    for audio, bound in ((recorded, 50.0), (clip, 38.0)):
        reference = P.change_speed(audio, factor)
        out = PG.change_speed(audio[None], factor)[0].numpy()
        nonzero = np.flatnonzero(reference)
        head, tail = nonzero[0], len(reference) - 1 - nonzero[-1]
        assert factor < 1 or head + tail > 100  # a faster clip is zero-padded at both ends
        assert np.all(out[:head] == 0) and np.all(out[len(out) - tail:] == 0)
        assert snr_db(reference, out) >= bound
    np.testing.assert_allclose(PG.change_speed(clip[None], 1.0)[0].numpy(), clip, atol=1e-6)


def test_warp_formants_matches_numpy(clip: np.ndarray) -> None:
    batch = np.stack([clip, clip[::-1].copy()])
    out = PG.warp_formants(batch, tf.constant([0.87, 1.15])).numpy()
    assert relative_error(P.warp_formants(clip, 0.87), out[:1]) < 1e-4
    assert relative_error(P.warp_formants(clip[::-1].copy(), 1.15), out[1:]) < 1e-4
    assert relative_error(P.warp_formants(clip, 0.9, 1.12), PG.warp_formants(clip[None], 0.9, 1.12)) < 1e-4
    assert relative_error(clip, PG.warp_formants(clip[None], 1.0)) < 1e-5  # the STFT inverts exactly


def test_a_zero_pitch_shift_with_a_formant_warp_is_the_warp(clip: np.ndarray) -> None:
    """GraphAugmenter warps formants on the pitch shift's STFT; for clips without a shift that is warp_formants."""
    assert relative_error(clip, PG.shift_pitch(clip[None], 0.0)) < 1e-3
    for factor in (0.87, 1.15):
        assert relative_error(P.warp_formants(clip, factor), PG.shift_pitch(clip[None], 0.0, factor)) < 1e-3
    assert relative_error(P.warp_formants(clip, 0.9, 1.1), PG.shift_pitch(clip[None], 0.0, 0.9, 1.1)) < 1e-3


@pytest.mark.parametrize("gain_db", [-10.0, 4.0, 10.0])
def test_tilt_spectrum_matches_lfilter(clip: np.ndarray, gain_db: float) -> None:
    assert relative_error(P.tilt_spectrum(clip, gain_db), CG.tilt_spectrum(clip[None], gain_db)) < 1e-5


@pytest.mark.parametrize("rt60", [0.1, 0.47, 0.8])
def test_reverberate_matches_numpy_with_the_same_tail_noise(clip: np.ndarray, rt60: float) -> None:
    reference = P.reverberate(clip, rt60, 3.0, np.random.default_rng(7))
    taps = max(2, int(rt60 * SR)) - 1
    noise = np.random.default_rng(7).standard_normal(taps)  # what reverberate drew
    padded = np.pad(noise, (0, 12799 - taps))[None].astype(np.float32)
    assert relative_error(reference, CG.reverberate(clip[None], rt60, 3.0, padded)) < 1e-5


def test_shift_noise_phase_and_finish_match_numpy(clip: np.ndarray) -> None:
    for shift in (-800, 0, 1234):
        np.testing.assert_array_equal(CG.shift_time(clip[None], shift)[0].numpy(), P.shift_time(clip, shift))
    for theta in (0.4, 2.0, 5.9):
        assert relative_error(A.rotate_phase(clip, theta), G.rotate_phase(clip[None], theta)) < 1e-5
    finished = SoundPreprocessor(AugmentConfig.none()).finish(clip)
    assert relative_error(finished, G.pad(G.normalize(clip[None]), 16384)) < 1e-5
    noises = [np.arange(5000, dtype=np.float32), np.arange(20000, dtype=np.float32) + 0.5]
    bank = tf.constant(np.concatenate(noises))
    cut = G.noise_segment(bank, tf.constant([0, 5000]), tf.constant([5000, 20000]), tf.constant([0, 1]),
                          tf.constant([3000, 3999])).numpy()
    np.testing.assert_array_equal(cut[0], np.tile(noises[0], 4)[3000:19000])  # tiled, as noise_segment
    np.testing.assert_array_equal(cut[1], noises[1][3999:19999])
    normal = np.random.default_rng(3).standard_normal(SR)
    reference = coloured_noise(SR, 1.3, np.random.default_rng(3))
    assert relative_error(reference, G.coloured_noise(normal[None].astype(np.float32), 1.3)) < 1e-5
    noise = reference
    assert relative_error(A.add_noise(clip, noise, 0.05), G.add_noise(clip[None], noise[None], 0.05)) < 1e-5
    assert relative_error(A.mix_at_snr(clip, noise, 12.0), G.mix_at_snr(clip[None], noise[None], 12.0)) < 1e-5
    np.testing.assert_array_equal(G.mix_at_snr(clip[None], np.zeros((1, SR), np.float32), 5.0)[0], clip)


def bands_db(audio: np.ndarray, n_bands: int = 32) -> np.ndarray:
    """Long-term power in log-spaced bands from 100 Hz to 7 kHz, dB, of the normalised clip."""
    power = np.abs(np.fft.rfft(A.normalize(audio))) ** 2
    edges = (np.geomspace(100, 7000, n_bands + 1) * len(audio) / SR).astype(int)
    return np.array([10 * np.log10(power[lo : hi + 1].mean() + 1e-12) for lo, hi in zip(edges[:-1], edges[1:])])


def envelope(audio: np.ndarray) -> np.ndarray:
    return np.sqrt(np.convolve(A.normalize(audio) ** 2, np.ones(160) / 160, mode="same"))


def peak_hz(audio: np.ndarray) -> float:
    n = 4 * len(audio)
    return float(np.fft.rfftfreq(n, 1 / SR)[np.abs(np.fft.rfft(audio * np.hanning(len(audio)), n)).argmax()])


@pytest.mark.parametrize("semitones", [-3.0, -1.5, 2.0, 3.0])
def test_shift_pitch_matches_wsola_in_spectrum(clip: np.ndarray, semitones: float) -> None:
    t = np.arange(SR) / SR
    tone = (0.3 * np.sin(2 * np.pi * 300 * t) + 0.2 * np.sin(2 * np.pi * 600 * t)).astype(np.float32)
    expected = 300 * 2 ** (semitones / 12)
    assert peak_hz(PG.shift_pitch(tone[None], semitones)[0].numpy()) == pytest.approx(expected, rel=0.005)
    assert peak_hz(P.shift_pitch(tone, semitones)) == pytest.approx(expected, rel=0.005)
    reference = P.shift_pitch(clip, semitones)
    out = PG.shift_pitch(clip[None], semitones)[0].numpy()
    assert out.shape == clip.shape
    off = np.mean(np.abs(bands_db(out) - bands_db(reference)))
    assert off < 3.0
    for other in (clip, P.shift_pitch(clip, -semitones)):  # the test can tell a wrong shift
        assert np.mean(np.abs(bands_db(other) - bands_db(reference))) > off + 1.0
    assert np.corrcoef(envelope(out), envelope(reference))[0, 1] > 0.9


def test_graph_augmenter_is_fixed_by_its_seed_and_follows_the_config(clip: np.ndarray) -> None:
    clips = np.stack([clip, 0.3 * clip[::-1], clip * 0.1, clip])
    augmenter = G.GraphAugmenter(AugmentConfig(formant_glide=0.5), [coloured_noise(40000, 1.0, np.random.default_rng(0))])
    silence = [False, False, True, False]
    first = augmenter(clips, (3, 100), silence).numpy()
    np.testing.assert_array_equal(first, augmenter(clips, (3, 100), silence).numpy())
    assert not np.array_equal(first, augmenter(clips, (3, 132), silence).numpy())
    assert first.shape == (4, 16384) and first.dtype == np.float32
    assert np.all(first[:, 16000:] == 0.0) and np.all(np.isfinite(first))
    assert not np.allclose(first[0], first[3])  # the same clip, other draws
    plain = G.GraphAugmenter(AugmentConfig.none())(clips, (0, 0)).numpy()
    finish = SoundPreprocessor(AugmentConfig.none()).finish
    for row, audio in zip(plain, clips):
        np.testing.assert_allclose(row, finish(audio), atol=1e-5)
    with pytest.raises(ValueError, match="shape \\(b, n\\)"):
        augmenter(clip, (0, 0))
    with pytest.raises(ValueError, match="non-empty mono"):
        G.GraphAugmenter(AugmentConfig(), [np.zeros((2, 2))])


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list:
    root = tmp_path_factory.mktemp("tree")
    rng = np.random.default_rng(0)
    for w, word in enumerate(("yes", "no", "dog")):
        (root / word).mkdir()
        for i in range(3):
            length = int(rng.integers(8000, 16001))
            write_wav(root / word / f"spk{i}_nohash_0.wav",
                      0.3 * np.sin(2 * np.pi * (200 + 150 * w + 20 * i) * np.arange(length) / SR))
    return SpeechCommands(root).clips("all")


def test_graph_pipeline_batches_are_fixed_by_the_seed_whatever_the_cache(clips: list) -> None:
    def batches(seed: int, cache: bool) -> list:
        dataset = make_dataset(clips, batch_size=5, seed=seed, cache=cache, augment=AugmentConfig(silence_fraction=0.2),
                               augment_path="graph")
        return [(x.numpy(), y.numpy()) for x, y in dataset.take(2)]

    first, uncached, other = batches(1, True), batches(1, False), batches(2, True)
    for (x, y), (u, v) in zip(first, uncached):
        np.testing.assert_array_equal(x, u)
        np.testing.assert_array_equal(y, v)
        assert x.shape == (5, 16384) and y.shape == (5, 12)
        assert y[:, CLASSES.index("silence")].sum() == 1  # 20 % of 5
        speech = y[:, CLASSES.index("silence")] == 0
        np.testing.assert_allclose(np.sqrt(np.mean(x[speech, :16000] ** 2, axis=1)), 1.0, atol=0.02)
    assert not np.array_equal(first[0][0], other[0][0])
    assert not np.array_equal(first[0][0], first[1][0])


def test_augment_path_is_checked(clips: list, monkeypatch: pytest.MonkeyPatch) -> None:
    from phaselab.data import pipeline

    with pytest.raises(ValueError, match="augment_path must be one of"):
        make_dataset(clips, augment_path="jax", augment=AugmentConfig(silence_fraction=0.0))
    assert pipeline.resolve_augment_path("auto", AugmentConfig()) == "graph"
    assert pipeline.resolve_augment_path("auto", AugmentConfig(pitch_fraction=0, formant_fraction=0)) == "graph"
    assert pipeline.resolve_augment_path("auto", AugmentConfig.real_speech()) == "numpy"  # cheap in NumPy
    assert pipeline.resolve_augment_path("auto", AugmentConfig.none()) == "numpy"
    assert pipeline.resolve_augment_path("numpy", AugmentConfig()) == "numpy"
    monkeypatch.setattr(pipeline, "_is_tensorflow", lambda: False)
    assert pipeline.resolve_augment_path("auto", AugmentConfig()) == "numpy"
    with pytest.raises(ValueError, match="needs the TensorFlow backend"):
        pipeline.resolve_augment_path("graph")


def test_train_config_augment_path(tmp_path: Path) -> None:
    import json

    from phaselab.training.config import TrainConfig

    config = TrainConfig("cnn1d", augment_path="graph")
    assert TrainConfig.load(config.save(tmp_path / "config.json")) == config
    old = {key: value for key, value in TrainConfig("cnn1d").to_dict().items() if key != "augment_path"}
    (tmp_path / "old.json").write_text(json.dumps(old))
    assert TrainConfig.load(tmp_path / "old.json").augment_path == "numpy"  # saved before the key
    with pytest.raises(ValueError, match="augment_path must be one of"):
        TrainConfig("cnn1d", augment_path="fast")
