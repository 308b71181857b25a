"""A fixed list of configurations, suggested in order: evaluate them, no search."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rung._checks import InstanceOf, SequenceOf, check
from rung._random import SeedLike
from rung.domains import Domain
from rung.errors import ConfigError, SpaceExhausted
from rung.searchers.base import Searcher
from rung.space import choice

__all__ = ["FixedConfigs", "check_same_keys", "space_of"]


def check_same_keys(
    configs: Sequence[Mapping[str, Any]],
    label: Callable[[int], str] = lambda index: f"configs[{index}]",
) -> None:
    """Checks that every configuration names the keys of the first: the space they span
    needs every key in each.

    Args:
        configs: The configurations.
        label: How a message names the configuration at an index (a file's tables may
            be counted from 1).

    Raises:
        ConfigError: two configurations name different keys; the message names both and
            their keys.
    """
    for index, config in enumerate(configs):
        if set(config) != set(configs[0]):
            raise ConfigError(
                f"{label(index)} has the keys {sorted(config)}, {label(0)} has "
                f"{sorted(configs[0])}: every configuration must name the same keys."
            )


def space_of(configs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The space ``configs`` span: each key a choice of its listed values.

    Raises:
        ConfigError: no configuration, one that is not a mapping, or configurations
            that name different keys.
    """
    check("space_of", "configs", configs, _CONFIGS)
    check_same_keys(configs)
    space: dict[str, Any] = {}
    for name in configs[0]:
        values: list[Any] = []
        for config in configs:
            if config[name] not in values:
                values.append(config[name])
        space[name] = choice(values)
    return space


_CONFIGS = SequenceOf(InstanceOf((Mapping,), "a mapping of names to values"), min_length=1)


class FixedConfigs(Searcher):
    """Suggests the given configurations, in order, once each; then none is left.

    Under :class:`~rung.FIFO` every configuration is trained to the full resource: the
    run evaluates a known list (the defaults of a paper, the winners of earlier runs)
    instead of searching. Under a multi-fidelity scheduler the list is what the rungs
    choose from.

    Args:
        configs: The configurations, each a mapping with the same keys; no two equal.
        space: The search space they belong to (default: the one they span, each key a
            choice of its listed values); every configuration must lie in it.
        seed: Unused (the order is the list's); accepted as every searcher's.

    Raises:
        ConfigError: no configuration, configurations with different keys, two equal
            ones, or one outside ``space``.

    Example:
        >>> import rung
        >>> searcher = FixedConfigs([{"x": 1.0}, {"x": 3.0}])
        >>> result = rung.Tuner(lambda c: c["x"] ** 2, rung.FIFO(searcher)).run(max_trials=10)
        >>> result.n_trials, result.best_config
        (2, {'x': 1.0})
    """

    def __init__(
        self,
        configs: Sequence[Mapping[str, Any]],
        space: Mapping[str, Any] | None = None,
        seed: SeedLike = None,
    ) -> None:
        check("FixedConfigs", "configs", configs, _CONFIGS)
        listed = []
        for index, config in enumerate(configs):
            if not config:
                raise ConfigError(
                    f"configs[{index}] must be a non-empty mapping of names to values; "
                    f"got {config!r}."
                )
            if any(isinstance(v, Domain) for v in config.values()):
                raise ConfigError(
                    f"configs[{index}] holds a domain; list values, e.g. learning_rate = 0.1."
                )
            if config in listed:
                raise ConfigError(
                    f"configs[{index}] repeats configs[{listed.index(dict(config))}] "
                    f"({dict(config)!r}): each configuration is evaluated once."
                )
            listed.append(dict(config))
        check_same_keys(configs)
        super().__init__(space_of(listed) if space is None else space, seed)
        self._configs = [self.space.validate(c, f"configs[{i}]") for i, c in enumerate(listed)]
        self._next = 0

    @property
    def configs(self) -> list[dict[str, Any]]:
        """The configurations, in the order they are suggested."""
        return [dict(c) for c in self._configs]

    def suggest(self) -> dict[str, Any]:
        """The next configuration of the list.

        Raises:
            SpaceExhausted: every configuration was suggested.
        """
        while self._next < len(self._configs):
            config = self._configs[self._next]
            self._next += 1
            if self._replayed is not None:  # resuming: the recorded config, as base does
                config, self._replayed = self._replayed, None
            key = self.space.key(config)
            if key not in self._suggested:  # not observed already
                self._suggested[key] = config
                self._pending[key] = config
                return config
        raise SpaceExhausted(f"All {len(self._configs)} listed configurations were suggested.")
