"""The one way rung turns a user's seed into random numbers."""

from __future__ import annotations

import numpy as np

__all__ = ["SeedLike", "make_rng", "derive_seed"]

SeedLike = int | np.random.Generator | np.random.SeedSequence | None


def make_rng(seed: SeedLike, name: str = "seed") -> np.random.Generator:
    """A Generator from an int, a SeedSequence, an existing Generator (used as is) or None.

    Raises:
        TypeError: ``seed`` is none of these.
        ValueError: ``seed`` is a negative integer.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"The {name!r} parameter must be an int, a Generator or None; got {seed!r}.")
    if seed < 0:
        raise ValueError(f"The {name!r} parameter must be >= 0; got {seed!r}.")
    return np.random.default_rng(int(seed))


def derive_seed(seed: int, *keys: int) -> int:
    """A reproducible 32-bit seed for a sub-task (e.g. a trial) of a seeded run."""
    return int(np.random.SeedSequence([seed, *keys]).generate_state(1)[0])
