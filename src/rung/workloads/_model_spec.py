"""The record of one model (:class:`ModelSpec`) and the checks of its config values.

:mod:`rung.workloads.models` fills the table of models with these records and re-exports
:class:`ModelSpec`; :meth:`ModelSpec.resolve` checks every config value by the rule for its
key (:data:`_CHECKS`), and names the key, the rule and the value when one breaks it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import field
from numbers import Integral, Real
from typing import Any

from torch import Tensor, nn

from rung._frozen import frozen
from rung.errors import ConfigError
from rung.space import Domain

__all__ = ["ModelSpec"]


# --- Config values --------------------------------------------------------------------


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


_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "learning_rate": lambda n, v: _real(n, v, 0.0),
    "batch_size": _positive_int,
    "alpha": lambda n, v: _real(n, v, 0.0, open_low=False),
    "l1_ratio": lambda n, v: _real(n, v, 0.0, 1.0, open_low=False),
    "C": lambda n, v: _real(n, v, 0.0),
    "gamma": lambda n, v: _real(n, v, 0.0),
    "n_components": _positive_int,
}


# --- Model records --------------------------------------------------------------------


@frozen
class ModelSpec:
    """A model of the seed notebook: how to build it, its loss, defaults and search space.

    Attributes:
        name: ``"softmax"``, ``"lenet"``, ``"sgd"`` or ``"svm"``.
        builder: ``builder(config, seed) -> nn.Module``, for a config from :meth:`resolve`;
            ``seed`` fixes the initial weights (and the SVM's random features).
        loss: ``loss(model, scores, targets, config, n_train) -> scalar tensor``: the
            minibatch's mean loss plus the model's penalty; ``n_train`` is the size of
            the training set (the SVM's penalty depends on it).
        defaults: Every config key of the model with the seed's default value.
        default_space: The seed's search space: name -> rung domain.
    """

    name: str
    builder: Callable[[Mapping[str, Any], int], nn.Module] = field(repr=False)
    loss: Callable[[nn.Module, Tensor, Tensor, Mapping[str, Any], int], Tensor] = field(repr=False)
    defaults: Mapping[str, Any]
    default_space: Mapping[str, Domain] = field(repr=False)

    def resolve(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The defaults updated with ``config``, every value checked.

        Raises:
            ConfigError: ``config`` has a key the model does not take, or a value breaks
                its rule (e.g. ``batch_size`` 0); the message names both.
        """
        if not isinstance(config, Mapping):
            raise ConfigError(f"The config must be a mapping; got {config!r}.")
        unknown = sorted(set(config) - set(self.defaults), key=str)
        if unknown:
            raise ConfigError(
                f"The {self.name!r} model takes the config keys {sorted(self.defaults)}; "
                f"got unknown {unknown}."
            )
        merged = {**self.defaults, **config}
        return {name: _CHECKS[name](name, value) for name, value in merged.items()}

    def build(self, config: Mapping[str, Any], seed: int) -> nn.Module:
        """``builder(resolve(config), seed)``."""
        return self.builder(self.resolve(config), seed)
