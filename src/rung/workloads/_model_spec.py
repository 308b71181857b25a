"""The record of one model (:class:`ModelSpec`) and the checks of its config values.

:mod:`rung.workloads.models` fills the table of models with these records and re-exports
:class:`ModelSpec`; :meth:`ModelSpec.resolve` checks every config value by the rule for its
key (:data:`rung.workloads._config_rules.CHECKS`), and names the key, the rule and the
value when one breaks it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any

from torch import Tensor, nn

from rung._frozen import frozen
from rung.errors import ConfigError
from rung.space import Domain
from rung.workloads._config_rules import CHECKS as _CHECKS

__all__ = ["ModelSpec"]


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
