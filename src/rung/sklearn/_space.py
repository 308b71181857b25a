"""scikit-learn parameter distributions as a rung search space, and back.

Each parameter may be a rung domain (``rung.loguniform(1e-3, 1e2)``), a frozen
``scipy.stats`` uniform, loguniform or randint distribution, a list or a 1-d array (one
of its values, each equally likely, as ``RandomizedSearchCV`` samples them, so
``np.logspace(-3, 3, 7)`` works as it does there), or a constant. A list of distinct
plain values (numbers, strings, None) becomes a choice among them, so rung's record
(``rung_result_``) shows the values; any other list becomes a choice among its
positions, so its values may be anything a scikit-learn parameter may be (unhashable
lists, estimators) and repeat.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rung.domains import Domain
from rung.space import choice

__all__ = ["ParamSpace"]


class ParamSpace:
    """The rung space of ``param_distributions``, and the way back to parameter values.

    Args:
        distributions: Parameter name -> distribution, list or constant.

    Raises:
        TypeError: ``distributions`` is not a mapping of names.
        ValueError: an empty list.
    """

    def __init__(self, distributions: Mapping[str, Any]) -> None:
        if not isinstance(distributions, Mapping) or not all(
            isinstance(k, str) for k in distributions
        ):
            raise TypeError(
                "The 'param_distributions' parameter must be a dict of parameter names to "
                f"rung domains, scipy.stats distributions or lists; got {distributions!r}."
            )
        self.space: dict[str, Any] = {}
        self._lists: dict[str, list[Any]] = {}
        for name, value in distributions.items():
            if _is_list(value):
                values = list(value)
                if not values:
                    raise ValueError(f"The list of parameter {name!r} is empty.")
                if _plain_and_distinct(values):
                    self.space[name] = choice(values)
                else:
                    self._lists[name] = values
                    self.space[name] = choice(list(range(len(values))))
            else:
                self.space[name] = value  # a domain, a scipy.stats distribution or a constant
        self.names = list(distributions)

    def is_searched(self) -> bool:
        from rung.space import Space

        return any(isinstance(d, Domain) for d in Space(self.space).domains.values())

    def params(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The estimator's parameters for a rung configuration.

        A conditional domain's parameter that is inactive (``when=`` not met) is not in
        ``config``: it is left out, so the estimator keeps its own value for it.
        """
        return {
            name: self._lists[name][config[name]] if name in self._lists else config[name]
            for name in self.names
            if name in config
        }


def _is_list(value: Any) -> bool:
    """Whether ``value`` is a list of values to choose from: a sequence or an array (as
    ``RandomizedSearchCV`` samples ``np.logspace(...)``), not a string."""
    if isinstance(value, np.ndarray):
        return value.ndim >= 1
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _plain_and_distinct(values: list[Any]) -> bool:
    """Whether ``values`` can be rung's choices themselves: numbers, strings, booleans or
    None (values a record keeps as they are), no two of them equal (``1`` and ``True``,
    ``1`` and ``1.0`` are), no NaN."""
    plain = (str, int, float, bool, type(None))
    if not all(isinstance(value, plain) and value == value for value in values):
        return False
    return len({(type(value), value) for value in values}) == len(set(values)) == len(values)
