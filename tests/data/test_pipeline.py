import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from phaselab.data.augment import AugmentConfig, SoundPreprocessor  # noqa: E402
from phaselab.data.labels import CLASSES, COMMANDS  # noqa: E402
from phaselab.data.pipeline import class_weights, make_dataset, make_eval_dataset, splice_partners  # noqa: E402
from phaselab.data.speech_commands import SpeechCommands  # noqa: E402
from phaselab.signal.audio import read_wav, write_wav  # noqa: E402
from phaselab.signal.noise import coloured_noise  # noqa: E402

WORDS = {"yes": 6, "no": 3, "up": 2, "dog": 4}  # word -> clips; "dog" is unknown


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list:
    """A tiny Speech Commands tree: a tone per word (frequency encodes word and clip), 0.5-1 s long."""
    root = tmp_path_factory.mktemp("tree")
    rng = np.random.default_rng(0)
    for w, (word, n) in enumerate(WORDS.items()):
        (root / word).mkdir()
        for i in range(n):
            length = int(rng.integers(8000, 16001))
            tone = 0.3 * np.sin(2 * np.pi * (200 + 100 * w + 10 * i) * np.arange(length) / 16000)
            write_wav(root / word / f"spk{i}_nohash_0.wav", tone)
    return SpeechCommands(root).clips("all")


def batches(dataset, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(x.numpy(), y.numpy()) for x, y in dataset.take(n)]


def test_training_batches_have_the_model_shapes_and_balanced_labels(clips: list) -> None:
    dataset = make_dataset(clips, CLASSES, batch_size=10, augment=AugmentConfig(silence_fraction=0.2), seed=0)
    for audio, labels in batches(dataset, 3):
        assert audio.shape == (10, 16384) and audio.dtype == np.float32
        assert labels.shape == (10, 12) and labels.dtype == np.float32
        np.testing.assert_array_equal(labels.sum(axis=1), 1.0)
        counts = labels.sum(axis=0)
        present = [CLASSES.index(c) for c in ("yes", "no", "up", "unknown")]
        assert counts[CLASSES.index("silence")] == 2  # 20 % of 10
        assert set(counts[present].tolist()) == {2.0}  # the other 80 % shared by the 4 classes with clips
        assert np.all(audio[:, 16000:] == 0.0)
        rms = np.sqrt(np.mean(audio[:, :16000] ** 2, axis=1))
        speech = labels[:, CLASSES.index("silence")] == 0
        np.testing.assert_allclose(rms[speech], 1.0, atol=0.02)
        assert np.all(rms[~speech] <= 1.0)  # silence at a random gain, damped when quiet


def test_training_batches_are_fixed_by_the_seed_whatever_the_cache(clips: list) -> None:
    noises = [coloured_noise(32000, 1.0, np.random.default_rng(0))]
    make = lambda seed, cache: make_dataset(clips, batch_size=6, noises=noises, seed=seed, cache=cache)  # noqa: E731
    first, again, uncached = batches(make(1, True), 2), batches(make(1, True), 2), batches(make(1, False), 2)
    other = batches(make(2, True), 2)
    for (a, y), (b, z), (c, u) in zip(first, again, uncached):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(y, z)
    assert not np.array_equal(first[0][0], other[0][0])


def test_without_augmentation_every_row_is_a_finished_clip_of_its_label(clips: list) -> None:
    finish = SoundPreprocessor(AugmentConfig.none()).finish
    expected = {clip.path.name + clip.label: finish(read_wav(clip.path, length=16000)) for clip in clips}
    dataset = make_dataset(clips, batch_size=8, augment=None, repeat=False, balanced=False)
    rows = 0
    for audio, labels in batches(dataset, -1):
        for row, label in zip(audio, labels.argmax(axis=1)):
            matches = [key for key, value in expected.items() if np.array_equal(row, value)]
            assert len(matches) == 1 and matches[0].endswith(CLASSES[label])
            rows += 1
    assert rows == 8 * 2  # one epoch: ceil(15 clips / 8) full batches, no silence


def test_unbalanced_batches_follow_the_clip_counts(clips: list) -> None:
    labels = np.array([CLASSES.index(c.label) for c in clips])
    weights = class_weights(labels, 12, balanced=False, silence=CLASSES.index("silence"), silence_fraction=0.1)
    assert weights[CLASSES.index("yes")] == pytest.approx(0.9 * 6 / 15)
    assert weights[CLASSES.index("silence")] == pytest.approx(0.1) and weights.sum() == pytest.approx(1.0)
    dataset = make_dataset(clips, batch_size=15, augment=AugmentConfig.none(), balanced=False, seed=3)
    (_, onehot), = batches(dataset, 1)
    np.testing.assert_array_equal(onehot.sum(axis=0)[[CLASSES.index(w) for w in ("yes", "no", "up")]], [6, 3, 2])


def test_eval_dataset_keeps_order_and_remainder(clips: list) -> None:
    dataset = make_eval_dataset(clips, CLASSES, batch_size=4)
    audio = np.concatenate([x for x, _ in batches(dataset, -1)])
    labels = np.concatenate([y for _, y in batches(dataset, -1)])
    assert [len(x) for x, _ in batches(dataset, -1)] == [4, 4, 4, 3]
    finish = SoundPreprocessor(AugmentConfig.none()).finish
    for row, label, clip in zip(audio, labels, clips):
        np.testing.assert_array_equal(row, finish(read_wav(clip.path, length=16000)))
        assert CLASSES[int(label.argmax())] == clip.label


def test_the_dataset_feeds_keras_fit(clips: list) -> None:
    import keras

    model = keras.Sequential([keras.Input((16384,)), keras.layers.Dense(12, activation="softmax")])
    model.compile("adam", "categorical_crossentropy")
    history = model.fit(make_dataset(clips, batch_size=4, seed=0), steps_per_epoch=2, epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(history.history["loss"][0])


def test_bad_input_is_refused(clips: list) -> None:
    with pytest.raises(ValueError, match="not one of the classes"):
        make_dataset(clips, ("yes", "no", "unknown", "silence"))  # no class "up"
    with pytest.raises(ValueError, match="'silence' is not a class"):
        make_dataset([c for c in clips if c.label == "yes"], ("yes",), augment=AugmentConfig())
    with pytest.raises(ValueError, match="at least one clip"):
        make_eval_dataset([])


def test_unknown_weight_scales_the_unknown_share(clips: list) -> None:
    labels = np.array([CLASSES.index(name) for name in ("yes", "no", "unknown", "unknown")])
    scale = [3.0 if name == "unknown" else 1.0 for name in CLASSES]
    weights = class_weights(labels, 12, balanced=True, silence=CLASSES.index("silence"), silence_fraction=0.1,
                            scale=scale)
    assert weights[CLASSES.index("unknown")] == pytest.approx(0.9 * 3 / 5)  # yes 1, no 1, unknown 3
    assert weights[CLASSES.index("yes")] == pytest.approx(0.9 / 5)
    with pytest.raises(ValueError, match="non-negative"):
        class_weights(labels, 12, True, None, 0.0, scale=[-1.0] * 12)
    dataset = make_dataset(clips, batch_size=12, augment=AugmentConfig.none(), unknown_weight=3.0, seed=1)
    (_, onehot), = batches(dataset, 1)  # yes, no, up 1 share each, unknown ("dog") 3: half the batch
    assert onehot.sum(axis=0)[CLASSES.index("unknown")] == 6


def test_other_backends_get_the_same_batches_from_a_py_dataset(clips: list, monkeypatch: pytest.MonkeyPatch) -> None:
    import keras

    from phaselab.data import pipeline

    make = lambda: make_dataset(clips, batch_size=6, seed=3, batches_per_epoch=2, first_epoch=1)  # noqa: E731
    expected = batches(make(), 5)  # epochs 1, 2 and the first batch of epoch 3
    evaluation = batches(make_eval_dataset(clips, CLASSES, batch_size=4), -1)
    monkeypatch.setattr(pipeline, "_is_tensorflow", lambda: False)
    stream = make()
    assert isinstance(stream, keras.utils.PyDataset) and stream.num_batches is None
    for i, (audio, labels) in enumerate(expected):
        np.testing.assert_array_equal(stream[i][0], audio)
        np.testing.assert_array_equal(stream[i][1], labels)
    plain = make_eval_dataset(clips, CLASSES, batch_size=4)
    assert plain.num_batches == len(evaluation) == 4
    for (audio, labels), (x, y) in zip(evaluation, plain):
        np.testing.assert_array_equal(x, audio)
        np.testing.assert_array_equal(y, labels)
    with pytest.raises(IndexError):
        plain[4]


def test_array_batches_deal_every_example_once_an_epoch_and_resume_where_they_were() -> None:
    from phaselab.data.pipeline import make_array_dataset

    audio = np.arange(10, dtype=np.float32)[:, None] * np.ones((1, 4), np.float32)
    labels = np.arange(10) % 3
    data, steps = make_array_dataset(audio, labels, 3, batch_size=4, seed=1)
    assert steps == 2  # the remainder of 2 is left out
    epoch = np.concatenate([data[i][0][:, 0] for i in range(steps)])
    assert len(set(epoch)) == 8 and not np.array_equal(epoch, np.concatenate([data[i][0][:, 0] for i in (2, 3)]))
    batch, onehot = data[0]
    np.testing.assert_array_equal(onehot.argmax(axis=1), labels[batch[:, 0].astype(int)])
    resumed, _ = make_array_dataset(audio, labels, 3, batch_size=4, seed=1, first_epoch=1)
    np.testing.assert_array_equal(resumed[0][0], data[2][0])
    with pytest.raises(ValueError, match="class indices"):
        make_array_dataset(audio, labels + 1, 3)


def test_splice_partners_are_command_clips_of_the_same_speaker(clips: list) -> None:
    partners = splice_partners(clips)
    dogs = [i for i, clip in enumerate(clips) if clip.word == "dog"]
    assert sorted(partners) == dogs
    for i in dogs:
        assert len(partners[i]) and all(clips[j].label in COMMANDS and clips[j].speaker == clips[i].speaker
                                        for j in partners[i])
    assert splice_partners([c for c in clips if c.word == "dog"]) == {}  # no command to splice with


def test_spliced_unknown_words_hold_a_command_and_the_drawn_word(clips: list) -> None:
    """Tones stand for words (yes 200-250 Hz, no 300-320, up 400-410, dog 500-530): a spliced dog holds two."""
    from dataclasses import replace

    only = replace(AugmentConfig.none(), silence_fraction=0.0)
    plain = batches(make_dataset(clips, batch_size=8, augment=only, seed=3), 3)
    spliced = batches(make_dataset(clips, batch_size=8, augment=replace(only, splice_fraction=1.0), seed=3), 3)
    unknown = CLASSES.index("unknown")
    seen = 0
    for (a, y), (b, z) in zip(plain, spliced):
        np.testing.assert_array_equal(y, z)
        words = y.argmax(axis=1) != unknown
        np.testing.assert_array_equal(a[words], b[words])  # commands untouched
        for row in b[~words]:
            spectrum = np.abs(np.fft.rfft(row[:16000]))  # 1 Hz bins
            dog, command = spectrum[490:540].max(), spectrum[190:420].max()
            assert min(dog, command) > 0.05 * max(dog, command)  # both words are in it
            seen += 1
    assert seen >= 3
