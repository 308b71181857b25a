"""Domains: the sets of values a hyperparameter may take.

Each domain samples from a ``numpy.random.Generator``, maps its values to [0, 1] and
back (on a log scale for log domains: the space Bayesian optimization models), and checks
its arguments when built.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from rung.errors import ConfigError

__all__ = [
    "Choice",
    "Domain",
    "LogUniform",
    "RandInt",
    "Uniform",
    "choice",
    "loguniform",
    "randint",
    "uniform",
]


#: The largest integer bound of a RandInt: 2**53, the integers a float64 holds exactly.
MAX_INT = 2**53


def _finite_number(name: str, value: Any, owner: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"The {name!r} parameter of {owner} must be a number; got {value!r}.")
    if not math.isfinite(float(value)):
        raise ConfigError(f"The {name!r} parameter of {owner} must be finite; got {value!r}.")
    return float(value)


def _clip01(x: float) -> float:
    """``x`` clipped to [0, 1] (NaN to 0); math on floats, as numpy is slow on scalars."""
    if not x > 0.0:
        return 0.0
    return 1.0 if x > 1.0 else x


class Domain(ABC):
    """A set of values a hyperparameter may take, with a map to and from [0, 1]."""

    def sample(self, rng: np.random.Generator) -> Any:
        """Draws one value: the decoding of a uniform point of [0, 1], which the unit
        encoding makes uniform over the domain (log-uniform for log domains)."""
        return self.decode(rng.random())

    @abstractmethod
    def encode(self, value: Any) -> float:
        """Maps a value of the domain to [0, 1]."""

    @abstractmethod
    def decode(self, unit: float) -> Any:
        """Maps a point of [0, 1] back to a value of the domain (clipping outside points)."""

    def decode_array(self, units: np.ndarray) -> list[Any]:
        """:meth:`decode` of every point of a 1-D array, as a list."""
        return [self.decode(u) for u in units.tolist()]

    @abstractmethod
    def contains(self, value: Any) -> bool:
        """True when ``value`` belongs to the domain."""

    @property
    def cardinality(self) -> float:
        """How many distinct values the domain holds (``inf`` for continuous ones)."""
        return math.inf


class Uniform(Domain):
    """Real numbers drawn uniformly from [low, high)."""

    def __init__(self, low: float, high: float) -> None:
        owner = type(self).__name__
        self.low = _finite_number("low", low, owner)
        self.high = _finite_number("high", high, owner)
        if not self.low < self.high:
            raise ConfigError(f"{owner} needs low < high; got low={low!r}, high={high!r}.")
        if not math.isfinite(self.high - self.low):
            raise ConfigError(
                f"{owner} needs a finite width high - low; got low={low!r}, high={high!r}."
            )
        self._set_scale()

    def _set_scale(self) -> None:
        self._lo = self._to_scale(self.low)
        self._span = self._to_scale(self.high) - self._lo

    def _to_scale(self, value: float) -> float:
        return value

    def encode(self, value: Any) -> float:
        return _clip01((self._to_scale(float(value)) - self._lo) / self._span)

    def decode(self, unit: float) -> float:
        value = self._lo + _clip01(unit) * self._span
        return value if value <= self.high else self.high

    def decode_array(self, units: np.ndarray) -> list[float]:
        values = self._lo + np.clip(np.nan_to_num(units), 0.0, 1.0) * self._span
        return np.minimum(values, self.high).tolist()

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            return False
        return self.low <= float(value) <= self.high

    def __repr__(self) -> str:
        return f"{type(self).__name__.lower()}({self.low!r}, {self.high!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (self.low, self.high) == (other.low, other.high)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.low, self.high))


class LogUniform(Uniform):
    """Positive real numbers whose logarithm is uniform on [log low, log high)."""

    def __init__(self, low: float, high: float) -> None:
        if isinstance(low, (int, float)) and not isinstance(low, bool) and low <= 0:
            raise ConfigError(f"LogUniform needs low > 0 (a log scale); got low={low!r}.")
        super().__init__(low, high)
        if self.low <= 0:
            raise ConfigError(f"LogUniform needs low > 0 (a log scale); got low={low!r}.")

    def _to_scale(self, value: float) -> float:
        return math.log(value) if value > 0 else -math.inf

    def decode(self, unit: float) -> float:
        value = math.exp(self._lo + _clip01(unit) * self._span)
        return min(max(value, self.low), self.high)  # exp(log(x)) round-off stays inside

    def decode_array(self, units: np.ndarray) -> list[float]:
        values = np.exp(self._lo + np.clip(np.nan_to_num(units), 0.0, 1.0) * self._span)
        return np.clip(values, self.low, self.high).tolist()


class RandInt(Domain):
    """Integers uniform from low (inclusive) to high (exclusive), like ``scipy.stats.randint``."""

    def __init__(self, low: int, high: int) -> None:
        for name, value in (("low", low), ("high", high)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                integral = isinstance(value, (float, np.floating)) and float(value).is_integer()
                if not integral:
                    raise TypeError(
                        f"The {name!r} parameter of RandInt must be an integer; got {value!r}."
                    )
        self.low, self.high = int(low), int(high)
        for name, value in (("low", self.low), ("high", self.high)):
            if abs(value) > MAX_INT:
                raise ConfigError(
                    f"The {name!r} parameter of RandInt must be between -2**53 and 2**53 "
                    f"(integers a float holds exactly, as the unit encoding needs); got {value!r}."
                )
        if not self.low < self.high:
            raise ConfigError(
                f"RandInt needs low < high (high is exclusive); got low={low!r}, high={high!r}."
            )

    def encode(self, value: Any) -> float:
        # The centre of the value's cell, so decode(encode(v)) == v.
        return _clip01((int(value) - self.low + 0.5) / (self.high - self.low))

    def decode(self, unit: float) -> int:
        n = self.high - self.low
        return self.low + min(int(_clip01(unit) * n), n - 1)

    def decode_array(self, units: np.ndarray) -> list[int]:
        n = self.high - self.low
        cells = (np.clip(np.nan_to_num(units), 0.0, 1.0) * n).astype(np.int64)
        return (self.low + np.minimum(cells, n - 1)).tolist()

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            return False
        return self.low <= int(value) < self.high

    @property
    def cardinality(self) -> float:
        return float(self.high - self.low)

    def __repr__(self) -> str:
        return f"randint({self.low!r}, {self.high!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (self.low, self.high) == (other.low, other.high)

    def __hash__(self) -> int:
        return hash(("RandInt", self.low, self.high))


class Choice(Domain):
    """One of a finite list of values, each equally likely."""

    def __init__(self, values: Sequence[Any]) -> None:
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise TypeError(f"The 'values' parameter of Choice must be a list; got {values!r}.")
        if len(values) == 0:
            raise ConfigError("The 'values' parameter of Choice must not be empty; got [].")
        for value in values:
            if not isinstance(value, Hashable):
                raise TypeError(
                    f"The 'values' of Choice must be hashable (numbers, strings, tuples); "
                    f"got {value!r}."
                )
        if len(set(values)) != len(values):
            raise ConfigError(f"The 'values' of Choice must be distinct; got {list(values)!r}.")
        self.values = list(values)

    def index(self, value: Any) -> int:
        """The position of ``value`` in the list of choices."""
        try:
            return self.values.index(value)
        except ValueError:
            raise ConfigError(f"{value!r} is not one of the choices {self.values!r}.") from None

    def encode(self, value: Any) -> float:
        return (self.index(value) + 0.5) / len(self.values)

    def decode(self, unit: float) -> Any:
        n = len(self.values)
        return self.values[min(int(_clip01(unit) * n), n - 1)]

    def decode_array(self, units: np.ndarray) -> list[Any]:
        n = len(self.values)
        cells = (np.clip(np.nan_to_num(units), 0.0, 1.0) * n).astype(np.int64)
        return [self.values[i] for i in np.minimum(cells, n - 1).tolist()]

    def contains(self, value: Any) -> bool:
        try:
            return value in self.values
        except TypeError:
            return False

    @property
    def cardinality(self) -> float:
        return float(len(self.values))

    def __repr__(self) -> str:
        return f"choice({self.values!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.values == other.values

    def __hash__(self) -> int:
        return hash(("Choice", tuple(self.values)))


def uniform(low: float, high: float) -> Uniform:
    """Real numbers uniform on [low, high)."""
    return Uniform(low, high)


def loguniform(low: float, high: float) -> LogUniform:
    """Positive reals uniform on a log scale between low and high."""
    return LogUniform(low, high)


def randint(low: int, high: int) -> RandInt:
    """Integers from low (inclusive) to high (exclusive), as ``scipy.stats.randint``."""
    return RandInt(low, high)


def choice(values: Sequence[Any]) -> Choice:
    """One of ``values``, each equally likely."""
    return Choice(values)
