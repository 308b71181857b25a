"""Domains: the sets of values a hyperparameter may take.

Each domain samples from a ``numpy.random.Generator``, maps its values to [0, 1] and
back (on a log scale for log domains: the space Bayesian optimization models), and checks
its arguments when built.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from rung.errors import ConfigError, ConfigTypeError

__all__ = [
    "Choice",
    "Domain",
    "LogUniform",
    "RandInt",
    "Uniform",
    "choice",
    "is_log_scaled",
    "loguniform",
    "randint",
    "tuples_from_record",
    "uniform",
]


D = TypeVar("D", bound="Domain")

#: The largest integer bound of a RandInt: 2**53, the integers a float64 holds exactly.
MAX_INT = 2**53


def _finite_number(name: str, value: Any, owner: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ConfigTypeError(f"The {name!r} parameter of {owner} must be a number; got {value!r}.")
    if not math.isfinite(float(value)):
        raise ConfigError(f"The {name!r} parameter of {owner} must be finite; got {value!r}.")
    return float(value)


def _clip01(x: float) -> float:
    """``x`` clipped to [0, 1] (NaN to 0); math on floats, as numpy is slow on scalars."""
    if not x > 0.0:
        return 0.0
    return 1.0 if x > 1.0 else x


class Domain(ABC):
    """A set of values a hyperparameter may take, with a map to and from [0, 1].

    Attributes:
        when: For a conditional parameter, the values of other parameters that make it
            active: ``{"classifier": ("SVC",)}`` (each parent must take one of its
            values); None for a parameter that is always active. Set by the ``when=``
            argument of :func:`uniform`, :func:`loguniform`, :func:`randint` and
            :func:`choice`.
    """

    when: dict[str, tuple[Any, ...]] | None = None

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

    def _when_repr(self) -> str:
        return "" if self.when is None else f", when={self.when!r}"

    def _same_when(self, other: Domain) -> bool:
        return self.when == other.when


def _conditioned(domain: D, when: Mapping[str, Any] | None) -> D:
    """``domain``, active only when each parent in ``when`` takes one of its values."""
    if when is None:
        return domain
    owner = type(domain).__name__
    if not isinstance(when, Mapping) or not when:
        raise ConfigError(
            f"The 'when' parameter of {owner} must be a non-empty dict of parameter name -> "
            f"value (or list of values); got {when!r}."
        )
    condition: dict[str, tuple[Any, ...]] = {}
    for parent, values in when.items():
        if not isinstance(parent, str) or not parent:
            raise ConfigError(f"The 'when' of {owner} names parameters by string; got {parent!r}.")
        allowed = tuple(values) if isinstance(values, (list, tuple, set, frozenset)) else (values,)
        if not allowed:
            raise ConfigError(f"The 'when' of {owner} gives {parent!r} no value; got {values!r}.")
        for value in allowed:
            if not isinstance(value, Hashable):
                raise ConfigTypeError(
                    f"The 'when' values of {owner} must be hashable; got {value!r} for {parent!r}."
                )
        condition[parent] = allowed
    domain.when = condition
    return domain


def _check_step(owner: str, step: Any, integral: bool) -> float | int | None:
    if step is None:
        return None
    kinds = (int, np.integer) if integral else (int, float, np.integer, np.floating)
    if isinstance(step, bool) or not isinstance(step, kinds):
        rule = "an int" if integral else "a number"
        raise ConfigTypeError(f"The 'step' parameter of {owner} must be {rule}; got {step!r}.")
    if not (math.isfinite(float(step)) and step > 0):
        raise ConfigError(f"The 'step' parameter of {owner} must be > 0; got {step!r}.")
    return int(step) if integral else float(step)


class Uniform(Domain):
    """Real numbers drawn uniformly from [low, high).

    With ``step``, the values ``low, low + step, ...`` up to ``high`` (included when it
    is on the grid), each equally likely, as Optuna's ``suggest_float(step=...)``.
    """

    def __init__(self, low: float, high: float, step: float | None = None) -> None:
        owner = type(self).__name__
        self.low = _finite_number("low", low, owner)
        self.high = _finite_number("high", high, owner)
        if not self.low < self.high:
            raise ConfigError(f"{owner} needs low < high; got low={low!r}, high={high!r}.")
        if not math.isfinite(self.high - self.low):
            raise ConfigError(
                f"{owner} needs a finite width high - low; got low={low!r}, high={high!r}."
            )
        self.step = _check_step(owner, step, integral=False)
        self._n = 0 if self.step is None else int((self.high - self.low) / self.step + 1e-9) + 1
        self._set_scale()

    def _set_scale(self) -> None:
        self._lo = self._to_scale(self.low)
        self._span = self._to_scale(self.high) - self._lo

    def _to_scale(self, value: float) -> float:
        return value

    def encode(self, value: Any) -> float:
        if self.step is not None:  # the centre of the value's cell
            k = min(max(round((float(value) - self.low) / self.step), 0), self._n - 1)
            return (k + 0.5) / self._n
        return _clip01((self._to_scale(float(value)) - self._lo) / self._span)

    def decode(self, unit: float) -> float:
        if self.step is not None:
            k = min(int(_clip01(unit) * self._n), self._n - 1)
            return round(self.low + k * self.step, 12)
        value = self._lo + _clip01(unit) * self._span
        return value if value <= self.high else self.high

    def decode_array(self, units: np.ndarray) -> list[float]:
        if self.step is not None:
            cells = (np.clip(np.nan_to_num(units), 0.0, 1.0) * self._n).astype(np.int64)
            return np.round(self.low + np.minimum(cells, self._n - 1) * self.step, 12).tolist()
        values = self._lo + np.clip(np.nan_to_num(units), 0.0, 1.0) * self._span
        return np.minimum(values, self.high).tolist()

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            return False
        if not self.low <= float(value) <= self.high:
            return False
        if self.step is None:
            return True
        k = (float(value) - self.low) / self.step
        return abs(k - round(k)) < 1e-6

    @property
    def cardinality(self) -> float:
        return math.inf if self.step is None else float(self._n)

    def __repr__(self) -> str:
        step = "" if self.step is None else f", step={self.step!r}"
        return (
            f"{type(self).__name__.lower()}({self.low!r}, {self.high!r}{step}{self._when_repr()})"
        )

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and (self.low, self.high, self.step) == (other.low, other.high, other.step)
            and self._same_when(other)
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.low, self.high, self.step))


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
    """Integers from low (inclusive) to high (exclusive), like ``scipy.stats.randint``.

    Uniform by default; ``log=True`` draws them log-uniformly (each ``v`` with the
    probability of ``[v, v + 1)`` on a log scale: small values as often as large ones in
    ratio, as for layer widths or batch sizes); ``step`` keeps ``low, low + step, ...``.
    """

    def __init__(self, low: int, high: int, log: bool = False, step: int | None = None) -> None:
        for name, value in (("low", low), ("high", high)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                integral = isinstance(value, (float, np.floating)) and float(value).is_integer()
                if not integral:
                    raise ConfigTypeError(
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
        if not isinstance(log, bool):
            raise ConfigTypeError(f"The 'log' parameter of RandInt must be a bool; got {log!r}.")
        self.log = log
        self.step = _check_step("RandInt", step, integral=True)
        if log and self.low < 1:
            raise ConfigError(f"RandInt with log=True needs low >= 1; got low={low!r}.")
        if log and self.step not in (None, 1):
            raise ConfigError(
                f"RandInt takes log=True or a step, not both; got step={step!r} with log=True."
            )
        step_ = self.step or 1
        self._n = (self.high - self.low + step_ - 1) // step_  # how many values
        if log:
            self._lo, self._span = math.log(self.low), math.log(self.high) - math.log(self.low)

    def encode(self, value: Any) -> float:
        if self.log:  # the centre of [v, v + 1) on the log scale, so decode(encode(v)) == v
            return _clip01((math.log(int(value) + 0.5) - self._lo) / self._span)
        # The centre of the value's cell, so decode(encode(v)) == v.
        return _clip01(((int(value) - self.low) // (self.step or 1) + 0.5) / self._n)

    def decode(self, unit: float) -> int:
        if self.log:
            value = int(math.exp(self._lo + _clip01(unit) * self._span))
            return min(max(value, self.low), self.high - 1)
        return self.low + min(int(_clip01(unit) * self._n), self._n - 1) * (self.step or 1)

    def decode_array(self, units: np.ndarray) -> list[int]:
        units = np.clip(np.nan_to_num(units), 0.0, 1.0)
        if self.log:
            values = np.floor(np.exp(self._lo + units * self._span)).astype(np.int64)
            return np.clip(values, self.low, self.high - 1).tolist()
        cells = (units * self._n).astype(np.int64)
        return (self.low + np.minimum(cells, self._n - 1) * (self.step or 1)).tolist()

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            return False
        return (
            self.low <= int(value) < self.high and (int(value) - self.low) % (self.step or 1) == 0
        )

    @property
    def cardinality(self) -> float:
        return float(self._n)

    def __repr__(self) -> str:
        extra = ", log=True" if self.log else ""
        extra += f", step={self.step!r}" if self.step not in (None, 1) else ""
        return f"randint({self.low!r}, {self.high!r}{extra}{self._when_repr()})"

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and (self.low, self.high, self.log, self.step or 1)
            == (other.low, other.high, other.log, other.step or 1)
            and self._same_when(other)
        )

    def __hash__(self) -> int:
        return hash(("RandInt", self.low, self.high, self.log, self.step or 1))


class Choice(Domain):
    """One of a finite list of values, each equally likely."""

    def __init__(self, values: Sequence[Any]) -> None:
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise ConfigTypeError(
                f"The 'values' parameter of Choice must be a list; got {values!r}."
            )
        if len(values) == 0:
            raise ConfigError("The 'values' parameter of Choice must not be empty; got [].")
        for value in values:
            if not isinstance(value, Hashable):
                raise ConfigTypeError(
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

    def from_record(self, value: Any) -> Any:
        """``value`` as read back from a record: JSON keeps a tuple as a list, so a list
        that equals one of the choices as a tuple is that choice again."""
        if not isinstance(value, list):
            return value
        as_tuple = tuples_from_record(value)
        return as_tuple if self.contains(as_tuple) else value

    @property
    def cardinality(self) -> float:
        return float(len(self.values))

    def __repr__(self) -> str:
        return f"choice({self.values!r}{self._when_repr()})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.values == other.values and self._same_when(other)

    def __hash__(self) -> int:
        return hash(("Choice", tuple(self.values)))


def uniform(
    low: float,
    high: float,
    *,
    step: float | None = None,
    log: bool = False,
    when: Mapping[str, Any] | None = None,
) -> Uniform:
    """Real numbers uniform on [low, high) (on a log scale with ``log=True``; on the grid
    ``low, low + step, ...`` with ``step``); ``when``: see :func:`choice`."""
    if log:
        if step is not None:
            raise ConfigError(f"uniform takes log=True or a step, not both; got step={step!r}.")
        return _conditioned(LogUniform(low, high), when)
    return _conditioned(Uniform(low, high, step), when)


def loguniform(low: float, high: float, *, when: Mapping[str, Any] | None = None) -> LogUniform:
    """Positive reals uniform on a log scale between low and high; ``when``: see
    :func:`choice`."""
    return _conditioned(LogUniform(low, high), when)


def is_log_scaled(text: str) -> bool:
    """Whether a domain, by the text a run records of it (its ``repr``), is on a log scale:
    ``loguniform(...)``, or ``randint(..., log=True)``. Figures draw such a parameter on
    a log axis."""
    return text.startswith("loguniform(") or (text.startswith("randint(") and ", log=True" in text)


def randint(
    low: int,
    high: int,
    *,
    log: bool = False,
    step: int | None = None,
    when: Mapping[str, Any] | None = None,
) -> RandInt:
    """Integers from low (inclusive) to high (exclusive), as ``scipy.stats.randint``;
    log-uniform with ``log=True``, every ``step``-th with ``step``; ``when``: see
    :func:`choice`."""
    return _conditioned(RandInt(low, high, log, step), when)


def choice(values: Sequence[Any], *, when: Mapping[str, Any] | None = None) -> Choice:
    """One of ``values``, each equally likely.

    Args:
        values: The choices.
        when: Makes the parameter conditional (as for every domain function): active
            only when each named parameter takes the value given, or one of the list
            given, e.g. ``when={"classifier": "SVC"}``. An inactive parameter is left out
            of the configuration the objective gets and of the record, and searchers do
            not model it.

    Example:
        >>> space = {
        ...     "classifier": choice(["SVC", "RandomForest"]),
        ...     "svc_c": loguniform(1e-3, 1e3, when={"classifier": "SVC"}),
        ...     "max_depth": randint(2, 33, log=True, when={"classifier": "RandomForest"}),
        ... }
    """
    return _conditioned(Choice(values), when)


def tuples_from_record(value: Any) -> Any:
    """``value`` with its lists, nested ones too, made tuples: a choice's value as it was
    before a record (JSON) kept its tuples as lists (a choice is hashable, never a list)."""
    if isinstance(value, list):
        return tuple(tuples_from_record(item) for item in value)
    return value
