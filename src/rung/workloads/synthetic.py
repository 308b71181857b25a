"""Synthetic objectives with known optima, for testing searchers and schedulers.

* :data:`TOY`: the quadratic ``(x - 2)**2`` on [-10, 10], minimum 0 at x = 2.
* :data:`BRANIN`: Branin-Hoo on [-5, 10] x [0, 15], minimum 0.397887 (three minimizers).
* :data:`HARTMANN6`: Hartmann-6 on [0, 1]^6, minimum -3.32237.
* :class:`MultiFidelity`: wraps any of them into a learning-curve-like function of the
  resource whose low-resource values are biased, noisy approximations of the
  full-resource value (which is the wrapped function itself, so its optimum is known).

The functions follow Surjanovic & Bingham's Virtual Library of Simulation Experiments.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rung._checks import InstanceOf, Integer, OneOf, Real, Text, check
from rung.space import Space, uniform

__all__ = ["BRANIN", "HARTMANN6", "TOY", "MultiFidelity", "SyntheticFunction", "by_name"]


@dataclass(frozen=True)
class SyntheticFunction:
    """A test function with its search space and known minimum.

    Attributes:
        name: Short name (``"branin"``).
        space: Its search space.
        optimum: The minimum value.
        fn: The function of the config's searched values, in the space's order.
    """

    name: str
    space: Space
    optimum: float
    fn: Callable[..., float] = field(repr=False)

    def __call__(self, config: Mapping[str, Any]) -> float:
        return float(self.fn(*(config[name] for name in self.space.domains)))

    def regret(self, value: float) -> float:
        """How far ``value`` is above the optimum."""
        return value - self.optimum


def _branin(x1: float, x2: float) -> float:
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def _hartmann6(*x: float) -> float:
    z = np.asarray(x)
    return float(-_H6_ALPHA @ np.exp(-np.sum(_H6_A * (z - _H6_P) ** 2, axis=1)))


TOY = SyntheticFunction("toy", Space({"x": uniform(-10, 10)}), 0.0, lambda x: (x - 2) ** 2)
BRANIN = SyntheticFunction(
    "branin", Space({"x1": uniform(-5, 10), "x2": uniform(0, 15)}), 0.39788735772973816, _branin
)
HARTMANN6 = SyntheticFunction(
    "hartmann6",
    Space({f"x{i}": uniform(0, 1) for i in range(1, 7)}),
    -3.322368011391339,
    _hartmann6,
)


@dataclass(frozen=True)
class MultiFidelity:
    """A multi-fidelity version of a test function, for testing schedulers.

    At resource ``r`` of ``max_resource`` the value is::

        f(x) + (1 - r/R) * (offset + bias * g(x)) + noise * (1 - r/R) * eps(x, r)

    where ``g`` is a smooth function of the unit-encoded configuration (so low resources
    rank configurations differently from the full resource), and ``eps`` standard normal
    noise that is a deterministic function of the configuration and the resource. At
    ``r = R`` the value is exactly ``f(x)``: the optimum is ``base.optimum``.

    Args:
        base: The full-fidelity function.
        max_resource: R, the full resource.
        bias: Scale of the configuration-dependent bias at low resource.
        offset: How much worse every value is at resource 0 (a decreasing learning curve).
        noise: Standard deviation of the noise at resource 0.
        resource_name: The config key that carries the resource.
    """

    base: SyntheticFunction
    max_resource: int = 81
    bias: float = 1.0
    offset: float = 1.0
    noise: float = 0.1
    resource_name: str = "epochs"

    def __post_init__(self) -> None:
        rules = {
            "base": InstanceOf((SyntheticFunction,), "a SyntheticFunction"),
            "max_resource": Integer(low=1),
            "bias": Real(),
            "offset": Real(),
            "noise": Real(low=0),
            "resource_name": Text(),
        }
        for name, rule in rules.items():
            check("MultiFidelity", name, getattr(self, name), rule)

    @property
    def space(self) -> Space:
        return self.base.space

    @property
    def optimum(self) -> float:
        return self.base.optimum

    @property
    def name(self) -> str:
        return f"mf-{self.base.name}"

    def at(self, config: Mapping[str, Any], resource: int) -> float:
        """The value of ``config`` at ``resource``."""
        if not 0 < resource <= self.max_resource:
            raise ValueError(f"The resource must be in [1, {self.max_resource}]; got {resource!r}.")
        gap = 1.0 - resource / self.max_resource
        full = self.base(config)
        if gap == 0.0:
            return full
        unit = self.space.encode(config)
        shape = float(np.mean(np.sin(3 * math.pi * unit) ** 2))  # in [0, 1]
        seed = zlib.crc32(repr((self.space.key(config), resource)).encode())
        eps = np.random.default_rng(seed).standard_normal()
        return full + gap * (self.offset + self.bias * shape) + self.noise * gap * float(eps)

    def __call__(self, config: Mapping[str, Any]) -> float:
        """The function form: train from scratch to ``config[resource_name]``."""
        return self.at(config, int(config[self.resource_name]))

    def iterative(self, config: Mapping[str, Any], trial: Any) -> None:
        """The iterative form: reports every resource from the trial's start to its end."""
        for resource in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(resource, self.at(config, resource))


_BY_NAME = {f.name: f for f in (TOY, BRANIN, HARTMANN6)}


def by_name(name: str) -> SyntheticFunction:
    """A synthetic function by its name (``toy``, ``branin``, ``hartmann6``).

    Raises:
        ConfigError: unknown name (a ValueError).
    """
    check("by_name()", "name", name, OneOf(tuple(sorted(_BY_NAME))))
    return _BY_NAME[name]
