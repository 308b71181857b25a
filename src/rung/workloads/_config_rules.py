"""The config keys of each Fashion-MNIST model, the rule of each key, and a search space's
check against them (no torch here: ``rung tune`` refuses a bad space before loading it).

:class:`rung.workloads.models.ModelSpec` checks each config value with these rules when a
model is built; :func:`check_space` checks every value a search space can give before a
run starts, so that a space no trial could use is one usage error rather than a run of
failed trials.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from numbers import Integral, Real
from typing import Any

from rung.domains import Choice, Domain, RandInt, Uniform
from rung.errors import ConfigError

__all__ = ["CHECKS", "DEFAULTS", "check_space"]

_OPTIMIZER = {"learning_rate": 0.1, "batch_size": 256}

#: Every config key of each model with the seed notebook's default value.
DEFAULTS: dict[str, dict[str, Any]] = {
    "softmax": {**_OPTIMIZER},
    "lenet": {**_OPTIMIZER, "learning_rate": 0.9},
    "sgd": {**_OPTIMIZER, "alpha": 1e-4, "l1_ratio": 0.15},
    "svm": {**_OPTIMIZER, "C": 1.0, "gamma": 1e-3, "n_components": 2000},
}


def _real(name: str, value: Any, low: float, high: float = math.inf, open_low: bool = True):
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ConfigError(f"The {name!r} config value must be a finite number; got {value!r}.")
    if not ((value > low if open_low else value >= low) and value <= high):
        bracket = "(" if open_low else "["
        upper = "inf)" if math.isinf(high) else f"{high:g}]"
        raise ConfigError(
            f"The {name!r} config value must be in {bracket}{low:g}, {upper}; got {value!r}."
        )
    return float(value)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ConfigError(f"The {name!r} config value must be an int >= 1; got {value!r}.")
    return int(value)


#: The rule of each config key: ``check(key, value)`` returns the value or raises.
CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "learning_rate": lambda n, v: _real(n, v, 0.0),
    "batch_size": _positive_int,
    "alpha": lambda n, v: _real(n, v, 0.0, open_low=False),
    "l1_ratio": lambda n, v: _real(n, v, 0.0, 1.0, open_low=False),
    "C": lambda n, v: _real(n, v, 0.0),
    "gamma": lambda n, v: _real(n, v, 0.0),
    "n_components": _positive_int,
}
_INTEGER_KEYS = frozenset({"batch_size", "n_components"})


def check_space(model: str, space: Mapping[str, Any]) -> None:
    """Checks that every value ``space`` can give is one ``model`` accepts.

    The rules are intervals, so a continuous domain is checked at both ends, an integer
    domain at its lowest and highest value, a choice at every value, a constant as it is.

    Raises:
        ConfigError: ``model`` is unknown, a key of ``space`` is not one of the model's
            config keys, or a domain can give a value its rule refuses (a float for an
            integer key, a negative learning rate); the message names the key, the
            domain, the rule and the value.
    """
    if model not in DEFAULTS:
        raise ConfigError(
            f"The 'model' parameter must be one of {sorted(DEFAULTS)}; got {model!r}."
        )
    keys = DEFAULTS[model]
    for name, domain in space.items():
        if name not in keys:
            raise ConfigError(
                f"The search space's {name!r} is not a config key of the {model!r} model, "
                f"which takes {sorted(keys)}."
            )
        for value in _extremes(name, domain):
            try:
                CHECKS[name](name, value)
            except ConfigError as err:
                raise ConfigError(
                    f"The search space's {name!r} = {domain!r} can give {value!r}, which the "
                    f"{model!r} model refuses: {err}"
                ) from None


def _extremes(name: str, domain: Any) -> list[Any]:
    """The values of ``domain`` that decide whether a rule (an interval) holds for all."""
    if isinstance(domain, Uniform):  # LogUniform too
        if name in _INTEGER_KEYS:
            raise ConfigError(
                f"The search space's {name!r} = {domain!r} gives real numbers, but {name!r} "
                "must be an integer: use randint or a choice of integers."
            )
        return [domain.low, domain.high]
    if isinstance(domain, RandInt):
        return [domain.low, domain.high - 1]
    if isinstance(domain, Choice):
        return list(domain.values)
    if isinstance(domain, Domain):  # a domain of the user's: its values are its own
        return []
    return [domain]
