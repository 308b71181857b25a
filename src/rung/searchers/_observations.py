"""The observations of a multi-fidelity searcher: one row per (configuration, resource).

Rows live in arrays that double when full, so that building a model's training data
costs no Python loop over thousands of observations and memory stays linear in them. A
row holds one value, or a vector of them (several objectives and constraints): the
table takes the width of the first value added.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator, Sequence

import numpy as np

from rung.searchers._subset import stable_key

__all__ = ["ObservationTable"]


class ObservationTable:
    """Features, latest value(s), resource and subset key of each (configuration, resource).

    Args:
        n_features: Width of the configurations' features.

    Attributes:
        n_rows: How many rows there are.
    """

    def __init__(self, n_features: int) -> None:
        self.n_rows = 0
        self._features = np.empty((16, n_features))
        self._values = np.empty((16, 0))  # its width is set by the first value added
        self._resources = np.empty(16)  # NaN: no resource (single fidelity)
        self._keys = np.empty(16)
        self._row: dict[tuple[Hashable, int | None], int] = {}
        self._rows_of_config: dict[Hashable, list[int]] = {}

    def add(
        self,
        key: Hashable,
        resource: int | None,
        features: np.ndarray,
        value: float | Sequence[float] | np.ndarray,
    ) -> None:
        """Records ``value`` for configuration ``key`` at ``resource``; a value observed
        again at the same resource replaces the earlier one.

        Raises:
            ValueError: ``value`` has another width than the values added before.
        """
        value = np.atleast_1d(np.asarray(value, dtype=float))
        if self.n_rows == 0 and self._values.shape[1] != len(value):
            self._values = np.empty((len(self._values), len(value)))
        if len(value) != self._values.shape[1]:
            raise ValueError(f"Expected {self._values.shape[1]} values per row; got {len(value)}.")
        row = self._row.get((key, resource))
        if row is not None:
            self._values[row] = value
            return
        if self.n_rows == len(self._values):
            for name in ("_features", "_values", "_resources", "_keys"):
                old = getattr(self, name)
                new = np.empty((2 * len(old), *old.shape[1:]))
                new[: len(old)] = old
                setattr(self, name, new)
        row = self.n_rows
        self._features[row] = features
        self._values[row] = value
        self._resources[row] = math.nan if resource is None else resource
        self._keys[row] = stable_key(key, resource)
        self._row[(key, resource)] = row
        self._rows_of_config.setdefault(key, []).append(row)
        self.n_rows += 1

    @property
    def features(self) -> np.ndarray:
        """Shape ``(n_rows, n_features)`` (a view: do not modify)."""
        return self._features[: self.n_rows]

    @property
    def values(self) -> np.ndarray:
        """Latest values (the first of each row's), shape ``(n_rows,)`` (a copy)."""
        return self.column(0)

    @property
    def width(self) -> int:
        """Values per row (0 before the first row)."""
        return int(self._values.shape[1])

    def column(self, j: int) -> np.ndarray:
        """The latest ``j``-th value of each row, shape ``(n_rows,)`` (a copy)."""
        if self.n_rows == 0:
            return np.empty(0)
        return self._values[: self.n_rows, j].copy()

    @property
    def resources(self) -> np.ndarray:
        """Resources, NaN for None, shape ``(n_rows,)`` (a view)."""
        return self._resources[: self.n_rows]

    @property
    def keys(self) -> np.ndarray:
        """Stable subset keys (:func:`~rung.searchers._subset.stable_key`), ``(n_rows,)``."""
        return self._keys[: self.n_rows]

    def rows_by_config(self) -> Iterator[list[int]]:
        """The rows of each configuration, in the order configurations were first seen."""
        return iter(self._rows_of_config.values())
