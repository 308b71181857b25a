"""scikit-learn parameter distributions as a rung search space, and back.

Each parameter may be a rung domain (``rung.loguniform(1e-3, 1e2)``), a frozen
``scipy.stats`` uniform, loguniform or randint distribution, a list or a 1-d array (one
of its values, each equally likely, as ``RandomizedSearchCV`` samples them, so
``np.logspace(-3, 3, 7)`` works as it does there), or a constant. A list of distinct
plain values (numbers, strings, None) becomes a choice among them, so rung's record
(``rung_result_``) shows the values; any other list becomes a choice among its
positions, so its values may be anything a scikit-learn parameter may be (unhashable
lists, estimators) and repeat.

``param_distributions`` may also be a list of such dicts, as ``RandomizedSearchCV``
takes it: a candidate draws one of the dicts, each equally likely, then its parameters
from that dict. In rung's space the dict drawn is a choice of its position (named
``param_distributions``) and every parameter of a dict is a conditional domain, active
only under its dict (a constant becomes a choice of one value). A parameter of one dict,
or with the same domain in several, is one rung parameter of its own name, active under
each of them; one whose distributions differ between dicts is a rung parameter per dict,
``name[i]`` for the dict at position ``i``. The estimator, ``cv_results_`` and
``best_params_`` see the scikit-learn names either way.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rung.domains import Domain
from rung.errors import ConfigError, ConfigTypeError
from rung.space import as_domain, choice

__all__ = ["ParamSpace"]

_SELECTOR = "param_distributions"  # the rung name of the choice of a dict


class ParamSpace:
    """The rung space of ``param_distributions``, and the way back to parameter values.

    Args:
        distributions: Parameter name -> distribution, list or constant; or a non-empty
            list of such dicts.

    Raises:
        TypeError: ``distributions`` is neither a mapping of names nor a list of them.
        ValueError: an empty list (of dicts, or of a parameter's values).
    """

    def __init__(self, distributions: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> None:
        if _is_list(distributions):
            dicts = list(distributions)
            if not dicts:
                raise ConfigError(
                    "The 'param_distributions' parameter must be a dict or a non-empty list "
                    "of dicts; got an empty list."
                )
            for position, item in enumerate(dicts):
                _check_names(item, f"element {position} of a list")
        else:
            _check_names(distributions, "a dict")
            dicts = [distributions]
        self.space: dict[str, Any] = {}
        self._lists: dict[str, list[Any]] = {}
        # The rung name of each scikit-learn parameter, dict by dict.
        self._names: list[dict[str, str]] = [{} for _ in dicts]
        self.names = list(dict.fromkeys(name for item in dicts for name in item))
        if len(dicts) == 1:  # the search itself: no choice of a dict
            for name, value in dicts[0].items():
                self._names[0][name] = name
                self.space[name] = self._domain(name, value, constant_as_choice=False)
            self._selector = None
            return
        self._selector = _SELECTOR
        while self._selector in self.names:  # an estimator may have such a parameter
            self._selector = "_" + self._selector
        self.space[self._selector] = choice(list(range(len(dicts))))
        built = [
            {
                name: self._domain(name, value, constant_as_choice=True)
                for name, value in item.items()
            }
            for item in dicts
        ]
        for name in self.names:
            under = [i for i, item in enumerate(built) if name in item]
            domains = [built[i][name] for i in under]
            shared = all(
                domain == domains[0] and domain.when is None for domain in domains
            ) and not any(isinstance(domain, _Positions) for domain in domains)
            for i in under:
                self._names[i][name] = name if shared or len(under) == 1 else f"{name}[{i}]"
            if shared:
                self.space[name] = _under(domains[0], {self._selector: tuple(under)})
        for i, item in enumerate(built):
            rename = self._names[i]
            for name, domain in item.items():
                internal = rename[name]
                if internal in self.space:  # shared, added above
                    continue
                if isinstance(domain, _Positions):
                    self._lists[internal] = domain.values_listed
                    domain = domain.domain
                foreign = sorted(set(domain.when or {}) - set(item))
                if foreign:  # inactive under every other dict: it would never be set
                    raise ConfigError(
                        f"Parameter {name!r} of element {i} of 'param_distributions' is "
                        f"conditional on {foreign}, not in its dict; a condition may name "
                        "only parameters of its own dict."
                    )
                when = {rename[parent]: values for parent, values in (domain.when or {}).items()}
                self.space[internal] = _under(domain, {**when, self._selector: (i,)})

    def _domain(self, name: str, value: Any, constant_as_choice: bool) -> Any:
        """The rung domain of one parameter of a dict: its value as is when it is a
        domain, a distribution or (``constant_as_choice`` false) a constant; a choice for
        a list, or a :class:`_Positions` (``constant_as_choice``: in a list of dicts)."""
        if _is_list(value):
            values = list(value)
            if not values:
                raise ConfigError(f"The list of parameter {name!r} is empty.")
        elif not constant_as_choice:
            return value  # a domain, a scipy.stats distribution or a constant
        else:
            try:
                domain = as_domain(value)
            except (ValueError, TypeError) as error:
                raise type(error)(f"Search space parameter {name!r}: {error}") from None
            if domain is not None:
                return domain
            values = [value]  # a constant of one dict: a choice of one value, conditional
        if _plain_and_distinct(values):
            return choice(values)
        if constant_as_choice:  # its positions; the list is kept once its rung name is known
            return _Positions(values)
        self._lists[name] = values
        return choice(list(range(len(values))))

    def is_searched(self) -> bool:
        from rung.space import Space

        return any(isinstance(d, Domain) for d in Space(self.space).domains.values())

    def params(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The estimator's parameters for a rung configuration.

        A conditional domain's parameter that is inactive (``when=`` not met) is not in
        ``config``: it is left out, so the estimator keeps its own value for it; so are
        the parameters of the dicts not drawn.
        """
        names = self._names[config[self._selector] if self._selector is not None else 0]
        params = {}
        for name, internal in names.items():
            if internal in config:
                value = config[internal]
                params[name] = self._lists[internal][value] if internal in self._lists else value
        return params


class _Positions:
    """A list of values that are not plain (or repeat), to become a choice of positions."""

    def __init__(self, values: list[Any]) -> None:
        self.values_listed = values
        self.domain = choice(list(range(len(values))))
        self.when = None

    def __eq__(self, other: object) -> bool:
        return False  # never shared: positions of different lists are different values

    __hash__ = None  # type: ignore[assignment]


def _under(domain: Domain, when: dict[str, tuple[Any, ...]]) -> Domain:
    """A copy of ``domain`` active only when ``when`` holds (and its own condition)."""
    domain = copy.copy(domain)
    domain.when = when
    return domain


def _check_names(distributions: Any, what: str) -> None:
    if not isinstance(distributions, Mapping) or not all(isinstance(k, str) for k in distributions):
        raise ConfigTypeError(
            "The 'param_distributions' parameter must be a dict of parameter names to "
            "rung domains, scipy.stats distributions or lists, or a non-empty list of "
            f"such dicts; got {distributions!r} as {what}."
        )


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
