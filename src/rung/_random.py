"""The one way rung turns a user's seed into random numbers."""

from __future__ import annotations

import numpy as np

from rung.errors import ConfigError, ConfigTypeError

__all__ = ["SeedDeriver", "SeedLike", "derive_seed", "make_rng"]

SeedLike = int | np.random.Generator | np.random.SeedSequence | None


def make_rng(seed: SeedLike, name: str = "seed") -> np.random.Generator:
    """A Generator from an int, a SeedSequence, an existing Generator (used as is) or None.

    Raises:
        ConfigTypeError: ``seed`` is none of these (a TypeError).
        ConfigError: ``seed`` is a negative integer (a ValueError).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ConfigTypeError(
            f"The {name!r} parameter must be an int, a Generator or None; got {seed!r}."
        )
    if seed < 0:
        raise ConfigError(f"The {name!r} parameter must be an int >= 0; got {seed!r}.")
    return np.random.default_rng(int(seed))


_MASK64 = (1 << 64) - 1


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def derive_seed(seed: int, *keys: int) -> int:
    """A reproducible 32-bit seed for a sub-task (e.g. a trial) of a seeded run.

    Mixes the keys with SplitMix64 (Steele et al., OOPSLA 2014): a microsecond, where
    building a ``SeedSequence`` per trial would dominate the tuner's per-job overhead.
    """
    state = _splitmix64(int(seed))
    for key in keys:
        state = _splitmix64(state ^ int(key))
    return state >> 32


class SeedDeriver:
    """``derive_seed(seed, key)`` for many keys of one seed, with the seed's mixing done once."""

    def __init__(self, seed: int) -> None:
        self._state = _splitmix64(int(seed))

    def __call__(self, key: int) -> int:
        return _splitmix64(self._state ^ key) >> 32
