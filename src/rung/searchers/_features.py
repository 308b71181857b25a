"""The unit-cube features a Gaussian process models, for every kind of search-space domain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from rung.space import Choice, RandInt, Space

__all__ = ["FeatureMap"]


class FeatureMap:
    """The unit-cube features a GP models: one per numeric domain, one-hot for choices.

    ``uniform``, ``loguniform`` and ``randint`` domains map to one coordinate through
    ``Domain.encode`` (log-scaled for log domains; an integer sits at the centre of its
    cell); a ``choice`` of k values maps to k coordinates, one-hot, decoded by argmax.

    Args:
        space: The search space.
    """

    def __init__(self, space: Space) -> None:
        self.space = space
        self._columns: list[tuple[str, Any, int, int]] = []  # name, domain, start, stop
        self._int_columns: list[tuple[int, int]] = []  # column, number of integers
        self._choice_blocks: list[tuple[int, int]] = []
        width = 0
        for name, domain in space.domains.items():
            size = len(domain.values) if isinstance(domain, Choice) else 1
            self._columns.append((name, domain, width, width + size))
            if isinstance(domain, Choice):
                self._choice_blocks.append((width, width + size))
            elif isinstance(domain, RandInt):
                self._int_columns.append((width, domain.high - domain.low))
            width += size
        self.n_features = width

    def encode(self, config: Mapping[str, Any]) -> np.ndarray:
        """The features of a configuration, shape ``(n_features,)``."""
        u = np.zeros(self.n_features)
        for name, domain, start, _ in self._columns:
            if isinstance(domain, Choice):
                u[start + domain.index(config[name])] = 1.0
            else:
                u[start] = domain.encode(config[name])
        return u

    def encode_many(self, configs: list[Mapping[str, Any]]) -> np.ndarray:
        """Features of several configurations, shape ``(len(configs), n_features)``."""
        return np.array([self.encode(c) for c in configs]).reshape(len(configs), self.n_features)

    def decode(self, u: np.ndarray) -> dict[str, Any]:
        """The configuration at features ``u`` (shape ``(n_features,)``), constants included."""
        values = {}
        for name, domain, start, stop in self._columns:
            if isinstance(domain, Choice):
                values[name] = domain.values[int(np.argmax(u[start:stop]))]
            else:
                values[name] = domain.decode(float(u[start]))
        return {n: values[n] if n in values else self.space.constants[n] for n in self.space}

    def project(self, U: np.ndarray) -> np.ndarray:
        """The nearest valid features: integers to their cell centre, choices to one-hot.

        Args:
            U: Points of the unit cube, shape ``(m, n_features)``.

        Returns:
            A projected copy, shape ``(m, n_features)``.
        """
        U = np.array(U, dtype=float)
        for column, n in self._int_columns:
            U[:, column] = (np.minimum(np.floor(U[:, column] * n), n - 1) + 0.5) / n
        rows = np.arange(len(U))
        for start, stop in self._choice_blocks:
            best = np.argmax(U[:, start:stop], axis=1)
            U[:, start:stop] = 0.0
            U[rows, start + best] = 1.0
        return U
