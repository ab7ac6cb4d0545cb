"""Class-balanced (stratified) index batches.

The original study trained on class-balanced batches: each batch holds every class about
equally often, however rare the class is in the data. :class:`ClassBalancedSampler` does
that, or any other share of each class per batch (e.g. the classes' own frequencies, for
stratified but unbalanced batches).
"""

from __future__ import annotations

from itertools import count
from typing import Iterator, Sequence

import numpy as np

__all__ = ["ClassBalancedSampler"]


class ClassBalancedSampler:
    """Batches of item indices in which each class takes a fixed share.

    In every batch class ``k`` gets ``weights[k] * batch_size`` places, rounded down or up
    at random so that the expected count is exact (systematic sampling of the fractional
    parts): no class is ever more than one item off its share. A class's items are drawn
    from a shuffled copy of its index list, reshuffled when used up, so a common class is
    covered without repeats before any item repeats, and a rare one is recycled.

    Parameters
    ----------
    labels : sequence of int, shape (n_items,)
        Class of every item (``0 <= label``).
    batch_size : int
        Items per batch.
    seed : int
        Fixes every batch: epoch ``e`` depends only on ``(seed, e)``.
    weights : sequence of float, optional
        Share of each class per batch, indexed by class (normalised to sum 1; classes past
        its end or with weight 0 are never drawn). Default: equal for every class with items.
    batches_per_epoch : int, optional
        Default: ``ceil(n_items / batch_size)``.

    Raises
    ------
    ValueError
        For an empty label list, a negative label, a positive weight on a class without
        items, or no positive weight at all.
    """

    def __init__(
        self,
        labels: Sequence[int],
        batch_size: int,
        seed: int = 0,
        weights: Sequence[float] | None = None,
        batches_per_epoch: int | None = None,
    ) -> None:
        labels = np.asarray(labels, dtype=np.int64)
        if labels.ndim != 1 or labels.size == 0:
            raise ValueError(f"ClassBalancedSampler needs a non-empty 1-D label list, got shape {labels.shape}")
        if labels.min() < 0:
            raise ValueError(f"labels must be non-negative class indices, got {labels.min()}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        counts = np.bincount(labels)
        if weights is None:
            share = (counts > 0).astype(np.float64)
        else:
            share = np.zeros(max(len(weights), len(counts)))
            share[: len(weights)] = np.asarray(weights, dtype=np.float64)
            if (share < 0).any():
                raise ValueError(f"class weights must be non-negative, got {list(weights)}")
            counts = np.pad(counts, (0, len(share) - len(counts)))
            empty = np.flatnonzero((share > 0) & (counts == 0))
            if empty.size:
                raise ValueError(f"classes {empty.tolist()} have a positive weight but no items")
        if share.sum() <= 0:
            raise ValueError("no class has a positive weight")
        self.labels = labels
        self.batch_size = batch_size
        self.seed = seed
        self.shares = share / share.sum()
        self.batches_per_epoch = batches_per_epoch or -(-labels.size // batch_size)
        self._members = [np.flatnonzero(labels == k) for k in range(len(self.shares))]

    def __len__(self) -> int:
        return self.batches_per_epoch

    def _quotas(self, rng: np.random.Generator) -> np.ndarray:
        """Places per class in one batch: floor of the share, plus 1 with probability of the fraction."""
        expected = self.shares * self.batch_size
        quotas = np.floor(expected + 1e-9).astype(np.int64)  # 2.0000000001 or 1.9999999999 is 2
        fractions = np.maximum(expected - quotas, 0.0)
        extra = self.batch_size - int(quotas.sum())
        if extra:
            order = rng.permutation(len(fractions))
            edges = np.cumsum(fractions[order])
            edges *= extra / edges[-1]  # the fractions sum to ``extra``, up to rounding
            picks = np.searchsorted(edges, rng.random() + np.arange(extra), side="right")
            quotas[order[picks]] += 1
        return quotas

    def epoch(self, epoch: int) -> np.ndarray:
        """The batches of one epoch.

        Returns
        -------
        np.ndarray, shape (batches_per_epoch, batch_size), int64
            Item indices; each row in random order.
        """
        rng = np.random.default_rng([self.seed, epoch])
        pools = [rng.permutation(m) for m in self._members]
        cursors = [0] * len(pools)
        batches = np.empty((self.batches_per_epoch, self.batch_size), dtype=np.int64)
        for b in range(self.batches_per_epoch):
            chosen = []
            for k, quota in enumerate(self._quotas(rng)):
                for _ in range(quota):
                    if cursors[k] == len(pools[k]):
                        pools[k], cursors[k] = rng.permutation(self._members[k]), 0
                    chosen.append(pools[k][cursors[k]])
                    cursors[k] += 1
            batches[b] = rng.permutation(np.asarray(chosen, dtype=np.int64))
        return batches

    def __iter__(self) -> Iterator[np.ndarray]:
        """Batches without end: epoch 0, then epoch 1, ... Each batch is shape (batch_size,) int64."""
        for e in count():
            yield from self.epoch(e)
