"""The tuning loop: scheduler -> executor -> records, until a budget runs out."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rung.errors import ConfigError, TrialFailed
from rung.executors.base import Executor
from rung.executors.factory import make_executor
from rung.results.result import JobRecord, Result
from rung.run.budget import _Budget, _check_limit
from rung.run.state import RunLoop
from rung.schedulers.base import Scheduler
from rung.trial import is_iterative
from rung.types import Direction, Job, Report

__all__ = ["Tuner"]

logger = logging.getLogger(__name__)

Callback = Callable[[JobRecord, float], None]


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
        callbacks: Called after every job with its record and the best value so far. One
            with an ``on_report(job, report)`` method also hears the reports of running
            jobs as they come (from executors that send them: inline, processes, Dask).
        executor: Where jobs run: an :class:`~rung.executors.base.Executor`, or
            ``"inline"`` (in this process), ``"processes"`` (local worker processes) or
            ``"dask"`` (a Dask ``LocalCluster``; pass a ``DaskExecutor`` for a real
            cluster). Default: inline for one worker, processes for more.
        workers: How many jobs run at once (default 1, or the executor's own).
        directory: Record the run in this experiment directory (an SQLite store and
            checkpoint files), so that :meth:`resume` can continue it after any crash.
        keep_checkpoints: Keep finished trials' checkpoints in ``directory``.
        max_retries: How often a failed job runs again before its trial is failed.
        job_timeout_s: Seconds a job may run before it fails (and is retried like any
            failure). Iterative jobs fail at their first report past it; the processes
            executor also ends a job that does not report in time, by replacing its worker.
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
        directory: str | os.PathLike[str] | None = None,
        keep_checkpoints: bool = False,
        max_retries: int = 1,
        job_timeout_s: float | None = None,
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
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigError(
                f"The 'max_retries' parameter must be an int >= 0; got {max_retries!r}."
            )
        _check_limit("job_timeout_s", job_timeout_s, integral=False)
        self.job_timeout_s = job_timeout_s
        self.executor = make_executor(executor, workers)
        self.directory = None if directory is None else Path(directory)
        self.keep_checkpoints = bool(keep_checkpoints)
        self.max_retries = max_retries
        self.settings: dict[str, Any] = {}  # extra settings recorded with the run (the CLI's)
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
            The run's :class:`~rung.results.result.Result`.

        Raises:
            ConfigError: no limit is given, or a limit is not positive.
            StoreError: ``directory`` already holds an experiment, or cannot be written.
            TrialFailed: every trial failed: the first failure's traceback is included.
        """
        budget = _Budget.check(max_trials, max_jobs, time_budget_s)
        loop = self._new_loop(None)
        if self.directory is not None:
            from rung.run.replay import fingerprint
            from rung.store import ExperimentStore

            settings = {**self.settings, **budget.as_settings(), "fingerprint": fingerprint(self)}
            loop.store = ExperimentStore.create(
                self.directory, settings, keep_checkpoints=self.keep_checkpoints
            )
        return self._drive(loop, budget, elapsed=0.0)

    def resume(
        self,
        directory: str | os.PathLike[str] | None = None,
        max_trials: int | None = None,
        max_jobs: int | None = None,
        time_budget_s: float | None = None,
    ) -> Result:
        """Continues a recorded run after a crash, a kill or its end, to its budget.

        The scheduler and searcher are rebuilt by replaying the recorded events through
        this tuner's (freshly built, identical) scheduler: rungs, promotions and
        observations come out as they were. Jobs that were running restart from their
        trial's newest checkpoint; no finished job runs again. Budgets left out are the
        recorded ones; larger ones extend the run (all count from the run's start).

        Args:
            directory: The experiment directory (default: this tuner's ``directory``).
            max_trials: The trial budget of the whole run.
            max_jobs: The job budget of the whole run.
            time_budget_s: The time budget of the whole run, in seconds.

        Raises:
            StoreError: no experiment there, or it was recorded with another search
                space, scheduler, searcher, seed or direction.
            TrialFailed: every trial failed.
        """
        from rung.run.replay import replay
        from rung.store import ExperimentStore

        directory = directory if directory is not None else self.directory
        if directory is None:
            raise ConfigError("Tuner.resume() needs the experiment directory.")
        if self.scheduler.n_trials:
            raise ConfigError(
                "Tuner.resume() replays the record into a freshly built scheduler, but this "
                f"one has {self.scheduler.n_trials} trials already: build the tuner again."
            )
        store = ExperimentStore.open(directory)
        try:
            recorded = _Budget.from_settings(store.settings)
            budget = _Budget.check(
                max_trials if max_trials is not None else recorded.max_trials,
                max_jobs if max_jobs is not None else recorded.max_jobs,
                time_budget_s if time_budget_s is not None else recorded.time_budget_s,
            )
            loop = self._new_loop(store)
            elapsed = replay(self, loop, store)
        except BaseException:
            store.close()
            raise
        store.run_resumed(elapsed, budget.as_settings())
        return self._drive(loop, budget, elapsed)

    def _new_loop(self, store: Any) -> RunLoop:
        resource_name = self.resource_name if self.scheduler.max_resource is not None else None
        return RunLoop(
            self.scheduler,
            self.direction,
            self.seed,
            self.iterative,
            resource_name,
            self.max_retries,
            store,
            self.job_timeout_s,
        )

    def _report_listener(self, loop: RunLoop) -> Callable[[Job, Report], None] | None:
        """What hears a running job's reports: the store and the callbacks that listen."""
        listeners = [c.on_report for c in self.callbacks if callable(getattr(c, "on_report", None))]
        if loop.store is not None:
            listeners.insert(0, loop.reported)
        if len(listeners) <= 1:
            return listeners[0] if listeners else None

        def hear(job: Job, report: Report) -> None:
            for listener in listeners:
                listener(job, report)

        return hear

    def _drive(self, loop: RunLoop, budget: _Budget, elapsed: float) -> Result:
        """The loop: submit while workers are free and the budget allows, then wait."""
        executor = self.executor
        now = executor.clock if executor.clock is not None else self._clock
        origin = now()

        def clock() -> float:
            return now() - origin + elapsed

        max_trials, max_jobs, deadline = budget.max_trials, budget.max_jobs, budget.time_budget_s
        scheduler, recorder, store = self.scheduler, loop.recorder, loop.store
        running = 0
        # Hot path: bound methods and locals, as the loop costs microseconds per job.
        next_job, started, make_task, finish = loop.next_job, loop.started, loop.task, loop.finish
        submit, wait, callbacks = executor.submit, executor.wait, self.callbacks
        configs = scheduler.configs
        executor.reports = self._report_listener(loop)
        try:
            executor.start(self.objective, clock)
            origin = now()  # the run's time starts once the workers are ready
            # known once started: a cluster's size, or fewer processes if some cannot start
            workers = executor.workers
            give_up_after = 3 + workers  # failed trials, none completed: a broken objective
            while True:
                while running < workers:
                    if max_jobs is not None and loop.submitted >= max_jobs:
                        break
                    if deadline is not None and clock() >= deadline:
                        break
                    job = next_job(max_trials is None or len(configs) < max_trials)
                    if job is None:
                        break
                    started(job, clock() if store is not None else 0.0)
                    submit(make_task(job, deadline))
                    running += 1
                if running == 0:
                    break
                for outcome in wait():
                    running -= 1
                    record = finish(outcome)
                    for callback in callbacks:
                        callback(record, recorder.best_value)
                if loop.completed == 0 and recorder.n_failed_trials >= give_up_after:
                    trial_id, error = loop.first_error or (0, "")
                    raise TrialFailed(
                        trial_id,
                        error,
                        f"The first {recorder.n_failed_trials} trials all failed, so the run "
                        "stopped early: fix the objective and resume or rerun.",
                    )
            if store is not None:
                store.run_finished(clock())
        finally:
            executor.close()
            executor.reports = None
            if store is not None:
                store.close()
        return recorder.result(wall_time=clock(), workers=executor.workers)
