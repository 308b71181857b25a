"""The unit-cube features a Gaussian process models, for every kind of search-space domain."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from rung.space import Choice, Space

__all__ = ["FeatureMap"]


class FeatureMap:
    """The unit-cube features a GP models: one per numeric domain, one-hot for choices.

    ``uniform``, ``loguniform`` and ``randint`` domains map to one coordinate through
    ``Domain.encode`` (log-scaled for log domains; an integer or a stepped value sits at
    the centre of its cell); a ``choice`` of k values maps to k coordinates, one-hot,
    decoded by argmax. A conditional parameter gets one more coordinate, 1 when it is
    active and 0 when not; while inactive its own coordinates sit at a fixed point (0.5,
    or all zeros for a choice), so two configurations that both leave it out do not
    differ there: it is not modelled where it does not exist.

    Args:
        space: The search space.
    """

    def __init__(self, space: Space) -> None:
        self.space = space
        self._columns: list[tuple[str, Any, int, int]] = []  # name, domain, start, stop
        self._cell_columns: list[tuple[int, Any]] = []  # column, domain of finite values
        self._choice_blocks: list[tuple[int, int]] = []
        self._indicators: list[tuple[str, int, int, int]] = []  # name, indicator, start, stop
        width = 0
        for name, domain in space.domains.items():
            size = len(domain.values) if isinstance(domain, Choice) else 1
            self._columns.append((name, domain, width, width + size))
            if isinstance(domain, Choice):
                self._choice_blocks.append((width, width + size))
            elif domain.cardinality < math.inf:  # integers, stepped values
                self._cell_columns.append((width, domain))
            width += size
        for name, _, start, stop in self._columns:
            if name in space.conditions or name in space.optional:
                self._indicators.append((name, width, start, stop))
                width += 1
        self.n_features = width

    def encode(self, config: Mapping[str, Any]) -> np.ndarray:
        """The features of a configuration, shape ``(n_features,)``."""
        u = np.zeros(self.n_features)
        for name, domain, start, _ in self._columns:
            if name not in config:  # an inactive conditional parameter
                if not isinstance(domain, Choice):
                    u[start] = 0.5
            elif isinstance(domain, Choice):
                u[start + domain.index(config[name])] = 1.0
            else:
                u[start] = domain.encode(config[name])
        for name, indicator, _, _ in self._indicators:
            u[indicator] = 1.0 if name in config else 0.0
        return u

    def encode_many(self, configs: list[Mapping[str, Any]]) -> np.ndarray:
        """Features of several configurations, shape ``(len(configs), n_features)``."""
        return np.array([self.encode(c) for c in configs]).reshape(len(configs), self.n_features)

    def decode(self, u: np.ndarray) -> dict[str, Any]:
        """The configuration at features ``u`` (shape ``(n_features,)``), constants included
        and inactive parameters left out."""
        values = {}
        for name, domain, start, stop in self._columns:
            if isinstance(domain, Choice):
                values[name] = domain.values[int(np.argmax(u[start:stop]))]
            else:
                values[name] = domain.decode(float(u[start]))
        config = {n: values[n] if n in values else self.space.constants[n] for n in self.space}
        return self.space.active_part(config)

    @property
    def tied(self) -> np.ndarray:
        """Which lengthscale each feature uses, shape ``(n_features,)``: the one-hot
        block of a choice shares one (a Hamming-distance kernel on the choice, as
        Optuna's GP sampler and SMAC's random forests treat categories alike), every
        other feature has its own."""
        group = np.empty(self.n_features, dtype=int)
        for n, (_, _, start, stop) in enumerate(self._columns):
            group[start:stop] = n
        for n, (_, indicator, _, _) in enumerate(self._indicators, start=len(self._columns)):
            group[indicator] = n
        return group

    @property
    def local_moves(self) -> Callable[[np.ndarray], np.ndarray] | None:
        """:meth:`neighbours` for an acquisition's local search, or None when the space
        has no ``choice``, integer or stepped value (nothing to exchange or step)."""
        return self.neighbours if self._choice_blocks or self._cell_columns else None

    def neighbours(self, u: np.ndarray) -> np.ndarray:
        """The one-exchange neighbourhood of ``u``: every valid encoding that differs from
        ``u`` in the value of one active ``choice`` parameter, or by one step in one
        integer or stepped parameter (the neighbourhood of SMAC's local search, Hutter,
        Hoos & Leyton-Brown, LION 2011, §4.3). Continuous coordinates stay where they
        are; conditional parameters switched on or off by the change are projected.

        Args:
            u: Valid features (as :meth:`project` returns), shape ``(n_features,)``.

        Returns:
            The neighbours, shape ``(m, n_features)``; ``m = 0`` without active choices,
            integers or stepped values.
        """
        rows = []
        for column, domain in self._cell_columns:
            value, step = domain.decode(float(u[column])), domain.step or 1
            # rounded as decode rounds: 0.8 + 0.15 is 0.9500000000000001, past a high of 0.95
            for moved in (round(value - step, 12), round(value + step, 12)):
                if domain.contains(moved):
                    v = u.copy()
                    v[column] = domain.encode(moved)
                    rows.append(v)
        for start, stop in self._choice_blocks:
            current = u[start:stop]
            if not current.any():  # an inactive choice: nothing to exchange
                continue
            for k in np.flatnonzero(current < 0.5):
                v = u.copy()
                v[start:stop] = 0.0
                v[start + k] = 1.0
                rows.append(v)
        if not rows:
            return np.empty((0, self.n_features))
        moved = self.project(np.array(rows))
        # A step of an inactive parameter projects back onto ``u``: not a neighbour.
        return moved[np.any(moved != u, axis=1)]

    def project(self, U: np.ndarray) -> np.ndarray:
        """The nearest valid features: integers and stepped values to their cell centre,
        choices to one-hot, inactive parameters to their fixed point.

        Args:
            U: Points of the unit cube, shape ``(m, n_features)``.

        Returns:
            A projected copy, shape ``(m, n_features)``.
        """
        U = np.array(U, dtype=float)
        for column, domain in self._cell_columns:
            if getattr(domain, "log", False):
                decoded = domain.decode_array(U[:, column])
                U[:, column] = [domain.encode(v) for v in decoded]
            else:
                n = domain.cardinality
                U[:, column] = (np.minimum(np.floor(U[:, column] * n), n - 1) + 0.5) / n
        rows = np.arange(len(U))
        for start, stop in self._choice_blocks:
            best = np.argmax(U[:, start:stop], axis=1)
            U[:, start:stop] = 0.0
            U[rows, start + best] = 1.0
        if self._indicators:
            self._project_activity(U)
        return U

    def _project_activity(self, U: np.ndarray) -> None:
        """Sets each conditional parameter's indicator, and its fixed point when inactive,
        from the values its parents take in each row (parents first)."""
        columns = {name: (domain, start, stop) for name, domain, start, stop in self._columns}
        values: dict[str, list[Any]] = {}

        def column_values(name: str) -> list[Any]:
            if name not in values:
                if name in self.space.constants:
                    values[name] = [self.space.constants[name]] * len(U)
                else:
                    domain, start, stop = columns[name]
                    if isinstance(domain, Choice):
                        picks = np.argmax(U[:, start:stop], axis=1)
                        values[name] = [domain.values[i] for i in picks.tolist()]
                    else:
                        values[name] = domain.decode_array(U[:, start])
            return values[name]

        active: dict[str, np.ndarray] = {}
        indicator_of = {name: (i, a, b) for name, i, a, b in self._indicators}
        for name in self.space.optional:  # the objective decides: proposed as active
            U[:, indicator_of[name][0]] = 1.0
        for name in self.space._conditional_order:
            on = np.ones(len(U), dtype=bool)
            for parent, allowed in self.space.conditions[name].items():
                on &= active.get(parent, True)
                on &= np.array([v in allowed for v in column_values(parent)], dtype=bool)
            active[name] = on
            indicator, start, stop = indicator_of[name]
            U[:, indicator] = on
            fixed = 0.0 if stop - start > 1 else 0.5
            U[~on, start:stop] = fixed
