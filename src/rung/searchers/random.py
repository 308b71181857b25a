"""Random search (Bergstra & Bengio, JMLR 2012)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rung._random import SeedLike
from rung.searchers.base import Searcher

__all__ = ["RandomSearcher"]

_BLOCK = 128  # configurations' worth of uniform draws taken from the generator at once


class RandomSearcher(Searcher):
    """Samples each configuration independently from the search space.

    The ``initial_config``, when given, comes first. It takes values of any kind (it
    learns nothing from them): single values, and the scores of runs with several
    objectives or constraints.

    Args:
        space: The search space.
        seed: Seed of the searcher's generator.
        initial_config: A configuration to suggest first, or a list of them.

    Example:
        >>> import rung
        >>> searcher = rung.RandomSearcher({"x": rung.uniform(-5, 5)}, seed=0)
        >>> config = searcher.suggest()
        >>> searcher.observe(config, (config["x"] - 2) ** 2)
    """

    takes_scores = True

    def __init__(
        self,
        space: Mapping[str, Any],
        seed: SeedLike = None,
        initial_config: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(space, seed, initial_config)
        self._block: list[dict[str, Any]] = []

    def _on_space_change(self) -> None:
        self._block = []  # drawn over the old space

    def _propose(self) -> dict[str, Any]:
        # Configurations are drawn and decoded in blocks: one generator call and one
        # decoding per configuration would cost more than the rest of a tuner's job.
        if not self._block:
            units = self.rng.random((_BLOCK, len(self.space.domains)))
            self._block = self.space.decode_many(units)[::-1]
        return self._block.pop()
