"""One set of cross-validation folds for a whole search.

scikit-learn's ``evaluate_candidates`` splits the data anew at every call, and
``RungSearchCV`` calls it once per job; ``FixedFolds`` splits once, at the first call,
and hands back those folds at every later one. So every candidate, at every resource,
is scored on the same folds even when the splitter shuffles without a ``random_state``
(``ShuffleSplit()``), and an iterable of folds (a generator) is read once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["FixedFolds"]


class FixedFolds:
    """A splitter that replays the first folds of ``base_cv``.

    Args:
        base_cv: A checked scikit-learn splitter (``check_cv``'s).
    """

    def __init__(self, base_cv: Any) -> None:
        self.base_cv = base_cv
        self._folds: list[tuple[np.ndarray, np.ndarray]] | None = None

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        if self._folds is not None:
            return len(self._folds)
        return int(self.base_cv.get_n_splits(X, y, groups))

    def split(
        self, X: Any, y: Any = None, groups: Any = None, **params: Any
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        if self._folds is None:
            if groups is not None:
                params["groups"] = groups
            self._folds = [
                (np.asarray(train), np.asarray(test))
                for train, test in self.base_cv.split(X, y, **params)
            ]
        yield from self._folds

    def clear(self) -> None:
        """Forgets the folds (a fitted search keeps no index arrays the size of the data)."""
        self._folds = None

    def get_metadata_routing(self) -> Any:
        """The splitter's own requests (``groups``), under metadata routing."""
        from sklearn.utils.metadata_routing import get_routing_for_object

        return get_routing_for_object(self.base_cv)
