"""What an objective sees of its trial, and how one job of it is run.

Two objective forms are supported:

* ``f(config) -> float``: trains from scratch to the resource in ``config[resource_name]``
  (multi-fidelity schedulers) and returns the value there.
* ``f(config, trial)``: a training loop that calls :meth:`Trial.report` after every epoch.
  It may be written either way:

  - *from the start*, as in Optuna or Keras: ``for epoch in range(1, 101):
    trial.report(epoch, loss)``. When the reported resource reaches the job's
    ``resource_to`` the job ends there, and the call is *paused* inside ``report``
    (executors that keep paused calls: inline and processes, see
    :mod:`rung.executors._paused`): a promotion returns from that same ``report``, so
    the loop goes on with its model, optimizer and data still in memory; a stop raises a
    control-flow exception from it (:meth:`Trial.should_stop` then says True). When the
    paused call is gone (evicted, its worker died, the run was resumed), the trial's
    next job calls ``f`` again: reports at or below ``trial.resource_from`` are then
    training the trial already had, so they are neither recorded nor an error.
  - *from* ``trial.resource_from`` *to* ``trial.resource_to``, restoring
    ``trial.checkpoint`` (the state passed with the last report): such a loop returns
    by itself once continued past its range, and is then called again from its
    checkpoint, as it always was.

  A job that returns below its ``resource_to`` after reporting fails (its last value is
  of a lower resource, so it is not ranked as the value at ``resource_to``); a function
  that reports nothing and returns a value has that value taken at ``resource_to``.
"""

from __future__ import annotations

import inspect
import math
import traceback
from collections.abc import Callable, Mapping
from numbers import Integral, Real
from typing import Any

from rung.errors import ConfigError, ConfigTypeError
from rung.task import Outcome, Task
from rung.types import JobStatus, Report

__all__ = [
    "Trial",
    "call_objective",
    "execute",
    "is_iterative",
    "new_trial",
    "outcome_of",
    "short_message",
    "timeout_message",
]


class _JobEnd(BaseException):
    """Ends the objective's call. BaseException, so a user's ``except Exception`` passes it on."""


class _ResourceReached(_JobEnd):
    pass


class _DeadlineReached(_JobEnd):
    pass


class _TimedOut(_JobEnd):
    pass


class _Released(_JobEnd):
    """Ends a paused call: its trial was stopped, or its memory is needed (eviction)."""


def timeout_message(timeout: float) -> str:
    """The error of a job that ran past its timeout (the last line of its 'traceback')."""
    return f"JobTimeout: the job ran longer than its timeout of {timeout:g} s and was failed."


def short_message(reached: int, asked: int, resource_name: str | None) -> str:
    """Why a job that ended below its ``resource_to`` failed: what it reached, of what.

    Args:
        reached: The job's last reported resource.
        asked: The job's ``resource_to``.
        resource_name: What the resource counts (``"epochs"``), or None.

    Example:
        >>> short_message(6, 7, "epochs")
        'reported up to 6 of the 7 epochs asked'
    """
    return f"reported up to {reached} of the {asked} {resource_name or 'resource'} asked"


class Trial:
    """The running job's view of its trial, handed to iterative objectives.

    Attributes:
        trial_id: The trial's id.
        seed: A seed for the trial's own randomness (data order, initialization); the same
            for every job of the trial and for every run with the same tuner seed.
        resource_from: The resource the trial already has (0 for a new trial).
        resource_to: The resource at which this job ends (it grows when a paused call is
            continued).
        max_resource: The full resource of a multi-fidelity scheduler, else None.
    """

    def __init__(
        self,
        trial_id: int,
        seed: int,
        resource_from: int,
        resource_to: int,
        checkpoint: Any = None,
        clock: Callable[[], float] | None = None,
        deadline: float | None = None,
        expires: float | None = None,
        on_report: Callable[[Report, Any], None] | None = None,
        metric: str | None = None,
    ) -> None:
        self.trial_id = trial_id
        self.seed = seed
        self.resource_from = resource_from
        self.resource_to = resource_to
        self._checkpoint_in = checkpoint
        self.checkpoint_out: Any = None
        self.reports: list[Report] = []
        self._clock = clock
        self._deadline = deadline
        self._expires = expires  # clock time past which the job fails (its timeout)
        self._on_report = on_report  # hears each report after which the job goes on
        self._metric = metric
        # Called at resource_to instead of ending the call: blocks until the trial is
        # continued (returns) or released (raises); set by the paused-call keeper.
        self._pause: Callable[[], None] | None = None
        self._stopped = False
        self._pruned = False  # the objective raised TrialPruned
        self._continued = False  # a paused call that was continued
        self._last: int | None = None  # the call's last reported resource
        self.retrained = 0  # the highest resource reported at or below resource_from
        self.max_resource: int | None = None
        # A define-by-run objective's parameters as it asks for them, and their domains.
        self.used_config: dict[str, Any] | None = None
        self.declared: dict[str, Any] | None = None

    def should_stop(self) -> bool:
        """True once the scheduler has ended the trial (or its paused call was released).

        A loop that runs from the start learns a stop decision from :meth:`report`, which
        raises a control-flow exception (a ``BaseException``: ``except Exception`` passes
        it on); code in a ``finally`` block may ask this to tell a stop from an error.
        """
        return self._stopped

    @property
    def checkpoint(self) -> Any:
        """The state passed with the trial's last report before it paused, or None."""
        return self._checkpoint_in

    @property
    def metric(self) -> str | None:
        """The metric the tuner tunes when reports carry several (None: one value each)."""
        return self._metric

    def seconds_left(self) -> float | None:
        """Seconds before the job's timeout fails it (None: no timeout), for objectives
        that wait on something else between reports (a program's output)."""
        if self._expires is None or self._clock is None:
            return None
        return self._expires - self._clock()

    def report(
        self, resource: int, value: float | Mapping[str, float], checkpoint: Any = None
    ) -> None:
        """Records the metric ``value`` reached at ``resource``.

        Args:
            resource: The resource trained so far (e.g. epochs); increases with every call.
            value: The metric at that resource, or a mapping of several metrics by name
                (the tuner's ``metric`` names the one tuned; all are recorded).
            checkpoint: State to resume from if the trial is paused here (e.g. model and
                optimizer state dicts). Only the newest is kept.

        A report at ``resource_to`` ends the job: the call pauses here until the trial is
        continued (this returns) or stopped (this raises a control-flow exception), or,
        where calls are not kept, ends at once. A report at or below ``resource_from``
        (a loop from the start, called again) is training the trial already had: it is
        not recorded.

        Raises:
            ValueError: resource is not an integer above the previous one, or the tuned
                metric is missing from a mapping.
            ConfigError: resource is past the job's ``resource_to`` (the job trains up to
                it and no further; the job fails with this message, nothing is recorded).
            TypeError: value is not a real number (or a mapping of them).
        """
        if type(resource) is not int and (
            isinstance(resource, bool) or not isinstance(resource, Integral)
        ):
            raise TypeError(f"trial.report: 'resource' must be an int; got {resource!r}.")
        if self._last is not None and resource <= self._last:
            raise ValueError(
                f"trial.report: 'resource' must increase, above {self._last}; got {resource!r}."
            )
        if resource > self.resource_to:
            raise ConfigError(
                f"trial.report: 'resource' must be at most the job's resource_to "
                f"{self.resource_to} (report at resource_to: the job ends there, and the "
                f"call pauses or stops); got {resource!r}."
            )
        if resource < 1:
            raise ValueError(f"trial.report: 'resource' must be >= 1; got {resource!r}.")
        if resource <= self.resource_from:
            # A loop from the start, called again (its paused call was gone): the trial
            # already had this resource, so it is trained again but not recorded again.
            self._last = self.retrained = int(resource)
            self._check_time(self._clock() if self._clock is not None else 0.0)
            return
        metrics = None
        if type(value) is not float:
            if isinstance(value, Mapping):
                value, metrics = measure(value, self._metric, "trial.report")
            elif isinstance(value, bool) or not isinstance(value, Real):
                raise TypeError(
                    "trial.report: 'value' must be a real number or a mapping of metric "
                    f"names to numbers; got {value!r}."
                )
        now = self._clock() if self._clock is not None else 0.0
        report = Report(int(resource), float(value), now, metrics)
        self.reports.append(report)
        if checkpoint is not None:
            self.checkpoint_out = checkpoint
        self._last = int(resource)
        if resource >= self.resource_to:
            if self._pause is None or (
                self.max_resource is not None and resource >= self.max_resource
            ):
                raise _ResourceReached
            self._pause()  # returns continued, with a new resource_to; or raises _Released
            return
        self._check_time(now)
        if self._on_report is not None:  # the job's outcome carries its last report
            self._on_report(report, checkpoint)

    def _check_time(self, now: float) -> None:
        if self._deadline is not None and now >= self._deadline:
            raise _DeadlineReached
        if self._expires is not None and now > self._expires:
            raise _TimedOut


def is_iterative(objective: Callable[..., Any]) -> bool:
    """True for ``f(config, trial)``, False for ``f(config)``.

    Raises:
        ConfigTypeError: the objective is not callable or takes neither form.
    """
    if not callable(objective):
        raise ConfigTypeError(f"The 'objective' must be callable; got {objective!r}.")
    try:
        params = list(inspect.signature(objective).parameters.values())
    except (TypeError, ValueError):  # builtins without a signature: assume f(config)
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    n_required = sum(p.default is p.empty for p in positional)
    if (
        n_required <= 2
        and len(positional) >= 2
        and (positional[1].default is positional[1].empty or positional[1].name == "trial")
    ):
        return True
    if n_required <= 1 and (positional or any(p.kind is p.VAR_POSITIONAL for p in params)):
        return False
    raise ConfigTypeError(
        "The 'objective' must take (config) or (config, trial); got a function with "
        f"parameters {[p.name for p in params]}: {objective!r}."
    )


def measure(
    metrics: Mapping[str, Any], metric: str | None, where: str
) -> tuple[float, dict[str, float]]:
    """The tuned value of a mapping of metrics, and the mapping as floats.

    Raises:
        TypeError: a metric is not a real number.
        ValueError: the tuned metric is missing, or several are given and none is named.
    """
    values: dict[str, float] = {}
    for name, number in metrics.items():
        if isinstance(number, bool) or not isinstance(number, Real):
            raise TypeError(f"{where}: metric {name!r} must be a real number; got {number!r}.")
        values[str(name)] = float(number)
    if not values:
        raise ValueError(f"{where}: an empty mapping holds no metric; give at least one.")
    if metric is None:
        if len(values) != 1:
            raise ValueError(
                f"{where}: the objective reported several metrics {sorted(values)}; tell the "
                "tuner which one to tune with metric=NAME (rung.tune(..., metric=...))."
            )
        return next(iter(values.values())), values
    if metric not in values:
        raise ValueError(
            f"{where}: the tuned metric {metric!r} is not among the metrics reported "
            f"{sorted(values)}."
        )
    return values[metric], values


def _as_value(value: Any, metric: str | None = None) -> tuple[float, dict[str, float] | None]:
    if type(value) is float:  # the common case, without the costly ABC check below
        return value, None
    if isinstance(value, Mapping):
        return measure(value, metric, "The objective's return value")
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            "The objective must return a real number or a mapping of metric names to "
            f"numbers; got {value!r}."
        )
    return float(value), None


def _config_for(task: Task) -> dict[str, Any]:
    config = dict(task.job.config)  # a copy: the objective may change it
    if task.resource_name is not None and not task.iterative:
        config[task.resource_name] = task.job.resource_to
    return config


def execute(
    task: Task,
    objective: Callable[..., Any],
    clock: Callable[[], float],
    worker: int = 0,
    on_report: Callable[[Report, Any], None] | None = None,
) -> Outcome:
    """Runs one job of ``objective`` and says how it ended; never raises for the objective.

    Args:
        task: The job with its seed, checkpoint and deadline.
        objective: The user's function.
        clock: Seconds since the run started.
        worker: The id of the worker running it.
        on_report: Hears each report of an iterative job as it is made, with the
            checkpoint passed along (or None), but the last (the outcome carries that one).
    """
    job = task.job
    start = clock()
    if not task.iterative:  # the common, cheapest path: one call, one value
        try:
            value, metrics = _as_value(objective(_config_for(task)), task.metric)
        except Exception:  # the objective's own failure is recorded, the run goes on
            return Outcome.failed(job, traceback.format_exc(), start, clock(), worker)
        end = clock()
        if task.timeout is not None and end - start > task.timeout:
            return Outcome.failed(job, timeout_message(task.timeout), start, end, worker)
        report = Report(job.resource_to, value, end, metrics)
        return Outcome(
            job,
            JobStatus.COMPLETED,
            (report,),
            value,
            job.resource_to,
            None,
            None,
            start,
            end,
            worker,
        )

    trial = new_trial(task, clock, start, on_report)
    status, error = call_objective(task, objective, trial, clock)
    return outcome_of(task, trial, status, error, start, clock(), worker)


def new_trial(
    task: Task,
    clock: Callable[[], float],
    start: float,
    on_report: Callable[[Report, Any], None] | None = None,
) -> Trial:
    """The trial an iterative job of ``task`` hands its objective, started at ``start``."""
    job = task.job
    trial = Trial(
        job.trial_id,
        task.seed,
        job.resource_from,
        job.resource_to,
        task.checkpoint,
        clock,
        task.deadline,
        None if task.timeout is None else start + task.timeout,
        on_report,
        task.metric,
    )
    trial.max_resource = task.max_resource
    return trial


def call_objective(
    task: Task, objective: Callable[..., Any], trial: Trial, clock: Callable[[], float]
) -> tuple[JobStatus, str | None]:
    """Calls an iterative objective until it returns or a report ends it: how it ended."""
    try:
        returned = objective(_config_for(task), trial)
        if not trial.reports:
            if returned is None and trial._continued:  # done with its range: called again
                return JobStatus.COMPLETED, None
            if returned is None:
                if trial.retrained:  # reported only what the trial already had
                    raise RuntimeError(
                        f"The objective returned after reporting up to {trial.retrained}, "
                        f"without reaching the trial's resource {trial.resource_from}: it "
                        "reported nothing new."
                    )
                raise RuntimeError(
                    "The objective returned without calling trial.report(resource, value)."
                )
            value, metrics = _as_value(returned, task.metric)
            trial.reports.append(Report(trial.resource_to, value, clock(), metrics))
        elif trial.reports[-1].resource < trial.resource_to and not trial._stopped:
            # A value from a lower resource would be ranked (and promoted on) as if it were
            # the value at resource_to: the job fails instead, and is retried like others.
            # A value returned after the reports is not taken for the missing ones: a loop
            # one short returns the value of its last epoch, not of resource_to.
            short = short_message(trial.reports[-1].resource, trial.resource_to, task.resource_name)
            raise RuntimeError(
                f"The objective returned having {short}: a job ends with its report at "
                "trial.resource_to (loop over range(trial.resource_from + 1, "
                "trial.resource_to + 1))."
            )
    except _DeadlineReached:
        return JobStatus.INTERRUPTED, None
    except (_ResourceReached, _Released):
        return JobStatus.COMPLETED, None
    except _TimedOut:
        return JobStatus.FAILED, timeout_message(task.timeout or 0.0)
    except Exception as error:  # the objective's own failure is recorded, the run goes on
        if _is_stop(error):  # a pruned trial (optuna.TrialPruned) ends as a stop would
            trial._stopped = trial._pruned = True
            return JobStatus.COMPLETED, None
        return JobStatus.FAILED, traceback.format_exc()
    return JobStatus.COMPLETED, None


def _is_stop(error: BaseException) -> bool:
    """An exception that says the trial was stopped: Optuna's TrialPruned, or rung's."""
    return any(c.__name__ == "TrialPruned" for c in type(error).__mro__)


def outcome_of(
    task: Task,
    trial: Trial,
    status: JobStatus,
    error: str | None,
    start: float,
    end: float,
    worker: int,
    paused: bool = False,
) -> Outcome:
    """The outcome of the job ``trial`` ran for ``task`` (``paused``: the call is kept)."""
    job = task.job
    if status is JobStatus.COMPLETED and task.timeout is not None and end - start > task.timeout:
        status, error = JobStatus.FAILED, timeout_message(task.timeout)
    last = trial.reports[-1] if trial.reports else None
    value = last.value if last is not None and status is not JobStatus.FAILED else math.nan
    return Outcome(
        job=job,
        status=status,
        reports=tuple(trial.reports),
        value=value,
        resource=last.resource if last is not None else job.resource_from,
        checkpoint=trial.checkpoint_out,
        error=error,
        start=start,
        end=end,
        worker=worker,
        paused_call=paused,
        retrained=trial.retrained,
        config=None if trial.used_config is None else dict(trial.used_config),
        space=None if trial.declared is None else dict(trial.declared),
        pruned=trial._pruned and status is JobStatus.COMPLETED,
    )
