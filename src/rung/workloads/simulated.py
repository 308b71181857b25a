"""Simulated benchmarks: a multi-fidelity function with a cost model, in simulated seconds.

A :class:`SimulatedBenchmark` is a simulated objective for
:class:`rung.executors.simulated.SimulatedExecutor`: called as ``benchmark(config,
resource)`` it returns the value after epoch ``resource`` and the seconds that epoch
takes. Its seconds come from a :class:`FidelityCost`, the cost of training from scratch to
a resource; :func:`with_cost` turns any :class:`rung.workloads.synthetic.MultiFidelity`
function into such a benchmark. MF-Hartmann 3 and 6 (:mod:`rung.workloads.mf_hartmann`)
are built the same way; :mod:`rung.workloads.registry` finds them all by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from rung._checks import InstanceOf, Integer, Real, check
from rung.space import Space
from rung.workloads.synthetic import MultiFidelity

__all__ = ["FidelityCost", "SimulatedBenchmark", "with_cost"]


_COST_RULES = {
    "full_seconds": Real(low=0, low_open=True),
    "floor": Real(low=0, high=1, high_open=True),
    "power": Real(low=0, low_open=True),
}


@dataclass(frozen=True)
class FidelityCost:
    """Seconds to train from scratch to resource ``r`` of ``R``: ``full * λ(r)``, with

    ``λ(r) = floor + (1 - floor) * (r / R) ** power``,

    the fidelity cost of Kandasamy et al., "Multi-fidelity Bayesian Optimisation with
    Continuous Approximations" (ICML 2017), p. 18, which mf-prior-bench charges for its
    MF-Hartmann benchmarks (``floor=0.05``, ``power=2``). ``floor`` is a start-up cost
    paid by a trial's first epoch; with ``power=1`` every later epoch costs the same.
    Epoch ``r`` costs ``full * (λ(r) - λ(r - 1))`` with ``λ(0) = 0``, so a job resumed
    from ``a`` to ``b`` costs ``full * (λ(b) - λ(a))``.

    Args:
        full_seconds: Seconds to train from scratch to the full resource, > 0.
        floor: The start-up share of that, in [0, 1).
        power: How the rest grows with the resource, > 0.

    Raises:
        TypeError: an argument is not a number.
        ConfigError: an argument is out of range.

    Example:
        >>> cost = FidelityCost(100.0, floor=0.05, power=2)
        >>> round(cost.cumulative(10, 100), 3), round(cost.epoch(100, 100), 3)
        (5.95, 1.891)
    """

    full_seconds: float
    floor: float = 0.05
    power: float = 2.0

    def __post_init__(self) -> None:
        for name, rule in _COST_RULES.items():
            check("FidelityCost", name, getattr(self, name), rule)

    def cumulative(self, resource: int, max_resource: int) -> float:
        """Seconds to train from scratch to ``resource`` (0 at resource 0)."""
        if resource <= 0:
            return 0.0
        share = self.floor + (1 - self.floor) * (resource / max_resource) ** self.power
        return self.full_seconds * share

    def epoch(self, resource: int, max_resource: int) -> float:
        """Seconds of epoch ``resource`` (1-based)."""
        return self.cumulative(resource, max_resource) - self.cumulative(resource - 1, max_resource)


@dataclass(frozen=True)
class SimulatedBenchmark:
    """A multi-fidelity function with known optimum and a cost model.

    Attributes:
        name: Short name (``"mfh6"``).
        space: The search space.
        min_resource: The lowest resource worth a rung (the benchmark's lowest fidelity).
        max_resource: The full resource; the value there is the true objective.
        optimum: The minimum of the value at ``max_resource``.
        value: ``value(config, resource)``, deterministic, for resources 1..max_resource.
        cost: Seconds per epoch.
    """

    name: str
    space: Space
    min_resource: int
    max_resource: int
    optimum: float
    value: Callable[[Mapping[str, Any], int], float] = field(repr=False)
    cost: FidelityCost = field(repr=False)

    def __post_init__(self) -> None:
        owner = f"SimulatedBenchmark {self.name!r}"
        check(owner, "min_resource", self.min_resource, Integer(low=1))
        rule = Integer(low=self.min_resource, low_label="min_resource")
        check(owner, "max_resource", self.max_resource, rule)

    def __call__(self, config: Mapping[str, Any], resource: int) -> tuple[float, float]:
        """The value after epoch ``resource`` and the simulated seconds of that epoch.

        Raises:
            ValueError: ``resource`` is outside 1..max_resource.
        """
        if not 1 <= resource <= self.max_resource:
            raise ValueError(
                f"{self.name}: the resource must be in [1, {self.max_resource}]; got {resource!r}."
            )
        return self.value(config, resource), self._epoch_seconds[resource]

    @cached_property
    def _epoch_seconds(self) -> tuple[float, ...]:
        """Seconds of each epoch, by resource (index 0 unused): computed once."""
        top = self.max_resource
        return (0.0, *(self.cost.epoch(r, top) for r in range(1, top + 1)))

    def regret(self, value: float) -> float:
        """How far ``value`` is above the optimum."""
        return value - self.optimum

    def seconds_to(self, resource: int) -> float:
        """Simulated seconds to train one configuration from scratch to ``resource``."""
        return self.cost.cumulative(resource, self.max_resource)


def with_cost(
    function: MultiFidelity,
    cost: FidelityCost | None = None,
    min_resource: int = 1,
) -> SimulatedBenchmark:
    """A :class:`~rung.workloads.synthetic.MultiFidelity` function as a simulated benchmark.

    Args:
        function: The function; its ``at(config, resource)`` gives the values.
        cost: The cost model; default: one simulated second per epoch after a start-up
            of 5% of the full cost (``FidelityCost(max_resource / 0.95, 0.05, power=1)``).
        min_resource: The lowest resource worth a rung.

    Example:
        >>> from rung.workloads.synthetic import BRANIN, MultiFidelity
        >>> branin = with_cost(MultiFidelity(BRANIN, max_resource=81))
        >>> branin.name, branin.max_resource, round(branin.optimum, 4)
        ('mf-branin', 81, 0.3979)
        >>> [round(branin.seconds_to(r), 2) for r in (1, 2, 81)]
        [5.26, 6.26, 85.26]
    """
    check("with_cost()", "function", function, InstanceOf((MultiFidelity,), "a MultiFidelity"))
    if cost is None:
        cost = FidelityCost(function.max_resource / 0.95, floor=0.05, power=1.0)
    return SimulatedBenchmark(
        name=function.name,
        space=function.space,
        min_resource=min_resource,
        max_resource=function.max_resource,
        optimum=function.optimum,
        value=function.at,
        cost=cost,
    )
