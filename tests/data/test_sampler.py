import numpy as np
import pytest

from phaselab.data.sampler import ClassBalancedSampler


def imbalanced_labels() -> np.ndarray:
    """100 items of class 0, 10 of class 1, 3 of class 2, shuffled."""
    labels = np.repeat([0, 1, 2], [100, 10, 3])
    return np.random.default_rng(0).permutation(labels)


def test_every_class_gets_the_same_share_of_every_batch() -> None:
    labels = imbalanced_labels()
    sampler = ClassBalancedSampler(labels, batch_size=30, seed=1)
    batches = sampler.epoch(0)
    assert batches.shape == (len(sampler), 30) == (4, 30) and batches.dtype == np.int64
    for batch in batches:
        assert np.bincount(labels[batch], minlength=3).tolist() == [10, 10, 10]


def test_uneven_batches_are_off_by_at_most_one_and_even_on_average() -> None:
    labels = imbalanced_labels()
    sampler = ClassBalancedSampler(labels, batch_size=32, seed=2, batches_per_epoch=300)
    counts = np.array([np.bincount(labels[batch], minlength=3) for batch in sampler.epoch(0)])
    assert counts.min() >= 10 and counts.max() <= 11 and (counts.sum(axis=1) == 32).all()
    np.testing.assert_allclose(counts.mean(axis=0), 32 / 3, atol=0.15)


def test_weights_set_the_share_of_each_class() -> None:
    labels = imbalanced_labels()
    sampler = ClassBalancedSampler(labels, batch_size=10, seed=3, weights=[0.5, 0.25, 0.25], batches_per_epoch=400)
    counts = np.array([np.bincount(labels[batch], minlength=3) for batch in sampler.epoch(0)])
    assert set(counts[:, 0]) == {5} and set(counts[:, 1]) <= {2, 3} and set(counts[:, 2]) <= {2, 3}
    np.testing.assert_allclose(counts.mean(axis=0), [5.0, 2.5, 2.5], atol=0.15)


def test_zero_weight_classes_are_never_drawn() -> None:
    labels = imbalanced_labels()
    batches = ClassBalancedSampler(labels, 8, seed=0, weights=[1.0, 0.0, 1.0]).epoch(0)
    assert not np.any(labels[batches] == 1)


def test_a_class_is_used_up_before_any_item_repeats() -> None:
    labels = imbalanced_labels()
    batches = ClassBalancedSampler(labels, batch_size=30, seed=4, batches_per_epoch=10).epoch(0)
    common = batches[labels[batches] == 0]
    assert sorted(common.tolist()) == sorted(np.flatnonzero(labels == 0).tolist())  # 100 draws, 100 items
    rare = batches[labels[batches] == 2]
    assert sorted(np.bincount(rare)[np.flatnonzero(labels == 2)].tolist()) == [33, 33, 34]  # 100 draws of 3 items


def test_batches_are_fixed_by_seed_and_epoch() -> None:
    labels = imbalanced_labels()
    sampler = ClassBalancedSampler(labels, 16, seed=5)
    np.testing.assert_array_equal(sampler.epoch(0), ClassBalancedSampler(labels, 16, seed=5).epoch(0))
    assert not np.array_equal(sampler.epoch(0), sampler.epoch(1))
    assert not np.array_equal(sampler.epoch(0), ClassBalancedSampler(labels, 16, seed=6).epoch(0))
    stream = iter(sampler)
    first_two_epochs = [next(stream) for _ in range(2 * len(sampler))]
    np.testing.assert_array_equal(np.stack(first_two_epochs), np.concatenate([sampler.epoch(0), sampler.epoch(1)]))


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        ClassBalancedSampler([], 4)
    with pytest.raises(ValueError, match="non-negative"):
        ClassBalancedSampler([0, -1], 4)
    with pytest.raises(ValueError, match=r"classes \[3\] have a positive weight but no items"):
        ClassBalancedSampler([0, 1, 2], 4, weights=[1, 1, 1, 1])
    with pytest.raises(ValueError, match="no class"):
        ClassBalancedSampler([0, 1], 4, weights=[0, 0])
    with pytest.raises(ValueError, match="batch_size"):
        ClassBalancedSampler([0, 1], 0)
