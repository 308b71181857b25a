"""What crosses the executor boundary: a task (a job with what a worker needs to run it)
and its outcome (how the job ended).

Both are frozen dataclasses, so they travel between processes; the trial (:mod:`rung.trial`)
runs a task and makes its outcome, and every executor hands them back and forth.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rung._frozen import frozen
from rung.types import Job, JobStatus, Report

__all__ = ["Outcome", "Task"]


@frozen
class Task:
    """A job with everything a worker needs to run it.

    Attributes:
        job: What to run.
        seed: The trial's seed.
        checkpoint: State the trial paused with, or None.
        iterative: True for ``f(config, trial)`` objectives.
        resource_name: Config key carrying the resource for ``f(config)`` objectives, or
            None for single-fidelity runs.
        deadline: Clock time after which an iterative job stops at its next report.
        timeout: Seconds a job may run before it fails (None: no limit). Iterative jobs
            fail at their first report past it; executors that can (processes) end a job
            that does not report in time.
        metric: The metric tuned when the objective reports a mapping of metrics (None:
            it reports one number, or a mapping of one).
        checkpoint_every_s: A running job's checkpoint travels with its report (so a
            crash or Ctrl-C loses at most this much of its work) at most this often, in
            seconds; None: only with the job's outcome.
        max_resource: The scheduler's full resource (None: single fidelity). A job that
            ends below it may be continued later, so executors that keep paused calls
            pause its call there instead of ending it.
    """

    job: Job
    seed: int
    checkpoint: Any = None
    iterative: bool = False
    resource_name: str | None = None
    deadline: float | None = None
    timeout: float | None = None
    metric: str | None = None
    checkpoint_every_s: float | None = None
    max_resource: int | None = None


@frozen
class Outcome:
    """How a job ended.

    Attributes:
        job: The job.
        status: COMPLETED, FAILED or INTERRUPTED.
        reports: Every value the job reported, in order (times in seconds since the run began).
        value: The last reported value (NaN if the job failed).
        resource: The resource the job reached.
        checkpoint: The newest checkpoint the job passed, or None.
        error: The traceback of a failed job.
        start: When the job started, seconds since the run began.
        end: When it ended.
        worker: The worker that ran it.
        paused_call: The objective's call is paused in the worker that ran the job, so
            that the trial's next job can continue it (see :mod:`rung.executors._paused`).
        retrained: The highest resource the objective reported at or below the job's
            ``resource_from`` (a loop from the start called again): training it did
            again. 0 when none.
        config: The configuration the objective used, when it is not the job's (a
            define-by-run objective: the parameters it asked for); None otherwise.
        space: The domains a define-by-run objective declared, by name; None otherwise.
        checkpoint_lost: The job did not run: the task's checkpoint passed the store's
            checks but did not decode (``error`` says why). Such a checkpoint is lost, as
            a missing one is: the job is INTERRUPTED and the trial trains again from 0.
        pruned: The objective raised ``TrialPruned`` (Optuna's or rung's): the trial ends
            here, stopped, whatever value it has.
    """

    job: Job
    status: JobStatus
    reports: tuple[Report, ...]
    value: float
    resource: int
    checkpoint: Any
    error: str | None
    start: float
    end: float
    worker: int = 0
    paused_call: bool = False
    retrained: int = 0
    config: Mapping[str, Any] | None = None
    space: Mapping[str, Any] | None = None
    checkpoint_lost: bool = False
    pruned: bool = False

    @classmethod
    def failed(cls, job: Job, error: str, start: float, end: float, worker: int = 0) -> Outcome:
        """A job that failed before reporting anything (``error``: its traceback or reason)."""
        return cls(
            job, JobStatus.FAILED, (), math.nan, job.resource_from, None, error, start, end, worker
        )

    @classmethod
    def lost_checkpoint(
        cls, job: Job, reason: str, start: float, end: float, worker: int = 0
    ) -> Outcome:
        """A job that did not run because its checkpoint does not decode (``reason``)."""
        return cls(
            job,
            JobStatus.INTERRUPTED,
            (),
            math.nan,
            job.resource_from,
            None,
            reason,
            start,
            end,
            worker,
            checkpoint_lost=True,
        )
