"""The tuning loop: scheduler -> executor -> records, until a budget runs out."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from rung._random import SeedDeriver
from rung.errors import ConfigError
from rung.executors.base import Executor, Outcome, Task
from rung.executors.factory import make_executor
from rung.records import RunRecorder
from rung.result import JobRecord, Result
from rung.schedulers.base import Scheduler
from rung.trial import is_iterative
from rung.types import Direction, JobStatus

__all__ = ["Tuner"]

logger = logging.getLogger(__name__)

Callback = Callable[[JobRecord, float], None]


def _check_limit(name: str, value: Any, integral: bool) -> None:
    if value is None:
        return
    kinds = (int,) if integral else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "an int" if integral else "a number"
        raise TypeError(f"The {name!r} parameter must be {kind} or None; got {value!r}.")
    if not (value > 0 and math.isfinite(value)):
        raise ConfigError(f"The {name!r} parameter must be > 0; got {value!r}.")


class Tuner:
    """Runs an objective under a scheduler until a budget is spent.

    Args:
        objective: ``f(config) -> float`` or ``f(config, trial)`` (see :mod:`rung.trial`).
        scheduler: Decides what runs; owns the searcher.
        direction: ``"min"`` or ``"max"``: the scheduler always minimizes, so values of a
            maximized objective are negated on their way to it (records keep the user's sign).
        seed: Gives every trial a reproducible ``trial.seed``.
        resource_name: The config key that carries the resource for ``f(config)``
            objectives under a multi-fidelity scheduler.
        callbacks: Called after every job with its record and the best value so far.
        executor: Where jobs run: an :class:`~rung.executors.base.Executor`, or
            ``"inline"`` (in this process), ``"processes"`` (local worker processes) or
            ``"dask"`` (a Dask ``LocalCluster``; pass a ``DaskExecutor`` for a real
            cluster). Default: inline for one worker, processes for more.
        workers: How many jobs run at once (default 1, or the executor's own).
        clock: Seconds, monotonic; injectable for tests.

    Example:
        >>> import rung
        >>> searcher = rung.RandomSearcher({"x": rung.uniform(-10, 10)}, seed=0)
        >>> tuner = rung.Tuner(lambda c: (c["x"] - 2) ** 2, rung.FIFO(searcher))
        >>> result = tuner.run(max_trials=20)
        >>> result.best_value < 1
        True
    """

    def __init__(
        self,
        objective: Callable[..., Any],
        scheduler: Scheduler,
        direction: str | Direction = "min",
        seed: int = 0,
        resource_name: str = "epochs",
        callbacks: Sequence[Callback] = (),
        executor: str | Executor | None = None,
        workers: int | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.iterative = is_iterative(objective)
        if not isinstance(scheduler, Scheduler):
            raise TypeError(
                f"The 'scheduler' parameter must be a rung Scheduler; got {scheduler!r}."
            )
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ConfigError(f"The 'seed' parameter must be an int >= 0; got {seed!r}.")
        if not isinstance(resource_name, str) or not resource_name:
            raise ConfigError(
                f"The 'resource_name' parameter must be a non-empty string; got {resource_name!r}."
            )
        if resource_name in scheduler.searcher.space:
            raise ConfigError(
                f"The 'resource_name' {resource_name!r} is also a search space parameter; "
                "rename one of them."
            )
        self.objective = objective
        self.scheduler = scheduler
        self.direction = Direction.parse(direction)
        self.seed = seed
        self.resource_name = resource_name
        self.callbacks = list(callbacks)
        self.executor = make_executor(executor, workers)
        self._clock = clock

    def run(
        self,
        max_trials: int | None = None,
        max_jobs: int | None = None,
        time_budget_s: float | None = None,
    ) -> Result:
        """Runs trials until a limit is reached or the schedule is exhausted.

        Args:
            max_trials: Start no more than this many trials (failed ones count).
            max_jobs: Run no more than this many jobs (failed ones count).
            time_budget_s: Start no job after this many seconds; iterative objectives
                running then stop at their next report, resumable from their checkpoint.
                Counted from when the workers are ready (their start-up is not included).

        Returns:
            The run's :class:`~rung.result.Result`.

        Raises:
            ConfigError: no limit is given, or a limit is not positive.
        """
        _check_limit("max_trials", max_trials, integral=True)
        _check_limit("max_jobs", max_jobs, integral=True)
        _check_limit("time_budget_s", time_budget_s, integral=False)
        if max_trials is None and max_jobs is None and time_budget_s is None:
            raise ConfigError(
                "Tuner.run() needs a budget: give max_trials, max_jobs or time_budget_s."
            )
        scheduler, executor = self.scheduler, self.executor
        now = executor.clock if executor.clock is not None else self._clock
        origin = now()

        def clock() -> float:
            return now() - origin

        deadline = time_budget_s
        recorder = RunRecorder(self.direction, retrains_from_scratch=not self.iterative)
        resource_name = self.resource_name if self.scheduler.max_resource is not None else None
        sign = self.direction.sign()
        seeds: dict[int, int] = {}
        seed_of = SeedDeriver(self.seed)
        running = submitted = 0
        executor.start(self.objective, clock)
        origin = now()  # the run's time starts once the workers are ready
        try:
            while True:
                while running < executor.workers:
                    if max_jobs is not None and submitted >= max_jobs:
                        break
                    if deadline is not None and clock() >= deadline:
                        break
                    allow_new = max_trials is None or len(scheduler.configs) < max_trials
                    job = scheduler.next_job(allow_new_trials=allow_new)
                    if job is None:
                        break
                    trial_id = job.trial_id
                    seed = seeds.get(trial_id)
                    if seed is None:
                        seed = seeds[trial_id] = seed_of(trial_id)
                    recorder.job_started(trial_id, job.config)
                    executor.submit(
                        Task(
                            job,
                            seed,
                            recorder.checkpoints.get(trial_id),
                            self.iterative,
                            resource_name,
                            deadline,
                        )
                    )
                    running += 1
                    submitted += 1
                if running == 0:
                    break
                for outcome in executor.wait():
                    running -= 1
                    record = self._finish(outcome, recorder, sign)
                    for callback in self.callbacks:
                        callback(record, recorder.best_value)
        finally:
            executor.close()
        return recorder.result(wall_time=clock(), workers=executor.workers)

    def _finish(self, outcome: Outcome, recorder: RunRecorder, sign: float) -> JobRecord:
        if outcome.status is JobStatus.INTERRUPTED:
            return recorder.job_finished(outcome, None)
        if outcome.status is JobStatus.FAILED:
            last = (outcome.error or "").strip().splitlines()[-1:] or ["unknown error"]
            logger.warning("trial %d failed: %s", outcome.job.trial_id, last[0])
        decision = self.scheduler.on_result(outcome.job, sign * outcome.value)
        record = recorder.job_finished(outcome, decision)
        for trial_id in self.scheduler.stopped_trials():
            recorder.trial_stopped(trial_id)
        return record
