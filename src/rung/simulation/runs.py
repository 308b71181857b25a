"""What simulated runs yield: each run's best-value curve and their comparison over seeds.

:class:`SimulatedRun` reads one :class:`~rung.results.result.Result` as the best value *at the full
resource* found so far against simulated time; :class:`Comparison` gathers the runs of
several schedulers over several seeds and compares them by the time each needs to reach a
given regret. :mod:`rung.simulation.compare` produces them and re-exports them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rung._frozen import frozen
from rung.errors import ConfigError
from rung.results.result import Result
from rung.types import JobRecord

__all__ = ["Comparison", "SimulatedRun", "idle_time"]


def idle_time(jobs: Sequence[JobRecord], workers: int, until: float) -> list[float]:
    """Seconds each worker spent without a job between time 0 and ``until``.

    Example:
        >>> from rung.types import JobStatus
        >>> job = JobRecord(0, 0, {}, 0, 1, 0.0, JobStatus.COMPLETED, 2.0, 5.0, worker=1)
        >>> idle_time([job], workers=2, until=10.0)
        [10.0, 7.0]
    """
    busy = [0.0] * workers
    for job in jobs:
        busy[job.worker] += max(0.0, min(job.end, until) - max(job.start, 0.0))
    return [until - b for b in busy]


@frozen
class SimulatedRun:
    """One run's best full-resource value against simulated time.

    Attributes:
        scheduler: The scheduler's name.
        seed: The run's seed.
        times: When the best value improved, in simulated seconds, increasing.
        best: The best value from then on.
        n_jobs: Jobs run.
        n_trials: Trials started.
        utilization: Busy worker-seconds over ``workers x`` the time budget.
    """

    scheduler: str
    seed: int
    times: tuple[float, ...]
    best: tuple[float, ...]
    n_jobs: int
    n_trials: int
    utilization: float

    @classmethod
    def from_result(
        cls, result: Result, scheduler: str, seed: int, max_resource: int, time_budget_s: float
    ) -> SimulatedRun:
        """The curve of ``result``: its trajectory's incumbent at the full resource (the
        Result's own, for the runs' ``max_resource``), where it improved."""
        if result.spec.max_resource != max_resource:
            raise ValueError(
                f"The run's full resource is {result.spec.max_resource}, not {max_resource}."
            )
        times: list[float] = []
        best: list[float] = []
        for point in result.trajectory:  # in the order jobs ended, which is time order
            value = point.best_value
            if math.isfinite(value) and (not best or value != best[-1]):
                times.append(point.time)
                best.append(value)
        jobs = sorted(result.jobs, key=lambda j: j.end)
        idle = idle_time(jobs, result.workers, time_budget_s)
        utilization = 1.0 - sum(idle) / (result.workers * time_budget_s)
        return cls(
            scheduler, seed, tuple(times), tuple(best), result.n_jobs, result.n_trials, utilization
        )

    def best_at(self, time: float) -> float:
        """The best full-resource value found by ``time`` (NaN before the first)."""
        k = int(np.searchsorted(self.times, time, side="right"))
        return self.best[k - 1] if k else math.nan

    def time_to(self, target: float) -> float:
        """When the best value first reached ``target`` or below (inf if it never did)."""
        for time, value in zip(self.times, self.best, strict=True):
            if value <= target:
                return time
        return math.inf


@dataclass(frozen=True)
class Comparison:
    """Runs of several schedulers over several seeds on one benchmark.

    Attributes:
        benchmark: The benchmark's name.
        optimum: Its known minimum.
        workers: Simulated workers per run.
        time_budget_s: Simulated seconds per run.
        runs: Every run, scheduler by scheduler, seed by seed.
    """

    benchmark: str
    optimum: float
    workers: int
    time_budget_s: float
    runs: tuple[SimulatedRun, ...]

    @property
    def schedulers(self) -> tuple[str, ...]:
        """The schedulers, in the order they ran."""
        return tuple(dict.fromkeys(run.scheduler for run in self.runs))

    def runs_of(self, scheduler: str) -> list[SimulatedRun]:
        return [run for run in self.runs if run.scheduler == scheduler]

    def median_regret(self, scheduler: str, times: Sequence[float]) -> list[float]:
        """Median over seeds of the best value's regret at each time (NaN: none yet).

        A run with no full-resource value yet counts as infinitely far off.
        """
        curves = [
            [r - self.optimum if math.isfinite(r) else math.inf for r in map(run.best_at, times)]
            for run in self.runs_of(scheduler)
        ]
        medians = np.median(np.asarray(curves, dtype=float), axis=0)
        return [float(m) if math.isfinite(m) else math.nan for m in medians]

    def times_to_regret(self, regret: float) -> dict[str, list[float]]:
        """Each run's simulated seconds to reach ``optimum + regret`` (inf: never)."""
        return {
            name: [run.time_to(self.optimum + regret) for run in self.runs_of(name)]
            for name in self.schedulers
        }

    def median_time_to_regret(self, regret: float) -> dict[str, float]:
        """The median over seeds of :meth:`times_to_regret` (inf when most runs never did)."""
        return {
            name: float(np.median(times)) for name, times in self.times_to_regret(regret).items()
        }

    def ratios(self, regret: float, baseline: str = "sh") -> dict[str, float]:
        """Each scheduler's median time to ``regret`` over ``baseline``'s (< 1: faster).

        NaN where the baseline's median is infinite (most of its runs never got there);
        inf where the scheduler's is and the baseline's is not.

        Raises:
            ConfigError: ``baseline`` did not run.
        """
        medians = self.median_time_to_regret(regret)
        if baseline not in medians:
            raise ConfigError(
                f"The 'baseline' must be one of the schedulers {list(medians)}; got {baseline!r}."
            )
        base = medians[baseline]
        return {name: _ratio(time, base) for name, time in medians.items()}


def _ratio(time: float, base: float) -> float:
    """``time / base``; NaN when the baseline never got there (the ratio is undefined)."""
    if math.isinf(base) or base <= 0:
        return math.nan
    return time / base
