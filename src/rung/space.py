"""Search spaces: domains, sampling, and the unit-cube encoding searchers model.

A search space is a mapping from parameter names to domains or constants::

    space = {
        "learning_rate": rung.loguniform(1e-4, 1.0),
        "batch_size": rung.randint(32, 512),
        "optimizer": rung.choice(["sgd", "adam"]),
        "momentum": 0.9,                     # a constant passes through unchanged
    }

Frozen ``scipy.stats`` distributions are accepted too (``stats.uniform(loc, scale)``,
``stats.loguniform(a, b)``, ``stats.randint(low, high)``) and converted to the domains
here. Every domain maps its values to [0, 1] (on a log scale for log domains) and back,
which is the space Bayesian optimization models.

A parameter built with ``when=`` is *conditional*: active only when other parameters take
given values (``rung.loguniform(1e-3, 1e3, when={"classifier": "SVC"})``). A sampled or
decoded configuration leaves inactive parameters out, so the objective and the record see
only what is used; a configuration given by the user must leave them out too.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from rung._checks import Integer, check
from rung.domains import (
    Choice,
    Domain,
    LogUniform,
    RandInt,
    Uniform,
    choice,
    loguniform,
    randint,
    uniform,
)
from rung.errors import ConfigError, ConfigTypeError

_INACTIVE = "<inactive>"  # an absent conditional parameter's place in a key

__all__ = [
    "Choice",
    "Domain",
    "LogUniform",
    "RandInt",
    "Space",
    "Uniform",
    "as_domain",
    "choice",
    "loguniform",
    "randint",
    "uniform",
]


def _from_scipy(dist: Any) -> Domain:
    """Converts a frozen ``scipy.stats`` uniform, loguniform/reciprocal or randint."""
    name = dist.dist.name
    low, high = (float(v) for v in dist.support())
    if name == "uniform":
        return Uniform(low, high)
    if name in ("loguniform", "reciprocal"):
        return LogUniform(low, high)
    if name == "randint":
        return RandInt(int(low), int(high) + 1)  # support() is inclusive of high - 1
    raise ConfigTypeError(
        f"Only scipy.stats uniform, loguniform and randint can serve as domains; got {name}."
    )


def as_domain(value: Any) -> Domain | None:
    """The domain ``value`` stands for, or None when it is a constant."""
    if isinstance(value, Domain):
        return value
    if hasattr(value, "dist") and hasattr(value, "support") and hasattr(value, "rvs"):
        return _from_scipy(value)
    return None


class Space(Mapping[str, Any]):
    """A validated search space: named domains plus constants.

    Args:
        params: Mapping of parameter name to a :class:`Domain`, a frozen scipy.stats
            distribution, or a constant.

    Raises:
        ConfigError: A name is not a non-empty string, or a domain is invalid.
        ConfigTypeError: A value is an unsupported distribution.

    Example:
        >>> space = Space({"x": uniform(0, 1), "k": randint(1, 4), "c": "fixed"})
        >>> sorted(space.sample(np.random.default_rng(0)))
        ['c', 'k', 'x']
    """

    def __init__(
        self, params: Mapping[str, Any], optional: Iterable[str] = (), dynamic: bool = False
    ) -> None:
        if isinstance(params, Space):
            optional = set(optional) | params.optional
            dynamic = dynamic or params.dynamic
            params = dict(params.items())
        if not isinstance(params, Mapping):
            raise ConfigTypeError(
                f"A search space must be a dict of name -> domain; got {params!r}."
            )
        self.domains: dict[str, Domain] = {}
        self.constants: dict[str, Any] = {}
        self._order: list[str] = []
        for name, value in params.items():
            if not isinstance(name, str) or not name:
                raise ConfigError(f"Search space names must be non-empty strings; got {name!r}.")
            try:
                domain = as_domain(value)
            except (ValueError, TypeError) as err:
                raise type(err)(f"Search space parameter {name!r}: {err}") from None
            if domain is None:
                self.constants[name] = value
            else:
                self.domains[name] = domain
            self._order.append(name)
        self.optional = frozenset(optional)
        self.dynamic = dynamic
        unknown = sorted(self.optional - set(self.domains))
        if unknown:
            raise ConfigError(f"Optional parameters {unknown} are not domains of the space.")
        self.conditions = {n: d.when for n, d in self.domains.items() if d.when is not None}
        self._check_conditions()
        self._cardinality = math.prod(d.cardinality for d in self.domains.values())
        self._decoders = [domain.decode for domain in self.domains.values()]
        getter = operator.itemgetter(*self.domains) if self.domains else None
        # itemgetter of one name returns the bare value; keys are always tuples.
        self._key = getter if len(self.domains) > 1 else (lambda config: (getter(config),))
        if self.conditions or self.optional:  # absent parameters have a key of their own
            names = tuple(self.domains)
            self._key = lambda config: tuple(config.get(n, _INACTIVE) for n in names)
        if not self.domains and dynamic:  # nothing to tell configurations apart by yet
            counter = itertools.count()
            self._key = lambda config: (next(counter),)
            self._cardinality = math.inf
        if not self.domains and not dynamic:
            raise ConfigError(
                f"A search space needs at least one domain to search; got only constants "
                f"{sorted(self.constants)!r}."
            )

    def _check_conditions(self) -> None:
        """Parents must be parameters of the space, and conditions must not form a cycle."""
        for name, when in self.conditions.items():
            for parent in when:
                if parent == name or parent not in self._order:
                    raise ConfigError(
                        f"Search space parameter {name!r} is conditional on {parent!r}, which "
                        f"is {'itself' if parent == name else 'not in the search space'}."
                    )
                # A value the parent can never take would leave the parameter off for good.
                parent_domain = self.domains.get(parent)
                for value in when[parent]:
                    possible = (
                        parent_domain.contains(value)
                        if parent_domain is not None
                        else value == self.constants[parent]
                    )
                    if not possible:
                        raise ConfigError(
                            f"Search space parameter {name!r} is conditional on {parent!r} "
                            f"taking {value!r}, a value {parent!r} never takes."
                        )
        order: list[str] = []  # parents before children: the order activity is decided in
        placed: set[str] = set(self.constants) | (set(self.domains) - set(self.conditions))
        pending = dict(self.conditions)
        while pending:
            ready = [n for n, when in pending.items() if set(when) <= placed]
            if not ready:
                raise ConfigError(
                    f"The conditions of search space parameters {sorted(pending)} form a cycle."
                )
            for name in ready:
                order.append(name)
                placed.add(name)
                del pending[name]
        self._conditional_order = order

    def inactive(self, config: Mapping[str, Any]) -> list[str]:
        """The conditional parameters ``config``'s values leave inactive, parents first."""
        off: list[str] = []
        for name in self._conditional_order:
            for parent, allowed in self.conditions[name].items():
                if parent in off or parent not in config or config[parent] not in allowed:
                    off.append(name)
                    break
        return off

    def active_part(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """``config`` without the parameters its values leave inactive."""
        config = dict(config)
        if self.conditions:
            for name in self.inactive(config):
                config.pop(name, None)
        return config

    def __getitem__(self, name: str) -> Any:
        return self.domains[name] if name in self.domains else self.constants[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __repr__(self) -> str:
        return "Space({" + ", ".join(f"{k!r}: {self[k]!r}" for k in self._order) + "})"

    @property
    def cardinality(self) -> float:
        """The number of distinct configurations (``inf`` if any domain is continuous)."""
        return self._cardinality

    def sample(self, rng: np.random.Generator) -> dict[str, Any]:
        """Draws one configuration (constants included)."""
        return self.decode(rng.random(len(self.domains)))

    def latin_hypercube(self, rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
        """Draws ``n`` configurations as one Latin hypercube (McKay, Beckman & Conover,
        *Technometrics* 1979): each parameter's unit interval is cut into ``n`` equal
        strata and every stratum holds one configuration's value, in an order drawn
        independently per parameter, so that the ``n`` configurations spread over each
        parameter's range instead of clustering as independent draws may.

        Args:
            rng: The generator the strata's order and the points within them come from.
            n: How many configurations, an int >= 1.

        Returns:
            The configurations (constants included), in no particular order.

        Raises:
            ConfigTypeError: ``n`` is not an int.
            ConfigError: ``n`` < 1.
        """
        check("Space.latin_hypercube()", "n", n, Integer(low=1))
        shape = (n, len(self.domains))
        strata = np.argsort(rng.random(shape), axis=0)  # a permutation of 0..n-1 per column
        return self.decode_many((strata + rng.random(shape)) / n)

    def encode(self, config: Mapping[str, Any]) -> np.ndarray:
        """The configuration's domains in [0, 1], shape ``(n_domains,)``; an inactive
        (absent) conditional parameter sits at the centre, 0.5."""
        if self.conditions or self.optional:
            return np.array(
                [d.encode(config[n]) if n in config else 0.5 for n, d in self.domains.items()]
            )
        return np.array([d.encode(config[name]) for name, d in self.domains.items()])

    def decode(self, unit: np.ndarray | Sequence[float]) -> dict[str, Any]:
        """The configuration at a point of the unit cube (constants added)."""
        if isinstance(unit, np.ndarray):
            unit = unit.tolist()  # Python floats: scalar math on numpy floats is slow
        if len(unit) != len(self._decoders):
            raise ValueError(f"Expected {len(self._decoders)} unit coordinates; got {len(unit)}.")
        values = {
            name: decode(u)
            for name, decode, u in zip(self.domains, self._decoders, unit, strict=False)
        }
        if self.constants:
            values = {
                name: values[name] if name in values else self.constants[name]
                for name in self._order
            }
        return self.active_part(values) if self.conditions else values

    def decode_many(self, units: np.ndarray) -> list[dict[str, Any]]:
        """:meth:`decode` of each row of ``units``, shape ``(n, n_domains)``, vectorized."""
        units = np.asarray(units, dtype=float)
        if units.ndim != 2 or units.shape[1] != len(self.domains):
            raise ValueError(
                f"Expected units of shape (n, {len(self.domains)}); got {units.shape}."
            )
        columns = {
            name: domain.decode_array(units[:, j])
            for j, (name, domain) in enumerate(self.domains.items())
        }
        n = units.shape[0]
        if not self.domains:  # a define-by-run space before its first declaration
            return [dict(self.constants) for _ in range(n)]
        ordered = [columns[k] if k in columns else [self.constants[k]] * n for k in self._order]
        configs = [dict(zip(self._order, row, strict=True)) for row in zip(*ordered, strict=True)]
        return [self.active_part(c) for c in configs] if self.conditions else configs

    def from_record(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """A configuration read back from a record (JSON) as the space hands it out: a
        choice among tuples comes back a list, and is made the tuple again."""
        restored = dict(config)
        for name, domain in self.domains.items():
            if name in restored and isinstance(domain, Choice):
                restored[name] = domain.from_record(restored[name])
        return restored

    def key(self, config: Mapping[str, Any]) -> tuple:
        """A hashable identity of the configuration's searched values."""
        return self._key(config)

    def validate(self, config: Mapping[str, Any], what: str = "config") -> dict[str, Any]:
        """Checks a user-given configuration and completes it with the constants.

        Raises:
            ConfigError: a name is unknown (but to a define-by-run space, which keeps it
                for the objective to ask for), a searched name is missing, a value is
                outside its domain, or a conditional parameter is given while inactive.
        """
        if not isinstance(config, Mapping):
            raise ConfigTypeError(f"The {what!r} must be a dict; got {config!r}.")
        unknown = sorted(set(config) - set(self._order))
        if unknown and not self.dynamic:
            raise ConfigError(f"The {what!r} names parameters not in the search space: {unknown}.")
        inactive = self.inactive({**self.constants, **config}) if self.conditions else []
        given_inactive = sorted(set(inactive) & set(config))
        if given_inactive:
            name = given_inactive[0]
            raise ConfigError(
                f"The {what!r} sets {name!r}, which its other values leave inactive (it is "
                f"active when {self.conditions[name]!r}); leave it out."
            )
        missing = sorted(set(self.domains) - set(config) - set(inactive) - self.optional)
        if missing:
            raise ConfigError(f"The {what!r} lacks search space parameters {missing}.")
        for name, domain in self.domains.items():
            if name in inactive or (name in self.optional and name not in config):
                continue
            if not domain.contains(config[name]):
                raise ConfigError(
                    f"The {what!r} sets {name!r}={config[name]!r}, outside its domain {domain!r}."
                )
        checked = {
            name: config.get(name, self.constants.get(name))
            for name in self._order
            if name not in inactive and (name in config or name not in self.optional)
        }
        # Names a define-by-run objective has not declared yet: its values when it asks
        # for them (as Optuna's enqueue_trial), its domains checking them then.
        return {**checked, **{name: config[name] for name in unknown}}

    def extended(self, domains: Mapping[str, Domain]) -> Space:
        """This space with ``domains`` added as optional parameters (a define-by-run
        objective declared them); names already in the space keep their domain."""
        params = {name: self[name] for name in self._order}
        new = {name: d for name, d in domains.items() if name not in params}
        params.update(new)
        return Space(params, optional=self.optional | set(new), dynamic=self.dynamic)
