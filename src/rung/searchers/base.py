"""The Searcher interface: propose configurations, learn from observed values.

A searcher is built on a search space and answers two calls:

* :meth:`Searcher.suggest` returns a new configuration, never one it suggested before;
* :meth:`Searcher.observe` gives it the value a configuration reached at a resource.

Suggested configurations that have no observation yet are *pending*; model-based
searchers use them to keep parallel workers apart. Values are always minimized.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from rung._checks import Integer, check
from rung._frozen import frozen
from rung._random import SeedLike, make_rng
from rung.errors import ConfigTypeError, SpaceExhausted
from rung.objectives import Score
from rung.space import Space

__all__ = ["Observation", "Searcher", "check_int"]

logger = logging.getLogger(__name__)

# How many times a proposal that repeats an earlier one is redrawn before the space is
# declared exhausted; only finite (all-integer/choice) spaces can get there.
_MAX_REDRAWS = 1000


@frozen
class Observation:
    """A value a configuration reached; ``resource`` is None for single-fidelity runs.

    ``seconds`` is how long the job that reached it took (None when unknown): the data of
    cost-aware searchers.
    ``value`` is a :class:`~rung.objectives.Score` in runs with several objectives or
    constraints (only searchers that take scores see one).
    """

    config: Mapping[str, Any]
    value: float | Score
    resource: int | None = None
    seconds: float | None = None


class Searcher:
    """Base class of searchers: pending bookkeeping, the initial config, no duplicates.

    Subclasses implement :meth:`_propose` (and may extend :meth:`_on_observe`).

    Attributes:
        takes_scores: Whether the searcher learns from :class:`~rung.objectives.Score` s
            (runs with several objectives or constraints); those that model one value
            refuse them.

    Args:
        space: The search space, a dict of name -> domain or constant (or a Space).
        seed: Seed of the searcher's random generator; same seed, same suggestions.
        initial_config: A configuration to suggest first (e.g. known good defaults), or a
            list of them, suggested in order. Missing constants are filled in; values must
            lie in their domains.
    """

    takes_scores: bool = False

    def __init__(
        self,
        space: Mapping[str, Any],
        seed: SeedLike = None,
        initial_config: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        self.space = space if isinstance(space, Space) else Space(space)
        self.rng = make_rng(seed)
        self._seeded = seed is not None
        self._initial: deque[dict[str, Any]] = deque(_initial_configs(self.space, initial_config))
        # Key -> configuration, of every configuration suggested or observed (a proposal
        # a define-by-run objective ran as another configuration: that one, see used()).
        self._suggested: dict[tuple, Mapping[str, Any]] = {}
        self._pending: dict[tuple, dict[str, Any]] = {}
        # Define-by-run: the values of each configuration that ran, by the names it has.
        self._ran: dict[tuple[str, ...], set[tuple]] = {}
        self.observations: list[Observation] = []
        self._replayed: dict[str, Any] | None = None

    def adopt_seed(self, seed: int) -> None:
        """Takes ``seed`` if the searcher was built without one and has not suggested yet.

        :class:`rung.Tuner` calls it with its own seed, so a searcher built without a seed
        draws the same configurations as one built with the tuner's seed.
        """
        if not self._seeded and not self._suggested and not self.observations:
            self.rng = make_rng(seed)
            self._seeded = True

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Configurations suggested and not observed yet, oldest first."""
        return list(self._pending.values())

    def suggest(self) -> dict[str, Any]:
        """A configuration not suggested before.

        Raises:
            SpaceExhausted: every configuration of a finite space was suggested.
        """
        # With optional (declared) parameters, keys of configurations that left some out
        # are not among the product of the domains: only running out of draws tells.
        if not self.space.optional and len(self._suggested) >= self.space.cardinality:
            raise SpaceExhausted(
                f"All {int(self.space.cardinality)} configurations of the search space were "
                "suggested already."
            )
        config = self._initial.popleft() if self._initial else self._propose()
        key = self.space.key(config)
        redraws = 0
        while not self._is_new(config, key):
            redraws += 1
            if redraws > _MAX_REDRAWS:
                raise SpaceExhausted(
                    f"No unseen configuration found in {_MAX_REDRAWS} draws from the search space."
                )
            config = self.space.sample(self.rng)
            key = self.space.key(config)
        if self._replayed is not None:  # resuming: the recorded config, drawn as before
            config, self._replayed = self._replayed, None
            key = self.space.key(config)
        self._suggested[key] = config
        self._pending[key] = config
        return config  # handed out once and never mutated, like every config between components

    def replay_next(self, config: Mapping[str, Any] | None) -> None:
        """Makes the next :meth:`suggest` return ``config``, as recorded by a run being
        resumed. The searcher still makes its own proposal first, so its random state
        advances exactly as in the recorded run. None cancels it."""
        self._replayed = None if config is None else dict(config)

    def observe(
        self,
        config: Mapping[str, Any],
        value: float,
        resource: int | None = None,
        seconds: float | None = None,
    ) -> None:
        """Records that ``config`` reached ``value`` (to minimize) at ``resource``.

        A non-finite value (a failed or diverged trial) is kept; model-based searchers
        treat it as worse than every finite value. ``value`` is a
        :class:`~rung.objectives.Score` in runs with several objectives or constraints.

        Args:
            config: The configuration.
            value: The value reached, to minimize (NaN: the job failed), or a Score.
            resource: The resource it was reached at; None for single-fidelity runs.
            seconds: How long the job that reached it took (from the resource the trial
                had before), None when unknown; cost-aware searchers learn from it.

        Raises:
            TypeError: a Score for a searcher that does not take scores.
        """
        if isinstance(value, Score):
            if not self.takes_scores:
                raise TypeError(
                    f"{type(self).__name__} models one value; a run with several objectives "
                    "or constraints needs a searcher that takes scores (RandomSearcher, "
                    f"EHVISearcher, ParEGOSearcher); got {value!r}."
                )
        else:
            value = float(value)
        key = self.space.key(config)
        if self.space.dynamic:
            self._note_ran(config)
        if self._pending.pop(key, None) is None:
            self._suggested[key] = config  # configs observed without suggest() are not re-proposed
        # Configs handed between components are never mutated: keep the caller's.
        if seconds is not None:
            seconds = float(seconds)
        observation = Observation(config, value, resource, seconds)
        self.observations.append(observation)
        self._on_observe(observation)

    def extend_space(self, domains: Mapping[str, Any]) -> None:
        """Adds parameters a define-by-run objective declared (optional: a configuration
        has them when the objective asked for them); known names are left as they are."""
        if any(name not in self.space for name in domains):
            self.space = self.space.extended(domains)
            # Keys name every parameter of the space: those made before are keyed again,
            # or a configuration observed later would not find itself pending.
            key = self.space.key
            self._suggested = {key(c): c for c in self._suggested.values()}
            self._pending = {key(c): c for c in self._pending.values()}
            self._on_space_change()

    def used(self, proposed: Mapping[str, Any], config: Mapping[str, Any]) -> None:
        """The objective ran ``proposed`` as ``config`` (a define-by-run objective used
        some of its values and drew others): ``config`` is pending, and counts as
        suggested, in its place (the proposal did not run; one that would run as
        ``config`` again is no new configuration, see :meth:`_is_new`)."""
        key = self.space.key(proposed)
        if self._pending.pop(key, None) is not None:
            self._suggested.pop(key, None)
            used = self.space.key(config)
            self._suggested[used] = config
            self._pending[used] = dict(config)

    def _on_space_change(self) -> None:
        """Hook for subclasses that derive state from the space."""

    def set_levels(self, levels: Sequence[int]) -> None:
        """Hears the resources a multi-fidelity scheduler's jobs end at, lowest first.

        The scheduler that owns the searcher calls it once, when it is built; searchers
        that model the resource use it to place the full resource. Ignored here.
        """

    def _propose(self) -> dict[str, Any]:
        """A configuration to try next (duplicates are redrawn by :meth:`suggest`)."""
        raise NotImplementedError

    def _on_observe(self, observation: Observation) -> None:
        """Hook for subclasses that update a model on each observation."""

    def _is_new(self, config: Mapping[str, Any], key: tuple) -> bool:
        """Whether ``config`` (of key ``key``) would run a configuration that did not run.

        Beyond its key, a define-by-run objective runs a proposal as the values it asks
        for: a proposal holding every value of a configuration that ran, and more, runs
        as that configuration again (the objective asks for the same parameters and gets
        the same values; the others, inactive there, it never asks for).
        """
        if key in self._suggested:
            return False
        for names, ran in self._ran.items():
            if all(name in config for name in names) and tuple(config[n] for n in names) in ran:
                return False
        return True

    def _note_ran(self, config: Mapping[str, Any]) -> None:
        names = tuple(sorted(config))
        self._ran.setdefault(names, set()).add(tuple(config[n] for n in names))

    def _random_config(self) -> dict[str, Any]:
        return self.space.sample(self.rng)

    def _first_new(self, configs: Iterable[dict[str, Any]]) -> dict[str, Any]:
        """The first of ``configs`` (an acquisition's maximizers, best first) never
        suggested before, or a random configuration when every one was."""
        for config in configs:
            if self._is_new(config, self.space.key(config)):
                return config
        logger.debug("every maximizer was suggested before; suggesting at random")
        return self._random_config()

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(observations={len(self.observations)}, pending={len(self._pending)})"


def _initial_configs(
    space: Space, initial: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
) -> list[dict[str, Any]]:
    if initial is None:
        return []
    if isinstance(initial, Mapping):
        return [space.validate(initial, "initial_config")]
    if isinstance(initial, (str, bytes)) or not isinstance(initial, Sequence):
        raise ConfigTypeError(
            f"The 'initial_config' must be a dict or a list of dicts; got {initial!r}."
        )
    return [space.validate(config, f"initial_config[{i}]") for i, config in enumerate(initial)]


def check_int(owner: str, name: str, value: Any, minimum: int) -> int:
    """``value`` as an int when it is one and ``>= minimum``; raises naming the parameter.

    Raises:
        ConfigTypeError: ``value`` is not an int.
        ConfigError: ``value`` is below ``minimum``.
    """
    return int(check(owner, name, value, Integer(low=minimum)))


def unit_points(space: Space, configs: list[Mapping[str, Any]]) -> np.ndarray:
    """Configurations encoded in the unit cube, shape ``(len(configs), n_domains)``."""
    if not configs:
        return np.empty((0, len(space.domains)))
    return np.stack([space.encode(c) for c in configs])
