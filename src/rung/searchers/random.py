"""Random search (Bergstra & Bengio, JMLR 2012)."""

from __future__ import annotations

from typing import Any

from rung.searchers.base import Searcher

__all__ = ["RandomSearcher"]


class RandomSearcher(Searcher):
    """Samples each configuration independently from the search space.

    The ``initial_config``, when given, comes first.

    Args:
        space: The search space.
        seed: Seed of the searcher's generator.
        initial_config: A configuration to suggest first.

    Example:
        >>> import rung
        >>> searcher = rung.RandomSearcher({"x": rung.uniform(-5, 5)}, seed=0)
        >>> config = searcher.suggest()
        >>> searcher.observe(config, (config["x"] - 2) ** 2)
    """

    def _propose(self) -> dict[str, Any]:
        return self._random_config()
