"""Several objectives with any single-objective searcher: :class:`ParEGOSearcher`.

ParEGO (Knowles, IEEE TEC 2006) turns a single-objective Bayesian optimizer into a
multi-objective one: before each suggestion it draws new weights, scalarises every
observed result with them (:mod:`rung.searchers._scalarize`) and lets the optimizer
suggest the next configuration for that scalar. Over many suggestions the weights sweep
the simplex, and the suggestions the Pareto front.

Here the single-objective optimizer is any rung searcher (the *inner* searcher): the GP
searcher, or a multi-fidelity one, which then models every resource level of the
scalarised values. The inner searcher keeps its own bookkeeping (pending configurations
and their lies, its levels), so ParEGO is as pending-aware as it is. Before each
suggestion the inner searcher's model is given the values under the new weights through
its observation hook, so what it learnt about each configuration is the scalar of the
moment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rung._checks import InstanceOf, Real, check_all
from rung._random import SeedLike, make_rng
from rung.errors import ConfigError
from rung.objectives import Score
from rung.searchers._scalarize import RHO, chebyshev, draw_weights, penalized
from rung.searchers.base import Observation, Searcher

__all__ = ["ParEGOSearcher"]

_WEIGHTS_STREAM = 3  # the weights' stream of a seed; the inner searcher draws from the seed


def _weights_rng(seed: SeedLike) -> np.random.Generator:
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        sequence = np.random.SeedSequence(int(seed), spawn_key=(_WEIGHTS_STREAM,))
        return np.random.default_rng(sequence)
    return make_rng(seed)


_RULES = {"inner": InstanceOf((Searcher,), "a rung Searcher"), "rho": Real(low=0)}


class ParEGOSearcher(Searcher):
    """Several objectives through random scalarisations of an inner searcher (ParEGO).

    Args:
        inner: A single-objective searcher (e.g. ``GPSearcher(space)``); its space,
            initial configuration and random draws are the searcher's. It must not have
            suggested or observed anything yet.
        seed: Seed of the weights' generator. Without one, the tuner's seed is taken
            (a stream of its own: the inner searcher draws from the seed itself).
        rho: The linear term of the augmented Chebyshev function (ParEGO's 0.05).

    Raises:
        ConfigTypeError: ``inner`` is not a Searcher, or ``rho`` not a number.
        ConfigError: ``inner`` already handles several objectives (use it directly), has
            already been used, or ``rho`` is negative.

    Example:
        >>> import rung
        >>> from rung.objectives import Score
        >>> inner = rung.GPSearcher({"x": rung.uniform(0, 1)}, n_init=3)
        >>> searcher = ParEGOSearcher(inner, seed=0)
        >>> for _ in range(5):
        ...     config = searcher.suggest()
        ...     searcher.observe(config, Score((config["x"], (1 - config["x"]) ** 2)))
    """

    takes_scores = True

    def __init__(self, inner: Searcher, seed: SeedLike = None, rho: float = RHO) -> None:
        check_all("ParEGOSearcher", _RULES, locals())
        if inner.takes_scores:
            name = type(inner).__name__
            raise ConfigError(
                "The 'inner' parameter of ParEGOSearcher must be a single-objective searcher "
                f"for ParEGO to scalarise; got {inner!r}, which already handles several "
                f"objectives and constraints itself: use it directly, e.g. ASHA({name}(space))."
            )
        if inner.observations or inner.pending:
            raise ConfigError(
                "The 'inner' parameter of ParEGOSearcher must be a fresh searcher (nothing "
                "suggested or observed yet: ParEGO rescores every result it learns from); "
                f"got {inner!r}."
            )
        super().__init__(inner.space, seed=seed)
        self.rng = _weights_rng(seed)
        self.inner = inner
        self.rho = float(rho)
        self.weights: np.ndarray | None = None  # the weights of the latest suggestion
        self._rows: dict[tuple[tuple, int | None], int] = {}  # (config, resource) -> row
        self._table: list[Observation] = []  # the latest score of each (config, resource)

    def adopt_seed(self, seed: int) -> None:
        """Takes the tuner's ``seed`` (weights from a stream of their own, the inner
        searcher from the seed itself) if built without one and unused."""
        if not self._seeded and not self._suggested and not self.observations:
            self.rng = _weights_rng(seed)
            self._seeded = True
        self.inner.adopt_seed(seed)

    def replay_next(self, config: Mapping[str, Any] | None) -> None:
        super().replay_next(config)
        self.inner.replay_next(config)

    def extend_space(self, domains: Mapping[str, Any]) -> None:
        """Adds a define-by-run objective's declared parameters, to the inner searcher too
        (which proposes, and models them)."""
        super().extend_space(domains)
        self.inner.extend_space(domains)

    def used(self, proposed: Mapping[str, Any], config: Mapping[str, Any]) -> None:
        """The objective ran ``proposed`` (the inner searcher's) as ``config``: both
        searchers hold ``config`` pending in its place."""
        super().used(proposed, config)
        self.inner.used(proposed, config)

    def _on_space_change(self) -> None:
        # Rows are found by key, and keys name every parameter of the space.
        key = self.space.key
        self._rows = {(key(obs.config), obs.resource): i for i, obs in enumerate(self._table)}

    def set_levels(self, levels: Sequence[int]) -> None:
        """Passes a scheduler's levels on to the inner searcher."""
        set_levels = getattr(self.inner, "set_levels", None)  # a hook newer searchers have
        if set_levels is not None:
            set_levels(levels)

    def _scalars(self, weights: np.ndarray) -> np.ndarray:
        scores = [obs.value for obs in self._table]
        Y = np.array([s.objectives for s in scores], dtype=float)  # type: ignore[union-attr]
        violations = np.array([s.violation for s in scores])  # type: ignore[union-attr]
        return penalized(chebyshev(Y, weights, self.rho), violations)

    def _on_observe(self, observation: Observation) -> None:
        score = observation.value
        if not isinstance(score, Score):  # a single value: one objective
            score = Score((float(score),))
            observation = Observation(observation.config, score, observation.resource)
        key = (self.space.key(observation.config), observation.resource)
        row = self._rows.get(key)
        if row is None:
            self._rows[key] = len(self._table)
            self._table.append(observation)
        else:
            self._table[row] = observation
        weights = self.weights if self.weights is not None else np.ones(len(score.objectives))
        value = float(self._scalars(weights / weights.sum())[self._rows[key]])
        self.inner.observe(observation.config, value, observation.resource)

    def _propose(self) -> dict[str, Any]:
        if self._table:
            m = len(self._table[0].value.objectives)  # type: ignore[union-attr]
            self.weights = draw_weights(self.rng, m)
            # The inner model hears every result again, scalarised under the new weights:
            # through its observation hook, as its bookkeeping (pending, suggested) stays.
            for obs, value in zip(self._table, self._scalars(self.weights), strict=True):
                value = float(value) if math.isfinite(value) else math.nan
                self.inner._on_observe(Observation(obs.config, value, obs.resource))
        return self.inner.suggest()

    def __repr__(self) -> str:
        return f"ParEGOSearcher({self.inner!r})"
