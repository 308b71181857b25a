"""Cross-validation on the first ``n`` samples of each training fold: the ``n_samples`` resource.

Each training fold is put in one fixed order (from the seed), stratified by class for
classifiers: the first ``n`` samples of that order keep the classes' proportions, a
larger ``n`` extends a smaller one (nested subsets), and every candidate evaluated at
the same ``n`` sees the same samples. Test folds are kept whole, so scores at different
resources are measured on the same samples.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["SubsampledCV"]


def _order(train: np.ndarray, labels: np.ndarray | None, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if labels is None:
        return train[rng.permutation(len(train))]
    keys = np.empty(len(train))
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        # Spread each class evenly over the order: the i-th member of a class of size m
        # sits at (i + 1/2) / m (Sainte-Lague's divisors), so any prefix holds each class
        # in proportion, within a sample or so.
        keys[members[rng.permutation(len(members))]] = (np.arange(len(members)) + 0.5) / len(
            members
        )
    keys += rng.random(len(keys)) * 1e-9  # ties between classes, broken at random
    return train[np.argsort(keys, kind="stable")]


class SubsampledCV:
    """A splitter that trains on ``fraction`` of each of ``base_cv``'s training folds.

    Args:
        base_cv: A checked scikit-learn splitter.
        fraction: The share of each training fold used, in (0, 1].
        labels: Each sample's class, whose proportions every subsample keeps (None: no
            classes, or several outputs).
        seed: Fixes the order the samples are taken in.
    """

    def __init__(self, base_cv: Any, fraction: float, labels: np.ndarray | None, seed: int) -> None:
        self.base_cv, self.fraction, self.labels, self.seed = base_cv, fraction, labels, seed

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.base_cv.get_n_splits(X, y, groups)

    def split(
        self, X: Any, y: Any = None, **kwargs: Any
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        labels = self.labels
        for fold, (train, test) in enumerate(self.base_cv.split(X, y, **kwargs)):
            train = np.asarray(train)
            n = max(1, min(len(train), int(round(self.fraction * len(train)))))
            ordered = _order(train, None if labels is None else labels[train], self.seed + fold)
            yield np.sort(ordered[:n]), test
