"""Schedulers compared in simulated time: best value found against simulated seconds.

Each run is an ordinary :class:`rung.Tuner` (the searcher and scheduler of real runs) on a
:class:`~rung.executors.simulated.SimulatedExecutor` with a
:class:`~rung.workloads.simulated.SimulatedBenchmark` as its objective. A run's curve is
the best value *at the full resource* found so far: a value reached at a low rung is a
biased estimate, not a configuration one would ship. Schedulers are then compared by the
simulated time each needs to reach a given regret, the question behind the experiments of
Li et al., "A System for Massively Parallel Hyperparameter Tuning" (MLSys 2020, Section 4),
which plot the best error found against wall-clock time. The curves
(:class:`SimulatedRun`) and their comparison (:class:`Comparison`) are defined in
:mod:`rung.simulation.runs`.

Example:
    >>> comparison = compare("mfh3", ["asha", "sh"], seeds=2, workers=8,
    ...                      time_budget_s=300, decision_time=False)
    >>> comparison.schedulers
    ('asha', 'sh')
    >>> sorted(comparison.median_time_to_regret(10.0))  # every run gets within 10
    ['asha', 'sh']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rung.errors import ConfigError
from rung.executors.simulated import SimulatedExecutor
from rung.results.result import Result
from rung.run.by_name import SchedulerName, make_scheduler, make_searcher
from rung.run.tuner import Tuner
from rung.schedulers.rungs import DEFAULT_ETA
from rung.simulation.runs import Comparison, SimulatedRun, idle_time
from rung.workloads.registry import benchmark_by_name
from rung.workloads.simulated import SimulatedBenchmark

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


def run_simulated(
    benchmark: SimulatedBenchmark,
    scheduler: str | SchedulerName,
    *,
    seed: int = 0,
    workers: int = 32,
    time_budget_s: float = 3600.0,
    searcher: str = "random",
    min_resource: int | None = None,
    eta: float = DEFAULT_ETA,
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
        The run's :class:`~rung.results.result.Result`, its times in simulated seconds.
    """
    kind = scheduler_name(scheduler)
    fifo = kind is SchedulerName.FIFO
    built_searcher = make_searcher(searcher, benchmark.space, multi_fidelity=not fifo)
    built = make_scheduler(
        kind,
        built_searcher,
        min_resource=None if fifo else (min_resource or benchmark.min_resource),
        max_resource=benchmark.max_resource,
        eta=None if fifo else eta,
        **scheduler_options,
    )
    executor = SimulatedExecutor(workers, decision_time=decision_time)
    return Tuner(benchmark, built, seed=seed, executor=executor).run(time_budget_s=time_budget_s)


def compare(
    benchmark: str | SimulatedBenchmark,
    schedulers: Sequence[str] = DEFAULT_SCHEDULERS,
    *,
    seeds: int | Sequence[int] = 10,
    workers: int = 32,
    time_budget_s: float = 3600.0,
    searcher: str = "random",
    min_resource: int | None = None,
    eta: float = DEFAULT_ETA,
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
