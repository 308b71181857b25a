"""Schedulers compared in simulated time: best value found against simulated seconds.

Each run is an ordinary :class:`rung.Tuner` (the searcher and scheduler of real runs) on a
:class:`~rung.executors.simulated.SimulatedExecutor` with a
:class:`~rung.workloads.simulated.SimulatedBenchmark` as its objective. A run's curve is
the best value *at the full resource* found so far: a value reached at a low rung is a
biased estimate, not a configuration one would ship. Schedulers are then compared by the
simulated time each needs to reach a given regret, the question behind the experiments of
Li et al., "A System for Massively Parallel Hyperparameter Tuning" (MLSys 2020, Section 4),
which plot the best error found against wall-clock time.

Example:
    >>> comparison = compare("mfh3", ["asha", "sh"], seeds=2, workers=8,
    ...                      time_budget_s=300, decision_time=False)
    >>> comparison.schedulers
    ('asha', 'sh')
    >>> sorted(comparison.median_time_to_regret(10.0))  # every run gets within 10
    ['asha', 'sh']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rung._frozen import frozen
from rung._random import derive_seed
from rung.api import SchedulerName, make_scheduler, make_searcher
from rung.errors import ConfigError
from rung.executors.simulated import SimulatedExecutor
from rung.result import JobRecord, Result
from rung.tuner import Tuner
from rung.types import JobStatus
from rung.workloads.simulated import SimulatedBenchmark, benchmark_by_name

__all__ = [
    "DEFAULT_SCHEDULERS",
    "Comparison",
    "SimulatedRun",
    "compare",
    "idle_time",
    "run_simulated",
    "scheduler_name",
]

DEFAULT_SCHEDULERS = ("asha", "async_hyperband", "sh", "hyperband")


def scheduler_name(name: str | SchedulerName) -> SchedulerName:
    """Parses a scheduler name (``"async-hyperband"`` and ``"async_hyperband"`` alike).

    Raises:
        ConfigError: unknown name.
    """
    if isinstance(name, SchedulerName):
        return name
    try:
        return SchedulerName(str(name).lower().replace("-", "_"))
    except ValueError:
        choices = [m.value for m in SchedulerName]
        raise ConfigError(f"The 'scheduler' must be one of {choices}; got {name!r}.") from None


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
        """The curve of ``result``, counting completed jobs that reached ``max_resource``."""
        times: list[float] = []
        best: list[float] = []
        jobs = sorted(result.jobs, key=lambda j: j.end)
        for job in jobs:
            full = job.status is JobStatus.COMPLETED and job.resource_to == max_resource
            if full and math.isfinite(job.value) and (not best or job.value < best[-1]):
                times.append(job.end)
                best.append(job.value)
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


def run_simulated(
    benchmark: SimulatedBenchmark,
    scheduler: str | SchedulerName,
    *,
    seed: int = 0,
    workers: int = 32,
    time_budget_s: float = 3600.0,
    searcher: str = "random",
    min_resource: int | None = None,
    eta: float = 3,
    decision_time: bool = True,
    **scheduler_options: Any,
) -> Result:
    """One simulated run of ``scheduler`` on ``benchmark``, seeded as :func:`rung.tune` is.

    Args:
        benchmark: The simulated objective.
        scheduler: A scheduler name (``"asha"``, ``"async_hyperband"``, ``"sh"``,
            ``"hyperband"``, ``"fifo"``).
        seed: Seeds the searcher, the scheduler and the trials.
        workers: Simulated workers.
        time_budget_s: Simulated seconds after which no job starts (running ones stop at
            their next epoch).
        searcher: ``"random"`` or ``"bo"``.
        min_resource: The lowest rung (default: the benchmark's ``min_resource``).
        eta: The reduction factor, the same for every scheduler by default.
        decision_time: Add the tuner's real decision time to the simulated clock.
        **scheduler_options: Passed to the scheduler (``n_configs`` for SH).

    Returns:
        The run's :class:`~rung.result.Result`, its times in simulated seconds.
    """
    kind = scheduler_name(scheduler)
    built_searcher = make_searcher(searcher, benchmark.space, derive_seed(seed, 1))
    fifo = kind is SchedulerName.FIFO
    built = make_scheduler(
        kind,
        built_searcher,
        None if fifo else (min_resource or benchmark.min_resource),
        benchmark.max_resource,
        None if fifo else eta,
        seed=derive_seed(seed, 2),
        **scheduler_options,
    )
    executor = SimulatedExecutor(workers, decision_time=decision_time)
    return Tuner(benchmark, built, seed=seed, executor=executor).run(time_budget_s=time_budget_s)


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


def compare(
    benchmark: str | SimulatedBenchmark,
    schedulers: Sequence[str] = DEFAULT_SCHEDULERS,
    *,
    seeds: int | Sequence[int] = 10,
    workers: int = 32,
    time_budget_s: float = 3600.0,
    searcher: str = "random",
    min_resource: int | None = None,
    eta: float = 3,
    decision_time: bool = True,
    scheduler_options: Mapping[str, Mapping[str, Any]] | None = None,
    on_run: Callable[[SimulatedRun], None] | None = None,
) -> Comparison:
    """Runs every scheduler with every seed (:func:`run_simulated`) and collects the curves.

    Args:
        benchmark: A :class:`~rung.workloads.simulated.SimulatedBenchmark` or its name.
        schedulers: Scheduler names.
        seeds: How many seeds (0, 1, ...) or the seeds themselves.
        workers, time_budget_s, searcher, min_resource, eta, decision_time: As in
            :func:`run_simulated`.
        scheduler_options: Scheduler name -> options for it (``{"sh": {"n_configs": 243}}``).
        on_run: Called with each run as it ends (progress).

    Raises:
        ConfigError: an unknown benchmark or scheduler name, or no seeds.
    """
    bench = benchmark_by_name(benchmark) if isinstance(benchmark, str) else benchmark
    names = [scheduler_name(s).value for s in schedulers]
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if not seed_list or not names:
        raise ConfigError(
            f"compare() needs at least one seed and one scheduler; got seeds={seeds!r}, "
            f"schedulers={list(schedulers)!r}."
        )
    options = {scheduler_name(k).value: dict(v) for k, v in (scheduler_options or {}).items()}
    runs = []
    for name in names:
        for seed in seed_list:
            result = run_simulated(
                bench,
                name,
                seed=seed,
                workers=workers,
                time_budget_s=time_budget_s,
                searcher=searcher,
                min_resource=min_resource,
                eta=eta,
                decision_time=decision_time,
                **options.get(name, {}),
            )
            run = SimulatedRun.from_result(result, name, seed, bench.max_resource, time_budget_s)
            runs.append(run)
            if on_run is not None:
                on_run(run)
    return Comparison(bench.name, bench.optimum, workers, float(time_budget_s), tuple(runs))
