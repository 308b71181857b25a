"""The tuning loop: scheduler -> executor -> records, until a budget runs out."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from rung._checks import InstanceOf, Integer, OneOf, Real, Text, check, known_keywords
from rung.callbacks import Callback
from rung.errors import ConfigError, ConfigTypeError, StoreError
from rung.executors.base import Executor
from rung.executors.factory import make_executor
from rung.objectives import Goals
from rung.results.report import no_best_reason
from rung.results.result import Result
from rung.results.spec import Budget, ObjectiveForm, RunSpec
from rung.results.summary import recorded_budget
from rung.run.drive import Driver
from rung.run.replay import check_spec, replay
from rung.run.state import RunLoop
from rung.schedulers.base import Scheduler
from rung.trial import is_iterative
from rung.types import Direction

__all__ = ["Tuner"]

logger = logging.getLogger(__name__)

Resume = bool | Literal["auto"]

_RULES = {
    "seed": Integer(low=0, high=2**64 - 1),
    "max_retries": Integer(low=0, high=1000),
    "job_timeout_s": Real(low=0, low_open=True, nullable=True),
    "keep_checkpoints": InstanceOf((bool,), "a bool"),
    "resource_name": Text(),
    "metric": Text(nullable=True),
    "extra": InstanceOf((Mapping,), "a dict of JSON-ready settings", nullable=True),
}


class Tuner:
    """Runs an objective under a scheduler until a budget is spent.

    Args:
        objective: ``f(config) -> float`` or ``f(config, trial)`` (see :mod:`rung.trial`).
        scheduler: Decides what runs; owns the searcher.
        direction: ``"min"``/``"minimize"`` or ``"max"``/``"maximize"``: the scheduler
            always minimizes, so values of a maximized objective are negated on their way
            to it (records keep the user's sign).
        seed: Seeds the run. A searcher or scheduler built without a seed takes it (the
            searcher draws from ``seed`` itself, so ``RandomSearcher(space)`` and
            ``RandomSearcher(space, seed=seed)`` run the same trials); trial ``i`` gets
            ``trial.seed`` derived from ``seed`` and ``i``.
        resource_name: The config key that carries the resource for ``f(config)``
            objectives under a multi-fidelity scheduler.
        metric: The metric to tune when the objective reports (or returns) a mapping of
            several metrics by name; all are recorded.
        objectives: Several metrics to optimize at once, each with its direction:
            ``{"val_error": "min", "latency_ms": "min"}`` (or ``"val_error:min,
            latency_ms:min"``), instead of ``metric`` and ``direction``. The result is
            the Pareto front (:attr:`~rung.results.result.Result.pareto_front`); the
            first objective is the one records call ``value``, and the incumbent is the
            feasible result best in it. The searcher must take scores
            (:class:`~rung.searchers.random.RandomSearcher`, EHVISearcher,
            ParEGOSearcher).
        constraints: Bounds results must respect: ``{"latency_ms": ("<=", 100)}`` or
            ``["latency_ms<=100"]``. Infeasible results rank after feasible ones and
            never become the incumbent or join the front. With ``metric`` or
            ``objectives``.
        callbacks: :class:`rung.Callback` instances: hooks on the run's start and end,
            each job's end and each report of a running job.
        executor: Where jobs run: an :class:`~rung.executors.base.Executor`, or
            ``"inline"`` (in this process), ``"processes"`` (local worker processes) or
            ``"dask"`` (a Dask ``LocalCluster``; pass a ``DaskExecutor`` for a real
            cluster). Default: inline for one worker, processes for more.
        workers: How many jobs run at once (default 1, or the executor's own).
        gpus: Give each worker process its own GPU through ``CUDA_VISIBLE_DEVICES``: device
            ids (``[0, 1]``), or ``"all"`` visible ones; workers share them round-robin
            when there are more workers than GPUs (processes executor).
        directory: Record the run in this experiment directory (an SQLite store and
            checkpoint files), so that :meth:`resume` can continue it after any crash.
        keep_checkpoints: Keep finished trials' checkpoints in ``directory``.
        max_retries: How often a failed job runs again before its trial is failed (may
            change when the run is resumed).
        job_timeout_s: Seconds a job may run before it fails (and is retried like any
            failure). Iterative jobs fail at their first report past it; the processes
            executor also ends a job that does not report in time, by replacing its worker.
        extra: JSON-ready settings recorded with the run's spec and not interpreted
            (the command line records its model and data settings here).
        clock: Seconds, monotonic; injectable for tests.

    Example:
        >>> import rung
        >>> searcher = rung.RandomSearcher({"x": rung.uniform(-10, 10)})
        >>> tuner = rung.Tuner(lambda c: (c["x"] - 2) ** 2, rung.FIFO(searcher), seed=0)
        >>> result = tuner.run(max_trials=20)
        >>> result.best_value < 1
        True
    """

    @known_keywords
    def __init__(
        self,
        objective: Callable[..., Any],
        scheduler: Scheduler,
        *,
        direction: str | Direction = "min",
        seed: int = 0,
        resource_name: str = "epochs",
        metric: str | None = None,
        objectives: Any = None,
        constraints: Any = None,
        callbacks: Sequence[Callback] = (),
        executor: str | Executor | None = None,
        workers: int | None = None,
        gpus: str | Sequence[int | str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        keep_checkpoints: bool = False,
        max_retries: int = 1,
        job_timeout_s: float | None = None,
        extra: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.iterative = is_iterative(objective)
        check("Tuner", "scheduler", scheduler, InstanceOf((Scheduler,), "a rung Scheduler"))
        values = locals()
        for name, rule in _RULES.items():
            check("Tuner", name, values[name], rule)
        if resource_name in scheduler.searcher.space:
            raise ConfigError(
                f"The 'resource_name' {resource_name!r} is also a search space parameter; "
                "rename one of them."
            )
        if not isinstance(callbacks, Iterable):  # one callback, not in a list
            raise ConfigTypeError(
                "The 'callbacks' parameter of Tuner must be a list of rung.Callback "
                f"instances; got {callbacks!r} (write callbacks=[...])."
            )
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise ConfigTypeError(
                    "The 'callbacks' parameter of Tuner must hold rung.Callback instances "
                    f"(subclass rung.Callback and override its hooks); got {callback!r}."
                )
        self.objective = objective
        self.scheduler = scheduler
        self.direction = Direction.parse(direction)
        self.goals = Goals.build(objectives, constraints, metric, direction)
        if self.goals is not None:  # the first objective is the tuned metric
            metric, self.direction = self.goals.primary.name, self.goals.primary.direction
        _check_scores(self.goals, scheduler)
        self.seed = int(seed)
        self.resource_name = resource_name
        self.metric = metric
        self.job_timeout_s = job_timeout_s
        self.executor = make_executor(executor, workers, gpus=gpus)
        self.directory = None if directory is None else Path(directory)
        self.keep_checkpoints = keep_checkpoints
        self.max_retries = max_retries
        self.extra = dict(extra or {})
        self._clock = clock
        self._loop: RunLoop | None = None  # kept once run: a second run() continues it
        self._budget = Budget()  # the limits it ran to: a second run() keeps those not given
        self._elapsed = 0.0
        scheduler.searcher.adopt_seed(self.seed)
        scheduler.adopt_seed(self.seed)
        scheduler.adopt_workers(self.executor.workers)

    def spec(self, budget: Budget | None = None) -> RunSpec:
        """What this tuner runs, as it is recorded (see :class:`rung.results.spec.RunSpec`)."""
        scheduler = self.scheduler
        levels = tuple(getattr(scheduler, "levels", ()) or ())
        scored = self.goals is not None and self.goals.scored
        return RunSpec(
            direction=self.direction,
            objective_form=ObjectiveForm.ITERATIVE if self.iterative else ObjectiveForm.FUNCTION,
            resource_name=self.resource_name,
            metric=self.metric,
            space={name: repr(domain) for name, domain in scheduler.searcher.space.items()},
            searcher=type(scheduler.searcher).__name__,
            scheduler=type(scheduler).__name__,
            levels=levels,
            min_resource=levels[0] if levels else None,
            max_resource=scheduler.max_resource,
            eta=getattr(scheduler, "eta", None),
            scheduler_options=scheduler.recorded_options(),
            seed=self.seed,
            workers=self.executor.workers,
            budget=budget or Budget(),
            max_retries=self.max_retries,
            job_timeout_s=self.job_timeout_s,
            keep_checkpoints=self.keep_checkpoints,
            extra=self.extra,
            objectives=self.goals.objectives if scored else (),
            constraints=self.goals.constraints if scored else (),
        )

    @known_keywords
    def run(
        self,
        *,
        max_trials: int | None = None,
        max_jobs: int | None = None,
        time_budget_s: float | None = None,
        resource_budget: float | None = None,
        resume: Resume = False,
    ) -> Result:
        """Runs trials until a limit is reached or the schedule is exhausted.

        A second call continues the same run, as :meth:`resume` does: the limits given
        replace those of the same kind, the limits left out stay as they were (every limit
        counts the whole run), so ``run(max_trials=3)`` then ``run(max_jobs=20)`` still
        starts no more than 3 trials; give ``max_trials`` again, larger, for more.

        Args:
            max_trials: Start no more than this many trials (failed ones count).
            max_jobs: Run no more than this many jobs (failed ones count).
            time_budget_s: Start no job after this many seconds; iterative objectives
                running then stop at their next report, resumable from their checkpoint.
                Counted from when the workers are ready (their start-up is not included).
            resource_budget: Start no job once this much resource (epochs) is charged;
                see :class:`rung.results.spec.Budget`.
            resume: With a ``directory``: ``False`` refuses one that holds an experiment,
                ``True`` resumes it (:meth:`resume`), ``"auto"`` resumes it if there is
                one and starts a new run otherwise: one call that runs or resumes.

        Returns:
            The run's :class:`~rung.results.result.Result`.

        Raises:
            ConfigError: no limit is given to a run's first call, a limit is not
                positive, or ``resume=True`` without a ``directory``.
            StoreError: ``directory`` already holds an experiment (``resume=False``),
                cannot be written, or another process drives it (its run, or a command's
                final model and results files after it).
            TrialFailed: every trial failed: the first failure's traceback is included.
        """
        check("Tuner.run()", "resume", resume, OneOf((False, True, "auto")))
        limits = dict(
            max_trials=max_trials,
            max_jobs=max_jobs,
            time_budget_s=time_budget_s,
            resource_budget=resource_budget,
        )
        budget = Budget(**limits)
        if resume is True and self.directory is None:  # nothing recorded to resume from
            raise ConfigError(
                "The 'resume' parameter of Tuner.run() resumes the run recorded in "
                "'directory', but no directory was given; got resume=True: give "
                "directory=, or resume='auto' to resume one if it is there."
            )
        if self.directory is None:
            return self._continue(budget) if self._loop is not None else self._start(budget)
        from rung.store._directory import driving, holds_experiment

        # One driver per directory: not beside a command's run or its final model.
        with driving(self.directory, create=resume is not True, join=True):
            if self._loop is not None:
                return self._continue(budget)
            if resume is True or (resume == "auto" and holds_experiment(self.directory)):
                return self.resume(self.directory, **limits)
            return self._start(budget)

    def _start(self, budget: Budget) -> Result:
        if not budget.is_set:
            raise ConfigError(
                "Tuner.run() needs a budget: give max_trials, max_jobs, time_budget_s or "
                "resource_budget."
            )
        spec = self.spec(budget)
        loop = RunLoop(self.scheduler, spec)
        if self.directory is not None:
            from rung.store import ExperimentStore
            from rung.store._directory import holds_experiment

            if holds_experiment(self.directory):  # said as Python says it, not the CLI
                raise StoreError(
                    f"The directory {str(self.directory)!r} already holds an experiment "
                    f"({ExperimentStore.DB_NAME}): continue it with resume=True (or "
                    "resume='auto', which starts one where there is none), or give "
                    "another directory."
                )
            loop.store = ExperimentStore.create(
                self.directory, spec.to_dict(), keep_checkpoints=self.keep_checkpoints
            )
        return self._drive(loop, budget, elapsed=0.0)

    def _continue(self, budget: Budget) -> Result:
        """A second run(): the same run goes on, to the limits it ran to with those
        given in ``budget`` replaced (as :meth:`resume` extends the recorded ones)."""
        loop = self._loop
        assert loop is not None  # noqa: S101 - called only once a run exists
        budget = self._budget.extended(**budget.to_dict())
        # jobs a Ctrl-C (or an error) cut short run again, recorded or not
        loop.again.clear()
        loop.requeue_unfinished()
        if self.directory is not None:
            from rung.store import ExperimentStore

            loop.store = ExperimentStore.open(self.directory)
            # the calls the scheduler answered with no job after the last recorded event
            # (the run stopped with an error) shaped the scheduler this run goes on with
            no_job = loop.take_no_job()
            loop.store.run_resumed(self._elapsed, self._resumed_data(budget, no_job))
        return self._drive(loop, budget, self._elapsed)

    def _resumed_data(self, budget: Budget, no_job: list[bool] | None = None) -> dict[str, Any]:
        data = {"budget": budget.to_dict(), "workers": self.executor.workers}
        return {**data, "no_job": no_job} if no_job else data

    @known_keywords
    def resume(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        max_trials: int | None = None,
        max_jobs: int | None = None,
        time_budget_s: float | None = None,
        resource_budget: float | None = None,
    ) -> Result:
        """Continues a recorded run after a crash, a kill or its end, to its budget.

        The scheduler and searcher are rebuilt by replaying the recorded events through
        this tuner's (freshly built, identical) scheduler: rungs, promotions and
        observations come out as they were. Jobs that were running restart from their
        trial's newest checkpoint; no finished job runs again. The limits given replace
        the recorded ones of the same kind, and limits left out are the recorded ones (of
        the run's latest start, resume or second :meth:`run`), so a recorded
        ``max_trials=3`` still holds under ``resume(max_jobs=20)``; larger limits extend
        the run (all count from the run's start), as a second :meth:`run` does. A
        directory whose store holds no experiment (its run was killed while creating it)
        starts the run afresh.

        Args:
            directory: The experiment directory (default: this tuner's ``directory``).
            max_trials: The trial budget of the whole run.
            max_jobs: The job budget of the whole run.
            time_budget_s: The time budget of the whole run, in seconds.
            resource_budget: The resource budget of the whole run.

        Raises:
            StoreError: no experiment there, it was recorded with another search
                space, scheduler, searcher, seed or direction, or another process drives
                it (its run, or a command's final model and results files after it).
            TrialFailed: every trial failed.
        """
        from rung.store._directory import driving

        directory = directory if directory is not None else self.directory
        if directory is None:
            raise ConfigError("Tuner.resume() needs the experiment directory.")
        if self._loop is not None or self.scheduler.n_trials:
            raise ConfigError(
                "Tuner.resume() replays the record into a freshly built scheduler, but this "
                f"one has {self.scheduler.n_trials} trials already: build the tuner again."
            )
        limits = dict(
            max_trials=max_trials,
            max_jobs=max_jobs,
            time_budget_s=time_budget_s,
            resource_budget=resource_budget,
        )
        self.directory = Path(directory)
        # One driver per directory: not beside a command's run or its final model.
        with driving(self.directory, create=False, join=True):
            return self._resume(limits)

    def _resume(self, limits: dict[str, Any]) -> Result:
        """:meth:`resume` once the directory's driver lock is held."""
        from rung.results.summary import spec_of
        from rung.store import ExperimentStore
        from rung.store._directory import clear_stillborn, holds_experiment

        assert self.directory is not None  # noqa: S101 - set by resume()
        if (self.directory / ExperimentStore.DB_NAME).is_file() and not holds_experiment(
            self.directory
        ):
            budget = Budget(**limits)
            if not budget.is_set:
                raise ConfigError(
                    f"{str(self.directory)!r} holds no experiment (its run stopped while "
                    "creating it), so there is nothing to resume: give Tuner.resume() a "
                    "budget to start the run afresh."
                )
            clear_stillborn(self.directory)
            logger.warning(
                "%s held no experiment (its run stopped while creating it): starting afresh.",
                self.directory,
            )
            return self._start(budget)
        store = ExperimentStore.open(self.directory)
        try:
            recorded = spec_of(store.started)
            self.scheduler.adopt_record(recorded.scheduler_options)
            check_spec(self.spec(), recorded, self.directory)
            budget = recorded_budget(store, recorded.budget).extended(**limits)
            loop = RunLoop(self.scheduler, self.spec(budget), store)
            elapsed = replay(loop, store, recorded.budget.max_trials)
            store.run_resumed(elapsed, self._resumed_data(budget))
        except BaseException:
            store.close()
            raise
        return self._drive(loop, budget, elapsed)

    def _drive(self, loop: RunLoop, budget: Budget, elapsed: float) -> Result:
        """Runs the loop to ``budget``; keeps the state so that a second run() continues."""
        self._loop, self._budget = loop, budget
        driver = Driver(loop, self.executor, self.objective, self.callbacks, self._clock)
        try:
            result = driver.run(budget, elapsed, self.directory)
        finally:
            self._elapsed = driver.elapsed
        if result.infeasible and result.incumbent is None:
            reason = no_best_reason(result)  # the words `rung show` uses, NaN results apart
            logger.warning(
                "%s%s (%s).",
                reason[0].upper(),
                reason[1:],
                ", ".join(str(c) for c in result.spec.constraints),
            )
        return result


def _check_scores(goals: Goals | None, scheduler: Scheduler) -> None:
    """Tells the scheduler that results are Scores when they are, after checking that its
    searcher can learn from them.

    Raises:
        ConfigError: the searcher models one value, or the scheduler was told to take
            Scores in a run of single values.
    """
    scored = goals is not None and goals.scored
    if not scored:
        if scheduler.scores:
            raise ConfigError(
                "The scheduler takes Scores (use_scores() was called), but the run has one "
                "objective and no constraint: give objectives= or constraints=, or build "
                "the scheduler again."
            )
        return
    searcher = scheduler.searcher
    if not searcher.takes_scores:
        name = type(searcher).__name__
        raise ConfigError(
            f"{name} models one value, but this run has several objectives or constraints: "
            "use EHVISearcher (several objectives and constraints), "
            f"ParEGOSearcher({name}(...)) or RandomSearcher."
        )
    if not scheduler.scores:
        scheduler.use_scores()
