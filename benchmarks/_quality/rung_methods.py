"""rung's own methods: the ordinary tuner loop on a simulated executor.

A run is :class:`rung.Tuner` with a :class:`rung.SimulatedExecutor` of the task's workers
(``decision_time=False``: the methods' own computing time is not charged, so runs repeat
exactly and a slow searcher is not penalized for this machine's load), a time budget on
the task's clock, and the iterative simulated objective: a promoted trial continues from
its checkpoint and pays only its extra epochs.

:func:`rung_method` turns any scheduler builder into a method, so a new searcher or
scheduler is one line in :mod:`_quality.methods`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from _quality.tasks import Task, Trace
from rung.executors.simulated import SimulatedExecutor
from rung.results.result import Result
from rung.run.by_name import make_scheduler, make_searcher
from rung.run.tuner import Tuner
from rung.schedulers.base import Scheduler
from rung.space import Space
from rung.types import JobStatus

ETA = 3  # every multi-fidelity method here, rung's and the peers', uses eta = 3


@dataclass(frozen=True)
class SchedulerSpec:
    """What a scheduler builder is given: the space, the resources of a run, and more.

    Build the searcher and the scheduler without a seed: the tuner gives them the run's
    seed (``adopt_seed``), as :func:`rung.tune` does. ``seed`` is there for anything else.
    """

    space: Space
    min_resource: int
    max_resource: int
    eta: int
    workers: int
    seed: int


SchedulerBuilder = Callable[[SchedulerSpec], Scheduler]


def trace_of(result: Result, task: Task) -> Trace:
    """The trace of a rung run: completed jobs that reached the full resource."""
    full = [
        (job.end, job.value)
        for job in result.jobs
        if job.status is JobStatus.COMPLETED and job.resource_to == task.max_resource
    ]
    if task.setting.counts_epochs:
        spent = float(result.total_resource)
    else:
        spent = sum(result.busy_time().values())
    return Trace.from_full(full, task.budget, n_configs=result.n_trials, spent=spent)


def run_rung(task: Task, build: SchedulerBuilder) -> Trace:
    """Runs the scheduler that ``build`` makes on ``task``, seeded as :func:`rung.tune` is."""
    spec = SchedulerSpec(
        space=task.space,
        min_resource=task.min_resource,
        max_resource=task.max_resource,
        eta=ETA,
        workers=task.workers,
        seed=task.seed,
    )
    executor = SimulatedExecutor(task.workers, decision_time=False)
    tuner = Tuner(task.objective, build(spec), seed=task.seed, executor=executor)
    return trace_of(tuner.run(time_budget_s=task.budget), task)


def by_name(searcher: str, scheduler: str, **options: Any) -> SchedulerBuilder:
    """A builder of rung's searcher and scheduler by their :func:`rung.tune` names: ``bo``
    under a multi-fidelity scheduler is the multi-fidelity GP, as in :func:`rung.tune`.
    ``options`` go to the scheduler (:func:`rung.run.by_name.make_scheduler`)."""

    def build(spec: SchedulerSpec) -> Scheduler:
        built = make_searcher(searcher, spec.space, multi_fidelity=scheduler != "fifo")
        if scheduler == "fifo":
            return make_scheduler("fifo", built, max_resource=spec.max_resource)
        return make_scheduler(
            scheduler, built, min_resource=spec.min_resource, max_resource=spec.max_resource,
            eta=spec.eta, **options,
        )  # fmt: skip

    return build


def rung_method(build: SchedulerBuilder) -> Callable[[Task], Trace]:
    """A method (task -> trace) running the scheduler ``build`` makes."""

    def method(task: Task) -> Trace:
        return run_rung(task, build)

    return method
