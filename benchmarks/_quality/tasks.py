"""What one run of one method is given (:class:`Task`) and what it gives back (:class:`Trace`).

Every setting is a simulation on a clock: with one worker the clock counts epochs (each
epoch of every configuration costs 1, so the budget is a number of epochs); with several
workers it counts the benchmark's own simulated seconds, each configuration paying its
own per-epoch cost. A method sees the objective ``f(config, epoch) -> (value, seconds)``
of :class:`rung.executors.simulated.SimulatedExecutor`, the search space, the resource
range, the number of workers, the budget on that clock and a seed; it returns the values
of the configurations it trained to the full resource, with the times they were done.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rung.space import Space

SimulatedObjective = Callable[[Mapping[str, Any], int], tuple[float, float]]


@dataclass(frozen=True)
class Problem:
    """A benchmark: a simulated objective with its space, resources and optimum.

    Attributes:
        name: As in the tables (``"mfh6_bad"``, ``"fmnist-svm"``).
        objective: ``f(config, epoch) -> (value, seconds)``, the benchmark's own seconds.
        space: The search space.
        min_resource: The lowest rung multi-fidelity methods use.
        max_resource: The full resource; only values there count.
        optimum: The best value at the full resource.
        full_seconds: Mean seconds to train one configuration to the full resource (the
            parallel settings' budgets are multiples of it).
    """

    name: str
    objective: SimulatedObjective = field(repr=False)
    space: Space = field(repr=False)
    min_resource: int
    max_resource: int
    optimum: float
    full_seconds: float


@dataclass(frozen=True)
class Setting:
    """How methods run: one worker on an epoch budget, or N workers on a time budget.

    Attributes:
        name: As in the tables (``"1 worker"``).
        workers: Simulated workers.
        full_trainings: The budget in full trainings: with one worker, ``full_trainings x
            max_resource`` epochs; with more, a wall-clock budget of ``full_trainings x
            full_seconds`` simulated seconds (the time one worker takes to train that many
            configurations of mean cost to the full resource), the same for any number
            of workers.
    """

    name: str
    workers: int
    full_trainings: float = 100.0

    @property
    def counts_epochs(self) -> bool:
        return self.workers == 1

    def budget(self, problem: Problem) -> float:
        """The budget on this setting's clock: epochs, or simulated seconds."""
        if self.counts_epochs:
            return self.full_trainings * problem.max_resource
        return self.full_trainings * problem.full_seconds


def _one_per_epoch(objective: SimulatedObjective) -> SimulatedObjective:
    def charged(config: Mapping[str, Any], resource: int) -> tuple[float, float]:
        return objective(config, resource)[0], 1.0

    return charged


@dataclass(frozen=True)
class Task:
    """One run: a method on a problem, in a setting, with a seed.

    Attributes:
        problem: The benchmark.
        setting: Workers and budget.
        seed: The run's seed (the same seed gives a method the same run).
        objective: The objective on the setting's clock (1 per epoch with one worker).
        budget: The budget on that clock; nothing that ends later counts.
    """

    problem: Problem
    setting: Setting
    seed: int
    objective: SimulatedObjective = field(init=False, repr=False)
    budget: float = field(init=False)

    def __post_init__(self) -> None:
        objective = self.problem.objective
        if self.setting.counts_epochs:
            objective = _one_per_epoch(objective)
        object.__setattr__(self, "objective", objective)
        object.__setattr__(self, "budget", self.setting.budget(self.problem))

    @property
    def space(self) -> Space:
        return self.problem.space

    @property
    def workers(self) -> int:
        return self.setting.workers

    @property
    def min_resource(self) -> int:
        return self.problem.min_resource

    @property
    def max_resource(self) -> int:
        return self.problem.max_resource


@dataclass(frozen=True)
class Trace:
    """What a run found: its best full-resource value over time.

    Attributes:
        times: When the best value at the full resource improved (the setting's clock).
        best: The best value from then on.
        n_configs: Configurations the method tried.
        n_full: Configurations it trained to the full resource within the budget.
        spent: Epochs charged (one worker) or busy worker-seconds, within the budget.
    """

    times: tuple[float, ...]
    best: tuple[float, ...]
    n_configs: int = 0
    n_full: int = 0
    spent: float = 0.0

    @classmethod
    def from_full(
        cls,
        completions: Sequence[tuple[float, float]],
        budget: float,
        n_configs: int = 0,
        spent: float = 0.0,
    ) -> Trace:
        """The trace of ``(time, value)`` completions at the full resource, within ``budget``."""
        times: list[float] = []
        best: list[float] = []
        n_full = 0
        for time, value in sorted(completions):
            if time > budget * (1 + 1e-9) or not math.isfinite(value):
                continue
            n_full += 1
            if not best or value < best[-1]:
                times.append(time)
                best.append(value)
        return cls(tuple(times), tuple(best), n_configs, n_full, spent)

    def best_by(self, time: float) -> float:
        """The best full-resource value found by ``time`` (inf before the first)."""
        found = math.inf
        for t, value in zip(self.times, self.best, strict=True):
            if t > time * (1 + 1e-9):
                break
            found = value
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "times": list(self.times),
            "best": list(self.best),
            "n_configs": self.n_configs,
            "n_full": self.n_full,
            "spent": self.spent,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trace:
        return cls(
            tuple(float(t) for t in data["times"]),
            tuple(float(b) for b in data["best"]),
            int(data["n_configs"]),
            int(data["n_full"]),
            float(data["spent"]),
        )
